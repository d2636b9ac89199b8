// The editor follows the document live: the drafts as they are stored while the document is
// drafted (the page opens at once and fills its rows in), then what others change while the
// page is open (their sentences, the stage, this user's rights), read-only mode when the
// rights go, and the leave warning. Built on editor.js's internals (tm.editor.internal).
"use strict";

(function () {
  const editor = window.tm.editor;
  if (!editor) return;
  const { api, el } = window.tm;
  const { docId, rows, field, apply, save, say } = editor;
  const { internal } = editor;
  const { workspace, conflicts, timers, stored, dirty, markUnsaved, refreshProgress, readOnlySay } = internal;

  // -- live: the drafts as they come, then what others change -------------------------------
  // The document is asked for every DRAFT_MS while it is drafted, then every POLL_MS, only while
  // the tab is visible (and at once when it becomes visible again). Drafts do not change a
  // sentence's version: one has come when the English or origin the server has differs at the
  // version the row shows; it fills the row unless the box holds text the server does not have
  // (typed, its autosave under way), which always wins (and the server never puts a draft over
  // a sentence a person saved). A change by a person is a newer version: it is drawn unless the
  // box holds unsaved text, then the conflict view shows theirs beside it. A change of stage or
  // of this user's rights is drawn too: the header, and read-only (text typed and not saved
  // stays in its box) or writable.
  const POLL_MS = 10000;
  const DRAFT_MS = 500;
  let drafting = workspace.dataset.drafting === "1";
  let stopped = false; // drafting stopped or failed while the page was open: its section shows
  let pollTimer = null;
  let polling = false;
  let again = false;
  let liftTimer = null;

  function schedulePoll() {
    clearTimeout(pollTimer);
    pollTimer = document.hidden ? null : setTimeout(poll, drafting ? DRAFT_MS : POLL_MS);
  }

  async function poll() {
    clearTimeout(pollTimer);
    if (document.hidden) return; // visibilitychange starts it again
    if (polling) { again = true; return; }
    if (internal.writing) { schedulePoll(); return; } // a save is under way: skip this round
    polling = true;
    const sent = internal.written;
    try {
      // only what the rows draw (not the Arabic, matches or drafts); while drafting, only the
      // sentences that have their draft
      const doc = await api("GET", `/api/documents/${docId}?rows=1`);
      // a change sent meanwhile may be in this answer or not: ask again next round
      if (!internal.writing && internal.written === sent) await live(doc);
    } catch (e) {
      // offline, restarting or logged out: keep the page (and its text) and ask again later
    } finally {
      polling = false;
      if (again) { again = false; poll(); } else schedulePoll();
    }
  }

  // The server says this user may no longer write (the document went to review, was marked
  // done, or was reassigned): go read-only at once, keep the text in its box as not saved.
  function refused(row, message) {
    if (row) markUnsaved(row, true);
    setWritable(false, message);
    poll();
  }

  // a short highlight of rows that changed, all in one layout (a batch of drafts may be hundreds)
  function flashRows(list) {
    if (!list.length) return;
    list.forEach((row) => row.classList.remove("live-changed"));
    void workspace.offsetWidth; // restart the animation
    list.forEach((row) => row.classList.add("live-changed"));
    setTimeout(() => list.forEach((row) => row.classList.remove("live-changed")), 3000);
  }

  const number = (row) => Number(row.dataset.idx) + 1;
  const sentences = (list, Cap) => `${Cap ? "S" : "s"}entence${list.length > 1 ? "s" : ""} ${list.map(number).join(", ")}`;
  const lines = (text) => (text || "").replace(/\r\n?/g, "\n");

  // A row waiting for its draft: a muted "Drafting…" in its empty box and "…" for its origin.
  function stopWaiting(row) {
    if (!row.classList.contains("waiting")) return;
    row.classList.remove("waiting");
    field(row).removeAttribute("placeholder");
    const badge = row.querySelector(".badge");
    if (badge.textContent === "…") { // no draft came (yet): the badge of a sentence without one
      badge.textContent = "—";
      badge.title = "none";
    }
  }

  async function live(doc) {
    const drawn = [];
    const clashed = [];
    const drafted = [];
    internal.batch(() => doc.segments.forEach((seg) => {
      const row = document.getElementById(`seg-${seg.idx}`);
      if (!row) return;
      if (conflicts.has(row)) { // already choosing: show the newest of theirs
        if (seg.version > Number(row.dataset.conflict)) internal.showConflict(row, seg);
        return;
      }
      const version = Number(row.dataset.version);
      if (seg.version < version) return;
      stopWaiting(row); // it has its draft, or none will come
      if (seg.version === version) { // a draft, if anything: drafts keep the version
        const came = lines(seg.target) !== stored(row) || seg.origin !== row.querySelector(".badge").title;
        if (!came || dirty(row)) return; // the translator's text stays, and its save keeps it
        apply(seg, false);
        drafted.push(row);
        return;
      }
      if (dirty(row)) {
        clearTimeout(timers.get(row));
        timers.delete(row);
        if (field(row).value === seg.target) { apply(seg, true); return; } // the same English
        internal.showConflict(row, seg);
        clashed.push(row);
        return;
      }
      apply(seg, false);
      drawn.push(row);
    }));
    flashRows(drafted.concat(drawn));
    if (clashed.length) {
      say(`Someone else changed ${sentences(clashed)} while you were typing: your text is kept, choose in its row.`, true);
    } else if (drawn.length) {
      const one = drawn.length === 1 && doc.segments.find((s) => s.idx === Number(drawn[0].dataset.idx));
      say(`${sentences(drawn, true)} changed${one && one.changed_by ? ` by ${one.changed_by}` : ""}.`);
    }
    await followDrafting(doc);
    const canWrite = Boolean(doc.writable); // rights follow the stage, not the drafting
    if (doc.stage !== internal.stage || canWrite !== internal.writable) await rights(doc, canWrite);
  }

  // -- the drafting: its progress in the header, and how it ends -----------------------------

  async function followDrafting(doc) {
    if (doc.status === "translating" && !doc.stuck) {
      showDrafting(doc);
    } else if (doc.status === "failed" || doc.status === "translating") { // failed, or stuck
      if (drafting || !stopped) await showStopped(doc);
    } else if (drafting || stopped) {
      await showDrafted(doc);
    }
  }

  function showDrafting(doc) {
    let bar = document.getElementById("drafting");
    if (!drafting || !bar) { // drafted again while the page is open (the rows keep their drafts meanwhile)
      drafting = true;
      stopped = false;
      document.querySelectorAll("#drafting-stopped").forEach((n) => n.remove());
      if (!bar) {
        bar = el("span", { id: "drafting", className: "drafting", role: "status" },
          el("strong", { text: "Drafting:" }), " ",
          el("progress", { id: "draft-progress" }), " ",
          el("span", { id: "draft-count" }));
        document.getElementById("doc-progress").before(bar);
        say("The document is being drafted again: each sentence you have not saved gets its new draft.");
      }
    }
    const progress = document.getElementById("draft-progress");
    progress.max = Math.max(1, doc.total);
    progress.value = doc.progress;
    const count = `${doc.progress} of ${doc.total} sentence${doc.total === 1 ? "" : "s"}`;
    const text = document.getElementById("draft-count");
    if (text.textContent !== count) text.textContent = count;
  }

  function endDrafting() {
    drafting = false;
    document.querySelectorAll("#drafting").forEach((n) => n.remove());
    rows.forEach(stopWaiting);
  }

  // the note the drafting left on the document (MT failed, why it failed), as the page shows it
  function showNote(text) {
    let note = document.getElementById("doc-note");
    if (!text) { if (note) note.remove(); return; }
    if (!note) {
      note = el("div", { className: "flash warn", role: "status", id: "doc-note" });
      (document.getElementById("drafting-stopped") || workspace).before(note);
    }
    note.textContent = text;
  }

  // What the page leaves out while drafts are made (find and replace, _editor_tools.html and its
  // script), taken from the page as the server draws it now: it works without a reload.
  async function addTools() {
    if (document.getElementById("find-dialog") || !internal.writable) return;
    const page = await freshPage();
    const button = page && page.getElementById("find-open");
    const dialog = page && page.getElementById("find-dialog");
    const script = page && Array.from(page.querySelectorAll("script[src]")).find((s) => /\/editor-find\.js\b/.test(s.getAttribute("src")));
    if (!button || !dialog || !script || document.getElementById("find-dialog")) return;
    document.getElementById("help-toggle").before(document.importNode(button, true), document.importNode(dialog, true));
    document.body.append(el("script", { src: script.getAttribute("src") })); // a parsed page's scripts do not run
  }

  async function showDrafted(doc) {
    endDrafting();
    stopped = false;
    document.querySelectorAll("#drafting-stopped").forEach((n) => n.remove());
    showNote(doc.note);
    const bare = rows.filter((row) => !field(row).value.trim()).length;
    if (doc.note) say(`Drafting finished: ${doc.note}`, true);
    else if (bare) say(`Drafting finished: ${bare} sentence${bare === 1 ? " has" : "s have"} no draft.`);
    else say("Drafting finished: every sentence has its draft.");
    await addTools();
  }

  // Drafting stopped (its job was lost) or failed: the page's section for it, with its button
  // to draft again, above the rows (what was typed stays, and saves, meanwhile).
  async function showStopped(doc) {
    endDrafting();
    stopped = true;
    const page = await freshPage();
    const fresh = page && page.querySelector("#drafting-stopped");
    const failed = doc.status === "failed";
    const section = fresh ? document.importNode(fresh, true) : el("section", { id: "drafting-stopped", className: "empty" },
      el("h2", { text: failed ? "Drafting failed" : "Drafting stopped" }),
      el("p", { text: "Reload the page to draft it again." }));
    section.classList.add("in-editor");
    section.setAttribute("role", "alert");
    document.querySelectorAll("#drafting-stopped").forEach((n) => n.remove());
    workspace.before(section);
    showNote(doc.note);
    say(`Drafting ${failed ? "failed" : "stopped"}: the sentences without a draft stay empty; you can draft again above the sentences.`, true);
  }

  // The page as the server draws it now: the header's stage, its buttons and the read-only
  // reason are not in the JSON (who may move the document where is the server's to say).
  async function freshPage() {
    try {
      const res = await fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!res.ok) return null;
      return new DOMParser().parseFromString(await res.text(), "text/html");
    } catch (e) {
      return null;
    }
  }

  // (from -> to) the moves the header can offer; without the fresh page only these may stay
  const MOVES = { new: ["translating", "in review"], translating: ["in review"], "in review": ["translating", "done"], done: ["translating"] };

  function drawWorkflow(page) {
    const bar = document.querySelector(".doc-workflow");
    if (!bar) return;
    const fresh = page && page.querySelector(".doc-workflow");
    if (fresh) { // the stage line and the move buttons; the Assign form (maybe open) stays
      const keep = bar.querySelector(":scope > details");
      bar.querySelectorAll(":scope > span, :scope > form").forEach((n) => n.remove());
      fresh.querySelectorAll(":scope > span, :scope > form").forEach((n) => {
        const node = document.importNode(n, true);
        if (keep) keep.before(node); else bar.append(node);
      });
      return;
    }
    const strong = bar.querySelector("strong");
    if (strong) strong.textContent = internal.stage;
    bar.querySelectorAll(":scope > form").forEach((f) => {
      const to = f.querySelector("input[name=stage]");
      if (!to || !(MOVES[internal.stage] || []).includes(to.value)) f.remove();
    });
  }

  async function rights(doc, canWrite) {
    const moved = doc.stage !== internal.stage;
    internal.stage = doc.stage;
    workspace.dataset.stage = internal.stage;
    const page = await freshPage();
    drawWorkflow(page);
    const why = page && page.querySelector("#read-only");
    const reason = why ? why.textContent.trim() : "";
    setWritable(canWrite, reason);
    refreshProgress();
    if (moved && canWrite) say(`The document is ${internal.stage} now.`);
  }

  function showNotice(text, kind) {
    let bar = document.getElementById("read-only");
    if (!bar) {
      bar = el("div", { className: "notice", role: "status", id: "read-only" });
      const head = document.querySelector(".doc-workflow");
      if (head) head.after(bar); else workspace.before(bar);
    }
    bar.textContent = text;
    bar.className = `notice live-notice ${kind}`;
    bar.hidden = false;
  }

  function readOnlyText(reason) {
    const why = (reason || "").replace(/^read only:\s*/i, "").replace(/;.*$/, "");
    const kept = rows.filter(dirty);
    return `Read only now: this document is ${internal.stage || "no longer yours to change"}${why ? ` (${why})` : ""}; `
      + "you can read it but not change it here."
      + (kept.length
        ? ` Your text in ${sentences(kept)} is not saved: it stays in its box, marked “not saved” — copy it before you leave.`
        : " Everything you typed was saved.");
  }

  function setWritable(on, reason) {
    clearTimeout(liftTimer);
    if (on === internal.writable) {
      if (!on) showNotice(readOnlyText(reason), "read-only-now");
      return;
    }
    internal.writable = on;
    workspace.dataset.writable = on ? "1" : "0";
    workspace.classList.toggle("read-only-live", !on);
    rows.forEach((row) => { field(row).readOnly = !on; });
    const find = document.getElementById("find-open");
    if (find) find.hidden = !on;
    const dialog = document.getElementById("find-dialog");
    if (!on && dialog && dialog.open) dialog.close();
    if (!on) {
      rows.forEach((row) => {
        if (timers.has(row)) { clearTimeout(timers.get(row)); timers.delete(row); }
        if (dirty(row)) markUnsaved(row, true);
      });
      showNotice(readOnlyText(reason), "read-only-now");
      say("Read only now: nothing you typed is dropped.", true);
    } else {
      // what could not be saved while read-only is saved now (a newer version shows a conflict)
      const waiting = rows.filter((row) => !conflicts.has(row) && row.querySelector(".version-label.unsaved"));
      waiting.forEach((row) => timers.set(row, setTimeout(() => save(row), 700)));
      showNotice(`You can write now: this document is ${internal.stage}.${waiting.length ? ` Your unsaved text in ${sentences(waiting)} is being saved.` : ""}`, "writable-again");
      say("You can write now.");
      liftTimer = setTimeout(() => { if (internal.writable) document.getElementById("read-only").hidden = true; }, 15000);
    }
    const active = editor.active();
    if (active) internal.drawActions(active);
  }
  if (!internal.writable) workspace.classList.add("read-only-live");

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) clearTimeout(pollTimer); else poll();
  });
  schedulePoll();

  // Leaving with text the server does not have asks first (the browser's own question).
  window.addEventListener("beforeunload", (e) => {
    if (!rows.some(dirty)) return;
    e.preventDefault();
    e.returnValue = "Some of your text is not saved."; // older browsers need it set
  });

  // Find and replace is for those who may write (its script checks only when the page loads)
  window.addEventListener("keydown", (e) => {
    if (!internal.writable && (e.ctrlKey || e.metaKey) && e.code === "KeyH") {
      e.preventDefault();
      e.stopPropagation();
      readOnlySay();
    }
  }, true);

  Object.assign(internal, { poll, setWritable, refused });
})();
