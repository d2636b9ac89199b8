"""Running the real `tm` console script against a memory in a test's directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TM = str(Path(sys.executable).with_name("tm"))


def run_tm(home: Path, *args: str, check: bool = True, extra_env: dict[str, str] | None = None):
    """Run `tm ARGS` with TM_DB and TM_HOME inside home; assert success unless check is False."""
    env = {**os.environ, "TM_DB": str(home / "memory.db"), "TM_HOME": str(home / "data"), "TM_BEAMS": "1", "TM_CREATE": "1"}
    env.pop("TM_DEBUG", None)
    env.update(extra_env or {})
    proc = subprocess.run([TM, *args], capture_output=True, text=True, env=env, cwd=home, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
