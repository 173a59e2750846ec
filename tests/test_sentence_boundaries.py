"""The sentence splitter on a hand-written set of news-like cases (tests/data/sentence_boundaries.json).

Each case gives a paragraph and its sentences, or an article and its title and segments. The cases cover
what pysbd gets wrong on real news (multi-sentence quotations, closing quotes, "!—", runs of "?" and "!",
two-line headlines) and what it gets right and must keep (abbreviations, initials, decimals, addresses,
ellipses, nested quotes). bench/bench_sentences.py scores the same cases.
"""

import json
from pathlib import Path

import pytest

from annotate.segmentation import parse_article, split_sentences

CASES = json.loads((Path(__file__).parent / "data" / "sentence_boundaries.json").read_text(encoding="utf-8"))
PARAGRAPHS = [case for case in CASES if "text" in case]
ARTICLES = [case for case in CASES if "article" in case]


def expected_offsets(text, sentences):
    """Return the (start, end) of each sentence, found in order; each is separated by whitespace only."""
    offsets, pos = [], 0
    for sentence in sentences:
        start = text.index(sentence, pos)
        assert not text[pos:start].strip(), f"text between sentences: {text[pos:start]!r}"
        offsets.append((start, start + len(sentence)))
        pos = start + len(sentence)
    assert not text[pos:].strip()
    return offsets


def case_id(case):
    return f"{case['category']}: {(case.get('text') or case['article'])[:40]}"


def test_the_set_has_at_least_150_cases_in_every_category():
    categories = {case["category"] for case in CASES}
    assert len(CASES) >= 150
    assert {
        "multi-sentence quotation", "closing quote", "dash after punctuation", "punctuation runs",
        "two-line headline", "abbreviations", "initials", "decimal numbers", "urls and emails", "ellipses",
        "nested quotes",
    } <= categories


@pytest.mark.parametrize("case", PARAGRAPHS, ids=case_id)
def test_paragraph_splits_into_its_sentences(case):
    text = case["text"]
    assert split_sentences(text) == expected_offsets(text, case["sentences"])


@pytest.mark.parametrize("case", PARAGRAPHS, ids=case_id)
def test_paragraph_inside_a_longer_text_splits_at_the_same_places(case):
    before, after = "Ignore this part. ", " Ignore that part."
    text = before + case["text"] + after
    spans = split_sentences(text, len(before), len(before) + len(case["text"]))
    assert [text[start:end] for start, end in spans] == case["sentences"]


@pytest.mark.parametrize("case", ARTICLES, ids=case_id)
def test_article_has_its_title_and_segments(case):
    article = parse_article(case["article"])
    assert article.title == case["title"]
    assert [[segment.kind, segment.text] for segment in article.segments] == case["segments"]
    assert all(case["article"][s.start : s.end] == s.text for s in article.segments)
