// The plain edit-then-accept form: selecting words in the sentence fills start and end,
// in code points as the server counts them. The review page's own dialog does the same by keyboard too.
(function () {
  'use strict';
  const sentence = document.getElementById('rv-sentence-text');
  const start = document.getElementById('id_start');
  const end = document.getElementById('id_end');
  if (!sentence || !start || !end) return;
  const codePoints = (text) => Array.from(text).length;
  sentence.addEventListener('mouseup', () => {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!sentence.contains(range.startContainer) || !sentence.contains(range.endContainer)) return;
    const before = document.createRange();
    before.setStart(sentence, 0);
    before.setEnd(range.startContainer, range.startOffset);
    const from = codePoints(before.toString());
    start.value = from;
    end.value = from + codePoints(range.toString());
  });
})();
