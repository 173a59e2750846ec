"""Write the full JSON export, which is also the backup format that restores a project.

One object: ``format`` and ``format_version`` (what a restore checks),
``project``, ``codebook`` (key, version, layers and labels), ``filters``,
``generated_at`` and ``documents``. Each document carries every field of its
record, text included, then ``segments`` (each with its ``annotations``),
``document_annotations`` and ``relations``. Documents carry their
``filename``; segments their ``comments`` and ``done``-marks. Annotations are
the records as they are: ids, layer and label keys, annotator and reviewer
usernames, offsets in the segment and in the document, the relation anchor
sentence (``segment_id``), review fields, ``gold``, ``edited``, provenance,
version and created/modified times.

Export, restore into an empty project, export again: the two files are the
same except for

- ``generated_at``, and the ids: ``project.id``, document, segment and
  annotation ids (and so ``segment_id``, ``provenance`` and ``relation`` ends,
  which point at the new ids of the same rows; order is kept);
- ``project.slug`` and ``name`` when restored into a project named otherwise;
- usernames changed by a user map on restore.

Not in the file, so not restored: annotations' history (the restore is one
``imported`` entry by the restoring manager), documents' ``imported_by`` and
``imported_at`` (the restore's), a source's details when an outlet of the
same name already exists (the existing one is kept), and done-marks of
members with no tag in the export (they go with the exported annotators, so
an annotator's own export carries only theirs).
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
