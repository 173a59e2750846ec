"""Group export blocks into what a reader sees, for the html and md writers.

``walk`` turns each document into a ``Start`` (with the headline paragraph,
if the text opens with one), one ``Paragraph`` per paragraph and an
``Ending`` (missing perspectives, other document labels, attributions,
counts). Segments stream; a document's few document-level annotations and
relations, the quotes of its spans and the offsets of its segments are held
until the document ends, since they are shown after the text.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from .common import Anchors, doc_offsets
from .records import DocumentBlock, ExportAnnotation, ExportDocument, ExportSegment

MISSING_LAYER = "missing_perspectives"


@dataclass(slots=True)
class Continued:
    """A span stored on an earlier sentence (its first) that runs on into this one."""

    annotation: ExportAnnotation
    first: int  # the index of the sentence the span starts in


@dataclass(slots=True)
class Paragraph:
    kind: str  # "title" | "standfirst" | "heading" | "body"
    segments: list[ExportSegment]
    continued: dict[int, list[Continued]] = field(default_factory=dict)  # segment id -> spans running on into it


@dataclass(slots=True)
class Start:
    document: ExportDocument
    title: Paragraph | None


@dataclass(slots=True)
class Anchor:
    index: int
    text: str


@dataclass(slots=True)
class Attribution:
    annotation: ExportAnnotation
    content: str
    source: str
    cue: str


@dataclass(slots=True)
class Counts:
    labels: Counter = field(default_factory=Counter)  # (layer, label) -> n
    annotators: Counter = field(default_factory=Counter)
    segments: int = 0
    annotated: int = 0

    def add(self, annotation: ExportAnnotation) -> None:
        self.labels[annotation["layer"], annotation["label"]] += 1
        self.annotators[annotation["annotator"]] += 1


@dataclass(slots=True)
class Ending:
    document: ExportDocument
    missing: list[tuple[ExportAnnotation, Anchor | None]]
    other: list[tuple[ExportAnnotation, Anchor | None]]
    attributions: list[Attribution]
    counts: Counts


def walk(blocks: Iterable[DocumentBlock]) -> Iterator[Start | Paragraph | Ending]:
    """Yield a Start, the paragraphs and an Ending for each document."""
    for block in blocks:
        document = block["document"]
        seen = _Seen()
        paragraphs = _paragraphs(block["segments"], seen)
        first = next(paragraphs, None)
        if first is not None and first.kind == "title":
            yield Start(document, first)
        else:
            yield Start(document, None)
            if first is not None:
                yield first
        yield from paragraphs
        missing, other = [], []
        for a in block["document_annotations"]:
            seen.counts.add(a)
            place = seen.anchors.get(a["segment_id"])
            anchor = None if place is None else Anchor(place[0], document["text"][place[2] : place[3]])
            (missing if a["layer"] == MISSING_LAYER else other).append((a, anchor))
        attributions = []
        for a in block["relations"]:
            seen.counts.add(a)
            relation = a["relation"] or {}
            ends = (seen.quotes.get(relation.get(role), "") for role in ("content", "source", "cue"))
            attributions.append(Attribution(a, *ends))
        yield Ending(document, missing, other, attributions, seen.counts)


class _Seen:
    """What one document's segments leave behind for its ending."""

    __slots__ = ("anchors", "counts", "open", "quotes")

    def __init__(self) -> None:
        self.anchors = Anchors()
        self.counts = Counts()
        self.quotes: dict[int, str] = {}  # span annotation id -> quote, to name relation ends
        self.open: list[tuple[int, Continued]] = []  # (document end, span) of spans that run past their sentence

    def add(self, segment: ExportSegment) -> list[Continued]:
        """Take in a segment; return the spans of earlier sentences that run on into it."""
        self.anchors.remember(segment)
        self.counts.segments += 1
        self.counts.annotated += bool(segment["annotations"])
        continued = [span for end, span in self.open if end > segment["start"]]
        self.open = [(end, span) for end, span in self.open if end > segment["end"]]
        for a in segment["annotations"]:
            self.counts.add(a)
            if a["scope"] == "span":
                self.quotes[a["id"]] = a["quote"]
                offsets = doc_offsets(a, segment)
                if offsets is not None and offsets[1] > segment["end"]:
                    self.open.append((offsets[1], Continued(a, segment["index"])))
        return continued


def _paragraphs(segments: Iterable[ExportSegment], seen: _Seen) -> Iterator[Paragraph]:
    current: Paragraph | None = None
    for segment in segments:
        continued = seen.add(segment)
        if current is None or not _continues(current, segment):
            if current is not None:
                yield current
            current = Paragraph(segment["kind"], [])
        current.segments.append(segment)
        if continued:
            current.continued[segment["id"]] = continued
    if current is not None:
        yield current


def _continues(paragraph: Paragraph, segment: ExportSegment) -> bool:
    last = paragraph.segments[-1]
    return segment["kind"] == paragraph.kind and segment["paragraph"] == last["paragraph"]


def pieces(segment: ExportSegment, continued: Iterable[Continued] = ()) -> list[tuple[str, list[ExportAnnotation]]]:
    """Split a segment's text at every span boundary, each piece with the spans covering it.

    Spans of earlier sentences that run on into this one (``continued``) cover it from its start.
    """
    text = segment["text"]
    spans = []
    for a in [*(item.annotation for item in continued), *segment["annotations"]]:
        offsets = span_offsets(a, segment)
        if offsets is not None:
            spans.append((*offsets, a))
    if not spans:
        return [(text, [])]
    # Outer spans first (earlier start, then longer), so nested markup closes in the right order.
    spans.sort(key=lambda span: (span[0], -span[1]))
    cuts = sorted({0, len(text), *(start for start, _, _ in spans), *(end for _, end, _ in spans)})
    return [(text[left:right], [a for s, e, a in spans if s <= left and right <= e]) for left, right in pairwise(cuts)]


def span_offsets(a: ExportAnnotation, segment: ExportSegment) -> tuple[int, int] | None:
    """Return the part of a span inside a segment (its own or one it runs on into), clamped, or None."""
    if a["scope"] != "span":
        return None
    if a["doc_start"] is not None and a["doc_end"] is not None:
        start, end = a["doc_start"] - segment["start"], a["doc_end"] - segment["start"]
    elif a["start"] is not None and a["end"] is not None:
        start, end = a["start"], a["end"]
    else:
        return None
    length = len(segment["text"])
    start, end = max(0, min(start, length)), max(0, min(end, length))
    return (start, end) if start < end else None


def runs_on(a: ExportAnnotation, segment: ExportSegment) -> bool:
    """Return whether a span stored on this segment runs on past its end into the next sentences."""
    offsets = doc_offsets(a, segment) if a["scope"] == "span" else None
    return offsets is not None and offsets[1] > segment["end"]
