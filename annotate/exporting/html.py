"""Write the annotated report as one standalone HTML5 page: no script, no external resource, printable on A4.

Each document is an ``<article>``: its headline, a summary an editor reads
in a minute (annotate.exporting.summary), then the article as it reads,
with the spans highlighted in place and side notes beside each paragraph,
then a key and a colophon. The text is a CSS grid: a gutter of lanes on the
left where each attribution is a numbered bracket from its content's
paragraph to its source's, the text, and the notes column; numbered markers
in the text close each end, so a relation reads without hovering, across
sentences and on overlapping spans.

Span annotations are nested ``<mark>`` elements: the sentence is cut at
every span boundary and each piece is wrapped once per span covering it.
Colour is never the only cue: each layer has its underline style, and the
side notes name every span. Every value from the records goes through
``html.escape``; colours are checked before they reach the stylesheet, and
only http(s) URLs become links.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from html import escape

from .common import doc_offsets
from .html_parts import STYLE, classes, codebook_css, colophon, headline, key_section, swatch
from .legend import Legend
from .readable import Continued, Paragraph, pieces, runs_on, span_offsets
from .records import DocumentBlock, ExportAnnotation, ExportMeta, ExportSegment
from .report import Article, Link, grouped, read_article
from .report_html import summary_html
from .summary import summarise
from .words import value_words

MAX_LANES = 6
MISSING = "missing_perspectives"


def export_html(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream an HTML page: a document at a time, its text a chunk per paragraph."""
    legend = Legend(meta["codebook"])
    name = meta["project"].get("name") or "Annotations"
    yield (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(name)}: annotated report</title>\n"
        f'<style>\n{STYLE}{codebook_css(legend)}</style>\n</head>\n<body>\n<div class="page">\n'
    ).encode()
    for block in blocks:
        article = read_article(block)
        doc = escape(str(article.document["id"]))
        yield (
            f'<article id="d{doc}" lang="{escape(article.document["language"] or "")}">\n{headline(article)}'
            f"{summary_html(summarise(article, meta['codebook']), doc, legend)}"
        ).encode()
        yield from (chunk.encode() for chunk in _Text(article, legend).chunks())
        yield (key_section(article, legend) + colophon(article, meta) + "</article>\n").encode()
    yield b"</div>\n</body>\n</html>\n"


class _Text:
    """Render one article's text: a grid row per paragraph, its notes beside it, links in the gutter."""

    def __init__(self, article: Article, legend: Legend) -> None:
        self.article, self.legend = article, legend
        self.doc = escape(str(article.document["id"]))
        self.row = {segment["index"]: row for row, paragraph in enumerate(article.paragraphs, start=1)
                    for segment in paragraph.segments}
        self.anchored: dict[int, list[ExportAnnotation]] = {}
        for a in article.document_tags:
            if a["segment_index"] is not None:
                self.anchored.setdefault(a["segment_index"], []).append(a)
        spans = [self._rows(link) for link in article.links]
        # A link within one paragraph is drawn beside that paragraph; the gutter lanes hold the others.
        self.lanes = _lanes({i: rows for i, rows in enumerate(spans) if rows[0] != rows[1]})
        inner = Counter(top for top, bottom in spans if top == bottom)
        self.width = max(max(self.lanes.values(), default=-1) + 1, max(inner.values(), default=0)) + 1

    def chunks(self) -> Iterator[str]:
        lanes = self.width
        yield (f'<section class="reading">\n<h2>The article, annotated</h2>\n'
               f'<div class="text" style="--lanes:{lanes}">\n')
        for row, paragraph in enumerate(self.article.paragraphs, start=1):
            yield self._paragraph(paragraph, row)
        yield "".join(self._bracket(link) for i, link in enumerate(self.article.links) if i in self.lanes)
        yield "</div>\n</section>\n"

    def _rows(self, link: Link) -> tuple[int, int]:
        rows = [self.row[index] for index in link.sentences() if index in self.row] or [1]
        return min(rows), max(rows)

    def _paragraph(self, paragraph: Paragraph, row: int) -> str:
        sentences, notes = [], self._inner_brackets(row)
        for segment in paragraph.segments:
            continued = paragraph.continued.get(segment["id"], [])
            sentences.append(self._sentence(segment, continued))
            note = self._note(segment, continued)
            if note:
                notes.append(note)
        tag = "h3" if paragraph.kind in ("title", "heading") else "p"
        inner, notes = notes[0], notes[1:]
        side = f'<aside class="side" style="grid-row:{row}">{"".join(notes)}</aside>\n' if notes else ""
        return (f'<{tag} class="para {escape(paragraph.kind)}" style="grid-row:{row}">{inner}{" ".join(sentences)}'
                f"</{tag}>\n{side}")

    def _inner_brackets(self, row: int) -> list[str]:
        """Return the brackets of the links within this paragraph, drawn beside the paragraph's own text."""
        inner = [link for link in self.article.links if self._rows(link) == (row, row)]
        return ["".join(
            f'<span class="lk in down" style="left:-{0.95 + 0.75 * lane:.2f}rem" title="Link {link.number}">'
            f"<b>{link.number}</b><i>▸</i></span>" for lane, link in enumerate(inner))]

    def _sentence(self, segment: ExportSegment, continued: list[Continued]) -> str:
        out, position = [], 0
        ends = self._marker_ends(segment, continued)
        for text, spans in pieces(segment, continued):
            piece = escape(text)
            # The innermost mark carries the title, since it is the element a pointer rests on.
            for depth, a in enumerate(reversed(spans)):
                title = ""
                if depth == 0:
                    names = "; ".join(self.legend.heading(b) for b in spans)
                    title = f' title="{escape(names)}"'
                piece = f'<mark class="{classes(self.legend, a["layer"], a["label"])}"{title}>{piece}</mark>'
            out.append(piece)
            position += len(text)
            out.extend(ends.get(position, []))
        return f'<span class="seg" id="d{self.doc}-s{segment["index"]}">{"".join(out)}</span>'

    def _marker_ends(self, segment: ExportSegment, continued: list[Continued]) -> dict[int, list[str]]:
        """Return, by offset in the sentence, the link markers that close a linked span there."""
        found: dict[int, list[str]] = {}
        for a in [item.annotation for item in continued] + segment["annotations"]:
            offsets = span_offsets(a, segment)
            # A span that runs on is closed in the sentence where it ends.
            if offsets is None or doc_offsets(a, segment)[1] > segment["end"]:
                continue
            for link, role in self.article.ends.get(a["id"], []):
                found.setdefault(offsets[1], []).append(_marker(link.number, role))
        return found

    def _note(self, segment: ExportSegment, continued: list[Continued]) -> str:
        tags = list(segment["annotations"])
        items = [self._continued(item) for item in continued]
        # The ends of a link are named in the link's own note.
        listed = [a for a in tags if a["id"] not in self.article.ends]
        items += [self._item(group[0], group, segment) for group in grouped(listed)]
        items += [self._anchored(a) for a in self.anchored.get(segment["index"], [])]
        for a in tags:
            items += [self._link(link) for link, role in self.article.ends.get(a["id"], []) if role == "content"]
        if not items:
            return ""
        tags += self.anchored.get(segment["index"], [])
        tags += [link.relation for a in segment["annotations"] for link, role in self.article.ends.get(a["id"], [])
                 if role == "content"]
        # Gold notes name each tag's annotators; the review that accepted them is said once a sentence.
        accepted = "; ".join(dict.fromkeys(filter(None, map(self.article.accepted, tags))))
        accepted = f'<p class="by">{escape(accepted[0].upper() + accepted[1:])}.</p>' if accepted else ""
        index = segment["index"]
        return (f'<div class="sn" id="d{self.doc}-n{index}"><a class="num" href="#d{self.doc}-s{index}" '
                f'title="Sentence {index + 1}">{index + 1}</a><ul>{"".join(items)}</ul>{accepted}</div>')

    def _item(self, a: ExportAnnotation, group: list[ExportAnnotation], segment: ExportSegment) -> str:
        quote = f" <q>{escape(a['quote'])}</q>" if a["scope"] == "span" else ""
        details = self.legend.attributes(a)
        details = f" · {escape(details)}" if details else ""
        notes = "".join(f" · note: {escape(b['note'])}" for b in group if b["note"])
        run = " · <i>runs on into the next sentence</i>" if runs_on(a, segment) else ""
        authors = "; ".join(dict.fromkeys(self.article.authors(b) for b in group))
        return (f"<li>{swatch(self.legend, a['layer'], a['label'])}{escape(self.legend.layer_name(a['layer']))}: "
                f"<b>{escape(self.legend.label_name(a['layer'], a['label']))}</b>{quote}{details}{notes}{run}"
                f' <span class="by">— {escape(authors)}</span></li>')

    def _continued(self, item: Continued) -> str:
        a = item.annotation
        return (f'<li class="muted">↳ {escape(self.legend.label_name(a["layer"], a["label"]))} <q>{escape(a["quote"])}'
                f'</q> continues from <a href="#d{self.doc}-s{item.first}">sentence {item.first + 1}</a></li>')

    def _anchored(self, a: ExportAnnotation) -> str:
        stakeholder = (a["attributes"] or {}).get("stakeholder")
        who = f" — {escape(value_words(stakeholder))}" if stakeholder else ""
        note = f": {escape(a['note'])}" if a["note"] else ""
        kind = "Missing perspective" if a["layer"] == MISSING else escape(self.legend.layer_name(a["layer"]))
        return (f"<li>{swatch(self.legend, a['layer'], a['label'])}{kind}: "
                f"<b>{escape(self.legend.label_name(a['layer'], a['label']))}</b>{who}{note}"
                f' <span class="by">— {escape(self.article.authors(a))}</span></li>')

    def _link(self, link: Link) -> str:
        content = f"<q>{escape(link.content['quote'])}</q>" if link.content else "(content)"
        source = f"<b>{escape(link.source['quote'])}</b>" if link.source else "(no source)"
        cue = f", cue <q>{escape(link.cue['quote'])}</q>" if link.cue else ""
        values = [value_words(value) for value in (link.relation["attributes"] or {}).values() if value]
        details = f' <span class="muted">· {escape(" · ".join(values))}</span>' if values else ""
        return (f'<li><sup class="lkm">{link.number}▸</sup> {content} → {source}{cue}{details}'
                f' <span class="by">— {escape(self.article.authors(link.relation))}</span></li>')

    def _bracket(self, link: Link) -> str:
        top, bottom = self._rows(link)
        content = link.content or link.source
        up = content is not None and self.row.get(content["segment_index"], top) > top
        lane = self.lanes.get(link.number - 1, 0) + 1
        return (f'<div class="lk {"up" if up else "down"}" style="grid-column:{lane};grid-row:{top}/{bottom + 1}" '
                f'title="Link {link.number}"><b>{link.number}</b><i>▸</i></div>\n')


def _marker(number: int, role: str) -> str:
    if role == "content":
        return f'<sup class="lkm" title="Content of link {number}">{number}▸</sup>'
    if role == "source":
        return f'<sup class="lkm lks" title="Source of link {number}">▸{number}</sup>'
    return f'<sup class="lkm lkq" title="Cue of link {number}">{number}</sup>'


def _lanes(spans: dict[int, tuple[int, int]]) -> dict[int, int]:
    """Give each link (by position) a gutter lane where its rows do not meet another's; reuse lanes past the cap."""
    lanes: dict[int, int] = {}
    last_row: list[int] = []  # lane -> the last row taken
    for i in sorted(spans, key=lambda i: spans[i]):
        top, bottom = spans[i]
        free = next((lane for lane, row in enumerate(last_row) if row < top), None)
        if free is None:
            if len(last_row) < MAX_LANES:
                free = len(last_row)
                last_row.append(bottom)
            else:
                free = min(range(MAX_LANES), key=lambda lane: last_row[lane])
        last_row[free] = max(last_row[free], bottom)
        lanes[i] = free
    return lanes
