"""A translator's morning in a real browser: log in, paste, post-edit with the keyboard, reuse, download."""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from .conftest import PASSWORD, TM, shot

ARTICLE = """اقتصاد

البنك المركزي يرفع سعر الفائدة

أعلن البنك المركزي يوم الخميس رفع سعر الفائدة بنسبة 1.5 نقطة. وقال المحافظ إن التضخم ما زال مرتفعا.
ويتوقع محللون أن يستقر الاقتصاد خلال العام المقبل.
"""

SECOND = """أسواق

وقال المحافظ إن التضخم ما زال مرتفعا.
وارتفعت أسعار الذهب في السوق المحلية.
"""


def login(page, base, name="tom"):
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible()


def new_document(page, base, title, text):
    page.goto(base + "/documents/new")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=text]", text)
    page.locator("main button.primary").click()
    expect(page.locator(".seg").first).to_be_visible(timeout=120_000)
    # the editor opens while the sentences are drafted; these tests start from the drafts
    expect(page.locator("#drafting")).to_have_count(0, timeout=120_000)
    # keys typed before the editor activates its first row would be lost on a loaded machine
    expect(page.locator(".seg.active")).to_have_count(1)


def row(page, n):
    return page.locator(f"#seg-{n}")


def test_translator_post_edits_confirms_reuses_and_downloads(server, page):
    login(page, server)
    shot(page, "documents-empty")
    expect(page.get_by_text("No documents yet")).to_be_visible()

    new_document(page, server, "Rates", ARTICLE)
    expect(page.locator(".seg")).to_have_count(5)
    expect(row(page, 0).locator(".src")).to_have_text("اقتصاد")
    expect(row(page, 3).locator(".src")).to_have_text("وقال المحافظ إن التضخم ما زال مرتفعا.")
    for n in range(5):
        expect(row(page, n).locator(".badge")).to_have_text("MT")
        expect(row(page, n).locator("textarea")).not_to_have_value("")
    shot(page, "editor-drafts")

    # keyboard only from here: the first sentence is active and its box has the focus
    expect(row(page, 0)).to_have_class(re.compile(r"\bactive\b"))
    page.keyboard.press("Control+a")
    page.keyboard.type("Economy")
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 1)).to_have_class(re.compile(r"\bactive\b"))

    page.keyboard.press("Control+ArrowDown")
    page.keyboard.press("Control+ArrowDown")
    expect(row(page, 3)).to_have_class(re.compile(r"\bactive\b"))
    page.keyboard.press("Control+a")
    page.keyboard.type("The governor said inflation was still high.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 3)).to_have_attribute("data-status", "confirmed")
    expect(row(page, 4)).to_have_class(re.compile(r"\bactive\b"))  # the next unconfirmed one

    # Esc brings the draft back after an edit
    original = row(page, 4).locator("textarea").input_value()
    page.keyboard.press("Control+a")
    page.keyboard.type("something else")
    page.keyboard.press("Escape")
    expect(row(page, 4).locator("textarea")).to_have_value(original)
    expect(page.locator("#doc-progress")).to_have_text("2 of 5 confirmed")
    shot(page, "editor-confirmed")

    # only the sentences still to do
    page.select_option("#row-filter", "open")
    expect(page.locator(".seg:visible")).to_have_count(3)
    expect(row(page, 3)).to_be_hidden()
    page.select_option("#row-filter", "all")
    expect(page.locator(".seg:visible")).to_have_count(5)

    # download the English document
    with page.expect_download() as download:
        page.locator("#download-english").click()
    english = open(download.value.path(), encoding="utf-8").read()
    paragraphs = english.split("\n")
    assert paragraphs[0] == "Economy"
    assert paragraphs[1] == ""
    assert "The governor said inflation was still high." in paragraphs[4]
    assert english.count("\n") == ARTICLE.count("\n")

    # a second document repeats a confirmed sentence: it comes back as a 100% match
    new_document(page, server, "Markets", SECOND)
    expect(page.locator(".seg")).to_have_count(3)
    expect(row(page, 1).locator(".badge")).to_have_text("100")
    expect(row(page, 1).locator("textarea")).to_have_value("The governor said inflation was still high.")
    expect(row(page, 2).locator(".badge")).to_have_text("MT")

    # the side panel shows the memory match of the active sentence
    page.keyboard.press("Control+ArrowDown")
    expect(row(page, 1)).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("#matches li").first).to_contain_text("100%")
    expect(page.locator("#matches li").first).to_contain_text("The governor said inflation was still high.")

    # concordance with Ctrl+K: finds the word through its clitic form
    page.keyboard.press("Control+k")
    expect(page.locator("#concordance-q")).to_be_focused()
    page.keyboard.type("التضخم")
    page.keyboard.press("Enter")
    hit = page.locator("#concordance li").first
    expect(hit.locator("mark").first).to_have_text("التضخم")
    expect(hit).to_contain_text("The governor said inflation was still high.")
    shot(page, "editor-second-document")
    assert page.js_errors == []


def test_memory_page_finds_what_was_confirmed(server, page):
    login(page, server, "ada")
    new_document(page, server, "One", "قال الوزير إن الاقتصاد ينمو.\n")
    page.keyboard.press("Control+a")
    page.keyboard.type("The minister said the economy is growing.")
    page.keyboard.press("Control+Enter")
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    page.goto(server + "/memory/?q=الاقتصاد")
    expect(page.locator("table.units mark")).to_have_text("الاقتصاد")
    page.locator("table.units a").first.click()
    expect(page.locator("table.history tbody tr")).to_have_count(1)
    expect(page.locator("table.history")).to_contain_text("ada")
    shot(page, "memory-unit")
    assert page.js_errors == []


def test_ctrl_1_inserts_a_match_adapted_to_the_sentences_weekday_and_number(server, tm_env, page):
    """A memory match that differs only in a weekday or a number is offered adapted, as its draft
    was: Ctrl+1 must not put the memory's old day or figure back over a right draft."""
    for source, target in (
        ("ارتفعت أسعار النفط في الأسواق العالمية يوم الجمعة.", "Oil prices rose on world markets on Friday."),
        ("وقعت الحكومة اتفاقا بقيمة 700 مليون دولار.", "The government signed a 700 million dollar deal."),
    ):
        subprocess.run([TM, "add", source, target], env=tm_env, check=True, capture_output=True)
    login(page, server)
    new_document(
        page,
        server,
        "Adapted",
        "ارتفعت أسعار النفط في الأسواق العالمية يوم السبت.\nوقعت الحكومة اتفاقا بقيمة 900 مليون دولار.\n",
    )
    saturday, deal = (
        "Oil prices rose on world markets on Saturday.",
        "The government signed a 900 million dollar deal.",
    )
    for n, english in ((0, saturday), (1, deal)):
        expect(row(page, n).locator(".badge")).to_contain_text("adapted")
        expect(row(page, n).locator("textarea")).to_have_value(english)
        if n:
            page.keyboard.press("Control+ArrowDown")
        expect(row(page, n)).to_have_class(re.compile(r"\bactive\b"))
        first = page.locator("#matches li").first
        # the panel offers what the draft is, with the same score as the badge, and says from what
        expect(first.locator("strong")).to_have_text(row(page, n).locator(".badge").inner_text())
        expect(first.locator("div[lang=en]").first).to_have_text(english)
        expect(first.locator(".adapted-from")).to_contain_text("Friday → Saturday" if n == 0 else "700 → 900")
        page.keyboard.press("Control+a")
        page.keyboard.press("Delete")
        page.keyboard.press("Control+1")
        expect(row(page, n).locator("textarea")).to_have_value(english)
    shot(page, "editor-adapted-match")
    page.keyboard.press("Control+Enter")
    expect(row(page, 1)).to_have_attribute("data-status", "confirmed")
    assert page.js_errors == []
