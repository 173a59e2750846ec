"""Score sentence boundaries of our splitter and plain pysbd on the hand-written cases of the test suite.

A boundary is the end offset of a sentence with trailing whitespace removed, not counting the end of the
paragraph (or article), which every splitter finds. Precision, recall and F1 are given per pattern
category and over all cases. Other splitters from PyPI are scored too when they can be imported (add their
install folder to PYTHONPATH); the project does not depend on them.

    .venv/bin/python bench/bench_sentences.py                      # ours, ours before (from git) and pysbd
    PYTHONPATH=/tmp/alt .venv/bin/python bench/bench_sentences.py  # with sentencex, nupunkt, syntok there
"""

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotate.segmentation import parse_article, split_sentences  # noqa: E402

CASES = ROOT / "tests" / "data" / "sentence_boundaries.json"


def ours(case, parse=parse_article, split=split_sentences):
    """Return our sentence spans: split_sentences on a paragraph, parse_article's segments on an article."""
    if "article" in case:
        return [(segment.start, segment.end) for segment in parse(case["article"]).segments]
    return split(case["text"])


def previous_splitter():
    """Return ours as it was at common.PREVIOUS_COMMIT, before plain sentences skipped pysbd."""
    sys.path.insert(0, str(ROOT / "bench"))
    from common import previous_module

    module = previous_module("segmentation")
    return lambda case: ours(case, module.parse_article, module.split_sentences)


def located(text, sentences):
    """Return the spans of sentences found one after another in text (each repeated sentence at its place)."""
    spans, cursor = [], 0
    for sentence in sentences:
        sentence = sentence.strip()
        if not sentence:
            continue
        start = text.find(sentence, cursor)
        if start < 0:  # a splitter that changed the text: skip the sentence rather than guess
            continue
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    return spans


def plain_pysbd():
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    # char_span points a repeated sentence at its first occurrence, so each is located after the one before.
    return lambda text: located(text, [span.sent for span in segmenter.segment(text)])


def sentencex_splitter():
    import sentencex

    return lambda text: located(text, sentencex.segment("en", text))


def nupunkt_splitter():
    import nupunkt

    return lambda text: located(text, nupunkt.sent_tokenize(text))


def syntok_splitter():
    from syntok import segmenter

    def split(text):
        return [(sentence[0].offset, sentence[-1].offset + len(sentence[-1].value))
                for paragraph in segmenter.analyze(text) for sentence in paragraph]

    return split


OPTIONAL = {"sentencex": sentencex_splitter, "nupunkt": nupunkt_splitter, "syntok": syntok_splitter}


def boundaries(text, spans):
    """Return the set of sentence ends, whitespace trimmed, less the end of the text."""
    last = len(text.rstrip())
    ends = set()
    for start, end in spans:
        while end > start and text[end - 1].isspace():
            end -= 1
        if end < last:
            ends.add(end)
    return ends


def gold(case):
    """Return the expected sentence spans of a case."""
    if "article" in case:
        return located(case["article"], [text for _, text in case["segments"]])
    return located(case["text"], case["sentences"])


def score(cases, splitters):
    """Return {splitter: {category: [true positives, false positives, false negatives, cases, seconds]}}."""
    counts = {name: defaultdict(lambda: [0, 0, 0, 0, 0.0]) for name in splitters}
    for case in cases:
        text = case.get("text") or case["article"]
        expected = boundaries(text, gold(case))
        for name, split in splitters.items():
            began = time.perf_counter()
            found = boundaries(text, split(case) if name in ("ours", "previous") else split(text))
            row = counts[name][case["category"]]
            row[0] += len(found & expected)
            row[1] += len(found - expected)
            row[2] += len(expected - found)
            row[3] += 1
            row[4] += time.perf_counter() - began
    return counts


def prf(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def total(rows):
    return [sum(row[i] for row in rows.values()) for i in range(5)]


def table(counts, cases):
    """Return the Markdown tables: per category for ours and pysbd, then over all cases for every splitter."""
    categories = list(dict.fromkeys(case["category"] for case in cases))
    expected = defaultdict(int)
    for case in cases:
        expected[case["category"]] += len(boundaries(case.get("text") or case["article"], gold(case)))
    lines = [
        "| category | cases | boundaries | ours P | ours R | ours F1 | pysbd P | pysbd R | pysbd F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for category in [*categories, "all"]:
        cells = []
        for name in ("ours", "pysbd"):
            rows = counts[name]
            row = total(rows) if category == "all" else rows[category]
            cells += [f"{value:.3f}" for value in prf(*row[:3])]
        n_cases = len(cases) if category == "all" else counts["ours"][category][3]
        n_bounds = sum(expected.values()) if category == "all" else expected[category]
        label = "**all**" if category == "all" else category
        lines.append(f"| {label} | {n_cases} | {n_bounds} | " + " | ".join(cells) + " |")
    lines += ["", "| splitter | P | R | F1 | false splits | missed | ms per case |", "|---|---|---|---|---|---|---|"]
    for name, rows in counts.items():
        tp, fp, fn, n, seconds = total(rows)
        precision, recall, f1 = prf(tp, fp, fn)
        lines.append(f"| {name} | {precision:.3f} | {recall:.3f} | {f1:.3f} | {fp} | {fn} | {1000 * seconds / n:.2f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES, help="a JSON file of cases (default: the test set)")
    args = parser.parse_args()
    cases = json.loads(args.cases.read_text(encoding="utf-8"))
    splitters = {"ours": ours, "previous": previous_splitter(), "pysbd": plain_pysbd()}
    for name, make in OPTIONAL.items():
        try:
            splitters[name] = make()
        except ImportError:
            continue
    print(f"{len(cases)} cases from {args.cases.relative_to(ROOT) if args.cases.is_relative_to(ROOT) else args.cases}")
    print()
    print(table(score(cases, splitters), cases))


if __name__ == "__main__":
    main()
