"""Where models live: fetching from the Hugging Face hub, listing, converting to CTranslate2."""

from __future__ import annotations

import shutil
from pathlib import Path

from tm.config import data_dir
from tm.errors import ModelUnavailable

TOKENIZER_FILES = (
    "tokenizer_config.json",
    "special_tokens_map.json",
    "tokenizer.json",
    "vocab.json",
    "source.spm",
    "target.spm",
    "sentencepiece.bpe.model",
    "spm.model",
)


def models_dir() -> Path:
    """Return the directory tm keeps downloaded models in."""
    return data_dir() / "models"


def local_name(name: str) -> str:
    """Return the directory name of a hub model id (`org/name` -> `org--name`)."""
    return name.replace("/", "--")


def ct2_dir(path: Path) -> Path:
    """Return where the CTranslate2 int8 copy of a model directory lives."""
    return path / "ctranslate2"


def is_model_dir(path: Path) -> bool:
    """Tell whether a directory holds a transformers model."""
    return (path / "config.json").is_file()


def resolve_model(name: str, *, download: bool = True) -> Path:
    """Return the local directory of a model: a path, an installed copy, or a fresh download."""
    given = Path(name).expanduser()
    if given.is_dir():
        if not is_model_dir(given):
            raise ModelUnavailable(f"{given} is not a model directory (it has no config.json)")
        return given
    if given.is_absolute() or name.startswith("."):
        raise ModelUnavailable(f"model directory {name} does not exist")
    installed = models_dir() / local_name(name)
    if is_model_dir(installed):
        return installed
    if download:
        return fetch_model(name)
    raise ModelUnavailable(_offline_message(name))


def _offline_message(name: str) -> str:
    return (
        f"model {name} is not available offline; run `tm model fetch {name}` where there is "
        "internet, or pass --model /path/to/dir (tm keeps working from the memory alone)"
    )


def fetch_model(name: str) -> Path:
    """Download a model from the Hugging Face hub into the models directory."""
    from tm.mt import require_mt_libraries

    require_mt_libraries()
    try:
        from huggingface_hub import snapshot_download
    except ImportError as e:  # pragma: no cover - a dependency of transformers
        raise ModelUnavailable(f"cannot download {name}: huggingface_hub is not installed") from e
    target = models_dir() / local_name(name)
    partial = target.with_name(target.name + ".part")
    try:
        snapshot_download(
            repo_id=name,
            local_dir=str(partial),
            allow_patterns=["*.json", "*.spm", "*.model", "*.safetensors", "*.txt", "*.bin"],
        )
    except Exception as e:  # network, unknown repo, disk: all mean "not available"
        shutil.rmtree(partial, ignore_errors=True)
        raise ModelUnavailable(f"{_offline_message(name)} (download failed: {type(e).__name__})") from None
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return target


def installed_models() -> list[dict[str, object]]:
    """List the models in the models directory with their size and whether a CT2 copy exists."""
    out: list[dict[str, object]] = []
    root = models_dir()
    if not root.is_dir():
        return out
    for path in sorted(root.iterdir()):
        if not is_model_dir(path):
            continue
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        out.append(
            {
                "name": path.name.replace("--", "/"),
                "path": str(path),
                "bytes": size,
                "ctranslate2": (ct2_dir(path) / "model.bin").exists(),
            }
        )
    return out


def convert_model(path: Path, *, quantization: str = "int8", force: bool = False) -> Path:
    """Convert a transformers model directory to CTranslate2 with CTranslate2's converter."""
    try:
        from ctranslate2.converters import TransformersConverter
    except ImportError:
        raise ModelUnavailable("CTranslate2 is not installed; pip install 'tm[ct2]'") from None
    out = ct2_dir(path)
    if (out / "model.bin").exists() and not force:
        return out
    tmp = out.with_name(out.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        TransformersConverter(str(path)).convert(str(tmp), quantization=quantization, force=True)
    except Exception as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelUnavailable(f"cannot convert {path} to CTranslate2: {e}") from None
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out
