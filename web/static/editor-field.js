// Inline tags in the editor (tm/tags.py): one private-use character per tag, shown as a chip.
// window.tm.tags has the helpers every editor script shares (chips, labels, the next missing
// tag), and <tm-field> is the English box of a sentence with tags: a contenteditable element in
// which each tag is a non-editable chip, with what the editor uses of a textarea: value (the
// text with its tag characters), selectionStart/End, setSelectionRange, select, readOnly, focus
// and input events. Enter types a line break, a paste is plain text, Ctrl+B and the like format
// nothing, and Ctrl+Z / Ctrl+Y undo and redo (its own history: the browser's cannot follow
// chips). Loaded before editor.js, so the boxes are ready when it reads them.
"use strict";

(function () {
  const BASE = 0xe000;
  const MAX_TAGS = 1500;
  const [OPEN, CLOSE, EMPTY] = [0, 1, 2];
  const KINDS = ["open", "close", "empty"];
  const ANY_TAG = /[\uE004-\uF772]/; // BASE + 4 .. BASE + 4 * MAX_TAGS + EMPTY

  // {n, kind} of a tag character; null for any other character
  function parse(ch) {
    if (typeof ch !== "string" || ch.length !== 1) return null;
    const code = ch.charCodeAt(0) - BASE;
    if (code < 4 || code > 4 * MAX_TAGS + EMPTY || code % 4 === 3) return null;
    return { n: Math.floor(code / 4), kind: code % 4 };
  }
  const isTag = (ch) => parse(ch) !== null;
  const char = (n, kind) => String.fromCharCode(BASE + 4 * n + kind);
  const tagsIn = (text) => Array.from(text || "").filter(isTag);

  // the tags of a that b lacks, each occurrence counted (tm.tags._minus)
  function minus(a, b) {
    const rest = b.slice();
    return a.filter((c) => {
      const i = rest.indexOf(c);
      if (i < 0) return true;
      rest.splice(i, 1);
      return false;
    });
  }
  // the source's tags the target lacks, in the source's order (tm.tags.missing_next: the first)
  const missing = (source, target) => minus(tagsIn(source), tagsIn(target));

  // A row's tag table {n: {kind, name, title}}, from its data-tags (the server's segment JSON)
  const tables = new Map();
  function tableOf(row) {
    const raw = (row && row.dataset.tags) || "";
    if (!raw) return {};
    if (!tables.has(raw)) tables.set(raw, JSON.parse(raw));
    return tables.get(raw);
  }

  // b1, /b1, br3: as web/documents.py labels the chips it draws
  function label(ch, table) {
    const t = parse(ch);
    if (!t) return ch;
    const tag = (table || {})[t.n] || {};
    return `${t.kind === CLOSE ? "/" : ""}${tag.name || "x"}${t.n}`;
  }

  function chip(ch, table) {
    const t = parse(ch);
    const tag = (table || {})[t.n] || {};
    const span = document.createElement("span");
    span.className = `tag-chip tag-${KINDS[t.kind]} tag-c${(t.n - 1) % 6}`;
    span.setAttribute("contenteditable", "false");
    span.dataset.tag = ch;
    if (tag.title) span.title = tag.title;
    span.textContent = label(ch, table);
    return span;
  }

  // a text as nodes: its runs of text, and a chip for each tag
  function nodes(text, table) {
    const out = [];
    let run = "";
    Array.from(text).forEach((c) => {
      if (!isTag(c)) { run += c; return; }
      if (run) out.push(document.createTextNode(run));
      run = "";
      out.push(chip(c, table));
    });
    if (run) out.push(document.createTextNode(run));
    return out;
  }

  // the text a node stands for: a chip is its tag character, a line break "\n"
  function read(node) {
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    if (node.nodeType === Node.ELEMENT_NODE && node.dataset.tag) return node.dataset.tag;
    if (node.nodeName === "BR") return "\n";
    let out = "";
    node.childNodes.forEach((c) => {
      // a block the browser made for a new line (Enter is ours, but a drop or an extension may)
      if ((c.nodeName === "DIV" || c.nodeName === "P") && c.previousSibling) out += "\n";
      out += read(c);
    });
    return out;
  }

  // Tag characters in the text under a node become chips (panels that drew a text as text).
  function decorate(node, table) {
    const found = [];
    const walk = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      if (ANY_TAG.test(walk.currentNode.data) && !walk.currentNode.parentElement.closest(".tag-chip")) found.push(walk.currentNode);
    }
    found.forEach((t) => t.replaceWith(...nodes(t.data, table)));
    return node;
  }

  // A QA message names tags as <x1>, </x1>, <x3/> (tm.tags.label): as nodes, with the chips instead
  function named(message, table) {
    const out = [];
    let pos = 0;
    message.replace(/<(\/?)[^<>\s/]*?(\d+)(\/?)>/g, (whole, close, n, empty, at) => {
      const kind = close ? CLOSE : empty ? EMPTY : OPEN;
      if (Number(n) < 1 || Number(n) > MAX_TAGS) return whole;
      if (at > pos) out.push(message.slice(pos, at));
      out.push(chip(char(Number(n), kind), table));
      pos = at + whole.length;
      return whole;
    });
    if (pos < message.length) out.push(message.slice(pos));
    return out;
  }

  window.tm.tags = { OPEN, CLOSE, EMPTY, parse, isTag, char, tagsIn, missing, tableOf, label, chip, nodes, read, decorate, named };

  // -- <tm-field> ----------------------------------------------------------------------------

  const COPY_TYPE = "application/x-tm-english"; // {from, text}: a copied English with its tags
  const TYPING_MS = 1000; // letters typed within this of each other undo together
  const UNDO_STEPS = 200;

  class Field extends HTMLElement {
    connectedCallback() {
      if (this.steps) return;
      this.steps = []; // states after each change: {value, sel, kind, at}
      this.undone = [];
      this.saved = null; // [start, end] of the selection while the focus is elsewhere
      this.pointing = false;
      this.tidy();
      this.record("load");
      this.addEventListener("beforeinput", (e) => this.beforeInput(e));
      this.addEventListener("input", (e) => this.changed(e));
      this.addEventListener("keydown", (e) => this.keys(e));
      this.addEventListener("paste", (e) => this.paste(e));
      this.addEventListener("copy", (e) => this.copy(e, false));
      this.addEventListener("cut", (e) => this.copy(e, true));
      this.addEventListener("dragstart", (e) => e.preventDefault()); // a drag would copy, not move
      this.addEventListener("drop", (e) => this.drop(e));
      this.addEventListener("pointerdown", () => { this.pointing = true; });
      this.addEventListener("blur", () => {
        this.pointing = false;
        this.saved = this.live() || this.saved; // selectionchange comes later, if at all
      });
      this.addEventListener("focus", () => {
        // like a textarea, the box comes back with its selection (a click places its own); the
        // first time, the caret goes after the text
        if (!this.pointing) this.setSelectionRange(...(this.saved || [this.value.length, this.value.length]));
        this.pointing = false;
      });
    }

    get table() { return tableOf(this.closest(".seg")); }

    get value() {
      const last = this.lastChild;
      const text = read(this);
      // a last <br> only holds the box's last line open: the browser's, or ours after a "\n"
      return last && last.nodeName === "BR" ? text.slice(0, -1) : text;
    }

    set value(text) {
      const value = String(text == null ? "" : text).replace(/\r\n?/g, "\n");
      this.render(value);
      this.saved = [value.length, value.length];
      if (document.activeElement === this) this.setSelectionRange(value.length, value.length);
      this.record("set");
    }

    get readOnly() { return this.getAttribute("contenteditable") !== "true"; }

    set readOnly(on) {
      this.setAttribute("contenteditable", on ? "false" : "true");
      this.setAttribute("aria-readonly", on ? "true" : "false");
    }

    get selectionStart() { return this.selection()[0]; }

    get selectionEnd() { return this.selection()[1]; }

    select() { this.setSelectionRange(0, this.value.length); }

    // [start, end] in the value: the page's selection when it is in this box, else the last one
    selection() {
      const live = this.live();
      if (live) return live;
      const n = this.value.length;
      return this.saved ? this.saved.map((k) => Math.min(k, n)) : [n, n];
    }

    live() {
      const sel = document.getSelection();
      if (!sel || !sel.rangeCount) return null;
      const range = sel.getRangeAt(0);
      if (!this.contains(range.startContainer) || !this.contains(range.endContainer)) return null;
      const n = this.value.length;
      return [this.offset(range.startContainer, range.startOffset), this.offset(range.endContainer, range.endOffset)]
        .map((k) => Math.min(k, n));
    }

    offset(node, at) {
      const before = document.createRange();
      before.selectNodeContents(this);
      before.setEnd(node, at);
      return read(before.cloneContents()).length;
    }

    // the DOM point of a place in the value (the box holds text nodes, chips and a last <br>)
    point(k) {
      let left = k;
      const kids = Array.from(this.childNodes);
      for (let i = 0; i < kids.length; i += 1) {
        const n = kids[i];
        if (n.nodeType === Node.TEXT_NODE) {
          if (left <= n.length) return [n, left];
          left -= n.length;
        } else {
          if (left === 0 || n.nodeName === "BR") return [this, i];
          left -= 1;
        }
      }
      return [this, kids.length];
    }

    setSelectionRange(start, end) {
      const n = this.value.length;
      const a = Math.max(0, Math.min(start, n));
      const b = Math.max(a, Math.min(end === undefined ? start : end, n));
      this.saved = [a, b];
      if (document.activeElement !== this) return; // the page's selection stays where it is
      const range = document.createRange();
      range.setStart(...this.point(a));
      range.setEnd(...this.point(b));
      const sel = document.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }

    render(value) {
      this.replaceChildren(...nodes(value, this.table));
      if (value.endsWith("\n")) this.append(document.createElement("br"));
    }

    // the box as render() draws it: text nodes without tag characters, chips, a last <br>
    canonical() {
      const kids = Array.from(this.childNodes);
      return kids.every((n, i) => {
        if (n.nodeType === Node.TEXT_NODE) return !ANY_TAG.test(n.data);
        if (n.nodeName === "BR") return i === kids.length - 1;
        return n.nodeName === "SPAN" && n.classList.contains("tag-chip") && isTag(n.dataset.tag || "");
      }) && (!this.value.endsWith("\n") || (this.lastChild && this.lastChild.nodeName === "BR"));
    }

    tidy() {
      if (this.canonical()) return;
      const sel = this.live();
      this.render(this.value);
      if (sel) this.setSelectionRange(...sel);
    }

    // Replace the selection (or [start, end]) with text, its tags as chips; the caret after it.
    insert(text, at) {
      if (this.readOnly) return;
      const [a, b] = at || this.selection();
      const value = this.value;
      this.render(value.slice(0, a) + text + value.slice(b));
      this.setSelectionRange(a + text.length);
      this.dispatchEvent(new Event("input", { bubbles: true }));
    }

    // after each change (typed, or sent as an input event): the box as drawn, and a step to undo
    changed(e) {
      if (this.restoring) return;
      if (!e.isComposing) this.tidy(); // an input method's text is left alone until it is done
      const typed = e.inputType === "insertText" || e.inputType === "insertCompositionText";
      this.record(typed ? "typing" : e.inputType || "edit");
      this.saved = this.live() || this.saved;
    }

    record(kind) {
      const value = this.value;
      const sel = this.live() || this.saved || [value.length, value.length];
      const top = this.steps[this.steps.length - 1];
      const at = Date.now();
      if (top && top.value === value) { top.sel = sel; return; }
      if (top && kind === "typing" && top.kind === "typing" && at - top.at < TYPING_MS && this.steps.length > 1) {
        Object.assign(top, { value, sel, at });
      } else {
        this.steps.push({ value, sel, kind, at });
        if (this.steps.length > UNDO_STEPS) this.steps.shift();
      }
      this.undone = [];
    }

    step(back) {
      if (this.readOnly) return;
      let state;
      if (back) {
        if (this.steps.length < 2) return;
        this.undone.push(this.steps.pop());
        state = this.steps[this.steps.length - 1];
      } else {
        state = this.undone.pop();
        if (!state) return;
        this.steps.push(state);
      }
      this.render(state.value);
      this.setSelectionRange(...state.sel);
      this.restoring = true;
      try {
        this.dispatchEvent(new Event("input", { bubbles: true }));
      } finally {
        this.restoring = false;
      }
    }

    beforeInput(e) {
      const type = e.inputType || "";
      if (type === "insertParagraph" || type === "insertLineBreak") {
        e.preventDefault();
        this.insert("\n");
      } else if (type === "historyUndo" || type === "historyRedo") {
        e.preventDefault();
        this.step(type === "historyUndo");
      } else if (type.startsWith("format")) {
        e.preventDefault(); // Ctrl+B and the like: the formatting is in the tags, not in the box
      }
    }

    keys(e) {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      if (e.code === "KeyZ" || e.code === "KeyY") {
        e.preventDefault();
        this.step(e.code === "KeyZ" && !e.shiftKey);
      }
    }

    // which sentence of which document this box is the English of
    get origin() {
      const row = this.closest(".seg");
      const workspace = this.closest("[data-doc]");
      return `${workspace ? workspace.dataset.doc : ""}:${row ? row.dataset.idx : ""}`;
    }

    // What a paste or a drop brings: plain text (no formatting, no markup); tags only when they
    // were copied from this very sentence (tag 1 of another sentence may be another formatting).
    incoming(data) {
      let copied = null;
      try {
        copied = JSON.parse(data.getData(COPY_TYPE) || "null");
      } catch (err) {
        copied = null;
      }
      const own = copied && copied.from === this.origin && typeof copied.text === "string";
      const text = (own ? copied.text : data.getData("text/plain") || "").replace(/\r\n?/g, "\n");
      const table = this.table;
      return Array.from(text).filter((c) => !isTag(c) || (own && parse(c).n in table)).join("");
    }

    paste(e) {
      e.preventDefault();
      if (!e.clipboardData || this.readOnly) return;
      this.insert(this.incoming(e.clipboardData));
    }

    copy(e, cut) {
      const [a, b] = this.selection();
      if (a === b) return;
      e.preventDefault();
      const text = this.value.slice(a, b);
      e.clipboardData.setData("text/plain", text.replace(new RegExp(ANY_TAG.source, "g"), ""));
      e.clipboardData.setData(COPY_TYPE, JSON.stringify({ from: this.origin, text }));
      if (cut) this.insert("", [a, b]);
    }

    drop(e) {
      e.preventDefault();
      if (this.readOnly || !e.dataTransfer) return;
      const text = this.incoming(e.dataTransfer);
      const place = document.caretRangeFromPoint ? document.caretRangeFromPoint(e.clientX, e.clientY) : null;
      this.focus();
      if (place && this.contains(place.startContainer)) {
        const k = this.offset(place.startContainer, place.startOffset);
        this.insert(text, [k, k]);
      } else {
        this.insert(text);
      }
    }
  }

  // where the selection is in a box, the box remembers it (as a textarea does when it loses focus)
  document.addEventListener("selectionchange", () => {
    const sel = document.getSelection();
    const node = sel && sel.rangeCount ? sel.getRangeAt(0).startContainer : null;
    const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    const box = element && element.closest("tm-field");
    if (box && box.steps) box.saved = box.live() || box.saved;
  });

  customElements.define("tm-field", Field);
})();
