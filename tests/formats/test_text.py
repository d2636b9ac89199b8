"""Text files whose encoding nobody said: UTF-16 without a byte-order mark, NUL bytes."""

import pytest

from tm.errors import FormatError
from tm.formats.text import read_text

ARTICLE = (
    "أعلنت وزارة الصحة صباح اليوم عن افتتاح مستشفى جديد في المدينة.\n\nوقال الوزير إن العمل بدأ قبل عامين.\n"
)
ENGLISH = "The ministry opened a new hospital this morning.\nThe minister said work began two years ago.\n"
MIXED = "قال المتحدث باسم الشركة (Acme Ltd.) إن الأرباح ارتفعت ١٢٪ في ٢٠٢٤.\r\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", [ARTICLE, ENGLISH, MIXED], ids=["arabic", "english", "mixed"])
def test_utf16_without_a_byte_order_mark_is_read_in_either_byte_order(tmp_path, encoding, text):
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    assert read_text(path) == text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1256"])
def test_the_encodings_with_a_mark_or_without_nuls_are_still_read(tmp_path, encoding):
    path = tmp_path / "article.txt"
    path.write_bytes(ARTICLE.encode(encoding))
    assert read_text(path) == ARTICLE


@pytest.mark.parametrize("size", [1, 2, 4096])
def test_a_file_of_nul_bytes_is_refused_as_not_a_text_file(tmp_path, size):
    path = tmp_path / "zeros.txt"
    path.write_bytes(b"\x00" * size)
    with pytest.raises(FormatError, match="this is not a text file"):
        read_text(path)


def test_utf8_with_nul_bytes_in_it_is_refused_with_the_line(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes("سطر أول\nسطر\x00 ثان\n".encode())
    with pytest.raises(FormatError, match="not a text file") as err:
        read_text(path)
    assert err.value.line == 2


def test_utf16_read_with_the_wrong_encoding_is_refused_not_read_as_nuls(tmp_path):
    path = tmp_path / "article.txt"
    path.write_bytes(ARTICLE.encode("utf-16-le"))
    with pytest.raises(FormatError, match="not a text file"):
        read_text(path, encoding="utf-8")
