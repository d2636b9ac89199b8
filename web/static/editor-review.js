// The editor's review UI: the bar a blocked confirm shows (Fix it / Confirm anyway), the
// reviewer's reject form (the reason becomes a comment), and the active row's action
// buttons. Built on editor.js's internals (tm.editor.internal); text via textContent only.
"use strict";

(function () {
  const editor = window.tm.editor;
  if (!editor) return;
  const { el } = window.tm;
  const { docId, role, field, apply, activate, flush, say } = editor;
  const { internal } = editor;
  const { reviewing, write, confirm, nextUnconfirmed, emit } = internal;

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
    fix.addEventListener("click", () => { bar.remove(); field(row).focus(); });
    over.addEventListener("click", () => { bar.remove(); confirm(row, approve, true); });
    field(row).after(bar);
    say("Not confirmed: see the QA findings in the row.", true);
  }

  // A reviewer sends a sentence back to the translator with a reason (it becomes a comment).
  function askReject(row) {
    if (row.querySelector(".reject-form")) { row.querySelector(".reject-form textarea").focus(); return; }
    const reason = el("textarea", { rows: "2", dir: "auto", "aria-label": "Why is it rejected?", placeholder: "Why? The translator reads this." });
    const send = el("button", { type: "submit", className: "primary", text: "Send back" });
    const cancel = el("button", { type: "button", text: "Cancel" });
    const form = el("form", { className: "reject-form ask" }, reason, el("div", { className: "conflict-actions" }, send, cancel));
    const close = () => { form.remove(); field(row).focus(); };
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
        emit("comment", row, data.comment);
        say(`Sentence ${Number(row.dataset.idx) + 1} goes back to the translator.`);
        const next = nextUnconfirmed(row, true);
        if (next) activate(next);
      } catch (err) {
        if (err.status === 409) await internal.conflict(row, err.message);
        else if (err.status === 403) internal.refused(null, err.message);
        else say(err.message, true);
      }
    });
    field(row).after(form);
    reason.focus();
  }

  // The active row's buttons: the same actions as the keys, for the mouse and to be seen.
  const actions = el("div", { className: "row-actions" });
  function drawActions(row) {
    actions.replaceChildren();
    if (!editor.writable) return;
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

  Object.assign(editor.internal, { showBlocked, askReject, drawActions });
})();
