// The editor follows the document live: the drafting progress, then what others change while
// the page is open (their sentences, the stage, this user's rights), read-only mode when the
// rights go, and the leave warning. Built on editor.js's internals (tm.editor.internal).
"use strict";

(function () {
  // While drafts are being made: follow the progress, then open the grid.
  const drafting = document.getElementById("drafting");
  if (drafting) {
    const bar = document.getElementById("draft-progress");
    window.tm.follow(`/api/documents/${drafting.dataset.doc}`, 700, (doc) => {
      bar.value = doc.progress;
      const finished = doc.status !== "translating" || doc.stuck;
      if (finished) window.location.reload();
      return finished;
    });
    return;
  }

  const editor = window.tm.editor;
  if (!editor) return;
  const { api, el } = window.tm;
  const { docId, rows, field, apply, save, say } = editor;
  const { internal } = editor;
  const { workspace, conflicts, timers, dirty, markUnsaved, refreshProgress, readOnlySay } = internal;

  // -- live: what others change while the page is open --------------------------------------
  // The document is asked for every POLL_MS while the tab is visible (at once when it becomes
  // visible again). Newer sentences are drawn unless the box holds unsaved text: then the
  // conflict view shows theirs beside it. A change of stage or of this user's rights is drawn
  // too: the header, and read-only (text typed and not saved stays in its box) or writable.
  const POLL_MS = 10000;
  let pollTimer = null;
  let polling = false;
  let again = false;
  let liftTimer = null;

  function schedulePoll() {
    clearTimeout(pollTimer);
    pollTimer = document.hidden ? null : setTimeout(poll, POLL_MS);
  }

  async function poll() {
    clearTimeout(pollTimer);
    if (document.hidden) return; // visibilitychange starts it again
    if (polling) { again = true; return; }
    if (internal.writing) { schedulePoll(); return; } // a save is under way: skip this round
    polling = true;
    const sent = internal.written;
    try {
      const doc = await api("GET", `/api/documents/${docId}`);
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

  function flashRow(row) {
    row.classList.remove("live-changed");
    void row.offsetWidth; // restart the animation
    row.classList.add("live-changed");
    setTimeout(() => row.classList.remove("live-changed"), 3000);
  }

  const number = (row) => Number(row.dataset.idx) + 1;
  const sentences = (list, Cap) => `${Cap ? "S" : "s"}entence${list.length > 1 ? "s" : ""} ${list.map(number).join(", ")}`;

  async function live(doc) {
    const drawn = [];
    const clashed = [];
    (doc.status === "ready" ? doc.segments : []).forEach((seg) => {
      const row = document.getElementById(`seg-${seg.idx}`);
      if (!row) return;
      if (conflicts.has(row)) { // already choosing: show the newest of theirs
        if (seg.version > Number(row.dataset.conflict)) internal.showConflict(row, seg);
        return;
      }
      if (seg.version <= Number(row.dataset.version)) return;
      if (dirty(row)) {
        clearTimeout(timers.get(row));
        timers.delete(row);
        if (field(row).value === seg.target) { apply(seg, true); return; } // the same English
        internal.showConflict(row, seg);
        clashed.push(row);
        return;
      }
      apply(seg, false);
      flashRow(row);
      drawn.push(row);
    });
    if (clashed.length) {
      say(`Someone else changed ${sentences(clashed)} while you were typing: your text is kept, choose in its row.`, true);
    } else if (drawn.length) {
      const one = drawn.length === 1 && doc.segments.find((s) => s.idx === Number(drawn[0].dataset.idx));
      say(`${sentences(drawn, true)} changed${one && one.changed_by ? ` by ${one.changed_by}` : ""}.`);
    }
    const canWrite = Boolean(doc.writable) && doc.status === "ready";
    if (doc.stage !== internal.stage || canWrite !== internal.writable) await rights(doc, canWrite);
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
    let reason = why ? why.textContent.trim() : "";
    if (doc.status !== "ready") reason = "the document is being drafted again; reload the page when it is ready";
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
