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
      throw err;
    }
    return data;
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
  const poll = async () => {
    const job = await tm.api("GET", `/api/jobs/${box.dataset.job}`);
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
    } else {
      setTimeout(poll, 500);
    }
  };
  poll();
});
