"""Where a span is stored: on its first sentence, with offsets that may run into the sentences after it.

A span covers document.text[doc_start:doc_end]. It is stored on the last
segment that starts at or before doc_start (so a span that starts in the
spaces between two sentences belongs to the sentence before them), with
``start = doc_start - segment.start`` and ``end = doc_end - segment.start``;
``end`` may pass the end of that sentence, when the span runs on into the next
ones, in the same paragraph or beyond. Document offsets are therefore always
``segment.start + start`` and ``segment.start + end``, exactly.
"""

from bisect import bisect_right


class SpanPlacementError(ValueError):
    """A span that cannot be placed in a document: the message says why."""


def place_span(segments, doc_start, doc_end, text_length):
    """Return (segment, start, end) for a span at document offsets; segments are in document order.

    Raise SpanPlacementError for offsets outside the text, an empty span, or a span that starts before the
    first sentence.
    """
    if doc_start < 0 or doc_end > text_length:
        raise SpanPlacementError(f"span {doc_start}-{doc_end} is outside the text (0-{text_length})")
    if doc_start >= doc_end:
        raise SpanPlacementError(f"span {doc_start}-{doc_end} is empty or reversed")
    starts = [segment.start for segment in segments]
    position = bisect_right(starts, doc_start) - 1
    if position < 0:
        raise SpanPlacementError(f"span {doc_start}-{doc_end} starts before the first sentence")
    segment = segments[position]
    return segment, doc_start - segment.start, doc_end - segment.start


def covered(segments, doc_start, doc_end):
    """Return the segments (in document order) that a span at these document offsets overlaps."""
    return [segment for segment in segments if segment.start < doc_end and doc_start < segment.end]
