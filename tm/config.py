"""Settings: one typed table that the CLI flags and the TM_* environment variables fill."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from platformdirs import user_data_dir


def data_dir() -> Path:
    """Return tm's data directory (TM_HOME, else the platform's user data directory)."""
    home = os.environ.get("TM_HOME")
    return Path(home) if home else Path(user_data_dir("tm", appauthor=False))


@dataclass
class Settings:
    """Every setting with its default; `TM_<NAME>` in the environment overrides it."""

    db: str = field(default="", metadata={"help": "memory: a SQLite file path (default in the data dir)"})
    min_score: int = field(default=70, metadata={"help": "lowest fuzzy match shown, in %"})
    limit: int = field(default=5, metadata={"help": "most matches shown per lookup"})
    model: str = field(default="", metadata={"help": "MT model: a Hugging Face id or a local directory"})
    engine: str = field(default="auto", metadata={"help": "MT engine: auto, transformers or ctranslate2"})
    beams: int = field(default=4, metadata={"help": "beam size for MT (1 = greedy)"})
    batch_size: int = field(default=16, metadata={"help": "sentences per MT batch"})
    threads: int = field(default=0, metadata={"help": "CPU threads for MT (0 = all)"})
    offline: int = field(default=0, metadata={"help": "1: never download a model"})
    fuzzy_min: int = field(default=75, metadata={"help": "lowest fuzzy match used in pre-translation"})
    secure_cookies: int = field(default=0, metadata={"help": "1: session cookie only over HTTPS"})

    def __post_init__(self) -> None:
        if not self.db:
            self.db = str(data_dir() / "memory.db")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from TM_* variables, then explicit (non-None) overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"TM_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = int(raw) if f.type in ("int", int) else raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
