// The annotation page: one sentence in focus, every layer of the codebook, keyboard first.
// Every change is shown at once and queued for the API; the status line says what is not saved yet.
import { h, human, openForm } from './annotate-forms.js';
import { call, Queue } from './annotate-sync.js';
import { offsetIn, pointsToUnits, renderText, trim, unitsToPoints, words } from './annotate-text.js';

const $ = (id) => document.getElementById(id);
const data = JSON.parse($('page-data').textContent);
const me = data.me;
const layers = data.codebook.layers;
const labels = new Map();
for (const layer of layers) for (const label of layer.labels) labels.set(label.id, { ...label, layer });
const segments = data.segments;
const segById = new Map(segments.map((s) => [s.id, s]));
const anns = new Map(data.annotations.map((a) => [String(a.id), a]));
const dialog = $('form-dialog');
const view = { focus: 0, layer: 0, sel: null, caret: null, anchor: null, selError: null, showAll: false, byAnnotator: false };
const spanStyle = {};
layers.filter((l) => l.scope === 'span').forEach((l, i) => { spanStyle[l.key] = ['solid', 'dashed', 'dotted'][i % 3]; });
// Dark enough for 3:1 against the page, so an underline is seen without relying on its hue alone.
const PALETTE = ['#1f5fa8', '#b3261e', '#1e7a34', '#7b3fa0', '#a35200', '#00707a', '#5d4037', '#c2185b'];
const OUTSIDE = 'The selected text is outside the focused sentence: nothing was sent. '
  + 'Click the sentence you mean first (or move to it with j/k), then select words in it.';
const NO_SELECTION = 'Select words in the focused sentence first: drag over them with the mouse, '
  + 'or press → / ← (hold Shift to take in more words).';
let tempIds = 0;
let failure = null;

const labelOf = (a) => labels.get(a.label);
const layerOf = (a) => labelOf(a).layer;
const focused = () => segments[view.focus];
const all = () => [...anns.values()];
const find = (id) => (id == null || id === '' ? null : anns.get(String(id)));
const mine = (a) => a.annotator === me && !a.deleting;
const shown = (a) => !a.deleting && (a.annotator === me || view.showAll);
const short = (text, n = 60) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
const positionOf = (a) => (a.segment ? segById.get(a.segment).index : -1);

function tagOf(label) {
  const parts = label.key.split('_');
  return parts.length > 1 ? parts.map((p) => p[0]).join('').toUpperCase() : label.key[0].toUpperCase() + label.key.slice(1, 3);
}

function annotators() {
  return [me, ...[...new Set(all().map((a) => a.annotator))].filter((n) => n !== me).sort()];
}

function colorOf(a, names) {
  return view.byAnnotator ? PALETTE[(names || annotators()).indexOf(a.annotator) % PALETTE.length] : labelOf(a).color;
}

// ---- messages and save status

function say(text, kind = 'error') {
  const box = $('message');
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = !text;
}

function problem(response, what) {
  const body = response.data && typeof response.data === 'object' ? response.data : {};
  const details = Object.entries(body).filter(([key]) => key !== 'current').map(([key, value]) => {
    const text = [].concat(value).map((v) => (typeof v === 'object' ? JSON.stringify(v) : v)).join(' ');
    return key === 'detail' || key === 'non_field_errors' ? text : `${human(key.replace('attributes.', ''))}: ${text}`;
  });
  failure = `${what}: ${details.join('; ') || `the server answered ${response.status}`}.`;
  say(failure);
}

function drawStatus(queue) {
  const status = $('save-status');
  const waiting = `${queue.pending} change${queue.pending === 1 ? '' : 's'} waiting`;
  const [state, text] = queue.timer ? ['offline', `Not saved yet: ${queue.trouble}. Retrying… (${waiting})`]
    : queue.pending ? ['saving', 'Saving…']
      : failure ? ['failed', `Not saved: ${failure}`]
        : ['saved', 'All changes saved'];
  status.dataset.state = state;
  status.textContent = text;
  $('retry').hidden = state !== 'offline';
  drawLists();
}

const queue = new Queue(drawStatus);

function send(op) {
  const done = op.done;
  op.done = (response) => {
    failure = null;
    done(response);
  };
  queue.push(op);
}

// ---- drawing

function buildArticle() {
  const article = $('article');
  let block = null;
  let paragraph = null;
  for (const seg of segments) {
    if (!block || seg.paragraph !== paragraph) {
      const tag = { title: 'h1', heading: 'h2' }[seg.kind] || 'p';
      block = h(tag, { class: `blk blk-${seg.kind}` });
      article.append(block);
      paragraph = seg.paragraph;
    } else {
      block.append(' ');
    }
    seg.textEl = h('span', { class: 'seg-text' });
    seg.tagsEl = h('span', { class: 'seg-tags', 'aria-hidden': 'true' });
    seg.el = h('span', { class: 'seg', id: `s${seg.index}`, tabindex: '-1', 'data-id': seg.id }, seg.textEl, seg.tagsEl);
    block.append(seg.el);
  }
}

function drawSegment(seg, names = annotators()) {
  const isFocus = seg === focused();
  const here = all().filter((a) => a.segment === seg.id && shown(a));
  const marks = here.filter((a) => a.scope === 'span').map((a) => ({
    start: pointsToUnits(seg.text, a.start),
    end: pointsToUnits(seg.text, a.end),
    color: colorOf(a, names),
    style: spanStyle[a.layer] || 'solid',
    tag: tagOf(labelOf(a)),
    id: a.id,
    title: `${labelOf(a).name} (${layerOf(a).name})${a.annotator === me ? '' : `, by ${a.annotator}`}`,
  }));
  const sel = isFocus && view.sel ? [view.sel.start, view.sel.end] : null;
  const caret = isFocus && view.caret !== null ? words(seg.text)[view.caret] : null;
  renderText(seg.textEl, seg.text, marks, sel, caret);
  seg.tagsEl.replaceChildren(...here.filter((a) => a.scope !== 'span').map((a) => h('span',
    { class: 'mini', style: { '--c': colorOf(a, names) }, title: labelOf(a).name }, tagOf(labelOf(a)))));
  seg.el.classList.toggle('done', seg.done);
  seg.el.classList.toggle('focus', isFocus);
  seg.el.tabIndex = isFocus ? 0 : -1;
  if (isFocus) seg.el.setAttribute('aria-current', 'true');
  else seg.el.removeAttribute('aria-current');
}

function drawAll() {
  const names = annotators();
  segments.forEach((seg) => drawSegment(seg, names));
  drawPanel();
}

function touched(...items) {
  const ids = new Set(items.map((a) => a.segment).filter(Boolean));
  ids.add(focused().id);
  const names = annotators();
  ids.forEach((id) => drawSegment(segById.get(id), names));
  drawPanel();
}

function drawPanel() {
  const seg = focused();
  const kind = seg.kind === 'body' ? '' : ` (${seg.kind})`;
  $('position').textContent = `Sentence ${view.focus + 1} of ${segments.length}${kind}${seg.done ? ', done' : ''}`;
  const button = $('done-button');
  button.setAttribute('aria-pressed', String(seg.done));
  button.querySelector('.what').textContent = seg.done ? 'Done ✓' : 'Mark done';
  const done = segments.filter((s) => s.done).length;
  const bar = $('progress');
  bar.setAttribute('aria-valuenow', done);
  bar.setAttribute('aria-valuetext', `${done} of ${segments.length} sentences done`);
  bar.firstElementChild.style.width = `${(100 * done) / segments.length}%`;
  $('progress-text').textContent = `${done} / ${segments.length} done`;
  drawTabs();
  drawLabels();
  drawSelection();
  drawLists();
  drawLegend();
}

function drawTabs() {
  [...$('layer-tabs').children].forEach((tab, i) => {
    tab.setAttribute('aria-selected', String(i === view.layer));
    tab.tabIndex = i === view.layer ? 0 : -1;
  });
  $('layer-panel').setAttribute('aria-labelledby', `tab-${layers[view.layer].key}`);
}

const HINTS = {
  segment: 'Toggle labels on the focused sentence.',
  span: 'Select words in the focused sentence, then pick a label.',
  document: 'Labels for the whole article, with an optional anchor sentence.',
  relation: 'Link a content span to its source span (and cue).',
};

function drawLabels() {
  const layer = layers[view.layer];
  const seg = focused();
  const have = new Set(all().filter((a) => mine(a) && layerOf(a) === layer
    && (layer.scope === 'document' || a.segment === seg.id)).map((a) => a.label));
  const toggles = layer.scope === 'segment' || layer.scope === 'document';
  const buttons = layer.labels.map((label) => h('button', {
    type: 'button',
    class: 'label',
    title: [label.definition, label.example && `Example: ${label.example}`].filter(Boolean).join('\n'),
    'aria-pressed': toggles ? String(have.has(label.id)) : null,
    style: { '--c': label.color },
    onmousedown: (e) => e.preventDefault(),
    onclick: () => useLabel(label),
  }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), h('span', { class: 'name' }, label.name),
  label.hotkey ? h('kbd', { 'aria-label': `key ${label.hotkey}` }, label.hotkey) : null));
  $('layer-panel').replaceChildren(
    h('p', { class: 'hint' }, layer.description || HINTS[layer.scope], ' ', h('span', { class: 'muted' }, HINTS[layer.scope])),
    h('div', { class: 'labels', role: 'group', 'aria-label': `${layer.name} labels` }, buttons));
}

function drawSelection() {
  const seg = focused();
  $('selection').textContent = view.sel
    ? `Selected: “${short(seg.text.slice(view.sel.start, view.sel.end), 80)}”`
    : 'No words selected.';
}

function describeRelation(a) {
  const quote = (id) => (find(id) ? `“${short(find(id).quote, 40)}”` : '(deleted span)');
  return `${quote(a.relation_content)} → ${quote(a.relation_source)}${a.relation_cue ? `, cue ${quote(a.relation_cue)}` : ''}`;
}

function highlight(a, on) {
  for (const piece of document.querySelectorAll('.piece[data-ann]')) {
    piece.classList.toggle('hl', on && piece.dataset.ann.split(' ').includes(String(a.id)));
  }
}

function item(a, names) {
  const label = labelOf(a);
  const own = a.annotator === me;
  const attrs = Object.entries(a.attributes || {}).filter(([, v]) => v !== '' && v !== null)
    .map(([k, v]) => `${human(k)}: ${v === true ? 'yes' : v === false ? 'no' : human(v)}`);
  const what = `${label.name}${a.quote ? ` “${short(a.quote, 30)}”` : ''}`;
  const anchor = a.scope === 'document' && a.segment ? h('button', {
    type: 'button', class: 'link', onclick: () => focusSegment(positionOf(a)),
  }, `anchored at sentence ${positionOf(a) + 1}`) : null;
  return h('li', {
    class: `ann${a.pending ? ' pending' : ''}`, 'data-id': a.id, style: { '--c': colorOf(a, names) },
    onmouseenter: () => highlight(a, true), onmouseleave: () => highlight(a, false),
    onfocusin: () => highlight(a, true), onfocusout: () => highlight(a, false),
  },
  h('div', { class: 'ann-head' }, h('span', { class: 'mini' }, tagOf(label)), h('strong', {}, label.name),
    h('span', { class: 'muted' }, ` ${label.layer.name}`), own ? null : h('span', { class: 'by' }, a.annotator)),
  a.quote ? h('div', { class: 'quote' }, `“${a.quote}”`) : null,
  a.scope === 'relation' ? h('div', { class: 'quote' }, describeRelation(a)) : null,
  anchor,
  attrs.length ? h('div', { class: 'attrs' }, attrs.join(' · ')) : null,
  a.note ? h('div', { class: 'note' }, a.note) : null,
  a.pending ? h('div', { class: 'state' }, queue.timer ? 'not saved yet' : 'saving…') : null,
  own ? h('div', { class: 'ann-actions' },
    h('button', { type: 'button', onclick: () => editForm(a), 'aria-label': `Edit ${what}` }, 'Edit'),
    h('button', { type: 'button', onclick: () => remove(a), 'aria-label': `Delete ${what}` }, 'Delete')) : null);
}

const order = (a, b) => layers.indexOf(layerOf(a)) - layers.indexOf(layerOf(b)) || (a.start ?? 0) - (b.start ?? 0);

function drawLists() {
  if (!segments.length) return;
  const seg = focused();
  const names = annotators();
  const spansHere = new Set(all().filter((a) => a.segment === seg.id && a.scope === 'span').map((a) => String(a.id)));
  const linked = (a) => a.scope === 'relation'
    && [a.relation_content, a.relation_source, a.relation_cue].some((id) => spansHere.has(String(id)));
  const here = all().filter((a) => shown(a) && (a.segment === seg.id || linked(a))).sort(order);
  $('sentence-anns').replaceChildren(...(here.length ? here.map((a) => item(a, names))
    : [h('li', { class: 'empty' }, seg.done ? 'Done: nothing tagged here.' : 'No tags on this sentence yet.')]));
  const whole = all().filter((a) => shown(a) && a.scope === 'document').sort(order);
  $('document-anns').replaceChildren(...(whole.length ? whole.map((a) => item(a, names))
    : [h('li', { class: 'empty' }, 'No article-level tags yet.')]));
}

function drawLegend() {
  const names = annotators();
  const lines = Object.entries(spanStyle).map(([key, style]) => h('li', {},
    h('span', { class: `line ${style}`, 'aria-hidden': 'true' }), `${layers.find((l) => l.key === key).name}: ${style} underline`));
  if (view.showAll && view.byAnnotator) {
    lines.push(...names.map((name, i) => h('li', {},
      h('span', { class: 'swatch', style: { '--c': PALETTE[i % PALETTE.length] }, 'aria-hidden': 'true' }),
      name === me ? `${name} (you)` : name)));
  }
  $('legend').replaceChildren(...lines);
}

// ---- moving and selecting

function focusSegment(i, scroll = true) {
  const old = focused();
  view.focus = Math.max(0, Math.min(segments.length - 1, i));
  if (old !== focused()) {
    Object.assign(view, { sel: null, caret: null, anchor: null, selError: null });
    say('');
    drawSegment(old);
  }
  drawSegment(focused());
  drawPanel();
  const el = focused().el;
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: scroll ? 'center' : 'nearest' });
  history.replaceState(null, '', `#s${focused().index}`);
}

function clearSelection() {
  Object.assign(view, { sel: null, caret: null, anchor: null, selError: null });
  const native = getSelection();
  if (native.rangeCount && $('article').contains(native.getRangeAt(0).commonAncestorContainer)) native.removeAllRanges();
  drawSegment(focused());
  drawSelection();
}

function moveCaret(step, extend) {
  const seg = focused();
  const tokens = words(seg.text);
  if (!tokens.length) return;
  if (view.caret === null) {
    view.caret = step > 0 ? 0 : tokens.length - 1;
    view.anchor = view.caret;
  } else {
    view.caret = Math.max(0, Math.min(tokens.length - 1, view.caret + step));
    if (!extend) view.anchor = view.caret;
  }
  const [a, b] = [Math.min(view.anchor, view.caret), Math.max(view.anchor, view.caret)];
  view.sel = { start: tokens[a][0], end: tokens[b][1] };
  view.selError = null;
  getSelection().removeAllRanges();
  drawSegment(seg);
  drawSelection();
}

function nativeSelection() {
  const native = getSelection();
  if (!native.rangeCount || native.isCollapsed) return null;
  const range = native.getRangeAt(0);
  if (!$('article').contains(range.commonAncestorContainer)) return null;
  const seg = focused();
  if (!seg.textEl.contains(range.startContainer) || !seg.textEl.contains(range.endContainer)) return { error: OUTSIDE };
  const [start, end] = trim(seg.text, offsetIn(seg.textEl, range.startContainer, range.startOffset),
    offsetIn(seg.textEl, range.endContainer, range.endOffset));
  return start < end ? { start, end } : { error: 'Only spaces are selected: select words.' };
}

function currentSelection() {
  return nativeSelection() || view.sel || { error: view.selError || NO_SELECTION };
}

function onMouseUp(event) {
  const segEl = event.target.closest('.seg');
  if (getSelection().isCollapsed) {
    if (segEl) focusSegment(segments.indexOf(segById.get(Number(segEl.dataset.id))), false);
    return;
  }
  const result = nativeSelection();
  if (!result) return;
  Object.assign(view, result.error ? { sel: null, selError: result.error }
    : { sel: result, caret: null, anchor: null, selError: null });
  say(result.error || '');
  drawSelection();
}

// ---- changes: each is shown at once and queued for the API

function create(body, ends = {}) {
  const label = labels.get(body.label);
  const a = {
    id: `new${++tempIds}`, annotator: me, document: data.document, segment: body.segment ?? null,
    label: label.id, label_key: label.key, layer: label.layer.key, scope: label.layer.scope,
    start: body.start ?? null, end: body.end ?? null, quote: body.quote || '', attributes: body.attributes || {},
    note: body.note || '', version: 0, pending: 1,
    ...Object.fromEntries(Object.entries(ends).map(([k, end]) => [k, end ? end.id : null])),
  };
  anns.set(a.id, a);
  touched(a);
  const what = `“${label.name}”${a.quote ? ` on “${short(a.quote, 40)}”` : ''}`;
  send({
    skip: () => {
      if (!Object.values(ends).some((end) => end && end.failed)) return false;
      anns.delete(a.id);
      a.failed = true;
      say(`${what} was not saved: a span it links was refused.`);
      touched(a);
      return true;
    },
    request: () => ({
      method: 'POST', url: '/api/annotations/',
      body: { ...body, ...Object.fromEntries(Object.entries(ends).map(([k, end]) => [k, end ? end.id : null])) },
    }),
    done: (response) => {
      const temp = a.id;
      anns.delete(temp);
      Object.assign(a, response.data, { pending: a.pending - 1 });
      anns.set(String(a.id), a);
      for (const other of all()) {
        for (const key of ['relation_content', 'relation_source', 'relation_cue']) if (other[key] === temp) other[key] = a.id;
      }
      touched(a);
    },
    fail: (response) => {
      anns.delete(a.id);
      a.failed = true;
      problem(response, `${what} was not saved`);
      touched(a);
    },
  });
}

function change(a, changes) {
  const before = Object.fromEntries(Object.keys(changes).map((key) => [key, a[key]]));
  Object.assign(a, changes);
  a.pending += 1;
  touched(a);
  send({
    skip: () => a.failed,
    request: () => ({ method: 'PATCH', url: `/api/annotations/${a.id}/`, body: changes, etag: `"${a.id}.${a.version}"` }),
    done: (response) => {
      Object.assign(a, response.data, { pending: a.pending - 1 });
      touched(a);
    },
    fail: (response) => {
      a.pending -= 1;
      if (response.status === 412 || response.status === 404) return conflict(a, response);
      Object.assign(a, before);
      problem(response, `The change to “${labelOf(a).name}” was not saved`);
      touched(a);
    },
  });
}

function remove(a) {
  // The server deletes relations with the span they link; the page follows at once.
  const links = all().filter((r) => r.scope === 'relation' && [r.relation_content, r.relation_source].includes(a.id));
  const gone = [a, ...links];
  gone.forEach((x) => { x.deleting = true; });
  a.pending += 1;
  touched(a);
  const finish = () => {
    gone.forEach((x) => anns.delete(String(x.id)));
    for (const r of all()) if (r.relation_cue === a.id) r.relation_cue = null;
    touched(a);
  };
  send({
    skip: () => a.failed,
    request: () => ({ method: 'DELETE', url: `/api/annotations/${a.id}/`, etag: `"${a.id}.${a.version}"` }),
    done: finish,
    fail: (response) => {
      a.pending -= 1;
      if (response.status === 404) return finish();
      gone.forEach((x) => { x.deleting = false; });
      if (response.status === 412) return conflict(a, response);
      problem(response, `“${labelOf(a).name}” was not deleted`);
      touched(a);
    },
  });
}

function conflict(a, response) {
  const current = response.data && response.data.current;
  const name = labelOf(a).name;
  if (current) {
    Object.assign(a, current, { deleting: false });
  } else {
    anns.delete(String(a.id));
    a.failed = true;
  }
  failure = `“${name}” was ${current ? 'changed' : 'deleted'} by another session`;
  say(current
    ? `Conflict: “${name}” was changed elsewhere since this page loaded (it is now at version ${current.version}). `
      + 'Your change was not applied; the sentence was reloaded with the saved version.'
    : `Conflict: “${name}” was deleted elsewhere; your change was not applied.`, 'conflict');
  touched(a);
  reloadSegment(a.segment || focused().id);
}

async function reloadSegment(id) {
  let response;
  try {
    response = await call('GET', `/api/segments/${id}/`);
  } catch {
    say('The sentence could not be reloaded: no connection. Reload the page when you are back online.');
    return;
  }
  if (!response.ok) return;
  const seg = segById.get(id);
  const fresh = new Map(response.data.annotations.map((a) => [String(a.id), a]));
  for (const a of all()) {
    if (a.segment === id && typeof a.id === 'number' && !a.pending && !fresh.has(String(a.id))) anns.delete(String(a.id));
  }
  for (const [key, a] of fresh) {
    const local = anns.get(key);
    if (!local) anns.set(key, a);
    else if (!local.pending) Object.assign(local, a);
  }
  seg.done = response.data.done;
  drawSegment(seg);
  drawPanel();
}

function setDone(seg, value) {
  if (seg.done === value) return;
  seg.done = value;
  drawSegment(seg);
  drawPanel();
  send({
    request: () => ({ method: value ? 'POST' : 'DELETE', url: `/api/segments/${seg.id}/done/` }),
    done: () => {},
    fail: (response) => {
      seg.done = !value;
      problem(response, `Sentence ${seg.index + 1} was not marked ${value ? 'done' : 'not done'}`);
      drawSegment(seg);
      drawPanel();
    },
  });
}

function doneAndNext() {
  setDone(focused(), true);
  if (view.focus < segments.length - 1) focusSegment(view.focus + 1);
  else say('That was the last sentence.', 'info');
}

// ---- labels of each scope

const needsForm = (layer, label) => layer.attributes.some((s) => s.required || (s.required_for || []).includes(label.key));

function attributeFields(layer, values, labelKey) {
  return layer.attributes.map((spec) => ({
    key: `attr:${spec.key}`,
    name: spec.name || human(spec.key),
    type: { choice: 'choice', bool: 'bool' }[spec.type] || 'text',
    choices: spec.choices || [],
    value: (values || {})[spec.key],
    required: spec.required ? true : (v) => (spec.required_for || []).includes(labelKey(v)),
    requiredWhy: spec.required ? null : (v) => `for the label “${human(labelKey(v))}”`,
  }));
}

function attributesFrom(layer, values) {
  const out = {};
  for (const spec of layer.attributes) {
    const value = values[`attr:${spec.key}`];
    if (value !== '' && value !== null && value !== undefined && value !== false) out[spec.key] = value;
  }
  return out;
}

const noteField = (value) => ({ key: 'note', name: 'Note', type: 'note', value: value || '' });
const sameAttributes = (x, y) => JSON.stringify(Object.entries(x).sort()) === JSON.stringify(Object.entries(y || {}).sort());
const refocus = () => focused().el.focus({ preventScroll: true });

function useLabel(label) {
  ({ segment: toggleSentenceLabel, span: tagSpan, document: documentForm, relation: relationForm })[label.layer.scope](label);
}

function createForm(label, body, intro) {
  const layer = label.layer;
  openForm(dialog, {
    title: `${label.name} · ${layer.name}`,
    intro,
    fields: [...attributeFields(layer, {}, () => label.key), noteField('')],
    submit: 'Add',
    onSubmit: (v) => {
      if (body.quote) clearSelection();
      create({ ...body, attributes: attributesFrom(layer, v), note: v.note });
    },
    onClose: refocus,
  });
}

function toggleSentenceLabel(label) {
  const seg = focused();
  const layer = label.layer;
  const existing = all().filter((a) => mine(a) && a.segment === seg.id && layerOf(a) === layer);
  const same = existing.find((a) => a.label === label.id);
  if (same) return remove(same);
  if (!layer.multiple && existing.length) return change(existing[0], { label: label.id });
  const body = { segment: seg.id, label: label.id, attributes: {}, note: '' };
  if (needsForm(layer, label)) return createForm(label, body, `Sentence ${view.focus + 1}: “${short(seg.text, 120)}”`);
  create(body);
}

function tagSpan(label) {
  const seg = focused();
  const sel = currentSelection();
  if (sel.error) return say(sel.error);
  const body = {
    segment: seg.id, label: label.id, start: unitsToPoints(seg.text, sel.start), end: unitsToPoints(seg.text, sel.end),
    quote: seg.text.slice(sel.start, sel.end), attributes: {}, note: '',
  };
  say('');
  if (needsForm(label.layer, label)) return createForm(label, body, `“${body.quote}”`);
  clearSelection();
  create(body);
}

function documentForm(label) {
  const layer = label.layer;
  const seg = focused();
  const single = !layer.multiple && all().find((a) => mine(a) && a.scope === 'document' && layerOf(a) === layer);
  if (single) return editForm(single, { label: label.id });
  openForm(dialog, {
    title: `${label.name} · ${layer.name}`,
    intro: label.definition,
    fields: [...attributeFields(layer, {}, () => label.key),
      { key: 'anchor', name: `Anchor at sentence ${view.focus + 1}: “${short(seg.text, 70)}”`, type: 'bool',
        help: 'Optional: the sentence where this matters most.' },
      noteField('')],
    submit: 'Add',
    onSubmit: (v) => create({
      document: data.document, ...(v.anchor ? { segment: seg.id } : {}), label: label.id,
      attributes: attributesFrom(layer, v), note: v.note,
    }),
    onClose: refocus,
  });
}

function endpointFields(layer, values, forEdit) {
  const ends = layer.relation_endpoints || {};
  const seg = focused();
  const spans = all().filter((a) => mine(a) && a.scope === 'span' && (!forEdit || typeof a.id === 'number'));
  const near = (a, b) => (b.segment === seg.id) - (a.segment === seg.id) || positionOf(a) - positionOf(b) || a.start - b.start;
  const fields = [['content', 'Content: what is attributed', true], ['source', 'Source: who is credited', true],
    ['cue', 'Cue: the attributing words', false]].map(([role, name, required]) => {
    const options = spans.filter((a) => !ends[role] || labelOf(a).key === ends[role]).sort(near);
    const first = options.find((a) => a.segment === seg.id);
    return {
      key: role, name, type: 'options', required, placeholder: required ? '— choose —' : '— none —',
      options: options.map((a) => ({ value: String(a.id), label: `S${positionOf(a) + 1} · “${short(a.quote, 50)}”` })),
      value: values ? (values[`relation_${role}`] ? String(values[`relation_${role}`]) : '') : first ? String(first.id) : '',
      count: options.length,
    };
  });
  return fields;
}

function relationForm(label) {
  const layer = label.layer;
  const endpoints = endpointFields(layer, null, false);
  if (!endpoints[0].count || !endpoints[1].count) {
    const spanLayer = layers.find((l) => l.scope === 'span' && l.labels.some((x) => x.key === (layer.relation_endpoints || {}).source));
    return say(`Mark a content span and a source span first${spanLayer ? ` (layer “${spanLayer.name}”)` : ''}, then link them here.`);
  }
  const attributes = attributeFields(layer, {}, () => label.key);
  if (endpoints[0].value && endpoints[1].value && attributes.length) attributes[0].focus = true;
  openForm(dialog, {
    title: `${label.name} · ${layer.name}`,
    intro: label.definition,
    fields: [...endpoints, ...attributes, noteField('')],
    submit: 'Link',
    check: (v) => (v.content && v.content === v.source ? { source: 'Source and content must be different spans.' } : {}),
    onSubmit: (v) => create(
      { label: label.id, attributes: attributesFrom(layer, v), note: v.note },
      { relation_content: find(v.content), relation_source: find(v.source), relation_cue: find(v.cue) }),
    onClose: refocus,
  });
}

function editForm(a, preset = {}) {
  const label = labelOf(a);
  const layer = label.layer;
  const keyOf = (v) => (v.label ? labels.get(Number(v.label)).key : label.key);
  const fields = [];
  if (layer.labels.length > 1) {
    fields.push({ key: 'label', name: 'Label', type: 'options', required: true,
      options: layer.labels.map((l) => ({ value: String(l.id), label: l.name })), value: String(preset.label || a.label) });
  }
  if (layer.scope === 'relation') fields.push(...endpointFields(layer, a, true));
  fields.push(...attributeFields(layer, a.attributes, keyOf), noteField(a.note));
  openForm(dialog, {
    title: `Edit ${label.name}`,
    intro: a.quote ? `“${a.quote}”` : a.scope === 'relation' ? describeRelation(a) : layer.name,
    fields,
    check: (v) => (v.content && v.content === v.source ? { source: 'Source and content must be different spans.' } : {}),
    onSubmit: (v) => {
      const changes = {};
      if (v.label && Number(v.label) !== a.label) changes.label = Number(v.label);
      for (const role of layer.scope === 'relation' ? ['content', 'source', 'cue'] : []) {
        const id = v[role] ? Number(v[role]) : null;
        if (id !== a[`relation_${role}`]) changes[`relation_${role}`] = id;
      }
      const attributes = attributesFrom(layer, v);
      if (!sameAttributes(attributes, a.attributes)) changes.attributes = attributes;
      if (v.note !== (a.note || '')) changes.note = v.note;
      if (Object.keys(changes).length) change(a, changes);
      else say('Nothing changed.', 'info');
    },
    onClose: refocus,
  });
}

// ---- keyboard

function setLayer(i) {
  view.layer = (i + layers.length) % layers.length;
  drawTabs();
  drawLabels();
}

function openPanel(id) {
  const panel = $(id);
  panel.showModal();
  if (id === 'guidelines') {
    const section = $(`gl-${layers[view.layer].key}`);
    if (section) section.scrollIntoView({ block: 'start' });
  }
}

const KEYS = {
  j: () => focusSegment(view.focus + 1),
  ArrowDown: () => focusSegment(view.focus + 1),
  k: () => focusSegment(view.focus - 1),
  ArrowUp: () => focusSegment(view.focus - 1),
  ArrowRight: (e) => moveCaret(1, e.shiftKey),
  ArrowLeft: (e) => moveCaret(-1, e.shiftKey),
  Enter: (e) => (e.shiftKey ? setDone(focused(), false) : doneAndNext()),
  ']': () => setLayer(view.layer + 1),
  '[': () => setLayer(view.layer - 1),
  '?': () => openPanel('shortcuts'),
  g: () => openPanel('guidelines'),
  Escape: () => { clearSelection(); say(''); focusSegment(view.focus); },
};

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (document.querySelector('dialog[open]')) return;
  const target = event.target;
  if (target.closest('input, textarea, select, [contenteditable]')) {
    if (event.key === 'Escape') focusSegment(view.focus);
    return;
  }
  if ((event.key === 'Enter' || event.key === ' ') && target.closest('button, a, summary')) return;
  if (target.getAttribute('role') === 'tab' && (event.key === 'ArrowLeft' || event.key === 'ArrowRight')) {
    setLayer(view.layer + (event.key === 'ArrowRight' ? 1 : -1));
    $(`tab-${layers[view.layer].key}`).focus();
    event.preventDefault();
    return;
  }
  const layer = layers[view.layer];
  // Label keys come first, except the keys that move: a codebook may use any other letter.
  const label = !'jk'.includes(event.key) && layer.labels.find((l) => l.hotkey && l.hotkey === event.key);
  const action = KEYS[event.key];
  if (label) {
    useLabel(labels.get(label.id));
  } else if (action) {
    action(event);
  } else if (event.key.length === 1 && event.key !== ' ') {
    say(`“${event.key}” is not a key of the layer “${layer.name}”: nothing was tagged. Press ? for the shortcuts.`);
  } else {
    return;
  }
  event.preventDefault();
}

// ---- start

function start() {
  buildArticle();
  $('layer-tabs').replaceChildren(...layers.map((layer, i) => h('button', {
    type: 'button', role: 'tab', id: `tab-${layer.key}`, 'aria-controls': 'layer-panel', onclick: () => setLayer(i),
  }, layer.name)));
  if (data.role === 'reviewer' || data.role === 'manager' || !data.blind) {
    $('view-options').hidden = false;
    $('show-all').addEventListener('change', (e) => { view.showAll = e.target.checked; drawAll(); });
    $('by-annotator').addEventListener('change', (e) => { view.byAnnotator = e.target.checked; drawAll(); });
  }
  $('article').addEventListener('mouseup', onMouseUp);
  $('done-button').addEventListener('click', () => setDone(focused(), !focused().done));
  $('retry').addEventListener('click', () => queue.retryNow());
  for (const button of document.querySelectorAll('[data-open]')) {
    button.addEventListener('click', () => openPanel(button.dataset.open));
  }
  for (const panel of document.querySelectorAll('dialog.panel-dialog')) panel.addEventListener('close', refocus);
  document.addEventListener('keydown', onKey);
  addEventListener('online', () => queue.retryNow());
  addEventListener('beforeunload', (event) => {
    if (queue.pending) event.preventDefault();
  });
  const fromHash = segments.findIndex((s) => `#s${s.index}` === location.hash);
  const firstOpen = segments.findIndex((s) => !s.done);
  drawAll();
  focusSegment(fromHash >= 0 ? fromHash : Math.max(firstOpen, 0));
}

if (segments.length) start();
