// Naming the marks in the text: a card that lists the tags under the pointer, or the tag whose entry in the
// panel has keyboard focus, so overlapping spans are read by name rather than told apart by colour alone.
import { h } from './annotate-forms.js';
import {
  $, colorOf, find, goldText, labelOf, layerOf, mine, short,
} from './annotate-state.js';

const tip = h('div', { id: 'mark-tip', class: 'mark-tip', role: 'tooltip', hidden: true });
document.body.append(tip);

function who(a) {
  if (a.gold) return goldText(a);
  return mine(a) ? 'by you' : `by ${a.annotator}`;
}

function line(a) {
  return h('li', { style: { '--c': colorOf(a) } },
    h('span', { class: 'swatch', 'aria-hidden': 'true' }),
    h('strong', {}, labelOf(a).name),
    h('span', { class: 'muted' }, ` ${layerOf(a).name}`),
    a.quote ? h('span', { class: 'tip-quote' }, ` “${short(a.quote, 50)}”`) : null,
    h('span', { class: 'tip-who' }, ` ${who(a)}`));
}

// Show the card next to el, naming the tags given.
export function showTip(el, tags) {
  const shown = tags.filter(Boolean);
  if (!el || !shown.length) return hideTip();
  tip.replaceChildren(h('ul', {}, shown.map(line)));
  tip.hidden = false;
  const box = el.getBoundingClientRect();
  const card = tip.getBoundingClientRect();
  const above = box.top - card.height - 8;
  tip.style.top = `${above > 60 ? above : box.bottom + 8}px`;
  tip.style.left = `${Math.max(8, Math.min(box.left, innerWidth - card.width - 8))}px`;
  return undefined;
}

export function hideTip() {
  tip.hidden = true;
}

const tagsOf = (piece) => piece.dataset.ann.split(' ').map(find);

// The first marked piece of a span in the text, where its card is shown.
export function firstPiece(a) {
  return [...$('article').querySelectorAll('.piece[data-ann]')]
    .find((piece) => piece.dataset.ann.split(' ').includes(String(a.id))) || null;
}

export function setUpTips(article) {
  article.addEventListener('mouseover', (event) => {
    const piece = event.target.closest('.piece[data-ann]');
    if (piece) showTip(piece, tagsOf(piece));
  });
  article.addEventListener('mouseout', (event) => {
    const to = event.relatedTarget && event.relatedTarget.closest && event.relatedTarget.closest('.piece[data-ann]');
    if (!to) hideTip();
  });
  addEventListener('scroll', hideTip, { passive: true });
}
