// Sentence text: offsets, words, and drawing overlapping spans.
// The server counts Unicode code points, the DOM counts UTF-16 units: an emoji
// or any astral character is one point but two units, so every offset crosses here.

export function unitsToPoints(text, units) {
  let points = 0;
  for (let i = 0; i < units && i < text.length; i += text.codePointAt(i) > 0xffff ? 2 : 1) points++;
  return points;
}

export function pointsToUnits(text, points) {
  let i = 0;
  for (let n = 0; n < points && i < text.length; n++) i += text.codePointAt(i) > 0xffff ? 2 : 1;
  return i;
}

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’.\-‐][\p{L}\p{N}\p{M}]+)*|\S/gu;

// Words (and single punctuation marks) as [start, end) in UTF-16 units, for keyboard selection.
export function words(text) {
  return Array.from(text.matchAll(WORD), (m) => [m.index, m.index + m[0].length]);
}

// Where a DOM boundary falls in the text of el, in UTF-16 units (marker pseudo-elements are not text).
export function offsetIn(el, node, offset) {
  const range = document.createRange();
  range.setStart(el, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

// The DOM boundary (node, offset) at a UTF-16 offset into the text of el.
export function pointAt(el, offset) {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node = walker.nextNode();
  while (node) {
    if (offset <= node.data.length) return [node, offset];
    offset -= node.data.length;
    const next = walker.nextNode();
    if (!next) return [node, node.data.length];
    node = next;
  }
  return [el, 0];
}

export function trim(text, start, end) {
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  // Never split a surrogate pair: a half emoji is not a character the server knows.
  if (start > 0 && /[\udc00-\udfff]/.test(text[start])) start--;
  if (end < text.length && /[\udc00-\udfff]/.test(text[end])) end++;
  return [start, end];
}

// Give overlapping marks different lanes, so each keeps its own underline.
function assignLanes(marks) {
  const ends = [];
  const sorted = [...marks].sort((a, b) => a.start - b.start || b.end - a.end);
  for (const mark of sorted) {
    let lane = ends.findIndex((end) => end <= mark.start);
    if (lane < 0) lane = ends.length;
    ends[lane] = mark.end;
    mark.lane = lane;
  }
}

const PATTERNS = {
  solid: (c) => `linear-gradient(${c},${c})`,
  dashed: (c) => `repeating-linear-gradient(90deg,${c} 0 6px,transparent 6px 9px)`,
  dotted: (c) => `repeating-linear-gradient(90deg,${c} 0 2px,transparent 2px 4px)`,
};

function underline(mark) {
  return `${PATTERNS[mark.style](mark.color)} 0 calc(100% - ${mark.lane * 4}px) / 100% 3px no-repeat`;
}

// Draw text into el with marks [{start, end, color, style, n, id, title, gold, runsOn}] in UTF-16 units,
// plus an optional selection and caret ([start, end]).
export function renderText(el, text, marks, sel, caret) {
  assignLanes(marks);
  const cuts = new Set([0, text.length]);
  for (const range of [...marks.map((m) => [m.start, m.end]), sel, caret]) {
    if (range) range.forEach((cut) => cuts.add(cut));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const over = marks.filter((m) => m.start < b && m.end > a);
    const inSel = sel && sel[0] <= a && b <= sel[1];
    const inCaret = caret && caret[0] <= a && b <= caret[1];
    if (!over.length && !inSel && !inCaret) {
      pieces.push(text.slice(a, b));
      continue;
    }
    const piece = document.createElement('span');
    piece.className = 'piece';
    piece.textContent = text.slice(a, b);
    if (over.length) {
      piece.style.background = over.map(underline).join(',');
      piece.style.paddingBottom = `${Math.max(...over.map((m) => m.lane)) * 4 + 2}px`;
      piece.dataset.ann = over.map((m) => m.id).join(' ');
      piece.title = over.map((m) => m.title).join('\n');
      // Gold is marked by shape as well as colour: a rule over the words and a star on the tag.
      if (over.some((m) => m.gold)) piece.classList.add('gold');
      // In the focused sentence each span ends in its number in the sentence's list, which names it;
      // a span that runs on into the next sentence is numbered where it really ends.
      const ending = over.filter((m) => m.end === b && !m.runsOn && m.n);
      if (ending.length) {
        piece.dataset.tag = ending.map((m) => (m.gold ? `★${m.n}` : String(m.n))).join(' ');
        piece.style.setProperty('--tc', ending[0].color);
      }
    }
    if (inSel) piece.classList.add('sel');
    if (inCaret) piece.classList.add('caret');
    pieces.push(piece);
  }
  el.replaceChildren(...pieces);
}
