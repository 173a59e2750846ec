// The panel's lists: the focused sentence's tags, each span numbered as in the text, and the article's tags.
import { editForm, queue, remove } from './annotate-edit.js';
import { h, human } from './annotate-forms.js';
import { noteSpan } from './annotate-links.js';
import { firstPiece, hideTip, showTip } from './annotate-marks.js';
import {
  $, all, annotators, colorOf, describeRelation, find, focused, goldText, hooks, labelOf, layerOf, layers, mine, positionOf,
  refocus, segById, segments, short, shown, view,
} from './annotate-state.js';
import { partIn, runsTo } from './annotate-spans.js';

// Spans listed under an earlier sentence that run on into this one.
export const continuing = (seg) => all().filter((a) => a.scope === 'span' && a.segment !== seg.id && shown(a) && partIn(a, seg));

const order = (a, b) => layers.indexOf(layerOf(a)) - layers.indexOf(layerOf(b)) || (a.start ?? 0) - (b.start ?? 0);

// What the focused sentence's list shows: spans carried on from earlier sentences, then the sentence's own tags
// and the links that use its spans. Spans are numbered in that order, in the list and at their ends in the text.
export function listed(seg) {
  const spansHere = new Set(all().filter((a) => a.segment === seg.id && a.scope === 'span').map((a) => String(a.id)));
  const linked = (a) => a.scope === 'relation'
    && [a.relation_content, a.relation_source, a.relation_cue].some((id) => spansHere.has(String(id)));
  const here = all().filter((a) => shown(a) && (a.segment === seg.id || linked(a))).sort(order);
  const carried = continuing(seg).sort(order);
  const numbers = new Map([...carried, ...here].filter((a) => a.scope === 'span').map((a, i) => [a, i + 1]));
  return { here, carried, numbers };
}

function highlight(a, on) {
  for (const piece of document.querySelectorAll('.piece[data-ann]')) {
    piece.classList.toggle('hl', on && piece.dataset.ann.split(' ').includes(String(a.id)));
  }
}

// Pointing at or tabbing to a tag in the panel outlines its words and names it over them.
function pointed(a, on) {
  highlight(a, on);
  if (on && a.scope === 'span') showTip(firstPiece(a), [a]);
  else hideTip();
}

// Reaching a span's entry by keyboard or a click picks it for the next link, as a click on its words does.
const followers = (a) => ({
  tabindex: '0',
  onmouseenter: () => pointed(a, true),
  onmouseleave: () => pointed(a, false),
  onfocusin: () => { pointed(a, true); noteSpan(a); },
  onfocusout: () => pointed(a, false),
});

// The entry's head names the tag: its number in the text (spans) or a swatch, label, layer and whose it is.
function head(a, n, ...middle) {
  const label = labelOf(a);
  return h('div', { class: 'ann-head' },
    n ? h('span', { class: 'num', 'aria-label': `span ${n}:` }, String(n)) : h('span', { class: 'swatch', 'aria-hidden': 'true' }),
    h('strong', {}, label.name), ...middle,
    a.gold ? h('span', { class: 'gold-badge' }, 'Gold') : mine(a) ? h('span', { class: 'you' }, 'by you')
      : h('span', { class: 'by' }, a.annotator));
}

function item(a, names, n) {
  const label = labelOf(a);
  const own = mine(a);
  const attrs = Object.entries(a.attributes || {}).filter(([, v]) => v !== '' && v !== null)
    .map(([k, v]) => `${human(k)}: ${v === true ? 'yes' : v === false ? 'no' : human(v)}`);
  const what = `${label.name}${a.quote ? ` “${short(a.quote, 30)}”` : ''}`;
  const to = runsTo(a);
  const anchor = a.scope === 'document' && a.segment ? h('button', {
    type: 'button', class: 'link', onclick: () => hooks.focusSegment(segments.indexOf(segById.get(a.segment))),
  }, `anchored at sentence ${positionOf(a) + 1}`) : null;
  return h('li', {
    class: `ann${a.pending ? ' pending' : ''}${a.gold ? ' gold' : ''}${view.fresh === a ? ' fresh' : ''}`,
    'data-id': a.id, style: { '--c': colorOf(a, names) }, ...followers(a),
  },
  head(a, n, h('span', { class: 'muted' }, ` ${label.layer.name}`)),
  a.gold ? h('div', { class: 'provenance' }, goldText(a), h('span', { class: 'sr-only' }, ': read-only, changed only through review')) : null,
  a.quote ? h('div', { class: 'quote' }, `“${a.quote}”`) : null,
  to ? h('div', { class: 'runs' }, `runs on to sentence ${to.pos + 1}`) : null,
  a.scope === 'relation' ? h('div', { class: 'quote' }, describeRelation(a)) : null,
  anchor,
  attrs.length ? h('div', { class: 'attrs' }, attrs.join(' · ')) : null,
  a.import_source ? origin(a) : null,
  a.note ? h('div', { class: 'note' }, a.note) : null,
  a.pending ? h('div', { class: 'state' }, queue.timer ? 'not saved yet' : 'saving…') : null,
  own ? h('div', { class: 'ann-actions' },
    h('button', { type: 'button', onclick: () => editForm(a), 'aria-label': `Edit ${what}` }, 'Edit'),
    h('button', { type: 'button', onclick: () => remove(a), 'aria-label': `Delete ${what}` }, 'Delete')) : null);
}

// A tag read from a dataset: where it came from, and the declared attributes the dataset did not give.
function origin(a) {
  const missing = layerOf(a).attributes.filter((spec) => [undefined, null, ''].includes((a.attributes || {})[spec.key]))
    .map((spec) => `${spec.name || human(spec.key)}: not given`);
  return h('div', { class: 'origin', title: a.import_file || '' }, `imported from ${a.import_source}`,
    missing.length ? h('span', { class: 'muted' }, ` · ${missing.join(' · ')}`) : null);
}

export function drawLists() {
  if (!segments.length) return;
  const seg = focused();
  const names = annotators();
  const { here, carried, numbers } = listed(seg);
  const place = focusPlace();
  $('sentence-anns').replaceChildren(...(here.length || carried.length
    ? [...carried.map((a) => continuedItem(a, names, numbers.get(a))), ...here.map((a) => item(a, names, numbers.get(a)))]
    : [h('li', { class: 'empty' }, seg.done ? 'Done: nothing tagged here.' : 'No tags on this sentence yet.')]));
  const whole = all().filter((a) => shown(a) && a.scope === 'document').sort(order);
  $('document-anns').replaceChildren(...(whole.length ? whole.map((a) => item(a, names))
    : [h('li', { class: 'empty' }, 'No article-level tags yet.')]));
  if (place) refocusPlace(place);
}

// The lists are drawn anew whenever a save lands: a keyboard user keeps their place in them.
function focusPlace() {
  const active = document.activeElement;
  const entry = active && active.closest && active.closest('.anns .ann[data-id]');
  if (!entry) return null;
  const controls = [...entry.querySelectorAll('button')];
  return {
    id: entry.dataset.id, list: entry.parentElement.id, control: controls.indexOf(active), tag: find(entry.dataset.id),
  };
}

function refocusPlace(place) {
  // A tag saved meanwhile has its server id now: find it by the tag, not by the temporary id.
  const id = place.tag ? String(place.tag.id) : place.id;
  const entry = $(place.list).querySelector(`.ann[data-id="${CSS.escape(id)}"]`);
  if (!entry) {
    // Its tag is gone (deleted): back to the sentence, where the keys work.
    hideTip();
    return refocus();
  }
  const target = place.control >= 0 ? entry.querySelectorAll('button')[place.control] || entry : entry;
  target.focus({ preventScroll: true });
  return undefined;
}

// A span of an earlier sentence that covers this one: marked here, listed (and edited) under its first sentence.
function continuedItem(a, names, n) {
  const first = segById.get(a.segment);
  return h('li', {
    class: `ann continued${a.gold ? ' gold' : ''}`, 'data-id': a.id, style: { '--c': colorOf(a, names) }, ...followers(a),
  },
  head(a, n, h('span', { class: 'muted' }, ' continues from '),
    h('button', { type: 'button', class: 'link', onclick: () => hooks.focusSegment(first.pos) }, `sentence ${first.pos + 1}`)),
  a.quote ? h('div', { class: 'quote' }, `“${short(a.quote, 80)}”`) : null);
}

// On an article layer the article's tags sit right under its labels, where a new one is seen being added.
export function placeArticleList() {
  const section = $('h-document').parentElement;
  const after = layers[view.layer].scope === 'document' ? $('selection') : $('discussion');
  if (after.nextElementSibling !== section) after.after(section);
}

// Bring a new article-level tag into view in the panel, marked as just added for a few seconds.
export function reveal(a) {
  const entry = $('document-anns').querySelector(`[data-id="${CSS.escape(String(a.id))}"]`);
  if (entry) entry.scrollIntoView({ block: 'nearest' });
  setTimeout(() => {
    if (view.fresh !== a) return;
    view.fresh = null;
    drawLists();
  }, 4000);
}
