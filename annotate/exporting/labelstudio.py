"""Write Label Studio tasks: one JSON array, one task per document.

A task is ``{"id", "data": {"text", "title"}, "annotations", "predictions": []}``
(``data`` also has ``external_id`` when the article has one: SemEval's article number)
with one Label Studio annotation per annotator (gold annotations form their
own, with ``ground_truth`` set). Results use the layer key as ``from_name``
and ``"text"`` as ``to_name``; ``labelstudio_config`` writes the matching
labelling configuration. Spans are ``labels`` regions; segment labels are
``labels`` regions over the whole sentence; document labels are one
``choices`` result per layer; relations are ``relation`` results from the
content region to the source region (regions are found by annotation id, so
a relation only resolves in Label Studio when its spans are in the same
annotation). A note travels as the region's ``meta.text``; attributes and
review fields stay in the ``json`` export.

Offsets are code points of the document text: Label Studio's Text tag counts
code points, not JavaScript string units (its "NER - Emoji - Text" frontend
tests check exactly this). ``completed_by`` is left out because Label Studio
accepts only a member id or ``{"email": ...}`` there and rejects a username;
the username is kept as ``annotator`` on each annotation instead.

Grouping by annotator needs the whole document's results at once, so the
writer holds one document's results at a time (a chunk per document), each
already serialised to bytes.
"""

from collections.abc import Iterable, Iterator
from html import escape

import orjson

from .common import doc_offsets, dumps
from .records import DocumentBlock, ExportAnnotation, ExportCodebook, ExportMeta


def export_labelstudio(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream a JSON array of Label Studio tasks, a chunk per document."""
    yield b"["
    lead = b""
    for block in blocks:
        document = block["document"]
        text = document["text"]
        results = _Results()
        for segment in block["segments"]:
            for a in segment["annotations"]:
                start, end = doc_offsets(a, segment)
                value = {"start": start, "end": end, "text": text[start:end], "labels": [a["label"]]}
                results.add(a, _result(a, "labels", value))
        choices: dict[tuple[str, bool, str], tuple[ExportAnnotation, dict]] = {}
        for a in block["document_annotations"]:
            key = (a["annotator"], a["gold"], a["layer"])
            if key in choices:
                choices[key][1]["value"]["choices"].append(a["label"])
            else:
                choices[key] = (a, _result(a, "choices", {"choices": [a["label"]]}))
        for a, result in choices.values():
            results.add(a, result)
        for a in block["relations"]:
            relation = a["relation"] or {}
            results.add(a, {
                "from_id": str(relation.get("content")),
                "to_id": str(relation.get("source")),
                "type": "relation",
                "direction": "right",
                "labels": [a["label"]],
            })
        task = {
            "id": document["id"],
            "data": {"text": text, "title": document["title"], **_external_id(document)},
            "annotations": [
                {"annotator": annotator, "ground_truth": gold, "was_cancelled": False,
                 "result": orjson.Fragment(b"[" + serialised + b"]")}
                for (annotator, gold), serialised in results.groups.items()
            ],
            "predictions": [],
        }
        yield lead
        yield dumps(task)
        lead = b","
    yield b"]"


class _Results:
    """One document's results per (annotator, gold), kept serialised: a growing byte string each."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, bool], bytearray] = {}

    def add(self, a: ExportAnnotation, result: dict) -> None:
        serialised = self.groups.setdefault((a["annotator"], a["gold"]), bytearray())
        if serialised:
            serialised += b","
        serialised += dumps(result)


def _result(a: ExportAnnotation, kind: str, value: dict) -> dict:
    result = {"id": str(a["id"]), "from_name": a["layer"], "to_name": "text", "type": kind, "value": value}
    if a["note"]:
        result["meta"] = {"text": [a["note"]]}
    return result


def labelstudio_config(codebook: ExportCodebook) -> str:
    """Return a Label Studio labelling configuration matching the exported results."""
    parts = ['<View>\n  <Header value="$title"/>\n  <Text name="text" value="$text"/>']
    for layer in codebook["layers"]:
        name = escape(layer["key"])
        labels = layer["labels"]
        if layer["scope"] in ("segment", "span"):
            items = "".join(
                f'\n    <Label value="{escape(lb["key"])}" hint="{escape(lb["name"])}"'
                f' background="{escape(lb["color"])}"/>'
                for lb in labels
            )
            parts.append(f'  <Labels name="{name}" toName="text">{items}\n  </Labels>')
        elif layer["scope"] == "document":
            items = "".join(f'\n    <Choice value="{escape(lb["key"])}"/>' for lb in labels)
            parts.append(f'  <Choices name="{name}" toName="text" choice="multiple">{items}\n  </Choices>')
        else:
            items = "".join(f'\n    <Relation value="{escape(lb["key"])}"/>' for lb in labels)
            parts.append(f"  <Relations>{items}\n  </Relations>")
    parts.append("</View>\n")
    return "\n".join(parts)


def _external_id(document) -> dict:
    """Return the article's id in its collection as task data, if it has one."""
    return {"external_id": document["external_id"]} if document.get("external_id") else {}
