"""Render the parts of the HTML export around the text: style, source, legend, endings."""

from html import escape

from .legend import ATTRIBUTION_COLUMNS, Legend, attribution_cells, details, safe_color
from .readable import Anchor, Ending
from .records import ExportAnnotation, ExportDocument

UNDERLINES = ("solid", "dashed", "dotted", "double")
FALLBACK = safe_color(None)

STYLE = """\
body{font:1.05rem/1.9 Georgia,"Times New Roman",Times,serif;color:#222;background:#fff;
  max-width:46em;margin:2em auto;padding:0 1em}
h1,h2,h3{line-height:1.3}
h1{font-size:1.8em;margin:.3em 0}
p.export{font:.8em/1.4 system-ui,sans-serif;color:#555;border-bottom:1px solid #ddd;padding-bottom:.5em}
p.standfirst{font-size:1.1em;font-style:italic}
article{margin-bottom:3em}
aside.source,section.legend{font:.85em/1.5 system-ui,sans-serif;border:1px solid #ccc;background:#f7f7f4;
  padding:.4em 1em;margin:1em 0}
aside.source h2,section.legend h2{font-size:1em;margin:.3em 0}
aside.source dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:.3em 0}
aside.source dt,section.legend dt{font-weight:bold}
section.legend dd{margin:0 0 .4em 1em}
mark{background:transparent;color:inherit;padding:0 0 1px;border:0 solid #999;border-bottom-width:2px}
mark mark{padding-bottom:5px}
mark mark mark{padding-bottom:9px}
mark mark mark mark{padding-bottom:13px}
.badge{font:.72rem/1.2 system-ui,sans-serif;border:1px solid #999;border-radius:3px;padding:0 .3em;
  margin-left:.25em;white-space:nowrap}
sup.ref{font:.7em system-ui,sans-serif;margin-left:.15em}
sup.ref a,a.back{text-decoration:none}
ol.notes{font:.8em/1.5 system-ui,sans-serif;color:#333;border-left:3px solid #ddd;margin:.2em 0 1.4em;
  padding-left:2.4em}
ol.notes ul{margin:.1em 0 .4em;padding-left:1.2em}
table{border-collapse:collapse;width:100%;font:.85em/1.4 system-ui,sans-serif;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.2em .4em;text-align:left;vertical-align:top}
td.n{text-align:right}
@media print{body{max-width:none;margin:0;font-size:11pt}a{color:inherit;text-decoration:none}
  mark,.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  article+article{break-before:page}ol.notes,table{break-inside:avoid}a.back{display:none}}
"""


def underlines(legend: Legend) -> dict[int, str]:
    """Return the underline style of each span layer, counted among span layers only."""
    spans = [i for i, layer in enumerate(legend.layers) if layer["scope"] == "span"]
    return {i: UNDERLINES[n % len(UNDERLINES)] for n, i in enumerate(spans)}


def codebook_css(legend: Legend) -> str:
    """Return CSS rules for each layer's underline and each label's colour."""
    rules = [".lyx{border-bottom-style:solid}", f".lbx{{background-color:{FALLBACK}33;border-color:{FALLBACK}}}"]
    styles = underlines(legend)
    for i, layer in enumerate(legend.layers):
        style = styles.get(i, "solid")
        # A double line needs more width than the others to show as two lines.
        width = ";border-bottom-width:4px" if style == "double" else ""
        rules.append(f".ly{i}{{border-bottom-style:{style}{width}}}")
        for j, label in enumerate(layer["labels"]):
            # Colours reach CSS only as #rrggbb, so a codebook entry cannot inject rules.
            color = safe_color(label["color"])
            rules.append(f".lb{i}-{j}{{background-color:{color}33;border-color:{color}}}")
    return "\n".join(rules) + "\n"


def classes(legend: Legend, layer: str, label: str) -> str:
    """Return the CSS classes of a layer and label."""
    i, j = legend.index(layer, label)
    return f"ly{'x' if i is None else i} lb{'x' if j is None else f'{i}-{j}'}"


def describe(legend: Legend, a: ExportAnnotation) -> str:
    """Return one line about an annotation, as plain text."""
    return f"{legend.marker(a['layer'])} {legend.heading(a)} ({a['annotator']})"


def annotation_html(legend: Legend, a: ExportAnnotation) -> str:
    """Return an annotation's label, quote, attributes, annotator, review and note as HTML."""
    layer, marker = a["layer"], escape(legend.marker(a["layer"]))
    badge = f'<span class="badge {classes(legend, layer, a["label"])}">{marker}</span>'
    rest = "".join(f" · {escape(part)}" for part in details(a))
    return f"{badge} <b>{escape(legend.heading(a))}</b>{rest}"


def link(url: str) -> str:
    """Return a URL as a link when it is http(s), as text otherwise."""
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{escape(url)}</a>'
    return escape(url)


def source_box(document: ExportDocument) -> str:
    """Return the box about the outlet and the article's provenance."""
    source = document["source"] or {}
    rows = [
        ("Outlet", escape(source.get("name") or "unknown")),
        ("Country", escape(source.get("country") or "")),
        ("Funding", escape(source.get("funding_note") or "")),
        ("Outlet site", link(source.get("url") or "")),
        ("Author", escape(document["author"] or "")),
        ("Published", escape(document["published_at"] or "")),
        ("Article", link(document["url"] or "")),
    ]
    items = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows if value)
    return f'<aside class="source">\n<h2>About the source</h2>\n<dl>{items}</dl>\n</aside>\n'


def legend_section(legend: Legend) -> str:
    """Return the legend: each layer's marker, underline and labels with their colours."""
    items = []
    styles = underlines(legend)
    for i, layer in enumerate(legend.layers):
        cue = {"span": f"underline {styles.get(i)}", "segment": "badge after the sentence"}.get(
            layer["scope"], "listed after the text"
        )
        labels = " ".join(
            f'<span class="badge ly{i} lb{i}-{j}" title="{escape(label["definition"])}">{escape(label["name"])}</span>'
            for j, label in enumerate(layer["labels"])
        )
        items.append(
            f'<dt><span class="badge ly{i}">{escape(legend.marker(layer["key"]))}</span> {escape(layer["name"])}'
            f" <small>({escape(layer['scope'])}, {cue})</small></dt><dd>{labels}</dd>"
        )
    return f'<section class="legend">\n<h2>Legend</h2>\n<dl>{"".join(items)}</dl>\n</section>\n'


def ending(end: Ending, legend: Legend) -> str:
    """Return the sections after the text and close the article."""
    doc = escape(str(end.document["id"]))
    parts = ['<section class="missing">\n<h2>Missing perspectives</h2>\n']
    parts.append(_document_labels(end.missing, legend, doc))
    parts.append("</section>\n")
    if end.other:
        parts.append('<section class="document-labels">\n<h2>Document labels</h2>\n')
        parts.append(_document_labels(end.other, legend, doc))
        parts.append("</section>\n")
    parts.append('<section class="attributions">\n<h2>Attributions</h2>\n')
    parts.append(_attributions(end, legend))
    parts.append("</section>\n")
    parts.append(_counts(end, legend))
    parts.append("</article>\n")
    return "".join(parts)


def _document_labels(items: list[tuple[ExportAnnotation, Anchor | None]], legend: Legend, doc: str) -> str:
    if not items:
        return "<p>None recorded.</p>\n"
    rows = []
    for a, anchor in items:
        where = ""
        if anchor is not None:
            where = f' · at <a href="#d{doc}-s{anchor.index}">sentence {anchor.index + 1}</a>: “{escape(anchor.text)}”'
        rows.append(f"<li>{annotation_html(legend, a)}{where}</li>\n")
    return f"<ul>\n{''.join(rows)}</ul>\n"


def _attributions(end: Ending, legend: Legend) -> str:
    if not end.attributions:
        return "<p>None recorded.</p>\n"
    head = "".join(f"<th>{name}</th>" for name in ATTRIBUTION_COLUMNS)
    rows = []
    for item in end.attributions:
        cells = attribution_cells(item.annotation, item.content, item.source, item.cue)
        rows.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>\n")
    return f"<table>\n<tr>{head}</tr>\n{''.join(rows)}</table>\n"


def _counts(end: Ending, legend: Legend) -> str:
    counts = end.counts
    labels = "".join(
        f"<tr><td>{escape(legend.layer_name(layer))}</td><td>{escape(legend.label_name(layer, label))}</td>"
        f'<td class="n">{n}</td></tr>\n'
        for (layer, label), n in sorted(counts.labels.items())
    )
    people = "".join(
        f'<tr><td>{escape(name)}</td><td class="n">{n}</td></tr>\n' for name, n in sorted(counts.annotators.items())
    )
    return (
        '<section class="counts">\n<h2>Counts</h2>\n'
        f"<p>Sentences annotated: {counts.annotated} of {counts.segments}.</p>\n"
        f"<table>\n<tr><th>Layer</th><th>Label</th><th>Annotations</th></tr>\n{labels}</table>\n"
        f"<table>\n<tr><th>Annotator</th><th>Annotations</th></tr>\n{people}</table>\n"
        "</section>\n"
    )
