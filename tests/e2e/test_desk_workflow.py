"""Acceptance: a translator, a reviewer and an admin take one story through the desk in real browsers."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

from playwright.sync_api import expect

from tm.store.sqlite import SQLiteStore

from .conftest import TM, add_user, shot
from .test_editor import login, row

STORY = """افتتحت البلدية جسرا جديدا فوق النهر.
وقال رئيس البلدية إن الجسر كلف 30 مليون دينار.
ويتوقع أن يخفف الجسر الازدحام في وسط المدينة.
"""
# the desk translated the last sentence before: the draft comes from the memory
KNOWN = (
    "ويتوقع أن يخفف الجسر الازدحام في وسط المدينة.",
    "The bridge is expected to ease congestion downtown.",
)
ACTIVE = re.compile(r"\bactive\b")
QUESTION = "Is it fine to leave the 30 million out? The figure is in the headline."


def context_page(browser, errors):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def create(page, base, title, text, *, translator="", reviewer="", deadline="", priority="normal"):
    page.goto(base + "/documents/new")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=text]", text)
    page.select_option("select[name=translator]", translator)
    page.select_option("select[name=reviewer]", reviewer)
    if deadline:
        page.fill("input[name=deadline]", deadline)
    page.select_option("select[name=priority]", priority)
    page.locator("main button.primary").click()
    expect(page.locator(".seg").first).to_be_visible(timeout=120_000)
    # the editor opens while the sentences are drafted; these tests start from the drafts
    expect(page.locator("#drafting")).to_have_count(0, timeout=120_000)
    # keys typed before the editor activates its first row would be lost on a loaded machine
    expect(page.locator(".seg.active")).to_have_count(1)
    return page.url


def type_into(page, n, text):
    page.locator(f"#seg-{n} textarea").click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def stage_button(page, name):
    page.locator(".doc-workflow").get_by_role("button", name=name).click()
    expect(page.locator(".flash")).to_contain_text("is now")


def test_a_story_goes_from_assignment_through_review_to_done(server, tm_env, browser, page):
    add_user(tm_env, "rita", "reviewer")
    subprocess.run([TM, "add", *KNOWN, "--author", "archive"], env=tm_env, check=True, capture_output=True)
    errors: list[str] = []
    ada = page
    login(ada, server, "ada")

    # the admin assigns the story to tom and rita, due tomorrow, urgent; two other stories fill the queue
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    url = create(ada, server, "Bridge opens", STORY, translator="tom", reviewer="rita", deadline=tomorrow,
                 priority="urgent")  # fmt: skip
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    create(
        ada, server, "Rates rise", "رفع البنك المركزي سعر الفائدة.\n", translator="tom", deadline=yesterday
    )
    create(ada, server, "Weather", "تتوقع الأرصاد أمطارا غزيرة.\n", priority="high")

    # tom finds it in his queue and translates it
    tom = context_page(browser, errors)
    login(tom, server, "tom")
    tom.goto(server + "/?mine=1")
    expect(tom.locator("tbody tr")).to_have_count(2)
    expect(tom.locator("tr.overdue")).to_contain_text("Rates rise")
    tom.get_by_role("link", name="Bridge opens").click()
    expect(row(tom, 0)).to_have_class(ACTIVE)
    expect(row(tom, 2).locator("textarea")).to_have_value(KNOWN[1])

    type_into(tom, 0, "The municipality opened a new bridge over the river.")
    tom.keyboard.press("Control+Enter")
    expect(row(tom, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(tom, 0).locator(".prov")).to_have_text("written anew")

    # the cost is left out: QA stops the confirm, tom overrides it on purpose
    type_into(tom, 1, "The mayor said the bridge cost millions of dinars.")
    tom.keyboard.press("Control+Enter")
    blocked = row(tom, 1).locator(".blocked")
    expect(blocked).to_contain_text("number 30 of the source is missing")
    expect(row(tom, 1)).to_have_attribute("data-status", "draft")
    blocked.get_by_role("button", name="Confirm anyway").click()
    expect(row(tom, 1)).to_have_attribute("data-status", "confirmed")
    expect(row(tom, 1).locator(".override")).to_be_visible()

    # too early: the editor says what is left, and tom stays where he was
    tom.locator(".doc-workflow").get_by_role("button", name="Send to review").click()
    expect(tom.locator(".flash.error")).to_contain_text("1 sentence is not confirmed yet (3)")
    expect(tom).to_have_url(re.compile(r"/documents/\d+$"))
    row(tom, 2).locator("textarea").click()
    tom.keyboard.press("Control+Enter")
    expect(row(tom, 2)).to_have_attribute("data-status", "confirmed")
    expect(row(tom, 2).locator(".prov")).to_have_text("match unchanged")
    # a question for the reviewer on the sentence whose number he left out
    row(tom, 1).locator(".src").click()
    tom.get_by_role("textbox", name="New comment on sentence 2").fill(QUESTION)
    tom.keyboard.press("Control+Enter")
    expect(tom.locator("#comment-threads .thread").first).to_contain_text(QUESTION)
    expect(row(tom, 1)).to_have_attribute("data-status", "confirmed")
    stage_button(tom, "Send to review")
    expect(row(tom, 0).locator("textarea")).to_have_attribute("readonly", "")
    ada.goto(server + "/")
    expect(ada.locator("tbody tr", has_text="Bridge opens")).to_contain_text("in review")
    expect(ada.locator("tbody tr", has_text="Bridge opens").locator(".comments-open")).to_be_visible()
    shot(ada, "queue")

    # rita rejects the first sentence with a reason and approves the others
    rita = context_page(browser, errors)
    login(rita, server, "rita")
    rita.goto(url)
    expect(row(rita, 0)).to_have_class(ACTIVE)
    row(rita, 0).get_by_role("button", name=re.compile("Reject")).click()
    form = row(rita, 0).locator(".reject-form")
    form.locator("textarea").fill("The desk says 'inaugurated' for a new bridge.")
    shot(rita, "review")
    form.get_by_role("button", name="Send back").click()
    expect(row(rita, 0)).to_have_class(re.compile(r"\brejected\b"))
    expect(row(rita, 0).locator(".rejected-note")).to_have_text("rejected by rita")
    # she answers tom's question and resolves it
    row(rita, 1).locator(".src").click()
    thread = rita.locator("#comment-threads .thread").first
    expect(thread).to_contain_text(QUESTION)
    thread.get_by_role("button", name="Reply").click()
    rita.get_by_role("textbox", name="Your reply").fill(
        "Yes: a round figure is fine in a headline, not here; keep it."
    )
    rita.keyboard.press("Control+Enter")
    expect(thread.locator(".replies li")).to_have_count(1)
    thread.get_by_role("button", name="Resolve").click()
    expect(rita.locator("#comment-threads details.thread.resolved")).to_contain_text("Resolved by rita")
    for n in (1, 2):
        row(rita, n).locator("textarea").click()
        rita.keyboard.press("Control+Enter")
        blocked = row(rita, n).locator(".blocked")
        if n == 1:  # the reviewer sees the same finding and approves over it knowingly
            blocked.get_by_role("button", name="Approve anyway").click()
        expect(row(rita, n)).to_have_attribute("data-status", "approved")
    stage_button(rita, "Back to translating")

    # tom sees what was sent back, fixes it and sends the story to review again
    tom.reload()
    tom.select_option("#row-filter", "rejected")
    expect(tom.locator(".seg:not([hidden])")).to_have_count(1)
    expect(row(tom, 0)).to_be_visible()
    type_into(tom, 0, "The municipality inaugurated a new bridge over the river.")
    tom.keyboard.press("Control+Enter")
    expect(row(tom, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(tom, 0)).not_to_have_class(re.compile(r"\brejected\b"))
    stage_button(tom, "Send to review")

    rita.reload()
    row(rita, 0).locator("textarea").click()
    rita.keyboard.press("Control+Enter")
    expect(row(rita, 0)).to_have_attribute("data-status", "approved")
    stage_button(rita, "Mark done")

    # the admin's queue: done, complete; the memory holds approved units with honest origins
    ada.goto(server + "/")
    done = ada.locator("tbody tr", has_text="Bridge opens")
    expect(done).to_contain_text("done")
    expect(done).to_contain_text("100%")
    expect(done.locator(".comments-open")).to_have_count(0)  # the approval resolved the rejection

    store = SQLiteStore(tm_env["TM_DB"])
    try:
        units = {u.source: u for u in store.units.iter_units()}
        lines = STORY.splitlines()
        got = {
            (units[s].target, units[s].status, units[s].reviewer, units[s].author, units[s].provenance)
            for s in lines
        }
        assert got == {
            (
                "The municipality inaugurated a new bridge over the river.",
                "approved",
                "rita",
                "tom",
                "scratch",
            ),
            ("The mayor said the bridge cost millions of dinars.", "approved", "rita", "tom", "scratch"),
            (KNOWN[1], "approved", "rita", "tom", "match-unchanged"),
        }
        overrides = [h.qa_override for h in store.units.history(units[lines[1]].id) if h.qa_override]
        assert overrides == [["number-missing"], ["number-missing"]]  # tom's confirm and rita's approval
        rejections = [
            c for c in store.comments.for_document(int(url.rsplit("/", 1)[1])) if c.kind == "rejection"
        ]
        assert [(c.author, c.idx) for c in rejections] == [("rita", 0)]
        comments = store.comments.for_document(int(url.rsplit("/", 1)[1]), 1)
        assert [(c.author, c.kind, c.resolved_by) for c in comments] == [
            ("tom", "comment", "rita"),
            ("rita", "comment", None),
        ]
    finally:
        store.close()
    assert errors == [] and ada.js_errors == []
