// What the annotation page knows: the codebook, the sentences, the tags, and where the user is.
export const $ = (id) => document.getElementById(id);
export const data = JSON.parse($('page-data').textContent);
export const me = data.me;
export const layers = data.codebook.layers;
export const labels = new Map();
for (const layer of layers) for (const label of layer.labels) labels.set(label.id, { ...label, layer });
export const segments = data.segments;
export const segById = new Map(segments.map((s) => [s.id, s]));
export const anns = new Map(data.annotations.map((a) => [String(a.id), a]));
export const view = {
  focus: 0, layer: 0, sel: null, caret: null, anchor: null, selError: null, showAll: false, byAnnotator: false, fresh: null,
};
// Each span layer gets its own underline pattern, so layers differ by more than colour.
export const spanStyle = {};
layers.filter((l) => l.scope === 'span').forEach((l, i) => { spanStyle[l.key] = ['solid', 'dashed', 'dotted'][i % 3]; });

// Dark enough for 3:1 against the page, so an underline is seen without relying on its hue alone.
export const PALETTE = ['#1f5fa8', '#b3261e', '#1e7a34', '#7b3fa0', '#a35200', '#00707a', '#5d4037', '#c2185b'];

export const labelOf = (a) => labels.get(a.label);
export const layerOf = (a) => labelOf(a).layer;
export const focused = () => segments[view.focus];
export const refocus = () => focused().el.focus({ preventScroll: true });

export const all = () => [...anns.values()];
// A form may hold the temporary id of a tag saved while it was open: keep the old ids findable.
export const aliases = new Map();
export const find = (id) => (id == null || id === '' ? null : anns.get(String(id)) || aliases.get(String(id)) || null);
// A gold tag's annotator is the reviewer who accepted it, yet it is the project's, not theirs:
// it changes only through review, so no key, form or link on this page may treat it as the user's own.
export const mine = (a) => a.annotator === me && !a.gold && !a.deleting;
// Reviewers see the gold version by default; an annotator sees it among everyone's tags.
export const shown = (a) => !a.deleting && (mine(a) || view.showAll || (a.gold && data.can_review));
export const when = (iso) => new Date(iso).toLocaleString('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
});
export const goldText = (a) => `Gold · accepted by ${a.reviewer || a.annotator}${a.reviewed_at ? ` on ${when(a.reviewed_at)}` : ''}`;
export const short = (text, n = 60) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
export const positionOf = (a) => (a.segment ? segById.get(a.segment).index : -1);

export function annotators() {
  return [me, ...[...new Set(all().map((a) => a.annotator))].filter((n) => n !== me).sort()];
}

export function colorOf(a, names) {
  return view.byAnnotator ? PALETTE[(names || annotators()).indexOf(a.annotator) % PALETTE.length] : labelOf(a).color;
}

export function say(text, kind = 'error') {
  const box = $('message');
  box.textContent = text;
  box.dataset.kind = kind;
  box.hidden = !text;
}

export function describeRelation(a) {
  const quote = (id) => (find(id) ? `“${short(find(id).quote, 40)}”` : '(deleted span)');
  return `${quote(a.relation_content)} → ${quote(a.relation_source)}${a.relation_cue ? `, cue ${quote(a.relation_cue)}` : ''}`;
}

// The page's drawing and selection, registered by annotate.js, so saving code can redraw what it changed.
export const hooks = {};

// Kept per project: a reviewer comparing annotators wants the same view, and everyone the same layer,
// on the next document and after a reload.
const VIEW_KEY = `annotate.view.${data.project}`;

export function storedView() {
  try {
    return JSON.parse(localStorage.getItem(VIEW_KEY)) || {};
  } catch {
    return {}; // storage blocked or unreadable: the defaults
  }
}

export function remember(key, value) {
  try {
    localStorage.setItem(VIEW_KEY, JSON.stringify({ ...storedView(), [key]: value }));
  } catch {
    // storage blocked: the choice lasts as long as the page
  }
}
