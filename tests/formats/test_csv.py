import io

import pytest

from tm.errors import CSVFormatError, FormatError
from tm.formats.csv import read_csv, write_csv
from tm.store.sqlite import SQLiteStore


def read(data: bytes, **kw):
    return list(read_csv(io.BytesIO(data), **kw))


def test_csv_with_a_header_row_and_extra_columns():
    data = 'source,target,author,client\n"قال، الرئيس","He said, ""yes""",sara,AFP\nنعم,Yes,,\n'.encode()
    units = read(data)
    assert [(u.source, u.target, u.author) for u in units] == [
        ("قال، الرئيس", 'He said, "yes"', "sara"),
        ("نعم", "Yes", None),
    ]
    assert units[0].meta == {"csv": {"client": "AFP"}} and units[1].meta == {}


@pytest.mark.parametrize("header", ["ar\ten", "Arabic\tEnglish", "SOURCE\tTARGET"])
def test_tsv_and_header_aliases(header):
    units = read(f"{header}\nمرحبا\tHello\n".encode())
    assert [(u.source, u.target) for u in units] == [("مرحبا", "Hello")]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1256"])
def test_encodings_are_detected(encoding):
    units = read("source,target\nأعلنت الحكومة الخطة,The government announced the plan\n".encode(encoding))
    assert units[0].source == "أعلنت الحكومة الخطة"


def test_missing_columns_are_refused_with_the_header_named():
    with pytest.raises(CSVFormatError, match="no source and target column") as err:
        read(b"foo,bar\n1,2\n")
    assert err.value.line == 1


def test_a_short_row_is_refused_with_its_line():
    with pytest.raises(CSVFormatError) as err:
        read("source,target\nأ,a\nب\n".encode())
    assert err.value.line == 3


def test_undecodable_bytes_are_refused():
    with pytest.raises(FormatError):
        read(b"source,target\n" + b"\x80\x89\x99\x85,x\n" * 3)


def test_written_csv_reads_back(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    store.units.import_units(read('source,target,origin\n"سطر\nثان",two lines,human\nأ,a,mt\n'.encode()))
    out = io.StringIO()
    assert write_csv(out, store.units.iter_units()) == 2
    again = read(out.getvalue().encode())
    assert [(u.source, u.target, u.origin) for u in again] == [
        ("سطر\nثان", "two lines", "human"),
        ("أ", "a", "mt"),
    ]
    store.close()
