// tm: small helpers every page uses. No inline scripts (the CSP forbids them).
"use strict";

window.tm = {
  csrf() {
    return document.querySelector('meta[name="csrf-token"]').content;
  },
  async api(method, url, body) {
    const res = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": tm.csrf(), Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    let data = {};
    try { data = await res.json(); } catch (e) { data = { error: res.statusText }; }
    if (!res.ok) {
      const err = new Error(data.error || res.statusText);
      err.status = res.status;
      err.data = data;
      throw err;
    }
    return data;
  },
  // Poll an address until done() says so: through a server restart or a busy memory it keeps
  // asking (every 2 s), and an answer that will not change (logged out, deleted) reloads the page.
  follow(url, every, done) {
    const poll = async () => {
      let data;
      try {
        data = await tm.api("GET", url);
      } catch (e) {
        if (e.status && e.status < 500) { window.location.reload(); return; }
        setTimeout(poll, 2000);
        return;
      }
      if (!done(data)) setTimeout(poll, every);
    };
    setTimeout(poll, every);
  },
  el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === "className") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    });
    children.forEach((c) => node.append(c));
    return node;
  },
};

document.addEventListener("submit", (event) => {
  const form = event.target;
  const ask = (event.submitter && event.submitter.dataset.confirmClick) || form.dataset.confirm;
  if (ask && !window.confirm(ask)) event.preventDefault();
});

// the import page: follow the background job
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("job");
  if (!box) return;
  const bar = document.getElementById("job-progress");
  const state = document.getElementById("job-state");
  tm.follow(`/api/jobs/${box.dataset.job}`, 500, (job) => {
    bar.max = Math.max(1, job.total);
    bar.value = job.done;
    state.textContent = job.state === "running" ? `${Math.round((100 * job.done) / Math.max(1, job.total))}%` : job.state;
    if (job.state === "done") {
      const result = document.getElementById("job-result");
      result.querySelectorAll("[data-field]").forEach((td) => { td.textContent = job.result[td.dataset.field]; });
      const list = document.getElementById("job-messages");
      job.result.messages.forEach((m) => list.append(tm.el("li", { text: m })));
      result.hidden = false;
    } else if (job.state === "failed") {
      const err = document.getElementById("job-error");
      err.textContent = `Nothing was imported: ${job.error}`;
      err.hidden = false;
    }
    return job.state === "done" || job.state === "failed";
  });
});
