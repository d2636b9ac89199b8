"""Inline tags in a real browser: a DOCX with a bold word goes in, its tags show as chips, the
translator puts the bold back around the English word with the keyboard, and the DOCX that
comes back has that word bold."""

from __future__ import annotations

import io
import re

import docx
from playwright.sync_api import expect

from .conftest import shot
from .test_editor import login, row

B1, EB1 = chr(0xE004), chr(0xE005)  # tag 1 opens, closes (tm/tags.py)
BR2 = chr(0xE00A)  # tag 2 stands alone


def story() -> bytes:
    """A Word file: a sentence with one bold word, a sentence with a line break, a plain one."""
    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("قال ")
    p.add_run("الوزير").bold = True
    p.add_run(" إن الأسعار ارتفعت.")
    p = d.add_paragraph()
    p.add_run("ارتفعت ")
    p.add_run("أسعار الذهب").bold = True
    p.add_run().add_break()
    p.add_run("في السوق المحلية.")
    d.add_paragraph("وقال المحافظ إن التضخم ما زال مرتفعا.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def upload(page, base, data: bytes) -> None:
    page.goto(base + "/documents/new")
    page.fill("input[name=title]", "Prices")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "prices.docx", "mimeType": "application/octet-stream", "buffer": data}],
    )
    page.locator("main button.primary").click()
    expect(page.locator(".seg").first).to_be_visible(timeout=120_000)
    # the editor opens while the sentences are drafted; these tests start from the drafts
    expect(page.locator("#drafting")).to_have_count(0, timeout=120_000)
    expect(page.locator(".seg.active")).to_have_count(1)  # the editor is ready for keys


def value(page, n: int) -> str:
    return page.locator(f"#seg-{n} tm-field").evaluate("(box) => box.value")


def test_a_docx_bold_word_goes_through_the_editor_with_the_keyboard(server, page):
    login(page, server)
    upload(page, server, story())
    expect(page.locator(".seg")).to_have_count(3)

    # the bold word's tags are chips in the Arabic (a pair, one colour) and in the English box
    src = row(page, 0).locator(".src .tag-chip")
    expect(src).to_have_text(["b1", "/b1"])
    colours = src.evaluate_all("(cs) => cs.map((c) => getComputedStyle(c).backgroundColor)")
    assert colours[0] == colours[1]
    box = row(page, 0).locator("tm-field")
    expect(box).to_have_attribute("role", "textbox")
    expect(row(page, 0).locator("textarea")).to_have_count(0)
    expect(row(page, 2).locator("textarea")).to_have_count(1)  # no tags: the plain box as before
    # MT cannot place a tag inside a sentence: QA says which, named as the chips are
    expect(row(page, 0).locator("ul.qa li[data-code=tag-missing] .tag-chip")).to_have_text(["b1", "/b1"])

    # the first sentence is active: type the English, select "minister", Ctrl+Alt+T wraps it
    expect(row(page, 0)).to_have_class(re.compile(r"\bactive\b"))
    expect(box).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said prices rose.")
    assert value(page, 0) == "The minister said prices rose."
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    for _ in range(len("minister")):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Control+Alt+t")
    expect(box.locator(".tag-chip")).to_have_text(["b1", "/b1"])
    assert value(page, 0) == f"The {B1}minister{EB1} said prices rose."
    # the autosave clears the warning; the chips stay put as the translator types on
    expect(row(page, 0).locator("ul.qa li[data-code^=tag-]")).to_have_count(0)
    shot(page, "editor_tags")
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 1)).to_have_class(re.compile(r"\bactive\b"))

    # the second sentence: a bold span ending in a line break; Ctrl+Alt+T without a selection
    # inserts one tag at a time at the caret, in the Arabic's order: b1, then br2, then /b1
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.press("Control+Alt+t")
    page.keyboard.type("Gold prices rose")
    page.keyboard.press("Control+Alt+t")
    page.keyboard.press("Control+Alt+t")
    page.keyboard.type("in the local market.")
    assert value(page, 1) == f"{B1}Gold prices rose{BR2}{EB1}in the local market."
    expect(row(page, 1).locator("tm-field .tag-chip")).to_have_text(["b1", "br2", "/b1"])
    page.keyboard.press("Control+Alt+t")
    expect(page.locator("#toast")).to_have_text("The English has every tag of the Arabic.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 1)).to_have_attribute("data-status", "confirmed")
    page.keyboard.type("The governor said inflation was still high.")  # the plain row, as before
    page.keyboard.press("Control+a")
    page.keyboard.type("The governor said inflation was still high.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 2)).to_have_attribute("data-status", "confirmed")

    # the Word file comes back in English with "minister" bold, and nothing else
    with page.expect_download() as download:
        page.locator("#download-file").click()
    english = docx.Document(download.value.path())
    first, second, third = english.paragraphs[:3]
    assert first.text == "The minister said prices rose."
    assert [r.text for r in first.runs if r.bold] == ["minister"]
    assert [r.text for r in second.runs if r.bold] == ["Gold prices rose"]
    assert "in the local market." in second.text
    assert third.text == "The governor said inflation was still high."
    assert page.js_errors == []


def paste(box, html: str, text: str) -> None:
    """Paste as a browser does from a web page or a word processor: HTML and plain text at once."""
    box.evaluate(
        """(box, [html, text]) => {
            const data = new DataTransfer();
            data.setData("text/html", html);
            data.setData("text/plain", text);
            box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        [html, text],
    )


def test_chips_are_units_of_the_english_and_every_way_in_keeps_them(server, browser, page):
    login(page, server)
    upload(page, server, story())
    box = row(page, 0).locator("tm-field")
    expect(box).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said prices rose.")

    # a click on a chip of the Arabic puts that tag at the caret, and the caret after it
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    row(page, 0).locator(".src .tag-chip").nth(0).click()
    expect(box).to_be_focused()
    page.keyboard.type("new ")
    assert value(page, 0) == f"The {B1}new minister said prices rose."
    for _ in range(len("minister")):
        page.keyboard.press("ArrowRight")
    row(page, 0).locator(".src .tag-chip").nth(1).click()
    assert value(page, 0) == f"The {B1}new minister{EB1} said prices rose."

    # Backspace takes a chip whole; Ctrl+Z brings it back, Ctrl+Y takes it again, Ctrl+Z once more
    page.keyboard.press("Backspace")
    assert value(page, 0) == f"The {B1}new minister said prices rose."
    page.keyboard.press("Control+z")
    assert value(page, 0) == f"The {B1}new minister{EB1} said prices rose."
    page.keyboard.press("Control+y")
    assert value(page, 0) == f"The {B1}new minister said prices rose."
    page.keyboard.press("Control+z")
    expect(box.locator(".tag-chip")).to_have_text(["b1", "/b1"])

    # Enter is a line break in the English, Ctrl+B formats nothing, a paste brings text only
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+b")
    page.keyboard.type("Markets fell.")
    paste(box, "<b>Really</b> <i>so</i>.<script>x()</script>", " Really so.")
    assert value(page, 0) == f"The {B1}new minister{EB1} said prices rose.\nMarkets fell. Really so."
    assert box.evaluate("(b) => Array.from(b.querySelectorAll('*'), (n) => n.className || n.tagName)") == [
        "tag-chip tag-open tag-c0",
        "tag-chip tag-close tag-c0",
    ]
    # another sentence's tags do not come in with a paste (this sentence has no tag 7)
    paste(box, "", f" {chr(0xE01C)}odd{chr(0xE01D)}")
    assert value(page, 0).endswith("Really so. odd")
    # cut and paste in the sentence moves words with their tags; the clipboard's text has none
    page.keyboard.press("Control+Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    for _ in range(len("new minister") + 2):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Control+x")
    assert value(page, 0).startswith("The  said prices rose.")
    page.keyboard.press("Control+End")
    page.keyboard.press("Control+v")
    assert value(page, 0).endswith(f"Really so. odd{B1}new minister{EB1}")

    # Esc puts the draft back (the MT draft has no tags): QA names the missing ones as chips
    page.keyboard.press("Escape")
    # (the QA shown before the Esc may name them too: wait for the server's answer to the Esc)
    expect(page.locator(".toast")).to_have_text("Back to the draft.")
    expect(row(page, 0).locator("ul.qa li[data-code=tag-missing] .tag-chip")).to_have_text(["b1", "/b1"])
    draft = value(page, 0)
    assert B1 not in draft

    # Ctrl+Shift+C copies the Arabic with its tags; the memory then offers this English to the
    # same sentence in a new document, tags and all, and Ctrl+1 puts it in the box
    page.keyboard.press("Control+Shift+c")
    expect(box.locator(".tag-chip")).to_have_text(["b1", "/b1"])
    assert value(page, 0) == f"قال {B1}الوزير{EB1} إن الأسعار ارتفعت."
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said prices rose.")
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    for _ in range(len("minister")):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Control+Alt+t")
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    first_url = page.url

    upload(page, server, story())
    expect(row(page, 0).locator(".badge")).to_have_text("101")  # the same sentence in the same place
    expect(row(page, 0).locator("tm-field .tag-chip")).to_have_text(["b1", "/b1"])
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    match = page.locator("#matches li").first
    expect(match.locator(".m-src .tag-chip")).to_have_text(["b1", "/b1"])
    expect(match.locator("div[lang=en] .tag-chip")).to_have_text(["b1", "/b1"])
    page.keyboard.press("Control+1")
    assert value(page, 0) == f"The {B1}minister{EB1} said prices rose."

    # someone else's change of a sentence with tags shows up live, chips and all
    errors: list[str] = []
    ada = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    ada.on("pageerror", lambda e: errors.append(str(e)))
    login(ada, server, "ada")
    ada.goto(first_url)
    row(ada, 1).locator("tm-field").click()
    ada.keyboard.press("Control+a")
    ada.keyboard.type("Gold prices rose.")
    ada.keyboard.press("Home")
    ada.keyboard.press("Control+Alt+t")
    expect(row(ada, 1).locator(".status")).to_have_text("draft")
    expect(row(ada, 1).locator("ul.qa li[data-code=tag-missing] .tag-chip")).to_have_text(["br2", "/b1"])
    page.goto(first_url)
    expect(row(page, 1).locator("tm-field .tag-chip")).to_have_text(["b1"])
    ada.keyboard.press("Control+End")
    ada.keyboard.press("Control+Alt+t")
    ada.keyboard.press("Control+Alt+t")
    expect(row(ada, 1).locator("ul.qa li[data-code^=tag-]")).to_have_count(0)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(row(page, 1).locator("tm-field .tag-chip")).to_have_text(["b1", "br2", "/b1"])
    assert value(page, 1) == f"{B1}Gold prices rose.{BR2}{EB1}"
    assert page.js_errors == [] and errors == []
