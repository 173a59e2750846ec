"""Write a W3C Web Annotation Data Model collection (JSON-LD).

One ``AnnotationCollection`` whose ``first`` page embeds every item; there is
no ``total``, since the count is not known before the stream ends.

Each annotation becomes an ``Annotation`` with these bodies, in order: the
label key (``purpose: tagging``), the layer key (``classifying``), the
attributes as a JSON string (``describing``, only if any), the note
(``commenting``, only if any) and the review as a JSON string (``assessing``:
status, reviewer, reviewed_at, review_note, gold, and ``provenance``, the
IRIs of the annotators' tags a gold tag came from). Labels, segment labels and document labels use
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

import orjson

from .common import Anchors, base_iri, doc_offsets, dumps, open_object
from .records import DocumentBlock, ExportAnnotation, ExportMeta

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
AFFIX = 32
ROLES = ("content", "source", "cue")


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
            annotations = segment["annotations"]
            if not annotations:
                continue
            whole = None  # every segment-scope label of a sentence shares one target
            made = []
            for a in annotations:
                if a["doc_start"] is not None or a["start"] is not None:
                    target = _target(source, text, *doc_offsets(a, segment))
                else:
                    whole = whole or _target(source, text, segment["start"], segment["end"])
                    target = whole
                made.append(items.make(a, target))
            # One dumps call per segment; its brackets give way to the stream's own.
            yield lead + dumps(made)[1:-1]
            lead = b","
        for a in block["document_annotations"]:
            anchor = anchors.get(a["segment_id"])
            offsets = doc_offsets(a, None) or (anchor[2:] if anchor else None)
            target = {"source": source} if offsets is None else _target(source, text, *offsets)
            yield lead + dumps(items.make(a, target))
            lead = b","
        for a in block["relations"]:
            yield lead + dumps(items.make(a, items.link(a)))
            lead = b","
    yield b"]}}"


def _target(source: str, text: str, start: int, end: int) -> dict:
    quote = {"type": "TextQuoteSelector", "exact": text[start:end]}
    if start:
        quote["prefix"] = text[max(0, start - AFFIX) : start]
    if end < len(text):
        quote["suffix"] = text[end : end + AFFIX]
    return {"source": source, "selector": [quote, {"type": "TextPositionSelector", "start": start, "end": end}]}


class _Items:
    """Build items; the creator and tag bodies that repeat are serialised once and reused."""

    def __init__(self, base: str) -> None:
        self.prefix = f"{base}/api/annotations/"
        self.creators: dict[str, orjson.Fragment] = {}
        self.tags: dict[tuple[str, str], tuple[orjson.Fragment, orjson.Fragment]] = {}

    def iri(self, annotation_id: int) -> str:
        return f"{self.prefix}{annotation_id}/"

    def make(self, a: ExportAnnotation, target) -> dict:
        creator = self.creators.get(a["annotator"])
        if creator is None:
            creator = self.creators[a["annotator"]] = orjson.Fragment(
                dumps({"type": "Person", "nickname": a["annotator"]})
            )
        key = (a["label"], a["layer"])
        tags = self.tags.get(key)
        if tags is None:
            tags = self.tags[key] = (
                orjson.Fragment(dumps({"type": "TextualBody", "purpose": "tagging", "value": a["label"]})),
                orjson.Fragment(dumps({"type": "TextualBody", "purpose": "classifying", "value": a["layer"]})),
            )
        body = [*tags]
        if a["attributes"]:
            body.append(_json_body("describing", a["attributes"]))
        if a["note"]:
            body.append({"type": "TextualBody", "purpose": "commenting", "value": a["note"], "format": "text/plain"})
        body.append(self.review(a))
        relation = a["relation"]
        if relation is not None:
            roles = {role: self.iri(i) if (i := relation.get(role)) is not None else None for role in ROLES}
            body.append(_json_body("describing", roles))
        return {
            "id": f"{self.prefix}{a['id']}/",
            "type": "Annotation",
            "motivation": "tagging" if relation is None else "linking",
            "creator": creator,
            "created": a["created"],
            "modified": a["modified"],
            "body": body,
            "target": target,
        }

    def review(self, a: ExportAnnotation):
        """Return the review body: status, reviewer, gold flag and the IRIs of the tags a gold tag came from."""
        if a["status"] == "pending" and not a["gold"] and a["reviewer"] is None:
            return PENDING
        state = {"status": a["status"], "reviewer": a["reviewer"], "reviewed_at": a["reviewed_at"],
                 "review_note": a["review_note"], "gold": a["gold"],
                 "provenance": [self.iri(i) for i in a["provenance"]]}
        return _json_body("assessing", state)

    def link(self, a: ExportAnnotation) -> list[str]:
        relation = a["relation"] or {}
        return [self.iri(i) for role in ROLES if (i := relation.get(role)) is not None]


def _json_body(purpose: str, value: dict) -> dict:
    return {"type": "TextualBody", "purpose": purpose, "value": dumps(value).decode(), "format": "application/json"}


# Most tags are unreviewed: their review body is the same bytes every time.
PENDING = orjson.Fragment(dumps(_json_body("assessing", {"status": "pending", "reviewer": None, "reviewed_at": None,
                                                         "review_note": "", "gold": False, "provenance": []})))
