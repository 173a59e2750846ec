// Changes: each is shown at once and queued for the API; forms ask for what a layer needs first.
import { h, human, openForm } from './annotate-forms.js';
import {
  $, aliases, all, anns, data, describeRelation, find, focused, hooks, labelOf, labels, layerOf, layers, me, mine,
  positionOf, refocus, say, segById, segments, short, view,
} from './annotate-state.js';
import { noteSpan, preferred } from './annotate-links.js';
import { selectedText, selectionOffsets } from './annotate-spans.js';
import { call, newKey, Queue } from './annotate-sync.js';
import { unitsToPoints } from './annotate-text.js';

const dialog = $('form-dialog');
let tempIds = 0;
// Refused writes, keyed by the tag or sentence they were about. Each stays in the header until that
// same thing is saved or the user dismisses it: a later, unrelated save must not read as "All changes saved".
const failures = new Map();

function refused(item, text) {
  failures.delete(item);
  failures.set(item, text);
  say(text);
}

function problem(response, what, item) {
  const body = response.data && typeof response.data === 'object' ? response.data : {};
  const details = Object.entries(body).filter(([key]) => key !== 'current').map(([key, value]) => {
    const text = [].concat(value).map((v) => (typeof v === 'object' ? JSON.stringify(v) : v)).join(' ');
    return key === 'detail' || key === 'non_field_errors' ? text : `${human(key.replace('attributes.', ''))}: ${text}`;
  });
  refused(item, `${what}: ${details.join('; ') || `the server answered ${response.status}`}.`);
}

const dismiss = h('button', {
  type: 'button', id: 'dismiss', hidden: true, 'aria-label': 'Dismiss the unsaved changes notice',
  onclick: () => { failures.clear(); say(''); drawStatus(queue); refocus(); },
}, 'Dismiss');
$('retry').after(dismiss);

function drawStatus(queue) {
  const status = $('save-status');
  const waiting = `${queue.pending} change${queue.pending === 1 ? '' : 's'} waiting`;
  const last = [...failures.values()].pop();
  const more = failures.size > 1 ? ` (and ${failures.size - 1} more)` : '';
  const [state, text] = queue.timer ? ['offline', `Not saved yet: ${queue.trouble}. Retrying… (${waiting})`]
    : queue.pending ? ['saving', 'Saving…']
      : failures.size ? ['failed', `Not saved: ${last}${more}`]
        : ['saved', 'All changes saved'];
  status.dataset.state = state;
  status.textContent = text;
  $('retry').hidden = state !== 'offline';
  dismiss.hidden = state !== 'failed';
  hooks.drawLists();
}

export const queue = new Queue(drawStatus);

function send(op, item) {
  const done = op.done;
  op.done = (response) => {
    failures.delete(item);
    done(response);
  };
  queue.push(op);
}

// Gold tags are the project's accepted version and change only through review; the server refuses
// any other write, and the page never sends one.
function refuseGold(a) {
  if (!a.gold) return false;
  say(`“${labelOf(a).name}” is a gold tag: it changes only through review.`);
  return true;
}

// local: what the page shows until the server answers, for a span sent by document offsets.
function draft(body, ends = {}, local = {}) {
  const label = labels.get(body.label);
  const a = {
    id: `new${++tempIds}`, annotator: me, document: data.document, segment: body.segment ?? null,
    label: label.id, label_key: label.key, layer: label.layer.key, scope: label.layer.scope,
    start: body.start ?? null, end: body.end ?? null, quote: body.quote || '', attributes: body.attributes || {},
    note: body.note || '', version: 0, pending: 1,
    ...Object.fromEntries(Object.entries(ends).map(([k, end]) => [k, end ? end.id : null])),
    ...local,
  };
  anns.set(a.id, a);
  noteSpan(a);
  if (a.scope === 'document') view.fresh = a;
  hooks.touched(a);
  if (a.scope === 'document') hooks.reveal(a);
  a.what = `“${label.name}”${a.quote ? ` on “${short(a.quote, 40)}”` : ''}`;
  return a;
}

const endIds = (ends) => Object.fromEntries(Object.entries(ends).map(([k, end]) => [k, end ? end.id : null]));

function saved(a, fields) {
  const temp = a.id;
  anns.delete(temp);
  Object.assign(a, fields, { pending: a.pending - 1 });
  anns.set(String(a.id), a);
  aliases.set(temp, a);
  for (const other of all()) {
    for (const key of ['relation_content', 'relation_source', 'relation_cue']) if (other[key] === temp) other[key] = a.id;
  }
  hooks.touched(a);
}

function dropped(a) {
  anns.delete(a.id);
  a.failed = true;
  hooks.touched(a);
}

// A refused end takes the tags that link it with it.
const endFailed = (ends, tags, what) => () => {
  if (!Object.values(ends).some((end) => end && end.failed)) return false;
  tags.forEach(dropped);
  refused(tags[0], `${what} was not saved: a span it links was refused.`);
  return true;
};

function create(body, ends = {}, local = {}) {
  const a = draft(body, ends, local);
  // One key per tag, kept across retries: the server answers a repeated key with the tag it already made.
  const key = newKey();
  send({
    skip: endFailed(ends, [a], a.what),
    request: () => ({ method: 'POST', url: '/api/annotations/', body: { ...body, client_key: key, ...endIds(ends) } }),
    done: (response) => saved(a, response.data),
    fail: (response) => {
      dropped(a);
      problem(response, `${a.what} was not saved`, a);
    },
  }, a);
}

// One gesture, several tags: a new span and the link that uses it go in one batch, saved together or not at all.
function createWithSpan(spanBody, local, role, body, ends) {
  const span = draft(spanBody, {}, local);
  const link = draft(body, ends, { [`relation_${role}`]: span.id });
  const keys = [newKey(), newKey()];
  send({
    skip: endFailed(ends, [span, link], link.what),
    request: () => ({
      method: 'POST', url: '/api/annotations/batch/', body: { operations: [
        { op: 'create', data: { ...spanBody, client_key: keys[0] } },
        { op: 'create', data: { ...body, client_key: keys[1], ...endIds(ends), [`relation_${role}`]: { ref: 0 } } },
      ] },
    }),
    done: (response) => {
      const [first, second] = response.data.results;
      saved(span, first.annotation);
      saved(link, second.annotation);
    },
    fail: (response) => {
      [span, link].forEach(dropped);
      const failed = ((response.data && response.data.results) || []).find((r) => r.errors);
      problem(failed ? { ...response, data: failed.errors } : response, `${span.what} and its link were not saved`, link);
    },
  }, link);
}

function change(a, changes) {
  if (refuseGold(a)) return;
  const before = Object.fromEntries(Object.keys(changes).map((key) => [key, a[key]]));
  Object.assign(a, changes);
  a.pending += 1;
  hooks.touched(a);
  send({
    skip: () => a.failed,
    request: () => ({ method: 'PATCH', url: `/api/annotations/${a.id}/`, body: changes, etag: `"${a.id}.${a.version}"` }),
    done: (response) => {
      Object.assign(a, response.data, { pending: a.pending - 1 });
      hooks.touched(a);
    },
    fail: (response) => {
      a.pending -= 1;
      if (response.status === 412 || response.status === 404) return conflict(a, response);
      Object.assign(a, before);
      problem(response, `The change to “${labelOf(a).name}” was not saved`, a);
      hooks.touched(a);
    },
  }, a);
}

export function remove(a) {
  if (refuseGold(a)) return;
  // The server deletes relations with the span they link; the page follows at once.
  const links = all().filter((r) => r.scope === 'relation' && [r.relation_content, r.relation_source].includes(a.id));
  const gone = [a, ...links];
  gone.forEach((x) => { x.deleting = true; });
  a.pending += 1;
  hooks.touched(a);
  const finish = () => {
    gone.forEach((x) => anns.delete(String(x.id)));
    for (const r of all()) if (r.relation_cue === a.id) r.relation_cue = null;
    hooks.touched(a);
  };
  send({
    skip: () => a.failed,
    request: () => ({ method: 'DELETE', url: `/api/annotations/${a.id}/`, etag: `"${a.id}.${a.version}"` }),
    done: finish,
    fail: (response) => {
      a.pending -= 1;
      if (response.status === 404) return finish();
      gone.forEach((x) => { x.deleting = false; });
      if (response.status === 412) return conflict(a, response);
      problem(response, `“${labelOf(a).name}” was not deleted`, a);
      hooks.touched(a);
    },
  }, a);
}

function conflict(a, response) {
  const current = response.data && response.data.current;
  const name = labelOf(a).name;
  if (current) {
    Object.assign(a, current, { deleting: false });
  } else {
    anns.delete(String(a.id));
    a.failed = true;
  }
  refused(a, `“${name}” was ${current ? 'changed' : 'deleted'} by another session`);
  say(current
    ? `Conflict: “${name}” was changed elsewhere since this page loaded (it is now at version ${current.version}). `
      + 'Your change was not applied; the sentence was reloaded with the saved version.'
    : `Conflict: “${name}” was deleted elsewhere; your change was not applied.`, 'conflict');
  hooks.touched(a);
  reloadSegment(a.segment || focused().id);
}

async function reloadSegment(id) {
  let response;
  try {
    response = await call('GET', `/api/segments/${id}/`);
  } catch {
    say('The sentence could not be reloaded: no connection. Reload the page when you are back online.');
    return;
  }
  if (!response.ok) return;
  const seg = segById.get(id);
  const fresh = new Map(response.data.annotations.map((a) => [String(a.id), a]));
  for (const a of all()) {
    if (a.segment === id && typeof a.id === 'number' && !a.pending && !fresh.has(String(a.id))) anns.delete(String(a.id));
  }
  for (const [key, a] of fresh) {
    const local = anns.get(key);
    if (!local) anns.set(key, a);
    else if (!local.pending) Object.assign(local, a);
  }
  seg.done = response.data.done;
  hooks.drawSegment(seg);
  hooks.drawPanel();
}

export function setDone(seg, value) {
  if (seg.done === value) return;
  seg.done = value;
  hooks.drawSegment(seg);
  hooks.drawPanel();
  send({
    request: () => ({ method: value ? 'POST' : 'DELETE', url: `/api/segments/${seg.id}/done/` }),
    done: () => {},
    fail: (response) => {
      seg.done = !value;
      problem(response, `Sentence ${seg.index + 1} was not marked ${value ? 'done' : 'not done'}`, seg);
      hooks.drawSegment(seg);
      hooks.drawPanel();
    },
  }, seg);
}

export function doneAndNext() {
  setDone(focused(), true);
  if (view.focus < segments.length - 1) hooks.focusSegment(view.focus + 1);
  else say('That was the last sentence.', 'info');
}

const needsForm = (layer, label) => layer.attributes.some((s) => s.required || (s.required_for || []).includes(label.key));

function attributeFields(layer, values, labelKey) {
  return layer.attributes.map((spec) => ({
    key: `attr:${spec.key}`,
    name: spec.name || human(spec.key),
    type: { choice: 'choice', bool: 'bool' }[spec.type] || 'text',
    choices: spec.choices || [],
    value: (values || {})[spec.key],
    required: spec.required ? true : (v) => (spec.required_for || []).includes(labelKey(v)),
    requiredWhy: spec.required ? null : (v) => `for the label “${human(labelKey(v))}”`,
  }));
}

function attributesFrom(layer, values) {
  const out = {};
  for (const spec of layer.attributes) {
    const value = values[`attr:${spec.key}`];
    if (value !== '' && value !== null && value !== undefined && value !== false) out[spec.key] = value;
  }
  return out;
}

const titleOf = (label) => (label.name === label.layer.name ? label.name : `${label.name} · ${label.layer.name}`);
const noteField = (value) => ({ key: 'note', name: 'Note', type: 'note', value: value || '' });
const sameAttributes = (x, y) => JSON.stringify(Object.entries(x).sort()) === JSON.stringify(Object.entries(y || {}).sort());

export function useLabel(label) {
  ({ segment: toggleSentenceLabel, span: tagSpan, document: documentForm, relation: relationForm })[label.layer.scope](label);
}

function createForm(label, body, intro, local = {}) {
  const layer = label.layer;
  openForm(dialog, {
    title: titleOf(label),
    intro,
    fields: [...attributeFields(layer, {}, () => label.key), noteField('')],
    submit: 'Add',
    onSubmit: (v) => {
      if (body.quote || local.quote) hooks.clearSelection();
      create({ ...body, attributes: attributesFrom(layer, v), note: v.note }, {}, local);
    },
    onClose: refocus,
  });
}

function toggleSentenceLabel(label) {
  const seg = focused();
  const layer = label.layer;
  const existing = all().filter((a) => mine(a) && a.segment === seg.id && layerOf(a) === layer);
  const same = existing.find((a) => a.label === label.id);
  if (same) return remove(same);
  if (!layer.multiple && existing.length) return change(existing[0], { label: label.id });
  const body = { segment: seg.id, label: label.id, attributes: {}, note: '' };
  if (needsForm(layer, label)) return createForm(label, body, `Sentence ${view.focus + 1}: “${short(seg.text, 120)}”`);
  create(body);
}

// The selected words as a new span of the label: the body to send, and what the page shows until it is saved.
function selectionSpan(label, sel) {
  const seg = focused();
  if ((sel.last ?? view.focus) === view.focus) {
    return { body: {
      segment: seg.id, label: label.id, start: unitsToPoints(seg.text, sel.start), end: unitsToPoints(seg.text, sel.end),
      quote: seg.text.slice(sel.start, sel.end), attributes: {}, note: '',
    }, local: {} };
  }
  // Into the next sentences: the server stores it on this sentence and quotes the article's own text.
  const [docStart, docEnd] = selectionOffsets(sel);
  return {
    body: { document: data.document, doc_start: docStart, doc_end: docEnd, label: label.id, attributes: {}, note: '' },
    local: { segment: seg.id, start: docStart - seg.start, end: docEnd - seg.start, quote: selectedText(sel) },
  };
}

function tagSpan(label) {
  const sel = hooks.currentSelection();
  if (sel.error) return say(sel.error);
  const { body, local } = selectionSpan(label, sel);
  say('');
  if (needsForm(label.layer, label)) return createForm(label, body, `“${body.quote || local.quote}”`, local);
  hooks.clearSelection();
  create(body, {}, local);
}

function documentForm(label) {
  const layer = label.layer;
  const seg = focused();
  const single = !layer.multiple && all().find((a) => mine(a) && a.scope === 'document' && layerOf(a) === layer);
  if (single) return editForm(single, { label: label.id });
  openForm(dialog, {
    title: titleOf(label),
    intro: label.definition,
    fields: [...attributeFields(layer, {}, () => label.key),
      { key: 'anchor', name: `Anchor at sentence ${view.focus + 1}: “${short(seg.text, 70)}”`, type: 'bool',
        help: 'Optional: the sentence where this matters most.' },
      noteField('')],
    submit: 'Add',
    onSubmit: (v) => create({
      document: data.document, ...(v.anchor ? { segment: seg.id } : {}), label: label.id,
      attributes: attributesFrom(layer, v), note: v.note,
    }),
    onClose: refocus,
  });
}

function endpointFields(layer, values, forEdit, selected = null) {
  const ends = layer.relation_endpoints || {};
  const seg = focused();
  const spans = all().filter((a) => mine(a) && a.scope === 'span' && (!forEdit || typeof a.id === 'number'));
  const near = (a, b) => (b.segment === seg.id) - (a.segment === seg.id) || positionOf(a) - positionOf(b) || a.start - b.start;
  const fields = [['content', 'Content: what is attributed', true], ['source', 'Source: who is credited', true],
    ['cue', 'Cue: the attributing words', false]].map(([role, name, required]) => {
    const options = spans.filter((a) => !ends[role] || labelOf(a).key === ends[role]).sort(near);
    const start = values ? null : preferred(options);
    const fresh = selected && role !== 'cue' ? [{ value: 'new', label: `New span: the selected “${short(selected, 50)}”` }] : [];
    const first = selected && role === 'source' ? 'new' : start ? String(start.id) : '';
    return {
      key: role, name, type: 'options', required, placeholder: required ? '— choose —' : '— none —',
      options: [...fresh, ...options.map((a) => ({ value: String(a.id), label: `S${positionOf(a) + 1} · “${short(a.quote, 50)}”` }))],
      value: values ? (values[`relation_${role}`] ? String(values[`relation_${role}`]) : '') : first,
      count: options.length + fresh.length,
    };
  });
  return fields;
}

function relationForm(label) {
  const layer = label.layer;
  const sel = hooks.currentSelection();
  const spanLabel = (role) => layers.filter((l) => l.scope === 'span').flatMap((l) => l.labels)
    .find((x) => x.key === (layer.relation_endpoints || {})[role]);
  const selected = sel.error || !spanLabel('content') || !spanLabel('source') ? null : selectionSpan(spanLabel('source'), sel);
  const quote = selected && (selected.body.quote || selected.local.quote);
  const endpoints = endpointFields(layer, null, false, quote);
  if (!endpoints[0].count || !endpoints[1].count) {
    const spanLayer = layers.find((l) => l.scope === 'span' && l.labels.some((x) => x.key === (layer.relation_endpoints || {}).source));
    return say(`Mark a content span and a source span first${spanLayer ? ` (layer “${spanLayer.name}”)` : ''}, then link them here.`);
  }
  const attributes = attributeFields(layer, {}, () => label.key);
  if (endpoints[0].value && endpoints[1].value && attributes.length) attributes[0].focus = true;
  openForm(dialog, {
    title: titleOf(label),
    intro: label.definition,
    fields: [...endpoints, ...attributes, noteField('')],
    submit: 'Link',
    check: (v) => (v.content && v.content === v.source ? { source: 'Source and content must be different spans.' } : {}),
    onSubmit: (v) => {
      const body = { label: label.id, attributes: attributesFrom(layer, v), note: v.note };
      const role = ['content', 'source'].find((r) => v[r] === 'new');
      const ends = Object.fromEntries(['content', 'source', 'cue'].filter((r) => r !== role)
        .map((r) => [`relation_${r}`, find(v[r])]));
      if (!role) return create(body, ends);
      const made = selectionSpan(spanLabel(role), sel);
      hooks.clearSelection();
      createWithSpan(made.body, made.local, role, body, ends);
    },
    onClose: refocus,
  });
}

export function editForm(a, preset = {}) {
  if (refuseGold(a)) return;
  const label = labelOf(a);
  const layer = label.layer;
  const keyOf = (v) => (v.label ? labels.get(Number(v.label)).key : label.key);
  const fields = [];
  if (layer.labels.length > 1) {
    fields.push({ key: 'label', name: 'Label', type: 'options', required: true,
      options: layer.labels.map((l) => ({ value: String(l.id), label: l.name })), value: String(preset.label || a.label) });
  }
  if (layer.scope === 'relation') fields.push(...endpointFields(layer, a, true));
  fields.push(...attributeFields(layer, a.attributes, keyOf), noteField(a.note));
  openForm(dialog, {
    title: `Edit ${label.name}`,
    intro: a.quote ? `“${a.quote}”` : a.scope === 'relation' ? describeRelation(a) : layer.name,
    fields,
    check: (v) => (v.content && v.content === v.source ? { source: 'Source and content must be different spans.' } : {}),
    onSubmit: (v) => {
      const changes = {};
      if (v.label && Number(v.label) !== a.label) changes.label = Number(v.label);
      for (const role of layer.scope === 'relation' ? ['content', 'source', 'cue'] : []) {
        const id = v[role] ? Number(v[role]) : null;
        if (id !== a[`relation_${role}`]) changes[`relation_${role}`] = id;
      }
      const attributes = attributesFrom(layer, v);
      if (!sameAttributes(attributes, a.attributes)) changes.attributes = attributes;
      if (v.note !== (a.note || '')) changes.note = v.note;
      if (Object.keys(changes).length) change(a, changes);
      else say('Nothing changed.', 'info');
    },
    onClose: refocus,
  });
}
