"""Glossary terms live in a real browser: proposed in the editor, approved elsewhere, marked without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import shot
from .test_editor import login, new_document, row

ARTICLE = """زار الوفد المغرب أمس.
وارتفعت أسعار الذهب في السوق المحلية.
وقال الوزير إن العلاقات مع المغرب جيدة.
"""


def select_in_source(page, n, word):
    """Select a word in sentence n's Arabic, as a mouse would."""
    page.evaluate(
        """([n, word]) => {
            const src = document.querySelector(`#seg-${n} .src`);
            const walker = document.createTreeWalker(src, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.textContent.indexOf(word);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + word.length);
                const sel = window.getSelection();
                sel.removeAllRanges();
                sel.addRange(range);
                return;
            }
            throw new Error(`${word} is not in sentence ${n}`);
        }""",
        [n, word],
    )


def test_a_proposed_term_approved_by_an_admin_shows_in_the_open_editor(server, browser, page):
    # tom has a document open
    login(page, server)
    new_document(page, server, "Live terms", ARTICLE)
    expect(row(page, 0).locator(".src .term")).to_have_count(0)
    url = page.url

    # he selects a word and proposes it from the keyboard
    select_in_source(page, 0, "المغرب")
    page.keyboard.press("Control+Shift+G")
    dialog = page.locator("#propose-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#propose-source")).to_have_value("المغرب")
    expect(page.locator("#propose-target")).to_be_focused()
    page.keyboard.type("Morocco")
    page.keyboard.press("Tab")
    page.keyboard.type("the country, not the city")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("waiting for review")
    # a proposal is shown as one, and is no term yet
    panel = page.locator("#terms")
    expect(panel).to_contain_text("proposed by tom, waiting for review")
    expect(row(page, 0).locator(".src .term")).to_have_count(0)
    shot(page, "terms-proposed")

    # ada, elsewhere, approves it on the glossary page
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    ada = other.new_page()
    login(ada, server, "ada")
    ada.goto(server + "/glossary/")
    proposal = ada.locator(".proposal")
    expect(proposal).to_have_count(1)
    expect(proposal.get_by_label("English")).to_have_value("Morocco")
    expect(proposal).to_contain_text("proposed by tom, waiting for review")
    shot(ada, "glossary-proposals")
    proposal.get_by_role("button", name="Approve").click()
    expect(ada.locator(".flash.ok")).to_contain_text("Approved المغرب → Morocco")
    expect(ada.locator(".proposal")).to_have_count(0)

    # within seconds tom's open editor marks the word in both sentences, and the panel lists it
    for n in (0, 2):
        term = row(page, n).locator(".src .term")
        expect(term).to_have_text("المغرب", timeout=15_000)
        expect(term).to_have_attribute("data-target", "Morocco")
        expect(term).to_have_attribute("title", "Morocco — the country, not the city")
    expect(row(page, 1).locator(".src .term")).to_have_count(0)
    expect(row(page, 0).locator(".src")).to_have_text("زار الوفد المغرب أمس.")
    expect(panel).to_contain_text("Morocco")
    expect(panel).not_to_contain_text("waiting for review")
    expect(row(page, 0)).to_have_class(re.compile(r"\bactive\b"))

    # and a term ada adds directly shows too, with the QA of the English that lacks it
    ada.goto(server + "/glossary/")
    ada.locator("details.box summary").click()
    ada.fill("details.box input[name=source]", "الذهب")
    ada.fill("details.box input[name=target]", "gold")
    ada.locator("details.box button.primary").click()
    expect(ada.locator(".flash.ok")).to_contain_text("Added الذهب → gold")
    gold = row(page, 1).locator(".src .term")
    expect(gold).to_have_attribute("data-target", "gold", timeout=15_000)
    row(page, 1).locator(".src").click()
    expect(panel).to_contain_text("gold")
    assert page.url == url  # never reloaded
    shot(page, "terms-live")
    other.close()
    assert page.js_errors == []
