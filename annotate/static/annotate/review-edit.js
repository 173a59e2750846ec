// Edit, then accept: the span is set by selecting words (mouse, or arrow keys that move a word at a time),
// the label and attributes are chosen from the layer's own lists; the edited copy is accepted into gold.
import { h, human } from './annotate-forms.js';
import { offsetIn, pointsToUnits, unitsToPoints, words } from './annotate-text.js';
import { $, labelOf, layerOf } from './review-state.js';

function attributeControl(spec, value) {
  const id = `rv-attr-${spec.key}`;
  let input;
  if (spec.type === 'choice') {
    input = h('select', { id, 'data-key': spec.key }, h('option', { value: '' }, '—'),
      (spec.choices || []).map((choice) => h('option', { value: choice }, human(choice))));
    input.value = value ?? '';
  } else if (spec.type === 'bool') {
    input = h('input', { id, type: 'checkbox', 'data-key': spec.key });
    input.checked = Boolean(value);
  } else {
    input = h('input', { id, type: 'text', maxlength: '500', autocomplete: 'off', 'data-key': spec.key });
    input.value = value ?? '';
  }
  return h('p', { class: `rv-field${spec.type === 'bool' ? ' check' : ''}` },
    h('label', { for: id }, spec.name || human(spec.key)), ' ', input);
}

// A span picker over one sentence: [start, end) in UTF-16 units, always on word boundaries.
function picker(text, initial, onChange) {
  const spans = words(text);
  let [start, end] = initial;
  const box = h('div', {
    class: 'rv-pick', tabindex: '0', role: 'group', id: 'rv-pick',
    'aria-label': 'Span: select words with the mouse, or press ← → to move the start and Shift+← → to move the end',
  });
  const draw = () => {
    box.replaceChildren(text.slice(0, start), h('mark', { class: 'rv-sel' }, text.slice(start, end)), text.slice(end));
    onChange(start, end);
  };
  const startsAfter = (x) => spans.find(([a]) => a > x);
  const startsBefore = (x) => [...spans].reverse().find(([a]) => a < x);
  const endsAfter = (x) => spans.find(([, b]) => b > x);
  const endsBefore = (x) => [...spans].reverse().find(([, b]) => b < x && b > start);
  box.addEventListener('keydown', (event) => {
    const found = {
      ArrowRight: () => (event.shiftKey ? endsAfter(end) : startsAfter(start)),
      ArrowLeft: () => (event.shiftKey ? endsBefore(end) : startsBefore(start)),
    }[event.key];
    if (!found) return;
    event.preventDefault();
    const word = found();
    if (!word) return;
    if (event.shiftKey) end = word[1];
    else {
      start = word[0];
      if (end <= start) end = word[1];
    }
    draw();
  });
  box.addEventListener('mouseup', () => {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return;
    const from = offsetIn(box, range.startContainer, range.startOffset);
    const to = offsetIn(box, range.endContainer, range.endOffset);
    // Snap outwards to whole words: half a word is never what a reviewer means.
    const first = spans.find(([, b]) => b > from);
    const last = [...spans].reverse().find(([a]) => a < to);
    if (!first || !last || first[0] >= last[1]) return;
    [start, end] = [first[0], last[1]];
    selection.removeAllRanges();
    draw();
    box.focus();
  });
  draw();
  return box;
}

export function openEdit({ tag, sentence, note, editUrl, submit, close }) {
  const dialog = $('rv-edit');
  const layer = layerOf(tag);
  const label = h('select', { id: 'rv-edit-label' }, (layer.labels || []).map((l) => h('option', { value: String(l.id) }, l.name)));
  label.value = String(tag.label);
  const quote = h('p', { class: 'rv-pick-quote', 'aria-live': 'polite' });
  let span = null;
  let pick = null;
  const inSentence = tag.scope === 'span' && tag.sentence === sentence.index && tag.doc_end <= sentence.end;
  if (inSentence) {
    const initial = [pointsToUnits(sentence.text, tag.start), pointsToUnits(sentence.text, tag.end)];
    pick = picker(sentence.text, initial, (a, b) => {
      span = [a, b];
      quote.textContent = `Span: “${sentence.text.slice(a, b)}”`;
    });
  }
  const specs = layer.attributes || [];
  const attrs = specs.map((spec) => attributeControl(spec, (tag.attributes || {})[spec.key]));
  const noteInput = h('input', { id: 'rv-edit-note', type: 'text', maxlength: '2000', autocomplete: 'off' });
  noteInput.value = note;
  const error = h('p', { class: 'rv-message error', role: 'alert', hidden: true });
  const form = h('form', { class: 'rv-editform', novalidate: true },
    h('div', { class: 'rv-dialog-head' }, h('h2', { id: 'rv-edit-title' }, 'Edit, then accept')),
    h('p', {}, `${tag.annotator} tagged `, tag.quote ? h('q', {}, tag.quote) : 'this', ` as ${layer.name}: ${labelOf(tag).name}. `,
      'The edited copy goes into the gold version, recording this tag as its source.'),
    pick ? [h('p', { class: 'muted' }, 'Select the words of the span: drag over them, or ← → move the start and Shift+← → the end, a word at a time.'), pick, quote]
      : tag.scope === 'span' ? h('p', { class: 'muted' }, 'This span runs on past its sentence: its ends are kept. ',
        h('a', { href: editUrl }, 'Change them on the full form')) : null,
    h('p', { class: 'rv-field' }, h('label', { for: 'rv-edit-label' }, 'Label'), ' ', label),
    attrs,
    h('p', { class: 'rv-field' }, h('label', { for: 'rv-edit-note' }, 'Reviewer note'), ' ', noteInput),
    error,
    h('p', { class: 'rv-dialog-actions' },
      h('button', { type: 'button', 'data-close': '1' }, 'Cancel ', h('kbd', {}, 'Esc')),
      h('button', { type: 'submit', class: 'primary' }, 'Accept edited tag ', h('kbd', {}, 'Enter'))));
  form.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.target === pick || event.target.tagName === 'SELECT' || event.target.type === 'checkbox')) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const attributes = {};
    form.querySelectorAll('[data-key]').forEach((input) => {
      const value = input.type === 'checkbox' ? input.checked : input.value.trim();
      if (value !== '' && !(input.type === 'checkbox' && !value && !(input.dataset.key in (tag.attributes || {})))) {
        attributes[input.dataset.key] = value;
      }
    });
    const extra = { label: Number(label.value), attributes };
    if (span) Object.assign(extra, { start: unitsToPoints(sentence.text, span[0]), end: unitsToPoints(sentence.text, span[1]) });
    const result = await submit(extra, noteInput.value);
    if (result === true || (result && (result.status === 412 || result.status === 409))) {
      dialog.close();
      return;
    }
    error.hidden = false;
    error.textContent = result ? `Not saved: ${$('rv-error').textContent.replace(/^Not saved: /, '')}` : 'Not saved: no connection to the server.';
  });
  dialog.replaceChildren(form);
  dialog.onclose = close;
  dialog.showModal();
  (pick || label).focus();
}
