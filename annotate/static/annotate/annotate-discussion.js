// The focused sentence's discussion: loaded when opened, written by any project member.
// Comments go straight to the server, not through the save queue: a comment has no key that
// makes a retry safe, so a failed post stays in the box for the user to send again.
import { h } from './annotate-forms.js';
import { $, focused } from './annotate-state.js';
import { call } from './annotate-sync.js';

const box = $('discussion');
const list = $('comments');
const text = $('comment-text');
const error = $('comment-error');
let listed = null;

const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

function comment(c) {
  return h('li', { class: 'comment' },
    h('div', { class: 'comment-head' }, h('strong', {}, c.author), ' ', h('time', { datetime: c.created_at }, when(c.created_at))),
    h('div', { class: 'comment-text' }, c.text));
}

function drawCount(seg) {
  $('comment-count').textContent = seg.comment_count;
}

function empty() {
  return h('li', { class: 'empty' }, 'No comments on this sentence yet.');
}

async function load(seg) {
  listed = seg;
  list.replaceChildren(h('li', { class: 'empty' }, 'Loading…'));
  let response = null;
  try {
    response = await call('GET', `/api/segments/${seg.id}/comments/?page_size=1000`);
  } catch {
    response = null;
  }
  if (listed !== seg) return;
  if (!response || !response.ok) {
    listed = null;
    list.replaceChildren(h('li', { class: 'empty' }, `The discussion could not be loaded: ${
      response ? `the server answered ${response.status}` : 'no connection'}. Close and open it to try again.`));
    return;
  }
  seg.comment_count = response.data.count;
  drawCount(seg);
  list.replaceChildren(...(response.data.results.length ? response.data.results.map(comment) : [empty()]));
}

// Called whenever the focused sentence changes: the open thread follows the focus.
export function followDiscussion(seg = focused()) {
  drawCount(seg);
  if (box.open && listed !== seg) load(seg);
}

export function openDiscussion() {
  box.open = true;
  text.focus();
  box.scrollIntoView({ block: 'nearest' });
}

async function post(event) {
  event.preventDefault();
  const seg = focused();
  const words = text.value.trim();
  error.textContent = words ? '' : 'Write a comment first: nothing was sent.';
  if (!words) return;
  const button = event.target.querySelector('button');
  button.disabled = true;
  let response = null;
  try {
    response = await call('POST', `/api/segments/${seg.id}/comments/`, { text: words });
  } catch {
    response = null;
  }
  button.disabled = false;
  if (!response || !response.ok) {
    const why = !response ? 'no connection to the server'
      : Object.values(response.data || {}).flat().join(' ') || `the server answered ${response.status}`;
    error.textContent = `Comment not posted: ${why}. Your text is kept here.`;
    return;
  }
  text.value = '';
  seg.comment_count += 1;
  if (listed === seg) {
    list.querySelector('.empty')?.remove();
    list.append(comment(response.data));
  }
  if (seg === focused()) drawCount(seg);
}

export function setUpDiscussion() {
  box.addEventListener('toggle', () => {
    if (box.open && listed !== focused()) load(focused());
    if (!box.open) listed = null;
  });
  $('comment-form').addEventListener('submit', post);
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $('comment-form').requestSubmit();
    }
  });
}
