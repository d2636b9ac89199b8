"""XLIFF segment states and tm's statuses and origins, in both directions.

A Block read from XLIFF carries its target's state as one string, `state` or
`state/qualifier`:

* XLIFF 1.2: `state` and `state-qualifier` of the `<target>` ("translated/exact-match",
  "needs-translation/mt-suggestion", "signed-off"). A unit marked `approved="yes"` whose
  target has no state reads as "translated". A target with a qualifier but no state gives
  "/qualifier".
* XLIFF 2.x: the segment's `state` and `subState` ("final", "translated/memoq:confirmed");
  a segment with a target and no state is "initial", the standard's default.
* Where tm wrote the file, the qualifier is tm's own "tm:<origin>[/<score>]" (from the 1.2
  attributes tm:origin and tm:score, or the 2.x subState), so "translated/tm:fuzzy/87"
  reads the same from either version.

Import (status_of, origin_of):

    state                                                 tm status
    final, signed-off (1.2); reviewed, final (2.x)        approved
    translated                                            confirmed
    anything else (new, needs-*, initial, x-*, none)      draft
    any state with a rejected-* qualifier                 draft

    qualifier                                             tm origin, score
    tm:<origin>/<score>                                   <origin>, <score>
    id-match                                              context, 101
    exact-match                                           exact, 100
    fuzzy-match, leveraged-tm, tm-suggestion,
    leveraged-repository, leveraged-inherited             fuzzy, None
    mt-suggestion, leveraged-mt                           mt, None
    anything else                                         None, None

Export (state_for):

    tm status    1.2 state                  2.x state
    draft        needs-review-translation   initial
    confirmed    translated                 translated
    approved     signed-off                 final

    1.2 state-qualifier from the origin: context -> id-match, exact -> exact-match,
    fuzzy/adapted -> fuzzy-match, mt -> mt-suggestion (a draft) or leveraged-mt; tm's own
    origin and score go beside it as tm:origin/tm:score attributes. 2.x has no place for
    those on a segment, so its subState is "tm:<origin>[/<score>]". A 1.2 unit gets
    approved="yes" when confirmed or approved (Translate Toolkit, and so Weblate and Pootle,
    read approved="yes" as done and anything else as fuzzy), "no" for a draft.
"""

from __future__ import annotations

import re

TM_NS = "urn:tm:xliff"
TM_PREFIX = "tm:"
APPROVED_STATES = {"final", "signed-off", "reviewed"}
CONFIRMED_STATES = {"translated"}
_STATUS_RANK = {"draft": 0, "confirmed": 1, "approved": 2}
_QUALIFIER_ORIGINS: dict[str, tuple[str, int | None]] = {
    "id-match": ("context", 101),
    "exact-match": ("exact", 100),
    "fuzzy-match": ("fuzzy", None),
    "leveraged-tm": ("fuzzy", None),
    "tm-suggestion": ("fuzzy", None),
    "leveraged-repository": ("fuzzy", None),
    "leveraged-inherited": ("fuzzy", None),
    "mt-suggestion": ("mt", None),
    "leveraged-mt": ("mt", None),
}
_ORIGIN_QUALIFIERS = {
    "context": "id-match",
    "exact": "exact-match",
    "fuzzy": "fuzzy-match",
    "adapted": "fuzzy-match",
}
_EXPORT_STATES = {
    "1.2": {"draft": "needs-review-translation", "confirmed": "translated", "approved": "signed-off"},
    "2.0": {"draft": "initial", "confirmed": "translated", "approved": "final"},
}
EMPTY_STATE = {"1.2": "needs-translation", "2.0": "initial"}
_TM_QUALIFIER = re.compile(r"tm:([\w-]+)(?:/(\d{1,3}))?")


def split_state(state: str | None) -> tuple[str, str]:
    """Return the state and the qualifier of a Block's state string ("" when absent)."""
    if not state:
        return "", ""
    head, _, qualifier = state.partition("/")
    return head, qualifier


def join_state(state: str | None, qualifier: str | None) -> str | None:
    """Return a Block's state string from a file's state and qualifier (None when neither)."""
    if not state and not qualifier:
        return None
    return (state or "") + (f"/{qualifier}" if qualifier else "")


def tm_qualifier(origin: str | None, score: int | None) -> str | None:
    """Return tm's own qualifier "tm:<origin>[/<score>]" (None without an origin)."""
    if not origin or origin == "none":
        return None
    return f"tm:{origin}" + (f"/{score}" if score is not None else "")


def status_of(state: str | None) -> str:
    """Return tm's segment status (draft, confirmed, approved) for a Block's XLIFF state."""
    head, qualifier = split_state(state)
    if qualifier.startswith("rejected-"):
        return "draft"
    if head in APPROVED_STATES:
        return "approved"
    if head in CONFIRMED_STATES:
        return "confirmed"
    return "draft"


def origin_of(state: str | None) -> tuple[str | None, int | None]:
    """Return tm's origin and score for a Block's XLIFF state ((None, None) when it does not say)."""
    _, qualifier = split_state(state)
    m = _TM_QUALIFIER.fullmatch(qualifier)
    if m:
        return m.group(1), int(m.group(2)) if m.group(2) else None
    return _QUALIFIER_ORIGINS.get(qualifier, (None, None))


def state_for(
    status: str, origin: str | None = None, score: int | None = None, *, version: str = "1.2"
) -> tuple[str, str | None]:
    """Return the XLIFF state and qualifier to write for a tm status, origin and score.

    For 1.2 the qualifier is a standard state-qualifier (or None); for 2.x it is the
    subState "tm:<origin>[/<score>]" (or None).
    """
    v = "2.0" if version.startswith("2") else "1.2"
    state = _EXPORT_STATES[v].get(status, _EXPORT_STATES[v]["draft"])
    if v == "2.0":
        return state, tm_qualifier(origin, score)
    if origin == "mt":
        return state, "mt-suggestion" if status == "draft" else "leveraged-mt"
    return state, _ORIGIN_QUALIFIERS.get(origin or "")


def lowest(statuses: list[str]) -> str:
    """Return the least advanced of some tm statuses (a 1.2 target holding several segments)."""
    return min(statuses, key=lambda s: _STATUS_RANK.get(s, 0)) if statuses else "draft"
