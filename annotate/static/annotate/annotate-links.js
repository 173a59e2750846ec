// Attribution on the annotation page: each shown relation drawn from its content span to its source and cue
// (links.js draws them), and the spans the user made or picked last, which the link form starts from.
import {
  $, all, anns, find, layerOf, mine, positionOf, segById, shown, view,
} from './annotate-state.js';

let frame = 0;

// The marked pieces of the article's text, by the id of each span they show.
function piecesById() {
  const byId = new Map();
  for (const piece of $('article').querySelectorAll('.piece[data-ann]')) {
    for (const id of piece.dataset.ann.split(' ')) {
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id).push(piece);
    }
  }
  return byId;
}

// Where a link meets a span: its first piece that the other end does not share, so that nested or
// overlapping ends (a source inside its content) still get two points apart.
function endOf(byId, id, other) {
  const pieces = byId.get(String(id)) || [];
  const others = new Set(other.filter(Boolean).map(String));
  return pieces.find((p) => !p.dataset.ann.split(' ').some((x) => others.has(x))) || pieces[0] || null;
}

function caption(relation, kind) {
  if (relation.gold) return `★ ${kind}`;
  return mine(relation) ? kind : `${kind} · ${relation.annotator}`;
}

export function linksToDraw() {
  const byId = piecesById();
  const links = [];
  for (const r of all().filter((a) => a.scope === 'relation' && shown(a))) {
    const from = endOf(byId, r.relation_content, [r.relation_source, r.relation_cue]);
    for (const [key, kind] of [['relation_source', 'source'], ['relation_cue', 'cue']]) {
      const to = r[key] ? endOf(byId, r[key], [r.relation_content]) : null;
      if (from && to) links.push({ from, to, kind, label: caption(r, kind) });
    }
  }
  return links;
}

function render() {
  frame = 0;
  if (window.AnnotateLinks) window.AnnotateLinks.draw($('article'), linksToDraw());
}

// Pieces are rebuilt whenever a sentence is drawn: the links follow once the drawing of a frame is over.
export function drawLinks() {
  if (!frame) frame = requestAnimationFrame(render);
}

// The user's own spans, the last made or picked first: what a new link most likely joins.
const recent = [];

export function noteSpan(a) {
  if (!a || a.scope !== 'span' || !mine(a)) return;
  const at = recent.indexOf(a);
  if (at >= 0) recent.splice(at, 1);
  recent.unshift(a);
  recent.length = Math.min(recent.length, 50);
}

const alive = (a) => !a.failed && !a.deleting && anns.get(String(a.id)) === a;

// The span a link form starts with for one end: the last one made or picked in this sentence or the ones
// before it, else the latest of this sentence, else of the nearest sentence before it.
export function preferred(options) {
  const here = view.focus;
  const before = (a) => segById.get(a.segment) && segById.get(a.segment).pos <= here;
  const picked = recent.find((a) => alive(a) && options.includes(a) && before(a));
  if (picked) return picked;
  const made = (a) => (typeof a.id === 'number' ? a.id : Number.MAX_SAFE_INTEGER / 2 + Number(String(a.id).slice(3)));
  const latest = options.filter(before).sort((a, b) => positionOf(b) - positionOf(a) || made(b) - made(a));
  return latest[0] || null;
}

// A click on marked words picks the user's spans under it, as the link form's next ends.
export function pickAt(piece) {
  const ids = piece && piece.dataset.ann ? piece.dataset.ann.split(' ') : [];
  ids.map(find).filter((a) => a && mine(a) && layerOf(a).scope === 'span').reverse().forEach(noteSpan);
}
