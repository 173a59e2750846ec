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

Every figure carries "segment_ids" (and "disagreement_segment_ids" or
"annotation_ids") so that a page can link to the sentences behind it.
"""

from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass
from statistics import mean

from annotate import agreement
from annotate.assignment import assigned_by_annotator
from annotate.models import Annotation, Document, Label, Layer, Membership, Segment, SegmentProgress

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


def fetch_rows(project, user, *, document=None):
    """Read the codebook, documents, segments, progress and tags the user may see: seven queries, eight with
    assignment."""
    documents = Document.objects.visible_to(user).filter(project=project)
    segments = Segment.objects.visible_to(user).filter(document__project=project)
    progress = SegmentProgress.objects.visible_to(user).filter(segment__document__project=project)
    tags = Annotation.objects.visible_to(user).filter(project=project)
    if document is not None:
        documents, segments = documents.filter(pk=document), segments.filter(document=document)
        progress, tags = progress.filter(segment__document=document), tags.filter(document=document)
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
    members = Membership.objects.filter(project=project, role=Membership.Role.ANNOTATOR)
    names = set(members.values_list("user__username", flat=True)) | set(finished)
    segment_rows = {row[0]: row[1:] for row in segments.order_by().values_list("id", "document_id", "index",
                                                                               "start", "text")}
    segments_of = defaultdict(set)
    for segment, (document_id, *_) in segment_rows.items():
        segments_of[document_id].add(segment)
    assigned = assigned_by_annotator(project, segments_of)
    if assigned is not None:
        finished = {name: ids & assigned.get(name, set()) for name, ids in finished.items()}
        names |= set(assigned)
    return Rows(
        layers=list(layers.values()),
        documents=dict(documents.order_by("id").values_list("id", "title")),
        segments=segment_rows,
        finished=dict(finished),
        tags=tag_rows,
        annotators=sorted(names | {tag.annotator for tag in tag_rows if not tag.gold}),
        annotators_per_segment=project.annotators_per_segment,
        assigned=assigned,
    )


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
    tags = defaultdict(list)
    for tag in rows.tags:
        if not tag.gold and tag.segment in rows.segments:
            tags[tag.layer].append(tag)
    documents = defaultdict(set)
    for segment, (document, *_) in rows.segments.items():
        documents[document].add(segment)
    result = {"annotators": rows.annotators, "segment_layers": [], "span_layers": []}
    for layer in rows.layers:
        if layer["scope"] == Layer.Scope.SEGMENT:
            result["segment_layers"].append(_segment_layer(layer, tags[layer["key"]], rows, documents))
        elif layer["scope"] == Layer.Scope.SPAN:
            result["span_layers"].append(_span_layer(layer, tags[layer["key"]], rows, documents))
    return result


def _segment_layer(layer, tags, rows, documents):
    """Return a segment layer's alpha: pooled, per label, per annotator pair and per document."""
    keys = [label["key"] for label in layer["labels"]]
    labels = defaultdict(set)
    for tag in tags:
        labels[tag.annotator, tag.segment].add(tag.key)
    finished = _finished(rows.finished, labels)
    overall = agreement.segment_label_alpha(finished, labels, keys)
    coded = _codings(finished, labels, frozenset)
    label_rows = []
    for label in layer["labels"]:
        used, split = _used_and_split(coded, lambda given, key=label["key"]: key in given)
        label_rows.append({**label, "alpha": overall["per_label"][label["key"]], "segment_ids": used,
                           "disagreement_segment_ids": split})

    labels_in = defaultdict(dict)
    for (name, segment), given in labels.items():
        labels_in[rows.segments[segment][0]][name, segment] = given

    def alpha_in(document, segments):
        # One document's figures are the overall ones: no need to compute them twice.
        if len(documents) == 1:
            return overall["alpha"]
        return agreement.segment_label_alpha(_within(finished, segments), labels_in[document], keys)["alpha"]

    return {
        "key": layer["key"], "name": layer["name"], "alpha": overall["alpha"], "units": overall["units"],
        "annotators": overall["annotators"], "disagreement_segment_ids": _used_and_split(coded, frozenset)[1],
        "labels": label_rows,
        "pairs": [{"a": a, "b": b, "alpha": value}
                  for (a, b), value in agreement.pairwise_alpha(finished, labels, keys).items()],
        "documents": [{"document": document, "title": rows.documents[document], "alpha": alpha_in(document, segments)}
                      for document, segments in documents.items() if document in rows.documents],
    }


def _span_layer(layer, tags, rows, documents):
    """Return a span layer's token alpha and pairwise F1: pooled, per label, per annotator pair and per document."""
    keys = [label["key"] for label in layer["labels"]]
    spans = defaultdict(list)  # by the sentence each span is stored on: its first
    pieces = defaultdict(list)  # by every sentence each span covers, for the token alpha
    marked = defaultdict(set)
    covering = _Covering(rows.segments)
    for tag in tags:
        if tag.start is not None:
            offset = rows.segments[tag.segment][2]
            span = (offset + tag.start, offset + tag.end, tag.key)
            spans[tag.annotator].append((tag.segment, *span))
            for segment in covering.segments(tag.segment, span[0], span[1]):
                pieces[tag.annotator].append((segment, *span))
                marked[tag.annotator, segment].add(span)
    finished = _finished(rows.finished, marked)
    texts = {segment: (offset, text) for segment, (_, _, offset, text) in rows.segments.items()}
    groups = covering.documents
    tokens = agreement.token_alpha(texts, pieces, finished, keys)
    labelled = agreement.pairwise_span_f1(spans, finished=finished, groups=groups)
    unlabelled = agreement.pairwise_span_f1(spans, labelled=False, finished=finished, groups=groups)
    coded = _codings(finished, marked, frozenset)
    label_rows = []
    for label in layer["labels"]:
        used, split = _used_and_split(coded, lambda given, key=label["key"]: frozenset(s for s in given if s[2] == key))
        label_rows.append({**label, "token_alpha": tokens["per_label"][label["key"]],
                           "f1": _label_f1(spans, finished, label["key"], groups), "segment_ids": used,
                           "disagreement_segment_ids": split})
    pairs = [{"a": a, "b": b, **(scores or dict.fromkeys(("precision", "recall", "f1"))),
              "f1_unlabelled": unlabelled[a, b] and unlabelled[a, b]["f1"]} for (a, b), scores in labelled.items()]

    spans_in = defaultdict(lambda: defaultdict(list))
    pieces_in = defaultdict(lambda: defaultdict(list))
    for found, by_document in ((spans, spans_in), (pieces, pieces_in)):
        for name, listed in found.items():
            for span in listed:
                by_document[groups[span[0]]][name].append(span)

    def scores_in(document, segments):
        if len(documents) == 1:
            return {"token_alpha": tokens["alpha"], "f1": _mean_f1(labelled.values())}
        within = _within(finished, segments)
        texts_in = {segment: texts[segment] for segment in segments}
        scores = agreement.pairwise_span_f1(spans_in[document], finished=within, groups=groups)
        return {"token_alpha": agreement.token_alpha(texts_in, pieces_in[document], within, keys)["alpha"],
                "f1": _mean_f1(scores.values())}

    return {
        "key": layer["key"], "name": layer["name"], "token_alpha": tokens["alpha"], "units": tokens["units"],
        "annotators": tokens["annotators"], "f1": _mean_f1(labelled.values()),
        "disagreement_segment_ids": _used_and_split(coded, frozenset)[1], "labels": label_rows, "pairs": pairs,
        "documents": [{"document": document, "title": rows.documents[document], **scores_in(document, segments)}
                      for document, segments in documents.items() if document in rows.documents],
    }


class _Covering:
    """Find the sentences a span covers, from the sentences' document offsets."""

    def __init__(self, segments):
        self.documents = {segment: document for segment, (document, *_) in segments.items()}
        self._ends = {segment: offset + len(text) for segment, (_, _, offset, text) in segments.items()}
        self._in_document = defaultdict(list)
        for segment, (document, _index, offset, text) in sorted(segments.items(), key=lambda item: item[1][:2]):
            self._in_document[document].append((offset, offset + len(text), segment))

    def segments(self, first, start, end):
        """Return the sentence a span is stored on and the later ones it runs on into."""
        if end <= self._ends[first]:
            return [first]
        return [first] + [segment for seg_start, seg_end, segment in self._in_document[self.documents[first]]
                          if segment != first and seg_start < end and start < seg_end]


def _finished(progress, tagged):
    """Return each annotator's finished segments, counting a tagged segment as finished."""
    finished = defaultdict(set, {name: set(ids) for name, ids in progress.items()})
    for annotator, segment in tagged:
        finished[annotator].add(segment)
    return finished


def _within(finished, segments):
    """Return each annotator's finished segments among these."""
    return {name: ids & segments for name, ids in finished.items()}


def _codings(finished, given, kind):
    """Return {segment: {annotator: what they gave}} for the annotators who finished each segment."""
    coded = defaultdict(dict)
    for name, ids in finished.items():
        for segment in ids:
            coded[segment][name] = kind(given.get((name, segment), ()))
    return coded


def _used_and_split(coded, view):
    """Return the segments where anyone gave something (seen through view), and those where annotators differ."""
    used, split = [], []
    for segment in sorted(coded):
        seen = [view(value) for value in coded[segment].values()]
        if any(seen):
            used.append(segment)
            if len(seen) > 1 and len(set(seen)) > 1:
                split.append(segment)
    return used, split


def _label_f1(spans, finished, key, groups):
    """Return the mean pairwise F1 of one label over the pairs where either annotator used it."""
    only = {name: [span for span in found if span[3] == key] for name, found in spans.items()}
    marked = {name: {span[0] for span in found} for name, found in only.items()}
    used = set().union(*marked.values())
    # Sentences without the label add nothing to a pair's pooled sums, so only the others are compared.
    scoped = {name: ids & used for name, ids in finished.items()}
    scores = agreement.pairwise_span_f1(only, finished=scoped, groups=groups)
    return _mean_f1(score for (a, b), score in scores.items()
                    if (marked.get(a, set()) | marked.get(b, set())) & scoped[a] & scoped[b])


def _mean_f1(scores):
    """Return the mean F1 of the pairs that could be compared, or None."""
    values = [score["f1"] for score in scores if score is not None]
    return mean(values) if values else None


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
