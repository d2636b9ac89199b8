"""/api/v1 reports: the post-editing report as JSON, the same figures as the report page.

Who sees whose figures is tm.pe_report.scope, as on the page: an admin's or a reviewer's
token sees everyone's, a translator's token their own (asking for another translator's is a
403). The filter reads exactly as the page's (tm.pe_report.parse_filter).
"""

from __future__ import annotations

from typing import Literal

from flask import g, jsonify
from flask.typing import ResponseReturnValue
from pydantic import ConfigDict, Field

from tm.pe_report import build, parse_filter, scope
from web import services
from web.v1 import bp
from web.v1.models import Provenance
from web.v1.spec import MAX_ID, Answer, Plain, Query, operation

DAY_OR_EMPTY = r"^(\d{4}-\d{2}-\d{2})?$"
# the query's fields and the names the report's filter reads them under ("from" is a Python keyword)
FILTER_FIELDS = {"document": "document", "translator": "translator", "from_": "from", "to": "to"}


class PostEditingQuery(Query):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    document: int | None = Field(None, ge=1, le=MAX_ID, description="one document's id; none: every document")
    translator: Plain | None = Field(
        None, max_length=200, description="who confirmed the sentences; a translator's token gets their own"
    )
    from_: str | None = Field(
        None,
        alias="from",
        pattern=DAY_OR_EMPTY,
        description="confirmed on or after this day (UTC, YYYY-MM-DD); empty: no limit",
    )
    to: str | None = Field(
        None, pattern=DAY_OR_EMPTY, description="confirmed on or before this day (UTC); empty: no limit"
    )
    sentences: bool = Field(True, description="include every sentence's figures")


class ReportFilter(Answer):
    """The filter the figures are for, after the defaults and the caller's rights."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    document: int | None
    translator: str | None = Field(description="set to the caller for a translator's token")
    from_: str | None = Field(alias="from", description="null: no limit")
    to: str | None


class Figures(Answer):
    """Pooled figures of a group of sentences: an origin, a translator, a document, or all."""

    key: str = Field(description="the provenance, the translator's name, the document's id, or total")
    label: str
    segments: int
    share: float = Field(description="% of the report's sentences")
    source_words: int = Field(description="Arabic words, as CAT tools count them")
    word_share: float = Field(description="% of the report's words")
    ter: float | None = Field(description="pooled TER, %: total edits / total words of the English")
    char_edit_rate: float | None = Field(description="pooled character edits, % of the English's characters")
    active_seconds: float = Field(description="the translators' active editing time")
    review_seconds: float = Field(description="others' (reviewers') time on the sentences, apart")
    timed_segments: int = Field(description="sentences with active time recorded")
    words_per_hour: float | None = Field(description="source words per hour of active time; null: no time")


class SentenceFigures(Answer):
    """One confirmed sentence: its origin, the edits from its start to its English, its time."""

    document_id: int
    document: str
    idx: int = Field(description="the sentence's index in its document, from 0")
    translator: str | None = Field(description="who confirmed it")
    confirmed_at: str
    status: Literal["confirmed", "approved"]
    provenance: Provenance | None
    source_words: int
    ter: float = Field(description="sacrebleu's sentence TER of the start against the English, in %")
    char_edit_rate: float
    active_seconds: float
    review_seconds: float
    source: str
    start: str = Field(description="what the edits are counted from: the draft or the offered text nearest")
    target: str


class PostEditingReport(Answer):
    filter: ReportFilter
    total: Figures
    origins: list[Figures] = Field(description="every provenance in order, then unknown when some have none")
    translators: list[Figures]
    documents: list[Figures]
    sentences: list[SentenceFigures] | None = Field(None, description="left out with sentences=false")


@bp.get("/reports/post-editing")
@operation("Reports", query=PostEditingQuery, answers={200: PostEditingReport}, errors=(403, 404))
def post_editing(q: PostEditingQuery) -> ResponseReturnValue:
    """Return the post-editing report: origins, edit effort (TER), active time and words per hour.

    Over the sentences confirmed or approved in a document, by a translator, in a range of days
    (the day each was confirmed, UTC). Without document, from and to: the last 30 days, as the
    report page; from= and to= empty: all time. A translator's token sees their own figures.
    """
    given: dict[str, str] = {}  # the parameters sent, as the page's query has them
    for field, name in FILTER_FIELDS.items():
        if field in q.model_fields_set:
            value = getattr(q, field)
            given[name] = "" if value is None else str(value)
    report = build(services().store, scope(g.user, parse_filter(given)))
    return jsonify(report.to_json(sentences=q.sentences))
