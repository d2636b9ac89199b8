"""Review over HTTP: approve, reject with a reason, blocking QA with a recorded override, undo, origins."""

from __future__ import annotations

import pytest

from .conftest import Client, services

# The echo translator drafts "EN: <Arabic>": raw MT with Arabic left in it, the trap of the issue.
ARTICLE = "قال الوزير إن الميزانية بلغت 12 مليار دولار.\n\nوأضاف أن العجز تراجع هذا العام.\n"


@pytest.fixture
def desk(app):
    return {name: Client(app, name) for name in ("ada", "tom", "tia", "rita")}


def new_doc(desk):
    tom = desk["tom"]
    r = tom.post(
        "/documents/new", {"title": "Budget", "text": ARTICLE, "translator": "tom", "reviewer": "rita"}
    )
    assert r.status_code == 302
    services(tom.app).worker.wait_idle()
    return int(r.headers["Location"].rsplit("/", 1)[1])


def seg(client, doc_id, idx):
    return next(
        s for s in client.api("GET", f"/api/documents/{doc_id}").get_json()["segments"] if s["idx"] == idx
    )


def confirm(client, doc_id, idx, target, **body):
    version = seg(client, doc_id, idx)["version"]
    return client.api(
        "POST",
        f"/api/documents/{doc_id}/segments/{idx}/confirm",
        {"target": target, "version": version, **body},
    )


def to_review(desk, doc_id):
    services(desk["tom"].app).store.documents.set_stage(doc_id, "in review")


def test_confirming_the_raw_mt_draft_with_arabic_in_it_answers_422_with_the_findings(app, desk):
    doc_id = new_doc(desk)
    draft = seg(desk["tom"], doc_id, 1)
    assert draft["target"].startswith("EN: ")
    r = confirm(desk["tom"], doc_id, 1, draft["target"])
    assert r.status_code == 422
    body = r.get_json()
    assert [f["code"] for f in body["qa"]] == ["arabic-in-target"]
    assert "confirm anyway" in body["error"]
    assert seg(desk["tom"], doc_id, 1)["status"] == "draft"
    assert services(app).store.units.count() == 0


def test_an_override_confirms_and_is_recorded_on_the_segment_and_in_the_units_history(app, desk):
    doc_id = new_doc(desk)
    r = confirm(desk["tom"], doc_id, 0, "The minister said the budget reached $12bn.", override=True)
    assert r.status_code == 200  # nothing blocked: an override without findings records nothing
    assert r.get_json()["segments"][0]["override"] is None
    r = confirm(desk["tom"], doc_id, 1, "He added the deficit fell by 3 points.", override=True)
    assert r.get_json()["segments"][0]["override"] is None  # an extra number warns, it does not block
    r = confirm(desk["tom"], doc_id, 0, "The minister said the budget reached billions.", override=True)
    [saved] = r.get_json()["segments"]
    assert saved["override"]["by"] == "tom" and saved["override"]["codes"] == ["number-missing"]
    unit = services(app).memory.lookup("قال الوزير إن الميزانية بلغت 12 مليار دولار.")[0].unit
    assert services(app).store.units.history(unit.id)[-1].qa_override == ["number-missing"]


@pytest.mark.parametrize("field", ["override", "approve", "propagate"])
@pytest.mark.parametrize("value", ["yes", 1, None, [True]])
def test_a_flag_that_is_not_a_boolean_is_refused(desk, field, value):
    doc_id = new_doc(desk)
    r = confirm(desk["tom"], doc_id, 0, "The minister said the budget reached $12bn.", **{field: value})
    assert r.status_code == 400 and "true or false" in r.get_json()["error"]


def test_a_reviewer_approves_in_review_and_the_memory_names_translator_and_reviewer(app, desk):
    doc_id = new_doc(desk)
    confirm(desk["tom"], doc_id, 0, "The minister said the budget reached $12 billion.")
    to_review(desk, doc_id)
    r = confirm(desk["rita"], doc_id, 0, "The minister said the budget reached $12 billion.", approve=True)
    assert r.status_code == 200
    [s] = r.get_json()["segments"]
    assert (s["status"], s["provenance"]) == ("approved", "scratch")
    unit = services(app).memory.lookup("قال الوزير إن الميزانية بلغت 12 مليار دولار.")[0].unit
    assert (unit.status, unit.reviewer, unit.author) == ("approved", "rita", "tom")


def test_approving_or_confirming_again_what_is_so_already_changes_nothing(app, desk):
    """A second Ctrl+Enter on an approved sentence must not add versions and history entries
    that say nothing happened; a confirm with other English still goes through."""
    store = services(app).store
    doc_id = new_doc(desk)
    english = "The minister said the budget reached $12 billion."
    confirm(desk["tom"], doc_id, 0, english)
    again = confirm(desk["tom"], doc_id, 0, english).get_json()["segments"][0]
    assert again["version"] == 2 and again["status"] == "confirmed"
    to_review(desk, doc_id)
    approved = confirm(desk["rita"], doc_id, 0, english, approve=True).get_json()["segments"][0]
    changes = len(store.documents.history(doc_id, 0))
    unit = services(app).memory.lookup("قال الوزير إن الميزانية بلغت 12 مليار دولار.")[0].unit
    unit_changes = len(store.units.history(unit.id))
    for _ in range(3):
        r = confirm(desk["rita"], doc_id, 0, english, approve=True)
        assert r.status_code == 200 and r.get_json()["segments"][0]["version"] == approved["version"]
    assert len(store.documents.history(doc_id, 0)) == changes
    assert len(store.units.history(unit.id)) == unit_changes
    assert store.units.get(unit.id).version == unit.version
    # other English is a change, approved again
    r = confirm(desk["rita"], doc_id, 0, "The minister said the budget hit $12 billion.", approve=True)
    assert r.get_json()["segments"][0]["version"] == approved["version"] + 1


def test_a_rejection_sends_the_sentence_back_with_the_reason_as_a_comment_thread(app, desk):
    doc_id = new_doc(desk)
    confirm(desk["tom"], doc_id, 1, "He added that the deficit shrank this year.")
    to_review(desk, doc_id)
    version = seg(desk["rita"], doc_id, 1)["version"]
    r = desk["rita"].api(
        "POST",
        f"/api/documents/{doc_id}/segments/1/reject",
        {"version": version, "reason": "'Narrowed' is the word."},
    )
    assert r.status_code == 200
    body = r.get_json()
    assert (body["segment"]["status"], body["segment"]["rejected_by"]) == ("draft", "rita")
    assert (body["comment"]["kind"], body["comment"]["body"]) == ("rejection", "'Narrowed' is the word.")
    page = desk["tom"].get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "rejected by rita" in page


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("tom", {"reason": "no"}, 403),  # a translator does not reject
        ("tia", {"reason": "no"}, 403),
        ("rita", {"reason": "   "}, 400),
        ("rita", {"reason": 5}, 400),
        ("rita", {}, 400),
    ],
)
def test_a_rejection_by_someone_else_or_without_a_reason_is_refused(app, desk, who, body, status):
    doc_id = new_doc(desk)
    to_review(desk, doc_id)
    version = seg(desk["rita"], doc_id, 0)["version"]
    r = desk[who].api("POST", f"/api/documents/{doc_id}/segments/0/reject", {"version": version, **body})
    assert r.status_code == status
    assert services(app).store.comments.for_document(doc_id) == []


def test_the_history_of_a_sentence_lists_its_changes_and_restore_brings_one_back(desk):
    doc_id = new_doc(desk)
    tom = desk["tom"]
    v = seg(tom, doc_id, 1)["version"]
    tom.api("PUT", f"/api/documents/{doc_id}/segments/1", {"target": "First try.", "version": v})
    confirm(tom, doc_id, 1, "He added that the deficit shrank this year.")
    changes = tom.api("GET", f"/api/documents/{doc_id}/segments/1/history").get_json()["changes"]
    assert [c["action"] for c in changes] == ["confirm", "save", "draft"]
    first_try = changes[1]["id"]
    r = tom.api(
        "POST",
        f"/api/documents/{doc_id}/segments/1/restore",
        {"change": first_try, "version": seg(tom, doc_id, 1)["version"]},
    )
    assert r.status_code == 200
    assert (r.get_json()["segment"]["target"], r.get_json()["segment"]["status"]) == ("First try.", "draft")


@pytest.mark.parametrize("change", ["1", True, 0, -4, 2**70, None])
def test_a_restore_of_a_malformed_change_is_refused(desk, change):
    doc_id = new_doc(desk)
    v = seg(desk["tom"], doc_id, 0)["version"]
    r = desk["tom"].api(
        "POST", f"/api/documents/{doc_id}/segments/0/restore", {"change": change, "version": v}
    )
    assert r.status_code == 400


def test_a_restore_of_a_change_of_another_sentence_is_not_found(desk):
    doc_id = new_doc(desk)
    other = (
        desk["tom"].api("GET", f"/api/documents/{doc_id}/segments/1/history").get_json()["changes"][0]["id"]
    )
    v = seg(desk["tom"], doc_id, 0)["version"]
    r = desk["tom"].api(
        "POST", f"/api/documents/{doc_id}/segments/0/restore", {"change": other, "version": v}
    )
    assert r.status_code == 404


def test_someone_not_assigned_cannot_restore(desk):
    doc_id = new_doc(desk)
    change = (
        desk["tia"].api("GET", f"/api/documents/{doc_id}/segments/0/history").get_json()["changes"][0]["id"]
    )
    v = seg(desk["tia"], doc_id, 0)["version"]
    r = desk["tia"].api(
        "POST", f"/api/documents/{doc_id}/segments/0/restore", {"change": change, "version": v}
    )
    assert r.status_code == 403


def test_the_document_json_says_whether_this_user_may_write(desk):
    doc_id = new_doc(desk)
    assert desk["tom"].api("GET", f"/api/documents/{doc_id}").get_json()["writable"] is True
    assert desk["tia"].api("GET", f"/api/documents/{doc_id}").get_json()["writable"] is False


def test_the_unit_page_shows_review_origin_and_arabic_metadata_as_written(app, desk):
    doc_id = new_doc(desk)
    confirm(desk["tom"], doc_id, 0, "The minister said the budget reached $12 billion.")
    unit = services(app).memory.lookup("قال الوزير إن الميزانية بلغت 12 مليار دولار.")[0].unit
    services(app).store.units.update(unit.id, author=None, meta={**unit.meta, "note": {"مصدر": "وكالة"}})
    page = desk["ada"].get(f"/memory/units/{unit.id}").get_data(as_text=True)
    assert "confirmed, not reviewed" in page and "written anew" in page
    assert "وكالة" in page and "\\u0648" not in page
    assert "Budget" in page  # the document it came from, as a plain value


def test_editing_a_unit_by_hand_makes_unchanged_mt_an_edited_one(app, desk):
    store = services(app).store
    from tm.store.records import NewUnit

    unit = store.units.add(
        NewUnit("وأضاف أن العجز تراجع.", "He added the deficit fell.", provenance="mt-unchanged")
    )
    r = desk["ada"].post(
        f"/memory/units/{unit.id}",
        {"source": unit.source, "target": "He added the deficit narrowed.", "version": "1"},
    )
    assert r.status_code == 302
    assert store.units.get(unit.id).provenance == "mt-edited"


RLO = "\u202e"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/documents/{doc}/segments/0", {"target": f"The {RLO}minister", "version": 1}),
        ("POST", "/api/documents/{doc}/segments/0/comments", {"body": f"see {RLO}fdp.exe"}),
        ("POST", "/api/documents/{doc}/segments/0/comments", {"body": "\u200b\ufeff"}),
        ("POST", "/glossary/", {"source": "الوزير", "target": f"{RLO}minister", "notes": ""}),
    ],
)
def test_invisible_direction_controls_and_invisible_only_text_are_refused(app, desk, method, path, body):
    doc_id = new_doc(desk)
    if "version" in body:
        body = {**body, "version": seg(desk["tom"], doc_id, 0)["version"]}
    r = desk["tom"].api(method, path.format(doc=doc_id), body)
    assert r.status_code == 400
    assert services(app).store.comments.for_document(doc_id) == []
    assert seg(desk["tom"], doc_id, 0)["changed_by"] is None
    assert services(app).store.glossary.all() == []


def test_a_title_with_a_direction_control_is_refused_and_the_text_kept(desk):
    r = desk["tom"].post("/documents/new", {"title": f"report{RLO}cod.exe", "text": ARTICLE})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "direction control (U+202E)" in page and "الميزانية" in page


def test_an_english_longer_than_any_sentence_is_refused(desk):
    doc_id = new_doc(desk)
    v = seg(desk["tom"], doc_id, 0)["version"]
    r = desk["tom"].api("PUT", f"/api/documents/{doc_id}/segments/0", {"target": "x" * 20_001, "version": v})
    assert r.status_code == 400 and "at most 20,000" in r.get_json()["error"]


def test_a_translator_cannot_resolve_the_reviewers_rejection(app, desk):
    doc_id = new_doc(desk)
    to_review(desk, doc_id)
    v = seg(desk["rita"], doc_id, 0)["version"]
    r = desk["rita"].api(
        "POST", f"/api/documents/{doc_id}/segments/0/reject", {"version": v, "reason": "Tense."}
    )
    thread = r.get_json()["comment"]["id"]
    assert desk["tom"].api("POST", f"/api/comments/{thread}/resolve", {"resolved": True}).status_code == 403
    assert desk["rita"].api("POST", f"/api/comments/{thread}/resolve", {"resolved": True}).status_code == 200


def test_downloads_name_the_file_and_say_the_charset_once(desk):
    doc_id = new_doc(desk)
    r = desk["tom"].get(f"/documents/{doc_id}/english.txt")
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Budget.en.txt" in r.headers["Content-Disposition"]
