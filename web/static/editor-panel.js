// The editor's side panel: the active sentence's memory matches (Ctrl+1…9 insert them), its
// glossary terms, and the concordance search (Ctrl+K). Built on editor.js's internals
// (tm.editor.internal); text from the memory goes in through textContent only.
"use strict";

(function () {
  const editor = window.tm.editor;
  if (!editor) return;
  const { api, el } = window.tm;
  const { field, sourceText } = editor;
  const { decorate } = window.tm.tags;
  const { PROVENANCE, readOnlySay } = editor.internal;
  let matches = [];

  function renderDiff(chunks, fallback) {
    const box = el("div", { className: "m-src diff", dir: "rtl", lang: "ar" });
    if (!chunks || !chunks.length) { box.textContent = fallback; return box; }
    chunks.forEach((c) => {
      const tag = c.op === "delete" ? "del" : c.op === "insert" ? "ins" : "span";
      // the space after a changed word stays unmarked, so words do not run together
      const [, word, space] = /^([\s\S]*?)(\s*)$/.exec(c.text);
      box.append(el(tag, { text: word }), space);
    });
    return box;
  }

  function label(m) {
    if (m.kind === "context") return "101%";
    if (m.kind === "exact") return "100%";
    if (m.adapted) return `${m.adapted.score}% adapted`;
    return `${m.score}%`;
  }

  // The English a match offers: adapted to the sentence's numbers, months or weekdays where
  // only those differ (as its draft was), else the memory's own
  const offered = (m) => (m.adapted ? m.adapted.target : m.target);

  // An adapted match says what was changed and shows the memory's English it came from
  function adaptedFrom(m) {
    const changes = m.adapted.changes.map((c) => `${c.memory} → ${c.new}`).join(", ");
    return el("div", { className: "muted small adapted-from" },
      el("span", { text: `adapted (${changes}) from the memory's ${m.score}%: ` }),
      el("span", { dir: "ltr", lang: "en", text: m.target }));
  }

  // A match whose English was confirmed over blocking QA findings says so, so that it is
  // reused knowingly: a tinted label with the codes (and the whole story in its title).
  function overridden(m) {
    const codes = m.qa_override || [];
    if (!codes.length) return "";
    return el("span", {
      className: "qa-override-mark",
      title: `Confirmed over blocking QA findings: ${codes.join(", ")}. Check it before you reuse it.`,
      text: `confirmed over QA: ${codes.join(", ")}`,
    });
  }

  // `after`: a promise to wait for first (the confirm of the sentence before, which may be a match)
  async function showMatches(row, after) {
    const list = document.getElementById("matches");
    document.getElementById("match-for").textContent = `sentence ${Number(row.dataset.idx) + 1}`;
    list.replaceChildren(el("li", { className: "muted", text: "Looking up…" }));
    matches = []; // Ctrl+1…9 meanwhile inserts nothing rather than another sentence's match
    if (after) await after;
    if (editor.active() !== row) return;
    try {
      const data = await api("GET", `/api/lookup?text=${encodeURIComponent(sourceText(row))}`);
      if (editor.active() !== row) return;
      matches = data.matches;
    } catch (e) {
      matches = [];
    }
    if (!matches.length) {
      list.replaceChildren(el("li", { className: "muted", text: "No match in the memory." }));
      return;
    }
    list.replaceChildren(...matches.map((m, i) => {
      const numbers = m.numbers.length
        ? el("div", { className: "muted small", text: `numbers: ${m.numbers.map((n) => `${n.memory || "–"} → ${n.query || "–"}`).join(", ")}` })
        : "";
      const item = el(
        "li",
        {},
        el("div", {}, el("span", { className: "key", text: `Ctrl+${i + 1}  ` }), el("strong", { text: label(m) }),
          el("span", { className: "muted small", text: `  ${m.origin}${m.author ? ` · ${m.author}` : ""}${m.provenance ? ` · ${PROVENANCE[m.provenance] || m.provenance}` : ""}` }),
          m.status === "approved" ? el("span", { className: "approved-mark", text: ` ✓ approved${m.reviewer ? ` by ${m.reviewer}` : ""}` }) : "",
          overridden(m)),
        // a match's tags are numbered as the sentence's (tm.tags.renumber): named by its table
        decorate(renderDiff(m.diff, m.source), editor.tagTable(row)),
        decorate(el("div", { dir: "ltr", lang: "en", text: offered(m) }), editor.tagTable(row)),
        m.adapted ? decorate(adaptedFrom(m), editor.tagTable(row)) : numbers,
      );
      item.addEventListener("dblclick", () => insertMatch(i));
      return item;
    }));
  }

  function showTerms(row) {
    const list = document.getElementById("terms");
    const terms = Array.from(row.querySelectorAll(".src .term"));
    if (!terms.length) {
      list.replaceChildren(el("li", { className: "muted", text: "No terms in this sentence." }));
      return;
    }
    list.replaceChildren(...terms.map((t) => el("li", {},
      el("span", { dir: "rtl", lang: "ar", text: t.textContent }), " → ", el("strong", { text: t.dataset.target }))));
  }

  function insertMatch(i) {
    const active = editor.active();
    if (!active || !matches[i]) return;
    if (!editor.writable) { readOnlySay(); return; }
    const box = field(active);
    box.value = offered(matches[i]);
    box.dispatchEvent(new Event("input"));
    box.focus();
  }

  async function concordance(query) {
    const input = document.getElementById("concordance-q");
    if (query !== undefined) input.value = query;
    const q = input.value.trim();
    const list = document.getElementById("concordance");
    if (!q) { input.focus(); return; }
    const side = document.getElementById("concordance-side").value;
    const data = await api("GET", `/api/concordance?q=${encodeURIComponent(q)}&side=${side}`);
    if (!data.hits.length) {
      list.replaceChildren(el("li", { className: "muted", text: `Nothing contains “${q}”.` }));
      return;
    }
    const marked = (text, spans, dir) => {
      const box = el("div", { dir, lang: dir === "rtl" ? "ar" : "en", className: dir === "rtl" ? "m-src" : "" });
      let pos = 0;
      spans.forEach(([a, b]) => { box.append(text.slice(pos, a), el("mark", { text: text.slice(a, b) })); pos = b; });
      box.append(text.slice(pos));
      return box;
    };
    // the memory's sentences are not this document's: their tags are chips without names
    list.replaceChildren(...data.hits.map((h) => decorate(el("li", {},
      marked(h.source, h.source_spans, "rtl"), marked(h.target, h.target_spans, "ltr")), {})));
  }

  document.getElementById("concordance-form").addEventListener("submit", (e) => {
    e.preventDefault();
    concordance();
  });

  Object.assign(editor.internal, { showMatches, showTerms, insertMatch, concordance });
})();
