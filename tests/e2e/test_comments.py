"""Comments in a real browser: a translator asks on a sentence, an admin answers and resolves it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import shot
from .test_editor import login, new_document, row

ARTICLE = """قال الوزير إن الاقتصاد ينمو.
وارتفعت أسعار الذهب في السوق المحلية.
ويتوقع محللون أن يستقر الاقتصاد خلال العام المقبل.
"""

ACTIVE = re.compile(r"\bactive\b")
QUESTION = "“Local market” or “domestic market”?\nThe business desk says domestic for prices at home."
ANSWER = "Domestic, as the style guide has it. I have added it to the glossary."


def doc_id(page) -> str:
    return re.search(r"/documents/(\d+)", page.url).group(1)


def stored(page, base, n):
    """Return sentence n as the server has it, read with the page's own session."""
    return page.request.get(f"{base}/api/documents/{doc_id(page)}").json()["segments"][n]


def thread_on(page):
    return page.locator("#comment-threads .thread").first


def test_a_comment_is_answered_and_resolved_by_a_colleague(server, browser, page):
    tom = page
    login(tom, server, "tom")
    new_document(tom, server, "Gold", ARTICLE)
    expect(row(tom, 0)).to_have_class(ACTIVE)
    tom.keyboard.press("Control+a")
    tom.keyboard.type("The minister said the economy is growing.")
    tom.keyboard.press("Control+Enter")
    expect(row(tom, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(tom, 1)).to_have_class(ACTIVE)
    tom.keyboard.press("Control+a")
    tom.keyboard.type("Gold prices rose in the local market.")
    expect(tom.locator("#comments-for")).to_have_text("sentence 2")
    expect(tom.locator("#comment-threads")).to_contain_text("No comments on this sentence.")

    # tom asks in the comment box; Ctrl+Enter posts it and does not confirm the sentence
    box = tom.get_by_role("textbox", name="New comment on sentence 2")
    box.click()
    box.type(QUESTION.split("\n")[0])
    box.press("Shift+Enter")
    box.type(QUESTION.split("\n")[1])
    box.press("Control+Enter")
    thread = thread_on(tom)
    expect(thread).to_contain_text("The business desk says domestic")
    expect(thread.locator(".c-head")).to_contain_text("tom")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    badge = row(tom, 1).locator(".comment-count")
    expect(badge).to_have_attribute("title", "1 open comment")
    expect(badge.locator("[aria-hidden=true]")).to_have_text("1")  # what shows; the title is read out
    expect(row(tom, 1)).to_have_class(ACTIVE)  # a confirm would have moved on to sentence 3
    expect(row(tom, 1)).to_have_attribute("data-status", "draft")
    # the typed English reaches the server by the autosave (0.7 s after the last key), as a draft
    for _ in range(100):
        if stored(tom, server, 1)["target"] == "Gold prices rose in the local market.":
            break
        tom.wait_for_timeout(100)
    assert stored(tom, server, 1)["status"] == "draft"
    assert stored(tom, server, 1)["target"] == "Gold prices rose in the local market."
    # and the line break is kept as written
    body = thread.locator(".c-body").first
    assert body.inner_text() == QUESTION

    # ada, in her own browser, finds the document in the queue with an open comment
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    ada = context.new_page()
    ada_errors: list[str] = []
    ada.on("pageerror", lambda e: ada_errors.append(str(e)))
    login(ada, server, "ada")
    expect(ada.locator("tr", has_text="Gold").locator(".comments-open")).to_have_text("1 open comment")
    ada.goto(tom.url)
    row(ada, 2).locator("textarea").fill("Analysts expect the economy to settle next year.")
    row(ada, 1).locator(".src").click()
    expect(row(ada, 1)).to_have_class(ACTIVE)
    expect(row(ada, 1).locator(".comment-count")).to_have_attribute("title", "1 open comment")
    thread = thread_on(ada)
    expect(thread).to_contain_text(QUESTION.split("\n")[1])

    # she replies from the keyboard: the reply box opens, Ctrl+Enter posts
    thread.get_by_role("button", name="Reply").click()
    reply = ada.get_by_role("textbox", name="Your reply")
    expect(reply).to_be_focused()
    reply.type(ANSWER)
    reply.press("Control+Enter")
    expect(thread.locator(".replies li")).to_have_count(1)
    expect(thread.locator(".replies")).to_contain_text(ANSWER)
    expect(thread.locator(".replies .c-head")).to_contain_text("ada")
    expect(row(ada, 1)).to_have_attribute("data-status", "draft")
    expect(thread.get_by_role("button", name="Reply")).to_be_focused()  # back where the reply began
    ada.locator("#comments").scroll_into_view_if_needed()
    ada.evaluate("document.activeElement.blur()")  # no focus ring in the picture
    expect(ada.locator("#toast")).to_be_hidden(timeout=5000)
    shot(ada, "comment-thread")

    # and resolves it: the thread folds away, the row's count goes
    thread.get_by_role("button", name="Resolve").click()
    resolved = ada.locator("#comment-threads details.thread.resolved")
    expect(resolved).to_be_visible()
    expect(resolved.locator("summary")).to_contain_text("Resolved by ada")
    expect(row(ada, 1).locator(".comment-count")).to_have_count(0)
    assert ada_errors == []
    context.close()

    # tom reloads and sees it resolved, with the answer inside
    tom.reload()
    expect(row(tom, 1)).to_have_class(ACTIVE)  # the first sentence not confirmed
    expect(row(tom, 1).locator(".comment-count")).to_have_count(0)
    resolved = tom.locator("#comment-threads details.thread.resolved")
    expect(resolved.locator("summary")).to_contain_text("Resolved by ada")
    expect(resolved.locator(".replies")).not_to_be_visible()
    resolved.locator("summary").click()
    expect(resolved.locator(".replies")).to_contain_text(ANSWER)
    expect(resolved.get_by_role("button", name="Reopen")).to_be_visible()  # he started the thread
    expect(tom.locator("#comments-total")).to_have_text("No open threads in this document.")
    assert stored(tom, server, 1)["status"] == "draft"
    tom.goto(server + "/")
    expect(tom.locator("tr", has_text="Gold")).to_be_visible()
    expect(tom.locator(".comments-open")).to_have_count(0)
    assert tom.js_errors == []
