// The post-editing grid: keyboard first, autosave, confirm into the memory, side panel.
"use strict";

(function () {
  const { api, el } = window.tm;

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

  const workspace = document.getElementById("workspace");
  if (!workspace) return;
  const docId = workspace.dataset.doc;
  const role = workspace.dataset.role;
  const rows = Array.from(document.querySelectorAll(".seg"));
  const toast = document.getElementById("toast");
  const helpToggle = document.getElementById("help-toggle");
  const help = document.getElementById("help");
  let active = null;
  let matches = [];
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

  function textarea(row) { return row.querySelector("textarea"); }

  // How a confirmed English came to be (the server decides; these are the words for it)
  const PROVENANCE = {
    "mt-unchanged": "MT unchanged",
    "mt-edited": "MT edited",
    "match-unchanged": "match unchanged",
    "match-edited": "match edited",
    scratch: "written anew",
  };
  let writable = workspace.dataset.writable === "1"; // follows the server (live state below)
  let stage = workspace.dataset.stage || "";
  const reviewing = role === "reviewer" || role === "admin";
  // a reviewer approves (an admin too while the document is in review): their progress,
  // first sentence and next sentence are the ones not approved yet
  const approving = () => role === "reviewer" || (role === "admin" && stage === "in review");
  const bases = new Map(); // row -> the English as the server last had it (the base of a merge)
  let writing = 0; // changes sent and not answered yet
  let written = 0; // changes sent so far (a poll that overlaps one is not trusted)

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

  // true when the row holds English the server does not have: a pending autosave, an open
  // conflict, or text that could not be saved (refused, or the network failed)
  function dirty(row) {
    return timers.has(row) || conflicts.has(row)
      || textarea(row).value !== (bases.get(row) || "").replace(/\r\n?/g, "\n");
  }

  // the "not saved" mark over a box whose text the server refused (or never got)
  function markUnsaved(row, on) {
    const mark = row.querySelector(".version-label.unsaved");
    if (on && !row.querySelector(".version-label.yours")) {
      textarea(row).before(el("div", { className: "version-label yours unsaved", text: "Yours · not saved" }));
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
  }

  // a translation box is as tall as its text
  function fit(box) {
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight + 2}px`;
  }
  function sourceText(row) { return row.querySelector(".src").textContent; }

  function refreshProgress() {
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
      showConflict(row, seg);
      return;
    }
    row.dataset.version = seg.version;
    row.dataset.status = seg.status;
    bases.set(row, seg.target);
    drawMeta(row, seg);
    row.className = row.className.replace(/status-\w+/, `status-${seg.status}`);
    row.querySelector(".status").textContent = seg.status;
    if (!keepText) {
      textarea(row).value = seg.target;
      fit(textarea(row));
    }
    const qa = row.querySelector("ul.qa");
    qa.replaceChildren(...seg.qa.map((q) => el("li", { "data-code": q.code, text: q.message })));
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
        target: textarea(row).value,
        version: version === undefined ? Number(row.dataset.version) : version,
      });
      apply(data.segment, true);
      if (stage === "new") poll(); // the first change starts the translation: the header follows
      return true;
    } catch (e) {
      if (e.status === 409) await conflict(row, e.message);
      else if (e.status === 403) refused(row, e.message);
      else say(`Not saved: ${e.message}`, true);
      return false;
    }
  }

  // The server says this user may no longer write (the document went to review, was marked
  // done, or was reassigned): go read-only at once, keep the text in its box as not saved.
  function refused(row, message) {
    if (row) markUnsaved(row, true);
    setWritable(false, message);
    poll();
  }

  // -- someone else changed the sentence: show theirs beside ours, lose nothing ----------

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
    if (theirs.target === textarea(row).value) { // the same English: nothing to choose
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
      el("p", { className: "theirs", dir: "ltr", lang: "en", text: theirs.target || "(empty)" }),
      el("div", { className: "conflict-actions" }, mine, take, join,
        el("span", { className: "muted small", text: "Merge puts both changes in the box; Keep mine then saves it." })),
    );
    const old = row.querySelector(".conflict");
    const hadFocus = old && old.contains(document.activeElement);
    if (old) old.replaceWith(view); else textarea(row).after(view);
    if (fresh) row.querySelectorAll(".version-label.yours").forEach((n) => n.remove());
    if (fresh) textarea(row).before(el("div", { className: "version-label yours", text: "Yours · not saved" }));
    if (hadFocus) mine.focus();
  }

  async function keepMine(row) {
    if (await save(row, Number(row.dataset.conflict))) {
      closeConflict(row);
      say("Your text is saved over theirs.");
      textarea(row).focus();
    }
  }

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

  function mergeInto(row) {
    const theirs = conflicts.get(row);
    const box = textarea(row);
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
    textarea(row).focus();
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

  // the next sentence still to do: a draft, or for an approval one not approved yet
  const toDo = (row, approve) => (approve ? row.dataset.status !== "approved" : row.dataset.status === "draft");
  function nextUnconfirmed(from, approve) {
    const start = rows.indexOf(from);
    for (let k = 1; k <= rows.length; k += 1) {
      const row = rows[(start + k) % rows.length];
      if (row !== from && toDo(row, approve) && !row.hidden) return row;
    }
    return null;
  }

  function readOnlySay() {
    say("This document is read only for you now; see the note above the sentences.", true);
  }

  async function confirm(row, approve, override) {
    if (!writable) { readOnlySay(); return; }
    if (row.dataset.conflict) {
      say("Someone else changed this sentence: choose Keep mine, Take theirs or Merge first.", true);
      return;
    }
    if (!(await flush(row))) return;
    const target = textarea(row).value;
    if (!target.trim()) { say("Type a translation first.", true); return; }
    row.querySelectorAll(".blocked").forEach((n) => n.remove());
    try {
      const data = await write("POST", `/api/documents/${docId}/segments/${row.dataset.idx}/confirm`, {
        target,
        version: Number(row.dataset.version),
        approve,
        override: Boolean(override),
      });
      data.segments.forEach((s) => apply(s, s.idx === Number(row.dataset.idx)));
      const also = data.segments.length - 1;
      say(`${approve ? "Approved" : "Confirmed"} and saved in the memory${also ? ` (+${also} repetition${also > 1 ? "s" : ""})` : ""}.`);
      const next = nextUnconfirmed(row, approve);
      if (next) activate(next);
      if (stage === "new") poll();
    } catch (e) {
      if (e.status === 409) await conflict(row, e.message);
      else if (e.status === 422) showBlocked(row, e.data.qa || [], approve);
      else if (e.status === 403) refused(null, e.message);
      else say(e.message, true);
    }
  }

  // Blocking QA findings stopped a confirm: say which, in the row; only a click confirms over them.
  function showBlocked(row, findings, approve) {
    const over = el("button", { type: "button", "data-act": "override", text: `${approve ? "Approve" : "Confirm"} anyway` });
    const fix = el("button", { type: "button", className: "primary", text: "Fix it" });
    const bar = el(
      "div",
      { className: "blocked", role: "alert" },
      el("strong", { text: "Not confirmed: " }),
      el("span", { text: findings.map((f) => f.message).join("; ") }),
      el("div", { className: "conflict-actions" }, fix, over,
        el("span", { className: "muted small", text: "An override is recorded with your name." })),
    );
    fix.addEventListener("click", () => { bar.remove(); textarea(row).focus(); });
    over.addEventListener("click", () => { bar.remove(); confirm(row, approve, true); });
    textarea(row).after(bar);
    say("Not confirmed: see the QA findings in the row.", true);
  }

  // A reviewer sends a sentence back to the translator with a reason (it becomes a comment).
  function askReject(row) {
    if (row.querySelector(".reject-form")) { row.querySelector(".reject-form textarea").focus(); return; }
    const reason = el("textarea", { rows: "2", dir: "auto", "aria-label": "Why is it rejected?", placeholder: "Why? The translator reads this." });
    const send = el("button", { type: "submit", className: "primary", text: "Send back" });
    const cancel = el("button", { type: "button", text: "Cancel" });
    const form = el("form", { className: "reject-form ask" }, reason, el("div", { className: "conflict-actions" }, send, cancel));
    const close = () => { form.remove(); textarea(row).focus(); };
    cancel.addEventListener("click", close);
    reason.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(); }
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { say("Say why, so the translator knows what to fix.", true); reason.focus(); return; }
      if (!(await flush(row))) return;
      try {
        const data = await write("POST", `/api/documents/${docId}/segments/${row.dataset.idx}/reject`, {
          version: Number(row.dataset.version),
          reason: reason.value,
        });
        form.remove();
        apply(data.segment, true);
        listeners.comment.forEach((fn) => fn(row, data.comment));
        say(`Sentence ${Number(row.dataset.idx) + 1} goes back to the translator.`);
        const next = nextUnconfirmed(row, true);
        if (next) activate(next);
      } catch (err) {
        if (err.status === 409) await conflict(row, err.message);
        else if (err.status === 403) refused(null, err.message);
        else say(err.message, true);
      }
    });
    textarea(row).after(form);
    reason.focus();
  }

  // The active row's buttons: the same actions as the keys, for the mouse and to be seen.
  const actions = el("div", { className: "row-actions" });
  function drawActions(row) {
    actions.replaceChildren();
    if (!writable) return;
    const main = el("button", { type: "button", className: "primary", "data-act": reviewing && role === "reviewer" ? "approve" : "confirm",
      text: role === "reviewer" ? "Approve (Ctrl+Enter)" : "Confirm (Ctrl+Enter)" });
    main.addEventListener("click", () => confirm(row, role === "reviewer"));
    actions.append(main);
    if (role === "admin") {
      const approveBtn = el("button", { type: "button", "data-act": "approve", text: "Approve (Ctrl+Shift+Enter)" });
      approveBtn.addEventListener("click", () => confirm(row, true));
      actions.append(approveBtn);
    }
    if (reviewing) {
      const rejectBtn = el("button", { type: "button", "data-act": "reject", text: "Reject… (Alt+R)" });
      rejectBtn.addEventListener("click", () => askReject(row));
      actions.append(rejectBtn);
    }
    row.querySelector(".tgt").append(actions);
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
      if (e.status === 409) await conflict(row, e.message);
      else if (e.status === 403) refused(null, e.message);
      else say(e.message, true);
    }
  }

  // Esc on a confirmed or approved sentence asks in its row first: Enter puts the draft
  // back, Esc (or leaving the bar) keeps the English.
  function askRevert(row) {
    if (!writable) { readOnlySay(); return; }
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
      if (back) textarea(row).focus(); // before the removal, which would drop the focus on the page
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
    textarea(row).after(bar);
    yes.focus();
  }

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
    return `${m.score}%`;
  }

  async function showMatches(row) {
    const list = document.getElementById("matches");
    document.getElementById("match-for").textContent = `sentence ${Number(row.dataset.idx) + 1}`;
    list.replaceChildren(el("li", { className: "muted", text: "Looking up…" }));
    try {
      const data = await api("GET", `/api/lookup?text=${encodeURIComponent(sourceText(row))}`);
      if (active !== row) return;
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
          m.status === "approved" ? el("span", { className: "approved-mark", text: ` ✓ approved${m.reviewer ? ` by ${m.reviewer}` : ""}` }) : ""),
        renderDiff(m.diff, m.source),
        el("div", { dir: "ltr", lang: "en", text: m.target }),
        numbers,
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
    if (!active || !matches[i]) return;
    if (!writable) { readOnlySay(); return; }
    const box = textarea(active);
    box.value = matches[i].target;
    box.dispatchEvent(new Event("input"));
    box.focus();
  }

  function activate(row, keepFocus) {
    if (active === row) return;
    if (active) {
      active.classList.remove("active");
      flush(active);
    }
    active = row;
    row.classList.add("active");
    row.scrollIntoView({ block: "nearest" });
    if (!keepFocus) textarea(row).focus();
    showMatches(row);
    showTerms(row);
    drawActions(row);
    listeners.activate.forEach((fn) => fn(row));
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
    list.replaceChildren(...data.hits.map((h) => el("li", {},
      marked(h.source, h.source_spans, "rtl"), marked(h.target, h.target_spans, "ltr"))));
  }

  rows.forEach((row) => {
    const box = textarea(row);
    bases.set(row, box.value);
    box.addEventListener("focus", () => activate(row, true));
    fit(box);
    box.addEventListener("input", () => {
      fit(box);
      if (row.dataset.conflict) return; // nothing saves until the user chooses
      clearTimeout(timers.get(row));
      timers.set(row, setTimeout(() => save(row), 700));
    });
    // a click on the Arabic (or anywhere in the row) keeps the typing in the English; a
    // selection of Arabic words stays for Ctrl+K, and the next typed letter goes to the box
    row.addEventListener("click", (e) => {
      if (e.target.closest("textarea, button, a, input, select, .ask, .conflict")) return;
      const sel = window.getSelection();
      const selecting = sel && !sel.isCollapsed && row.contains(sel.anchorNode);
      if (active !== row) activate(row, selecting);
      else if (!selecting) box.focus();
    });
  });

  document.getElementById("concordance-form").addEventListener("submit", (e) => {
    e.preventDefault();
    concordance();
  });

  document.addEventListener("keydown", (e) => {
    if (!active || e.defaultPrevented) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const typing = e.key.length === 1 && !ctrl && !e.altKey;
    if (typing && !e.target.closest("input, textarea, select, button, a, [contenteditable]")) {
      textarea(active).focus(); // the letter lands in the box, not on the page
      return;
    }
    const digit = /^Digit([1-9])$/.exec(e.code);
    if (ctrl && e.key === "Enter") {
      e.preventDefault();
      const approve = role === "reviewer" || (role === "admin" && e.shiftKey);
      confirm(active, approve);
    } else if (e.altKey && !ctrl && e.code === "KeyR" && reviewing && writable) {
      e.preventDefault();
      askReject(active);
    } else if (ctrl && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      const visible = rows.filter((r) => !r.hidden);
      const i = visible.indexOf(active);
      const next = visible[e.key === "ArrowDown" ? i + 1 : i - 1];
      if (next) activate(next);
    } else if (ctrl && e.shiftKey && e.code === "KeyC") {
      e.preventDefault();
      if (!writable) { readOnlySay(); return; }
      const box = textarea(active);
      box.value = sourceText(active);
      box.dispatchEvent(new Event("input"));
    } else if (e.key === "Escape" && document.activeElement === textarea(active)) {
      e.preventDefault();
      askRevert(active);
    } else if ((ctrl || e.altKey) && digit) {
      e.preventDefault();
      insertMatch(Number(digit[1]) - 1);
    } else if (ctrl && e.code === "KeyK") {
      e.preventDefault();
      const selected = String(window.getSelection()).trim();
      concordance(selected || undefined);
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
    if (writing) { schedulePoll(); return; } // a save is under way: skip this round
    polling = true;
    const sent = written;
    try {
      const doc = await api("GET", `/api/documents/${docId}`);
      // a change sent meanwhile may be in this answer or not: ask again next round
      if (!writing && written === sent) await live(doc);
    } catch (e) {
      // offline, restarting or logged out: keep the page (and its text) and ask again later
    } finally {
      polling = false;
      if (again) { again = false; poll(); } else schedulePoll();
    }
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
        if (seg.version > Number(row.dataset.conflict)) showConflict(row, seg);
        return;
      }
      if (seg.version <= Number(row.dataset.version)) return;
      if (dirty(row)) {
        clearTimeout(timers.get(row));
        timers.delete(row);
        if (textarea(row).value === seg.target) { apply(seg, true); return; } // the same English
        showConflict(row, seg);
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
    if (doc.stage !== stage || canWrite !== writable) await rights(doc, canWrite);
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
    if (strong) strong.textContent = stage;
    bar.querySelectorAll(":scope > form").forEach((f) => {
      const to = f.querySelector("input[name=stage]");
      if (!to || !(MOVES[stage] || []).includes(to.value)) f.remove();
    });
  }

  async function rights(doc, canWrite) {
    const moved = doc.stage !== stage;
    stage = doc.stage;
    workspace.dataset.stage = stage;
    const page = await freshPage();
    drawWorkflow(page);
    const why = page && page.querySelector("#read-only");
    let reason = why ? why.textContent.trim() : "";
    if (doc.status !== "ready") reason = "the document is being drafted again; reload the page when it is ready";
    setWritable(canWrite, reason);
    refreshProgress();
    if (moved && canWrite) say(`The document is ${stage} now.`);
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
    return `Read only now: this document is ${stage || "no longer yours to change"}${why ? ` (${why})` : ""}; `
      + "you can read it but not change it here."
      + (kept.length
        ? ` Your text in ${sentences(kept)} is not saved: it stays in its box, marked “not saved” — copy it before you leave.`
        : " Everything you typed was saved.");
  }

  function setWritable(on, reason) {
    clearTimeout(liftTimer);
    if (on === writable) {
      if (!on) showNotice(readOnlyText(reason), "read-only-now");
      return;
    }
    writable = on;
    workspace.dataset.writable = on ? "1" : "0";
    workspace.classList.toggle("read-only-live", !on);
    rows.forEach((row) => { textarea(row).readOnly = !on; });
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
      showNotice(`You can write now: this document is ${stage}.${waiting.length ? ` Your unsaved text in ${sentences(waiting)} is being saved.` : ""}`, "writable-again");
      say("You can write now.");
      liftTimer = setTimeout(() => { if (writable) document.getElementById("read-only").hidden = true; }, 15000);
    }
    if (active) drawActions(active);
  }
  if (!writable) workspace.classList.add("read-only-live");

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
    if (!writable && (e.ctrlKey || e.metaKey) && e.code === "KeyH") {
      e.preventDefault();
      e.stopPropagation();
      readOnlySay();
    }
  }, true);

  // What the feature scripts (comments, terms, history, find and replace) build on; they load
  // after this one and register with on(). Text always goes in through textContent.
  window.tm.editor = {
    docId,
    role,
    get writable() { return writable; }, // live: it follows the document's stage
    rows,
    row: (idx) => document.getElementById(`seg-${idx}`),
    active: () => active,
    textarea,
    sourceText,
    apply,
    activate,
    save,
    flush,
    say,
    fit,
    showTerms,
    conflicted: (row) => Boolean(row.dataset.conflict),
    merge3,
    on(event, fn) { listeners[event].push(fn); },
  };

  refreshProgress();
  const first = rows.find((r) => toDo(r, approving())) || rows[0];
  // after the feature scripts have registered (they are deferred like this one)
  document.addEventListener("DOMContentLoaded", () => { if (first) activate(first); });
})();
