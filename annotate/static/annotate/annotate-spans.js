// Spans that start in the focused sentence and run on into the next ones.
// A span is stored on the sentence it starts in; start and end count code points from that sentence's
// start, and end may pass its end. Document offsets are sentence start + start / end, as on the server.
import { segById, segments, view } from './annotate-state.js';
import { offsetIn, pointsToUnits, words } from './annotate-text.js';

// How far a selection may run on past the focused sentence, in sentences.
const REACH = 20;

segments.forEach((seg, i) => {
  seg.pos = i;
  seg.points = Array.from(seg.text).length;
});

// The span's offsets in the document text, in code points.
export function docOffsets(a) {
  if (a.scope !== 'span' || a.start == null || !a.segment) return null;
  const first = segById.get(a.segment);
  return first ? [first.start + a.start, first.start + a.end] : null;
}

// The sentences a span covers, its own first.
export function covering(a) {
  const offsets = docOffsets(a);
  if (!offsets) return a.segment ? [segById.get(a.segment)].filter(Boolean) : [];
  const [start, end] = offsets;
  const first = segById.get(a.segment);
  return [first, ...segments.filter((s) => s !== first && s.start < end && start < s.start + s.points)];
}

// The part of a span inside a sentence, in UTF-16 units of its text, or null.
export function partIn(a, seg) {
  const offsets = docOffsets(a);
  if (!offsets) return null;
  const start = Math.max(0, offsets[0] - seg.start);
  const end = Math.min(seg.points, offsets[1] - seg.start);
  return start < end ? [pointsToUnits(seg.text, start), pointsToUnits(seg.text, end)] : null;
}

// The last sentence a span covers, or null when it stays in its own.
export function runsTo(a) {
  const covered = covering(a);
  return covered.length > 1 ? covered[covered.length - 1] : null;
}

// Words of the focused sentence and of the sentences after it, for shift-extending a selection across them.
export function runTokens() {
  const out = [];
  for (let i = view.focus; i < Math.min(segments.length, view.focus + REACH); i++) {
    for (const [start, end] of words(segments[i].text)) out.push({ seg: i, start, end });
  }
  return out;
}

// The selection or caret inside sentence i, as [start, end] in UTF-16 units of its text.
export function selectionIn(i) {
  const sel = view.sel;
  if (!sel) return null;
  const last = sel.last ?? view.focus;
  if (i < view.focus || i > last) return null;
  return [i === view.focus ? sel.start : 0, i === last ? sel.end : segments[i].text.length];
}

// The browser's selection as {start, end, last}: from the focused sentence into sentence `last`, or null.
export function rangeFrom(range) {
  const seg = segments[view.focus];
  if (!seg.textEl.contains(range.startContainer)) return null;
  let last = view.focus;
  while (last + 1 < segments.length && range.intersectsNode(segments[last + 1].textEl)) last++;
  const end = segments[last];
  return {
    start: offsetIn(seg.textEl, range.startContainer, range.startOffset),
    end: end.textEl.contains(range.endContainer) ? offsetIn(end.textEl, range.endContainer, range.endOffset) : end.text.length,
    last,
  };
}

// Trim spaces at both ends of a selection that may end in a later sentence; step back over sentences it only touches.
export function trimAcross({ start, end, last }) {
  const text = segments[view.focus].text;
  while (start < text.length && /\s/.test(text[start])) start++;
  for (;;) {
    const here = segments[last].text;
    while (end > 0 && /\s/.test(here[end - 1])) end--;
    if (end > 0 || last === view.focus) break;
    last--;
    end = segments[last].text.length;
  }
  if (start > 0 && /[\udc00-\udfff]/.test(text[start])) start--;
  const here = segments[last].text;
  if (end < here.length && /[\udc00-\udfff]/.test(here[end])) end++;
  return { start, end, last };
}

// What a selection across sentences reads, sentences joined by a space (the article's own spacing is the server's).
export function selectedText(sel) {
  const last = sel.last ?? view.focus;
  const parts = [];
  for (let i = view.focus; i <= last; i++) {
    const [start, end] = selectionIn(i);
    parts.push(segments[i].text.slice(start, end));
  }
  return parts.join(' ');
}

// The selection's document offsets, in code points: what the server stores the span by.
export function selectionOffsets(sel) {
  const first = segments[view.focus];
  const last = segments[sel.last ?? view.focus];
  const points = (seg, units) => Array.from(seg.text.slice(0, units)).length;
  return [first.start + points(first, sel.start), last.start + points(last, sel.end)];
}
