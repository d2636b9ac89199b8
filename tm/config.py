"""Settings: one typed table that the CLI flags and the TM_* environment variables fill.

Values are checked when they are read: `TM_BEAMS=four` is a one-line settings error that
names the variable, never an internal error later.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from platformdirs import user_data_dir

from tm.errors import SettingsError

ENGINES = ("auto", "transformers", "ctranslate2")


def data_dir() -> Path:
    """Return tm's data directory (TM_HOME, else the platform's user data directory)."""
    home = os.environ.get("TM_HOME")
    return Path(home) if home else Path(user_data_dir("tm", appauthor=False))


def _bounds(low: int, high: int | None = None) -> dict[str, object]:
    return {"low": low, "high": high}


@dataclass
class Settings:
    """Every setting with its default; `TM_<NAME>` in the environment overrides it."""

    db: str = field(default="", metadata={"help": "memory: a SQLite file path (default in the data dir)"})
    create: int = field(
        default=0,
        metadata={"help": "1: create the memory named by --db/TM_DB if it does not exist", **_bounds(0, 1)},
    )
    min_score: int = field(default=70, metadata={"help": "lowest fuzzy match shown, in %", **_bounds(1, 100)})
    limit: int = field(default=5, metadata={"help": "most matches shown per lookup", **_bounds(1, 100)})
    model: str = field(default="", metadata={"help": "MT model: a Hugging Face id or a local directory"})
    engine: str = field(
        default="auto", metadata={"help": "MT engine: auto, transformers or ctranslate2", "choices": ENGINES}
    )
    beams: int = field(default=4, metadata={"help": "beam size for MT (1 = greedy)", **_bounds(1, 64)})
    batch_size: int = field(default=16, metadata={"help": "sentences per MT batch", **_bounds(1, 4096)})
    threads: int = field(default=0, metadata={"help": "CPU threads for MT (0 = all)", **_bounds(0, 1024)})
    offline: int = field(default=0, metadata={"help": "1: never download a model", **_bounds(0, 1)})
    fuzzy_min: int = field(
        default=75, metadata={"help": "lowest fuzzy match used in pre-translation", **_bounds(1, 100)}
    )
    busy_wait: int = field(
        default=10,
        metadata={
            "help": "seconds a change waits for another writer before answering busy",
            **_bounds(1, 600),
        },
    )
    secure_cookies: int = field(
        default=0, metadata={"help": "1: session cookie only over HTTPS", **_bounds(0, 1)}
    )
    session_idle_hours: int = field(
        default=12,
        metadata={"help": "hours without a request after which a login session ends", **_bounds(1, 24 * 90)},
    )
    session_max_days: int = field(
        default=7,
        metadata={"help": "days after which a login session ends however active", **_bounds(1, 365)},
    )
    max_upload_mb: int = field(
        default=200, metadata={"help": "largest request body (an uploaded file), in MB", **_bounds(1, 4096)}
    )
    max_paste_mb: int = field(
        default=10, metadata={"help": "largest pasted text or form, in MB", **_bounds(1, 1024)}
    )
    webhook_private: int = field(
        default=1,
        metadata={
            "help": "1: webhooks may call loopback and intranet addresses (a CMS beside tm); 0: public only",
            **_bounds(0, 1),
        },
    )
    api_rate: str = field(
        default="600/minute",
        metadata={"help": "calls one API token may make, e.g. 600/minute or 20/second;100/minute"},
    )
    queue: str = field(
        default="",
        metadata={
            "help": "background jobs: empty = run in each server process; redis://host:6379/0 = an RQ "
            "queue that `tm worker` processes on any machine take them from"
        },
    )
    api_rate_storage: str = field(
        default="memory://",
        metadata={"help": "where API call counts are kept: memory:// (one process) or redis://host:6379"},
    )

    def __post_init__(self) -> None:
        if not self.db:
            # the default memory in the data directory is made on first use
            self.db = str(data_dir() / "memory.db")
            self.create = 1
        for f in fields(self):
            self._check(f.name, getattr(self, f.name), f.metadata, f"the setting {f.name}")

    @staticmethod
    def _check(name: str, value: object, meta: object, where: str) -> None:
        info = dict(meta)  # type: ignore[call-overload]
        choices = info.get("choices")
        if choices and value not in choices:
            raise SettingsError(f"{where} must be one of {', '.join(choices)}, not {value!r}")
        low, high = info.get("low"), info.get("high")
        if isinstance(value, int) and low is not None:
            if value < low or (high is not None and value > high):
                span = f"between {low} and {high}" if high is not None else f"at least {low}"
                raise SettingsError(f"{where} must be {span}, not {value}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from TM_* variables, then explicit (non-None) overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            var = f"TM_{f.name.upper()}"
            raw = env.get(var)
            if raw is None or raw.strip() == "":
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw.strip())
                except ValueError:
                    raise SettingsError(f"{var} must be a whole number, not {raw!r}") from None
                cls._check(f.name, values[f.name], f.metadata, var)
            else:
                values[f.name] = raw
                cls._check(f.name, raw, f.metadata, var)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
