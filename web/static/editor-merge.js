// Word-level three-way merge for the editor: pure (no page, no state). editor.js loads after
// this script (both deferred) and offers it to the feature scripts as tm.editor.merge3.
"use strict";

(function () {
  // Word-level three-way merge of the base (what both started from), mine and theirs. Changes
  // that touch different words are both kept; where both changed the same words, mine stays
  // and the overlap is reported (theirs remains visible above until the user chooses).
  function words(text) { return text.match(/\s+|[^\s]+/g) || []; }

  function hunks(base, other) {
    const n = base.length;
    const m = other.length;
    const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i][j] = base[i] === other[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const out = [];
    let i = 0;
    let j = 0;
    let open = null;
    const close = () => { if (open) { out.push(open); open = null; } };
    while (i < n || j < m) {
      if (i < n && j < m && base[i] === other[j]) { close(); i += 1; j += 1; continue; }
      if (!open) open = { start: i, end: i, words: [] };
      if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) { open.words.push(other[j]); j += 1; } else { i += 1; open.end = i; }
    }
    close();
    return out;
  }

  // -> { text, overlaps }: the merged text, and how many places both changed the same words
  function merge3(baseText, mineText, theirsText) {
    const base = words(baseText);
    const ours = hunks(base, words(mineText)).map((h) => ({ ...h, side: "mine" }));
    const theirs = hunks(base, words(theirsText)).map((h) => ({ ...h, side: "theirs" }));
    const all = [...ours, ...theirs].sort((a, b) => a.start - b.start || (a.side === "mine" ? -1 : 1));
    const out = [];
    let pos = 0;
    let overlaps = 0;
    let last = null;
    all.forEach((h) => {
      if (last && (h.start < last.end || (h.start === last.start && h.start === h.end && last.start === last.end))) {
        if (h.words.join("") !== last.words.join("") || h.end !== last.end) overlaps += 1;
        return; // the same words changed on both sides: mine (sorted first) stays
      }
      out.push(...base.slice(pos, h.start), ...h.words);
      pos = Math.max(pos, h.end);
      last = h;
    });
    out.push(...base.slice(pos));
    return { text: out.join(""), overlaps };
  }

  window.tm.merge3 = merge3;
})();
