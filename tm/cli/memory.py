"""Memory commands: init, import, export, add, lookup, concordance, segment, stats."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import click

from tm import __version__
from tm.cli import FORMATS, format_of, main, open_memory, progress_bar
from tm.config import Settings
from tm.store.records import DUPLICATE_POLICIES, ORIGINS


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the memory file (or check an existing one)."""
    memory = open_memory(ctx, create=True)
    click.echo(f"memory ready: {memory.store.location} ({memory.store.units.count()} units)")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from the file name.")
@click.option(
    "--on-duplicate",
    type=click.Choice(DUPLICATE_POLICIES),
    default="skip",
    show_default=True,
    help="A source already in the memory with another target: ignore the new one, replace the "
    "old target (kept in history), or keep both.",
)
@click.option("--source-lang", default="ar", show_default=True)
@click.option("--target-lang", default="en", show_default=True)
@click.option("--encoding", help="CSV/TSV encoding (default: detected; UTF-8, UTF-16, Windows-1256).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def import_(
    ctx: click.Context,
    file: str,
    fmt: str | None,
    on_duplicate: str,
    source_lang: str,
    target_lang: str,
    encoding: str | None,
    as_json: bool,
) -> None:
    """Import a TMX, CSV or TSV file; all of it or, on an error, nothing."""
    from tm.formats.tmx import ReadReport
    from tm.formats.tmx_split import TMXFile

    memory = open_memory(ctx)
    fmt = format_of(file, fmt)
    size = os.path.getsize(file)
    report = ReadReport()
    with open(file, "rb") as f, progress_bar(size, "importing") as bar:
        units: Any
        if fmt == "tmx":  # a large file is read by several processes at once (tmx_split)
            units = TMXFile(
                file, source_lang=source_lang, target_lang=target_lang, report=report, progress=bar
            )
        else:
            from tm.formats.csv import read_csv

            units = read_csv(
                f, path=file, delimiter="\t" if fmt == "tsv" else None, encoding=encoding, progress=bar
            )
        # the index codes the units while they are committed, for the build that follows
        result = memory.store.units.import_units(
            units, on_duplicate=on_duplicate, while_swapping=memory.expect_units
        )
    result.refused += report.refused
    result.messages += report.messages
    memory.learn_committed()
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(
        f"imported {file}: {result.added} added, {result.updated} updated, "
        f"{result.skipped} skipped (already there), {result.refused} refused"
    )
    for message in result.messages:
        click.echo(f"  refused at {message}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from the file name.")
@click.option("--origin", type=click.Choice(ORIGINS), help="Only units of this origin.")
@click.option("--author", help="Only units last changed by this author.")
@click.pass_context
def export(ctx: click.Context, file: str, fmt: str | None, origin: str | None, author: str | None) -> None:
    """Export the memory (or a part of it) as TMX 1.4b, CSV or TSV."""
    from tm.formats.csv import write_csv
    from tm.formats.tmx import write_tmx

    memory = open_memory(ctx)
    fmt = format_of(file, fmt)
    units = (
        u
        for u in memory.store.units.iter_units()
        if (origin is None or u.origin == origin) and (author is None or u.author == author)
    )

    def write(out: Any) -> int:
        with progress_bar(memory.store.units.count(), "exporting") as bar:
            if fmt == "tmx":
                return write_tmx(out, units, tool_version=__version__, progress=bar)
            return write_csv(out, units, delimiter="\t" if fmt == "tsv" else ",", progress=bar)

    if Path(file).exists() and not Path(file).is_file():
        # a pipe or a device (/dev/stdout, a FIFO): there is no file to replace, so write
        # straight into it (renaming a temporary onto /dev/stdout cannot work)
        with open(file, "w", encoding="utf-8", newline="") as out:
            n = write(out)
        # the data may be going to stdout: the summary must not end up inside it
        click.echo(f"exported {n} units to {file}", err=True)
        return
    target = Path(file).resolve()
    # write beside the target and rename, so a failed export never leaves half a file
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            n = write(out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    click.echo(f"exported {n} units to {file}")


@main.command()
@click.argument("source")
@click.argument("target")
@click.option("--author", default=lambda: os.environ.get("USER"), help="Default: $USER.")
@click.pass_context
def add(ctx: click.Context, source: str, target: str, author: str | None) -> None:
    """Add one translation (Arabic SOURCE, English TARGET) to the memory."""
    unit = open_memory(ctx).confirm(source, target, author=author)
    click.echo(f"unit {unit.id} (version {unit.version})")


def _render_diff(chunks: list[Any]) -> str:
    out = []
    for c in chunks:
        if c.op == "equal":
            out.append(c.text)
        elif c.op == "delete":
            out.append(click.style(f"[-{c.text}-]", fg="red"))
        else:
            out.append(click.style(f"{{+{c.text}+}}", fg="green"))
    return "".join(out)


@main.command()
@click.argument("text")
@click.option("--min", "min_score", type=click.IntRange(1, 100), help="Lowest fuzzy score (default 70).")
@click.option("--limit", type=click.IntRange(1, 100), help="Most matches (default 5).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of matches.")
@click.pass_context
def lookup(ctx: click.Context, text: str, min_score: int | None, limit: int | None, as_json: bool) -> None:
    """Look an Arabic sentence up in the memory: 101% in context, 100% exact, fuzzy."""
    settings: Settings = ctx.obj
    matches = open_memory(ctx).lookup(
        text, min_score=min_score or settings.min_score, limit=limit or settings.limit
    )
    if as_json:
        click.echo(json.dumps([m.to_json() for m in matches], ensure_ascii=False, indent=2))
        return
    if not matches:
        click.echo("no match")
        return
    for m in matches:
        label = {"context": "101% in context", "exact": "100% exact"}.get(m.kind, f"{m.score}% fuzzy")
        click.echo(click.style(label, bold=True) + f"  (unit {m.unit.id}, {m.unit.origin})")
        click.echo(f"  ar: {_render_diff(m.diff) if m.diff else m.unit.source}")
        click.echo(f"  en: {m.unit.target}")
        for memory_number, query_number in m.changed_numbers:
            click.echo(f"  number: {memory_number or '-'} -> {query_number or '-'}")


def _highlight(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], click.style(text[start:end], bold=True, underline=True)]
        pos = end
    out.append(text[pos:])
    return "".join(out)


@main.command()
@click.argument("text")
@click.option("--target", "side", flag_value="target", help="Search the English targets.")
@click.option("--both", "side", flag_value="both", help="Search sources and targets.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of hits.")
@click.pass_context
def concordance(ctx: click.Context, text: str, side: str | None, limit: int, as_json: bool) -> None:
    """Find the memory's sentences that contain words or a phrase."""
    hits = open_memory(ctx).concordance(text, side=side or "source", limit=limit)
    if as_json:
        click.echo(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("nothing found")
    for h in hits:
        click.echo(f"unit {h.unit.id}")
        click.echo(f"  ar: {_highlight(h.unit.source, h.source_spans)}")
        click.echo(f"  en: {_highlight(h.unit.target, h.target_spans)}")


@main.command("segment")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--encoding", help="Default: detected (UTF-8, UTF-16 with BOM, Windows-1256).")
@click.option("--json", "as_json", is_flag=True, help="Print paragraphs with their segments as JSON.")
def segment_cmd(file: str, encoding: str | None, as_json: bool) -> None:
    """Split an Arabic text file into paragraphs and sentences."""
    from tm.formats.text import read_text
    from tm.segment import segment

    doc = segment(read_text(file, encoding=encoding))
    if as_json:
        click.echo(json.dumps(doc.to_json(), ensure_ascii=False, indent=2))
        return
    n = 0
    for i, p in enumerate(doc.paragraphs, 1):
        for s in p.segments:
            n += 1
            click.echo(f"{i}.{n}\t{s.text}")
        n = 0


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Show what the memory holds."""
    data = open_memory(ctx).store.units.stats()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"memory: {data['path']} ({data['engine']}, schema {data['schema_version']})")
    click.echo(f"units: {data['units']}")
    for origin, n in sorted(data["by_origin"].items()):
        click.echo(f"  {origin}: {n}")
    for pair, n in data["language_pairs"].items():
        click.echo(f"  {pair}: {n}")
    click.echo(f"history entries: {data['history_entries']} ({data['deleted']} deletions)")
    click.echo(f"size: {data['bytes'] / 1e6:.1f} MB")
