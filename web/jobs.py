"""The web app's kinds of background job: drafting a document and importing a memory file.

Jobs live in the store's jobs table (see tm.jobs); this module says how each kind runs
with the app's services, what may be resumed after a crash, and what a failure leaves.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tm.errors import NotFound
from tm.jobs import JobContext, Kind
from tm.store.records import Job

if TYPE_CHECKING:
    from web import Services

PRETRANSLATE, IMPORT = "pretranslate", "import"


def job_kinds(svc: Services) -> dict[str, Kind]:
    """Return the kinds of job this app runs, bound to its services."""

    def pretranslate(ctx: JobContext) -> dict[str, Any]:
        doc_id = int(ctx.params["document"])
        total = svc.store.documents.get(doc_id).total
        ctx.progress(0, total)
        # the engine loads in the job, on the first document that needs it
        svc.documents.pretranslate(
            doc_id,
            svc.translator if ctx.params.get("mt", True) else None,  # mt false: from the memory alone
            min_score=svc.settings.fuzzy_min,
            on_progress=lambda done: ctx.progress(done),
        )
        ctx.progress(total, total)
        return {"document": doc_id}

    def pretranslate_failed(job: Job, message: str) -> None:
        try:
            svc.store.documents.set_state(
                int(job.params["document"]), status="failed", note=f"drafting failed: {message}"
            )
        except NotFound:  # deleted meanwhile
            pass

    def import_file(ctx: JobContext) -> dict[str, Any]:
        from tm.formats.csv import read_csv
        from tm.formats.tmx import ReadReport, read_tmx

        fmt, name = ctx.params["format"], ctx.params["name"]
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            ctx.progress(done)

        report = ReadReport()
        # the file kept with the job (a job queued by an older tm names a file of the server's)
        legacy = ctx.params.get("path")
        with open(legacy, "rb") if legacy else svc.store.jobs.open_file(ctx.job.id) as f:
            if fmt == "tmx":
                units = read_tmx(f, path=name, report=report, progress=progress)
            else:
                units = read_csv(f, path=name, delimiter="\t" if fmt == "tsv" else None, progress=progress)
            # one transaction: a worker killed here leaves the memory as it was, and the job runs again
            result = svc.store.units.import_units(
                units, on_duplicate=ctx.params["on_duplicate"], while_swapping=svc.memory.expect_units
            )
        if legacy:
            _remove(legacy)
        svc.memory.learn_committed()
        result.refused += report.refused
        result.messages += report.messages
        return result.to_json()

    def import_failed(job: Job, message: str) -> None:
        _remove(job.params.get("path"))

    return {
        PRETRANSLATE: Kind(pretranslate, resumable=True, on_failure=pretranslate_failed),
        IMPORT: Kind(import_file, resumable=True, on_failure=import_failed),
    }


def _remove(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
