"""Write a standalone annotated HTML5 page: no script, no external resource, printable.

Each document is an ``<article>``: headline, a box about the source, a
legend, the text paragraph by paragraph with its footnotes right after each
paragraph, then missing perspectives, other document labels, attributions
and counts. Span annotations are nested ``<mark>`` elements: the sentence is
cut at every span boundary, and each piece is wrapped once per span covering
it, so overlapping spans stay distinguishable. Colour is never the only cue:
each layer also has an underline style and a marker letter. Every value from
the records goes through ``html.escape``; colours are checked before they
reach the stylesheet, and only http(s) URLs become links.
"""

from collections.abc import Iterable, Iterator
from html import escape

from .html_parts import STYLE, annotation_html, classes, codebook_css, describe, ending, legend_section, source_box
from .legend import Legend
from .readable import Continued, Ending, Paragraph, Start, pieces, runs_on, walk
from .records import DocumentBlock, ExportMeta, ExportSegment

TAGS = {"title": "h1", "standfirst": "p", "heading": "h2", "body": "p"}
RUNS_ON = " · <i>runs on into the next sentence</i>"


def export_html(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream an HTML page, a chunk per paragraph."""
    legend = Legend(meta["codebook"])
    name = meta["project"].get("name") or "Annotations"
    codebook = meta["codebook"]
    filters = ", ".join(f"{key}={value}" for key, value in meta["filters"].items()) or "none"
    about = (
        f"{name} · codebook {codebook['name']} v{codebook['version']} · filters: {filters}"
        f" · generated {meta['generated_at']}"
    )
    yield (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(name)}: annotated export</title>\n"
        f"<style>\n{STYLE}{codebook_css(legend)}</style>\n</head>\n<body>\n"
        f'<p class="export">{escape(about)}</p>\n'
    ).encode()
    page = _Page(legend)
    for event in walk(blocks):
        match event:
            case Start():
                yield page.start(event).encode()
            case Paragraph():
                yield page.block(event).encode()
            case Ending():
                yield ending(event, legend).encode()
    yield b"</body>\n</html>\n"


class _Page:
    """Render one document's text, numbering its footnotes."""

    def __init__(self, legend: Legend) -> None:
        self.legend = legend
        self.doc = ""
        self.note = 0

    def start(self, start: Start) -> str:
        document = start.document
        self.doc = escape(str(document["id"]))
        self.note = 0
        if start.title is not None:
            headline = self.block(start.title)
        else:
            headline = f"<h1>{escape(document['title'])}</h1>\n"
        return (
            f'<article id="d{self.doc}" lang="{escape(document["language"] or "")}">\n<header>\n{headline}'
            f"{source_box(document)}{legend_section(self.legend)}</header>\n"
        )

    def block(self, paragraph: Paragraph) -> str:
        """Return a paragraph, heading or headline followed by its footnotes."""
        tag = TAGS.get(paragraph.kind, "p")
        sentences, notes = [], []
        for segment in paragraph.segments:
            continued = paragraph.continued.get(segment["id"], [])
            sentence = self._sentence(segment, continued)
            if segment["annotations"] or continued:
                self.note += 1
                n, doc = self.note, self.doc
                ref = f'<sup class="ref"><a href="#d{doc}-n{n}" id="d{doc}-r{n}">{n}</a></sup>'
                sentence += self._badges(segment) + ref
                notes.append(self._footnote(segment, n, continued))
            sentences.append(sentence)
        html = f'<{tag} class="{escape(paragraph.kind)}">{" ".join(sentences)}</{tag}>\n'
        if notes:
            html += f'<ol class="notes">\n{"".join(notes)}</ol>\n'
        return html

    def _sentence(self, segment: ExportSegment, continued: list[Continued]) -> str:
        out = []
        for text, spans in pieces(segment, continued):
            piece = escape(text)
            # Innermost mark carries the title, since it is the element a pointer rests on.
            for depth, a in enumerate(reversed(spans)):
                title = f' title="{escape("; ".join(describe(self.legend, b) for b in spans))}"' if depth == 0 else ""
                piece = f'<mark class="{classes(self.legend, a["layer"], a["label"])}"{title}>{piece}</mark>'
            out.append(piece)
        return f'<span class="seg" id="d{self.doc}-s{segment["index"]}">{"".join(out)}</span>'

    def _badges(self, segment: ExportSegment) -> str:
        groups: dict[tuple[str, str], list] = {}
        for a in segment["annotations"]:
            if a["scope"] != "span":
                groups.setdefault((a["layer"], a["label"]), []).append(a)
        badges = []
        for (layer, label), group in groups.items():
            times = f" ×{len(group)}" if len(group) > 1 else ""
            title = escape("; ".join(describe(self.legend, a) for a in group))
            text = escape(f"{self.legend.marker(layer)} {self.legend.label_name(layer, label)}{times}")
            badges.append(f'<span class="badge {classes(self.legend, layer, label)}" title="{title}">{text}</span>')
        return "".join(badges)

    def _footnote(self, segment: ExportSegment, n: int, continued: list[Continued]) -> str:
        # A span that runs over several sentences is listed under its first, and marked on the others.
        doc = self.doc
        items = "".join(
            f'<li class="continued">↳ continued from <a href="#d{doc}-s{item.first}">sentence {item.first + 1}</a>:'
            f" {escape(describe(self.legend, item.annotation))}</li>"
            for item in continued
        ) + "".join(
            f"<li>{annotation_html(self.legend, a)}{RUNS_ON if runs_on(a, segment) else ''}</li>"
            for a in segment["annotations"]
        )
        return (
            f'<li id="d{self.doc}-n{n}" value="{n}">Sentence {segment["index"] + 1}'
            f' <a class="back" href="#d{self.doc}-r{n}" title="Back to the text">↩</a><ul>{items}</ul></li>\n'
        )
