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

The figures are computed as sums of per-document parts (annotate.agreement_parts for agreement,
document_parts below for the rest); the dashboard page and the API keep the parts in the cache until
something they count changes (annotate.agreement_cache).

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


def document_parts(rows, *, documents=None):
    """Return {document id: what its progress, label counts and attributions add up from} for the documents of
    rows (or those of them listed): sentence indexes, finished and assigned sentences, label counts with the tags
    and sentences behind them, and the tags attribution and missing perspectives count. Plain, picklable data."""
    segments_of, tags_of = defaultdict(dict), defaultdict(list)
    for segment, (document, index, *_) in rows.segments.items():
        segments_of[document][segment] = index
    for tag in rows.tags:
        tags_of[tag.document].append(tag)
    attributed = [layer["key"] for layer in (_layer_with_attribute(rows, "alignment"),
                                             _layer_with_attribute(rows, "stakeholder")) if layer is not None]
    wanted = rows.documents.keys() | segments_of.keys() | tags_of.keys()
    parts = {}
    for document in sorted(wanted if documents is None else wanted & set(documents)):
        segments = segments_of[document]
        labels = defaultdict(lambda: (Counter(), [], set()))
        for tag in tags_of[document]:
            counts, ids, anchors = labels[tag.layer, tag.key]
            counts[GOLD if tag.gold else tag.annotator] += 1
            ids.append(tag.id)
            if tag.anchor is not None:
                anchors.add(tag.anchor)
        parts[document] = {
            "title": rows.documents.get(document), "segments": segments,
            "finished": {name: ids & segments.keys() for name, ids in rows.finished.items() if ids & segments.keys()},
            "assigned": None if rows.assigned is None else {name: ids & segments.keys()
                                                            for name, ids in rows.assigned.items()},
            "labels": dict(labels),
            "counted": {key: _counted_tags(tags_of[document], key) for key in attributed},
        }
    return parts


def page_figures(parts, layers, annotators, annotators_per_segment):
    """Return progress, label distribution, attribution and missing perspectives from the documents' parts."""
    ordered = [parts[document] for document in sorted(parts)]
    counted = defaultdict(list)
    for part in ordered:
        for key, tags in part["counted"].items():
            counted[key] += tags
    return {"progress": _progress(parts, annotators, annotators_per_segment),
            "distribution": _distribution(ordered, layers, annotators),
            "attribution": _attribution(_layer_with_attribute_in(layers, "alignment"), counted),
            "missing": _missing(_layer_with_attribute_in(layers, "stakeholder"), counted)}


def progress_figures(rows):
    """Return the sentences done per annotator and per document."""
    return _progress(document_parts(rows), rows.annotators, rows.annotators_per_segment)


def label_distribution(rows):
    """Return how often each label of each layer was given, per annotator and as gold."""
    parts = document_parts(rows)
    return _distribution([parts[document] for document in sorted(parts)], rows.layers, rows.annotators)


def attribution_figures(rows):
    """Return attributions by alignment with the article's thesis and by the source's affiliation."""
    layer = _layer_with_attribute(rows, "alignment")
    return layer and _attribution(layer, {layer["key"]: _counted(document_parts(rows), layer["key"])})


def missing_perspectives(rows):
    """Return the missing perspectives flagged, by stakeholder, most flagged first."""
    layer = _layer_with_attribute(rows, "stakeholder")
    return layer and _missing(layer, {layer["key"]: _counted(document_parts(rows), layer["key"])})


def agreement_figures(rows):
    """Return agreement for each segment and span layer: overall, per label, per document, per pair."""
    return agreement_parts.combine(agreement_parts.document_parts(rows), rows.layers, rows.annotators)


def _progress(parts, annotators, annotators_per_segment):
    """Return the sentences done per annotator and per document, summed over the documents' parts."""
    documents, done, totals = [], defaultdict(list), Counter()
    for document in sorted(parts):
        part = parts[document]
        segments = part["segments"].keys()
        rows = []
        for name in annotators:
            mine = segments if part["assigned"] is None else segments & part["assigned"].get(name, set())
            rows.append(_done(name, sorted(part["finished"].get(name, set()) & mine), len(mine)))
            done[name] += rows[-1]["segment_ids"]
            totals[name] += len(mine)
        if part["title"] is not None:
            counts = Counter(segment for name in annotators for segment in part["finished"].get(name, ()))
            complete = sorted(segment for segment, n in counts.items() if n >= annotators_per_segment)
            documents.append({"document": document, "title": part["title"], "total": len(segments),
                              "complete": len(complete), "segment_ids": complete, "annotators": rows})
    return {"annotators": [_done(name, sorted(done[name]), totals[name]) for name in annotators],
            "documents": documents}


def _done(name, ids, total):
    """Return one annotator's progress on some sentences: the ids they finished of a total."""
    return {"annotator": name, "done": len(ids), "total": total,
            "percent": 100 * len(ids) / total if total else 0.0, "segment_ids": ids}


def _distribution(parts, layers, annotators):
    """Return the label counts summed over the documents' parts (in document order)."""
    result = []
    for layer in layers:
        labels = []
        for label in layer["labels"]:
            counted, ids, segments = Counter(), [], set()
            for part in parts:
                if (layer["key"], label["key"]) in part["labels"]:
                    counts, tag_ids, anchors = part["labels"][layer["key"], label["key"]]
                    counted.update(counts)
                    ids += tag_ids
                    segments |= anchors
            labels.append({**label, "count": sum(n for who, n in counted.items() if who != GOLD),
                           "gold": counted[GOLD], "by_annotator": [counted[name] for name in annotators],
                           "annotation_ids": sorted(ids), "segment_ids": sorted(segments)})
        result.append({"key": layer["key"], "name": layer["name"], "scope": layer["scope"],
                       "total": sum(label["count"] for label in labels), "labels": labels})
    return {"annotators": annotators, "layers": result}


def _attribution(layer, counted):
    """Return the attribution tables of the layer from its counted tags [(who, tag)], or None without the layer."""
    if layer is None:
        return None
    counted = _in_tag_order(counted[layer["key"]])
    groups = _groups(counted)
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


def _missing(layer, counted):
    """Return the missing perspectives table of the layer from its counted tags, or None without the layer."""
    if layer is None:
        return None
    counted = _in_tag_order(counted[layer["key"]])
    groups = _groups(counted)
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
    return _layer_with_attribute_in(rows.layers, key)


def _layer_with_attribute_in(layers, key):
    """Return the first of the layers declaring this attribute, or None."""
    return next((layer for layer in layers if any(a["key"] == key for a in layer["attributes"])), None)


def _counted_tags(tags, layer_key):
    """Return [(who, tag)] to count for a layer in one document's tags: its gold tags if it has some in the
    layer, else each annotator's."""
    tags = [tag for tag in tags if tag.layer == layer_key]
    with_gold = any(tag.gold for tag in tags)
    return [(GOLD if tag.gold else tag.annotator, tag) for tag in tags if tag.gold == with_gold]


def _counted(parts, layer_key):
    """Return the counted tags of a layer over the documents' parts."""
    return [counted for document in sorted(parts) for counted in parts[document]["counted"][layer_key]]


def _in_tag_order(counted):
    """Return the counted tags in the order of their ids, as the tags are read."""
    return sorted(counted, key=lambda item: item[1].id)


def _groups(counted):
    """Return the columns of a table of counted tags: gold first, then the annotators by name."""
    present = {who for who, _ in counted}
    return ([GOLD] if GOLD in present else []) + sorted(present - {GOLD})


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
