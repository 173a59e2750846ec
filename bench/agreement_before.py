"""The agreement computation as it was before the per-document parts: the baseline of bench_agreement.py.

Every figure recomputed from the rows on each call, through the pure functions of annotate.agreement.
"""

from collections import defaultdict
from statistics import mean

from annotate import agreement
from annotate.agreement_parts import Covering
from annotate.models import Layer


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
    covering = Covering(rows.segments)
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
