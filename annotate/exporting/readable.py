"""Cut a document's text into what a reader sees, for the html and md writers.

``paragraphs`` groups sentences by paragraph and tells each sentence which
spans of earlier sentences run on into it; ``pieces`` cuts a sentence at
every span boundary, so overlapping spans nest.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from .common import doc_offsets
from .records import ExportAnnotation, ExportSegment


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


def paragraphs(segments: Iterable[ExportSegment]) -> list[Paragraph]:
    """Return a document's segments grouped by paragraph, each sentence with the spans running on into it."""
    found: list[Paragraph] = []
    current: Paragraph | None = None
    running: list[tuple[int, Continued]] = []  # (document end, span) of spans that run past their sentence
    for segment in segments:
        continued = [span for end, span in running if end > segment["start"]]
        running = [(end, span) for end, span in running if end > segment["end"]]
        for a in segment["annotations"]:
            offsets = doc_offsets(a, segment) if a["scope"] == "span" else None
            if offsets is not None and offsets[1] > segment["end"]:
                running.append((offsets[1], Continued(a, segment["index"])))
        if current is None or not _continues(current, segment):
            current = Paragraph(segment["kind"], [])
            found.append(current)
        current.segments.append(segment)
        if continued:
            current.continued[segment["id"]] = continued
    return found


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
