"""Drafts are stored as they come: the memory's before any MT, then each MT batch, while people work.

The drafting runs on its own thread (as a job does) with an engine that stops after its first
batch until the test lets it go, so what another connection sees in the middle is certain.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.security import generate_password_hash

from tm.documents import Documents
from tm.glossary import Glossary
from tm.memory import TranslationMemory
from tm.store.sqlite import SQLiteStore

TEXT = (
    "الحكومة توقع اتفاقا جديدا\n\n"
    "وقال المتحدث باسم الوزارة إن المفاوضات استمرت ثلاثة أسابيع. "
    "ارتفعت أسعار النفط في الأسواق العالمية اليوم بشكل كبير. "
    "قصيرة جدا. "
    "وأضاف الوزير أن الحكومة ستعلن خطة جديدة للطاقة خلال الشهر المقبل في مؤتمر صحفي.\n"
)


class HeldEngine:
    """Streams its drafts shortest first, one sentence a batch, and waits after the first batch."""

    engine, model_id = "held", "held-1"

    def __init__(self) -> None:
        self.first_out = threading.Event()
        self.go_on = threading.Event()

    def translate(self, sentences):
        return [f"EN: {s}" for s in sentences]

    def translate_stream(self, sentences):
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for n, i in enumerate(order):
            yield [(i, f"EN: {sentences[i]}")]
            if n == 0:
                self.first_out.set()
                assert self.go_on.wait(30), "the test never let the engine go on"


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.setattr("tm.documents.DRAFT_EVERY", 0.0)  # store each draft as it comes
    store = SQLiteStore(tmp_path / "m.db")
    for name, role in (("ada", "admin"), ("tom", "translator")):
        store.accounts.add(name, generate_password_hash("x", method="pbkdf2:sha256:1000"), role)
    memory = TranslationMemory(store, save_index=False)
    memory.add("الحكومة توقع اتفاقا جديدا", "Government signs new deal")
    memory.add(
        "وقال المتحدث باسم الوزارة إن المفاوضات استمرت ثلاثة أسابيع.",
        "The ministry spokesman said the talks lasted three weeks.",
    )
    yield Documents(memory, Glossary(store))
    memory.close()


def seen_from_another_connection(path) -> dict[int, tuple[str, str]]:
    other = SQLiteStore(path)
    try:
        return {s.idx: (s.origin, s.target) for s in other.documents.segments(1)}
    finally:
        other.close()


def draft(desk: Documents, engine: HeldEngine) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            desk.pretranslate(1, engine)
        except BaseException as e:  # reported to the test
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    return t, errors


def test_memory_drafts_then_the_first_mt_batch_are_visible_while_the_rest_is_drafted(desk, tmp_path):
    doc_id = desk.create("wire", TEXT, "ada", translator="tom")
    assert doc_id == 1
    engine = HeldEngine()
    t, errors = draft(desk, engine)
    try:
        assert engine.first_out.wait(30)
        # the first batch is out; give the drafting a moment to store it
        for _ in range(200):
            seen = seen_from_another_connection(tmp_path / "m.db")
            if sum(o == "mt" for o, _ in seen.values()) == 1:
                break
            threading.Event().wait(0.02)
        assert seen[0] == ("exact", "Government signs new deal")
        assert seen[1] == ("exact", "The ministry spokesman said the talks lasted three weeks.")
        # the shortest sentence first; the others still wait for MT
        assert seen[3] == ("mt", "EN: قصيرة جدا.")
        assert [seen[i] for i in (2, 4)] == [("none", ""), ("none", "")]
        doc = desk.store.documents.get(doc_id, layout=False)
        assert doc.status == "translating" and doc.progress == 3
    finally:
        engine.go_on.set()
        t.join(30)
    assert not errors, errors
    final = seen_from_another_connection(tmp_path / "m.db")
    assert [o for o, _ in final.values()] == ["exact", "exact", "mt", "mt", "mt"]
    doc = desk.store.documents.get(doc_id, layout=False)
    assert (doc.status, doc.progress) == ("ready", 5)


def test_a_sentence_saved_while_drafting_runs_keeps_the_translators_english(desk, tmp_path):
    doc_id = desk.create("wire", TEXT, "ada", translator="tom")
    tom = desk.store.accounts.find("tom")
    engine = HeldEngine()
    t, errors = draft(desk, engine)
    try:
        assert engine.first_out.wait(30)
        seg = desk.store.documents.segments(doc_id)[4]
        desk.save(doc_id, 4, "The minister added that a new energy plan is coming.", tom, seg.version)
    finally:
        engine.go_on.set()
        t.join(30)
    assert not errors, errors
    seg = desk.store.documents.segments(doc_id)[4]
    assert seg.target == "The minister added that a new energy plan is coming."
    assert seg.mt_draft.startswith("EN: ")  # "back to the draft" still offers MT's


def test_drafting_again_stores_each_sentences_draft_once_in_its_history(desk):
    doc_id = desk.create("wire", TEXT, "ada", translator="tom")
    for _ in range(2):  # a job run again after its worker died
        engine = HeldEngine()
        engine.go_on.set()
        desk.pretranslate(doc_id, engine)
    for idx in range(5):
        entries = [h for h in desk.store.documents.history(doc_id, idx) if h.action == "draft"]
        assert len(entries) == 1, (idx, entries)
    segs = desk.store.documents.segments(doc_id)
    assert [s.origin for s in segs] == ["exact", "exact", "mt", "mt", "mt"]
