"""Write doccano sequence-labelling JSONL, one document a line.

Each line is ``{"id", "text", "label": [[start, end, "layer/label"], ...]}``
with every span annotation of the document; labels are flat strings in
doccano, so the layer key prefixes the label key
(``loaded_language/name_calling``). Spans that several annotators marked
alike appear once. Segment, document and relation annotations have no place
in this format and are left out.

Offsets are UTF-16 code units, not code points: doccano measures spans in
the browser with JavaScript string indices (doccano/doccano#2290), so an
emoji or other astral character counts twice there. They are converted here
so spans land on the same words after import into a project that does not
count grapheme clusters as one character. A line holds one document, so the
writer keeps one document's spans at a time.
"""

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

from .common import doc_offsets, dumps_line, skip
from .records import DocumentBlock, ExportMeta

ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def export_doccano(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream one doccano line per document."""
    for block in blocks:
        document = block["document"]
        to_utf16 = utf16_offset(document["text"])
        spans = set()
        for segment in block["segments"]:
            for a in segment["annotations"]:
                if a["scope"] == "span":
                    start, end = doc_offsets(a, segment)
                    spans.add((to_utf16(start), to_utf16(end), f"{a['layer']}/{a['label']}"))
        skip(block["document_annotations"])
        skip(block["relations"])
        yield dumps_line({"id": document["id"], "text": document["text"], "label": sorted(spans)})


def utf16_offset(text: str) -> Callable[[int], int]:
    """Return a function turning code-point offsets of text into UTF-16 offsets."""
    astral = [match.start() for match in ASTRAL.finditer(text)]
    if not astral:
        return lambda offset: offset
    # Each astral character before an offset adds one code unit.
    return lambda offset: offset + bisect_left(astral, offset)
