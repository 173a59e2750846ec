"""Write the full JSON export, which is also the backup format that restores a project.

One object: ``format`` and ``format_version`` (what a restore checks),
``project``, ``codebook`` (key, version, layers and labels), ``filters``,
``generated_at`` and ``documents``. Each document carries every field of its
record, text included, then ``segments`` (each with its ``annotations``),
``document_annotations`` and ``relations``. Annotations are the records as
they are: ids, layer and label keys, annotator and reviewer usernames,
offsets in the segment and in the document, review fields, provenance and
version, so nothing is lost between export and restore.
"""

from collections.abc import Iterable, Iterator

from .common import dumps, open_object, separated
from .records import DocumentBlock, ExportMeta

FORMAT_NAME = "annotate-export"
FORMAT_VERSION = 1


def export_json(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream one JSON object, a chunk per segment."""
    head = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "project": meta["project"],
        "codebook": meta["codebook"],
        "filters": meta["filters"],
        "generated_at": meta["generated_at"],
    }
    yield open_object(head) + b'"documents":['
    lead = b""
    for block in blocks:
        yield lead + open_object(block["document"]) + b'"segments":['
        lead = b","
        yield from separated(dumps(segment) for segment in block["segments"])
        yield b'],"document_annotations":['
        yield from separated(dumps(a) for a in block["document_annotations"])
        yield b'],"relations":['
        yield from separated(dumps(a) for a in block["relations"])
        yield b"]}"
    yield b"]}"
