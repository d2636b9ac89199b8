"""TBX and glossary CSV import: the language pair, files in other languages, bad or huge input."""

import io
import os
import tracemalloc

import pytest
from lxml import etree

from tests.cli_run import run_tm
from tm.errors import CSVFormatError, FormatError
from tm.formats.tbx import MAX_GLOSSARY_BYTES, read_glossary_csv, read_tbx, write_tbx
from tm.store.records import Term

MB = 1 << 20


def tbx(*entries: list[tuple[str, str]]) -> bytes:
    """A TBX-Basic file; each entry is a list of (language, term)."""
    body = ""
    for entry in entries:
        body += "<termEntry>" + "".join(
            f'<langSet xml:lang="{lang}"><tig><term>{term}</term></tig></langSet>' for lang, term in entry
        )
        body += "</termEntry>\n"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<martif type="TBX-Basic" xml:lang="en">\n'
        f"<text><body>\n{body}</body></text>\n</martif>\n"
    ).encode()


def test_language_codes_of_the_pair_match_in_any_case_and_region():
    data = tbx([("AR-eg", "وزارة الخارجية"), ("en_GB", "Foreign Office")])
    terms = read_tbx(data, source_lang="ar", target_lang="en")
    assert [(t.source, t.target) for t in terms] == [("وزارة الخارجية", "Foreign Office")]


def test_an_en_us_to_en_gb_glossary_reads_each_side_from_its_region():
    data = tbx([("en-GB", "lorry"), ("en-US", "truck")], [("en-us", "sidewalk"), ("EN-GB", "pavement")])
    terms = read_tbx(data, source_lang="en-US", target_lang="en-GB")
    assert [(t.source, t.target) for t in terms] == [("truck", "lorry"), ("sidewalk", "pavement")]


def test_a_tbx_without_the_pair_is_refused_with_the_languages_it_has():
    data = tbx([("fr", "ministère"), ("de", "Ministerium")], [("fr", "pétrole")])
    with pytest.raises(FormatError) as err:
        read_tbx(data)
    assert "no term entry has both ar and en" in str(err.value)
    assert "de, fr" in str(err.value) and "--source-lang" in str(err.value)


def test_a_tbx_whose_arabic_and_english_are_in_different_entries_is_refused():
    data = tbx([("ar", "نفط")], [("en", "oil")])
    with pytest.raises(FormatError, match="no term entry has both ar and en"):
        read_tbx(data)


def test_an_exported_tbx_stays_valid_xml_when_terms_hold_control_characters():
    term = Term(7, "نفط\x0b", "oil\x01", "خام\x0c برنت", ["petrol\x1f"], True, "huda", "", "")
    out = io.StringIO()
    write_tbx(out, [term])
    etree.fromstring(out.getvalue().encode())
    back = read_tbx(out.getvalue().encode())
    assert [(t.source, t.target, t.notes, t.forbidden) for t in back] == [
        ("نفط", "oil", "خام برنت", ["petrol"])
    ]


def test_an_empty_glossary_exported_by_tm_reads_back_as_no_terms():
    out = io.StringIO()
    write_tbx(out, [])
    assert read_tbx(out.getvalue().encode()) == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_glossary_csv_without_a_byte_order_mark_is_read(encoding):
    data = "source,target,forbidden\nطائرة مسيرة,drone,UAV\n".encode(encoding)
    terms = read_glossary_csv(data)
    assert [(t.source, t.target, t.forbidden) for t in terms] == [("طائرة مسيرة", "drone", ["UAV"])]


def test_a_glossary_csv_of_nul_bytes_is_refused_as_not_a_text_file():
    with pytest.raises(FormatError, match="this is not a text file"):
        read_glossary_csv(b"\x00" * 10_000)


def test_a_glossary_csv_over_the_size_cap_is_refused():
    with pytest.raises(FormatError, match="split it first"):
        read_glossary_csv(b"x" * (MAX_GLOSSARY_BYTES + 1))


def test_a_60_mb_field_in_a_glossary_csv_is_refused_without_copying_the_file():
    data = "source,target\nنفط,".encode() + b"o" * (60 * MB) + b"\n"
    tracemalloc.start()
    try:
        with pytest.raises(CSVFormatError, match="longer than") as err:
            read_glossary_csv(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MB
    assert err.value.line == 2


def test_glossary_import_refuses_a_huge_file_before_reading_it(tmp_path):
    big = tmp_path / "terms.csv"
    with open(big, "wb") as f:
        f.write("source,target\nنفط,oil\n".encode())
        os.truncate(f.fileno(), 200 * MB)  # sparse: the size is there, the disk is not used
    proc = run_tm(tmp_path, "glossary", "import", str(big), check=False)
    assert proc.returncode != 0
    assert "200 MB" in proc.stderr and "split it first" in proc.stderr


def test_glossary_import_passes_the_language_pair_to_tbx(tmp_path):
    (tmp_path / "terms.tbx").write_bytes(tbx([("ar", "نفط"), ("en", "oil")]))
    proc = run_tm(
        tmp_path, "glossary", "import", "terms.tbx", "--source-lang", "de", "--target-lang", "fr", check=False
    )
    assert proc.returncode != 0
    assert "no term entry has both de and fr" in proc.stderr and "ar, en" in proc.stderr
