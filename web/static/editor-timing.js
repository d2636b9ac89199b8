// Active editing time for the post-editing report (tm/timing.py says the rules): counted while a
// sentence's English box has the focus, the page is visible and the person typed, clicked or
// moved the pointer within the last 30 seconds. What a sentence gathered is sent when it is
// confirmed, when another sentence becomes active, every minute, and when the page is hidden
// or left (fetch with keepalive: sendBeacon cannot send the CSRF header). The server decides
// whose time counts: a 403 (someone who only reads the document) stops the counting here.
"use strict";

(function () {
  const editor = window.tm && window.tm.editor;
  if (!editor) return;
  const IDLE_MS = 30 * 1000; // tm/timing.py IDLE_SECONDS
  const TICK_MS = 1000;
  const SEND_EVERY_MS = 60 * 1000;
  const MAX_REPORT_MS = 10 * 60 * 1000; // tm/timing.py MAX_REPORT_MS: the server refuses more at once
  const pending = new Map(); // sentence index -> ms counted and not sent yet
  let lastActive = -Infinity;
  let lastTick = performance.now();
  let stopped = false;

  const active = () => { lastActive = performance.now(); };
  ["keydown", "input", "pointerdown", "pointermove", "wheel"].forEach((type) => {
    document.addEventListener(type, active, { capture: true, passive: true });
  });

  // the row whose English box (a textarea, or a <tm-field> for a sentence with tags) has the focus
  function focusedRow() {
    const box = document.activeElement;
    const row = box && box.closest(".seg");
    return row && editor.field(row) === box ? row : null;
  }

  function tick() {
    const now = performance.now();
    // a timer held back (a suspended laptop, a throttled tab) does not count the gap
    const elapsed = Math.min(now - lastTick, 2 * TICK_MS);
    lastTick = now;
    if (stopped || document.visibilityState !== "visible" || now - lastActive > IDLE_MS) return;
    const row = focusedRow();
    if (!row) return;
    const idx = row.dataset.idx;
    pending.set(idx, (pending.get(idx) || 0) + elapsed);
  }

  async function send(idx, keepalive) {
    const ms = Math.min(Math.floor(pending.get(idx) || 0), MAX_REPORT_MS);
    if (stopped || ms < 1) return;
    pending.set(idx, pending.get(idx) - ms);
    let status = 0;
    try {
      const res = await fetch(`/api/documents/${editor.docId}/segments/${idx}/time`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": window.tm.csrf(), Accept: "application/json" },
        body: JSON.stringify({ ms }),
        credentials: "same-origin",
        keepalive: Boolean(keepalive),
      });
      status = res.status;
    } catch (e) {
      status = 0; // the network: keep the time for the next try
    }
    if (status === 403) {
      stopped = true; // this person's time is not recorded on this document
      pending.clear();
    } else if (status === 0 || status === 503 || status >= 500) {
      pending.set(idx, (pending.get(idx) || 0) + ms);
    }
    // anything else (sent, or refused for good: a sentence gone, a logged-out page) is done with
  }

  function sendAll(keepalive, except) {
    return Promise.all(Array.from(pending.keys()).filter((idx) => idx !== except).map((idx) => send(idx, keepalive)));
  }

  setInterval(tick, TICK_MS);
  setInterval(() => sendAll(false), SEND_EVERY_MS);
  // moving to another sentence (a click, Ctrl+Down, a confirm) sends the one left behind, and a
  // confirmed sentence sends its time at once (the last one of a document has no next to go to)
  editor.on("activate", (row) => sendAll(false, row.dataset.idx));
  editor.on("apply", (row, seg) => { if (seg.status !== "draft") send(row.dataset.idx, false); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") sendAll(true);
  });
  window.addEventListener("pagehide", () => sendAll(true));

  // for the report's browser test and for looking at it in the console
  editor.timing = {
    pending: () => Object.fromEntries(Array.from(pending, ([idx, ms]) => [idx, Math.floor(ms)])),
    send: () => sendAll(false),
  };
})();
