"""Running `tm` against a memory in a test's directory: in this process, or as the real script.

`run_tm` calls the console script's click group in this process (no interpreter start-up, no
re-import of numpy or transformers per call); `run_tm_process` runs the installed `tm` in a
subprocess, for the few tests that must see what only a real process shows (the script itself,
exit-time flushes into pipes, file permissions that bite).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

TM = str(Path(sys.executable).with_name("tm"))


@dataclass
class Ran:
    """What one run of `tm` left: the exit status and the two output streams, apart."""

    returncode: int
    stdout: str
    stderr: str


def tm_env(home: Path, extra_env: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Return the TM_* variables of a test memory in home; None unsets a variable."""
    # settings of the shell that runs pytest (TM_CREATE, TM_DEBUG, TM_MODEL...) must not leak in
    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("TM_")}
    env.update({"TM_DB": str(home / "memory.db"), "TM_HOME": str(home / "data"), "TM_BEAMS": "1"})
    env.update(extra_env or {})
    return env


def run_tm(home: Path, *args: str, check: bool = True, extra_env: dict[str, str | None] | None = None) -> Ran:
    """Run `tm ARGS` in this process from home; assert success unless check is False."""
    from web.cli import main

    # catch_exceptions=False: an exception tm lets escape fails the test with its traceback
    # instead of hiding in result.exception; SystemExit (tm's errors) still becomes the exit code
    runner = CliRunner()
    with contextlib.chdir(home):
        result = runner.invoke(main, list(args), env=tm_env(home, extra_env), catch_exceptions=False)
    ran = Ran(result.exit_code, result.stdout, result.stderr)
    if check:
        assert ran.returncode == 0, ran.stderr
    return ran


def run_tm_process(
    home: Path,
    *args: str,
    check: bool = True,
    extra_env: dict[str, str | None] | None = None,
    wrapper: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run the installed `tm ARGS` in a subprocess from home (under wrapper, e.g. setpriv)."""
    merged = {**os.environ, **tm_env(home, extra_env)}
    env = {name: value for name, value in merged.items() if value is not None}
    proc = subprocess.run(
        [*wrapper, TM, *args], capture_output=True, text=True, env=env, cwd=home, timeout=120
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
