"""The code as it was at a git revision, loaded beside the current code for same-run comparisons.

Benchmarks here are noisy (shared cores), so a figure is only worth quoting beside its
baseline measured in the same run. `old_module(rev, "tm/index.py")` reads the file from git
(no checkout, the working tree is left alone) and runs it as a module of its own; `patched`
swaps attributes of the current modules for the old ones while a block runs.
"""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The code before issue 12 (lookup at 10^6 units, import speed).
DEFAULT_REV = "8e1f755"


def old_module(rev: str, path: str, **inject: Any) -> types.ModuleType:
    """Load a file of the repository as it was at rev; `inject` replaces names it imported."""
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    name = f"baseline_{rev}_{path.replace('/', '_').removesuffix('.py')}"
    module = types.ModuleType(name)
    module.__file__ = f"{rev}:{path}"
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    module.__dict__.update(inject)
    return module


@contextmanager
def patched(*swaps: tuple[Any, str, Any]) -> Iterator[None]:
    """Set (object, attribute, value) for the duration of the block, then put them back."""
    saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in swaps]
    try:
        for obj, attr, value in swaps:
            setattr(obj, attr, value)
        yield
    finally:
        for obj, attr, value in reversed(saved):
            setattr(obj, attr, value)
