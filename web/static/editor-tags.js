// Inline tags in the editor's rows: Ctrl+Alt+T inserts the next tag of the Arabic the English
// lacks (around the selected words for a pair), and a click on a chip in the Arabic inserts
// that tag at the caret. The chips themselves and the English box are editor-field.js's.
"use strict";

(function () {
  const editor = window.tm.editor;
  if (!editor) return;
  const { tags } = window.tm;
  const { readOnlySay } = editor.internal;

  const partner = (ch) => {
    const t = tags.parse(ch);
    return t.kind === tags.OPEN ? tags.char(t.n, tags.CLOSE) : null;
  };

  // Put a tag into a row's English at its caret: an opening tag before the selected words, and
  // its closing tag after them when the English lacks that too; a closing tag after them.
  function place(row, ch) {
    const box = editor.field(row);
    if (!box.insert) return; // a sentence without tags has a plain textarea
    box.focus();
    const [a, b] = [box.selectionStart, box.selectionEnd];
    const close = partner(ch);
    if (a !== b && close && tags.missing(editor.sourceText(row), box.value).includes(close)) {
      box.insert(ch + box.value.slice(a, b) + close, [a, b]);
      box.setSelectionRange(a + 1, b + 1); // the words stay selected, now inside the pair
      return;
    }
    const at = tags.parse(ch).kind === tags.OPEN ? a : b;
    box.insert(ch, [at, at]);
    if (a !== b) box.setSelectionRange(at === a ? a + 1 : a, at === a ? b + 1 : b); // the words stay selected
  }

  function insertNext(row) {
    if (!editor.writable) { readOnlySay(); return; }
    const source = editor.sourceText(row);
    if (!tags.tagsIn(source).length) {
      editor.say("This sentence has no formatting tags.");
      return;
    }
    const next = tags.missing(source, editor.field(row).value)[0];
    if (!next) {
      editor.say("The English has every tag of the Arabic.");
      return;
    }
    place(row, next);
  }

  document.addEventListener("keydown", (e) => {
    const row = editor.active();
    if (!row || e.defaultPrevented || e.code !== "KeyT" || !(e.ctrlKey || e.metaKey) || !e.altKey || e.shiftKey) return;
    if (e.getModifierState && e.getModifierState("AltGraph")) return; // AltGr+T types a letter on some keyboards
    if (document.querySelector("dialog[open]")) return;
    e.preventDefault();
    insertNext(row);
  });

  editor.rows.forEach((row) => {
    if (!row.dataset.tags) return;
    const src = row.querySelector(".src");
    // pressing a chip in the Arabic leaves the caret (and selection) in the English where it was
    src.addEventListener("mousedown", (e) => { if (e.target.closest(".tag-chip")) e.preventDefault(); });
    src.addEventListener("click", (e) => {
      const found = e.target.closest(".tag-chip");
      if (!found) return;
      e.stopPropagation(); // the row's own click handling would move the focus
      if (!editor.writable) { readOnlySay(); return; }
      if (editor.active() !== row) editor.activate(row);
      place(row, found.dataset.tag);
    });
  });
})();
