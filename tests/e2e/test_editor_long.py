"""A long document in the editor, and Ctrl+Enter that goes on at once while the server confirms.

The editor draws only the rows near the view (content-visibility) and sizes the English boxes in
CSS; the page streams from the server; Ctrl+Enter makes the next sentence active before the
confirm is answered and comes back when the server refuses it. These are the behaviours that
must not change for it: no timing is asserted (bench/editor.py measures).
"""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from .conftest import TM
from .test_editor import login, new_document, row
from .test_editor_traps import stored

ACTIVE = re.compile(r"\bactive\b")
LONG_ENGLISH = (
    "The government spokesman said at a news conference on Wednesday evening that the new plan "
    "includes building schools, hospitals and roads in the southern provinces over the next five "
    "years, funded by Arab and international funds; 150 people came on the first day."
)


def known(tm_env, *pairs: tuple[str, str]) -> None:
    """Put translations in the memory, so that drafts come from it (and not from the MT model)."""
    for source, target in pairs:
        subprocess.run([TM, "add", source, target], env=tm_env, check=True, capture_output=True)


def test_a_long_document_has_every_row_and_boxes_as_tall_as_their_text(server, tm_env, page):
    sentences = [f"وقال المتحدث إن عدد الزوار بلغ {n} شخصا في اليوم الأول." for n in range(1, 161)]
    known(tm_env, (sentences[149], LONG_ENGLISH))
    login(page, server)
    new_document(page, server, "Long", "\n".join(sentences))
    expect(page.locator(".seg")).to_have_count(160)
    expect(page.locator("#doc-progress")).to_have_text("0 of 160 confirmed")

    # a row far down, never drawn yet: its box shows all of its English, nothing scrolls inside
    far = row(page, 149)
    far.locator(".src").click()
    expect(far).to_have_class(ACTIVE)
    box = far.locator("textarea")
    expect(box).to_be_focused()
    expect(box).to_have_value(LONG_ENGLISH)
    assert box.evaluate("b => b.scrollHeight <= b.clientHeight + 2")
    # and a box of one line is two lines high, as before (rows="2")
    short = row(page, 150).locator("textarea")
    short.evaluate("b => { b.value = 'Short.'; }")
    assert short.evaluate("b => b.clientHeight >= 2 * parseFloat(getComputedStyle(b).lineHeight)")

    # a box grows as the translator types, also after it was resized by hand
    box.evaluate("b => { b.style.height = '30px'; }")
    page.keyboard.press("Control+End")
    page.keyboard.type(" The work begins as soon as the studies are complete, the spokesman added.")
    assert box.evaluate("b => b.scrollHeight <= b.clientHeight + 2")

    # keyboard moves at the end of the document
    page.keyboard.press("Control+Enter")
    expect(far).to_have_attribute("data-status", "confirmed")
    expect(row(page, 150)).to_have_class(ACTIVE)
    page.keyboard.press("Control+ArrowDown")
    expect(row(page, 151)).to_have_class(ACTIVE)
    expect(row(page, 151).locator("textarea")).to_be_focused()
    expect(page.locator("#doc-progress")).to_have_text("1 of 160 confirmed")
    assert page.js_errors == []


def test_ctrl_enter_comes_back_when_the_server_refuses_text_typed_just_now(server, page):
    login(page, server)
    new_document(
        page,
        server,
        "Visitors",
        "ارتفع عدد الزوار إلى 500 شخص.\nوارتفعت أسعار الذهب في السوق المحلية.\nويتوقع محللون أن يستقر الاقتصاد.",
    )
    box = row(page, 0).locator("textarea")
    expect(box).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("The number of visitors rose.")  # the 500 is missing: QA stops the confirm
    page.keyboard.press("Control+Enter")  # at once: the page does not know the QA of this text yet
    blocked = row(page, 0).locator(".blocked")
    expect(blocked).to_contain_text("number 500 of the source is missing")
    expect(row(page, 0)).to_have_class(ACTIVE)  # back on the sentence, with the reason
    expect(row(page, 1)).not_to_have_class(ACTIVE)
    expect(box).to_be_focused()
    expect(row(page, 0)).to_have_attribute("data-status", "draft")
    assert stored(page, server, 0)["status"] == "draft"
    assert stored(page, server, 1)["status"] == "draft"
    # the text that was typed was saved as a draft on the way
    assert stored(page, server, 0)["target"] == "The number of visitors rose."

    page.keyboard.press("Control+a")
    page.keyboard.type("The number of visitors rose to 500.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 1)).to_have_class(ACTIVE)
    expect(row(page, 0).locator(".blocked")).to_have_count(0)
    assert page.js_errors == []


def test_ctrl_enter_lands_where_it_did_before_around_repetitions(server, tm_env, page):
    a = "قال الوزير إن الاقتصاد ينمو."
    b = "وارتفعت أسعار الذهب في السوق المحلية."
    known(
        tm_env, (a, "The minister said the economy is growing."), (b, "Gold prices rose in the local market.")
    )
    login(page, server)
    # 0 a, 1 a (its draft untouched: the confirm fills it in), 2 b, 3 a (edited: left alone), 4 b
    new_document(page, server, "Repeats", "\n".join([a, a, b, a, b]))
    expect(row(page, 3).locator(".badge")).to_have_text("100")
    row(page, 3).locator(".src").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said that the economy grows.")
    expect(row(page, 3)).not_to_have_attribute("data-version", "1", timeout=5000)  # saved

    row(page, 0).locator(".src").click()
    expect(row(page, 0).locator("textarea")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 1)).to_have_attribute("data-status", "confirmed")  # the repetition, filled in
    expect(row(page, 2)).to_have_class(ACTIVE)  # the next one still to do, past the repetition
    expect(row(page, 3)).to_have_attribute("data-status", "draft")

    page.keyboard.press("Control+Enter")  # b: its repetition is filled in too, then the edited a
    expect(row(page, 4)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 3)).to_have_class(ACTIVE)
    expect(row(page, 3).locator("textarea")).to_have_value("The minister said that the economy grows.")
    expect(row(page, 3).locator("textarea")).to_be_focused()
    assert page.js_errors == []


def test_an_edited_repetition_is_where_ctrl_enter_goes_next(server, tm_env, page):
    a = "قال الوزير إن الاقتصاد ينمو."
    known(tm_env, (a, "The minister said the economy is growing."))
    login(page, server)
    new_document(page, server, "Edited repeat", "\n".join([a, a, "وارتفعت أسعار الذهب في السوق المحلية."]))
    # the repetition is edited and saved: a confirm of the first leaves it alone, so it is next
    row(page, 1).locator(".src").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister says the economy grows.")
    expect(row(page, 1)).not_to_have_attribute("data-version", "1", timeout=5000)
    row(page, 0).locator(".src").click()
    expect(row(page, 0).locator("textarea")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 1)).to_have_class(ACTIVE)
    expect(row(page, 1).locator("textarea")).to_be_focused()
    expect(row(page, 1)).to_have_attribute("data-status", "draft")
    expect(row(page, 2)).not_to_have_class(ACTIVE)
    assert page.js_errors == []


def test_the_next_sentence_shows_the_one_just_confirmed_among_its_matches(server, page):
    login(page, server)
    new_document(
        page,
        server,
        "Similar",
        "قال وزير المالية إن الاقتصاد ينمو بسرعة كبيرة هذا العام.\n"
        "قال وزير المالية إن الاقتصاد ينمو بسرعة كبيرة هذا الشهر.",
    )
    page.keyboard.press("Control+a")
    page.keyboard.type("The finance minister said the economy is growing very fast this year.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 1)).to_have_class(ACTIVE)
    # looked up after the confirm was written: the memory has it
    expect(page.locator("#match-for")).to_have_text("sentence 2")
    expect(page.locator("#matches")).to_contain_text(
        "The finance minister said the economy is growing very fast this year."
    )
    page.keyboard.press("Control+1")
    expect(row(page, 1).locator("textarea")).to_have_value(
        "The finance minister said the economy is growing very fast this year."
    )
    assert page.js_errors == []


def test_a_message_on_the_editor_page_shows_once(server, page):
    login(page, server, "ada")
    new_document(page, server, "Flash", "قال الوزير إن الاقتصاد ينمو.")
    page.locator(".doc-workflow summary").click()
    page.locator(".doc-workflow form.filters button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("Assignment saved.")
    page.reload()
    expect(page.locator(".seg.active")).to_have_count(1)
    expect(page.locator(".flash")).to_have_count(0)
    assert page.js_errors == []
