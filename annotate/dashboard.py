"""The dashboard's figures, read in a fixed number of queries and computed in Python.

Definitions (CODEBOOK.md, "Agreement"):

- Agreement measures the annotators before review: it counts every
  annotator's own tags whatever their review status, and leaves gold tags
  (the adjudicated version) out.
- An annotator finished a sentence if they marked it done or tagged it in
  the layer; an unfinished sentence is missing for them, not "absent".
- Assignment (annotate.assignment): in a project that assigns work, a
  sentence not assigned to an annotator is not theirs to finish. Their
  progress counts only their assigned sentences, and a done mark outside
  them is left out, so their cell there stays missing rather than "no tag".
  fetch_rows applies this once, for every figure.
- Segment layers: nominal Krippendorff's alpha per label (present/absent)
  and pooled per layer (annotate.agreement.segment_label_alpha), overall,
  per document and per annotator pair.
- Span layers: pairwise precision, recall and F1 with partial-overlap
  credit (SemEval-2020 Task 11), on document offsets, comparing a pair only
  on sentences both finished; a layer's or label's F1 is the mean over the
  pairs (for a label, over the pairs where either annotator used it).
  Token alpha: nominal alpha over the whitespace tokens a span covers.
  A span that runs on past its sentence belongs to its first sentence
  (the one it is stored on) but is matched against the other annotator's
  spans anywhere in the document, and its tokens count in every sentence
  it covers (annotate.spans).
- Document and relation layers get no alpha (an article is one unit); the
  page shows how their labels are used instead.
- Attribution and missing perspectives count, per document, the gold tags
  when the document has gold tags in that layer, and otherwise each
  annotator's tags as a separate column: adding two annotators' tags up
  would count one source twice. Each attributed_to relation counts once.
- A "disagreement" is a sentence that two or more annotators finished and
  tagged differently (other labels, or other span boundaries).

The figures are computed as sums of per-document parts (annotate.agreement_parts); the dashboard page and
the API keep them in the cache until something they count changes (annotate.agreement_cache).

Every figure carries "segment_ids" (and "disagreement_segment_ids" or
"annotation_ids") so that a page can link to the sentences behind it.
"""

from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from annotate import agreement_parts
from annotate.assignment import assigned_by_annotator, is_open
from annotate.models import Annotation, Assignment, Document, Label, Layer, Membership, Segment, SegmentProgress

GOLD = "gold"
UNSPECIFIED = "unspecified"
MAX_LINKED_SENTENCES = 500

# anchor: the sentence a tag points to; a relation's is its content span's sentence.
Tag = namedtuple("Tag", "id document segment annotator layer key start end attributes gold anchor")


@dataclass
class Rows:
    """What the dashboard reads from the database, as plain data."""

    layers: list  # [{"key", "name", "scope", "attributes", "labels": [{"key", "name"}]}] in codebook order
    documents: dict  # id -> title
    segments: dict  # id -> (document id, index, document offset, text)
    finished: dict  # annotator -> ids of the segments they marked done
    tags: list  # [Tag]
    annotators: list  # usernames: annotator members and whoever has progress, tags or assignments
    annotators_per_segment: int
    assigned: dict | None = None  # annotator -> ids of the segments assigned to them; None: every one is theirs


def fetch_rows(project, user, *, document=None, documents=None):
    """Read the codebook, documents, segments, progress and tags the user may see: seven queries, eight with
    assignment. document or documents (ids) narrows the read to those documents."""
    documents_qs = Document.objects.visible_to(user).filter(project=project)
    segments = Segment.objects.visible_to(user).filter(document__project=project)
    progress = SegmentProgress.objects.visible_to(user).filter(segment__document__project=project)
    tags = Annotation.objects.visible_to(user).filter(project=project)
    if document is not None:
        documents = [document]
    if documents is not None:
        documents_qs, segments = documents_qs.filter(pk__in=documents), segments.filter(document__in=documents)
        progress, tags = progress.filter(segment__document__in=documents), tags.filter(document__in=documents)
    layers = {
        layer_id: {"key": key, "name": name, "scope": scope, "attributes": attributes, "labels": []}
        for layer_id, key, name, scope, attributes in Layer.objects.filter(codebook=project.codebook_id)
        .order_by("order", "id")
        .values_list("id", "key", "name", "scope", "attributes")
    }
    labels = Label.objects.filter(layer__codebook=project.codebook_id).order_by("layer__order", "order", "id")
    for layer_id, key, name in labels.values_list("layer_id", "key", "name"):
        layers[layer_id]["labels"].append({"key": key, "name": name})
    finished = defaultdict(set)
    for segment, annotator in progress.order_by().values_list("segment_id", "annotator__username"):
        finished[annotator].add(segment)
    tag_rows = [
        Tag(*row[:-1], row[2] or row[-1])
        for row in tags.order_by("id").values_list(
            "id", "document_id", "segment_id", "annotator__username", "label__layer__key", "label__key",
            "start", "end", "attributes", "gold", "relation_content__segment_id",
        )
    ]
    segment_rows = {row[0]: row[1:] for row in segments.order_by().values_list("id", "document_id", "index",
                                                                               "start", "text")}
    segments_of = defaultdict(set)
    for segment, (document_id, *_) in segment_rows.items():
        segments_of[document_id].add(segment)
    assigned = assigned_by_annotator(project, segments_of)
    if assigned is not None:
        # An annotator left with no finished sentence of their own finished none: no pairs, no column.
        finished = {name: ids & assigned.get(name, set()) for name, ids in finished.items()}
        finished = {name: ids for name, ids in finished.items() if ids}
    return Rows(
        layers=list(layers.values()),
        documents=dict(documents_qs.order_by("id").values_list("id", "title")),
        segments=segment_rows,
        finished=dict(finished),
        tags=tag_rows,
        annotators=annotator_names(project, documents=documents),
        annotators_per_segment=project.annotators_per_segment,
        assigned=assigned,
    )


def annotator_names(project, *, documents=None):
    """Return, in one query, the annotator members and whoever has progress, own tags or assigned work."""
    progress = SegmentProgress.objects.filter(segment__document__project=project, annotator=OuterRef("pk"))
    tags = Annotation.objects.filter(project=project, gold=False, annotator=OuterRef("pk"))
    if documents is not None:
        progress, tags = progress.filter(segment__document__in=documents), tags.filter(document__in=documents)
    involved = (Exists(Membership.objects.filter(project=project, role=Membership.Role.ANNOTATOR,
                                                 user=OuterRef("pk")))
                | Exists(progress) | Exists(tags))
    if not is_open(project):
        involved |= Exists(Assignment.objects.filter(project=project, annotator=OuterRef("pk")))
    return list(get_user_model().objects.filter(involved).order_by("username").values_list("username", flat=True))


def progress_figures(rows):
    """Return the sentences done per annotator and per document."""
    by_document = defaultdict(set)
    for segment, (document, *_) in rows.segments.items():
        by_document[document].add(segment)

    def done(name, segments):
        if rows.assigned is not None:
            segments = segments & rows.assigned.get(name, set())
        ids = sorted(rows.finished.get(name, set()) & segments)
        total = len(segments)
        return {"annotator": name, "done": len(ids), "total": total,
                "percent": 100 * len(ids) / total if total else 0.0, "segment_ids": ids}

    documents = []
    for document, title in rows.documents.items():
        segments = by_document[document]
        counts = Counter(segment for name in rows.annotators for segment in rows.finished.get(name, set()) & segments)
        complete = sorted(segment for segment, n in counts.items() if n >= rows.annotators_per_segment)
        documents.append({"document": document, "title": title, "total": len(segments), "complete": len(complete),
                          "segment_ids": complete, "annotators": [done(name, segments) for name in rows.annotators]})
    return {"annotators": [done(name, set(rows.segments)) for name in rows.annotators], "documents": documents}


def agreement_figures(rows):
    """Return agreement for each segment and span layer: overall, per label, per document, per pair."""
    return agreement_parts.combine(agreement_parts.document_parts(rows), rows.layers, rows.annotators)


def label_distribution(rows):
    """Return how often each label of each layer was given, per annotator and as gold."""
    counts = defaultdict(Counter)
    behind = defaultdict(lambda: ([], set()))
    for tag in rows.tags:
        counts[tag.layer, tag.key][GOLD if tag.gold else tag.annotator] += 1
        ids, segments = behind[tag.layer, tag.key]
        ids.append(tag.id)
        if tag.anchor is not None:
            segments.add(tag.anchor)
    layers = []
    for layer in rows.layers:
        labels = []
        for label in layer["labels"]:
            counted = counts[layer["key"], label["key"]]
            ids, segments = behind[layer["key"], label["key"]]
            labels.append({**label, "count": sum(n for who, n in counted.items() if who != GOLD),
                           "gold": counted[GOLD], "by_annotator": [counted[name] for name in rows.annotators],
                           "annotation_ids": ids, "segment_ids": sorted(segments)})
        layers.append({"key": layer["key"], "name": layer["name"], "scope": layer["scope"],
                       "total": sum(label["count"] for label in labels), "labels": labels})
    return {"annotators": rows.annotators, "layers": layers}


def attribution_figures(rows):
    """Return attributions by alignment with the article's thesis and by the source's affiliation."""
    layer = _layer_with_attribute(rows, "alignment")
    if layer is None:
        return None
    counted, groups = _counted_tags(rows, layer["key"])
    spec = {attribute["key"]: attribute for attribute in layer["attributes"]}
    # Every alignment is shown, zeros included: "0 oppose" is the finding.
    tables = [{**_choice_table(counted, groups, spec[key], every_value=key == "alignment"),
               "caption": f"Attributed sources by {spec[key].get('name', key).lower()}"}
              for key in ("alignment", "affiliation") if key in spec]
    totals = []
    for who in groups:
        mine = [tag for who_, tag in counted if who_ == who]
        supporting = sum(tag.attributes.get("alignment") == "supports" for tag in mine)
        totals.append({"who": who, "total": len(mine), "supporting": supporting,
                       "summary": f"{supporting} of {len(mine)} attributed sources support the article's thesis"})
    return {"layer": layer["key"], "groups": groups, "totals": totals, "tables": tables}


def missing_perspectives(rows):
    """Return the missing perspectives flagged, by stakeholder, most flagged first."""
    layer = _layer_with_attribute(rows, "stakeholder")
    if layer is None:
        return None
    counted, groups = _counted_tags(rows, layer["key"])
    spec = next(attribute for attribute in layer["attributes"] if attribute["key"] == "stakeholder")
    table = _choice_table(counted, groups, spec)
    names = {label["key"]: label["name"] for label in layer["labels"]}
    for row in table["rows"]:
        row["labels"] = sorted({names.get(tag.key, tag.key) for _, tag in counted
                                if (tag.attributes.get("stakeholder") or UNSPECIFIED) == row["key"]})
    table["rows"].sort(key=lambda row: -row["total"])
    return {"layer": layer["key"], "groups": groups, "table": table}


def _layer_with_attribute(rows, key):
    """Return the first layer declaring this attribute, or None."""
    return next((layer for layer in rows.layers if any(a["key"] == key for a in layer["attributes"])), None)


def _counted_tags(rows, layer_key):
    """Return [(who, tag)] to count for a layer: gold where a document has gold tags, else each annotator's."""
    tags = [tag for tag in rows.tags if tag.layer == layer_key]
    with_gold = {tag.document for tag in tags if tag.gold}
    counted = [(GOLD if tag.gold else tag.annotator, tag) for tag in tags if tag.gold == (tag.document in with_gold)]
    present = {who for who, _ in counted}
    groups = ([GOLD] if GOLD in present else []) + sorted(present - {GOLD})
    return counted, groups


def _choice_table(counted, groups, spec, *, every_value=False):
    """Return rows of a choice attribute's values (those counted, or every value) by columns of who counted them."""
    cells = defaultdict(lambda: {"count": 0, "annotation_ids": [], "segment_ids": []})
    for who, tag in counted:
        cell = cells[tag.attributes.get(spec["key"]) or UNSPECIFIED, who]
        cell["count"] += 1
        cell["annotation_ids"].append(tag.id)
        if tag.anchor is not None and tag.anchor not in cell["segment_ids"]:
            cell["segment_ids"].append(tag.anchor)
    values = list(spec.get("choices", [])) + [UNSPECIFIED]
    return {"attribute": spec["key"], "name": spec.get("name", spec["key"]), "rows": [
        {"key": value, "name": value.replace("_", " "), "total": sum(cells[value, who]["count"] for who in groups),
         "cells": [cells[value, who] for who in groups]}
        for value in values
        if (every_value and value != UNSPECIFIED) or any(cells[value, who]["count"] for who in groups)
    ]}
