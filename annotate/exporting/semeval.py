"""Write SemEval-2020 Task 11 technique spans, as its scorer reads them.

Tab-separated, no header, one line a span:
``document_id<TAB>technique<TAB>start<TAB>end``, with offsets in code points
of the document text (pair the file with the ``text`` of each document in the
``json`` export). Only span annotations of the ``loaded_language`` layer whose
label maps to a technique are written; ``slanted_word_choice`` comes out as
``Loaded_Language``, as the codebook maps it.
"""

from collections.abc import Iterable, Iterator

from .common import doc_offsets, skip
from .records import DocumentBlock, ExportMeta

LAYER = "loaded_language"


def export_semeval(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream technique span lines, a chunk per segment that has any."""
    for block in blocks:
        document_id = block["document"]["id"]
        for segment in block["segments"]:
            lines = []
            for a in segment["annotations"]:
                if a["layer"] == LAYER and a["scope"] == "span" and a["technique"]:
                    start, end = doc_offsets(a, segment)
                    lines.append(f"{document_id}\t{a['technique']}\t{start}\t{end}\n")
            if lines:
                yield "".join(lines).encode()
        skip(block["document_annotations"])
        skip(block["relations"])
