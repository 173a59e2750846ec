"""Agreement figures for the report, computed as the dashboard computes them, on one article's tags.

The annotators' own tags are compared, before review (gold tags are left
out): an annotator finished a sentence if they marked it done or tagged it
in the layer. Sentence layers get Krippendorff's alpha (nominal) over
(sentence, label) presence; phrase layers get alpha over the words their
spans cover, and the mean pairwise F1 with partial-overlap credit
(SemEval-2020 Task 11). The functions are annotate.agreement's.
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from statistics import mean

from annotate import agreement

from .report import Article, span_range
from .words import listing, plural

EXPLAINED = ("Krippendorff's alpha (nominal): 1 is full agreement, 0 is what chance would give; "
             "computed on the annotators' own tags, before review.")


def agreement_lines(article: Article, codebook: dict) -> tuple[str, list[str]]:
    """Return (what was compared, one line per sentence or phrase layer)."""
    annotators = article.annotators()
    if len(annotators) < 2:
        who = listing(annotators) or "nobody"
        return f"Agreement needs two annotators' work on this article; this export has {who}'s only.", []
    gold = "The gold version was adjudicated from their tags. " if article.gold else "There is no gold version yet. "
    note = f"Between {listing(annotators)}. {gold}{EXPLAINED}"
    tags = [(segment, a) for segment in _raw_segments(article) for a in segment["annotations"] if not a["gold"]]
    done = defaultdict(set)
    for segment in article.segments:
        for mark in segment.get("done", ()):
            done[mark["annotator"]].add(segment["id"])
    by_layer = defaultdict(list)
    for segment, a in tags:
        by_layer[a["layer"]].append((segment, a))
    lines = []
    for layer in codebook["layers"]:
        keys = [label["key"] for label in layer["labels"]]
        mine = by_layer[layer["key"]]
        if layer["scope"] == "segment":
            lines.append(_segment_line(layer, keys, mine, done))
        elif layer["scope"] == "span":
            lines.append(_span_line(layer, keys, mine, done, article))
    return note, lines


def _raw_segments(article: Article):
    """Return the sentences with every exported tag, not only the shown ones."""
    by_segment = defaultdict(list)
    for a in article.every_tag:
        if a["scope"] in ("segment", "span") and a["segment_id"] is not None:
            by_segment[a["segment_id"]].append(a)
    return [{**segment, "annotations": by_segment.get(segment["id"], [])} for segment in article.segments]


def _segment_line(layer, keys, tags, done) -> str:
    labels = defaultdict(set)
    for segment, a in tags:
        labels[a["annotator"], segment["id"]].add(a["label"])
    result = agreement.segment_label_alpha(dict(done), dict(labels), keys)
    return f"{layer['name']}: {_alpha(result['alpha'])} over {plural(result['units'], 'sentence')}."


def _span_line(layer, keys, tags, done, article) -> str:
    covering = Covering(article.segments)
    spans, pieces = defaultdict(list), defaultdict(list)
    finished = defaultdict(set, {name: set(ids) for name, ids in done.items()})
    for segment, a in tags:
        offsets = span_range(a, segment)
        if offsets is None:
            continue
        start, end = offsets
        spans[a["annotator"]].append((segment["id"], start, end, a["label"]))
        finished[a["annotator"]].add(segment["id"])
        # A span that runs on past its sentence counts in every sentence it covers.
        for covered in covering.segments(segment, start, end):
            pieces[a["annotator"]].append((covered, start, end, a["label"]))
    texts = {segment["id"]: (segment["start"], segment["text"]) for segment in article.segments}
    tokens = agreement.token_alpha(texts, dict(pieces), dict(finished), keys)
    pairs = [scores["f1"] for scores in agreement.pairwise_span_f1(
        dict(spans), finished=dict(finished), groups=covering.groups()).values() if scores]
    f1 = f", mean pairwise F1 {mean(pairs):.2f}" if pairs else ""
    return f"{layer['name']}: {_alpha(tokens['alpha'])} over {plural(tokens['units'], 'word')}{f1}."


class Covering:
    """Find the sentences a span covers, and join sentences that a span runs across into one group.

    Spans are matched within a group: two spans that overlap share a sentence, so matching within
    the groups gives the dashboard's figures (which match across the whole document) without
    comparing every span of a long article with every other.
    """

    def __init__(self, segments) -> None:
        self.starts = [segment["start"] for segment in segments]
        self.ids = [segment["id"] for segment in segments]
        self.parent = {segment_id: segment_id for segment_id in self.ids}

    def segments(self, segment, start: int, end: int) -> list[int]:
        if end <= segment["end"]:
            return [segment["id"]]
        first = bisect_right(self.starts, start) - 1
        last = bisect_left(self.starts, end)
        covered = self.ids[max(first, 0):last]
        for other in covered:
            self.parent[self._root(other)] = self._root(segment["id"])
        return covered

    def groups(self) -> dict[int, int]:
        return {segment_id: self._root(segment_id) for segment_id in self.ids}

    def _root(self, segment_id: int) -> int:
        while self.parent[segment_id] != segment_id:
            segment_id = self.parent[segment_id]
        return segment_id


def _alpha(value: float | None) -> str:
    return "α undefined (nothing to compare, or no variation)" if value is None else f"α = {value:.2f}"
