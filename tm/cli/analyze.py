"""`tm analyze`: a text file's match analysis against the memory, as desks price work."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from tm.cli import main, open_memory, progress_bar

if TYPE_CHECKING:
    from tm.analysis import Analysis


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the bands, totals and every sentence as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the bands and a total row as CSV.")
@click.option("--encoding", help="Default: detected (UTF-8, UTF-16 with BOM, Windows-1256).")
@click.pass_context
def analyze(ctx: click.Context, file: str, as_json: bool, as_csv: bool, encoding: str | None) -> None:
    """Count an Arabic text file's words by memory match: 101%, 100%, fuzzy bands, repetitions, new.

    Nothing in the memory changes. A sentence seen earlier in the file is a repetition.
    """
    from tm.analysis import analyse
    from tm.errors import FormatError
    from tm.formats.text import read_text
    from tm.segment import segment

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    sources = [s.text for s in segment(read_text(file, encoding=encoding)).segments()]
    if not sources:
        raise FormatError("the file holds no sentences to analyse", path=file)
    memory = open_memory(ctx)
    with progress_bar(len(sources), "analysing") as bar:
        result = analyse(sources, memory, progress=bar)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif as_csv:
        sys.stdout.write(result.to_csv())
    else:
        click.echo(_table(result))


def _table(result: Analysis) -> str:
    """Return the bands as a plain table with a total row."""
    rows = [(b.label, b.segments, b.words, b.characters, f"{b.percent:.1f}") for b in result.bands]
    rows.append(
        ("Total", result.segments, result.words, result.characters, "100.0" if result.words else "0.0")
    )
    head = ("Match", "Segments", "Words", "Characters", "% words")
    width = max(len(r[0]) for r in [head, *rows])
    line = f"{{:<{width}}}  {{:>8}}  {{:>7}}  {{:>10}}  {{:>7}}"
    out = [line.format(*head)]
    out += [line.format(*r) for r in rows[:-1]]
    out.append("-" * len(out[0]))
    out.append(line.format(*rows[-1]))
    return "\n".join(out)
