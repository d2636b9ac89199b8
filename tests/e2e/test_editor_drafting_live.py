"""The editor opens at once while a document is drafted and fills its sentences in as drafts come.

The server is the real app over a real SQLite memory, served over HTTP in this process, with an
MT engine that hands out one sentence (shortest first, as real engines stream) each time the test
lets it: what the page shows between two drafts is certain, and no timing is asserted. Drafts
are stored as they come (DRAFT_EVERY 0), as they are a few times a second in a real run.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from tm.config import Settings
from tm.store.sqlite import SQLiteStore
from web import create_app

from .conftest import PASSWORD, shot
from .test_editor import login, row
from .test_editor_live import back_to_tab

ACTIVE = re.compile(r"\bactive\b")
WAITING = re.compile(r"\bwaiting\b")

HEADLINE = "البنك المركزي يرفع سعر الفائدة"
RATE = "أعلن البنك المركزي يوم الخميس رفع سعر الفائدة بنسبة 1.5 نقطة."
GOLD = "وارتفعت أسعار الذهب."
STOCKS = "وتراجعت الأسهم في البورصة المحلية اليوم."
GOVERNOR = "وقال المحافظ إن التضخم ما زال مرتفعا في الأشهر الأخيرة."
OUTLOOK = "ويتوقع محللون أن يستقر الاقتصاد خلال العام المقبل بعد سنوات من الركود والبطالة."
ARTICLE = "\n".join((HEADLINE, RATE, GOLD, STOCKS, GOVERNOR, OUTLOOK))
# the memory knows the first two; MT drafts the others, shortest first: GOLD, STOCKS, GOVERNOR, OUTLOOK
MEMORY = {
    HEADLINE: "Central bank raises interest rate",
    RATE: "The central bank announced on Thursday a rise in the interest rate of 1.5 points.",
}
ENGLISH = {
    GOLD: "Gold prices rose.",
    STOCKS: "Shares fell on the local stock exchange today.",
    GOVERNOR: "The governor said inflation was still high in recent months.",
    OUTLOOK: "Analysts expect the economy to stabilise next year after years of stagnation and unemployment.",
}


class HeldMT:
    """An MT engine that streams one sentence, shortest first, each time the test lets it."""

    engine, model_id = "held", "held-1"

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.allowed = 0
        self.free = False
        self.error: str | None = None

    def english(self, sentence: str) -> str:
        return ENGLISH.get(sentence, "A draft.")

    def translate(self, sentences: list[str]) -> list[str]:
        return [self.english(s) for s in sentences]

    def translate_stream(self, sentences: list[str]) -> Iterator[list[tuple[int, str]]]:
        for i in sorted(range(len(sentences)), key=lambda i: len(sentences[i])):
            with self.cond:
                # (a minute at most: a test that failed must not hold the server's worker)
                self.cond.wait_for(lambda: self.free or self.allowed or self.error, timeout=60)
                if self.error:
                    raise RuntimeError(self.error)
                self.allowed = max(0, self.allowed - 1)
            yield [(i, self.english(sentences[i]))]

    def release(self, n: int = 1) -> None:
        with self.cond:
            self.allowed += n
            self.cond.notify_all()

    def release_all(self) -> None:
        with self.cond:
            self.free = True
            self.cond.notify_all()

    def fail(self, message: str) -> None:
        with self.cond:
            self.error = message
            self.cond.notify_all()

    def heal(self) -> None:
        with self.cond:
            self.error = None


@pytest.fixture
def held(tmp_path, monkeypatch):
    """Serve the app with the held MT engine; yield (base URL, engine, the app's services)."""
    monkeypatch.setattr("tm.documents.DRAFT_EVERY", 0.0)  # store each draft as it comes
    store = SQLiteStore(tmp_path / "memory.db")
    for name, role in (("ada", "admin"), ("tom", "translator"), ("rita", "reviewer")):
        store.accounts.add(name, generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"), role)
    mt = HeldMT()
    app = create_app(Settings(db=str(tmp_path / "memory.db")), store=store, translator=mt)
    svc = app.extensions["tm"]
    for source, target in MEMORY.items():
        svc.memory.add(source, target)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", mt, svc
    mt.release_all()
    server.shutdown()
    thread.join(10)
    svc.close()
    store.close()


def open_new_document(page, base: str, title: str, *, reviewer: str = "") -> int:
    """Paste the article as a new document; the editor opens while it is being drafted."""
    page.goto(base + "/documents/new")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=text]", ARTICLE)
    if reviewer:
        page.select_option("select[name=reviewer]", reviewer)
    page.locator("main button.primary").click()
    expect(page.locator(".seg")).to_have_count(6)
    expect(page.locator(".seg.active")).to_have_count(1)  # the editor is ready for keys
    page.evaluate("window.sameLoad = true")  # gone if the page reloads
    return int(page.url.rsplit("/", 1)[1])


def box(page, n: int):
    return row(page, n).locator("textarea")


def stored(svc, doc_id: int, idx: int):
    return svc.store.documents.segments(doc_id)[idx]


def test_the_editor_fills_drafts_in_while_the_translator_works_and_a_reviewer_watches(held, browser, page):
    base, mt, svc = held
    login(page, base, "tom")
    doc_id = open_new_document(page, base, "Rates", reviewer="rita")

    # the grid at once, every Arabic sentence visible, drafting in the header
    drafting = page.locator("#drafting")
    expect(drafting).to_be_visible()
    expect(row(page, 4).locator(".src")).to_have_text(GOVERNOR)
    # the memory's drafts first, MT's rows still waiting (the engine holds them all)
    expect(box(page, 0)).to_have_value(MEMORY[HEADLINE])
    expect(row(page, 0).locator(".badge")).to_have_text("100")
    expect(box(page, 1)).to_have_value(MEMORY[RATE])
    expect(drafting).to_contain_text("Drafting: 2 of 6 sentences")
    for n in (2, 3, 4, 5):
        expect(row(page, n)).to_have_class(WAITING)
        expect(box(page, n)).to_have_value("")
        expect(box(page, n)).to_have_attribute("placeholder", "Drafting…")
        expect(row(page, n).locator(".badge")).to_have_text("…")
    # the memory matches of the active sentence show while the rest is drafted
    expect(row(page, 0)).to_have_class(ACTIVE)
    expect(page.locator("#matches")).to_contain_text(MEMORY[HEADLINE])
    shot(page, "drafting-live-waiting")

    # the reviewer opens it too: read only, the same rows waiting
    rita = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    rita_errors: list[str] = []
    rita.on("pageerror", lambda e: rita_errors.append(str(e)))
    login(rita, base, "rita")
    rita.goto(page.url)
    expect(rita.locator("#read-only")).to_be_visible()
    expect(box(rita, 2)).to_have_attribute("readonly", "")
    expect(row(rita, 2)).to_have_class(WAITING)
    expect(box(rita, 1)).to_have_value(MEMORY[RATE])
    rita.evaluate("window.sameLoad = true")

    # tom confirms the headline with Ctrl+Enter while MT is held: it goes into the memory, and
    # the next sentence to do is active
    box(page, 0).click()
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 1)).to_have_class(ACTIVE)
    expect(page.locator("#doc-progress")).to_have_text("1 of 6 confirmed")
    assert stored(svc, doc_id, 0).status == "confirmed"

    # he writes the gold sentence himself before its draft comes (it is the first MT sends)
    box(page, 2).click()
    page.keyboard.type("Gold prices climbed.")
    expect(row(page, 2)).not_to_have_class(WAITING)
    expect(row(page, 2)).to_have_attribute("data-version", "2")  # autosaved
    mt.release(1)  # the gold sentence's draft: his English stays
    mt.release(1)  # the stocks sentence's draft fills its row, without a reload
    expect(box(page, 3)).to_have_value(ENGLISH[STOCKS])
    expect(row(page, 3).locator(".badge")).to_have_text("MT")
    expect(row(page, 3)).not_to_have_class(WAITING)
    expect(drafting).to_contain_text("Drafting: 4 of 6 sentences")
    expect(box(page, 2)).to_have_value("Gold prices climbed.")
    expect(box(page, 2)).to_be_focused()
    assert stored(svc, doc_id, 2).target == "Gold prices climbed."
    assert stored(svc, doc_id, 2).mt_draft == ENGLISH[GOLD]  # what Esc would put back
    # the reviewer sees the drafts and tom's English come in, read only
    expect(box(rita, 3)).to_have_value(ENGLISH[STOCKS])
    expect(box(rita, 2)).to_have_value("Gold prices climbed.")
    expect(row(rita, 0)).to_have_attribute("data-status", "confirmed")
    expect(rita.locator("#drafting")).to_contain_text("4 of 6")
    shot(page, "drafting-live-filling")
    shot(rita, "drafting-live-reviewer")

    # he types in the governor's sentence, still waiting, and drafting ends at once: what he
    # typed stays, with the caret where it was, and is saved
    box(page, 4).click()
    page.keyboard.type("The governor said inflation remained high")
    mt.release_all()
    expect(drafting).to_have_count(0)
    expect(page.locator(".seg.waiting")).to_have_count(0)
    expect(box(page, 5)).to_have_value(ENGLISH[OUTLOOK])
    expect(box(page, 4)).to_have_value("The governor said inflation remained high")
    expect(box(page, 4)).to_be_focused()
    page.keyboard.type(" in recent months.")
    expect(box(page, 4)).to_have_value("The governor said inflation remained high in recent months.")
    expect(row(page, 4)).not_to_have_attribute("data-version", "1")  # autosaved
    page.keyboard.press("Control+Enter")
    expect(row(page, 4)).to_have_attribute("data-status", "confirmed")
    seg = stored(svc, doc_id, 4)
    assert (seg.target, seg.status) == (
        "The governor said inflation remained high in recent months.",
        "confirmed",
    )
    assert svc.store.documents.get(doc_id).status == "ready"

    # the page is the ordinary editor now: no "Drafting", the rows editable, nothing reloaded
    expect(page.locator(".seg textarea[placeholder]")).to_have_count(0)
    # find and replace, which the page leaves out while drafting, is there now (Ctrl+H)
    expect(page.locator("#find-open")).to_be_visible()
    page.keyboard.press("Control+h")
    expect(page.locator("#find-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#find-dialog")).to_be_hidden()
    assert page.evaluate("window.sameLoad") is True
    expect(page.locator("#doc-progress")).to_have_text("2 of 6 confirmed")
    box(page, 5).click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Analysts expect the economy to settle next year.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 5)).to_have_attribute("data-status", "confirmed")
    assert stored(svc, doc_id, 5).target == "Analysts expect the economy to settle next year."
    shot(page, "drafting-live-done")

    # the reviewer's page follows to the end without a reload, still read only
    expect(rita.locator("#drafting")).to_have_count(0)
    expect(rita.locator(".seg.waiting")).to_have_count(0)
    expect(box(rita, 5)).to_have_value(ENGLISH[OUTLOOK])
    # now in live mode (every 10 s): coming back to the tab asks at once
    back_to_tab(rita)
    expect(row(rita, 4)).to_have_attribute("data-status", "confirmed")
    expect(box(rita, 4)).to_have_value("The governor said inflation remained high in recent months.")
    expect(box(rita, 5)).to_have_attribute("readonly", "")
    assert rita.evaluate("window.sameLoad") is True
    assert page.js_errors == [] and rita_errors == []
    rita.context.close()


def test_drafting_that_fails_while_the_editor_is_open_says_so_and_can_be_tried_again(held, page):
    base, mt, svc = held
    login(page, base, "tom")
    doc_id = open_new_document(page, base, "Failing")
    expect(page.locator("#drafting")).to_contain_text("2 of 6")
    box(page, 3).click()
    page.keyboard.type("Shares fell today.")
    expect(row(page, 3)).to_have_attribute("data-version", "2")

    mt.fail("the MT model ran out of memory")
    stopped = page.locator("#drafting-stopped")
    expect(stopped).to_contain_text("Drafting failed")
    expect(page.locator("#doc-note")).to_contain_text("the MT model ran out of memory")
    expect(page.locator("#drafting")).to_have_count(0)
    # the rows stay, without "Drafting…", and what was typed is kept and can still be saved
    expect(page.locator(".seg.waiting")).to_have_count(0)
    expect(box(page, 2)).not_to_have_attribute("placeholder", "Drafting…")
    expect(box(page, 3)).to_have_value("Shares fell today.")
    expect(box(page, 0)).to_have_value(MEMORY[HEADLINE])
    shot(page, "drafting-live-failed")
    assert page.evaluate("window.sameLoad") is True

    # the retry is the page's own button: drafting starts again and this time finishes
    mt.heal()
    mt.release_all()
    stopped.get_by_role("button", name="Try again").click()
    expect(page.locator(".seg")).to_have_count(6)
    expect(box(page, 5)).to_have_value(ENGLISH[OUTLOOK])
    expect(page.locator("#drafting")).to_have_count(0)
    expect(box(page, 3)).to_have_value("Shares fell today.")  # saved: the drafting kept it
    assert svc.store.documents.get(doc_id).status == "ready"
    assert page.js_errors == []
