"""Write CSV, one annotation a row, for spreadsheets and pandas.

The header row is always present. Segment- and span-scope annotations come
with their segment's columns; document-scope annotations fill the segment
columns from their anchor sentence when they have one, and leave them empty
otherwise; relations leave the offsets empty and fill ``relation_content``,
``relation_source`` and ``relation_cue`` with annotation ids.

A segment without annotations gives no row: the records do not say whether
an annotator looked at it and found nothing or never reached it, so an empty
row would claim more than is known. ``attributes`` is a JSON object,
``provenance`` the source annotation ids separated by spaces;
``gold`` is ``true`` or ``false``; a missing value is an empty cell.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage
return as a formula, so by default such a text cell gets a leading single
quote (OWASP's rule against CSV injection). With ``csv_formulas: "keep"`` in
the export's meta, cells are written verbatim, for tools that read the file
as data.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from .common import Anchors, dumps
from .records import DocumentBlock, ExportAnnotation, ExportMeta

COLUMNS = [
    "document_id", "document_title", "segment_id", "segment_index", "segment_kind", "segment_text",
    "layer", "scope", "label", "technique", "start", "end", "doc_start", "doc_end", "quote",
    "attributes", "note", "annotator", "status", "reviewer", "reviewed_at", "review_note", "gold",
    "provenance", "relation_content", "relation_source", "relation_cue", "annotation_id", "version",
    "codebook_version", "made_under",
]  # fmt: skip


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(cell):
    """Return a text cell that a spreadsheet will not run as a formula."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class _EscapingWriter:
    """A csv writer that escapes formula-leading text cells."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        self._writer.writerow([escape_formula(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def export_csv(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream CSV rows, a chunk per segment."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if meta.get("csv_formulas", "escape") != "keep":
        writer = _EscapingWriter(writer)

    def drain() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    writer.writerow(COLUMNS)
    yield drain()
    for block in blocks:
        document = block["document"]
        head = [document["id"], document["title"]]
        anchors = Anchors()
        for segment in block["segments"]:
            anchors.remember(segment)
            place = [segment["id"], segment["index"], segment["kind"], segment["text"]]
            if segment["annotations"]:
                writer.writerows(head + place + _fields(a) for a in segment["annotations"])
                yield drain()
        for a in block["document_annotations"]:
            anchor = anchors.get(a["segment_id"])
            if anchor is None:
                place = [a["segment_id"], a["segment_index"], "", ""]
            else:
                index, kind, start, end = anchor
                place = [a["segment_id"], index, kind, document["text"][start:end]]
            writer.writerow(head + place + _fields(a))
            yield drain()
        for a in block["relations"]:
            writer.writerow(head + ["", "", "", ""] + _fields(a))
            yield drain()


def _fields(a: ExportAnnotation) -> list:
    relation = a["relation"] or {}
    return [
        a["layer"], a["scope"], a["label"], a["technique"], a["start"], a["end"],
        a["doc_start"], a["doc_end"], a["quote"], dumps(a["attributes"]).decode(), a["note"],
        a["annotator"], a["status"], a["reviewer"], a["reviewed_at"], a["review_note"],
        "true" if a["gold"] else "false", " ".join(map(str, a["provenance"])),
        relation.get("content"), relation.get("source"), relation.get("cue"), a["id"], a["version"],
        a.get("codebook_version", ""), a.get("made_under", ""),
    ]  # fmt: skip
