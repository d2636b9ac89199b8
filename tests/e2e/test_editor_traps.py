"""The editor's traps, each in a real browser: work typed into it is never lost or silently replaced."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from .conftest import TM, add_user, shot
from .test_editor import login, new_document, row

ARTICLE = """قال الوزير إن الاقتصاد ينمو.
وارتفعت أسعار الذهب في السوق المحلية.
ويتوقع محللون أن يستقر الاقتصاد خلال العام المقبل.
"""

ACTIVE = re.compile(r"\bactive\b")


def doc_id(page) -> str:
    return re.search(r"/documents/(\d+)", page.url).group(1)


def stored(page, base, n):
    """Return sentence n as the server has it, read with the page's own session."""
    data = page.request.get(f"{base}/api/documents/{doc_id(page)}").json()
    return data["segments"][n]


def test_a_click_on_the_arabic_keeps_typing_in_the_english(server, page):
    login(page, server)
    new_document(page, server, "Clicks", ARTICLE)
    first = row(page, 0).locator("textarea")
    expect(first).to_be_focused()

    # the active row's own Arabic: the focus stays in its English and typing lands there
    row(page, 0).locator(".src").click()
    expect(first).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said the economy is growing.")
    expect(first).to_have_value("The minister said the economy is growing.")

    # another row's Arabic: that row becomes active with the focus in its English
    row(page, 2).locator(".src").click()
    expect(row(page, 2)).to_have_class(ACTIVE)
    expect(row(page, 0)).not_to_have_class(ACTIVE)
    third = row(page, 2).locator("textarea")
    expect(third).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("Analysts expect the economy to settle next year.")
    expect(third).to_have_value("Analysts expect the economy to settle next year.")

    # selecting Arabic words (for Ctrl+K) leaves the selection; the next letter still goes to the box
    row(page, 1).locator(".src").dblclick()
    expect(row(page, 1)).to_have_class(ACTIVE)
    assert page.evaluate("String(window.getSelection()).trim()") != ""
    second = row(page, 1).locator("textarea")
    page.keyboard.press("Control+k")
    expect(page.locator("#concordance-q")).not_to_have_value("")
    page.keyboard.type("X")
    expect(second).to_be_focused()
    expect(second).to_have_value(re.compile("X"))

    # and the first edit was saved when the row was left
    assert stored(page, server, 0)["target"] == "The minister said the economy is growing."
    assert page.js_errors == []


def test_esc_on_a_confirmed_sentence_asks_before_the_draft_comes_back(server, page):
    login(page, server)
    new_document(page, server, "Esc", ARTICLE)
    box = row(page, 0).locator("textarea")
    draft = box.input_value()
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said the economy is growing.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    page.keyboard.press("Control+ArrowUp")
    expect(box).to_be_focused()

    # Esc asks in the row; nothing has changed yet
    page.keyboard.press("Escape")
    ask = row(page, 0).locator(".ask")
    expect(ask).to_be_visible()
    expect(ask).to_contain_text("confirmed")
    expect(box).to_have_value("The minister said the economy is growing.")
    shot(page, "editor-esc-confirm-bar")

    # Esc again: keep it, back in the box
    page.keyboard.press("Escape")
    expect(ask).to_have_count(0)
    expect(box).to_be_focused()
    expect(box).to_have_value("The minister said the economy is growing.")
    assert stored(page, server, 0)["status"] == "confirmed"

    # Esc, Enter: the draft comes back, as asked
    page.keyboard.press("Escape")
    expect(ask).to_be_visible()
    page.keyboard.press("Enter")
    expect(box).to_have_value(draft)
    expect(row(page, 0)).to_have_attribute("data-status", "draft")
    expect(ask).to_have_count(0)
    expect(box).to_be_focused()
    seg = stored(page, server, 0)
    assert (seg["status"], seg["target"]) == ("draft", draft)

    # on a draft Esc still goes straight back to the draft
    page.keyboard.press("Control+a")
    page.keyboard.type("something else")
    page.keyboard.press("Escape")
    expect(box).to_have_value(draft)
    expect(ask).to_have_count(0)
    assert page.js_errors == []


def test_a_conflict_shows_both_versions_and_keeps_the_text_chosen(server, tm_env, browser, page):
    add_user(tm_env, "tia", "translator")
    tom = page
    login(tom, server, "tom")
    # tom owns the document and tia translates it: both may write it
    tom.goto(server + "/documents/new")
    tom.fill("input[name=title]", "Shared")
    tom.fill("textarea[name=text]", ARTICLE)
    if tom.locator("select[name=translator]").count():  # where documents are assigned
        tom.select_option("select[name=translator]", "tia")
    tom.locator("main button.primary").click()
    expect(tom.locator(".seg").first).to_be_visible(timeout=120_000)
    # the editor opens while the sentences are drafted; these tests start from the drafts
    expect(tom.locator("#drafting")).to_have_count(0, timeout=120_000)
    expect(tom.locator(".seg.active")).to_have_count(1)  # the editor is ready for keys
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tia = context.new_page()
    tia_errors: list[str] = []
    tia.on("pageerror", lambda e: tia_errors.append(str(e)))
    login(tia, server, "tia")
    tia.goto(tom.url)
    expect(row(tia, 0)).to_have_class(ACTIVE)

    # tom saves sentence 1 after tia opened the document
    version = row(tom, 0).get_attribute("data-version")
    tom.keyboard.press("Control+a")
    tom.keyboard.type("Tom: the minister says the economy grows.")
    expect(row(tom, 0)).not_to_have_attribute("data-version", version, timeout=5000)

    # tia's autosave is refused: her text stays, theirs is shown beside it
    tia.keyboard.press("Control+a")
    tia.keyboard.type("Tia: the minister said the economy is growing.")
    conflict = row(tia, 0).locator(".conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Tom: the minister says the economy grows.")
    expect(conflict).to_contain_text("tom")
    expect(row(tia, 0).locator(".yours")).to_be_visible()
    box = row(tia, 0).locator("textarea")
    expect(box).to_have_value("Tia: the minister said the economy is growing.")
    expect(tia.get_by_text("reload the page")).to_have_count(0)
    # she goes on typing (a merge by hand); nothing is saved until she chooses
    tia.keyboard.type(" (as tom notes, it grows)")
    tia.wait_for_timeout(1200)
    assert stored(tia, server, 0)["target"] == "Tom: the minister says the economy grows."
    shot(tia, "editor-conflict")

    # Keep mine, from the keyboard: Tab reaches the button right after the box
    tia.keyboard.press("Tab")
    expect(conflict.get_by_role("button", name="Keep mine")).to_be_focused()
    tia.keyboard.press("Enter")
    expect(conflict).to_have_count(0)
    expect(box).to_be_focused()
    mine = "Tia: the minister said the economy is growing. (as tom notes, it grows)"
    seg = stored(tia, server, 0)
    assert (seg["target"], seg["changed_by"]) == (mine, "tia")

    # a confirm on an old version: the same choice; she takes tom's text and confirms it
    tom.keyboard.press("Control+ArrowDown")
    expect(row(tom, 1)).to_have_class(ACTIVE)
    version = row(tom, 1).get_attribute("data-version")
    tom.keyboard.press("Control+a")
    tom.keyboard.type("Gold prices rose in the local market.")
    expect(row(tom, 1)).not_to_have_attribute("data-version", version, timeout=5000)
    tia.keyboard.press("Control+ArrowDown")
    expect(row(tia, 1)).to_have_class(ACTIVE)
    tia.keyboard.press("Control+a")
    tia.keyboard.type("Gold went up.")
    tia.keyboard.press("Control+Enter")
    conflict = row(tia, 1).locator(".conflict")
    expect(conflict).to_contain_text("Gold prices rose in the local market.")
    expect(row(tia, 1)).to_have_attribute("data-status", "draft")
    conflict.get_by_role("button", name="Take theirs").click()
    expect(conflict).to_have_count(0)
    box = row(tia, 1).locator("textarea")
    expect(box).to_have_value("Gold prices rose in the local market.")
    expect(box).to_be_focused()
    tia.keyboard.press("Control+Enter")
    expect(row(tia, 1)).to_have_attribute("data-status", "confirmed")
    seg = stored(tia, server, 1)
    assert (seg["target"], seg["status"], seg["changed_by"]) == (
        "Gold prices rose in the local market.",
        "confirmed",
        "tia",
    )
    # and sentence 1 still holds what she kept
    assert stored(tia, server, 0)["target"] == mine
    context.close()
    assert tia_errors == [] and tom.js_errors == []


MEMORY = "وقعت الحكومة، في عام 2022، اتفاقا بقيمة 300 مليون دولار"
QUERY = "وقعت الحكومة، في عام 2023، اتفاقا بقيمة 500 مليون دولار"

# every word of the diff with its box, in reading (logical) order
WORD_BOXES = """box => {
  const out = [];
  const walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    for (const m of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const r = range.getClientRects()[0];
      out.push({ word: m[0], left: r.left, right: r.right, top: r.top });
    }
  }
  return out;
}"""


def test_the_match_diff_keeps_the_arabic_in_reading_order(server, tm_env, page):
    subprocess.run(
        [TM, "add", MEMORY, "In 2022, the government signed a $300 million deal"],
        env=tm_env,
        check=True,
        capture_output=True,
    )
    login(page, server)
    new_document(page, server, "Diff", QUERY + "\n")
    diff = page.locator("#matches li").first.locator(".m-src")
    # the lookup runs after the grid opens: on a loaded machine it takes longer than expect's 5 s
    expect(diff.locator("del")).to_have_text(["2022", "300"], timeout=20_000)
    expect(diff.locator("ins")).to_have_text(["2023", "500"])
    page.wait_for_function("document.fonts.status === 'loaded'")
    words = diff.evaluate(WORD_BOXES)
    assert [w["word"] for w in words] == [
        *"وقعت الحكومة، في عام 2022 2023 ، اتفاقا بقيمة 300 500 مليون دولار".split()
    ]
    # right to left: on each line a word sits left of the one before it; lines go down
    for before, after in zip(words, words[1:], strict=False):
        if abs(after["top"] - before["top"]) < 4:
            assert after["right"] <= before["left"] + 1, (before, after)
        else:
            assert after["top"] > before["top"], (before, after)
    # the comma after the new year sits between it and the next word, not at the far left
    comma = words[6]
    assert comma["word"] == "،" and abs(comma["top"] - words[5]["top"]) < 4
    assert comma["right"] <= words[5]["left"] + 1
    shot(page, "editor-match-diff")
    assert page.js_errors == []
