"""/api/v1 match analysis, as desks price work: words per band for a document in tm, or for a text
or a file before it is imported (nothing is stored, the memory does not change)."""

from __future__ import annotations

from flask import abort, jsonify
from flask.typing import ResponseReturnValue
from pydantic import Field

from tm import files
from tm.analysis import analyse
from tm.documents import MAX_SEGMENTS
from tm.errors import FormatError
from tm.segment import segment
from tm.textcheck import is_blank
from web import services
from web.v1 import bp
from web.v1.documents import FILE_FORM, upload
from web.v1.spec import Answer, Model, Query, Text, operation


class AnalysisQuery(Query):
    sentences: bool = Field(True, description="list every sentence with its band")


class AnalysisText(Model):
    text: Text = Field(description="the Arabic text, segmented as a document would be")


class BandFigures(Answer):
    band: str
    label: str
    segments: int
    words: int
    characters: int
    percent: float


class Totals(Answer):
    segments: int
    words: int
    characters: int


class AnalysedSentence(Answer):
    idx: int
    band: str
    score: int | None
    unit_id: int | None
    repeat_of: int | None
    words: int
    characters: int
    source: str


class MatchAnalysis(Answer):
    """Words per match band, as `tm analyze --json` prints them."""

    bands: list[BandFigures]
    total: Totals
    min_score: int
    sentences: list[AnalysedSentence] | None = None


def _analysis(sources: list[str], q: AnalysisQuery) -> ResponseReturnValue:
    if len(sources) > MAX_SEGMENTS:
        abort(413, f"the text has {len(sources)} sentences; analyse at most {MAX_SEGMENTS} at once")
    return jsonify(analyse(sources, services().memory).to_json(sentences=q.sentences))


def _sentences(text: str, what: str) -> list[str]:
    sources = [s.text for s in segment(text).segments()]
    if is_blank(text) or not sources:
        abort(400, f"{what}: send an Arabic text; this one holds no sentences")
    return sources


@bp.get("/documents/<int:doc_id>/analysis")
@operation("Analysis", query=AnalysisQuery, answers={200: MatchAnalysis})
def document_analysis(doc_id: int, q: AnalysisQuery) -> ResponseReturnValue:
    """Return a document's match analysis against the memory as it is now: words per band."""
    store = services().store
    store.documents.get(doc_id, layout=False)
    return _analysis([s.source for s in store.documents.segments(doc_id)], q)


@bp.post("/analysis")
@operation("Analysis", query=AnalysisQuery, body=AnalysisText, answers={200: MatchAnalysis})
def analysis(q: AnalysisQuery, body: AnalysisText) -> ResponseReturnValue:
    """Analyse a text before it is imported: words per band (101, repetitions, 100, fuzzy, new).

    Nothing is stored and the memory does not change.
    """
    return _analysis(_sentences(body.text, "text"), q)


@bp.post("/analysis/file")
@operation("Analysis", query=AnalysisQuery, form={"file": FILE_FORM["file"]}, answers={200: MatchAnalysis})
def analysis_file(q: AnalysisQuery) -> ResponseReturnValue:
    """Analyse an uploaded text file (multipart/form-data) as POST /api/v1/analysis does a text."""
    name, data = upload()
    try:
        parsed = files.read(name, data)  # nothing is stored
    except FormatError as e:
        abort(400, f"file: {e}")
    sources = [text for _, text in parsed.sources()]
    if not sources:
        abort(400, "file: send an Arabic text; this one holds no sentences")
    return _analysis(sources, q)
