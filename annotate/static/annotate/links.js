// Attribution drawn as links: from a content span to its source (and cue), readable without hovering.
//
// AnnotateLinks.draw(area, links) draws into `area`, a positioned element (position: relative) that holds
// the span elements; each link is {from: Element, to: Element, kind: 'source' | 'cue', label: String}.
// Ends on the same line are joined by an arc above the text; ends on different lines or in different
// sentences by a curve through the area's left margin, so the area should keep some left padding (links.css
// gives .lk-area 2.25rem). An arrowhead marks the source or cue end and the label is written along the
// link. The drawing follows the area when it changes size. AnnotateLinks.clear(area) removes it.
// A plain script (no module syntax) so that pages with and without modules can load it.
(function () {
  'use strict';
  const SVG = 'http://www.w3.org/2000/svg';
  const KINDS = ['source', 'cue'];
  const state = new WeakMap(); // area -> {links, observer}
  let drawings = 0; // makes marker ids unique when several areas are drawn on one page

  function svg(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, String(value)));
    if (text) node.textContent = text;
    return node;
  }

  // The first line box of an element, in the area's coordinates (scrolled content included).
  function firstBox(node, area, origin) {
    const rect = node.getClientRects()[0];
    if (!rect) return null; // hidden
    const left = rect.left - origin.left + area.scrollLeft;
    const top = rect.top - origin.top + area.scrollTop;
    return { left, top, right: left + rect.width, bottom: top + rect.height, mid: top + rect.height / 2 };
  }

  function markers(id) {
    const defs = svg('defs', {});
    KINDS.forEach((kind) => {
      const marker = svg('marker', {
        id: `${id}-${kind}`, class: `lk-head lk-${kind}`, viewBox: '0 0 8 8', refX: 7, refY: 4,
        markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
      });
      marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z' }));
      defs.append(marker);
    });
    return defs;
  }

  // An arc over one line: its height grows with the distance between the ends, up to a limit, and with the
  // number of arcs already drawn, so that labels of links from one span do not sit on each other.
  function arc(a, b, level) {
    const x1 = (a.left + a.right) / 2;
    const x2 = (b.left + b.right) / 2;
    const y = Math.min(a.top, b.top);
    const rise = Math.min(28, 8 + Math.abs(x2 - x1) / 8) + (level % 3) * 9;
    return {
      d: `M${x1},${a.top} C${x1},${y - rise} ${x2},${y - rise} ${x2},${b.top}`,
      label: { x: (x1 + x2) / 2, y: y - rise * 0.75 - 2, vertical: false },
    };
  }

  // A link out into the left margin, along it and back: it leaves and enters each span at its top-left
  // corner and runs in the gap above the line, so the words before the span are never struck through.
  // Lanes keep links apart in the margin, and their labels are spread along it.
  function margin(a, b, lane) {
    const x = Math.max(3, 30 - lane * 7);
    const ya = a.top - 3;
    const yb = b.top - 3;
    const down = yb > ya ? 1 : -1;
    const r = Math.min(6, Math.abs(yb - ya) / 2);
    const d = [
      `M${a.left + 3},${a.top}`,
      `Q${a.left + 3},${ya} ${a.left - 3},${ya}`,
      `L${x + r},${ya}`,
      `Q${x},${ya} ${x},${ya + down * r}`,
      `L${x},${yb - down * r}`,
      `Q${x},${yb} ${x + r},${yb}`,
      `L${b.left - 3},${yb}`,
      `Q${b.left + 3},${yb} ${b.left + 3},${b.top}`,
    ].join(' ');
    const low = Math.min(ya, yb);
    const span = Math.abs(yb - ya);
    const y = low + span / 2 + ((lane % 3) - 1) * Math.min(24, span / 4);
    return { d, label: { x: x - 3, y, vertical: true } };
  }

  function render(area, links) {
    clearDrawing(area);
    const origin = area.getBoundingClientRect();
    const id = `lk${++drawings}`;
    const layer = svg('svg', {
      class: 'lk-layer', 'aria-hidden': 'true', focusable: 'false',
      width: area.scrollWidth, height: area.scrollHeight,
    });
    layer.append(markers(id));
    let lane = 0;
    let level = 0;
    links.forEach((link) => {
      if (!link || !link.from || !link.to || !area.contains(link.from) || !area.contains(link.to)) return;
      const a = firstBox(link.from, area, origin);
      const b = firstBox(link.to, area, origin);
      if (!a || !b) return;
      const kind = KINDS.includes(link.kind) ? link.kind : 'source';
      const sameLine = Math.abs(a.top - b.top) < 4;
      const shape = sameLine ? arc(a, b, level++) : margin(a, b, lane++ % 5);
      const group = svg('g', { class: `lk-link lk-${kind}` });
      group.append(svg('path', { class: `lk-path lk-${kind}`, d: shape.d, 'marker-end': `url(#${id}-${kind})` }));
      if (link.label) {
        const { x, y, vertical } = shape.label;
        const text = svg('text', { class: 'lk-label', x, y, 'text-anchor': 'middle' }, link.label);
        if (vertical) text.setAttribute('transform', `rotate(-90 ${x} ${y})`);
        group.append(text);
      }
      layer.append(group);
    });
    area.append(layer);
  }

  function clearDrawing(area) {
    area.querySelectorAll(':scope > svg.lk-layer').forEach((node) => node.remove());
  }

  function draw(area, links) {
    if (!area) return;
    let entry = state.get(area);
    if (!entry) {
      entry = { links: [], frame: 0 };
      // Text reflows when the area changes width: the ends move, so the links are drawn again.
      if (window.ResizeObserver) {
        entry.observer = new ResizeObserver(() => {
          cancelAnimationFrame(entry.frame);
          entry.frame = requestAnimationFrame(() => render(area, entry.links));
        });
        entry.observer.observe(area);
      }
      state.set(area, entry);
    }
    entry.links = Array.from(links || []);
    area.classList.add('lk-area');
    render(area, entry.links);
  }

  function clear(area) {
    if (!area) return;
    const entry = state.get(area);
    if (entry && entry.observer) entry.observer.disconnect();
    state.delete(area);
    clearDrawing(area);
  }

  window.AnnotateLinks = { draw, clear };
})();
