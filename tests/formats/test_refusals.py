"""Bad files through the real `tm`: one line on stderr, and the memory exactly as it was."""

import pytest

from tests.cli_run import run_tm

GOOD_ROWS = "".join(f"ارتفع المؤشر {i} نقطة,The index rose {i} points\n" for i in range(3000))
BAD_ROWS = {
    "a huge field": "آخر سطر,".encode() + b"x" * (8 << 20) + b"\n",
    "NUL bytes": b"\x00\x00\x00,\x00\n",
    "bytes that are not UTF-8": b"\xff\xfe\xfd,\x80\n",
}


def memory_with_one_unit(home) -> str:
    run_tm(home, "init", check=False)  # newer tm creates a memory explicitly, older on first use
    (home / "first.csv").write_text("source,target\nالمغرب,Morocco\n", encoding="utf-8")
    run_tm(home, "import", "first.csv")
    return exported(home)


def exported(home) -> str:
    run_tm(home, "export", "out.csv")
    return (home / "out.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_csv_refused_after_thousands_of_good_rows_leaves_the_memory_as_it_was(tmp_path, case):
    before = memory_with_one_unit(tmp_path)
    (tmp_path / "bad.csv").write_bytes(("source,target\n" + GOOD_ROWS).encode() + BAD_ROWS[case])
    proc = run_tm(tmp_path, "import", "bad.csv", check=False)
    assert proc.returncode != 0
    assert proc.stderr.startswith("tm: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "line 3002" in proc.stderr or "bad.csv:3002:" in proc.stderr
    assert exported(tmp_path) == before


def test_a_tbx_without_the_pair_is_one_line_and_leaves_the_glossary_as_it_was(tmp_path):
    memory_with_one_unit(tmp_path)
    run_tm(tmp_path, "glossary", "add", "نفط", "oil")
    before = run_tm(tmp_path, "glossary", "list").stdout
    (tmp_path / "fr.tbx").write_text(
        '<?xml version="1.0"?>\n<martif type="TBX-Basic"><text><body><termEntry>'
        '<langSet xml:lang="fr"><tig><term>pétrole</term></tig></langSet>'
        '<langSet xml:lang="de"><tig><term>Erdöl</term></tig></langSet>'
        "</termEntry></body></text></martif>\n",
        encoding="utf-8",
    )
    proc = run_tm(tmp_path, "glossary", "import", "fr.tbx", check=False)
    assert proc.returncode != 0
    assert proc.stderr.startswith("tm: error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "de, fr" in proc.stderr and "--source-lang" in proc.stderr
    assert run_tm(tmp_path, "glossary", "list").stdout == before
