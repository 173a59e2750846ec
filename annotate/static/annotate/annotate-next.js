// The n key: the next sentence assigned to me and not done yet, in this article, then in the next one.
import { data, say, segments, view } from './annotate-state.js';

const assigned = new Set(data.assigned);

// The server picks the sentence beyond this article; in a next-free project it may assign new work, so it is a POST.
function goBeyond() {
  say('Nothing of yours is left in this article: going to your next sentence.');
  if (!data.next.asks) {
    location.assign(data.next.url);
    return;
  }
  const form = document.createElement('form');
  form.method = 'post';
  form.action = data.next.url;
  form.append(document.querySelector('input[name=csrfmiddlewaretoken]').cloneNode());
  document.body.append(form);
  form.submit();
}

export function nextAssigned(focusSegment) {
  const after = [...segments.slice(view.focus + 1), ...segments.slice(0, view.focus)];
  const next = after.find((s) => assigned.has(s.id) && !s.done);
  if (next) focusSegment(segments.indexOf(next));
  else goBeyond();
}
