// The active sentence's own history in the side panel: every earlier English, Restore on each,
// and Ctrl+Alt+Z to step back through them. Also opens the sentence named in #seg-<idx>.
"use strict";

(function () {
  const ed = window.tm.editor;
  const list = document.getElementById("history");
  if (!ed || !list) return;
  const { api, el } = window.tm;
  const title = document.getElementById("history-for");
  const ACTIONS = {
    draft: "Draft", save: "Edited", confirm: "Confirmed", approve: "Approved", reject: "Rejected",
    revert: "Back to the draft", restore: "Restored", replace: "Replaced",
  };
  let asked = 0; // the newest request wins: an older answer for another sentence is dropped
  let shown = { row: null, changes: [] };
  let restoring = false;
  const stepped = new Map(); // row -> id of the entry Ctrl+Alt+Z last went back to
  let refreshTimer = null;

  function when(stamp) {
    const t = new Date(stamp || "");
    if (Number.isNaN(t.getTime())) return "";
    const seconds = (Date.now() - t.getTime()) / 1000;
    if (seconds < 60) return "just now";
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    return t.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  }

  // Words of `from` and `to` with what restoring `to` would bring back (ins) and take away (del).
  function diff(from, to) {
    const a = from.split(/(\s+)/).filter(Boolean);
    const b = to.split(/(\s+)/).filter(Boolean);
    if (a.length * b.length > 40000) return null;
    const n = a.length;
    const m = b.length;
    const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const out = [];
    let i = 0;
    let j = 0;
    const push = (op, text) => {
      const last = out[out.length - 1];
      if (last && last.op === op) last.text += text; else out.push({ op, text });
    };
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { push("same", a[i]); i += 1; j += 1; }
      else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) { push("ins", b[j]); j += 1; }
      else { push("del", a[i]); i += 1; }
    }
    return out;
  }

  function english(text, current) {
    const box = el("div", { className: "history-text", dir: "ltr", lang: "en" });
    if (!text) { box.append(el("span", { className: "muted", text: "(empty)" })); return box; }
    const chunks = current === undefined ? null : diff(current, text);
    if (!chunks) { box.textContent = text; return box; }
    chunks.forEach((c, k) => {
      const prev = chunks[k - 1];
      // a word that goes right after one that comes back: keep them apart on screen
      if (prev && prev.op !== "same" && c.op !== "same" && !/\s$/.test(prev.text) && !/^\s/.test(c.text)) box.append(" ");
      if (c.op === "same") box.append(c.text);
      else box.append(el(c.op, { text: c.text, title: c.op === "ins" ? "comes back" : "goes away" }));
    });
    return box;
  }

  function draw(row, changes) {
    shown = { row, changes };
    if (!changes.length) {
      list.replaceChildren(el("li", { className: "muted", text: "No changes recorded yet." }));
      return;
    }
    const current = ed.field(row).value;
    const table = ed.tagTable(row);
    list.replaceChildren(...changes.map((c, k) => {
      const head = el(
        "div",
        { className: "history-head" },
        el("strong", { text: ACTIONS[c.action] || c.action }),
        el("span", { className: "muted small", text: [c.author, when(c.at)].filter(Boolean).join(" · ") }),
      );
      const item = el("li", { "data-change": String(c.id), "data-action": c.action }, head);
      if (k === 0 && c.target === current) {
        head.append(el("span", { className: "pill", text: "now" }));
        item.append(english(c.target));
      } else if (c.target === current) {
        item.append(english(c.target), el("div", { className: "muted small", text: "the same English as now" }));
      } else {
        item.append(english(c.target, current));
        if (ed.writable) {
          const button = el("button", { type: "button", className: "history-restore", text: "Restore" });
          button.addEventListener("click", () => restore(row, c));
          head.append(button);
        }
      }
      window.tm.tags.decorate(item, table);
      return item;
    }));
  }

  async function load(row) {
    const mine = ++asked;
    title.textContent = `sentence ${Number(row.dataset.idx) + 1}`;
    try {
      const data = await api("GET", `/api/documents/${ed.docId}/segments/${row.dataset.idx}/history`);
      if (mine !== asked) return null;
      draw(row, data.changes);
      return data.changes;
    } catch (e) {
      if (mine === asked) list.replaceChildren(el("li", { className: "error", text: `History not loaded: ${e.message}` }));
      return null;
    }
  }

  async function restore(row, change, stepping) {
    const n = Number(row.dataset.idx) + 1;
    if (ed.conflicted(row)) {
      ed.say(`Someone else changed sentence ${n}: choose Keep mine or Take theirs first.`, true);
      return false;
    }
    if (!(await ed.flush(row))) return false; // the edit in the box is in the history before we go back
    restoring = true;
    try {
      const data = await api("POST", `/api/documents/${ed.docId}/segments/${row.dataset.idx}/restore`, {
        change: change.id,
        version: Number(row.dataset.version),
      });
      ed.apply(data.segment);
    } catch (e) {
      ed.say(e.status === 409 ? `${e.message}` : `Not restored: ${e.message}`, true);
      return false;
    } finally {
      restoring = false;
    }
    if (stepping) stepped.set(row, change.id); else stepped.delete(row);
    const who = [change.author, when(change.at)].filter(Boolean).join(", ");
    const what = (ACTIONS[change.action] || change.action).toLowerCase();
    ed.say(`Sentence ${n}: back to the English ${what}${who ? ` (${who})` : ""}, as a draft.`);
    if (ed.active() === row) await load(row);
    return true;
  }

  // Ctrl+Alt+Z: the previous English of the active sentence; pressed again, the one before.
  async function stepBack(row) {
    if (!(await ed.flush(row))) return;
    const changes = await load(row);
    if (!changes) return;
    const current = ed.field(row).value;
    let from = 0;
    if (stepped.has(row)) {
      const k = changes.findIndex((c) => c.id === stepped.get(row));
      if (k >= 0) from = k + 1;
    }
    const target = changes.slice(from).find((c) => c.target !== current);
    if (!target) {
      ed.say(`Sentence ${Number(row.dataset.idx) + 1} has no earlier English to go back to.`);
      return;
    }
    await restore(row, target, true);
  }

  ed.on("activate", (row) => load(row));
  ed.on("apply", (row) => {
    if (!restoring) stepped.delete(row); // a new edit starts a new chain of steps back
    if (row !== ed.active()) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => { if (ed.active() === row) load(row); }, 250);
  });
  // the "now" mark and the diffs follow the typing
  document.addEventListener("input", (e) => {
    if (shown.row && e.target === ed.field(shown.row)) {
      clearTimeout(draw.timer);
      draw.timer = setTimeout(() => draw(shown.row, shown.changes), 200);
    }
  });

  document.addEventListener("keydown", (e) => {
    const row = ed.active();
    if (!row || !ed.writable || e.defaultPrevented) return;
    if (e.code !== "KeyZ" || !(e.ctrlKey || e.metaKey) || !e.altKey || e.shiftKey) return;
    if (e.getModifierState && e.getModifierState("AltGraph")) return; // AltGr+Z types a letter on some keyboards
    if (document.querySelector("dialog[open]")) return;
    e.preventDefault();
    stepBack(row);
  });

  // #seg-<idx> (links from the QA report) opens that sentence
  function fromHash() {
    const found = /^#seg-(\d+)$/.exec(window.location.hash);
    const row = found && ed.row(found[1]);
    if (!row) return;
    if (row.hidden) {
      const filter = document.getElementById("row-filter");
      filter.value = "all";
      filter.dispatchEvent(new Event("change"));
    }
    ed.activate(row);
    row.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", fromHash);
  // after the editor activated its first sentence (its listener was added before this one)
  document.addEventListener("DOMContentLoaded", fromHash);
})();
