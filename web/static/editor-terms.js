// Live glossary terms in the editor: a term added or approved while a document is open is marked
// in its Arabic at once (a poll of the glossary's version every few seconds), QA follows, and a
// translator proposes a term (a reviewer or an admin adds one) without leaving the page.
// Text only ever goes in through textContent and text nodes.
"use strict";

(function () {
  const editor = window.tm && window.tm.editor;
  if (!editor) return;
  const { api, el } = window.tm;
  const EVERY = 5000; // ms between polls while the tab is visible
  const url = `/glossary/documents/${editor.docId}/terms`;
  let version = null; // the glossary version the rows show; null: not asked yet
  let proposed = new Map(); // row -> proposals found in its Arabic (not terms until approved)
  let timer = null;
  let busy = false;
  let again = false;
  let stopped = false;

  // -- marking terms in a row's Arabic ---------------------------------------------------

  function title(hit) { return hit.notes ? `${hit.target} — ${hit.notes}` : hit.target; }

  // The server counts characters as Python does (code points); so does Array.from.
  function key(start, end, target, note, enforced) { return [start, end, target, note, enforced ? 1 : 0].join("\u0001"); }

  // a tag chip is one character of the Arabic (its tag's), whatever its label
  const { read, nodes, tableOf } = window.tm.tags;

  function drawnKeys(src) {
    const keys = [];
    let pos = 0;
    src.childNodes.forEach((node) => {
      const n = Array.from(read(node)).length;
      if (node.nodeType === 1 && node.classList.contains("term")) {
        keys.push(key(pos, pos + n, node.dataset.target, node.title, node.classList.contains("enforced")));
      }
      pos += n;
    });
    return keys;
  }

  // Rebuild a row's Arabic with the hits as spans; false when it already shows them.
  function mark(row, hits) {
    const src = row.querySelector(".src");
    const chars = Array.from(read(src));
    const table = tableOf(row);
    const usable = [];
    let end = 0;
    hits.forEach((h) => {
      // a hit that does not fit the text shown (or overlaps the one before) is left out
      if (h.start >= end && chars.slice(h.start, h.end).join("") === h.text) {
        usable.push(h);
        end = h.end;
      }
    });
    const want = usable.map((h) => key(h.start, h.end, h.target, title(h), h.enforce));
    const had = drawnKeys(src);
    if (want.join("\u0002") === had.join("\u0002")) return false;
    const old = new Set(had);
    const pieces = [];
    let pos = 0;
    usable.forEach((h, i) => {
      pieces.push(...nodes(chars.slice(pos, h.start).join(""), table));
      const span = el("span", {
        className: `term${h.enforce ? " enforced" : ""}${old.has(want[i]) ? "" : " fresh"}`,
        title: title(h),
        "data-target": h.target,
      }, ...nodes(chars.slice(h.start, h.end).join(""), table));
      pieces.push(span);
      pos = h.end;
    });
    pieces.push(...nodes(chars.slice(pos).join(""), table));
    src.replaceChildren(...pieces);
    setTimeout(() => src.querySelectorAll(".term.fresh").forEach((s) => s.classList.remove("fresh")), 4000);
    return true;
  }

  // The QA of a row as the server checked its stored English; a row edited since then (another
  // version) or in a conflict keeps what it shows: its own save redraws it.
  function drawQa(row, seg) {
    if (row.dataset.version !== String(seg.version) || editor.conflicted(row)) return;
    const list = row.querySelector("ul.qa");
    const had = Array.from(list.children).map((li) => `${li.dataset.code}\u0001${li.dataset.message || li.textContent}`).join("\u0002");
    const want = seg.qa.map((q) => `${q.code}\u0001${q.message}`).join("\u0002");
    if (had !== want) list.replaceChildren(...seg.qa.map((q) => editor.qaItem(row, q)));
  }

  // Proposals in the active sentence, under its terms in the Glossary panel, marked as such.
  function showProposals(row) {
    const found = proposed.get(row) || [];
    if (!found.length) return;
    const list = document.getElementById("terms");
    const empty = list.querySelector("li.muted:not(.proposed)");
    if (empty && list.children.length === 1) empty.remove();
    found.forEach((p) => list.append(el("li", { className: "proposed" },
      el("span", { dir: "rtl", lang: "ar", text: p.text }), " → ", el("span", { dir: "ltr", lang: "en", text: p.target }),
      el("span", { className: "proposal-by", text: `proposed by ${p.author || "someone"}, waiting for review` }))));
  }

  function refreshPanel() {
    const active = editor.active();
    if (!active) return;
    editor.showTerms(active);
    showProposals(active);
  }

  function update(data, first) {
    const byIdx = new Map(data.segments.map((s) => [s.idx, s]));
    proposed = new Map();
    let marked = 0;
    editor.rows.forEach((row) => {
      const seg = byIdx.get(Number(row.dataset.idx));
      if (!seg) return;
      if (mark(row, seg.terms)) marked += 1;
      drawQa(row, seg);
      if (seg.proposed.length) proposed.set(row, seg.proposed);
    });
    refreshPanel();
    if (marked && !first) {
      editor.say(`The glossary changed: terms are marked anew in ${marked} sentence${marked > 1 ? "s" : ""}.`);
    }
  }

  // -- polling: cheap while nothing changes ({"changed": false}) --------------------------

  async function poll() {
    clearTimeout(timer);
    if (stopped || document.hidden) return; // visibilitychange starts it again
    if (busy) { again = true; return; }
    busy = true;
    let delay = EVERY;
    try {
      const data = await api("GET", version ? `${url}?since=${encodeURIComponent(version)}` : url);
      if (typeof data.version !== "string") { stopped = true; return; } // logged out: a login page answered
      if (data.changed) update(data, version === null);
      version = data.version;
    } catch (e) {
      if (e.status === 404 || e.status === 403) { stopped = true; return; } // the document is gone
      delay = EVERY * 3; // the server is restarting or busy: ask again later
    } finally {
      busy = false;
    }
    if (again) { again = false; delay = 0; }
    timer = setTimeout(poll, delay);
  }

  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
  editor.on("activate", (row) => showProposals(row));

  // -- proposing (or, for reviewers and admins, adding) a term ------------------------------

  const dialog = document.getElementById("propose-dialog");
  const form = document.getElementById("propose-form");
  const source = document.getElementById("propose-source");
  const target = document.getElementById("propose-target");
  const notes = document.getElementById("propose-notes");
  const error = document.getElementById("propose-error");
  const template = document.getElementById("propose-term-button");
  const list = document.getElementById("terms");

  // Arabic words selected in a sentence, if any
  function selectedArabic() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.anchorNode) return "";
    const node = sel.anchorNode.nodeType === 1 ? sel.anchorNode : sel.anchorNode.parentElement;
    return node && node.closest(".src") ? String(sel).trim() : "";
  }

  function open(prefill) {
    form.reset();
    error.hidden = true;
    source.value = prefill || "";
    dialog.showModal();
    (source.value ? target : source).focus();
  }

  if (dialog && template && list) {
    const button = template.content.firstElementChild.cloneNode(true);
    const heading = list.closest("section").querySelector("h2");
    const head = el("div", { className: "terms-head" });
    heading.replaceWith(head);
    head.append(heading, button);
    let picked = "";
    // the selection is read before the click can move it
    button.addEventListener("pointerdown", () => { picked = selectedArabic(); });
    button.addEventListener("click", () => { open(picked || selectedArabic()); picked = ""; });

    document.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.code === "KeyG" && !dialog.open) {
        e.preventDefault();
        open(selectedArabic());
      }
    });
    // keys typed in the dialog are the dialog's: Ctrl+Enter must not confirm the sentence behind it
    dialog.addEventListener("keydown", (e) => e.stopPropagation());
    document.getElementById("propose-cancel").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      const active = editor.active();
      if (active) editor.field(active).focus();
    });

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { source: source.value.trim(), target: target.value.trim(), notes: notes.value.trim() };
      if (!body.source || !body.target) {
        error.textContent = "A term needs the Arabic and the English.";
        error.hidden = false;
        (body.source ? target : source).focus();
        return;
      }
      try {
        const data = await api("POST", "/glossary/", body);
        dialog.close();
        editor.say(data.message);
        poll(); // a new term (or proposal) is in the glossary: show it now
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      }
    });
  }

  // after editor.js has activated the first row (both scripts are deferred)
  document.addEventListener("DOMContentLoaded", () => poll());
})();
