// The editor's conflict view: someone else changed a sentence that holds unsaved text here.
// Theirs is shown beside ours and nothing is lost until the user chooses: Keep mine, Take
// theirs or Merge. Built on editor.js's internals (tm.editor.internal); text via textContent.
"use strict";

(function () {
  const editor = window.tm.editor;
  if (!editor) return;
  const { api, el, merge3 } = window.tm;
  const { docId, field, apply, save, say, fit } = editor;
  const { decorate } = window.tm.tags;
  const { conflicts, bases } = editor.internal;

  function when(stamp) {
    const t = new Date(stamp || "");
    return Number.isNaN(t.getTime()) ? "" : t.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  }

  function closeConflict(row) {
    conflicts.delete(row);
    delete row.dataset.conflict;
    row.classList.remove("conflicted");
    row.querySelectorAll(".conflict, .yours").forEach((n) => n.remove());
  }

  // A save was refused because the sentence changed: fetch theirs and show it beside the box.
  async function conflict(row, message) {
    let theirs;
    try {
      const data = await api("GET", `/api/documents/${docId}`);
      theirs = data.segments.find((s) => s.idx === Number(row.dataset.idx));
    } catch (e) {
      theirs = null;
    }
    if (!theirs) {
      say(`${message} Your text is still in the box; copy it before you reload.`, true);
      return;
    }
    if (theirs.target === field(row).value) { // the same English: nothing to choose
      closeConflict(row);
      apply(theirs, true);
      return;
    }
    showConflict(row, theirs);
    say(`Someone else changed sentence ${Number(row.dataset.idx) + 1}: your text is kept, choose in its row.`, true);
  }

  function showConflict(row, theirs) {
    const fresh = !conflicts.has(row);
    conflicts.set(row, theirs);
    row.dataset.conflict = String(theirs.version);
    row.classList.add("conflicted");
    const by = [theirs.changed_by, when(theirs.changed_at)].filter(Boolean).join(", ");
    const mine = el("button", { type: "button", className: "primary", "data-act": "keep-mine", text: "Keep mine" });
    const take = el("button", { type: "button", "data-act": "take-theirs", text: "Take theirs" });
    const join = el("button", { type: "button", "data-act": "merge", text: "Merge" });
    mine.addEventListener("click", () => keepMine(row));
    take.addEventListener("click", () => takeTheirs(row));
    join.addEventListener("click", () => mergeInto(row));
    const view = el(
      "div",
      { className: "conflict", role: "group", "aria-label": `Sentence ${Number(row.dataset.idx) + 1} was changed by someone else` },
      el("p", { className: "conflict-head", text: `Someone else changed this sentence${by ? ` (${by})` : ""}. Your text stays in the box until you choose.` }),
      el("div", { className: "version-label", text: `Theirs · ${theirs.status}` }),
      decorate(el("p", { className: "theirs", dir: "ltr", lang: "en", text: theirs.target || "(empty)" }), editor.tagTable(row)),
      el("div", { className: "conflict-actions" }, mine, take, join,
        el("span", { className: "muted small", text: "Merge puts both changes in the box; Keep mine then saves it." })),
    );
    const old = row.querySelector(".conflict");
    const hadFocus = old && old.contains(document.activeElement);
    if (old) old.replaceWith(view); else field(row).after(view);
    if (fresh) row.querySelectorAll(".version-label.yours").forEach((n) => n.remove());
    if (fresh) field(row).before(el("div", { className: "version-label yours", text: "Yours · not saved" }));
    if (hadFocus) mine.focus();
  }

  async function keepMine(row) {
    if (await save(row, Number(row.dataset.conflict))) {
      closeConflict(row);
      say("Your text is saved over theirs.");
      field(row).focus();
    }
  }

  function mergeInto(row) {
    const theirs = conflicts.get(row);
    const box = field(row);
    const result = merge3(bases.get(row) || "", box.value, theirs.target);
    box.value = result.text;
    fit(box);
    box.focus();
    say(result.overlaps
      ? `Merged; ${result.overlaps} place${result.overlaps > 1 ? "s" : ""} where you both changed the same words keep yours. Check it, then Keep mine saves it.`
      : "Both changes are in the box. Check it, then Keep mine saves it.", Boolean(result.overlaps));
  }

  function takeTheirs(row) {
    const theirs = conflicts.get(row);
    closeConflict(row);
    apply(theirs, false);
    say("Their text is in the box.");
    field(row).focus();
  }

  Object.assign(editor.internal, { conflict, showConflict });
})();
