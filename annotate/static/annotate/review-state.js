// What the review page knows: the codebook, the sentence outline, the fetched sentences, and where the reviewer is.
import { human } from './annotate-forms.js';

export const $ = (id) => document.getElementById(id);
export const data = JSON.parse($('review-data').textContent);
export const layers = data.codebook.layers;
export const labels = new Map();
for (const layer of layers) for (const label of layer.labels) labels.set(label.id, { ...label, layer });
export const layerByKey = new Map(layers.map((layer) => [layer.key, layer]));
// The outline: every sentence in order, then the whole article (n = -1).
export const outline = data.sentences;
export const names = data.annotators;
export const sentenceCount = outline.length - 1;
// Fetched sentences by n: {sentence, tags, context}, the tags and context shared by one window's answer.
export const cache = new Map();
export const view = { pos: 0, card: null, filters: { disputed: false, layer: '', label: '', annotator: '' } };

// Each span layer gets its own underline pattern, so overlapping layers differ by more than colour.
export const spanStyle = {};
layers.filter((l) => l.scope === 'span').forEach((l, i) => { spanStyle[l.key] = ['solid', 'dashed', 'dotted'][i % 3]; });

export const labelOf = (tag) => labels.get(tag.label) || { name: `label ${tag.label}`, color: '#888888', layer: {} };
export const layerOf = (tag) => layerByKey.get(tag.layer) || { name: tag.layer, attributes: [] };
export const colorOf = (tag) => (/^#[0-9a-f]{6}$/i.test(labelOf(tag).color || '') ? labelOf(tag).color : '#888888');
export const short = (text, n = 60) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
export const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
}) : '');
export const who = (tag) => `${labelOf(tag).name} by ${tag.gold ? 'the gold version' : tag.annotator}`;

// Attributes with the names and values the layer declares, never raw keys.
export function attributeLines(tag) {
  const specs = new Map((layerOf(tag).attributes || []).map((spec) => [spec.key, spec]));
  return Object.entries(tag.attributes || {}).filter(([, value]) => value !== '' && value !== null).map(([key, value]) => {
    const spec = specs.get(key) || {};
    const shown = typeof value === 'boolean' ? (value ? 'yes' : 'no') : human(value);
    return [spec.name || human(key), shown];
  });
}

export const positionOf = (n) => (n === -1 ? outline.length - 1 : n);
export const rowAt = (pos) => outline[pos];

// Does a sentence of the outline pass the filters?
export function passes(row, filters = view.filters) {
  if (filters.disputed && !((row.score || 0) > 0 || row.disputed)) return false;
  if (filters.annotator && !row.annotators.includes(names.indexOf(filters.annotator))) return false;
  if (filters.label) return row.labels.includes(Number(filters.label));
  if (filters.layer) return row.labels.some((id) => labels.get(id) && labels.get(id).layer.key === filters.layer);
  return true;
}

// Does a tag pass the layer, label and annotator filters? (The gold version is always shown.)
export function tagPasses(tag, filters = view.filters) {
  if (filters.label && tag.label !== Number(filters.label)) return false;
  if (filters.layer && tag.layer !== filters.layer) return false;
  return !(filters.annotator && !tag.gold && tag.annotator !== filters.annotator);
}
