"""Write the annotated article as Markdown with footnotes (CommonMark plus GFM footnotes).

The same content as the html export: headline, source, legend, the text
paragraph by paragraph, then missing perspectives, other document labels,
attributions and counts. Text covered by span annotations is **bold**
(overlapping spans merge into one bold run; the footnote lists each span with
its exact quote), segment labels follow the sentence in italics with the
layer's marker letter, and each annotated sentence gets a footnote, written
right after its paragraph. Characters from the records that would change
meaning are escaped: ``<`` and an ``&`` that starts an entity become
entities (so no dialect sees HTML), emphasis, link, table, strikethrough and
math characters and block markers at a line start get a backslash.
"""

import re
from collections.abc import Iterable, Iterator
from itertools import groupby

from .legend import ATTRIBUTION_COLUMNS, Legend, attribution_cells, details
from .readable import Anchor, Continued, Ending, Paragraph, Start, pieces, runs_on, walk
from .records import DocumentBlock, ExportAnnotation, ExportDocument, ExportMeta, ExportSegment

INLINE = re.compile(r"([\\`*_\[\]|~$])")
ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
BLOCK_START = re.compile(r"[#>+-]|\d+[.)]")
RUNS_ON = " · *runs on into the next sentence*"


def escape(value) -> str:
    """Escape record text for inline Markdown, on one line."""
    # Entities, not backslashes, for what could open HTML: every Markdown dialect decodes them.
    value = ENTITY_LIKE.sub("&amp;", str(value)).replace("<", "&lt;")
    return INLINE.sub(r"\\\1", value).replace("\r", " ").replace("\n", " ")


def _line(markdown: str) -> str:
    # Leading spaces would open a code block; a leading marker a heading, quote or list.
    markdown = markdown.lstrip()
    found = BLOCK_START.match(markdown)
    if found:
        cut = found.end() - 1
        markdown = f"{markdown[:cut]}\\{markdown[cut:]}"
    return markdown


def export_md(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream a Markdown document, a chunk per paragraph."""
    legend = Legend(meta["codebook"])
    codebook = meta["codebook"]
    filters = ", ".join(f"{key}={value}" for key, value in meta["filters"].items()) or "none"
    about = f"{meta['project'].get('name', '')} · codebook {codebook['name']} v{codebook['version']}"
    yield f"*{escape(about)} · filters: {escape(filters)} · generated {escape(meta['generated_at'])}*\n\n".encode()
    page = _Page(legend)
    for event in walk(blocks):
        match event:
            case Start():
                yield page.start(event).encode()
            case Paragraph():
                yield page.block(event).encode()
            case Ending():
                yield _ending(event, legend).encode()


class _Page:
    """Render one document's text, numbering its footnotes."""

    def __init__(self, legend: Legend) -> None:
        self.legend = legend
        self.doc = ""
        self.note = 0
        self.documents = 0

    def start(self, start: Start) -> str:
        document = start.document
        self.doc = str(document["id"])
        self.note = 0
        self.documents += 1
        rule = "---\n\n" if self.documents > 1 else ""
        headline = self.block(start.title) if start.title else f"# {escape(document['title'])}\n\n"
        return rule + headline + _source(document) + _legend(self.legend)

    def block(self, paragraph: Paragraph) -> str:
        """Return a paragraph, heading or headline followed by its footnotes."""
        sentences, notes = [], []
        for segment in paragraph.segments:
            continued = paragraph.continued.get(segment["id"], [])
            sentence = _sentence(segment, continued)
            if segment["annotations"] or continued:
                self.note += 1
                label = f"d{self.doc}-{self.note}"
                sentence += f"{self._badges(segment)}[^{label}]"
                notes.append(self._footnote(segment, label, continued))
            sentences.append(sentence)
        prefix = {"title": "# ", "heading": "## "}.get(paragraph.kind, "")
        body = _line(" ".join(sentences))
        if paragraph.kind == "standfirst":
            body = f"*{body}*" if body else body
        return f"{prefix}{body}\n\n" + "".join(notes)

    def _badges(self, segment: ExportSegment) -> str:
        groups: dict[tuple[str, str], int] = {}
        for a in segment["annotations"]:
            if a["scope"] != "span":
                groups[a["layer"], a["label"]] = groups.get((a["layer"], a["label"]), 0) + 1
        badges = [
            f"{self.legend.marker(layer)} {self.legend.label_name(layer, label)}" + (f" ×{n}" if n > 1 else "")
            for (layer, label), n in groups.items()
        ]
        return f" *{escape('[' + '; '.join(badges) + ']')}*" if badges else ""

    def _footnote(self, segment: ExportSegment, label: str, continued: list[Continued]) -> str:
        # A span that runs over several sentences is listed under its first, and marked on the others.
        items = "".join(
            f"    - ↳ continued from sentence {item.first + 1}: {_heading(self.legend, item.annotation)}"
            f" ({escape(item.annotation['annotator'])})\n"
            for item in continued
        ) + "".join(
            f"    - {_annotation(self.legend, a)}{RUNS_ON if runs_on(a, segment) else ''}\n"
            for a in segment["annotations"]
        )
        return f"[^{label}]: Sentence {segment['index'] + 1}:\n\n{items}\n"


def _sentence(segment: ExportSegment, continued: list[Continued]) -> str:
    out = []
    for covered, run in groupby(pieces(segment, continued), key=lambda piece: bool(piece[1])):
        joined = "".join(piece for piece, _ in run)
        out.append(_strong(joined) if covered else escape(joined))
    return "".join(out)


def _strong(value: str) -> str:
    # Emphasis cannot open or close next to a space, so spaces stay outside the markers.
    core = value.strip()
    if not core:
        return escape(value)
    lead, trail = value[: len(value) - len(value.lstrip())], value[len(value.rstrip()) :]
    return f"{escape(lead)}**{escape(core)}**{escape(trail)}"


def _heading(legend: Legend, a: ExportAnnotation) -> str:
    return f"**{escape(legend.marker(a['layer']))} {escape(legend.heading(a))}**"


def _annotation(legend: Legend, a: ExportAnnotation) -> str:
    return _heading(legend, a) + "".join(
        f" · {escape(part)}" for part in details(a)
    )


def _link(url: str) -> str:
    if url.lower().startswith(("http://", "https://")) and not re.search(r"[\s<>]", url):
        return f"<{url}>"
    return escape(url)


def _source(document: ExportDocument) -> str:
    source = document["source"] or {}
    rows = [
        ("Outlet", escape(source.get("name") or "unknown")),
        ("Country", escape(source.get("country") or "")),
        ("Funding", escape(source.get("funding_note") or "")),
        ("Outlet site", _link(source.get("url") or "")),
        ("Author", escape(document["author"] or "")),
        ("Published", escape(document["published_at"] or "")),
        ("Article", _link(document["url"] or "")),
    ]
    items = "".join(f"> - {name}: {value}\n" for name, value in rows if value)
    return f"> **About the source**\n>\n{items}\n"


def _legend(legend: Legend) -> str:
    lines = ["**Legend** (letters mark layers in the text and footnotes)\n\n"]
    for layer in legend.layers:
        labels = ", ".join(escape(label["name"]) for label in layer["labels"])
        head = f"{escape(legend.marker(layer['key']))} {escape(layer['name'])}"
        lines.append(f"- **{head}** ({escape(layer['scope'])}): {labels}\n")
    return "".join(lines) + "\n"


def _ending(end: Ending, legend: Legend) -> str:
    parts = ["## Missing perspectives\n\n", _document_labels(end.missing, legend)]
    if end.other:
        parts += ["## Document labels\n\n", _document_labels(end.other, legend)]
    parts += ["## Attributions\n\n", _attributions(end), "## Counts\n\n"]
    counts = end.counts
    parts.append(f"Sentences annotated: {counts.annotated} of {counts.segments}.\n\n")
    parts.append("| Layer | Label | Annotations |\n|---|---|---:|\n")
    for (layer, label), n in sorted(counts.labels.items()):
        parts.append(f"| {escape(legend.layer_name(layer))} | {escape(legend.label_name(layer, label))} | {n} |\n")
    parts.append("\n| Annotator | Annotations |\n|---|---:|\n")
    parts += [f"| {escape(name)} | {n} |\n" for name, n in sorted(counts.annotators.items())]
    return "".join(parts) + "\n"


def _document_labels(items: list[tuple[ExportAnnotation, Anchor | None]], legend: Legend) -> str:
    if not items:
        return "None recorded.\n\n"
    lines = []
    for a, anchor in items:
        where = "" if anchor is None else f" · at sentence {anchor.index + 1}: “{escape(anchor.text)}”"
        lines.append(f"- {_annotation(legend, a)}{where}\n")
    return "".join(lines) + "\n"


def _attributions(end: Ending) -> str:
    if not end.attributions:
        return "None recorded.\n\n"
    lines = ["| " + " | ".join(ATTRIBUTION_COLUMNS) + " |\n", "|---" * len(ATTRIBUTION_COLUMNS) + "|\n"]
    for item in end.attributions:
        cells = attribution_cells(item.annotation, item.content, item.source, item.cue)
        lines.append("| " + " | ".join(escape(cell) for cell in cells) + " |\n")
    return "".join(lines) + "\n"
