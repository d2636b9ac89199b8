// Comments in the editor: the active sentence's threads in the side panel, a count on each row.
// Text from users goes in through textContent only (tm.el's `text`).
"use strict";

(function () {
  const editor = window.tm.editor;
  const section = document.getElementById("comments");
  if (!editor || !section) return;
  const { api, el } = window.tm;
  const base = `/api/documents/${editor.docId}`;
  const list = document.getElementById("comment-threads");
  const form = document.getElementById("comment-form");
  const box = document.getElementById("comment-body");
  const forLabel = document.getElementById("comments-for");
  const total = document.getElementById("comments-total");
  const byIdx = new Map(); // sentence -> its comments as the server last said, threads in order
  let shown = null; // the row whose threads the panel shows

  // -- what the server holds -------------------------------------------------------------

  function remember(comments, idx) {
    if (idx !== undefined) byIdx.set(idx, []);
    comments.forEach((c) => {
      if (!byIdx.has(c.idx)) byIdx.set(c.idx, []);
      byIdx.get(c.idx).push(c);
    });
  }

  // [{first, replies}] in the server's order (a thread's replies come right after it)
  function threads(comments) {
    const out = [];
    const byId = new Map();
    comments.forEach((c) => {
      if (c.id === c.thread_id) {
        const t = { first: c, replies: [] };
        byId.set(c.id, t);
        out.push(t);
      } else if (byId.has(c.thread_id)) {
        byId.get(c.thread_id).replies.push(c);
      }
    });
    return out;
  }

  const open = (t) => !t.first.resolved_at;
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  // the small count in a row's meta cell: open threads only, none when zero
  function mark(idx) {
    const row = editor.row(idx);
    if (!row) return;
    const meta = row.querySelector(".meta");
    const openOnes = threads(byIdx.get(idx) || []).filter(open);
    let badge = meta.querySelector(".comment-count");
    if (!openOnes.length) {
      if (badge) badge.remove();
      return;
    }
    const rejected = openOnes.some((t) => t.first.kind === "rejection");
    const title = `${plural(openOnes.length, "open comment")}${rejected ? ", the sentence was rejected" : ""}`;
    const fresh = el(
      "span",
      { className: `comment-count${rejected ? " rejected" : ""}`, title },
      el("span", { "aria-hidden": "true", text: rejected ? `✕ ${openOnes.length}` : String(openOnes.length) }),
      el("span", { className: "sr-only", text: title }),
    );
    if (badge) badge.replaceWith(fresh); else meta.append(fresh);
  }

  function markTotal() {
    let n = 0;
    byIdx.forEach((comments) => { n += threads(comments).filter(open).length; });
    total.textContent = n ? `${plural(n, "open thread")} in this document` : "No open threads in this document.";
  }

  async function loadAll() {
    try {
      const data = await api("GET", `${base}/comments`);
      byIdx.clear();
      remember(data.comments);
      byIdx.forEach((_, idx) => mark(idx));
      markTotal();
    } catch (e) {
      total.textContent = `Comments could not be loaded: ${e.message}`;
    }
  }

  async function refresh(idx) {
    const data = await api("GET", `${base}/comments?idx=${idx}`);
    remember(data.comments, idx);
    mark(idx);
    markTotal();
  }

  // -- drawing -----------------------------------------------------------------------------

  function ago(stamp) {
    const t = new Date(stamp || "");
    if (Number.isNaN(t.getTime())) return { text: "", full: "" };
    const full = t.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    const s = Math.round((Date.now() - t.getTime()) / 1000);
    let text;
    if (s < 60) text = "just now";
    else if (s < 3600) text = `${Math.floor(s / 60)} min ago`;
    else if (s < 86400) text = `${Math.floor(s / 3600)} h ago`;
    else text = t.toLocaleDateString([], { day: "numeric", month: "short" });
    return { text, full };
  }

  function head(c, first) {
    const when = ago(c.created_at);
    const who = c.kind === "rejection" && first
      ? el("strong", { className: "rejected-by", text: `Rejected by ${c.author}` })
      : el("strong", { text: c.author });
    return el("div", { className: "c-head" }, who,
      el("time", { datetime: c.created_at, title: when.full, text: when.text }));
  }

  function comment(c, first) {
    return el("div", { className: "comment", "data-comment": c.id },
      head(c, first),
      el("p", { className: "c-body", dir: "auto", text: c.body }));
  }

  function thread(t) {
    const { first } = t;
    const resolved = !open(t);
    const name = first.kind === "rejection" ? `Rejection by ${first.author}` : `Thread by ${first.author}`;
    const node = el(resolved ? "details" : "div", {
      className: `thread${first.kind === "rejection" ? " rejection" : ""}${resolved ? " resolved" : ""}`,
      "data-thread": first.id,
      role: "group",
      "aria-label": resolved ? `${name}, resolved` : name,
    });
    if (resolved) {
      const when = ago(first.resolved_at);
      node.append(el("summary", {},
        el("span", { className: "resolved-by", text: `Resolved by ${first.resolved_by} ${when.text}` }),
        el("span", { className: "c-gist", dir: "auto", text: ` · ${first.author}: ${first.body.split("\n")[0]}` })));
    }
    node.append(comment(first, true));
    if (t.replies.length) {
      node.append(el("ol", { className: "replies", "aria-label": t.replies.length === 1 ? "1 reply" : `${t.replies.length} replies` },
        ...t.replies.map((r) => el("li", {}, comment(r, false)))));
    }
    const actions = el("div", { className: "thread-actions" });
    const reply = el("button", { type: "button", className: "link", "data-act": "reply", "aria-expanded": "false", text: "Reply" });
    actions.append(reply);
    if (first.can_resolve) {
      actions.append(el("button", {
        type: "button",
        className: "link",
        "data-act": resolved ? "reopen" : "resolve",
        text: resolved ? "Reopen" : "Resolve",
      }));
    }
    node.append(actions);
    return node;
  }

  function replyForm(node) {
    const id = node.dataset.thread;
    const area = el("textarea", { rows: "2", maxlength: "4000", dir: "auto", id: `reply-${id}`, placeholder: "Reply (Ctrl+Enter posts, Esc closes)" });
    const formNode = el("form", { className: "comment-form reply-form" },
      el("label", { className: "sr-only", for: `reply-${id}`, text: "Your reply" }),
      area,
      el("div", { className: "comment-actions" },
        el("button", { type: "submit", text: "Reply" }),
        el("button", { type: "button", className: "link", "data-act": "cancel", text: "Cancel" })));
    return formNode;
  }

  function render(row, focus) {
    if (!row) return;
    shown = row;
    const idx = Number(row.dataset.idx);
    forLabel.textContent = `sentence ${idx + 1}`;
    box.setAttribute("aria-label", `New comment on sentence ${idx + 1}`);
    const all = threads(byIdx.get(idx) || []);
    if (!all.length) {
      list.replaceChildren(el("p", { className: "muted", text: "No comments on this sentence." }));
    } else {
      list.replaceChildren(...all.map(thread));
    }
    if (focus) {
      const target = list.querySelector(focus);
      if (target) target.focus();
    }
  }

  // -- actions -----------------------------------------------------------------------------

  async function post(text, threadId) {
    const row = editor.active();
    if (!row) return false;
    const idx = Number(row.dataset.idx);
    if (!text.trim()) {
      editor.say("Write the comment first.", true);
      return false;
    }
    try {
      await api("POST", `${base}/segments/${idx}/comments`, threadId ? { body: text, thread: threadId } : { body: text });
    } catch (e) {
      editor.say(`Not posted: ${e.message}`, true);
      return false;
    }
    try {
      await refresh(idx);
    } catch (e) {
      editor.say(`Posted; the list could not be refreshed: ${e.message}`, true);
    }
    if (editor.active() === row) {
      render(row, threadId ? `[data-thread="${threadId}"] [data-act="reply"]` : null);
    }
    editor.say(threadId ? "Reply posted." : "Comment posted.");
    return true;
  }

  async function setResolved(threadId, resolved) {
    const row = editor.active();
    const idx = Number(row.dataset.idx);
    try {
      await api("POST", `/api/comments/${threadId}/resolve`, { resolved });
      await refresh(idx);
    } catch (e) {
      editor.say(e.message, true);
      return;
    }
    if (editor.active() === row) {
      render(row, `[data-thread="${threadId}"] ${resolved ? "summary" : '[data-act="resolve"]'}`);
    }
    editor.say(resolved ? "Thread resolved." : "Thread open again.");
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await post(box.value)) box.value = "";
  });

  list.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-act]");
    if (!button) return;
    const node = button.closest(".thread");
    const threadId = Number(node.dataset.thread);
    const act = button.dataset.act;
    if (act === "resolve" || act === "reopen") {
      setResolved(threadId, act === "resolve");
    } else if (act === "reply") {
      let replying = node.querySelector(".reply-form");
      if (!replying) {
        replying = replyForm(node);
        node.append(replying);
      }
      button.setAttribute("aria-expanded", "true");
      replying.querySelector("textarea").focus();
    } else if (act === "cancel") {
      closeReply(node);
    }
  });

  function closeReply(node) {
    const replying = node.querySelector(".reply-form");
    if (replying) replying.remove();
    const reply = node.querySelector('[data-act="reply"]');
    reply.setAttribute("aria-expanded", "false");
    reply.focus();
  }

  list.addEventListener("submit", async (e) => {
    e.preventDefault();
    const node = e.target.closest(".thread");
    const area = e.target.querySelector("textarea");
    await post(area.value, Number(node.dataset.thread));
  });

  // Ctrl+Enter in a comment box posts it; preventDefault keeps the editor from confirming the
  // sentence (its handler skips handled events), Esc closes a reply box
  section.addEventListener("keydown", (e) => {
    const area = e.target.closest("textarea");
    if (!area) return;
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      e.stopPropagation();
      area.form.requestSubmit();
    } else if (e.key === "Escape" && area.closest(".reply-form")) {
      e.preventDefault();
      e.stopPropagation();
      closeReply(area.closest(".thread"));
    }
  });

  // -- following the editor ------------------------------------------------------------------

  // a comment made elsewhere in the editor (a reviewer's rejection): show it and count it
  async function shownAfter(row) {
    try {
      await refresh(Number(row.dataset.idx));
    } catch (e) {
      return;
    }
    if (editor.active() === row) render(row);
  }
  try {
    editor.on("comment", shownAfter);
  } catch (e) {
    // an editor without the event: the rejection shows the next time the sentence is activated
  }

  const loaded = loadAll();
  let first = true;
  editor.on("activate", async (row) => {
    render(row); // what is known now, at once
    if (first) { // the document's comments are on their way already
      first = false;
      await loaded;
    } else {
      try {
        await refresh(Number(row.dataset.idx));
      } catch (e) {
        return; // keep what is shown; the next action says what went wrong
      }
    }
    // a reply being written is not thrown away by a refresh of the same sentence
    if (editor.active() === row && !(shown === row && list.contains(document.activeElement))) render(row);
  });
})();
