// Drawing the review page: the sentence as each annotator tagged it, the tags side by side, the sentence list.
import { h } from './annotate-forms.js';
import { pointsToUnits } from './annotate-text.js';
import {
  $, attributeLines, cache, colorOf, labelOf, layerOf, outline, passes, sentenceCount, short, spanStyle, tagPasses,
  view, when, who,
} from './review-state.js';

const PATTERNS = {
  solid: (c) => `linear-gradient(${c},${c})`,
  dashed: (c) => `repeating-linear-gradient(90deg,${c} 0 6px,transparent 6px 9px)`,
  dotted: (c) => `repeating-linear-gradient(90deg,${c} 0 2px,transparent 2px 4px)`,
};

export const differs = (tag) => !tag.gold && tag.of > 1 && tag.shared < tag.of;
export const decided = (tag) => tag.status !== 'pending' && tag.status !== 'disputed';

// The part of a span inside a sentence, in UTF-16 units of the sentence text, or null.
function partIn(tag, sentence) {
  if (tag.doc_start === null || tag.doc_end === null) return null;
  const from = Math.max(tag.doc_start, sentence.start);
  const to = Math.min(tag.doc_end, sentence.end);
  if (from >= to) return null;
  return [pointsToUnits(sentence.text, from - sentence.start), pointsToUnits(sentence.text, to - sentence.start)];
}

// Give overlapping marks their own lanes, so every underline stays visible.
function lanes(marks) {
  const ends = [];
  [...marks].sort((a, b) => a.from - b.from || b.to - a.to).forEach((mark) => {
    let lane = ends.findIndex((end) => end <= mark.from);
    if (lane < 0) lane = ends.length;
    ends[lane] = mark.to;
    mark.lane = lane;
  });
}

function markTitle(tag) {
  return `${labelOf(tag).name} (${layerOf(tag).name})${tag.gold ? ', gold' : `, by ${tag.annotator}`}${differs(tag) ? `, given by ${tag.shared} of ${tag.of}` : ''}`;
}

// A sentence's text with spans drawn as underlines in lanes; each piece names its spans (title) and their ids.
function line(sentence, spans) {
  const marks = spans.map((tag) => {
    const part = partIn(tag, sentence);
    return part && { tag, from: part[0], to: part[1] };
  }).filter(Boolean);
  lanes(marks);
  const cuts = [...new Set([0, sentence.text.length, ...marks.flatMap((m) => [m.from, m.to])])].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [a, b] = [cuts[i], cuts[i + 1]];
    const over = marks.filter((m) => m.from < b && m.to > a);
    if (!over.length) {
      pieces.push(sentence.text.slice(a, b));
      continue;
    }
    const lanesUsed = Math.max(...over.map((m) => m.lane));
    pieces.push(h('span', {
      class: `rv-piece${over.some((m) => differs(m.tag)) ? ' rv-odd' : ''}`,
      'data-ids': over.map((m) => m.tag.id).join(' '),
      title: over.map((m) => markTitle(m.tag)).join('\n'),
      style: {
        background: over.map((m) => `${PATTERNS[spanStyle[m.tag.layer] || 'solid'](colorOf(m.tag))} 0 calc(100% - ${m.lane * 4}px) / 100% 3px no-repeat`).join(','),
        'padding-bottom': `${lanesUsed * 4 + 2}px`,
      },
    }, sentence.text.slice(a, b)));
  }
  return pieces;
}

// The labels a sentence-level tag gives, named in full (no abbreviations).
function pills(tags) {
  return tags.map((tag) => h('span', {
    class: `rv-pill${differs(tag) ? ' rv-odd' : ''}`, 'data-ids': String(tag.id), style: { '--label': colorOf(tag) },
    title: markTitle(tag),
  }, h('span', { class: 'rv-swatch', 'aria-hidden': 'true' }), `${layerOf(tag).name}: ${labelOf(tag).name}`));
}

const ofPerson = (person) => (tag) => (person === null ? tag.gold : !tag.gold && tag.annotator === person);

// One row: whose tags, the sentence with their spans in place, their sentence labels, and the sentences
// their links reach into; relations are drawn as links from content to source and cue.
function personRow(entry, person, byId) {
  const { sentence } = entry;
  const mine = entry.tags.filter(ofPerson(person)).filter((t) => tagPasses(t));
  const here = mine.filter((t) => t.home === sentence.index);
  const relations = here.filter((t) => t.scope === 'relation');
  // A link shown is drawn between its spans, whatever layer the filters keep.
  const ends = new Set(relations.flatMap((r) => [r.relation.content, r.relation.source, r.relation.cue]));
  const spans = [...mine.filter((t) => t.scope === 'span'), ...entry.tags.filter((t) => ends.has(t.id) && !mine.includes(t))];
  const reached = new Set();
  relations.forEach((r) => ['source', 'cue'].forEach((end) => {
    const target = byId.get(r.relation[end]);
    if (target && target.sentence !== null && target.sentence !== sentence.index) reached.add(target.sentence);
  }));
  const area = h('div', { class: 'rv-text' });
  if (sentence.index === -1) {
    area.append(h('p', { class: 'rv-line rv-article' }, here.length ? '' : 'No article-level tags.'));
  } else {
    area.append(h('p', { class: 'rv-line', 'data-n': sentence.index }, line(sentence, spans)));
  }
  // A linked sentence comes with the window, or as context when the window does not hold it.
  const near = (index) => entry.context.find((c) => c.index === index) || (cache.get(index) || {}).sentence;
  [...reached].sort((a, b) => a - b).map(near).filter(Boolean).forEach((c) => {
    const where = c.index < sentence.index ? 'before' : 'after';
    const p = h('p', { class: `rv-line rv-context rv-${where}`, 'data-n': c.index },
      h('span', { class: 'rv-ctx-n' }, `Sentence ${c.index + 1}: `), line(c, spans));
    if (where === 'before') area.prepend(p); else area.append(p);
  });
  const labelled = here.filter((t) => t.scope === 'segment' || t.scope === 'document');
  if (labelled.length) area.append(h('p', { class: 'rv-pills' }, pills(labelled)));
  const name = person === null ? 'Gold' : person;
  const row = h('div', { class: `rv-row${person === null ? ' rv-goldrow' : ''}`, 'data-person': name },
    h('span', { class: 'rv-who' }, name, person !== null && !here.length ? h('span', { class: 'rv-none' }, ' (no tags)') : null),
    area);
  row.links = relations.flatMap((r) => ['source', 'cue'].map((end) => {
    const from = area.querySelector(`[data-ids~="${r.relation.content}"]`);
    const to = area.querySelector(`[data-ids~="${r.relation[end]}"]`);
    return r.relation[end] && from && to
      ? { from, to, kind: end, label: end === 'source' ? `${labelOf(r).name}` : 'cue' } : null;
  }).filter(Boolean));
  row.area = area;
  return row;
}

export function drawRows(entry) {
  const byId = new Map(entry.tags.map((t) => [t.id, t]));
  const people = entry.sentence.people.filter((p) => !view.filters.annotator || p === view.filters.annotator);
  const rows = [...people.map((p) => personRow(entry, p, byId)), personRow(entry, null, byId)];
  const box = $('rv-rows');
  box.querySelectorAll('.rv-text').forEach((area) => window.AnnotateLinks && window.AnnotateLinks.clear(area));
  box.replaceChildren(...rows);
  if (window.AnnotateLinks) rows.forEach((row) => window.AnnotateLinks.draw(row.area, row.links));
}

function describe(tag, entry, byId) {
  if (tag.scope === 'span') {
    const runs = tag.doc_end > entry.sentence.end ? ' (runs on into the next sentence)' : '';
    return h('p', { class: 'rv-quote' }, h('q', {}, tag.quote), runs);
  }
  if (tag.scope === 'relation') {
    const end = (id) => {
      const t = byId.get(id);
      if (!t) return '(a span you cannot see)';
      const where = t.sentence !== entry.sentence.index ? ` (sentence ${t.sentence + 1})` : '';
      return `“${short(t.quote, 50)}”${where}`;
    };
    const r = tag.relation;
    return h('p', { class: 'rv-quote' }, `${end(r.content)} → ${end(r.source)}${r.cue ? `, cue ${end(r.cue)}` : ''}`);
  }
  if (tag.scope === 'document') {
    return h('p', { class: 'rv-quote' }, `whole article${tag.sentence !== null ? `, at sentence ${tag.sentence + 1}` : ''}`);
  }
  return h('p', { class: 'rv-quote' }, 'whole sentence');
}

function attributes(tag) {
  const lines = attributeLines(tag);
  return lines.length ? h('dl', { class: 'rv-attrs' }, lines.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])) : null;
}

const layerName = (tag) => (layerOf(tag).name === labelOf(tag).name ? null : h('span', { class: 'rv-layer' }, layerOf(tag).name));

const STATUS = { pending: 'pending', accepted: 'accepted', rejected: 'rejected', disputed: 'disputed' };

function card(tag, entry, byId) {
  const button = (action, text, key, extra) => h('button', {
    type: 'button', class: `rv-act-${action}`, 'data-action': action, 'aria-keyshortcuts': key, tabindex: '-1',
    'aria-label': `${text} ${who(tag)}`, ...extra,
  }, text, ' ', h('kbd', {}, key));
  const status = tag.status === 'pending' ? null : h('p', { class: 'rv-status' },
    `${STATUS[tag.status] || tag.status}${tag.reviewer ? ` by ${tag.reviewer}` : ''}${tag.reviewed_at ? `, ${when(tag.reviewed_at)}` : ''}${tag.review_note ? `: ${tag.review_note}` : ''}`);
  return h('article', {
    class: `rv-card status-${tag.status}${differs(tag) ? ' differs' : ''}`, tabindex: '-1', 'data-id': String(tag.id),
    style: { '--label': colorOf(tag) }, 'aria-label': `${who(tag)}, ${tag.status}`,
  },
  h('p', { class: 'rv-card-head' }, h('span', { class: 'rv-swatch', 'aria-hidden': 'true' }),
    h('strong', {}, labelOf(tag).name), ' ', layerName(tag),
    differs(tag) ? h('span', { class: 'rv-differs', title: `Given by ${tag.shared} of the ${tag.of} annotators who worked on this` }, `${tag.shared} of ${tag.of}`) : null),
  describe(tag, entry, byId), attributes(tag),
  tag.note ? h('p', { class: 'rv-note' }, `Note: ${tag.note}`) : null,
  status,
  h('p', { class: 'rv-actions' }, button('accept', 'Accept', 'a'), button('reject', 'Reject', 'r'),
    button('dispute', 'Dispute', 'd'), tag.status !== 'pending' ? button('unaccept', 'Un-accept', 'u') : null,
    button('edit', 'Edit…', 'e')));
}

function goldCard(tag, entry, byId) {
  const from = [...new Set(tag.provenance.map((p) => p.annotator))].join(', ') || '—';
  return h('article', { class: 'rv-card rv-goldcard', 'data-id': String(tag.id), style: { '--label': colorOf(tag) } },
    h('p', { class: 'rv-card-head' }, h('span', { class: 'rv-swatch', 'aria-hidden': 'true' }),
      h('strong', {}, labelOf(tag).name), ' ', layerName(tag),
      tag.edited ? h('span', { class: 'rv-edited' }, 'edited') : null),
    describe(tag, entry, byId), attributes(tag),
    h('p', { class: 'rv-status' }, `from ${from} · accepted by ${tag.reviewer || tag.annotator}${tag.reviewed_at ? `, ${when(tag.reviewed_at)}` : ''}${tag.review_note ? `: ${tag.review_note}` : ''}`));
}

// Tags in codebook order (layer by layer), then by where they start.
const ORDER = new Map();
export function order(tags, layersInOrder) {
  if (!ORDER.size) layersInOrder.forEach((l, i) => ORDER.set(l.key, i));
  return [...tags].sort((a, b) => (ORDER.get(a.layer) - ORDER.get(b.layer)) || ((a.start ?? -1) - (b.start ?? -1)) || a.id - b.id);
}

// The tags of the sentence, a column per annotator and one for the gold version; returns the decidable cards.
export function drawCards(entry, layersInOrder) {
  const byId = new Map(entry.tags.map((t) => [t.id, t]));
  const here = order(entry.tags.filter((t) => t.home === entry.sentence.index).filter((t) => tagPasses(t)), layersInOrder);
  const people = entry.sentence.people.filter((p) => !view.filters.annotator || p === view.filters.annotator);
  const columns = people.map((person) => {
    const tags = here.filter(ofPerson(person));
    return h('section', { class: 'rv-column', 'aria-label': `Tags by ${person}` },
      h('h4', {}, person, h('span', { class: 'rv-count' }, ` · ${tags.length} tag${tags.length === 1 ? '' : 's'}`)),
      tags.length ? tags.map((t) => card(t, entry, byId)) : h('p', { class: 'rv-none' }, 'No tags here (sentence marked done).'));
  });
  const gold = here.filter(ofPerson(null));
  columns.push(h('section', { class: 'rv-column rv-goldcol', 'aria-label': 'Gold version' },
    h('h4', {}, 'Gold', h('span', { class: 'rv-count' }, ` · ${gold.length}`)),
    gold.length ? gold.map((t) => goldCard(t, entry, byId)) : h('p', { class: 'rv-none' }, 'Nothing accepted yet.')));
  $('rv-cards').style.setProperty('--columns', String(columns.length));
  $('rv-cards').replaceChildren(...columns);
  if (!people.length) {
    $('rv-cards').prepend(h('p', { class: 'rv-none rv-empty' }, 'No annotator has tagged or finished this sentence yet.'));
  }
  return [...$('rv-cards').querySelectorAll('.rv-card:not(.rv-goldcard)')];
}

// Outline the spans of the focused tag and name them above the words: names on keyboard focus, not only on hover.
export function highlight(tagId, tag) {
  document.querySelectorAll('.rv-hl').forEach((el) => el.classList.remove('rv-hl'));
  document.querySelectorAll('.rv-flag').forEach((el) => el.remove());
  if (tagId === null || !tag) return;
  const ids = tag.relation ? [tag.relation.content, tag.relation.source, tag.relation.cue].filter(Boolean) : [tagId];
  ids.forEach((id) => document.querySelectorAll(`#rv-rows [data-ids~="${id}"]`).forEach((el) => el.classList.add('rv-hl')));
  const first = document.querySelector(`#rv-rows .rv-row:not(.rv-goldrow) [data-ids~="${tagId}"]`)
    || document.querySelector(`#rv-rows [data-ids~="${ids[0]}"]`);
  // A sentence label names itself on its pill; a span needs its name written over the words.
  if (!first || first.classList.contains('rv-pill')) return;
  const area = first.closest('.rv-text');
  const box = first.getBoundingClientRect();
  const origin = area.getBoundingClientRect();
  area.append(h('span', { class: 'rv-flag', role: 'presentation', style: {
    left: `${box.left - origin.left}px`, top: `${box.top - origin.top - 20}px`, '--label': colorOf(tag),
  } }, `${labelOf(tag).name}${tag.gold ? '' : ` · ${tag.annotator}`}`));
}

function level(row) {
  if (row.score === null) return 'rv-none';
  if (row.score === 0) return 'rv-agree';
  return row.score < 0.5 ? 'rv-some' : 'rv-much';
}

export const allDecided = (row) => row.tags > 0 && row.pending === 0 && row.disputed === 0;

function mapItem(row, pos) {
  const n = row.n === -1 ? 'Article' : String(row.n + 1);
  const state = [
    row.score === null ? 'fewer than two annotators' : `disagreement ${row.score.toFixed(2)}`,
    `${row.tags} tag${row.tags === 1 ? '' : 's'}`, row.pending ? `${row.pending} pending` : null,
    row.disputed ? `${row.disputed} disputed` : null, allDecided(row) ? 'all decided' : null,
    row.comments ? `${row.comments} comment${row.comments === 1 ? '' : 's'}` : null,
  ].filter(Boolean).join(', ');
  return h('li', { 'data-pos': String(pos) }, h('a', {
    href: row.n === -1 ? '#article' : `#s${row.n + 1}`, class: `rv-item ${level(row)}`, 'data-pos': String(pos),
    title: `${row.preview} (${state})`, tabindex: '-1',
  }, h('span', { class: 'rv-n' }, n), h('span', { class: 'rv-dot', 'aria-hidden': 'true' }),
  h('span', { class: 'rv-preview' }, row.preview), h('span', { class: 'sr-only' }, `: ${state}`),
  h('span', { class: 'rv-marks', 'aria-hidden': 'true' }, allDecided(row) ? '✓' : '', row.disputed ? ` ⚑${row.disputed}` : '',
    row.pending ? ` ${row.pending}` : '')));
}

export function drawMap() {
  const items = outline.map((row, pos) => (passes(row) ? mapItem(row, pos) : null)).filter(Boolean);
  $('rv-list').replaceChildren(...(items.length ? items : [h('li', { class: 'rv-none' }, 'No sentence matches the filters.')]));
  markCurrent();
  const withTags = outline.filter((r) => r.n !== -1 && r.tags > 0);
  const done = withTags.filter(allDecided).length;
  const pending = outline.reduce((sum, r) => sum + r.pending, 0);
  $('rv-progress').textContent = `${done} of ${withTags.length} tagged sentences decided · ${pending} tags pending · ${sentenceCount} sentences`;
}

export function redrawMapItem(pos) {
  const old = $('rv-list').querySelector(`li[data-pos="${pos}"]`);
  if (old) old.replaceWith(mapItem(outline[pos], pos));
  markCurrent();
}

export function markCurrent() {
  $('rv-list').querySelectorAll('[aria-current]').forEach((a) => a.removeAttribute('aria-current'));
  const item = $('rv-list').querySelector(`a[data-pos="${view.pos}"]`);
  if (item) {
    item.setAttribute('aria-current', 'location');
    const list = $('rv-list');
    const top = item.offsetTop - list.offsetTop;
    if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - item.offsetHeight) {
      list.scrollTop = top - list.clientHeight / 2;
    }
  }
}
