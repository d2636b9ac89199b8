"""Glossary commands: add, import, export, list, approve and reject proposals."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from tm.cli import format_of, main, open_memory

GLOSSARY_FORMATS = ("csv", "tsv", "tbx")


@main.group()
def glossary() -> None:
    """The desk's glossary: Arabic terms and the English the desk uses for them."""


@glossary.command("add")
@click.argument("source")
@click.argument("target")
@click.option("--notes", default="", help="A note for translators.")
@click.option("--forbid", multiple=True, help="An English variant not to use (repeatable).")
@click.option("--enforce", is_flag=True, help="Protect the term in machine-translation drafts.")
@click.option("--author", default=lambda: os.environ.get("USER"))
@click.pass_context
def glossary_add(ctx, source, target, notes, forbid, enforce, author) -> None:
    """Add a term: Arabic SOURCE, English TARGET."""
    from tm.glossary import Glossary

    term = Glossary(open_memory(ctx).store).add(
        source, target, notes=notes, forbidden=list(forbid), enforce=enforce, author=author
    )
    click.echo(f"term {term.id}: {term.source} -> {term.target}{' (enforced)' if term.enforce else ''}")


@glossary.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(GLOSSARY_FORMATS))
@click.option("--enforce/--no-enforce", default=None, help="Set the enforce flag of every imported term.")
@click.option("--encoding", help="CSV/TSV encoding (default: detected).")
@click.option("--source-lang", default="ar", show_default=True, help="TBX: the language of the source terms.")
@click.option("--target-lang", default="en", show_default=True, help="TBX: the language of the target terms.")
@click.pass_context
def glossary_import(ctx, file, fmt, enforce, encoding, source_lang, target_lang) -> None:
    """Import terms from CSV/TSV (source,target,notes,forbidden,enforce) or TBX."""
    from tm.formats.tbx import check_glossary_size, read_glossary_csv, read_tbx
    from tm.glossary import Glossary

    check_glossary_size(Path(file).stat().st_size, file)  # before the file is read into memory
    data = Path(file).read_bytes()
    fmt = format_of(file, fmt, GLOSSARY_FORMATS)
    if fmt == "tbx":
        terms = read_tbx(data, path=file, source_lang=source_lang, target_lang=target_lang)
    else:
        terms = read_glossary_csv(data, path=file, encoding=encoding)
    added, skipped = Glossary(open_memory(ctx).store).import_terms(terms, enforce=enforce)
    click.echo(f"imported {file}: {added} terms added, {skipped} already there")


@glossary.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "fmt", type=click.Choice(GLOSSARY_FORMATS))
@click.pass_context
def glossary_export(ctx, file, fmt) -> None:
    """Export the glossary's approved terms as CSV, TSV or TBX (proposals are not the glossary yet)."""
    from tm.formats.tbx import write_glossary_csv, write_tbx

    terms = open_memory(ctx).store.glossary.all(status="approved")
    fmt = format_of(file, fmt, GLOSSARY_FORMATS)
    with open(file, "w", encoding="utf-8", newline="") as out:
        n = write_tbx(out, terms) if fmt == "tbx" else write_glossary_csv(out, terms)
    click.echo(f"exported {n} terms to {file}")


@glossary.command("list")
@click.argument("query", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.option("--proposed", is_flag=True, help="Only the proposals waiting for review.")
@click.pass_context
def glossary_list(ctx, query, as_json, proposed) -> None:
    """List the terms and proposals, or those containing QUERY."""
    from tm.glossary import Glossary

    g = Glossary(open_memory(ctx).store)
    terms = g.search(query) if query else g.terms()
    if proposed:
        terms = [t for t in terms if t.status == "proposed"]
    if as_json:
        click.echo(json.dumps([t.to_json() for t in terms], ensure_ascii=False, indent=2))
        return
    for t in terms:
        extra = f"  (not: {', '.join(t.forbidden)})" if t.forbidden else ""
        waiting = (
            f"  [proposed by {t.author or 'someone'}, waiting for review]" if t.status == "proposed" else ""
        )
        click.echo(f"{t.id}\t{t.source}\t{t.target}{' [enforced]' if t.enforce else ''}{extra}{waiting}")


@glossary.command("approve")
@click.argument("term_id", type=int)
@click.option("--by", default=lambda: os.environ.get("USER"), help="Who approves (the reviewer).")
@click.pass_context
def glossary_approve(ctx, term_id, by) -> None:
    """Approve a proposed term: from now on it is used in drafts, QA and the editor."""
    from tm.glossary import Glossary

    term = Glossary(open_memory(ctx).store).approve(term_id, by or "cli")
    click.echo(
        f"term {term.id}: {term.source} -> {term.target} approved (proposed by {term.author or 'nobody'})"
    )


@glossary.command("reject")
@click.argument("term_id", type=int)
@click.pass_context
def glossary_reject(ctx, term_id) -> None:
    """Reject a proposed term: it is deleted."""
    from tm.errors import TMError

    store = open_memory(ctx).store
    term = store.glossary.get(term_id)
    if term.status != "proposed":
        raise TMError(f"term {term_id} is approved, not a proposal; delete it on the glossary page instead")
    store.glossary.delete(term_id)
    click.echo(f"rejected {term.source} -> {term.target}: the proposal is deleted")
