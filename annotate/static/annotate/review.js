// The reviewer's workspace: one sentence at a time, every annotator's tags in place, decisions by keyboard.
// Sentences are fetched in windows; each decision goes to the review API with the tag's version (If-Match),
// then the sentence is fetched again, so the page shows what the server holds, never a guess.
import { h } from './annotate-forms.js';
import { call } from './annotate-sync.js';
import {
  allDecided, decided, drawCards, drawMap, drawRows, highlight, markCurrent, redrawMapItem,
} from './review-draw.js';
import { openEdit } from './review-edit.js';
import {
  $, cache, data, layers, names, outline, passes, positionOf, rowAt, sentenceCount, short, view, who,
} from './review-state.js';

const WINDOW = 10;
const ACTIONS = { a: 'accept', r: 'reject', d: 'dispute', u: 'unaccept' };
const DONE = { accept: 'Accepted', reject: 'Rejected', dispute: 'Marked disputed', unaccept: 'Un-accepted' };
let cards = [];
let chain = Promise.resolve();

function say(text, kind = 'info') {
  const error = $('rv-error');
  if (kind === 'error') {
    error.textContent = text;
    error.hidden = false;
    $('rv-status').textContent = '';
  } else {
    error.hidden = true;
    $('rv-status').textContent = text;
  }
  $('rv-status').dataset.state = kind;
}

// Fetch sentences from..to (by n; -1 is the article) and keep each with the tags of the same answer.
async function fetchWindow(from, to) {
  const url = `${data.urls.sentences}?from=${from}&to=${to}`;
  const response = await call('GET', url);
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  const { sentences, tags, context } = response.data;
  for (const sentence of sentences) {
    cache.set(sentence.index, { sentence, tags, context });
    const pos = positionOf(sentence.index);
    const { id, kind, preview } = outline[pos];
    const annotators = sentence.annotators.map((name) => names.indexOf(name));
    outline[pos] = { ...sentence, id, kind, preview, annotators, n: sentence.index };
  }
  return sentences;
}

async function ensure(pos) {
  const n = rowAt(pos).n;
  if (cache.has(n)) return cache.get(n);
  if (n === -1) await fetchWindow(-1, -1);
  else await fetchWindow(Math.max(0, n - 2), Math.min(sentenceCount - 1, n + WINDOW - 3));
  return cache.get(n);
}

function heading(row) {
  if (row.n === -1) return 'Whole article: article-level tags';
  const kind = row.kind === 'body' ? '' : ` (${row.kind})`;
  return `Sentence ${row.n + 1} of ${sentenceCount}${kind}`;
}

function stateLine(row) {
  return [
    row.score === null ? 'fewer than two annotators' : `disagreement ${row.score.toFixed(2)}`,
    `${row.participants} annotator${row.participants === 1 ? '' : 's'}`,
    `${row.tags} tag${row.tags === 1 ? '' : 's'}`, row.pending ? `${row.pending} pending` : null,
    row.disputed ? `${row.disputed} disputed` : null, `${row.gold} in gold`, allDecided(row) ? 'all decided ✓' : null,
  ].filter(Boolean).join(' · ');
}

function drawComments(entry) {
  const comments = entry.sentence.comments || [];
  $('rv-comment-count').textContent = String(comments.length);
  $('rv-discussion').hidden = entry.sentence.index === -1;
  $('rv-comments').replaceChildren(...(comments.length ? comments.map((c) => h('li', { class: 'rv-comment' },
    h('span', { class: 'rv-author' }, c.author__username), ' ',
    h('time', { datetime: c.created_at }, new Date(c.created_at).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })),
    h('p', { class: 'rv-comment-text' }, c.text))) : [h('li', { class: 'rv-none' }, 'No comments on this sentence yet.')]));
}

function draw() {
  const row = rowAt(view.pos);
  const entry = cache.get(row.n);
  $('rv-position').textContent = heading(row);
  $('rv-state').textContent = stateLine(row);
  if (!entry) return;
  drawRows(entry);
  cards = drawCards(entry, layers);
  fitCards();
  drawComments(entry);
  cards.forEach((el) => el.addEventListener('focus', () => chooseCard(el)));
  const keep = cards.findIndex((el) => el.dataset.id === String(view.card));
  if (keep >= 0) focusCard(keep);
  else if (cards.length) focusCard(0, false);
  else highlight(null);
  markCurrent();
}

const tagById = (id) => {
  const entry = cache.get(rowAt(view.pos).n);
  return entry && entry.tags.find((t) => String(t.id) === String(id));
};

function chooseCard(el) {
  cards.forEach((c) => { c.tabIndex = c === el ? 0 : -1; c.classList.toggle('rv-current', c === el); });
  view.card = Number(el.dataset.id);
  highlight(view.card, tagById(view.card));
}

function focusCard(i, move = true) {
  if (!cards.length) return;
  const el = cards[Math.max(0, Math.min(cards.length - 1, i))];
  chooseCard(el);
  if (move) {
    el.focus({ preventScroll: true });
    reveal(el);
  }
}

// Scroll the tag list, not the page, so the sentence stays in sight while the reviewer moves between tags.
function reveal(el) {
  const box = $('rv-cards');
  const top = el.offsetTop - 28; // below the sticky column heading
  const bottom = el.offsetTop + el.offsetHeight + 4;
  if (top < box.scrollTop) box.scrollTop = top;
  else if (bottom > box.scrollTop + box.clientHeight) box.scrollTop = bottom - box.clientHeight;
  const rect = el.getBoundingClientRect();
  if (rect.top < 0 || rect.top > window.innerHeight - 40) el.scrollIntoView({ block: 'nearest' });
}

// The tag list takes the height the sentence leaves on screen, when the page shows the sentence at its top.
function fitCards() {
  const cards = $('rv-cards');
  const offset = cards.getBoundingClientRect().top - $('rv-focus').getBoundingClientRect().top;
  cards.style.maxHeight = `${Math.max(256, window.innerHeight - offset - 24)}px`;
}

const currentCard = () => cards.findIndex((el) => el.dataset.id === String(view.card));

function saveHash() {
  const row = rowAt(view.pos);
  const f = view.filters;
  const parts = [row.n === -1 ? 'article' : `s${row.n + 1}`];
  if (f.disputed) parts.push('disputed=1');
  for (const key of ['layer', 'label', 'annotator']) if (f[key]) parts.push(`${key}=${encodeURIComponent(f[key])}`);
  history.replaceState(null, '', `#${parts.join('&')}`);
  try { sessionStorage.setItem(`review:${data.document}`, window.location.hash); } catch { /* storage may be off */ }
}

function readHash() {
  let hash = window.location.hash.slice(1);
  if (!hash) {
    try { hash = (sessionStorage.getItem(`review:${data.document}`) || '').slice(1); } catch { hash = ''; }
  }
  const [where, ...rest] = hash.split('&');
  const params = new URLSearchParams(rest.join('&'));
  view.filters = {
    disputed: params.get('disputed') === '1', layer: params.get('layer') || '',
    label: params.get('label') || '', annotator: params.get('annotator') || '',
  };
  // Sentences count from 1 in links, as on the annotation page and as the page shows them.
  const match = /^s(?:entence-)?(\d+)$/.exec(where);
  if (match) return Math.max(0, Math.min(Number(match[1]) - 1, sentenceCount - 1));
  return where === 'article' ? sentenceCount : 0;
}

async function go(pos, { focus = 'cards' } = {}) {
  view.pos = Math.max(0, Math.min(outline.length - 1, pos));
  view.card = null;
  say('');
  saveHash();
  $('rv-position').textContent = heading(rowAt(view.pos));
  markCurrent();
  try {
    await ensure(view.pos);
  } catch (error) {
    say(`Could not load the sentence: ${error.message}. Press j or k to try again.`, 'error');
    return;
  }
  draw();
  // The sentence comes first on screen, the tags follow below it.
  const top = $('rv-focus').getBoundingClientRect().top + window.scrollY - 8;
  if (Math.abs(window.scrollY - top) > 4) window.scrollTo({ top: Math.max(0, top) });
  if (focus === 'cards' && cards.length) focusCard(0);
  else $('rv-position').focus({ preventScroll: true });
}

// The next position (step +1 or -1) that passes the filters, and optionally still has undecided tags.
function step(direction, undecidedOnly = false, from = view.pos) {
  for (let pos = from + direction; pos >= 0 && pos < outline.length; pos += direction) {
    const row = outline[pos];
    if (passes(row) && (!undecidedOnly || row.pending + row.disputed > 0)) return pos;
  }
  return null;
}

function move(direction, undecidedOnly = false) {
  const pos = step(direction, undecidedOnly);
  if (pos === null) {
    say(undecidedOnly ? 'No more sentences with undecided tags that way.' : 'No more sentences that way (with these filters).');
    return;
  }
  go(pos);
}

// Refetch one sentence and redraw it (and its entry in the sentence list).
async function refresh(n) {
  await fetchWindow(n, n);
  redrawMapItem(positionOf(n));
  drawMap();
  if (rowAt(view.pos).n === n) draw();
}

function problem(response) {
  const body = response.data || {};
  const fields = Object.entries(body).filter(([key]) => !['detail', 'item', 'current'].includes(key))
    .map(([key, value]) => `${key}: ${[].concat(value).join(' ')}`);
  return [body.detail, ...fields].filter(Boolean).join('; ') || `the server answered ${response.status}`;
}

// Send one decision through the review API, with the version the reviewer saw; then show the server's state.
export function decide(tag, action, extra = {}) {
  const n = tag.home;
  const note = $('rv-note').value;
  const label = `${who(tag)}${tag.quote ? ` (“${short(tag.quote, 40)}”)` : ''}`;
  say(`Saving: ${action} ${label}…`, 'saving');
  const done = chain.then(async () => {
    let response;
    try {
      response = await call('POST', data.urls.review.replace('/0/', `/${tag.id}/`), { action, note, ...extra },
        `"${tag.id}.${tag.version}"`);
    } catch {
      say(`Not saved: no connection to the server. Nothing changed; press the key again when it is back.`, 'error');
      return false;
    }
    let message;
    if (response.ok) {
      $('rv-note').value = '';
      message = [`${DONE[action]}${Object.keys(extra).length ? ' with edits' : ''}: ${label}.`, 'saved'];
    } else if (response.status === 412 || response.status === 409) {
      message = [`Not saved: ${label} was changed by someone else since you loaded it. The sentence has been reloaded: check it and decide again.`, 'error'];
    } else {
      message = [`Not saved: ${problem(response)}`, 'error'];
    }
    try {
      await refresh(n);
    } catch (error) {
      message = [`${message[0]} Could not reload the sentence: ${error.message}`, 'error'];
    }
    // Said once the sentence shows the server's state, so what the reviewer reads next is true.
    say(...message);
    return response.ok ? true : response;
  });
  chain = done.then(() => undefined, () => undefined);
  return done;
}

function act(key) {
  const i = currentCard();
  const tag = i >= 0 ? tagById(cards[i].dataset.id) : null;
  if (!tag) {
    say('Choose a tag first: n or Tab moves to the next one.');
    return;
  }
  if (key === 'e') {
    edit(tag);
    return;
  }
  const action = ACTIONS[key];
  if (action === 'unaccept' && tag.status === 'pending') {
    say(`${who(tag)} is pending already: nothing to un-accept.`);
    return;
  }
  // Move on to the next undecided tag at once; the redraw after saving keeps the reviewer there.
  const next = cards.slice(i + 1).find((el) => { const t = tagById(el.dataset.id); return t && !decided(t); });
  if (next) focusCard(cards.indexOf(next));
  decide(tag, action);
}

function edit(tag) {
  const entry = cache.get(tag.home);
  openEdit({ tag, sentence: entry.sentence, note: $('rv-note').value, editUrl: data.urls.edit.replace('/0/', `/${tag.id}/`),
    submit: (extra, note) => { $('rv-note').value = note; return decide(tag, 'accept', extra); },
    close: () => { const i = currentCard(); if (i >= 0) focusCard(i); } });
}

async function postComment(event) {
  event.preventDefault();
  const text = $('rv-comment-text').value.trim();
  const sentence = cache.get(rowAt(view.pos).n).sentence;
  if (!text) {
    $('rv-comment-error').textContent = 'Write a comment first: nothing was sent.';
    return;
  }
  let response;
  try {
    response = await call('POST', data.urls.comments.replace('/0/', `/${sentence.id}/`), { text });
  } catch {
    response = null;
  }
  if (!response || !response.ok) {
    $('rv-comment-error').textContent = `Comment not posted: ${response ? problem(response) : 'no connection to the server'}. Your text is kept.`;
    return;
  }
  $('rv-comment-text').value = '';
  $('rv-comment-error').textContent = '';
  await refresh(sentence.index);
  $('rv-discussion').open = true;
}

function fillFilters() {
  const layerBox = $('rv-f-layer');
  layers.forEach((layer) => layerBox.append(h('option', { value: layer.key }, layer.name)));
  const labelBox = $('rv-f-label');
  const fillLabels = () => {
    const chosen = layerBox.value;
    labelBox.replaceChildren(h('option', { value: '' }, 'all'), ...layers.filter((l) => !chosen || l.key === chosen)
      .map((l) => h('optgroup', { label: l.name }, l.labels.map((label) => h('option', { value: String(label.id) }, label.name)))));
  };
  fillLabels();
  names.forEach((name) => $('rv-f-annotator').append(h('option', { value: name }, name)));
  const f = view.filters;
  $('rv-f-disputed').checked = f.disputed;
  layerBox.value = f.layer;
  fillLabels();
  labelBox.value = f.label;
  $('rv-f-annotator').value = f.annotator;
  $('rv-filters').addEventListener('submit', (event) => event.preventDefault());
  $('rv-filters').addEventListener('change', (event) => {
    if (event.target === layerBox) fillLabels();
    view.filters = {
      disputed: $('rv-f-disputed').checked, layer: layerBox.value, label: labelBox.value, annotator: $('rv-f-annotator').value,
    };
    drawMap();
    if (!passes(rowAt(view.pos))) {
      const next = step(1) ?? step(-1);
      if (next !== null) { go(next, { focus: 'none' }); return; }
    }
    saveHash();
    draw();
  });
}

function typing(target) {
  return target.closest('input, textarea, select, dialog, [contenteditable]');
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) {
    if (event.key === 'Enter' && event.target === $('rv-comment-text')) { event.preventDefault(); $('rv-comment-form').requestSubmit(); }
    return;
  }
  if (event.key === 'Escape' && typing(event.target) && !event.target.closest('dialog')) {
    event.preventDefault();
    focusCard(Math.max(0, currentCard()));
    return;
  }
  if (event.target === $('rv-note') && event.key === 'Enter') {
    event.preventDefault();
    focusCard(Math.max(0, currentCard()));
    return;
  }
  if (typing(event.target)) return;
  const key = event.key;
  const handlers = {
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    J: () => move(1, true), K: () => move(-1, true),
    Home: () => go(step(1, false, -1) ?? 0), End: () => go(step(-1, false, outline.length) ?? outline.length - 1),
    n: () => focusCard(currentCard() + 1), p: () => focusCard(currentCard() - 1),
    N: () => $('rv-note').focus(),
    m: () => { $('rv-discussion').open = true; $('rv-comment-text').focus(); },
    f: () => $('rv-f-disputed').focus(),
    '?': () => $('rv-keys').showModal(),
  };
  if (key === 'Tab' && event.target.closest('.rv-card') && cards.length) {
    const i = currentCard() + (event.shiftKey ? -1 : 1);
    if (i >= 0 && i < cards.length) { event.preventDefault(); focusCard(i); }
    return;
  }
  if (handlers[key]) {
    event.preventDefault();
    handlers[key]();
  } else if (ACTIONS[key] || key === 'e') {
    event.preventDefault();
    act(key);
  }
}

function onClick(event) {
  const item = event.target.closest('.rv-item');
  if (item) {
    event.preventDefault();
    go(Number(item.dataset.pos));
    return;
  }
  const button = event.target.closest('.rv-card button[data-action]');
  if (button) {
    const el = button.closest('.rv-card');
    chooseCard(el);
    const tag = tagById(el.dataset.id);
    if (button.dataset.action === 'edit') edit(tag);
    else decide(tag, button.dataset.action);
  }
}

function start() {
  const pos = readHash();
  fillFilters();
  drawMap();
  document.addEventListener('keydown', onKey);
  document.addEventListener('click', onClick);
  $('rv-prev').addEventListener('click', () => move(-1));
  $('rv-next').addEventListener('click', () => move(1));
  $('rv-keys-button').addEventListener('click', () => $('rv-keys').showModal());
  $('rv-comment-form').addEventListener('submit', postComment);
  window.addEventListener('resize', fitCards);
  window.addEventListener('hashchange', () => {
    const wanted = readHash();
    if (wanted !== view.pos) go(wanted);
  });
  view.pos = pos;
  const first = passes(rowAt(pos)) ? pos : (step(1) ?? step(-1) ?? pos);
  go(first).then(() => { document.body.dataset.ready = 'true'; });
}

start();
