"""Write a W3C Web Annotation Data Model collection (JSON-LD).

One ``AnnotationCollection`` whose ``first`` page embeds every item; there is
no ``total``, since the count is not known before the stream ends.

Each annotation becomes an ``Annotation`` with these bodies, in order: the
label key (``purpose: tagging``), the layer key (``classifying``), the
attributes as a JSON string (``describing``, only if any) and the note
(``commenting``, only if any). Labels, segment labels and document labels use
``motivation: tagging``; relations use ``linking``.

Targets point into ``{base_url}/api/documents/{id}/`` with a
``TextQuoteSelector`` (``exact``, and up to 32 code points of ``prefix`` and
``suffix``, left out when empty) and a ``TextPositionSelector`` in code
points of the document text, as the model defines them. A span targets its
span, a segment label its whole sentence, a document label the document
(with its anchor sentence's selectors when it has one). A relation targets
``[content, source]`` or ``[content, source, cue]`` annotation IRIs; since
JSON-LD treats ``target`` as an unordered set, a further ``describing`` body
names each role.
"""

from collections.abc import Iterable, Iterator

from .common import Anchors, base_iri, doc_offsets, dumps, open_object
from .records import DocumentBlock, ExportAnnotation, ExportMeta

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
AFFIX = 32


def export_w3c(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream an AnnotationCollection, a chunk per annotated segment."""
    base = base_iri(meta)
    project = meta["project"]
    collection = f"{base}/api/projects/{project['id']}/export/?format=w3c"
    head = {
        "@context": CONTEXT,
        "id": collection,
        "type": "AnnotationCollection",
        "label": f"{project.get('name', '')} annotations".strip(),
    }
    page = {"id": f"{collection}&page=1", "type": "AnnotationPage", "partOf": collection, "startIndex": 0}
    yield open_object(head) + b'"first":' + open_object(page) + b'"items":['
    items = _Items(base)
    lead = b""
    for block in blocks:
        document = block["document"]
        source = f"{base}/api/documents/{document['id']}/"
        text = document["text"]
        anchors = Anchors()
        for segment in block["segments"]:
            anchors.remember(segment)
            if segment["annotations"]:
                made = (items.make(a, _target(source, text, doc_offsets(a, segment))) for a in segment["annotations"])
                yield lead + _join(made)
                lead = b","
        for a in block["document_annotations"]:
            anchor = anchors.get(a["segment_id"])
            offsets = doc_offsets(a, None) or (anchor[2:] if anchor else None)
            yield lead + dumps(items.make(a, _target(source, text, offsets)))
            lead = b","
        for a in block["relations"]:
            yield lead + dumps(items.make(a, items.link(a)))
            lead = b","
    yield b"]}}"


def _join(items: Iterator[dict]) -> bytes:
    return dumps(list(items))[1:-1]


def _target(source: str, text: str, offsets: tuple[int, int] | None) -> dict:
    if offsets is None:
        return {"source": source}
    start, end = offsets
    quote = {"type": "TextQuoteSelector", "exact": text[start:end]}
    if start:
        quote["prefix"] = text[max(0, start - AFFIX) : start]
    if end < len(text):
        quote["suffix"] = text[end : end + AFFIX]
    position = {"type": "TextPositionSelector", "start": start, "end": end}
    return {"source": source, "selector": [quote, position]}


class _Items:
    """Build items, sharing the small body and creator objects that repeat."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.creators: dict[str, dict] = {}
        self.tags: dict[tuple[str, str], dict] = {}

    def iri(self, annotation_id: int | None) -> str | None:
        return None if annotation_id is None else f"{self.base}/api/annotations/{annotation_id}/"

    def make(self, a: ExportAnnotation, target) -> dict:
        creator = self.creators.get(a["annotator"])
        if creator is None:
            creator = self.creators[a["annotator"]] = {"type": "Person", "nickname": a["annotator"]}
        body = [self._tag("tagging", a["label"]), self._tag("classifying", a["layer"])]
        if a["attributes"]:
            body.append(_json_body("describing", a["attributes"]))
        if a["note"]:
            body.append({"type": "TextualBody", "purpose": "commenting", "value": a["note"], "format": "text/plain"})
        relation = a["relation"]
        if relation is not None:
            roles = {role: self.iri(relation.get(role)) for role in ("content", "source", "cue")}
            body.append(_json_body("describing", roles))
        return {
            "id": self.iri(a["id"]),
            "type": "Annotation",
            "motivation": "tagging" if relation is None else "linking",
            "creator": creator,
            "created": a["created"],
            "modified": a["modified"],
            "body": body,
            "target": target,
        }

    def link(self, a: ExportAnnotation) -> list[str]:
        relation = a["relation"] or {}
        ids = (relation.get("content"), relation.get("source"), relation.get("cue"))
        return [self.iri(i) for i in ids if i is not None]

    def _tag(self, purpose: str, value: str) -> dict:
        key = (purpose, value)
        body = self.tags.get(key)
        if body is None:
            body = self.tags[key] = {"type": "TextualBody", "purpose": purpose, "value": value}
        return body


def _json_body(purpose: str, value: dict) -> dict:
    return {"type": "TextualBody", "purpose": purpose, "value": dumps(value).decode(), "format": "application/json"}
