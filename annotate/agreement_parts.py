"""Agreement figures as a sum of per-document parts (definitions: annotate.dashboard).

Each document's part holds sums, never scores: for alpha, integer counts of units by (coders, coders marking
the label present), which determine Krippendorff's alpha exactly (annotate.agreement.binary_alpha); for span
F1, each pair's overlap credit and span counts. A pair compares spans only within one document, and a span
that runs on into later sentences stays in its document, so no figure needs two documents at once. Scores
come from the summed parts, the float credit added in document order, so a figure is the same whether a
part was computed just now or kept from an earlier view: annotate.agreement_cache keeps them.

Parts are plain data (tuples, dicts, Counters, frozensets) that pickle into any cache.
"""

import bisect
import itertools
from collections import Counter, defaultdict
from statistics import mean

from annotate import agreement

SEGMENT, SPAN = "segment", "span"


def document_parts(rows, *, documents=None):
    """Return {document id: its part} for the documents in rows (or those of them listed) that have sentences."""
    segments_of = defaultdict(set)
    for segment, (document, *_) in rows.segments.items():
        segments_of[document].add(segment)
    tags_of = defaultdict(lambda: defaultdict(list))
    for tag in rows.tags:
        if not tag.gold and tag.segment in rows.segments:
            tags_of[rows.segments[tag.segment][0]][tag.layer].append(tag)
    covering = Covering(rows.segments)
    parts = {}
    wanted = rows.documents.keys() if documents is None else rows.documents.keys() & set(documents)
    for document in sorted(segments_of.keys() & wanted):
        segments = segments_of[document]
        finished = {name: ids & segments for name, ids in rows.finished.items() if ids & segments}
        layers = {}
        for layer in rows.layers:
            tags = tags_of[document][layer["key"]]
            if layer["scope"] == SEGMENT:
                layers[layer["key"]] = _segment_part(layer, tags, finished)
            elif layer["scope"] == SPAN:
                layers[layer["key"]] = _span_part(layer, tags, finished, rows.segments, covering)
        parts[document] = {"title": rows.documents[document], "layers": layers}
    return parts


def combine(parts, layers, annotators):
    """Return the agreement figures of the documents whose parts are given ({document id: part})."""
    ordered = [(document, parts[document]) for document in sorted(parts)]
    result = {"annotators": annotators, "segment_layers": [], "span_layers": []}
    for layer in layers:
        found = [(document, part["title"], part["layers"][layer["key"]]) for document, part in ordered
                 if layer["key"] in part["layers"]]
        if layer["scope"] == SEGMENT:
            result["segment_layers"].append(_segment_figures(layer, found))
        elif layer["scope"] == SPAN:
            result["span_layers"].append(_span_figures(layer, found))
    return result


def _segment_part(layer, tags, finished):
    """Return one document's sums for a segment layer."""
    keys = [label["key"] for label in layer["labels"]]
    listed = set(keys)
    labels = defaultdict(set)
    for tag in tags:
        labels[tag.annotator, tag.segment].add(tag.key)
    coders = _coders(finished, labels)
    counts = {key: Counter() for key in keys}
    units_by_coders = Counter()
    pairs = defaultdict(lambda: [0, 0, 0])
    used, split, layer_split = defaultdict(list), defaultdict(list), []
    for segment in sorted(coders):
        names = coders[segment]
        m = len(names)
        units_by_coders[m] += 1
        given = [frozenset(labels.get((name, segment), ())) for name in names]
        for key, p in Counter(key for keys_given in given for key in keys_given if key in listed).items():
            counts[key][m, p] += 1
            used[key].append(segment)
            if 1 < m and p < m:
                split[key].append(segment)
        if m > 1 and any(given) and len(set(given)) > 1:
            layer_split.append(segment)
        for (a, given_a), (b, given_b) in itertools.combinations(zip(names, given, strict=True), 2):
            totals = pairs[a, b]  # units coded by both, units where both marked a label, where one did
            totals[0] += 1
            totals[1] += len(given_a & given_b & listed)
            totals[2] += len((given_a ^ given_b) & listed)
    pairs = {pair: Counter({(2, 2): both, (2, 1): one, (2, 0): units * len(keys) - both - one})
             for pair, (units, both, one) in pairs.items()}
    _add_absent(counts, units_by_coders)
    return {"names": frozenset(_done(finished, labels)), "units": len(coders), "counts": counts,
            "pairs": pairs, "used": dict(used), "split": dict(split), "layer_split": layer_split}


def _span_part(layer, tags, finished, segments, covering):
    """Return one document's sums for a span layer."""
    keys = [label["key"] for label in layer["labels"]]
    spans = defaultdict(lambda: defaultdict(list))  # name -> the sentence a span is stored on -> spans
    marked = defaultdict(set)  # (name, every sentence a span covers) -> spans
    for tag in tags:
        if tag.start is not None:
            offset = segments[tag.segment][2]
            span = (offset + tag.start, offset + tag.end, tag.key)
            spans[tag.annotator][tag.segment].append(span)
            for segment in covering.segments(tag.segment, span[0], span[1]):
                marked[tag.annotator, segment].add(span)
    done = _done(finished, marked)
    coders = _coders(finished, marked)
    counts = {key: Counter() for key in keys}
    units_by_coders = Counter()
    used, split, layer_split = defaultdict(list), defaultdict(list), []
    tokens = 0
    for segment in sorted(coders):
        names = coders[segment]
        m = len(names)
        offset, text = segments[segment][2], segments[segment][3]
        spans_of_text = agreement.tokenize(text)
        starts = [offset + start for start, _ in spans_of_text]
        ends = [offset + end for _, end in spans_of_text]
        tokens += len(starts)
        units_by_coders[m] += len(starts)
        present = defaultdict(Counter)
        for name in names:
            covered = set()
            for start, end, key in marked.get((name, segment), ()):
                covered.update((key, token) for token in range(bisect.bisect_right(ends, start),
                                                               bisect.bisect_left(starts, end)))
            for key, token in covered:
                present[key][token] += 1
        for key, by_token in present.items():
            if key in counts:
                counts[key].update((m, p) for p in by_token.values())
        given = [frozenset(marked.get((name, segment), ())) for name in names]
        if any(given) and m > 1 and len(set(given)) > 1:
            layer_split.append(segment)
        for key in {span[2] for spans_given in given for span in spans_given}:
            used[key].append(segment)
            if m > 1 and len({frozenset(span for span in spans_given if span[2] == key) for spans_given in given}) > 1:
                split[key].append(segment)
    _add_absent(counts, units_by_coders)
    return {"names": frozenset(done), "units": tokens, "counts": counts, "used": dict(used), "split": dict(split),
            "layer_split": layer_split, **_span_sums(spans, done, keys)}


def _span_sums(spans, done, keys):
    """Return each pair's sums for labelled and unlabelled F1 on the sentences both finished, and per label."""
    labelled, unlabelled, per_label = {}, {}, defaultdict(dict)
    first_by = defaultdict(lambda: defaultdict(set))  # name -> label -> sentences its spans are stored on
    for name, found in spans.items():
        for segment, listed in found.items():
            for span in listed:
                first_by[name][span[2]].add(segment)
    first = {key: set().union(*(by_key[key] for by_key in first_by.values())) for key in keys}
    for a, b in itertools.combinations(sorted(done), 2):
        common = done[a] & done[b]
        if not common:
            continue
        predicted = [span for segment in sorted(common) for span in spans[a].get(segment, ())]
        reference = [span for segment in sorted(common) for span in spans[b].get(segment, ())]
        unlabelled[a, b] = _sums(predicted, reference, labelled=False)
        # Only spans of one label overlap for labelled F1, so a pair's labelled sums are its per-label sums
        # added up (in the codebook's order of labels).
        by_label = defaultdict(lambda: ([], []))
        for side, listed in enumerate((predicted, reference)):
            for span in listed:
                by_label[span[2]][side].append(span)
        total = (0.0, 0.0, 0, 0)
        for key in keys + sorted(by_label.keys() - set(keys)):
            if key not in by_label:
                continue
            sums = _sums(*by_label[key], labelled=True)
            total = tuple(x + y for x, y in zip(total, sums, strict=True))
            scoped = common & first.get(key, set())
            if scoped:
                tagged = bool((first_by[a][key] | first_by[b][key]) & scoped)
                per_label[key][a, b] = (*sums, tagged)
        labelled[a, b] = total
    return {"labelled": labelled, "unlabelled": unlabelled, "per_label": dict(per_label)}


def _sums(predicted, reference, *, labelled):
    """Return (precision credit, recall credit, predicted spans, reference spans) within one document."""
    predicted = agreement._prepare_spans(predicted, labelled)
    reference = agreement._prepare_spans(reference, labelled)
    return (*agreement._overlap_sums(predicted, reference), len(predicted), len(reference))


def _segment_figures(layer, found):
    """Return a segment layer's figures from its documents' parts."""
    counts = {label["key"]: _total(part["counts"][label["key"]] for _, _, part in found) for label in layer["labels"]}
    names = sorted(frozenset().union(*(part["names"] for _, _, part in found)))
    return {
        "key": layer["key"], "name": layer["name"], "alpha": agreement.binary_alpha(_total(counts.values())),
        "units": sum(part["units"] for _, _, part in found), "annotators": len(names),
        "disagreement_segment_ids": _joined(part["layer_split"] for _, _, part in found),
        "labels": [{**label, "alpha": agreement.binary_alpha(counts[label["key"]]),
                    **_segment_ids(found, label["key"])} for label in layer["labels"]],
        "pairs": [{"a": a, "b": b, "alpha": agreement.binary_alpha(_total(part["pairs"].get((a, b), {})
                                                                         for _, _, part in found))}
                  for a, b in itertools.combinations(names, 2)],
        "documents": [{"document": document, "title": title,
                       "alpha": agreement.binary_alpha(_total(part["counts"].values()))}
                      for document, title, part in found],
    }


def _span_figures(layer, found):
    """Return a span layer's figures from its documents' parts."""
    counts = {label["key"]: _total(part["counts"][label["key"]] for _, _, part in found) for label in layer["labels"]}
    names = sorted(frozenset().union(*(part["names"] for _, _, part in found)))
    pairs = list(itertools.combinations(names, 2))
    labelled = {pair: _pooled(part["labelled"].get(pair) for _, _, part in found) for pair in pairs}
    unlabelled = {pair: _pooled(part["unlabelled"].get(pair) for _, _, part in found) for pair in pairs}
    return {
        "key": layer["key"], "name": layer["name"], "token_alpha": agreement.binary_alpha(_total(counts.values())),
        "units": sum(part["units"] for _, _, part in found), "annotators": len(names),
        "f1": _mean_f1(labelled.values()),
        "disagreement_segment_ids": _joined(part["layer_split"] for _, _, part in found),
        "labels": [{**label, "token_alpha": agreement.binary_alpha(counts[label["key"]]),
                    "f1": _label_f1(found, label["key"], pairs), **_segment_ids(found, label["key"])}
                   for label in layer["labels"]],
        "pairs": [{"a": a, "b": b, **(labelled[a, b] or dict.fromkeys(("precision", "recall", "f1"))),
                   "f1_unlabelled": unlabelled[a, b] and unlabelled[a, b]["f1"]} for a, b in pairs],
        "documents": [{"document": document, "title": title,
                       "token_alpha": agreement.binary_alpha(_total(part["counts"].values())),
                       "f1": _mean_f1(_pooled([sums]) for sums in part["labelled"].values())}
                      for document, title, part in found],
    }


def _label_f1(found, key, pairs):
    """Return the mean pairwise F1 of one label over the pairs where either annotator used it."""
    scores = []
    for pair in pairs:
        sums = [part["per_label"].get(key, {}).get(pair) for _, _, part in found]
        if any(item is not None and item[4] for item in sums):
            scores.append(_pooled(item and item[:4] for item in sums))
    return _mean_f1(scores)


def _pooled(sums):
    """Return precision, recall and F1 from per-document sums added in order, or None if there are none."""
    present = [item for item in sums if item is not None]
    if not present:
        return None
    precision = recall = 0.0
    n_predicted = n_reference = 0
    for item in present:
        precision += item[0]
        recall += item[1]
        n_predicted += item[2]
        n_reference += item[3]
    return agreement._prf(precision, recall, n_predicted, n_reference)


def _mean_f1(scores):
    """Return the mean F1 of the pairs that could be compared, or None."""
    values = [score["f1"] for score in scores if score is not None]
    return mean(values) if values else None


def _segment_ids(found, key):
    """Return a label's sentences given it by anyone, and those where annotators differ on it."""
    return {"segment_ids": _joined(part["used"].get(key, []) for _, _, part in found),
            "disagreement_segment_ids": _joined(part["split"].get(key, []) for _, _, part in found)}


def _joined(lists):
    """Return the ids of all the lists, sorted."""
    return sorted(itertools.chain.from_iterable(lists))


def _total(counters):
    """Return the sum of the counters."""
    total = Counter()
    for counter in counters:
        total.update(counter)
    return total


def _add_absent(counts, units_by_coders):
    """Count, for each label, the units where nobody marked it."""
    for counter in counts.values():
        for m, units in units_by_coders.items():
            counter[m, 0] += units - sum(n for (coders, p), n in counter.items() if coders == m and p)


def _done(finished, tagged):
    """Return each annotator's finished sentences, counting a tagged sentence as finished."""
    done = defaultdict(set, {name: set(ids) for name, ids in finished.items()})
    for name, segment in tagged:
        done[name].add(segment)
    return dict(done)


def _coders(finished, tagged):
    """Return {sentence: sorted names of the annotators who finished it}."""
    coders = defaultdict(list)
    for name, ids in sorted(_done(finished, tagged).items()):
        for segment in ids:
            coders[segment].append(name)
    return coders


class Covering:
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
