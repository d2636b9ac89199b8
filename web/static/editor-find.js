// Find and replace across the document's English: preview every change, choose, then replace.
"use strict";

(function () {
  const ed = window.tm.editor;
  const dialog = document.getElementById("find-dialog");
  if (!ed || !dialog || !ed.writable) return;
  const { api, el } = window.tm;
  const $ = (id) => document.getElementById(id);
  const form = $("find-form");
  const findBox = $("find-text");
  const replaceBox = $("find-replace");
  const summary = $("find-summary");
  const list = $("find-preview");
  const applyButton = $("find-apply");
  const all = $("find-all");
  let previewed = null; // {search, changes}
  let busy = false;

  function search() {
    return {
      find: findBox.value,
      replace: replaceBox.value,
      case: $("find-case").checked,
      whole_words: $("find-words").checked,
      regex: $("find-regex").checked,
    };
  }

  function note(text, bad) {
    summary.textContent = text;
    summary.className = bad ? "find-summary error" : "find-summary muted";
  }

  function open() {
    if (dialog.open) return;
    const selected = String(window.getSelection()).trim();
    const box = ed.active() && ed.field(ed.active());
    const inBox = box && document.activeElement === box ? box.value.slice(box.selectionStart, box.selectionEnd) : "";
    // the words, without the tag characters of chips selected with them
    const word = Array.from(inBox || selected).filter((c) => !window.tm.tags.isTag(c)).join("").trim();
    if (word && !word.includes("\n") && word.length <= 200) findBox.value = word;
    dialog.showModal();
    findBox.focus();
    findBox.select();
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  function checkedBoxes() {
    return Array.from(list.querySelectorAll("input[type=checkbox]:checked"));
  }

  function count() {
    const n = checkedBoxes().length;
    applyButton.textContent = `Replace ${n}`;
    applyButton.disabled = busy || n === 0;
    const boxes = list.querySelectorAll("input[type=checkbox]");
    all.checked = n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
  }

  // text with its spans wrapped in `tag`, as nodes (never HTML)
  function marked(text, spans, tag) {
    const box = el("div", { className: `find-${tag === "ins" ? "after" : "before"}`, dir: "ltr", lang: "en" });
    let pos = 0;
    spans.forEach(([a, b]) => {
      box.append(text.slice(pos, a), el(tag, { text: text.slice(a, b) || "" }));
      pos = b;
    });
    box.append(text.slice(pos));
    return box;
  }

  function show(changes) {
    list.replaceChildren(...changes.map((c) => {
      const id = `find-pick-${c.idx}`;
      const pick = el("input", { type: "checkbox", id, "data-idx": String(c.idx), "data-version": String(c.version) });
      pick.checked = true;
      pick.addEventListener("change", count);
      const head = el("label", { for: id, className: "find-item-head" }, pick, el("strong", { text: `Sentence ${c.idx + 1}` }));
      if (c.unconfirms) head.append(el("span", { className: "pill warn", text: `${c.status} → draft` }));
      const go = el("button", { type: "button", className: "link small", text: "show" });
      go.addEventListener("click", () => { close(); ed.activate(ed.row(c.idx)); });
      head.append(go);
      const table = ed.tagTable(ed.row(c.idx)); // tags show as the sentence's chips
      const before = window.tm.tags.decorate(marked(c.before, c.spans, "del"), table);
      return el("li", { "data-idx": String(c.idx) }, head, before, window.tm.tags.decorate(marked(c.after, c.after_spans, "ins"), table));
    }));
    $("find-select").hidden = changes.length === 0;
    count();
  }

  // Save whatever is still being typed, so the preview works on what the server has.
  async function flushAll() {
    for (const row of ed.rows) {
      if (ed.conflicted(row)) {
        note(`Sentence ${Number(row.dataset.idx) + 1} was changed by someone else: choose Keep mine or Take theirs in its row first.`, true);
        return false;
      }
      if (!(await ed.flush(row))) {
        note(`Sentence ${Number(row.dataset.idx) + 1} could not be saved; try again.`, true);
        return false;
      }
    }
    return true;
  }

  async function preview() {
    const s = search();
    if (!s.find) { note("Type the English to find.", true); findBox.focus(); return; }
    busy = true;
    list.replaceChildren();
    $("find-select").hidden = true;
    count();
    note("Looking…");
    try {
      if (!(await flushAll())) return;
      const data = await api("POST", `/api/documents/${ed.docId}/replace/preview`, s);
      previewed = { search: s, changes: data.changes };
      busy = false;
      show(data.changes);
      if (!data.changes.length) {
        note(`No sentence's English contains “${s.find}”${s.case ? " (matching case)" : ""}.`);
      } else {
        const sentences = data.changes.length === 1 ? "1 sentence" : `${data.changes.length} sentences`;
        const back = data.unconfirms
          ? ` ${data.unconfirms} of them ${data.unconfirms === 1 ? "is" : "are"} confirmed and will go back to draft.`
          : "";
        note(`${data.matches} match${data.matches === 1 ? "" : "es"} in ${sentences}. Untick what should stay.${back}`);
      }
    } catch (e) {
      previewed = null;
      note(e.message, true);
    } finally {
      busy = false;
      count();
    }
  }

  async function replaceChosen() {
    if (!previewed) return;
    const chosen = checkedBoxes().map((b) => ({ idx: Number(b.dataset.idx), version: Number(b.dataset.version) }));
    if (!chosen.length) return;
    busy = true;
    count();
    try {
      const data = await api("POST", `/api/documents/${ed.docId}/replace`, { ...previewed.search, segments: chosen });
      data.segments.forEach((seg) => ed.apply(seg));
      const n = data.segments.length;
      let text = `Replaced in ${n} sentence${n === 1 ? "" : "s"}`;
      if (data.unconfirmed) text += ` (${data.unconfirmed} confirmed ${data.unconfirmed === 1 ? "one is a draft" : "ones are drafts"} again)`;
      text += ".";
      if (data.skipped.length) {
        const which = data.skipped.map((s) => `${s.idx + 1} (${s.reason})`).join(", ");
        busy = false;
        await preview();
        note(`${text} Skipped sentence ${which}: the preview is fresh now.`, true);
        ed.say(`${text} ${data.skipped.length} skipped.`, true);
        return;
      }
      close();
      ed.say(text);
    } catch (e) {
      note(e.message, true);
    } finally {
      busy = false;
      count();
    }
  }

  $("find-open").addEventListener("click", open);
  $("find-close").addEventListener("click", close);
  $("find-cancel").addEventListener("click", close);
  form.addEventListener("submit", (e) => { e.preventDefault(); preview(); });
  applyButton.addEventListener("click", replaceChosen);
  all.addEventListener("change", () => {
    list.querySelectorAll("input[type=checkbox]").forEach((b) => { b.checked = all.checked; });
    count();
  });
  // a changed search makes the preview old: Replace waits for a new one
  [findBox, replaceBox, $("find-case"), $("find-words"), $("find-regex")].forEach((input) => {
    input.addEventListener(input.type === "checkbox" ? "change" : "input", () => {
      if (!previewed) return;
      previewed = null;
      list.replaceChildren();
      $("find-select").hidden = true;
      note("Preview again to see the changes (Enter).");
      count();
    });
  });
  // the editor's keys (Ctrl+Enter confirms, Ctrl+1…9 insert) stay out of the dialog
  dialog.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if ((e.ctrlKey || e.metaKey) && e.code === "KeyH") e.preventDefault(); // not the browser's history
  });
  dialog.addEventListener("click", (e) => { if (e.target === dialog) close(); }); // the backdrop
  dialog.addEventListener("close", () => { const row = ed.active(); if (row) ed.field(row).focus(); });

  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.code === "KeyH") {
      e.preventDefault();
      open();
    }
  });
})();
