"""The editor's document tools in a real browser: a sentence's history, find and replace, the QA report."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.web.test_tools import ARTICLE, ENGLISH

from .conftest import shot
from .test_editor import login, new_document, row


def doc_id(page) -> str:
    return re.search(r"/documents/(\d+)", page.url).group(1)


def stored(page, base, n):
    """Return sentence n as the server has it, read with the page's own session."""
    return page.request.get(f"{base}/api/documents/{doc_id(page)}").json()["segments"][n]


def eventually(check, timeout=10.0):
    """Wait until check() is true (the server's side of an autosave)."""
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


def type_into(page, n, text):
    row(page, n).locator(".src").click()
    expect(row(page, n).locator("textarea")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def test_an_earlier_english_comes_back_from_the_history_panel(server, page):
    login(page, server)
    new_document(page, server, "History", ARTICLE)
    box = row(page, 0).locator("textarea")
    draft = box.input_value()
    history = page.locator("#history li")

    # two versions of the first sentence, each confirmed
    type_into(page, 0, "The minister said the budget cuts the deficit by 3 percent.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    type_into(page, 0, ENGLISH[0])
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    row(page, 0).locator(".src").click()

    # the panel: newest first, what each one was, who made it
    expect(page.locator("#history-for")).to_have_text("sentence 1")
    expect(history.first).to_contain_text("Confirmed")
    expect(history.first).to_contain_text("now")
    expect(history.last).to_contain_text("Draft")
    first_confirm = page.locator("#history li[data-action=confirm]").nth(1)
    expect(first_confirm).to_contain_text("tom")
    expect(first_confirm.locator("del").first).to_have_text(re.compile(r"^finance\s*$"))  # what goes
    expect(first_confirm.locator("ins")).to_have_text(re.compile(r"^cuts\s*$"))  # what comes back

    first_confirm.get_by_role("button", name="Restore").click()
    expect(box).to_have_value("The minister said the budget cuts the deficit by 3 percent.")
    expect(row(page, 0)).to_have_attribute("data-status", "draft")
    expect(page.locator("#toast")).to_contain_text("Sentence 1: back to the English confirmed")
    expect(history.first).to_contain_text("Restored")
    # the panel scrolls to the history; the page stays where it is
    page.evaluate("document.getElementById('history-panel').scrollIntoView(); window.scrollTo(0, 0)")
    shot(page, "history")
    seg = stored(page, server, 0)
    assert (seg["target"], seg["status"]) == (
        "The minister said the budget cuts the deficit by 3 percent.",
        "draft",
    )

    # Ctrl+Alt+Z steps back through the English the sentence had, one entry further each time
    box.focus()
    page.keyboard.press("Control+Alt+z")
    expect(box).to_have_value(ENGLISH[0])
    page.keyboard.press("Control+Alt+z")
    expect(box).to_have_value("The minister said the budget cuts the deficit by 3 percent.")
    page.keyboard.press("Control+Alt+z")
    expect(box).to_have_value(draft)
    page.keyboard.press("Control+Alt+z")
    expect(page.locator("#toast")).to_contain_text("no earlier English")
    eventually(lambda: stored(page, server, 0)["target"] == draft)

    # typing, then Ctrl+Alt+Z: the typed text is saved into the history first, then undone
    page.keyboard.press("End")
    page.keyboard.type(" Typed.")
    page.keyboard.press("Control+Alt+z")
    expect(box).to_have_value(draft)
    texts = [
        c["target"]
        for c in page.request.get(f"{server}/api/documents/{doc_id(page)}/segments/0/history").json()[
            "changes"
        ]
    ]
    assert draft + " Typed." in texts
    assert page.js_errors == []


def test_find_and_replace_changes_exactly_the_checked_sentences(server, page):
    login(page, server)
    new_document(page, server, "Replace", ARTICLE)
    for n, english in enumerate(ENGLISH):
        type_into(page, n, english)
    # sentence 2 confirmed: the preview says it goes back to draft
    type_into(page, 1, ENGLISH[1])
    page.keyboard.press("Control+Enter")
    expect(row(page, 1)).to_have_attribute("data-status", "confirmed")
    type_into(page, 2, ENGLISH[2])  # still waiting for its autosave: the preview saves it first

    page.keyboard.press("Control+h")
    dialog = page.locator("#find-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#find-text")).to_be_focused()
    page.keyboard.type("minister")
    page.locator("#find-replace").fill("secretary")
    page.locator("#find-words").check()
    page.keyboard.press("Enter")
    items = page.locator("#find-preview li")
    expect(items).to_have_count(3)
    expect(page.locator("#find-summary")).to_contain_text("3 matches in 3 sentences")
    expect(page.locator("#find-summary")).to_contain_text("1 of them is confirmed")
    expect(items.nth(1)).to_contain_text("confirmed → draft")
    expect(items.nth(0).locator("del")).to_have_text("minister")
    expect(items.nth(0).locator("ins")).to_have_text("secretary")
    apply = page.locator("#find-apply")
    expect(apply).to_have_text("Replace 3")

    page.locator("#find-pick-1").uncheck()
    expect(apply).to_have_text("Replace 2")
    shot(page, "find-replace")
    apply.click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("Replaced in 2 sentences")

    after = [
        ENGLISH[0].replace("minister", "secretary"),
        ENGLISH[1],
        ENGLISH[2].replace("minister", "secretary"),
    ]
    for n, english in enumerate(after):
        expect(row(page, n).locator("textarea")).to_have_value(english)
    expect(row(page, 1)).to_have_attribute("data-status", "confirmed")

    page.reload()
    for n, english in enumerate(after):
        expect(row(page, n).locator("textarea")).to_have_value(english)
    expect(row(page, 1)).to_have_attribute("data-status", "confirmed")
    assert page.js_errors == []


def test_the_qa_report_lists_findings_and_links_back_to_each_sentence(server, page):
    login(page, server)
    new_document(page, server, "Report", ARTICLE)
    type_into(page, 0, "The finance minister said the budget would cut the deficit.")  # the 3 is missing
    type_into(page, 1, "The minister added that the government would support  poor families.")
    type_into(page, 2, ENGLISH[2])
    page.keyboard.press("Control+Enter")
    expect(row(page, 2)).to_have_attribute("data-status", "confirmed")
    eventually(lambda: "  poor" in stored(page, server, 1)["target"])

    page.locator("#qa-report-link").click()
    expect(page.get_by_role("heading", name="QA report")).to_be_visible()
    blocking = page.locator("#kind-number-missing")
    expect(blocking).to_contain_text("blocking")
    expect(blocking).to_contain_text("number 3 of the source is missing")
    expect(page.locator("#kind-double-space")).to_contain_text("double space")
    shot(page, "qa-report")

    with page.expect_download() as download:
        page.locator("#qa-csv").click()
    assert download.value.suggested_filename == "Report.qa.csv"

    blocking.get_by_role("link", name="1", exact=True).click()
    expect(page).to_have_url(re.compile(r"/documents/\d+#seg-0$"))
    expect(row(page, 0)).to_have_class(re.compile(r"\bactive\b"))
    page.goto(page.url.replace("#seg-0", "#seg-1"))
    expect(row(page, 1)).to_have_class(re.compile(r"\bactive\b"))
    assert page.js_errors == []
