// The annotation page: one sentence in focus, every layer of the codebook, keyboard first.
import { doneAndNext, queue, setDone, useLabel } from './annotate-edit.js';
import { followDiscussion, openDiscussion, setUpDiscussion } from './annotate-discussion.js';
import { h } from './annotate-forms.js';
import { drawLinks, pickAt } from './annotate-links.js';
import { myProgress, nextAssigned } from './annotate-next.js';
import { setUpTips } from './annotate-marks.js';
import {
  continuing, drawLists, listed, placeArticleList, reveal,
} from './annotate-panel.js';
import {
  $, all, annotators, colorOf, data, focused, goldText, hooks, labelOf, labels, layerOf, layers, me, mine,
  PALETTE, refocus, remember, say, segById, segments, short, shown, spanStyle, storedView, view,
} from './annotate-state.js';
import {
  covering, docOffsets, partIn, rangeFrom, runTokens, selectedText, selectionIn, trimAcross,
} from './annotate-spans.js';
import { offsetIn, pointAt, renderText, trim, words } from './annotate-text.js';

const OUTSIDE = 'The selected text is outside the focused sentence: nothing was sent. '
  + 'Click the sentence you mean first (or move to it with j/k), then select words in it '
  + '(a selection may run on from it into the next sentences).';
const NO_SELECTION = 'Select words in the focused sentence first: drag over them with the mouse, '
  + 'or press → / ← (hold Shift to take in more words, past the sentence end into the next ones).';

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
    seg.el = h('span', { class: 'seg', id: `sentence-${seg.index}`, tabindex: '-1', 'data-id': seg.id }, seg.textEl, seg.tagsEl);
    block.append(seg.el);
  }
}

function mark(a, seg, part, names, numbers) {
  const first = segById.get(a.segment);
  const where = first === seg ? '' : `, continued from sentence ${first.pos + 1}`;
  return {
    start: part[0],
    end: part[1],
    runsOn: docOffsets(a)[1] > seg.start + seg.points,
    color: colorOf(a, names),
    style: spanStyle[a.layer] || 'solid',
    n: numbers && numbers.get(a),
    id: a.id,
    gold: a.gold,
    title: `${labelOf(a).name} (${layerOf(a).name})${a.gold ? `, ${goldText(a)}` : mine(a) ? '' : `, by ${a.annotator}`}${where}`,
  };
}


function drawSegment(seg, names = annotators()) {
  const isFocus = seg === focused();
  const here = all().filter((a) => a.segment === seg.id && shown(a));
  const numbers = isFocus ? listed(seg).numbers : null;
  const marks = [...here.filter((a) => a.scope === 'span'), ...continuing(seg)]
    .map((a) => [a, partIn(a, seg)]).filter(([, part]) => part).map(([a, part]) => mark(a, seg, part, names, numbers));
  const sel = selectionIn(seg.pos);
  const caret = view.caret !== null && view.caretAt && view.caretAt.seg === seg.pos ? view.caretAt.range : null;
  // A save that lands while the user drags a selection redraws the sentence: keep the selection.
  const kept = isFocus ? nativeRange(seg) : null;
  renderText(seg.textEl, seg.text, marks, sel, caret);
  if (kept) getSelection().setBaseAndExtent(...pointAt(seg.textEl, kept[0]), ...pointAt(seg.textEl, kept[1]));
  // Sentence labels follow the sentence: named in full on the focused one, a coloured dot on the others.
  // Links are drawn, not listed here.
  seg.tagsEl.replaceChildren(...here.filter((a) => a.scope === 'segment' || a.scope === 'document').map((a) => h('span', {
    class: `mini${a.gold ? ' gold' : ''}${isFocus ? '' : ' dot'}`, style: { '--c': colorOf(a, names) },
    title: a.gold ? `${labelOf(a).name}, ${goldText(a)}` : labelOf(a).name,
  }, isFocus ? labelOf(a).name : '')));
  seg.el.classList.toggle('done', seg.done);
  seg.el.classList.toggle('focus', isFocus);
  seg.el.tabIndex = isFocus ? 0 : -1;
  if (isFocus) seg.el.setAttribute('aria-current', 'true');
  else seg.el.removeAttribute('aria-current');
  drawLinks();
}

function drawAll() {
  const names = annotators();
  segments.forEach((seg) => drawSegment(seg, names));
  drawPanel();
}

function touched(...items) {
  const ids = new Set(items.flatMap((a) => covering(a).map((s) => s.id)));
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
  const { done, total, of } = myProgress();
  const bar = $('progress');
  bar.setAttribute('aria-valuemax', total);
  bar.setAttribute('aria-valuenow', done);
  bar.setAttribute('aria-valuetext', `${done} of ${total}${of} sentences done`);
  bar.firstElementChild.style.width = `${total ? (100 * done) / total : 0}%`;
  $('progress-text').textContent = `${done} / ${total}${of} done`;
  drawTabs();
  drawLabels();
  drawSelection();
  placeArticleList();
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
  span: 'Select words starting in the focused sentence (they may run on into the next ones), then pick a label.',
  document: 'Labels for the whole article, with an optional anchor sentence.',
  relation: 'Link a content span to its source span (and cue): the form starts from the spans you made or clicked last.',
};

function drawLabels() {
  const layer = layers[view.layer];
  const seg = focused();
  const have = new Set(all().filter((a) => mine(a) && layerOf(a) === layer
    && (layer.scope === 'document' || a.segment === seg.id)).map((a) => a.label));
  // Sentence labels toggle; an article label opens a form each time, so it only shows that it was given.
  const toggles = layer.scope === 'segment';
  const buttons = layer.labels.map((label) => h('button', {
    type: 'button',
    class: 'label',
    title: [label.definition, label.example && `Example: ${label.example}`].filter(Boolean).join('\n'),
    'aria-pressed': toggles ? String(have.has(label.id)) : null,
    'aria-description': !toggles && have.has(label.id) ? 'already given' : null,
    'data-used': !toggles && have.has(label.id) ? 'true' : null,
    'aria-keyshortcuts': label.hotkey || null,
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
  const across = view.sel && view.sel.last > view.focus ? ` (runs on to sentence ${view.sel.last + 1})` : '';
  $('selection').textContent = view.sel ? `Selected: “${short(selectedText(view.sel), 80)}”${across}` : 'No words selected.';
}


function drawLegend() {
  const names = annotators();
  const lines = Object.entries(spanStyle).map(([key, style]) => h('li', {},
    h('span', { class: `line ${style}`, 'aria-hidden': 'true' }), `${layers.find((l) => l.key === key).name}: ${style} underline`));
  if (layers.some((l) => l.scope === 'relation')) {
    lines.push(h('li', {}, h('span', { class: 'line link-source', 'aria-hidden': 'true' }), 'Link to the source: solid arrow'),
      h('li', {}, h('span', { class: 'line link-cue', 'aria-hidden': 'true' }), 'Link to the cue: dashed arrow'));
  }
  if (view.showAll && view.byAnnotator) {
    lines.push(...names.map((name, i) => h('li', {},
      h('span', { class: 'swatch', style: { '--c': PALETTE[i % PALETTE.length] }, 'aria-hidden': 'true' }),
      name === me ? `${name} (you)` : name)));
  }
  $('legend').replaceChildren(...lines);
}

// Redraw the sentences a selection reached past the focused one.
function drawSelected(from, last) {
  for (let i = from + 1; i <= (last ?? from) && i < segments.length; i++) drawSegment(segments[i]);
}

function focusSegment(i, scroll = true) {
  const old = focused();
  const reached = view.sel && view.sel.last;
  view.focus = Math.max(0, Math.min(segments.length - 1, i));
  if (old !== focused()) {
    Object.assign(view, { sel: null, caret: null, anchor: null, selError: null });
    say('');
    drawSegment(old);
    drawSelected(old.pos, reached);
  }
  drawSegment(focused());
  drawPanel();
  followDiscussion(focused());
  const el = focused().el;
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: scroll ? 'center' : 'nearest' });
  // Sentences are counted from 1, as the page shows them: #s1 is the first.
  history.replaceState(null, '', `#s${view.focus + 1}`);
}

function clearSelection() {
  const reached = view.sel && view.sel.last;
  Object.assign(view, { sel: null, caret: null, anchor: null, selError: null });
  const native = getSelection();
  if (native.rangeCount && $('article').contains(native.getRangeAt(0).commonAncestorContainer)) native.removeAllRanges();
  drawSegment(focused());
  drawSelected(view.focus, reached);
  drawSelection();
}

// Arrows move a word at a time inside the focused sentence; with Shift the selection may run on past
// its end into the next sentences, and back.
function moveCaret(step, extend) {
  const own = words(focused().text).length;
  if (!own) return;
  const tokens = runTokens();
  if (view.caret === null) {
    view.caret = step > 0 ? 0 : own - 1;
    view.anchor = view.caret;
  } else {
    view.caret = Math.max(0, Math.min((extend ? tokens.length : own) - 1, view.caret + step));
    if (!extend) view.anchor = view.caret;
  }
  const [a, b] = [Math.min(view.anchor, view.caret), Math.max(view.anchor, view.caret)];
  const reached = view.sel && view.sel.last;
  const caret = tokens[view.caret];
  view.caretAt = { seg: caret.seg, range: [caret.start, caret.end] };
  view.sel = { start: tokens[a].start, end: tokens[b].end, last: tokens[b].seg };
  view.selError = null;
  getSelection().removeAllRanges();
  drawSegment(focused());
  drawSelected(view.focus, Math.max(reached ?? view.focus, view.sel.last));
  drawSelection();
}

// The browser's selection as [start, end] in the sentence's text, if it lies inside it.
function nativeRange(seg) {
  const native = getSelection();
  if (!native.rangeCount || native.isCollapsed) return null;
  const range = native.getRangeAt(0);
  if (!seg.textEl.contains(range.startContainer) || !seg.textEl.contains(range.endContainer)) return null;
  return [offsetIn(seg.textEl, range.startContainer, range.startOffset),
    offsetIn(seg.textEl, range.endContainer, range.endOffset)];
}

function nativeSelection() {
  const native = getSelection();
  if (!native.rangeCount || native.isCollapsed) return null;
  if (!$('article').contains(native.getRangeAt(0).commonAncestorContainer)) return null;
  const seg = focused();
  const found = rangeFrom(native.getRangeAt(0));
  if (!found) return { error: OUTSIDE };
  if (found.last === view.focus) {
    const [start, end] = trim(seg.text, found.start, found.end);
    return start < end ? { start, end, last: view.focus } : { error: 'Only spaces are selected: select words.' };
  }
  const sel = trimAcross(found);
  if (sel.start >= seg.text.length) return { error: OUTSIDE };
  return sel.last > view.focus || sel.start < sel.end ? sel : { error: 'Only spaces are selected: select words.' };
}

function currentSelection() {
  return nativeSelection() || view.sel || { error: view.selError || NO_SELECTION };
}

function onMouseUp(event) {
  const segEl = event.target.closest('.seg');
  if (getSelection().isCollapsed) {
    pickAt(event.target.closest('.piece[data-ann]'));
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

function setLayer(i) {
  view.layer = (i + layers.length) % layers.length;
  remember('layer', layers[view.layer].key);
  drawTabs();
  drawLabels();
  placeArticleList();
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
  n: () => nextAssigned(focusSegment),
  N: () => nextAssigned(focusSegment),
  ArrowUp: () => focusSegment(view.focus - 1),
  ArrowRight: (e) => moveCaret(1, e.shiftKey),
  ArrowLeft: (e) => moveCaret(-1, e.shiftKey),
  Enter: (e) => (e.shiftKey ? setDone(focused(), false) : doneAndNext()),
  ']': () => setLayer(view.layer + 1),
  '[': () => setLayer(view.layer - 1),
  '?': () => openPanel('shortcuts'),
  g: () => openPanel('guidelines'),
  m: openDiscussion,
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

function viewOption(id, key) {
  const box = $(id);
  view[key] = storedView()[key] === true;
  box.checked = view[key];
  box.addEventListener('change', () => {
    view[key] = box.checked;
    remember(key, box.checked);
    drawAll();
  });
}

// The sentence a link names (#s1 is the first), else the first one not done yet.
function startingSentence() {
  const named = /^#s(\d+)$/.exec(location.hash);
  const n = named ? Number(named[1]) : 0;
  if (n >= 1 && n <= segments.length) return n - 1;
  return Math.max(segments.findIndex((s) => !s.done), 0);
}

function start() {
  buildArticle();
  $('layer-tabs').replaceChildren(...layers.map((layer, i) => h('button', {
    type: 'button', role: 'tab', id: `tab-${layer.key}`, 'aria-controls': 'layer-panel', onclick: () => setLayer(i),
  }, layer.name)));
  if (data.can_review || !data.blind) {
    $('view-options').hidden = false;
    viewOption('show-all', 'showAll');
    viewOption('by-annotator', 'byAnnotator');
  }
  const layer = layers.findIndex((l) => l.key === storedView().layer);
  view.layer = Math.max(layer, 0);
  setUpDiscussion();
  setUpTips($('article'));
  $('article').addEventListener('mouseup', onMouseUp);
  $('done-button').addEventListener('click', () => setDone(focused(), !focused().done));
  $('retry').addEventListener('click', () => queue.retryNow());
  for (const button of document.querySelectorAll('[data-open]')) {
    button.addEventListener('click', () => openPanel(button.dataset.open));
  }
  for (const panel of document.querySelectorAll('dialog.panel-dialog')) panel.addEventListener('close', refocus);
  document.addEventListener('keydown', onKey);
  addEventListener('online', () => queue.retryNow());
  const toolbar = document.querySelector('.toolbar');
  new ResizeObserver(() => document.documentElement.style.setProperty('--toolbar-h', `${toolbar.offsetHeight}px`))
    .observe(toolbar);
  // A window made smaller or larger reflows the article: keep the sentence being worked on in sight.
  addEventListener('resize', () => focused().el.scrollIntoView({ block: 'center' }));
  addEventListener('beforeunload', (event) => {
    if (queue.pending) event.preventDefault();
  });
  // The hash (#s12) names no element, so the browser leaves scrolling to focusSegment.
  drawAll();
  focusSegment(startingSentence());
}

Object.assign(hooks, {
  touched, drawSegment, drawPanel, drawLists, focusSegment, currentSelection, clearSelection, reveal,
});
if (segments.length) start();
