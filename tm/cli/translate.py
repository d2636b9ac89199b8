"""Machine-translation commands: translate a document, check it, manage models."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tm.cli import main, open_memory, progress_bar
from tm.config import Settings

if TYPE_CHECKING:
    from tm.mt import MTOptions


def _options(settings: Settings) -> MTOptions:
    from tm.mt import MTOptions

    return MTOptions(beams=settings.beams, batch_size=settings.batch_size, threads=settings.threads)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout."
)
@click.option("--json", "as_json", is_flag=True, help="Print the segments with origin, score and QA as JSON.")
@click.option(
    "--jsonl",
    "as_jsonl",
    is_flag=True,
    help="Print each segment as one JSON line as soon as it is drafted, then a summary line.",
)
@click.option(
    "--model", help="Hugging Face model id or local directory (default Helsinki-NLP/opus-mt-ar-en)."
)
@click.option("--engine", type=click.Choice(["auto", "transformers", "ctranslate2"]), help="Default: auto.")
@click.option("--min", "min_score", type=click.IntRange(1, 100), help="Lowest fuzzy match used (default 75).")
@click.option("--beams", type=click.IntRange(1, 16), help="Beam size (1 = greedy; default 4).")
@click.option("--no-mt", is_flag=True, help="Use the memory only.")
@click.option("--encoding", help="Default: detected (UTF-8, UTF-16 with BOM, Windows-1256).")
@click.pass_context
def translate(
    ctx: click.Context,
    file: str,
    output: str | None,
    as_json: bool,
    as_jsonl: bool,
    model: str | None,
    engine: str | None,
    min_score: int | None,
    beams: int | None,
    no_mt: bool,
    encoding: str | None,
) -> None:
    """Pre-translate an Arabic file: memory first, machine translation for the rest.

    A .txt file gives text; an .html, .docx or XLIFF file gives the same kind of file in English,
    its formatting kept (-o names it; a .docx is not written to the terminal).

    --jsonl streams: one line per segment, in the order drafts are ready (memory matches,
    then machine translation, shortest sentences first), each line `tm translate --json`'s
    segment; the last line is {"done": true, "counts", "engine", "model", "mt_error"}.
    """
    from tm import files
    from tm.formats.text import read_text
    from tm.glossary import Glossary
    from tm.mt import load_translator
    from tm.mt.cache import CachedTranslator
    from tm.pretranslate import pretranslate
    from tm.segment import segment

    settings: Settings = ctx.obj
    if beams:
        settings.beams = beams
    memory = open_memory(ctx)
    fmt = files.EXTENSIONS.get(Path(file).suffix.lower(), "text")  # any other name: a text file
    data = Path(file).read_bytes()
    if as_json and as_jsonl:
        raise click.UsageError("choose one of --json and --jsonl")
    if fmt == "docx" and not output and not as_json and not as_jsonl:
        raise click.UsageError("a .docx is written to a file: add -o story.en.docx")
    parsed = files.read(file, data) if fmt != "text" else None
    doc = parsed.document if parsed else segment(read_text(file, encoding=encoding))

    def engine_factory() -> Any:
        translator = load_translator(
            model or settings.model or None,
            engine=engine or settings.engine,
            options=_options(settings),
            download=not settings.offline,
        )
        return CachedTranslator(translator, memory.store)

    def keep_held(s: Any) -> None:
        held = parsed.targets[s.index][0] if parsed is not None else None
        if held is not None:  # a pre-translated XLIFF: its English stays the draft
            s.target, s.origin, s.score = held, "file", None

    sink = (open(output, "w", encoding="utf-8") if output else sys.stdout) if as_jsonl else None

    def stream(s: Any) -> None:
        keep_held(s)
        assert sink is not None
        sink.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
        sink.flush()  # a reader sees each draft as soon as it is ready

    total = sum(len(p.segments) for p in doc.paragraphs)
    try:
        with progress_bar(total, "translating") as bar:
            result = pretranslate(
                doc,
                memory,
                translator=None if no_mt else engine_factory,
                glossary=Glossary(memory.store),
                min_score=min_score or settings.fuzzy_min,
                batch_size=settings.batch_size,
                progress=bar,
                on_draft=stream if sink is not None else None,
            )
        if result.mt_error and not no_mt:
            click.echo(f"tm: warning: {result.mt_error}", err=True)
        if sink is not None:
            summary = {k: v for k, v in result.to_json().items() if k != "segments"}
            sink.write(json.dumps({"done": True, **summary}, ensure_ascii=False) + "\n")
            sink.flush()
    finally:
        if sink is not None and sink is not sys.stdout:
            sink.close()
    if sink is not None:
        if output:
            click.echo(f"wrote {output}: {len(result.segments)} segments ({_counts(result)})", err=True)
        return
    for s in result.segments:
        keep_held(s)
    if parsed is not None and not as_json:
        english = [
            files.SentenceEnglish(s.target if s.origin != "none" else None, "draft", s.origin, s.score)
            for s in result.segments
        ]
        out = files.rebuild(parsed.layout(), data, Path(file).name, english)
        if output:
            Path(output).write_bytes(out)
            click.echo(f"wrote {output}: {len(result.segments)} segments ({_counts(result)})", err=True)
        else:
            sys.stdout.buffer.write(out)
        return
    text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n" if as_json else result.text()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}: {len(result.segments)} segments ({_counts(result)})", err=True)
    else:
        sys.stdout.write(text)


def _counts(result: Any) -> str:
    return ", ".join(f"{n} {origin}" for origin, n in sorted(result.counts().items()))


def _pairs_from(file: str) -> list[tuple[str, str]]:
    """Read source/target pairs from `tm translate --json` output, TMX, CSV or TSV."""
    from tm.errors import FormatError

    suffix = Path(file).suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
            return [(s["source"], s["target"]) for s in data["segments"]]
        except (ValueError, KeyError, TypeError) as e:
            raise FormatError(f"not the JSON of `tm translate --json` ({e})", path=file) from None
    with open(file, "rb") as f:
        if suffix == ".tmx":
            from tm.formats.tmx import read_tmx

            return [(u.source, u.target) for u in read_tmx(f, path=file)]
        if suffix in (".csv", ".tsv"):
            from tm.formats.csv import read_csv

            return [(u.source, u.target) for u in read_csv(f, path=file)]
    raise FormatError("tm qa reads .json (from tm translate --json), .tmx, .csv or .tsv", path=file)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
@click.pass_context
def qa(ctx: click.Context, file: str, as_json: bool) -> None:
    """Check a translated document: numbers, glossary terms, Arabic left over, punctuation."""
    from tm.glossary import Glossary
    from tm.qa import check

    glossary = Glossary(open_memory(ctx).store)
    report: list[dict[str, Any]] = []
    for i, (source, target) in enumerate(_pairs_from(file), 1):
        issues = check(source, target, glossary.hits(source))
        if issues:
            report.append(
                {"segment": i, "source": source, "target": target, "qa": [x.to_json() for x in issues]}
            )
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for item in report:
            click.echo(f"segment {item['segment']}: {item['target']}")
            for issue in item["qa"]:
                click.echo(f"  [{issue['code']}] {issue['message']}")
        click.echo(f"{sum(len(i['qa']) for i in report)} issues in {len(report)} segments")
    if report:
        ctx.exit(3)


@main.group()
def model() -> None:
    """Machine-translation models: fetch, list, convert to CTranslate2."""


@model.command("fetch")
@click.argument("name", required=False)
def model_fetch(name: str | None) -> None:
    """Download a model (default Helsinki-NLP/opus-mt-ar-en) into the data directory."""
    from tm.mt import DEFAULT_MODEL
    from tm.mt.models import fetch_model

    path = fetch_model(name or DEFAULT_MODEL)
    click.echo(f"installed {name or DEFAULT_MODEL} in {path}")


@model.command("list")
@click.option("--json", "as_json", is_flag=True)
def model_list(as_json: bool) -> None:
    """Show the installed models."""
    from tm.mt.models import installed_models, models_dir

    models = installed_models()
    if as_json:
        click.echo(json.dumps(models, indent=2))
        return
    if not models:
        click.echo(f"no models in {models_dir()}; run `tm model fetch`")
    for m in models:
        flag = "  +ctranslate2" if m["ctranslate2"] else ""
        click.echo(f"{m['name']}  {int(m['bytes']) / 1e6:.0f} MB{flag}  {m['path']}")  # type: ignore[call-overload]


@model.command("convert")
@click.argument("name", required=False)
@click.option("--quantization", default="int8", show_default=True)
@click.option("--force", is_flag=True, help="Convert again even if a copy exists.")
@click.pass_context
def model_convert(ctx: click.Context, name: str | None, quantization: str, force: bool) -> None:
    """Convert a model to CTranslate2 (used automatically from then on)."""
    from tm.mt import DEFAULT_MODEL
    from tm.mt.models import convert_model, resolve_model

    settings: Settings = ctx.obj
    path = resolve_model(name or settings.model or DEFAULT_MODEL, download=not settings.offline)
    out = convert_model(path, quantization=quantization, force=force)
    click.echo(f"converted {path} to {out} ({quantization})")
