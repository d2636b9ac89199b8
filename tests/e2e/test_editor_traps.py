"""The editor's traps, each in a real browser: what it shows and what is typed into it come out right."""

from __future__ import annotations

import subprocess

from playwright.sync_api import expect

from .conftest import TM, shot
from .test_editor import login, new_document

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
    expect(diff.locator("del")).to_have_text(["2022", "300"])
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
