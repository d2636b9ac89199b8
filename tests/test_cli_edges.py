"""Sharp edges of the `tm` command: each is one line that says what to do, never a traceback.

Most run the commands in this process (tests/cli_run.py). A read-only memory and a closed
pipe need a real process: permissions have to bite (root ignores them) and Python's exit-time
flush only happens when a process exits.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli_run import TM, Ran, run_tm_process, tm_env
from tests.cli_run import run_tm as tm

SOURCE = "قال المتحدث باسم الوزارة إن المفاوضات مستمرة."
TARGET = "The ministry spokesman said talks continue."
# one word fewer than SOURCE: a fuzzy match, so lookup goes through the fuzzy index
NEAR = "قال المتحدث باسم الوزارة إن المفاوضات مستمرة"


def one_line_error(ran: Ran | subprocess.CompletedProcess[str]) -> str:
    """Assert that tm failed with exit 1 and one `tm: error:` line; return that line."""
    assert ran.returncode == 1, (ran.returncode, ran.stdout, ran.stderr)
    lines = ran.stderr.splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith("tm: error: ") and "internal error" not in lines[0], lines[0]
    return lines[0]


def files_of(folder: Path) -> list[str]:
    """Return the names in folder, sorted."""
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A memory (tmp_path/memory.db) made with `tm init`, holding one unit."""
    tm(tmp_path, "init")
    tm(tmp_path, "add", SOURCE, TARGET)
    return tmp_path


# -- a. which memory: a missing one is an error, init or --create make it -----------------


@pytest.mark.parametrize("named_by", ["--db", "TM_DB"])
def test_a_missing_memory_is_one_line_that_says_how_to_create_it_and_creates_nothing(tmp_path, named_by):
    if named_by == "--db":
        ran = tm(tmp_path, "--db", "missing.db", "lookup", "x", check=False)
    else:
        ran = tm(tmp_path, "lookup", "x", check=False, extra_env={"TM_DB": "missing.db"})
    line = one_line_error(ran)
    assert "there is no memory at missing.db" in line
    assert "tm --db missing.db init" in line
    assert files_of(tmp_path) == []


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["user", "add", "ada", "--role", "admin"]])
def test_the_web_commands_do_not_start_an_empty_memory_either(tmp_path, command):
    line = one_line_error(tm(tmp_path, "--db", "missing.db", *command, check=False))
    assert "there is no memory at missing.db" in line
    assert files_of(tmp_path) == []


def test_init_creates_the_memory_named_by_db(tmp_path):
    assert "memory ready: new.db (0 units)" in tm(tmp_path, "--db", "new.db", "init").stdout
    assert (tmp_path / "new.db").is_file()
    assert tm(tmp_path, "--db", "new.db", "lookup", SOURCE).stdout.strip() == "no match"


@pytest.mark.parametrize("asked_by", ["--create", "TM_CREATE=1"])
def test_create_lets_any_command_make_the_memory_named_by_db(tmp_path, asked_by):
    flags, env = (["--create"], {}) if asked_by == "--create" else ([], {"TM_CREATE": "1"})
    assert "unit 1" in tm(tmp_path, "--db", "new.db", *flags, "add", SOURCE, TARGET, extra_env=env).stdout
    found = json.loads(tm(tmp_path, "--db", "new.db", "lookup", SOURCE, "--json").stdout)
    assert [(m["kind"], m["target"]) for m in found] == [("exact", TARGET)]


def test_the_first_command_creates_the_default_memory_in_the_data_directory(tmp_path):
    default = {"TM_DB": None}  # only TM_HOME is set, as for a user who never names a memory
    assert "unit 1" in tm(tmp_path, "add", SOURCE, TARGET, extra_env=default).stdout
    assert (tmp_path / "data" / "memory.db").is_file()
    found = json.loads(tm(tmp_path, "lookup", SOURCE, "--json", extra_env=default).stdout)
    assert [m["target"] for m in found] == [TARGET]


# -- b. a read-only memory ----------------------------------------------------------------


def without_write_rights(probe: Path) -> list[str]:
    """Return a command prefix under which probe (a read-only file) cannot be written, or skip."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        # root writes any file; without CAP_DAC_OVERRIDE it obeys permissions like any user.
        # (`user="nobody"` would not do: nobody cannot reach an interpreter under /root or
        # pytest's 0700 temporary folders.)
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv is missing: cannot make a file read-only for tm")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    code = f"open({str(probe)!r}, 'r+b')"
    proc = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode == 0 or "PermissionError" not in proc.stderr:
        pytest.skip(f"cannot make a read-only file here (opening one for writing: {proc.stderr[-200:]!r})")
    return prefix


@pytest.fixture
def make_read_only(desk: Path) -> Iterator[Callable[[str], list[str]]]:
    """Make desk's memory file read-only for tm, in a writable or read-only folder.

    The returned function takes "writable folder" or "read-only folder" and returns the
    command prefix to run tm under.
    """
    db = desk / "memory.db"

    def make(folder: str) -> list[str]:
        tm(desk, "lookup", NEAR)  # the fuzzy index file exists, as after any use
        db.chmod(0o444)
        desk.chmod(0o755 if folder == "writable folder" else 0o555)
        return without_write_rights(db)

    yield make
    desk.chmod(0o755)  # so that pytest can remove it when not running as root
    db.chmod(0o644)


def digest(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_lookup_reads_a_read_only_memory_in_a_folder_it_may_write(desk, make_read_only):
    prefix = make_read_only("writable folder")
    proc = run_tm_process(desk, "lookup", NEAR, "--json", check=False, wrapper=prefix)
    # SQLite reads a WAL memory it may not write once it can make the -shm and -wal files
    assert proc.returncode == 0, proc.stderr
    assert [m["target"] for m in json.loads(proc.stdout)] == [TARGET]
    assert proc.stderr == ""


def test_lookup_in_a_read_only_folder_says_in_one_line_that_the_memory_is_read_only(desk, make_read_only):
    prefix = make_read_only("read-only folder")
    proc = run_tm_process(desk, "lookup", NEAR, "--json", check=False, wrapper=prefix)
    # without a -shm file beside it SQLite cannot read a WAL memory at all
    line = one_line_error(proc)
    assert str(desk / "memory.db") in line and "read-only" in line and "permissions" in line
    assert files_of(desk) == ["memory.db", "memory.db.index"]


@pytest.mark.parametrize("folder", ["writable folder", "read-only folder"])
def test_adding_to_a_read_only_memory_is_one_line_and_changes_nothing(desk, make_read_only, folder):
    prefix = make_read_only(folder)
    before = digest(desk / "memory.db")
    proc = run_tm_process(
        desk, "add", "زار الوزير المغرب أمس.", "The minister visited Morocco.", check=False, wrapper=prefix
    )
    line = one_line_error(proc)
    assert str(desk / "memory.db") in line and "read-only" in line
    assert digest(desk / "memory.db") == before
    assert json.loads(tm(desk, "stats", "--json").stdout)["units"] == 1


# -- c. a folder where the index file goes ---------------------------------------------------


def test_a_folder_in_place_of_the_index_file_costs_at_most_a_warning(tmp_path):
    desk = tmp_path
    tm(desk, "init")
    (desk / "memory.db.index").mkdir()
    commands = [
        ("add", SOURCE, TARGET),
        ("add", "زار الوزير المغرب أمس.", "The minister visited Morocco yesterday."),
        ("lookup", NEAR, "--json"),
        ("concordance", "بالمغرب", "--json"),
    ]
    outputs, warned = [], 0
    for args in commands:
        ran = tm(desk, *args)
        assert "Traceback" not in ran.stderr and "internal error" not in ran.stderr
        warnings = ran.stderr.splitlines()
        assert len(warnings) <= 1, ran.stderr
        assert all(w.startswith("tm: warning: ") and "memory.db.index" in w for w in warnings), warnings
        outputs.append(ran.stdout)
        warned += len(warnings)
    assert warned, "the user is told once per command that the index cannot be saved"
    found = json.loads(outputs[2])
    assert [(m["kind"], m["target"]) for m in found] == [("fuzzy", TARGET)]
    assert [h["target"] for h in json.loads(outputs[3])] == ["The minister visited Morocco yesterday."]
    assert (desk / "memory.db.index").is_dir()
    assert [p.name for p in desk.glob("memory.db.index.*.tmp")] == []


# -- d. a reader that goes away (`| head -1`) --------------------------------------------------


@pytest.fixture(scope="module")
def big_desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A memory of 1,500 long units: each command's output is far over a pipe's 64 KB."""
    home = tmp_path_factory.mktemp("big")
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    rows = ["source,target"]
    for i in range(1500):
        word = letters[i % 28] + letters[i // 28 % 28] + letters[i // 784 % 28]
        rows.append(
            f"زار الوزير المغرب {word} {'وقال إن المفاوضات مستمرة ' * 6},Visit {i} {'talks go on ' * 6}"
        )
    (home / "big.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    tm(home, "init")
    assert "1500 added" in tm(home, "import", "big.csv").stdout
    # a short text: its translation waits in stdout's buffer until the exit-time flush
    (home / "article.txt").write_text("زار الوزير المغرب أمس.\n", encoding="utf-8")
    return home


@pytest.mark.parametrize(
    ("args", "reader", "first_line"),
    [
        (["concordance", "المغرب", "--limit", "1000"], "head -1", "unit "),
        (["export", "/dev/stdout", "--format", "csv"], "head -1", "id,source,target,"),
        # the reader is gone before tm writes: the failure would come at the exit-time flush
        (["translate", "article.txt", "--no-mt"], "true", ""),
    ],
)
def test_a_reader_that_stops_early_ends_tm_quietly(big_desk, tmp_path, args, reader, first_line):
    env = {**os.environ, **tm_env(big_desk)}
    # a user's shell buffers Python's stdout (this machine's PYTHONUNBUFFERED would hide the flush)
    env = {k: v for k, v in env.items() if v is not None and k != "PYTHONUNBUFFERED"}
    err, rc = tmp_path / "tm.err", tmp_path / "tm.rc"
    script = f'"$@" 2>{err} | {reader}; echo "${{PIPESTATUS[0]}}" >{rc}'
    proc = subprocess.run(
        ["bash", "-c", script, "bash", TM, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=big_desk,
        timeout=120,
    )
    assert proc.stdout.startswith(first_line) and proc.stdout.count("\n") <= 1, proc.stdout[:200]
    assert err.read_text() == ""
    assert rc.read_text().strip() == "0"
    assert not list(big_desk.glob("*.part")), "an export to a pipe leaves no temporary file"


def test_an_export_to_stdout_keeps_its_summary_out_of_the_data(desk, tmp_path):
    env = {**os.environ, **tm_env(desk)}
    out, err = tmp_path / "out.csv", tmp_path / "err.txt"
    subprocess.run(
        ["bash", "-c", f'"$@" 2>{err} | cat >{out}', "bash", TM, "export", "/dev/stdout", "--format", "csv"],
        env=env,
        cwd=desk,
        timeout=120,
        check=True,
    )
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("id,source,target,") and "exported" not in out.read_text(encoding="utf-8")
    assert err.read_text().startswith("exported ")


# -- e. temporary index files of a killed process ------------------------------------------------


def test_temporary_index_files_of_dead_processes_are_removed_at_the_next_start(desk):
    finished = subprocess.Popen(["true"])
    finished.wait()
    alive = subprocess.Popen(["sleep", "30"])
    try:
        dead_tmp = desk / f"memory.db.index.{finished.pid}.k3j2h1.tmp"
        live_tmp = desk / f"memory.db.index.{alive.pid}.z9y8x7.tmp"
        dead_tmp.write_bytes(b"half an index")
        live_tmp.write_bytes(b"an index being saved")
        found = json.loads(tm(desk, "lookup", NEAR, "--json").stdout)
        assert [m["target"] for m in found] == [TARGET]
        assert not dead_tmp.exists()
        assert live_tmp.read_bytes() == b"an index being saved"
    finally:
        alive.kill()
        alive.wait()


# -- f. settings in the environment -------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [("TM_BEAMS", "four", "whole number"), ("TM_ENGINE", "gpu", "auto, transformers, ctranslate2")],
)
def test_a_bad_setting_in_the_environment_is_one_line_naming_the_variable(desk, variable, value, says):
    before = digest(desk / "memory.db")
    line = one_line_error(tm(desk, "lookup", SOURCE, check=False, extra_env={variable: value}))
    assert variable in line and repr(value) in line and says in line
    assert digest(desk / "memory.db") == before


# -- the system says no ------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device that is always full")
def test_a_full_disk_is_one_line_not_an_internal_error(desk):
    line = one_line_error(tm(desk, "export", "/dev/full", "--format", "csv", check=False))
    assert "No space left on device" in line
    assert Path("/dev/full").is_char_device(), "the export wrote into the device, never replaced it"
