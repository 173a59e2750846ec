import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotate.agreement import (
    alpha,
    pairwise_alpha,
    pairwise_span_f1,
    segment_label_alpha,
    span_prf,
    token_alpha,
    tokenize,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", worked examples.
BINARY_2_BY_10 = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]
MISSING_4_BY_12 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_binary_example_from_krippendorff_2011_gives_0_095():
    assert round(alpha(BINARY_2_BY_10), 3) == 0.095


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)])
def test_missing_data_example_from_krippendorff_2011(level, expected):
    assert round(alpha(MISSING_4_BY_12, level=level), 3) == expected


def test_nan_marks_missing_like_none():
    with_nan = [[math.nan if value is None else value for value in row] for row in MISSING_4_BY_12]
    assert alpha(with_nan) == alpha(MISSING_4_BY_12)


def test_identical_coders_with_variation_agree_perfectly():
    assert alpha([[1, 2, 3, 1], [1, 2, 3, 1]], level="ratio") == 1.0


def test_coders_who_always_disagree_give_negative_alpha():
    # Each unit holds one 0 and one 1: o01 = o10 = 4, n0 = n1 = 4, n = 8,
    # alpha = 1 - (n - 1) * o01 / (n0 * n1) = 1 - 7 * 4 / 16 = -0.75.
    assert alpha([[0, 1, 0, 1], [1, 0, 1, 0]]) == pytest.approx(-0.75)


@pytest.mark.parametrize(
    "data",
    [
        [[1, 1, 1], [1, 1, 1]],  # no variation
        [[1, None], [None, 2]],  # nothing pairable
        [[1, 2, 1]],  # one coder
        [[None, 2], [1, 2], [None, 2]],  # the only variation is in an unpairable unit
        [],
        [[], []],
    ],
)
def test_alpha_is_none_when_undefined(data):
    assert alpha(data) is None


def test_unknown_level_is_rejected():
    with pytest.raises(ValueError, match="level"):
        alpha(BINARY_2_BY_10, level="circular")


# Annotators a and b, segments 1-5, labels x and y. b did not finish 5.
#           seg: 1  2  3  4  5
#   x  a         1  1  0  0  1
#      b         1  1  0  0  .
#   y  a         0  0  1  0  0
#      b         0  0  1  1  .
FINISHED = {"a": {1, 2, 3, 4, 5}, "b": {1, 2, 3, 4}}
LABELS = {
    ("a", 1): {"x"},
    ("a", 2): {"x"},
    ("a", 3): {"y"},
    ("a", 5): {"x"},
    ("b", 1): {"x"},
    ("b", 2): {"x"},
    ("b", 3): {"y"},
    ("b", 4): {"y"},
}


def test_segment_label_alpha_matches_hand_computation():
    # Coincidences (each pairable unit has two values, so a pair adds 1 per ordered pair):
    # x: o11 = 4 (segs 1, 2), o00 = 4 (segs 3, 4); seg 5 is unpairable -> no disagreement, alpha 1.
    # y: o00 = 4 (segs 1, 2), o11 = 2 (seg 3), o01 = o10 = 1 (seg 4); n0 = 5, n1 = 3, n = 8,
    #    alpha = 1 - 7 * 1 / (5 * 3) = 8/15.
    # pooled over the 10 (segment, label) units: o00 = 8, o11 = 6, o01 = 1; n0 = 9, n1 = 7, n = 16,
    #    alpha = 1 - 15 * 1 / (9 * 7) = 48/63.
    result = segment_label_alpha(FINISHED, LABELS, ["x", "y"])
    assert result["per_label"]["x"] == pytest.approx(1.0)
    assert result["per_label"]["y"] == pytest.approx(8 / 15)
    assert result["alpha"] == pytest.approx(48 / 63)
    assert (result["units"], result["annotators"]) == (5, 2)


def test_unfinished_segment_is_missing_not_absent():
    # Had b finished segment 5 without labelling it, x gets the pair (1, 0):
    # o11 = 4, o00 = 4, o01 = o10 = 1; n0 = n1 = 5, n = 10, alpha = 1 - 9 * 1 / 25 = 0.64.
    finished = {"a": FINISHED["a"], "b": FINISHED["b"] | {5}}
    assert segment_label_alpha(finished, LABELS, ["x", "y"])["per_label"]["x"] == pytest.approx(0.64)


def test_labelling_a_segment_counts_as_finishing_it():
    finished = {"a": FINISHED["a"], "b": {1, 2, 3}}
    assert segment_label_alpha(finished, LABELS, ["x", "y"]) == segment_label_alpha(FINISHED, LABELS, ["x", "y"])


def test_label_nobody_used_has_no_alpha_and_does_not_break_the_layer():
    result = segment_label_alpha(FINISHED, LABELS, ["x", "y", "z"])
    assert result["per_label"]["z"] is None
    assert result["alpha"] is not None


def test_segment_label_alpha_without_annotators_is_undefined():
    assert segment_label_alpha({}, {}, ["x"]) == {"alpha": None, "per_label": {"x": None}, "units": 0, "annotators": 0}


def test_segment_labels_in_perfect_agreement_and_complete_disagreement():
    finished = {"a": {1, 2}, "b": {1, 2}}
    same = {("a", 1): {"x"}, ("b", 1): {"x"}}
    opposite = {("a", 1): {"x"}, ("b", 2): {"x"}}
    assert segment_label_alpha(finished, same, ["x"])["alpha"] == 1.0
    # o01 = o10 = 2, n0 = n1 = 2, n = 4: alpha = 1 - 3 * 2 / 4 = -0.5.
    assert segment_label_alpha(finished, opposite, ["x"])["alpha"] == pytest.approx(-0.5)


def test_pairwise_alpha_scores_each_pair_on_its_own_segments():
    finished = {**FINISHED, "c": {6}}
    labels = {**LABELS, ("c", 6): {"x"}}
    result = pairwise_alpha(finished, labels, ["x", "y"])
    assert result.keys() == {("a", "b"), ("a", "c"), ("b", "c")}
    assert result["a", "b"] == pytest.approx(48 / 63)
    # c shares no finished segment with a or b.
    assert result["a", "c"] is None
    assert result["b", "c"] is None


def test_tokenize_returns_offsets_of_whitespace_delimited_tokens():
    assert tokenize("  the cat\n sat ") == [(2, 5), (6, 9), (11, 14)]
    assert tokenize("") == []


# Document text "the cat sat on a mat": segment 1 is "the cat sat" at 0, segment 2 "on a mat" at 12.
SEGMENTS = {1: (0, "the cat sat"), 2: (12, "on a mat")}


def test_token_alpha_matches_hand_computation():
    spans = {
        "a": [(1, 4, 7, "x"), (2, 17, 20, "x"), (1, 0, 3, "y")],  # x: cat, mat; y: the
        "b": [(1, 5, 11, "x"), (1, 0, 4, "y")],  # x: cat, sat (partial overlap); y: the (4 is cat's start)
    }
    #            the cat sat | on  a  mat
    #   x  a      0   1   0  |  0  0  1
    #      b      0   1   1  |  .  .  .     b did not finish segment 2
    #   y  a      1   0   0  |  0  0  0
    #      b      1   0   0  |  .  .  .
    # x: o00 = 2, o11 = 2, o01 = o10 = 1; n0 = n1 = 3, n = 6: alpha = 1 - 5 * 1 / 9 = 4/9.
    # y: all pairable values agree: alpha = 1.
    # pooled: o00 = 6, o11 = 4, o01 = 1; n0 = 7, n1 = 5, n = 12: alpha = 1 - 11 * 1 / 35 = 24/35.
    result = token_alpha(SEGMENTS, spans, {"a": {1, 2}, "b": {1}}, ["x", "y"])
    assert result["per_label"]["x"] == pytest.approx(4 / 9)
    assert result["per_label"]["y"] == pytest.approx(1.0)
    assert result["alpha"] == pytest.approx(24 / 35)
    assert (result["units"], result["annotators"]) == (6, 2)


def test_token_alpha_counts_a_segment_with_spans_as_finished():
    spans = {"a": [(1, 4, 7, "x")], "b": [(1, 4, 7, "x"), (2, 12, 14, "x")]}
    result = token_alpha(SEGMENTS, spans, {"a": {1}, "b": set()}, ["x"])
    # b's spans make segments 1 and 2 finished for b; a agrees on all of segment 1.
    assert result["alpha"] == 1.0
    assert result["units"] == 6


def test_token_alpha_in_complete_disagreement():
    spans = {"a": [(1, 0, 3, "x")], "b": [(1, 4, 11, "x")]}
    # the (1, 0), cat (0, 1), sat (0, 1): o01 = o10 = 3, n0 = n1 = 3, n = 6: alpha = 1 - 5 * 3 / 9 = -2/3.
    result = token_alpha(SEGMENTS, spans, {"a": {1}, "b": {1}}, ["x"])
    assert result["alpha"] == pytest.approx(-2 / 3)


def test_half_overlapping_spans_score_one_half():
    assert span_prf([(5, 15, "x")], [(0, 10, "x")]) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_spans_with_different_labels_do_not_match_unless_unlabelled():
    assert span_prf([(5, 15, "y")], [(0, 10, "x")]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert span_prf([(5, 15, "y")], [(0, 10, "x")], labelled=False)["f1"] == 0.5


def test_prediction_covering_two_reference_spans():
    # P = (5 + 5) / 15 = 2/3; R = (5/5 + 5/5) / 2 = 1; F1 = 2 * 2/3 / (5/3) = 0.8.
    score = span_prf([(0, 15, "x")], [(0, 5, "x"), (10, 15, "x")])
    assert score == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8})


def test_overlapping_same_label_spans_are_merged_before_scoring():
    # Unmerged, precision would be (10 + 10) / 15 > 1.
    assert span_prf([(0, 15, "x")], [(0, 10, "x"), (5, 15, "x")]) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_touching_spans_are_not_merged():
    score = span_prf([(0, 10, "x")], [(0, 5, "x"), (5, 10, "x")])
    assert score == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_empty_span_sets_follow_the_official_scorer():
    assert span_prf([], []) == {"precision": 0.0, "recall": 0.0, "f1": 1.0}
    assert span_prf([], [(0, 5, "x")]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert span_prf([(0, 5, "x")], []) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_empty_or_reversed_span_is_rejected():
    with pytest.raises(ValueError, match="start before"):
        span_prf([(5, 5, "x")], [])


def test_pairwise_span_f1_pools_documents_and_matches_within_a_document():
    spans = {
        "a": [("d1", 0, 10, "x"), ("d2", 0, 4, "x")],
        "b": [("d1", 5, 15, "x"), ("d2", 0, 4, "x")],
        "c": [("d3", 0, 10, "x")],
    }
    result = pairwise_span_f1(spans)
    assert result.keys() == {("a", "b"), ("a", "c"), ("b", "c")}
    # P = (0.5 + 1) / 2, R = (0.5 + 1) / 2.
    assert result["a", "b"] == pytest.approx({"precision": 0.75, "recall": 0.75, "f1": 0.75})
    # Same offsets in another document are no match.
    assert result["a", "c"]["f1"] == 0.0


def test_pairwise_span_f1_compares_only_documents_both_finished():
    spans = {"a": [("d1", 0, 10, "x"), ("d2", 0, 4, "x")], "b": [("d1", 0, 10, "x")], "c": []}
    result = pairwise_span_f1(spans, finished={"a": {"d1"}, "b": {"d1"}, "c": {"d3"}})
    # a's spans in d2 make d2 finished for a, but b never finished d2.
    assert result["a", "b"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert result["a", "c"] is None


span_strategy = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 10), st.sampled_from("xy")).map(lambda t: (t[0], t[0] + t[1], t[2])),
    max_size=6,
)


@given(span_strategy, span_strategy)
def test_swapping_sides_swaps_precision_and_recall(predicted, reference):
    forward, backward = span_prf(predicted, reference), span_prf(reference, predicted)
    assert forward["precision"] == pytest.approx(backward["recall"])
    assert forward["recall"] == pytest.approx(backward["precision"])
    assert forward["f1"] == pytest.approx(backward["f1"])
    assert all(0.0 <= value <= 1.0 + 1e-9 for value in forward.values())


@given(span_strategy.filter(bool))
def test_identical_span_sets_agree_perfectly(spans):
    assert span_prf(spans, list(reversed(spans))) == pytest.approx({"precision": 1.0, "recall": 1.0, "f1": 1.0})


def overlap_sums_over_every_pair(predicted, reference):
    """The plain definition: every same-label pair, in list order."""
    precision_sum = recall_sum = 0.0
    for p_start, p_end, p_label in predicted:
        for r_start, r_end, r_label in reference:
            if p_label == r_label:
                overlap = max(0, min(p_end, r_end) - max(p_start, r_start))
                precision_sum += overlap / (p_end - p_start)
                recall_sum += overlap / (r_end - r_start)
    return precision_sum, recall_sum


spans_strategy = st.lists(
    st.tuples(st.integers(0, 300), st.integers(1, 40), st.sampled_from("abc")).map(
        lambda t: (t[0], t[0] + t[1], t[2])), max_size=40)


@given(spans_strategy, spans_strategy)
def test_overlap_sums_looking_up_nearby_spans_equal_every_pair_to_the_bit(predicted, reference):
    from annotate.agreement import _overlap_sums

    assert _overlap_sums(predicted, reference) == overlap_sums_over_every_pair(predicted, reference)
