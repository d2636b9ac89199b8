"""The `tm` command as a user runs it: the console script's commands, a real memory file.

Most tests call the commands in this process (tests/cli_run.py); the last two run the
installed console script in a subprocess, end to end.
"""

import json
import subprocess
import sys

import pytest

from tests.cli_run import run_tm as tm
from tests.cli_run import run_tm_process

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
<header creationtool="desk" creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="ar-SA" datatype="plaintext"/>
<body>
<tu><tuv xml:lang="ar-SA"><seg>وقعت الحكومة اتفاقا بقيمة 500 مليون دولار مع شركة الطاقة.</seg></tuv><tuv xml:lang="en-US"><seg>The government signed a $500 million deal with the energy company.</seg></tuv></tu>
<tu><tuv xml:lang="ar-SA"><seg>قال المتحدث باسم الوزارة إن المفاوضات مستمرة.</seg></tuv><tuv xml:lang="en-US"><seg>The ministry spokesman said talks continue.</seg></tuv></tu>
</body>
</tmx>
"""


@pytest.fixture
def desk(tmp_path):
    (tmp_path / "desk.tmx").write_text(TMX, encoding="utf-8")
    assert "memory ready" in tm(tmp_path, "init").stdout
    out = tm(tmp_path, "import", "desk.tmx")
    assert "2 added" in out.stdout
    return tmp_path


def test_import_then_lookup_json_shape(desk):
    out = tm(desk, "lookup", "وقعت الحكومة اتفاقا بقيمة ٧٥٠ مليون دولار مع شركة الطاقة.", "--json")
    matches = json.loads(out.stdout)
    assert len(matches) == 1
    m = matches[0]
    assert set(m) >= {"source", "target", "score", "kind", "unit_id", "numbers", "diff"}
    assert (m["kind"], m["score"]) == ("fuzzy", 98)
    assert m["numbers"] == [{"memory": "500", "query": "750"}]
    assert m["target"] == "The government signed a $500 million deal with the energy company."


def test_lookup_text_output_and_no_match(desk):
    out = tm(desk, "lookup", "قال المتحدث باسم الوزارة إن المفاوضات مستمرة.")
    assert "100% exact" in out.stdout and "The ministry spokesman said talks continue." in out.stdout
    assert tm(desk, "lookup", "جملة لا علاقة لها بشيء").stdout.strip() == "no match"


def test_add_concordance_stats_and_export(desk):
    tm(desk, "add", "زار الوزير المغرب أمس.", "The minister visited Morocco yesterday.", "--author", "sara")
    hits = json.loads(tm(desk, "concordance", "بالمغرب", "--json").stdout)
    assert [h["source"] for h in hits] == ["زار الوزير المغرب أمس."]
    assert hits[0]["source_spans"] == [[11, 17]]
    stats = json.loads(tm(desk, "stats", "--json").stdout)
    assert stats["units"] == 3 and stats["by_origin"] == {"import": 2, "human": 1}
    tm(desk, "export", "out.tmx")
    tm(desk, "export", "out.csv", "--origin", "human")
    assert (desk / "out.tmx").read_text(encoding="utf-8").count("<tu ") == 3
    assert (desk / "out.csv").read_text(encoding="utf-8").splitlines()[1].startswith("3,زار الوزير")


def test_reimport_policies(desk):
    changed = TMX.replace("talks continue.", "negotiations go on.")
    (desk / "changed.tmx").write_text(changed, encoding="utf-8")
    assert "0 added, 0 updated, 2 skipped" in tm(desk, "import", "changed.tmx").stdout
    out = json.loads(tm(desk, "import", "changed.tmx", "--on-duplicate", "overwrite", "--json").stdout)
    assert (out["added"], out["updated"], out["skipped"]) == (0, 1, 1)
    assert "negotiations go on" in tm(desk, "lookup", "قال المتحدث باسم الوزارة إن المفاوضات مستمرة.").stdout


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["import", "bad.tmx"], TMX.replace("</body>", ""), "bad.tmx:"),
        (
            ["import", "bad.tmx"],
            TMX.replace("<?xml", '<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "b">]><?x'),
            "entities",
        ),
        (["import", "bad.txt"], "x", "cannot tell the format"),
        (["import", "bad.csv"], "a,b\n1,2\n", "no source and target column"),
    ],
)
def test_errors_are_one_line_and_change_nothing(desk, args, content, message):
    (desk / args[1]).write_text(content, encoding="utf-8")
    before = json.loads(tm(desk, "stats", "--json").stdout)
    proc = tm(desk, *args, check=False)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    after = json.loads(tm(desk, "stats", "--json").stdout)
    assert (after["units"], after["history_entries"]) == (before["units"], before["history_entries"])


def test_a_file_that_is_not_a_memory_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello" * 100)
    proc = tm(tmp_path, "--db", str(tmp_path / "notes.txt"), "stats", check=False)
    assert proc.returncode == 1 and "not a tm memory" in proc.stderr and "Traceback" not in proc.stderr


def test_default_memory_lives_in_the_data_directory(tmp_path):
    proc = tm(tmp_path, "init", extra_env={"TM_DB": None})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "data" / "memory.db").exists()


def test_installed_console_script_imports_and_looks_up(tmp_path):
    (tmp_path / "desk.tmx").write_text(TMX, encoding="utf-8")
    assert "memory ready" in run_tm_process(tmp_path, "init").stdout
    assert "2 added" in run_tm_process(tmp_path, "import", "desk.tmx").stdout
    out = run_tm_process(tmp_path, "lookup", "قال المتحدث باسم الوزارة إن المفاوضات مستمرة.", "--json")
    matches = json.loads(out.stdout)
    assert [(m["kind"], m["score"]) for m in matches] == [("exact", 100)]
    assert matches[0]["target"] == "The ministry spokesman said talks continue."
    assert out.stderr == ""


def test_help_does_not_import_heavy_modules(tmp_path):
    # the library's group must not pull in numpy or lxml; the console script's `tm --help`
    # (web.cli, which imports the web app) must not pull in torch or transformers
    code = (
        "import sys\n"
        "from tm.cli import main\n"
        "print('numpy' in sys.modules, 'lxml' in sys.modules)\n"
        "from web.cli import main as console\n"
        "try:\n"
        "    console(['--help'], prog_name='tm')\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "False False"
    assert "Usage: tm" in proc.stdout and lines[-1] == "False False"


def test_translate_an_html_file_gives_html_in_english_and_a_docx_needs_an_output(desk):
    page = (
        '<html dir="rtl" lang="ar"><body>\n<p>قال المتحدث باسم الوزارة إن المفاوضات مستمرة.</p>\n'
        "<p><b>وقعت الحكومة اتفاقا بقيمة 500 مليون دولار مع شركة الطاقة.</b></p>\n</body></html>\n"
    )
    (desk / "story.html").write_text(page, encoding="utf-8")
    out = tm(desk, "translate", "--no-mt", "story.html", "-o", "story.en.html")
    assert "2 segments (2 exact)" in out.stderr
    assert (desk / "story.en.html").read_text(encoding="utf-8") == (
        '<html dir="ltr" lang="en"><body>\n<p>The ministry spokesman said talks continue.</p>\n'
        "<p><b>The government signed a $500 million deal with the energy company.</b></p>\n</body></html>\n"
    )
    stdout = tm(desk, "translate", "--no-mt", "story.html").stdout
    assert stdout == (desk / "story.en.html").read_text(encoding="utf-8")
    (desk / "story.docx").write_bytes(b"PK\x03\x04")
    refused = tm(desk, "translate", "--no-mt", "story.docx", check=False)
    assert refused.returncode != 0 and "-o story.en.docx" in refused.stderr
