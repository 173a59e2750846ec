"""Write JSON Lines: one self-contained object a line, told apart by ``type``.

Every line has ``type``, ``document_id`` and ``document_title``, then:

- ``"document"``: the document's metadata (source, author, dates, url,
  language, filename, external_id, text_sha256), without its text: segments carry their own text
  and offsets, and the ``json`` format carries the full text.
- ``"segment"``: the segment's fields (``id``, ``index``, ``kind``,
  ``paragraph``, ``start``, ``end``, ``text``) and its segment- and
  span-scope ``annotations``. A segment without annotations still gets a
  line, so each line stands for one sentence of the document.
- ``"document_annotation"``: one document-scope annotation's fields.
- ``"relation"``: one relation annotation's fields (``relation`` holds the
  content, source and cue annotation ids).

Lines come per document in that order: document, segments by index,
document annotations, relations.
"""

from collections.abc import Iterable, Iterator

from .common import dumps_line
from .records import DocumentBlock, ExportMeta


def export_jsonl(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream one JSON line per document, segment and document-level annotation."""
    for block in blocks:
        document = block["document"]
        ids = {"document_id": document["id"], "document_title": document["title"]}
        head = {"type": "document", **ids, **document}
        del head["id"], head["title"], head["text"]
        yield dumps_line(head)
        for segment in block["segments"]:
            yield dumps_line({"type": "segment", **ids, **segment})
        for annotation in block["document_annotations"]:
            yield dumps_line({"type": "document_annotation", **ids, **annotation})
        for annotation in block["relations"]:
            yield dumps_line({"type": "relation", **ids, **annotation})
