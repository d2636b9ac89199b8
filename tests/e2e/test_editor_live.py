"""The editor while others work on the same story: their changes, stage and rights changes show up live.

Real Chromium, several browser contexts. The page asks the server every 10 s while it is visible
and at once when it becomes visible again; the tests fire `visibilitychange` (what a user coming
back to the tab does) instead of waiting, except where the waiting itself is tested.
"""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from .conftest import TM, add_user, shot
from .test_desk_workflow import context_page, create, stage_button, type_into
from .test_editor import login, row
from .test_editor_traps import stored

STORY = """افتتحت البلدية جسرا جديدا فوق النهر.
وارتفعت أسعار الذهب في السوق المحلية.
ويتوقع أن يخفف الجسر الازدحام في وسط المدينة.
"""
ENGLISH = (
    "The municipality opened a new bridge over the river.",
    "Gold prices rose in the local market.",
    "The bridge is expected to ease congestion downtown.",
)
ACTIVE = re.compile(r"\bactive\b")
SAVES = "**/api/documents/*/segments/*"


def back_to_tab(page) -> None:
    """Do what the browser does when the user comes back to the tab: the editor asks at once."""
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


def offline_saves(route) -> None:
    """Lose the autosaves on the way (a network blip); everything else goes through."""
    if route.request.method == "PUT":
        route.abort()
    else:
        route.continue_()


def story(server, tm_env, browser, page, *, confirmed=False):
    """ada (admin) owns a new story, tom translates it, rita reviews it; tom has it open.

    confirmed: the drafts come from the memory and ada confirms them all first (a story goes to
    review only when every sentence is confirmed).
    """
    add_user(tm_env, "rita", "reviewer")
    if confirmed:
        for source, target in zip(STORY.splitlines(), ENGLISH, strict=True):
            subprocess.run([TM, "add", source, target], env=tm_env, check=True, capture_output=True)
    ada = page
    login(ada, server, "ada")
    url = create(ada, server, "Bridge opens", STORY, translator="tom", reviewer="rita")
    if confirmed:
        for n in range(3):
            row(ada, n).locator("textarea").click()
            ada.keyboard.press("Control+Enter")
            expect(row(ada, n)).to_have_attribute("data-status", "confirmed")
    errors: list[str] = []
    tom = context_page(browser, errors)
    login(tom, server, "tom")
    tom.goto(url)
    expect(row(tom, 0)).to_have_class(ACTIVE)
    return ada, tom, url, errors


def test_another_writers_save_shows_up_in_the_open_editor(server, tm_env, browser, page):
    ada, tom, _url, errors = story(server, tm_env, browser, page)
    workflow = tom.locator(".doc-workflow")
    expect(workflow.locator("strong")).to_have_text("new")
    expect(tom.locator("#row-filter option[value=unapproved]")).to_have_count(0)  # for reviewers
    expect(tom.locator("#doc-progress")).to_have_text("0 of 3 confirmed")

    # ada (the owner) edits sentence 2; her own header stops saying "new" after the first save
    version = row(ada, 1).get_attribute("data-version")
    type_into(ada, 1, ENGLISH[1])
    expect(row(ada, 1)).not_to_have_attribute("data-version", version, timeout=5000)
    expect(ada.locator(".doc-workflow strong")).to_have_text("translating")
    expect(ada.locator(".doc-workflow").get_by_role("button", name="Start translating")).to_have_count(0)

    # tom comes back to his tab: her English is in his box, highlighted, no reload
    back_to_tab(tom)
    box = row(tom, 1).locator("textarea")
    expect(box).to_have_value(ENGLISH[1], timeout=5000)
    expect(row(tom, 1)).to_have_class(re.compile(r"\blive-changed\b"))
    expect(row(tom, 1)).to_have_attribute("data-version", row(ada, 1).get_attribute("data-version"))
    expect(workflow.locator("strong")).to_have_text("translating")
    expect(workflow.get_by_role("button", name="Start translating")).to_have_count(0)
    expect(workflow.get_by_role("button", name="Send to review")).to_be_visible()
    expect(row(tom, 0)).to_have_class(ACTIVE)  # his place is kept

    # without any help: she confirms it, his open page shows it by the next round (10 s)
    ada.keyboard.press("Control+Enter")
    expect(row(ada, 1)).to_have_attribute("data-status", "confirmed")
    expect(row(tom, 1)).to_have_attribute("data-status", "confirmed", timeout=12_000)
    expect(row(tom, 1).locator(".prov")).to_be_visible()
    expect(tom.locator("#doc-progress")).to_have_text("1 of 3 confirmed")
    shot(tom, "editor-live-update")
    assert errors == [] and ada.js_errors == []


def test_unsaved_text_is_never_overwritten_by_a_live_update(server, tm_env, browser, page):
    ada, tom, _url, errors = story(server, tm_env, browser, page)
    # tom types in sentence 1; his autosave is lost on the way, so the text is his alone
    tom.route(SAVES, offline_saves)
    mine = "Tom: the town opened a bridge."
    type_into(tom, 0, mine)
    expect(tom.locator("#toast")).to_contain_text("Not saved")

    # ada saves the same sentence; the live update shows hers beside his, his stays in the box
    type_into(ada, 0, ENGLISH[0])
    expect(row(ada, 0)).not_to_have_attribute("data-version", "1", timeout=5000)
    back_to_tab(tom)
    conflict = row(tom, 0).locator(".conflict")
    expect(conflict).to_be_visible(timeout=5000)
    expect(conflict.locator(".theirs")).to_have_text(ENGLISH[0])
    expect(conflict).to_contain_text("ada")
    expect(row(tom, 0).locator(".yours")).to_have_text(re.compile("not saved", re.I))
    expect(row(tom, 0).locator("textarea")).to_have_value(mine)

    # the network is back: he keeps his text, it is saved over hers
    tom.unroute(SAVES)
    conflict.get_by_role("button", name="Keep mine").click()
    expect(conflict).to_have_count(0)
    expect(row(tom, 0).locator(".yours")).to_have_count(0)
    assert stored(tom, server, 0)["target"] == mine
    assert errors == [] and ada.js_errors == []


def test_sent_to_review_while_typing_goes_read_only_and_keeps_the_text(server, tm_env, browser, page):
    ada, tom, _url, errors = story(server, tm_env, browser, page, confirmed=True)
    tom.route(SAVES, offline_saves)
    mine = "Tom: half a sentence that is not saved"
    type_into(tom, 0, mine)
    expect(tom.locator("#toast")).to_contain_text("Not saved")

    # ada sends the story to review; tom's open editor follows
    stage_button(ada, "Send to review")
    back_to_tab(tom)
    notice = tom.locator("#read-only")
    expect(notice).to_be_visible(timeout=5000)
    expect(notice).to_contain_text("Read only now")
    expect(notice).to_contain_text("in review")
    expect(notice).to_contain_text("assigned to rita")
    expect(notice).to_contain_text("sentence 1")
    expect(tom.locator(".doc-workflow strong")).to_have_text("in review")
    for n in range(3):
        expect(row(tom, n).locator("textarea")).to_have_attribute("readonly", "")
    expect(row(tom, 0).locator("textarea")).to_have_value(mine)
    expect(row(tom, 0).locator(".version-label.unsaved")).to_have_text(re.compile("not saved", re.I))
    expect(row(tom, 0).locator(".row-actions button")).to_have_count(0)
    expect(tom.locator("#find-open")).to_be_hidden()
    tom.keyboard.press("Control+Enter")  # nothing is sent; he is told why
    expect(tom.locator("#toast")).to_contain_text("read only")
    shot(tom, "editor-live-readonly")

    # leaving asks first; staying keeps the text
    dialogs: list[str] = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    tom.on("dialog", answer)
    tom.close(run_before_unload=True)
    for _ in range(50):
        if dialogs:
            break
        ada.wait_for_timeout(100)
    assert dialogs == ["beforeunload"]
    assert not tom.is_closed()
    expect(row(tom, 0).locator("textarea")).to_have_value(mine)
    assert errors == [] and ada.js_errors == []


def test_a_refused_save_goes_read_only_at_once_and_saves_when_writable_again(server, tm_env, browser, page):
    ada, tom, _url, errors = story(server, tm_env, browser, page, confirmed=True)
    stage_button(ada, "Send to review")  # tom's page does not know yet

    # his autosave is refused: read-only at once, the text stays, marked not saved
    mine = "Gold rose in the local market."
    type_into(tom, 1, mine)
    notice = tom.locator("#read-only")
    expect(notice).to_contain_text("Read only now", timeout=5000)
    expect(row(tom, 1).locator("textarea")).to_have_attribute("readonly", "")
    expect(row(tom, 1).locator("textarea")).to_have_value(mine)
    expect(row(tom, 1).locator(".version-label.unsaved")).to_be_visible()
    expect(tom.locator(".doc-workflow strong")).to_have_text("in review")
    expect(notice).to_contain_text("sentence 2")

    # ada sends it back to translating: he may write again, and what he typed is saved
    stage_button(ada, "Back to translating")
    back_to_tab(tom)
    expect(notice).to_contain_text("You can write now", timeout=5000)
    expect(row(tom, 1).locator("textarea")).not_to_have_attribute("readonly", "")
    expect(row(tom, 1).locator(".version-label.unsaved")).to_have_count(0, timeout=5000)
    expect(tom.locator(".doc-workflow strong")).to_have_text("translating")
    assert stored(tom, server, 1)["target"] == mine
    assert errors == [] and ada.js_errors == []


def test_a_reviewer_approves_with_ctrl_enter_and_moves_on(server, tm_env, browser, page):
    ada, tom, url, errors = story(server, tm_env, browser, page, confirmed=True)
    stage_button(ada, "Send to review")
    rita = context_page(browser, errors)
    login(rita, server, "rita")
    rita.goto(url)
    expect(row(rita, 0)).to_have_class(ACTIVE)
    expect(rita.locator("#doc-progress")).to_have_text("0 of 3 approved")

    rita.keyboard.press("Control+Enter")
    expect(row(rita, 0)).to_have_attribute("data-status", "approved")
    expect(row(rita, 1)).to_have_class(ACTIVE)
    expect(row(rita, 1).locator("textarea")).to_be_focused()
    expect(rita.locator("#doc-progress")).to_have_text("1 of 3 approved")

    # the filter for what is left, and on opening again the first sentence not approved yet
    rita.select_option("#row-filter", "unapproved")
    expect(row(rita, 0)).to_be_hidden()
    expect(rita.locator(".seg:not([hidden])")).to_have_count(2)
    rita.reload()
    expect(row(rita, 1)).to_have_class(ACTIVE)

    # tom, read-only in review, sees the approval live
    back_to_tab(tom)
    expect(row(tom, 0)).to_have_attribute("data-status", "approved", timeout=5000)
    assert errors == [] and ada.js_errors == []
