"""More editor traps in a real browser: raw MT with Arabic left in it, a merge of two people's edits, long rows."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import add_user, shot
from .test_editor import login, new_document, row
from .test_editor_traps import ACTIVE, stored

ARTICLE = """قال الوزير إن الاقتصاد ينمو.
وارتفعت أسعار الذهب في السوق المحلية.
"""
LONG = (
    "وأوضح المتحدث باسم الحكومة في مؤتمر صحفي عقده مساء الأربعاء أن الخطة الجديدة تشمل بناء مدارس "
    "ومستشفيات وطرق في المحافظات الجنوبية خلال السنوات الخمس المقبلة بتمويل من صناديق عربية ودولية "
    "وأن العمل سيبدأ فور استكمال الدراسات الفنية والبيئية اللازمة لكل مشروع على حدة."
)


def test_a_sentence_with_arabic_left_in_it_is_not_confirmed_by_ctrl_enter(server, page):
    login(page, server)
    new_document(page, server, "Raw", ARTICLE)
    box = row(page, 0).locator("textarea")
    expect(box).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said الاقتصاد is growing.")  # a word MT left in Arabic
    page.keyboard.press("Control+Enter")
    blocked = row(page, 0).locator(".blocked")
    expect(blocked).to_contain_text("Arabic script is left in the translation")
    expect(row(page, 0)).to_have_attribute("data-status", "draft")
    expect(row(page, 0)).to_have_class(ACTIVE)  # the focus did not move on to the next sentence
    assert stored(page, server, 0)["status"] == "draft"
    # Fix it goes back to the box; the translator types the English and the confirm goes through
    blocked.get_by_role("button", name="Fix it").click()
    expect(box).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said the economy is growing.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 0).locator(".override")).to_be_hidden()
    assert page.js_errors == []


def test_merge_keeps_both_peoples_changes_to_different_words(server, tm_env, browser, page):
    add_user(tm_env, "tia", "translator")
    tom = page
    login(tom, server, "tom")
    tom.goto(server + "/documents/new")
    tom.fill("input[name=title]", "Merge")
    tom.fill("textarea[name=text]", ARTICLE)
    tom.select_option("select[name=translator]", "tia")
    tom.locator("main button.primary").click()
    expect(tom.locator(".seg").first).to_be_visible(timeout=120_000)
    # the editor opens while the sentences are drafted; these tests start from the drafts
    expect(tom.locator("#drafting")).to_have_count(0, timeout=120_000)
    expect(tom.locator(".seg.active")).to_have_count(1)  # the editor is ready for keys
    # both start from the same saved English
    tom.keyboard.press("Control+a")
    tom.keyboard.type("Gold prices rose in the local market today.")
    expect(row(tom, 0)).not_to_have_attribute("data-version", "1", timeout=5000)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tia = context.new_page()
    login(tia, server, "tia")
    tia.goto(tom.url)
    expect(row(tia, 0)).to_have_class(ACTIVE)
    version = row(tom, 0).get_attribute("data-version")

    # tom changes the start, tia the end, at the same time
    tom.keyboard.press("Control+a")
    tom.keyboard.type("Gold prices jumped in the local market today.")
    expect(row(tom, 0)).not_to_have_attribute("data-version", version, timeout=5000)
    tia.keyboard.press("Control+a")
    tia.keyboard.type("Gold prices rose in the local market on Wednesday.")
    conflict = row(tia, 0).locator(".conflict")
    expect(conflict).to_be_visible()
    conflict.get_by_role("button", name="Merge").click()
    box = row(tia, 0).locator("textarea")
    expect(box).to_have_value("Gold prices jumped in the local market on Wednesday.")
    shot(tia, "editor-merge")
    conflict.get_by_role("button", name="Keep mine").click()
    expect(conflict).to_have_count(0)
    assert stored(tia, server, 0)["target"] == "Gold prices jumped in the local market on Wednesday."
    # where both changed the same words, mine stays and the overlap is counted (and said)
    merged = tia.evaluate(
        """() => [
          tm.editor.merge3("a b c d", "a X c d", "a Y c d"),
          tm.editor.merge3("a b c d", "a b c d e", "z a b c d"),
          tm.editor.merge3("", "mine", "theirs"),
          tm.editor.merge3("a b", "a b", "a b"),
        ]"""
    )
    assert merged == [
        {"text": "a X c d", "overlaps": 1},
        {"text": "z a b c d e", "overlaps": 0},
        {"text": "mine", "overlaps": 1},
        {"text": "a b", "overlaps": 0},
    ]
    context.close()


def test_rows_grow_with_their_text_and_the_page_fits_1280_by_800(server, page):
    login(page, server)
    new_document(page, server, "Long", f"{LONG}\n{ARTICLE}")
    box = row(page, 0).locator("textarea")
    page.keyboard.press("Control+a")
    page.keyboard.type(
        "The government spokesman said at a news conference on Wednesday evening that the new plan "
        "includes building schools, hospitals and roads in the southern provinces over the next five "
        "years, funded by Arab and international funds, and that work will begin as soon as the "
        "technical and environmental studies needed for each project are complete."
    )
    # the whole English is visible: the box is as tall as its text, nothing scrolls inside it
    assert box.evaluate("b => b.scrollHeight <= b.clientHeight + 2")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    src = row(page, 0).locator(".src").bounding_box()
    panel = page.locator("#panel").bounding_box()
    assert src["x"] + src["width"] <= panel["x"]  # the grid and the side panel sit side by side
    assert re.search("Long", page.title())
