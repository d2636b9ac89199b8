"""The post-editing report in a real browser: the editor records active time while a translator
types, and the report page draws its Chart.js charts (vendored, under the app's strict CSP)."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from .conftest import shot
from .test_editor import ARTICLE, login, new_document, row

# tom's English for the first four sentences of the article (the tiny model's drafts are noise)
TYPED = [
    "Economy",
    "Central bank raises interest rate",
    "The central bank raised the interest rate by 1.5 points on Thursday.",
    "The governor said inflation was still high.",
]
# ada's document: the governor's sentence and the headline again (100% matches), and a new one
MARKETS = """وقال المحافظ إن التضخم ما زال مرتفعا.

البنك المركزي يرفع سعر الفائدة

وارتفعت أسعار الذهب في السوق المحلية.
"""
CHARTS = ("chart-origins", "chart-effort", "chart-speed")
# how many pixels of a canvas have a colour (bars are filled with it; edges are anti-aliased)
INKED = """([id, rgb]) => {
  const canvas = document.getElementById(id);
  const chart = canvas && window.Chart && Chart.getChart(canvas);
  if (!chart) return -1;
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 250 && Math.abs(data[i] - rgb[0]) < 4 && Math.abs(data[i + 1] - rgb[1]) < 4
        && Math.abs(data[i + 2] - rgb[2]) < 4) n += 1;
  }
  return n;
}"""
POINTS = """(id) => {
  const chart = Chart.getChart(document.getElementById(id));
  return chart.data.datasets.map((d) => d.data.filter((v) => v !== null && v !== undefined).length);
}"""


def rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


def time_sent(response) -> bool:
    return response.request.method == "POST" and re.search(r"/segments/\d+/time$", response.url) is not None


def type_and_confirm(page, n, english):
    """Type a sentence's English key by key for 2.5 s or more (time is counted: the editor's clock
    ticks each second) and confirm it; wait for its time report."""
    box = row(page, n).locator("textarea")
    expect(box).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type(english, delay=max(40, 2500 // len(english)))
    # the confirm activates the next sentence, which sends the time of this one
    with page.expect_response(time_sent) as sent:
        page.keyboard.press("Control+Enter")
    assert sent.value.status == 200, sent.value.text()
    assert sent.value.request.post_data_json["ms"] >= 1000
    expect(row(page, n)).to_have_attribute("data-status", "confirmed")


def wait_for_bars(page, canvas, colour):
    """Wait until a chart's bars of a colour are drawn (its animation has grown them)."""
    page.wait_for_function(f"(args) => ({INKED})(args) > 400", arg=[canvas, rgb(colour)], timeout=10_000)


def csp_errors(page):
    """Collect the console's errors (a Content Security Policy refusal shows there, not as a page error)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_time_typed_in_the_editor_shows_in_the_report_and_its_charts_are_drawn(server, page, browser):
    console = csp_errors(page)
    login(page, server, "tom")
    new_document(page, server, "Rates", ARTICLE)
    for n, english in enumerate(TYPED):
        type_and_confirm(page, n, english)
    expect(page.locator("#doc-progress")).to_have_text("4 of 5 confirmed")

    # the editor's tools open tom's report of this document: his own figures
    page.locator("#pe-report-link").click()
    expect(page.get_by_role("heading", name="Post-editing report")).to_be_visible()
    expect(page.locator("#pe-own")).to_contain_text("tom")
    expect(page.locator("#pe-summary")).to_contain_text("4 sentences")
    expect(page.locator("#pe-coverage")).to_contain_text("Active time recorded for 4 of 4 sentences")
    expect(page.locator("#pe-wph strong")).not_to_have_text("—")
    expect(page.locator('#pe-origins tr[data-origin="scratch"] td').nth(1)).to_have_text("4")
    wait_for_bars(page, "chart-speed", "#1f7a4d")
    assert page.evaluate(POINTS, "chart-speed") == [1]  # tom's bar
    expect(page.locator("#pe-sentences")).to_have_attribute("open", "")  # one document: its sentences shown
    expect(page.locator("#pe-sentences tbody tr")).to_have_count(4)
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.wait_for_timeout(600)
    shot(page, "pe_report_document")

    # ada, the desk editor, translates a second document that reuses tom's sentences
    page.get_by_role("button", name="Log out").click()
    login(page, server, "ada")
    new_document(page, server, "Markets", MARKETS)
    expect(row(page, 0).locator(".badge")).to_have_text("100")
    expect(row(page, 1).locator(".badge")).to_have_text("100")
    box = row(page, 0).locator("textarea")
    box.press("End")  # a key: ada is active on it
    page.wait_for_timeout(1500)
    with page.expect_response(time_sent):
        page.keyboard.press("Control+Enter")  # the match as it is
    expect(row(page, 0)).to_have_attribute("data-status", "confirmed")
    type_and_confirm(page, 1, "The central bank raises its interest rate")  # the match, edited
    type_and_confirm(page, 2, "Gold prices rose in the local market.")
    expect(row(page, 0).locator(".prov")).to_have_text("match unchanged")
    expect(row(page, 1).locator(".prov")).to_have_text("match edited")

    # the report from the navigation: everyone's figures over the last 30 days
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Post-editing report")).to_be_visible()
    expect(page.locator("#pe-summary")).to_contain_text("7 sentences")
    expect(page.locator("#pe-translators tbody tr")).to_have_count(2)
    expect(page.locator("#pe-documents tbody tr")).to_have_count(2)

    # every chart is a Chart.js chart with data points, and its bars are on the canvas
    for canvas in CHARTS:
        expect(page.locator(f"#{canvas}")).to_be_visible()
    # origins: scratch, match unchanged and match edited, each a share of sentences and of words
    assert page.evaluate(POINTS, "chart-origins") == [2, 2, 2]
    assert page.evaluate(POINTS, "chart-effort") == [3, 3]  # TER and character edits per origin
    assert page.evaluate(POINTS, "chart-speed") == [2]  # ada and tom
    wait_for_bars(page, "chart-origins", "#d55e00")  # written anew
    wait_for_bars(page, "chart-origins", "#1f7a4d")  # match edited
    wait_for_bars(page, "chart-effort", "#0b5cad")  # TER
    wait_for_bars(page, "chart-effort", "#e69f00")  # character edit rate
    wait_for_bars(page, "chart-speed", "#1f7a4d")
    labels = page.evaluate("Chart.getChart(document.getElementById('chart-speed')).data.labels")
    assert labels == ["ada", "tom"]
    page.wait_for_timeout(600)  # the last of the animation, for the picture
    shot(page, "pe_report")

    # the CSV from the page: one row per confirmed sentence
    with page.expect_download() as download:
        page.locator("#pe-csv").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 7
    assert {r["translator"] for r in rows} == {"ada", "tom"}
    assert all(float(r["active_seconds"]) >= 1 for r in rows)
    assert {r["provenance"] for r in rows} == {"scratch", "match-unchanged", "match-edited"}

    assert page.js_errors == []
    assert not [e for e in console if "Content Security Policy" in e], console
