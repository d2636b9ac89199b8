// The post-editing grid: keyboard first, autosave, confirm into the memory, tm.editor. Loaded
// (deferred, in this order) after editor-merge.js and editor-field.js (the English box of a
// sentence with tags) and before the scripts split out of it: editor-conflict.js,
// editor-panel.js, editor-review.js, editor-live.js and editor-tags.js (see `internal`).
"use strict";

(function () {
  const { api, el, tags } = window.tm;
  const workspace = document.getElementById("workspace");
  if (!workspace) return;
  const docId = workspace.dataset.doc;
  const role = workspace.dataset.role;
  const rows = Array.from(document.querySelectorAll(".seg"));
  const toast = document.getElementById("toast");
  const helpToggle = document.getElementById("help-toggle");
  const help = document.getElementById("help");
  let active = null;
  const listeners = { activate: [], apply: [], comment: [] };
  const timers = new Map();
  const conflicts = new Map(); // row -> the segment as someone else saved it

  helpToggle.addEventListener("click", () => {
    help.hidden = !help.hidden;
    helpToggle.setAttribute("aria-expanded", String(!help.hidden));
  });

  function say(text, bad) {
    toast.textContent = text;
    toast.className = bad ? "toast bad" : "toast";
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => { toast.hidden = true; }, bad ? 6000 : 1800);
  }

  // A row's English box: a textarea, or for a sentence with tags a <tm-field> (editor-field.js)
  // that holds them as chips and answers to the same value, selection, focus and input events.
  function field(row) { return row.querySelector(".tgt > tm-field, .tgt > textarea"); }

  // How a confirmed English came to be: the server decides, and gives the words for it (one list)
  const PROVENANCE = JSON.parse(workspace.dataset.provenance || "{}");
  let writable = workspace.dataset.writable === "1"; // follows the server (live state below)
  let stage = workspace.dataset.stage || "";
  const reviewing = role === "reviewer" || role === "admin";
  // a reviewer approves (an admin too while the document is in review): their progress,
  // first sentence and next sentence are the ones not approved yet
  const approving = () => role === "reviewer" || (role === "admin" && stage === "in review");
  const bases = new Map(); // row -> the English as the server last had it (the base of a merge)
  let writing = 0; // changes sent and not answered yet
  let written = 0; // changes sent so far (a poll that overlaps one is not trusted)

  // What the scripts split out of this one build on (the feature scripts use tm.editor's
  // members below): shared state (accessors where it changes), this script's helpers, and the
  // functions those scripts add when they run, before DOMContentLoaded and so before any use:
  //   editor-conflict.js: conflict(row, message), showConflict(row, theirs)
  //   editor-panel.js: showMatches(row), showTerms(row), insertMatch(i), concordance(query)
  //   editor-review.js: showBlocked(row, findings, approve), askReject(row), drawActions(row)
  //   editor-live.js: poll(), setWritable(on, reason), refused(row, message)
  const internal = {
    workspace, reviewing, PROVENANCE, timers, conflicts, bases,
    get stage() { return stage; },
    set stage(value) { stage = value; },
    get writable() { return writable; },
    set writable(value) { writable = value; },
    get writing() { return writing; },
    get written() { return written; },
    write, stored, dirty, markUnsaved, refreshProgress, batch, nextUnconfirmed, confirm, readOnlySay,
    emit(event, ...args) { listeners[event].forEach((fn) => fn(...args)); },
  };

  // every change this script sends goes through here, so that the live poll can stay out of its way
  async function write(method, url, body) {
    writing += 1;
    written += 1;
    try {
      return await api(method, url, body);
    } finally {
      writing -= 1;
    }
  }

  // the English the server has for a row, with its line breaks as a box holds them
  function stored(row) { return (bases.get(row) || "").replace(/\r\n?/g, "\n"); }

  // true when the row holds English the server does not have: a pending autosave, an open
  // conflict, or text that could not be saved (refused, or the network failed)
  function dirty(row) {
    return timers.has(row) || conflicts.has(row) || field(row).value !== stored(row);
  }

  // the "not saved" mark over a box whose text the server refused (or never got)
  function markUnsaved(row, on) {
    const mark = row.querySelector(".version-label.unsaved");
    if (on && !row.querySelector(".version-label.yours")) {
      field(row).before(el("div", { className: "version-label yours unsaved", text: "Yours · not saved" }));
    } else if (!on && mark) {
      mark.remove();
    }
  }

  function drawMeta(row, seg) {
    const prov = row.querySelector(".prov");
    const shown = seg.status !== "draft" && seg.provenance;
    prov.textContent = shown ? PROVENANCE[seg.provenance] || seg.provenance : "";
    prov.hidden = !shown;
    const over = row.querySelector(".override");
    over.hidden = !seg.override;
    over.title = seg.override ? `${seg.override.by} confirmed over: ${seg.override.codes.join(", ")}` : "";
    const rej = row.querySelector(".rejected-note");
    rej.hidden = !seg.rejected_by;
    rej.textContent = seg.rejected_by ? `rejected by ${seg.rejected_by}` : "";
    row.classList.toggle("rejected", Boolean(seg.rejected_by));
    drawOrigin(row, seg);
  }

  // The origin badge (101, 100, 87%, 87% adapted, MT or —, as the server words it: `badge`)
  // and the repetition mark, as the page draws them: a draft that comes while the page is open
  // brings them
  function drawOrigin(row, seg) {
    if (seg.origin === undefined) return;
    const badge = row.querySelector(".badge");
    const text = seg.badge ?? "—";
    if (badge.textContent !== text) badge.textContent = text;
    badge.className = `badge origin-${seg.origin}`;
    badge.title = seg.origin;
    if (seg.repeat_of === undefined) return;
    const repeats = seg.repeat_of === null ? undefined : String(seg.repeat_of);
    if (row.dataset.repeatOf === repeats) return;
    row.querySelectorAll(".meta > .rep").forEach((n) => n.remove());
    if (repeats === undefined) {
      delete row.dataset.repeatOf;
    } else {
      row.dataset.repeatOf = repeats;
      row.querySelector(".meta").append(el("span", { className: "rep muted small", title: `repeats sentence ${seg.repeat_of + 1}`, text: "rep." }));
    }
  }

  // A translation box is as tall as its text (a <tm-field> grows by itself). Where the browser
  // sizes a textarea to its text (field-sizing in app.css) there is nothing to do; elsewhere a
  // box is measured, which costs a layout of the page: at once when its text changes, and when
  // it first comes into view for the rest (see `sizer`), never all the rows one by one.
  const AUTOSIZE = Boolean(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"));
  function fit(box) {
    if (box.tagName !== "TEXTAREA") return;
    if (AUTOSIZE) { // a height set by hand (the resize handle) gives way to the text again
      if (box.style.height) box.style.height = "";
      return;
    }
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight + 2}px`;
  }
  // several boxes in one layout: every write, then every read, then every write
  function fitAll(boxes) {
    const areas = boxes.filter((box) => box.tagName === "TEXTAREA");
    areas.forEach((box) => { box.style.height = "auto"; });
    const heights = areas.map((box) => box.scrollHeight);
    areas.forEach((box, i) => { box.style.height = `${heights[i] + 2}px`; });
  }
  // the Arabic as the server has it: a tag chip is its tag's character
  function sourceText(row) { return tags.read(row.querySelector(".src")); }

  // a QA finding; one about tags names them with the chips the sentence shows
  function qaItem(row, q) {
    const item = el("li", { "data-code": q.code, "data-message": q.message });
    if (q.code.startsWith("tag-")) item.append(...tags.named(q.message, tags.tableOf(row)));
    else item.textContent = q.message;
    return item;
  }

  // a batch of changes (a poll's drafts, hundreds at once) counts the progress once, at its end
  let batching = 0;
  let counted = true;
  function batch(fn) {
    batching += 1;
    try {
      fn();
    } finally {
      batching -= 1;
      if (!batching && !counted) refreshProgress();
    }
  }

  function refreshProgress() {
    counted = !batching;
    if (batching) return;
    const done = approving()
      ? rows.filter((r) => r.dataset.status === "approved").length
      : rows.filter((r) => r.dataset.status !== "draft").length;
    document.getElementById("doc-progress").textContent = `${done} of ${rows.length} ${approving() ? "approved" : "confirmed"}`;
  }

  // Draw what the server says about a segment (status, version, QA); text via textContent only.
  function apply(seg, keepText) {
    const row = document.getElementById(`seg-${seg.idx}`);
    if (!row) return;
    if (conflicts.has(row) && !keepText) { // the box holds unsaved work: show the news as theirs
      internal.showConflict(row, seg);
      return;
    }
    row.dataset.version = seg.version;
    row.dataset.status = seg.status;
    if (seg.tags) row.dataset.tags = JSON.stringify(seg.tags);
    bases.set(row, seg.target);
    drawMeta(row, seg);
    row.className = row.className.replace(/status-\w+/, `status-${seg.status}`);
    row.querySelector(".status").textContent = seg.status;
    if (!keepText) {
      field(row).value = seg.target;
      fit(field(row));
    }
    const qa = row.querySelector("ul.qa");
    qa.replaceChildren(...seg.qa.map((q) => qaItem(row, q)));
    if (!conflicts.has(row) && !dirty(row)) markUnsaved(row, false);
    refreshProgress();
    listeners.apply.forEach((fn) => fn(row, seg));
  }

  // Save the box as a draft; true when saved. A conflict keeps the text and shows both versions.
  async function save(row, version) {
    timers.delete(row);
    const idx = row.dataset.idx;
    try {
      const data = await write("PUT", `/api/documents/${docId}/segments/${idx}`, {
        target: field(row).value,
        version: version === undefined ? Number(row.dataset.version) : version,
      });
      apply(data.segment, true);
      if (stage === "new") internal.poll(); // the first change starts the translation: the header follows
      return true;
    } catch (e) {
      if (e.status === 409) await internal.conflict(row, e.message);
      else if (e.status === 403) internal.refused(row, e.message);
      else say(`Not saved: ${e.message}`, true);
      return false;
    }
  }

  // true when the row has nothing unsaved
  async function flush(row) {
    if (row.dataset.conflict) return false;
    if (timers.has(row)) {
      clearTimeout(timers.get(row));
      return save(row);
    }
    return true;
  }

  // the next sentence still to do: a draft, or for an approval one not approved yet; `done`
  // (optional) tells which others to pass over as if they were done already
  const toDo = (row, approve) => (approve ? row.dataset.status !== "approved" : row.dataset.status === "draft");
  function nextUnconfirmed(from, approve, done) {
    const start = rows.indexOf(from);
    for (let k = 1; k <= rows.length; k += 1) {
      const row = rows[(start + k) % rows.length];
      if (row !== from && toDo(row, approve) && !row.hidden && !(done && done(row))) return row;
    }
    return null;
  }

  function readOnlySay() {
    say("This document is read only for you now; see the note above the sentences.", true);
  }

  // Findings of the kinds that stop a confirm (tm/qa.py BLOCKING), and Arabic script, which in
  // the English is one of them (left in it, or the source copied over)
  const BLOCKING = new Set(JSON.parse(workspace.dataset.blocking || "[]"));
  const ARABIC = /[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]/;
  // true when the server will likely refuse to confirm this English: it has Arabic in it, or it
  // is the English the server has and the findings the row shows for it include a blocking one
  function likelyRefused(row, target, override) {
    if (override) return false;
    if (ARABIC.test(target)) return true;
    return target === stored(row) && Array.from(row.querySelectorAll("ul.qa li")).some((li) => BLOCKING.has(li.dataset.code));
  }
  // the repetitions of a sentence the server fills in with its English when it is confirmed:
  // drafts of the same sentence (repeat-of names the first one), not sent back, not typed in
  const group = (row) => row.dataset.repeatOf || row.dataset.idx;
  const filledWith = (row) => (other) => other !== row && group(other) === group(row)
    && other.dataset.status === "draft" && !other.classList.contains("rejected") && !dirty(other);

  // Confirm (or approve) a sentence and go to the next one to do. The next one is active at
  // once, while the server writes the confirm into the memory, unless the server will likely
  // refuse it (then the page waits for its answer, and the sentence stays active with the
  // reason). Should the server refuse a confirm the page did not wait for (QA of text typed
  // since the last save, someone else's change, the rights), the sentence becomes active
  // again with the reason, unless the translator has begun typing in the next one; and should
  // the next one to do turn out to be another (a repetition filled in, or not), the page goes
  // there, again unless the translator has begun on the one it guessed.
  async function confirm(row, approve, override) {
    if (!writable) { readOnlySay(); return; }
    if (row.dataset.conflict) {
      say("Someone else changed this sentence: choose Keep mine, Take theirs or Merge first.", true);
      return;
    }
    const target = field(row).value;
    const flushed = flush(row); // the save of what was typed since the last one, first
    if (!target.trim()) {
      if (await flushed) say("Type a translation first.", true);
      return;
    }
    let answered;
    const settled = new Promise((resolve) => { answered = resolve; });
    const guess = likelyRefused(row, target, override) ? null : nextUnconfirmed(row, approve, filledWith(row));
    if (guess) activate(guess, false, settled); // its memory matches are looked up after the confirm
    const untouched = () => guess && active === guess && !dirty(guess);
    const back = () => { if (untouched()) activate(row); };
    try {
      if (!(await flushed)) { back(); return; }
      row.querySelectorAll(".blocked").forEach((n) => n.remove());
      const version = Number(row.dataset.version);
      const data = await write("POST", `/api/documents/${docId}/segments/${row.dataset.idx}/confirm`, {
        target,
        version,
        approve,
        override: Boolean(override),
      });
      data.segments.forEach((s) => apply(s, s.idx === Number(row.dataset.idx)));
      const also = data.segments.length - 1;
      // the server wrote nothing when what it had was confirmed (approved) already, as sent
      if (data.segments[0].version === version && !also) say(`Already ${approve ? "approved" : "confirmed"}: nothing changed.`);
      else say(`${approve ? "Approved" : "Confirmed"} and saved in the memory${also ? ` (+${also} repetition${also > 1 ? "s" : ""})` : ""}.`);
      const next = nextUnconfirmed(row, approve);
      if (!guess) {
        if (next) activate(next);
      } else if (next !== guess && untouched()) {
        activate(next || row);
      }
      if (stage === "new") internal.poll();
    } catch (e) {
      back();
      if (e.status === 409) await internal.conflict(row, e.message);
      else if (e.status === 422) internal.showBlocked(row, e.data.qa || [], approve);
      else if (e.status === 403) internal.refused(null, e.message);
      else say(e.message, true);
    } finally {
      answered();
    }
  }

  async function revert(row) {
    if (!writable) { readOnlySay(); return; }
    if (row.dataset.conflict) {
      say("Someone else changed this sentence: choose Keep mine or Take theirs first.", true);
      return;
    }
    clearTimeout(timers.get(row));
    timers.delete(row);
    try {
      const data = await write("POST", `/api/documents/${docId}/segments/${row.dataset.idx}/revert`, {
        version: Number(row.dataset.version),
      });
      apply(data.segment, false);
      say("Back to the draft.");
    } catch (e) {
      if (e.status === 409) await internal.conflict(row, e.message);
      else if (e.status === 403) internal.refused(null, e.message);
      else say(e.message, true);
    }
  }

  // Esc on a confirmed or approved sentence asks in its row first: Enter puts the draft
  // back, Esc (or leaving the bar) keeps the English.
  function askRevert(row) {
    if (!writable) { readOnlySay(); return; }
    if (row.classList.contains("waiting") && !bases.get(row)) { // no draft yet, nothing saved
      clearTimeout(timers.get(row));
      timers.delete(row);
      field(row).value = "";
      fit(field(row));
      say("Its draft is still to come: it fills the box when it does.");
      return;
    }
    if (row.dataset.status === "draft" || row.dataset.conflict) { revert(row); return; }
    if (row.querySelector(".ask")) return;
    const yes = el("button", { type: "button", className: "primary", text: "Back to the draft (Enter)" });
    const no = el("button", { type: "button", text: "Keep it (Esc)" });
    const bar = el(
      "div",
      { className: "ask", role: "alertdialog", "aria-label": "Replace the English with the draft?" },
      el("span", { text: `This sentence is ${row.dataset.status}. Replace its English with the draft?` }),
      yes,
      no,
    );
    let open = true;
    const close = (back) => {
      if (!open) return;
      open = false;
      if (back) field(row).focus(); // before the removal, which would drop the focus on the page
      bar.remove();
    };
    yes.addEventListener("click", () => { close(true); revert(row); });
    no.addEventListener("click", () => close(true));
    bar.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        close(true);
      }
    });
    bar.addEventListener("focusout", (e) => { if (!bar.contains(e.relatedTarget)) close(false); });
    field(row).after(bar);
    yes.focus();
  }

  // `after`: a promise to look the memory matches up after (a confirm under way)
  function activate(row, keepFocus, after) {
    if (active === row) return;
    if (active) {
      active.classList.remove("active");
      flush(active);
    }
    active = row;
    row.classList.add("active");
    row.scrollIntoView({ block: "nearest" });
    if (!keepFocus) field(row).focus();
    internal.showMatches(row, after);
    internal.showTerms(row);
    internal.drawActions(row);
    listeners.activate.forEach((fn) => fn(row));
  }

  const grid = document.getElementById("grid");
  rows.forEach((row) => {
    bases.set(row, field(row).value);
    if (row.dataset.tags) { // the server wrote its QA as text: name the tags as chips
      row.querySelectorAll("ul.qa li").forEach((li) => li.replaceWith(qaItem(row, { code: li.dataset.code, message: li.textContent })));
    }
  });
  if (!AUTOSIZE && "IntersectionObserver" in window) {
    const sizer = new IntersectionObserver((entries) => {
      const seen = entries.filter((e) => e.isIntersecting).map((e) => e.target);
      seen.forEach((row) => sizer.unobserve(row));
      fitAll(seen.map(field));
    }, { root: grid, rootMargin: "600px 0px" });
    rows.forEach((row) => sizer.observe(row));
  } else if (!AUTOSIZE) {
    fitAll(rows.map(field));
  }

  // One listener of each kind for all the rows (a document may have thousands): the focus of a
  // box makes its row active; typing saves it as a draft a moment later. The input listener
  // captures, so that it also hears the input events the editor sends to a box (they do not bubble).
  const boxOf = (target) => {
    const row = target.closest && target.closest(".seg");
    return row && field(row) === target ? row : null;
  };
  grid.addEventListener("focusin", (e) => {
    const row = boxOf(e.target);
    if (row) activate(row, true);
  });
  grid.addEventListener("input", (e) => {
    const row = boxOf(e.target);
    if (!row) return;
    fit(e.target);
    if (row.dataset.conflict) return; // nothing saves until the user chooses
    clearTimeout(timers.get(row));
    timers.set(row, setTimeout(() => save(row), 700));
  }, true);
  // a click on the Arabic (or anywhere in the row) keeps the typing in the English; a
  // selection of Arabic words stays for Ctrl+K, and the next typed letter goes to the box
  grid.addEventListener("click", (e) => {
    const row = e.target.closest(".seg");
    if (!row || e.target.closest("textarea, tm-field, button, a, input, select, .ask, .conflict")) return;
    const sel = window.getSelection();
    const selecting = sel && !sel.isCollapsed && row.contains(sel.anchorNode);
    if (active !== row) activate(row, selecting);
    else if (!selecting) field(row).focus();
  });

  document.addEventListener("keydown", (e) => {
    if (!active || e.defaultPrevented) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const typing = e.key.length === 1 && !ctrl && !e.altKey;
    if (typing && !e.target.closest("input, textarea, select, button, a, [contenteditable]")) {
      field(active).focus(); // the letter lands in the box, not on the page
      return;
    }
    const digit = /^Digit([1-9])$/.exec(e.code);
    if (ctrl && e.key === "Enter") {
      e.preventDefault();
      const approve = role === "reviewer" || (role === "admin" && e.shiftKey);
      confirm(active, approve);
    } else if (e.altKey && !ctrl && e.code === "KeyR" && reviewing && writable) {
      e.preventDefault();
      internal.askReject(active);
    } else if (ctrl && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      const visible = rows.filter((r) => !r.hidden);
      const i = visible.indexOf(active);
      const next = visible[e.key === "ArrowDown" ? i + 1 : i - 1];
      if (next) activate(next);
    } else if (ctrl && e.shiftKey && e.code === "KeyC") {
      e.preventDefault();
      if (!writable) { readOnlySay(); return; }
      const box = field(active);
      box.value = sourceText(active);
      box.dispatchEvent(new Event("input"));
    } else if (e.key === "Escape" && document.activeElement === field(active)) {
      e.preventDefault();
      askRevert(active);
    } else if ((ctrl || e.altKey) && digit) {
      e.preventDefault();
      internal.insertMatch(Number(digit[1]) - 1);
    } else if (ctrl && e.code === "KeyK") {
      e.preventDefault();
      const selected = String(window.getSelection()).trim();
      internal.concordance(selected || undefined);
      if (!selected) document.getElementById("concordance-q").focus();
    }
  });

  // show all sentences, the unconfirmed ones, or those with QA warnings
  const filter = document.getElementById("row-filter");
  function applyFilter() {
    rows.forEach((row) => {
      const open = row.dataset.status === "draft";
      const warned = row.querySelector("ul.qa li") !== null;
      row.hidden = (filter.value === "open" && !open) || (filter.value === "qa" && !warned)
        || (filter.value === "rejected" && !row.classList.contains("rejected"))
        || (filter.value === "unapproved" && row.dataset.status === "approved");
    });
  }
  filter.addEventListener("change", applyFilter);

  // What the feature scripts (comments, terms, history, find and replace) build on; they load
  // after this one and register with on(). Text always goes in through textContent.
  // `internal` is for the scripts split out of this one (see above).
  window.tm.editor = {
    docId,
    role,
    get writable() { return writable; }, // live: it follows the document's stage
    rows,
    row: (idx) => document.getElementById(`seg-${idx}`),
    active: () => active,
    field,
    textarea: field, // its name before sentences had tags
    tagTable: (row) => tags.tableOf(row),
    qaItem,
    sourceText,
    apply,
    activate,
    save,
    flush,
    say,
    fit,
    showTerms: (row) => internal.showTerms(row),
    conflicted: (row) => Boolean(row.dataset.conflict),
    merge3: window.tm.merge3,
    on(event, fn) { listeners[event].push(fn); },
    internal,
  };

  refreshProgress();
  const first = rows.find((r) => toDo(r, approving())) || rows[0];
  // after the feature scripts have registered (they are deferred like this one)
  document.addEventListener("DOMContentLoaded", () => {
    if (first) activate(first);
    performance.mark("tm-editor-ready"); // bench/editor.py times the page up to here
  });
})();
