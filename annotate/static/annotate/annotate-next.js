// The n key: my next sentence not done, in this article, then beyond it (a POST when it may assign work).
import { data, say, segments, view } from './annotate-state.js';

const assigned = new Set(data.assigned);

function goBeyond() {
  say('Nothing of yours is left in this article.');
  if (!data.next.asks) return location.assign(data.next.url);
  const form = document.createElement('form');
  form.method = 'post';
  form.action = data.next.url;
  form.append(document.querySelector('[name=csrfmiddlewaretoken]').cloneNode());
  document.body.append(form);
  return form.submit();
}

export function nextAssigned(focusSegment) {
  const after = [...segments.slice(view.focus + 1), ...segments.slice(0, view.focus)];
  const next = after.find((s) => assigned.has(s.id) && !s.done);
  return next ? focusSegment(segments.indexOf(next)) : goBeyond();
}

// Progress counts the sentences assigned to me: one not assigned is not missing.
export function myProgress() {
  const mine = segments.filter((s) => assigned.has(s.id));
  const of = mine.length === segments.length ? '' : ' assigned';
  return { done: mine.filter((s) => s.done).length, total: mine.length, of };
}
