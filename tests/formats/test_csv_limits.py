"""CSV files that would sink a streaming reader: huge fields, NUL bytes, UTF-16 without a mark."""

import csv
import sys
import tracemalloc

import pytest

from tm.errors import CSVFormatError, FormatError
from tm.formats.csv import read_csv

MB = 1 << 20
ROWS = "source,target\nارتفعت أسعار النفط اليوم,Oil prices rose today\nهبط الذهب,Gold fell\n"


def read_file(path, **kw):
    with open(path, "rb") as f:
        return list(read_csv(f, path=str(path), **kw))


def peak_while(fn) -> int:
    """Run fn and return the peak of memory Python allocated meanwhile, in bytes."""
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def write_big_field(path, *, prefix: bytes, size_mb: int, unit: bytes = b"a" * 1024) -> None:
    """Write a CSV whose second row holds a field of size_mb megabytes, in 1 MB chunks."""
    chunk = unit * (MB // len(unit))
    with open(path, "wb") as f:
        f.write(b"source,target\n" + prefix)
        for _ in range(size_mb):
            f.write(chunk)
        f.write(b"\n")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_csv_without_a_byte_order_mark_is_read(tmp_path, encoding):
    path = tmp_path / "memory.csv"
    path.write_bytes(ROWS.encode(encoding))
    units = read_file(path)
    assert [(u.source, u.target) for u in units] == [
        ("ارتفعت أسعار النفط اليوم", "Oil prices rose today"),
        ("هبط الذهب", "Gold fell"),
    ]


def test_a_csv_of_nul_bytes_is_refused_as_not_a_text_file(tmp_path):
    path = tmp_path / "memory.csv"
    path.write_bytes(b"\x00" * 100_000)
    with pytest.raises(FormatError, match="this is not a text file"):
        read_file(path)


def test_nul_bytes_in_a_later_row_are_refused_with_the_line(tmp_path):
    path = tmp_path / "memory.csv"
    path.write_bytes(ROWS.encode() + b"\x00\x00,\x00\n")
    with pytest.raises(FormatError, match="not a text file") as err:
        read_file(path)
    assert err.value.line == 4


def test_a_200_mb_line_is_refused_early_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.csv"
    write_big_field(path, prefix="نص,".encode(), size_mb=200)
    errors = []

    def run():
        with pytest.raises(CSVFormatError) as err:
            read_file(path)
        errors.append(err.value)

    assert peak_while(run) < 16 * MB
    assert errors[0].line == 2
    assert "longer than" in str(errors[0]) and "delimiter" in str(errors[0])


def test_an_unclosed_quote_over_many_lines_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "unclosed.csv"
    write_big_field(path, prefix='"نص لم يغلق,'.encode(), size_mb=50, unit="سطر قصير\n".encode())
    errors = []

    def run():
        with pytest.raises(CSVFormatError) as err:
            read_file(path)
        errors.append(err.value)

    assert peak_while(run) < 16 * MB
    assert errors[0].line == 2 and "quote" in str(errors[0])


def test_rows_stay_bounded_even_when_the_csv_field_limit_was_raised(tmp_path):
    # another library in the same process may have raised the module-wide limit
    old = csv.field_size_limit(sys.maxsize)
    try:
        path = tmp_path / "unclosed.csv"
        write_big_field(path, prefix=b'"open,', size_mb=30, unit=b"short line\n")
        errors = []

        def run():
            with pytest.raises(CSVFormatError) as err:
                read_file(path)
            errors.append(err.value)

        assert peak_while(run) < 16 * MB
    finally:
        csv.field_size_limit(old)
    assert errors[0].line == 2 and "row is longer than" in str(errors[0])


def test_bytes_that_are_not_utf8_are_refused_with_their_own_line_far_into_the_file(tmp_path):
    path = tmp_path / "memory.csv"
    rows = "".join(f"وصل الوفد {i},The delegation {i} arrived\n" for i in range(3000))
    path.write_bytes(("source,target\n" + rows).encode() + b"\xff\xfe bad,\x80\n" + rows.encode())
    with pytest.raises(FormatError, match="not valid utf-8") as err:
        read_file(path)
    assert err.value.line == 3002
