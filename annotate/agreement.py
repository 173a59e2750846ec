"""Inter-annotator agreement: Krippendorff's alpha and span overlap scores.

No Django imports: callers turn querysets into the plain data described here.

Rules shared by the functions below:

- Missing is not absent. A segment an annotator did not finish is missing
  (NaN) for that annotator; a finished segment without a label is "absent"
  (0), with it "present" (1). A segment an annotator labelled (or put a span
  in) counts as finished for them even without a progress mark, because
  tagging it means they read it.
- Alpha is None when undefined: no unit holds values from two coders
  (nothing pairable), or every pairable value is the same (no variation, so
  the expected disagreement is zero and alpha is 0/0).
- A layer's pooled alpha is nominal alpha over (unit, label) pairs with
  binary present/absent values. Unlike a mean of per-label alphas it stays
  defined when some labels are never used, and a rare label's unstable
  alpha does not count as much as a frequent label's.
- Span scores follow the SemEval-2020 Task 11 span scorer: partial-overlap
  credit between same-label spans, precision and recall 0 when their side is
  empty, F1 1.0 when both sides are empty. Overlapping same-label spans on a
  side are merged first, as the scorer does for gold spans, which keeps
  precision and recall within [0, 1].
- Offsets are 0-based, end exclusive.

Inputs:

- finished: annotator -> ids of the segments that annotator marked done.
- labels: (annotator, segment id) -> label keys given to that segment.
- segments: segment id -> (document offset of the segment, segment text).
- token_alpha's spans_by_annotator: annotator -> [(segment id, doc start,
  doc end, label)].
- pairwise_span_f1's spans_by_annotator: annotator -> [(doc id, start, end,
  label)]; spans match only within one doc id (a document or a segment id,
  however the caller groups), and counts are pooled over documents as the
  scorer pools articles. Its optional finished maps annotator -> doc ids; a
  pair is then compared only on documents both finished, and is None when
  there are none. Its optional groups maps a doc id to a larger unit within
  which the spans of the compared doc ids are matched: with segment ids as
  doc ids and their documents as groups, a span that starts in one sentence
  and runs on into the next meets the other annotator's spans there.
- A span that runs over several segments is given to token_alpha once per
  segment it covers (with the same document offsets), so each of its tokens
  counts.
- Pairs are sorted tuples (a, b) with a < b. For span scores, a's spans are
  "predicted" and b's "reference"; (b, a) swaps precision and recall.

segment_label_alpha and token_alpha return {"alpha": pooled, "per_label":
{key: alpha}, "units": segments or tokens counted, "annotators": count}.
"""

import bisect
import itertools
import math
import re
from collections import defaultdict
from fractions import Fraction

import krippendorff
import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")
_TOKEN = re.compile(r"\S+")


def alpha(reliability_data, level="nominal"):
    """Return Krippendorff's alpha for coders x units data (None or NaN = missing), or None if undefined."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    # numpy reads None as NaN with dtype=float, and takes an array as it is, without a Python loop.
    data = np.array(reliability_data, dtype=float)
    if data.ndim != 2 or data.size == 0:
        return None
    pairable = data[:, (~np.isnan(data)).sum(axis=0) >= 2]
    # The package raises or divides 0 by 0 here; callers get None instead.
    if np.unique(pairable[~np.isnan(pairable)]).size < 2:
        return None
    value = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    # Ratio distances vanish when two values sum to zero, which can still leave 0/0.
    return None if math.isnan(value) else value


def binary_alpha(counts):
    """Return nominal alpha of present/absent data given as {(coders of a unit, coders marking it present): units}.

    Alpha depends on the data only through the coincidence matrix, a sum over units; with two values a unit's
    share depends only on its number of coders m and of presents p, so these integer counts determine alpha,
    and counts of parts of the data add up to the counts of the whole. Computed in exact fractions, the result
    does not depend on the order in which units or parts were counted. None when undefined, as alpha() says.
    """
    present = absent = 0
    disagreement = Fraction(0)
    for (coders, marked), units in counts.items():
        if coders < 2 or not units:
            continue
        present += units * marked
        absent += units * (coders - marked)
        disagreement += Fraction(units * marked * (coders - marked), coders - 1)
    if not present or not absent:
        return None
    return float(1 - (present + absent - 1) * disagreement / (present * absent))


def segment_label_alpha(finished, labels, label_keys):
    """Return pooled and per-label nominal alpha for a segment-level layer."""
    done = _finished_with_labels(finished, labels)
    present = defaultdict(set)
    for (annotator, segment), keys in labels.items():
        for key in keys:
            present[annotator, key].add(segment)
    units = [(segment, segment) for segment in sorted(set().union(*done.values()))]
    return _layer_result(_presence_matrices(units, done, present, label_keys), len(units), len(done))


def pairwise_alpha(finished, labels, label_keys):
    """Return the pooled segment-label alpha of each annotator pair, keyed by the sorted pair."""
    done = _finished_with_labels(finished, labels)
    result = {}
    for a, b in itertools.combinations(sorted(done), 2):
        pair_labels = {key: keys for key, keys in labels.items() if key[0] in (a, b)}
        result[a, b] = segment_label_alpha({a: done[a], b: done[b]}, pair_labels, label_keys)["alpha"]
    return result


def tokenize(text):
    """Return (start, end) offsets of the whitespace-delimited tokens in text."""
    return [match.span() for match in _TOKEN.finditer(text)]


def token_alpha(segments, spans_by_annotator, finished, label_keys):
    """Return pooled and per-label nominal alpha over the whitespace tokens of a span layer."""
    done = defaultdict(set, {annotator: set(ids) for annotator, ids in finished.items()})
    for annotator, spans in spans_by_annotator.items():
        done[annotator].update(segment for segment, _, _, _ in spans)
    tokens = {
        segment: [(offset + start, offset + end) for start, end in tokenize(text)]
        for segment, (offset, text) in segments.items()
    }
    seen = set().union(*done.values()) & tokens.keys()
    units = [(segment, (segment, start)) for segment in sorted(seen) for start, _ in tokens[segment]]
    present = defaultdict(set)
    for annotator, spans in spans_by_annotator.items():
        for segment, start, end, key in spans:
            for token_start, token_end in tokens.get(segment, ()):
                if start < token_end and token_start < end:
                    present[annotator, key].add((segment, token_start))
    return _layer_result(_presence_matrices(units, done, present, label_keys), len(units), len(done))


def span_prf(predicted, reference, *, labelled=True):
    """Return {"precision", "recall", "f1"} of predicted against reference (start, end, label) spans."""
    predicted, reference = _prepare_spans(predicted, labelled), _prepare_spans(reference, labelled)
    return _prf(*_overlap_sums(predicted, reference), len(predicted), len(reference))


def pairwise_span_f1(spans_by_annotator, *, labelled=True, finished=None, groups=None):
    """Return {(a, b): {"precision", "recall", "f1"} or None} for each annotator pair."""
    by_unit = {}
    for annotator, spans in spans_by_annotator.items():
        grouped = defaultdict(list)
        for unit, start, end, label in spans:
            grouped[unit].append((start, end, label))
        by_unit[annotator] = grouped
    annotators = sorted(set(by_unit) | set(finished or ()))
    result = {}
    for a, b in itertools.combinations(annotators, 2):
        units_a, units_b = by_unit.get(a, {}), by_unit.get(b, {})
        if finished is None:
            units = units_a.keys() | units_b.keys()
        else:
            units = (set(finished.get(a, ())) | units_a.keys()) & (set(finished.get(b, ())) | units_b.keys())
            if not units:
                result[a, b] = None
                continue
        result[a, b] = _pooled_prf(units, units_a, units_b, labelled, groups or {})
    return result


def _pooled_prf(units, units_a, units_b, labelled, groups):
    """Return one pair's scores over the compared units, spans matched within each unit's group."""
    predicted, reference = defaultdict(list), defaultdict(list)
    for unit in units:
        group = groups.get(unit, unit)
        predicted[group] += units_a.get(unit, [])
        reference[group] += units_b.get(unit, [])
    precision_sum = recall_sum = 0.0
    n_predicted = n_reference = 0
    for group in predicted:
        spans_a, spans_b = _prepare_spans(predicted[group], labelled), _prepare_spans(reference[group], labelled)
        group_precision, group_recall = _overlap_sums(spans_a, spans_b)
        precision_sum += group_precision
        recall_sum += group_recall
        n_predicted += len(spans_a)
        n_reference += len(spans_b)
    return _prf(precision_sum, recall_sum, n_predicted, n_reference)


def _finished_with_labels(finished, labels):
    """Return each annotator's finished segments, counting every labelled segment as finished."""
    done = defaultdict(set, {annotator: set(ids) for annotator, ids in finished.items()})
    for (annotator, segment), keys in labels.items():
        if keys:
            done[annotator].add(segment)
    return done


def _presence_matrices(units, done, present, label_keys):
    """Return {label: annotators x units array}: 1 present, 0 absent, NaN where not finished."""
    # units pairs each unit id with its segment, since finishing is per segment.
    annotators = sorted(done)
    column = {unit: j for j, (_, unit) in enumerate(units)}
    finished_mask = np.array(
        [[segment in done[annotator] for segment, _ in units] for annotator in annotators], dtype=bool
    ).reshape(len(annotators), len(units))
    matrices = {}
    for key in label_keys:
        matrix = np.where(finished_mask, 0.0, np.nan)
        for i, annotator in enumerate(annotators):
            for unit in present.get((annotator, key), ()):
                # Spans in segments the caller did not pass have no column.
                if unit in column:
                    matrix[i, column[unit]] = 1.0
        matrices[key] = matrix
    return matrices


def _layer_result(matrices, n_units, n_annotators):
    """Return the result dict shared by the segment and token alphas."""
    pooled = np.hstack(list(matrices.values())) if matrices else [[]]
    return {
        "alpha": alpha(pooled),
        "per_label": {key: alpha(matrix) for key, matrix in matrices.items()},
        "units": n_units,
        "annotators": n_annotators,
    }


def _prepare_spans(spans, labelled):
    """Return (start, end, label) spans with same-label overlaps merged; label None when unlabelled."""
    by_label = defaultdict(list)
    for start, end, label in spans:
        if start >= end:
            raise ValueError(f"span ({start}, {end}) must start before it ends")
        by_label[label if labelled else None].append((start, end))
    merged = []
    for label, intervals in by_label.items():
        current = None
        for start, end in sorted(intervals):
            # Touching spans share no character, so they stay apart as in the scorer.
            if current and start < current[1]:
                current = (current[0], max(current[1], end))
                continue
            if current:
                merged.append((*current, label))
            current = (start, end)
        merged.append((*current, label))
    return merged


def _overlap_sums(predicted, reference):
    """Return sum |s & t| / |s| and sum |s & t| / |t| over same-label span pairs.

    Only overlapping pairs add anything, so each predicted span looks up the reference spans that can reach
    it (by start, within the longest reference span of its label) instead of every span of the article;
    the pairs are still summed in the order of the lists, so the figures do not change by a bit.
    """
    by_label = defaultdict(list)
    for n, (r_start, r_end, r_label) in enumerate(reference):
        by_label[r_label].append((r_start, r_end, n))
    index = {}
    for label, spans in by_label.items():
        spans.sort()
        index[label] = ([start for start, _, _ in spans], max(end - start for start, end, _ in spans), spans)
    precision_sum = recall_sum = 0.0
    for p_start, p_end, p_label in predicted:
        if p_label not in index:
            continue
        starts, longest, spans = index[p_label]
        reach = spans[bisect.bisect_right(starts, p_start - longest):bisect.bisect_left(starts, p_end)]
        for r_start, r_end, _ in sorted((span for span in reach if span[1] > p_start), key=lambda span: span[2]):
            overlap = min(p_end, r_end) - max(p_start, r_start)
            precision_sum += overlap / (p_end - p_start)
            recall_sum += overlap / (r_end - r_start)
    return precision_sum, recall_sum


def _prf(precision_sum, recall_sum, n_predicted, n_reference):
    """Return precision, recall and F1 with the official scorer's empty-set conventions."""
    precision = precision_sum / n_predicted if n_predicted else 0.0
    recall = recall_sum / n_reference if n_reference else 0.0
    if not n_predicted and not n_reference:
        f1 = 1.0
    elif precision > 0 and recall > 0:
        f1 = 2 * precision * recall / (precision + recall)
    else:
        f1 = 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
