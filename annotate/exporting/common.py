"""Helpers that several format writers share: offsets, anchors, IRIs, separators."""

from collections.abc import Iterable, Iterator

import orjson

from .records import ExportAnnotation, ExportMeta, ExportSegment


def dumps(value) -> bytes:
    """Serialise a value to compact JSON bytes."""
    return orjson.dumps(value)


def dumps_line(value) -> bytes:
    """Serialise a value to one line of JSON, newline included."""
    return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)


def open_object(record: dict) -> bytes:
    """Return a record's JSON without its closing brace, ready for more members."""
    body = orjson.dumps(record)[:-1]
    return body if body == b"{" else body + b","


def separated(chunks: Iterable[bytes], separator: bytes = b",") -> Iterator[bytes]:
    """Yield chunks with a separator before every chunk but the first."""
    first = True
    for chunk in chunks:
        if first:
            first = False
            yield chunk
        else:
            yield separator + chunk


def doc_offsets(annotation: ExportAnnotation, segment: ExportSegment | None) -> tuple[int, int] | None:
    """Return the document offsets an annotation covers, or None for a document or relation."""
    if annotation["doc_start"] is not None and annotation["doc_end"] is not None:
        return annotation["doc_start"], annotation["doc_end"]
    if segment is None:
        return None
    if annotation["start"] is not None and annotation["end"] is not None:
        return segment["start"] + annotation["start"], segment["start"] + annotation["end"]
    # A segment-scope label covers the whole sentence.
    return segment["start"], segment["end"]


def base_iri(meta: ExportMeta) -> str:
    """Return the absolute URL prefix without a trailing slash."""
    return (meta.get("base_url") or "").rstrip("/")


class Anchors:
    """Remember where each segment of one document sits, to resolve anchor sentences.

    Document-scope annotations arrive after the segments they may point to, so
    each writer that needs an anchor keeps this small map for the current
    document only: four integers a segment, less than the document text itself.
    """

    __slots__ = ("_by_id",)

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[int, str, int, int]] = {}

    def remember(self, segment: ExportSegment) -> None:
        """Record a segment's index, kind and document offsets."""
        self._by_id[segment["id"]] = (segment["index"], segment["kind"], segment["start"], segment["end"])

    def get(self, segment_id: int | None) -> tuple[int, str, int, int] | None:
        """Return (index, kind, start, end) of a remembered segment, or None."""
        if segment_id is None:
            return None
        return self._by_id.get(segment_id)


def skip(records: Iterable) -> None:
    """Consume records a writer does not use, so a shared upstream cursor stays in step."""
    for _ in records:
        pass
