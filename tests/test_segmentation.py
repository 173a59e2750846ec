"""Tests for splitting article text into segments (plain Python, no database)."""

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate import segmentation
from annotate.segmentation import (
    SegmentationError,
    _merge_abbreviation_splits,
    _merge_false_splits,
    _pysbd_spans,
    _split_inner_ends,
    parse_article,
    split_sentences,
)

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "telesur-iran-venezuela-2025-06-09.txt"
STANDFIRST = (
    "Formal relations between Iran and Venezuela were established in 1947, "
    "but it was not until the 1960s that their partnership gained strategic significance."
)


@pytest.fixture(scope="module")
def seed_text():
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text):
    return parse_article(seed_text)


def assert_well_formed(text, spans, body_ranges):
    """Check order, trimming, and that the spans cover every visible body character and nothing else."""
    covered = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end
        covered.update(range(start, end))
    visible = {i for start, end in body_ranges for i in range(start, end) if not text[i].isspace()}
    assert visible <= covered
    assert all(any(start <= i < end for start, end in body_ranges) for i in covered)


def assert_segments_well_formed(text, segments, body_ranges):
    """Check that every segment slices the text exactly, then the span rules."""
    assert all(segment.text == text[segment.start : segment.end] for segment in segments)
    assert_well_formed(text, [(segment.start, segment.end) for segment in segments], body_ranges)


def test_seed_metadata_is_read_from_its_lines(seed):
    assert seed.title == "Sanctions, Solidarity and Sovereignty: The Untold Story of Iran-Venezuela Relations"
    assert seed.standfirst == STANDFIRST
    assert seed.author == "Silvana Solano"
    assert seed.source_name == "TeleSUR"
    assert seed.published_at == datetime(2025, 6, 9, 10, 1)


def test_seed_metadata_lines_are_not_segments(seed):
    texts = [segment.text for segment in seed.segments]
    assert not any("Hour:" in t or t.startswith(("Author:", "Source:")) for t in texts)


def test_seed_has_its_seven_headings(seed):
    headings = [segment.text for segment in seed.segments if segment.kind == "heading"]
    assert headings == [
        "Historical Foundations: From OPEC to Anti-Imperialist Unity",
        "Strategic Cooperation: Energy, Technology, and Sanctions Resistance",
        "Energy and Oil: Defying U.S. Sanctions",
        "Industrial and Technological Collaboration",
        "Financial Independence: Challenging the Dollar Hegemony",
        "Diplomatic Solidarity: A United Front Against U.S. Aggression",
        "A Blueprint for Global South Resistance",
    ]


def test_seed_title_and_standfirst_open_the_segments(seed):
    title, standfirst = seed.segments[:2]
    assert (title.kind, title.paragraph, title.text) == ("title", 0, seed.title)
    assert (standfirst.kind, standfirst.paragraph, standfirst.text) == ("standfirst", 1, STANDFIRST)


def test_seed_repeated_standfirst_sentence_gets_two_segments(seed):
    repeats = [segment for segment in seed.segments if segment.text == STANDFIRST]
    assert [segment.kind for segment in repeats] == ["standfirst", "body"]
    assert repeats[0].start != repeats[1].start


def test_seed_segments_slice_the_text_exactly(seed, seed_text):
    assert seed.text == seed_text
    dateline = seed_text.index("June 9, 2025 Hour: 10:01 am")
    body = [(0, dateline), (dateline + len("June 9, 2025 Hour: 10:01 am"), seed_text.index("Author:"))]
    assert_segments_well_formed(seed_text, seed.segments, body)
    paragraphs = [segment.paragraph for segment in seed.segments]
    assert paragraphs == sorted(paragraphs)


def test_seed_no_sentence_ends_in_an_abbreviation(seed):
    assert not any(segment.text.endswith(("U.S.", "U.K.", "Mr.", "Dr.")) for segment in seed.segments)


def test_seed_keeps_nbsp_curly_quotes_and_run_together_words(seed):
    texts = [segment.text for segment in seed.segments]
    assert any("\xa0" in t for t in texts)
    assert any("“" in t and "”" in t for t in texts)
    assert any("Venezuela’s" in t for t in texts)
    assert any("anti-imperialismenergy" in t for t in texts)


def test_seed_two_sentence_paragraph_becomes_two_segments(seed):
    texts = [segment.text for segment in seed.segments]
    assert "The early diplomatic engagements were marked by mutual respect but limited collaboration." in texts
    assert (
        "In 1970, both countries appointed ambassadors, moving away from concurrent representation in Washington."
        in texts
    )


def test_markdown_headings_lose_their_markers():
    text = "# Title\n\nPara one. Para two.\n\n## Heading\n\nMore."
    article = parse_article(text, markdown=True)
    assert article.title == "Title"
    assert article.standfirst == ""
    assert [(s.kind, s.paragraph, s.text) for s in article.segments] == [
        ("title", 0, "Title"),
        ("body", 1, "Para one."),
        ("body", 1, "Para two."),
        ("heading", 2, "Heading"),
        ("body", 3, "More."),
    ]
    body = [(len("# "), text.index("## ")), (text.index("## ") + len("## "), len(text))]
    assert_segments_well_formed(text, article.segments, body)


def test_markdown_title_comes_from_the_first_level_one_heading():
    article = parse_article("Kicker line.\n\n# The Title\n\nBody text here.", markdown=True)
    assert article.title == "The Title"
    assert [s.kind for s in article.segments] == ["body", "title", "body"]


def test_standfirst_needs_a_dateline_after_it():
    article = parse_article("A title\n\nFirst paragraph.\n\nSecond paragraph.")
    assert article.standfirst == ""
    assert [s.kind for s in article.segments] == ["title", "body", "body"]


def test_dateline_variants_are_parsed():
    assert parse_article("T\n\nS.\n\nJune 9, 2025\n\nB.").published_at == datetime(2025, 6, 9)
    assert parse_article("T\n\nS.\n\n2025-06-09\n\nB.").published_at == datetime(2025, 6, 9)
    assert parse_article("T\n\nS.\n\nJune 9, 2025 Hour: 3:15 pm\n\nB.").published_at == datetime(2025, 6, 9, 15, 15)


def test_byline_is_read_as_author():
    article = parse_article("T\n\nBy Jane Roe\n\nBy 2023, the plan had worked.")
    assert article.author == "Jane Roe"
    assert article.segments[-1].text == "By 2023, the plan had worked."


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n\t\xa0 \n", "June 9, 2025 Hour: 10:01 am\n\nAuthor: Silvana Solano\n\nSource: TeleSUR"],
)
def test_text_without_sentences_is_rejected(text):
    with pytest.raises(SegmentationError, match="no sentences"):
        parse_article(text)


def test_split_sentences_on_a_sub_range_returns_offsets_in_the_whole_text():
    text = "Ignore this. Take this one. And this one. Ignore that."
    start, end = text.index("Take"), text.index(" Ignore that")
    spans = split_sentences(text, start, end)
    assert [text[s:e] for s, e in spans] == ["Take this one.", "And this one."]
    assert spans[0][0] == start


def test_split_sentences_rejects_a_range_outside_the_text():
    with pytest.raises(SegmentationError):
        split_sentences("Short.", 0, 99)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("“Dr. Smith arrived late.", ["“Dr. Smith arrived late."]),
        ("They resist U.S.\nsanctions and pressure.", ["They resist U.S.\nsanctions and pressure."]),
        (
            "They resist U.S. The next day, talks resumed.",
            ["They resist U.S.", "The next day, talks resumed."],
        ),
        (
            "Trade talks stalled\nuntil March. Then they resumed.",
            ["Trade talks stalled\nuntil March.", "Then they resumed."],
        ),
    ],
)
def test_split_sentences_repairs_abbreviation_and_line_break_splits(text, expected):
    assert [text[s:e] for s, e in split_sentences(text)] == expected


@pytest.mark.parametrize(
    "text, pieces, expected",
    [
        (
            "They resist U.S. pressure and U.S. Treasury rules. Trade with the U.S. The next day, talks resumed.",
            [
                "They resist U.S. ",
                "pressure and U.S. ",
                "Treasury rules. ",
                "Trade with the U.S. ",
                "The next day, talks resumed.",
            ],
            [
                "They resist U.S. pressure and U.S. Treasury rules.",
                "Trade with the U.S.",
                "The next day, talks resumed.",
            ],
        ),
        (
            "Curly “quote” here. Next one.",
            ['Curly "quote" here. ', "Next one."],
            ["Curly “quote” here.", "Next one."],
        ),
        # The dropped tail is kept, and split at its sure sentence end like any other text.
        ("First one. Second one.", ["First one. "], ["First one.", "Second one."]),
    ],
    ids=["abbreviation-splits", "altered-characters", "dropped-tail"],
)
def test_pysbd_sentences_keep_exact_offsets_whatever_pysbd_returns(monkeypatch, text, pieces, expected):
    monkeypatch.setattr(
        "annotate.segmentation._segmenter",
        lambda language: SimpleNamespace(processor=lambda chunk: SimpleNamespace(process=lambda: pieces))
    )
    assert [text[s:e] for s, e in pysbd_path(text)] == expected


def pysbd_path(text):
    """Return the sentences of one paragraph as pysbd and the repair layer make them, without the fast path."""
    spans = _split_inner_ends(text, _pysbd_spans(text, 0, len(text), "en"))
    return _merge_abbreviation_splits(text, _merge_false_splits(text, spans))


def test_plain_sentences_are_split_without_pysbd(monkeypatch):
    text = (
        "Dr. Ahmadi met the U.S. Treasury team (e.g. at the I.M.F.) on Monday. “Why?” he asked. "
        "Output rose 3.5 percent, see x.org/p?q=1 for details! Prices of oil etc. fell. It was “a disaster.” "
        "Trade went on."
    )
    expected = [sentence for sentence in pysbd_path(text)]
    monkeypatch.setattr("annotate.segmentation._segmenter", lambda language: pytest.fail("pysbd was called"))
    assert split_sentences(text) == expected
    assert len(expected) == 6


def test_only_the_stretch_that_needs_pysbd_goes_to_it(monkeypatch):
    text = "Oil rose. Trade with the U.S. The next day, talks resumed. Gold fell."
    chunks = []
    real = segmentation._segmenter("en")
    monkeypatch.setattr("annotate.segmentation._segmenter", lambda language: SimpleNamespace(
        processor=lambda chunk: chunks.append(chunk) or real.processor(chunk)
    ))
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Oil rose.", "Trade with the U.S.", "The next day, talks resumed.", "Gold fell."
    ]
    assert chunks == ["Trade with the U.S. The next day, talks resumed."]


def test_a_paragraph_with_list_items_goes_to_pysbd_whole():
    text = "We had 1) oil and 2) gold and 3) gas to sell."
    assert [text[s:e] for s, e in split_sentences(text)] == ["We had", "1) oil and", "2) gold and", "3) gas to sell."]


WORDS = ["oil", "the", "sanctions", "minister", "Iran", "Treasury", "said", "he", "at", "rose", "3.5",
         "x.org/p?q=1", "percent", "talks", "‘loaded phrase’", "(in May)", "gold"]
MARKED = ["Dr.", "Mr.", "e.g.", "U.S.", "(the I.M.F.)", "etc.", "p.m.", "No.", "St.", "Why?", "now!", "J.", "so…",
          "well...", "said.", "‘Go.’", "U.K.", "Sen.", "(U.N.)", "vs."]
OPENERS = ["The", "Dr.", "In", "U.S.", "He", "Critics", "Why"]
ENDS = [".", ".", "?", "!", "!!", "…"]


@st.composite
def paragraphs(draw):
    """Return a paragraph of sentences, some quoted (single quotes inside double), mixing words and marks."""
    sentences = []
    for _ in range(draw(st.integers(1, 5))):
        words = draw(st.lists(st.sampled_from(WORDS + MARKED), min_size=1, max_size=10))
        sentence = " ".join([draw(st.sampled_from(OPENERS)), *words]) + draw(st.sampled_from(ENDS))
        sentences.append(f"“{sentence}”" if draw(st.booleans()) else sentence)
    return " ".join(sentences)


@settings(max_examples=400, deadline=None)
@given(paragraphs())
def test_the_fast_path_splits_as_pysbd_and_the_repair_layer_do(text):
    assert split_sentences(text) == pysbd_path(text)


def test_repeated_sentences_get_distinct_offsets():
    text = "Same here. Same here. Same here."
    assert split_sentences(text) == [(0, 10), (11, 21), (22, 32)]


SENTENCES = [
    "The U.S. sanctions hit hard.",
    "They resist U.S. pressure.",
    "Dr. Smith met Mr. Jones in the U.K. on Monday.",
    "Officials cited e.g. fuel and food.",
    "He said “no” and left.",
    'She replied "maybe" at 10 a.m. sharp.',
    "Iran\xa0and Venezuela signed a deal.",
    "Trade rose 😀 by 𝔘 percent!",
    "Is this the 𝔘-turn?",
    "Why?",
    "“Together, we are weaving the new world order.”",
    "In 2020, when U.S. sanctions crippled imports, Iran stepped in.",
    "Short heading",
]
# No capitals, digits, colons or "#", so a fragment can never read as a metadata line.
# A fragment has something visible: an all-space body is "no sentences", tested on its own.
FRAGMENTS = st.text(alphabet="abc xyz.!?,;“”‘’\"'()…😀𝔘\xa0\u2003\t-", min_size=1, max_size=15).filter(
    lambda fragment: not fragment.isspace()
)
SPACE = st.sampled_from([" ", "  ", "\xa0", " \xa0 ", "\t", "\n", " \r\n ", "\u3000"])
PARAGRAPH_BREAK = st.sampled_from(["\n\n", "\n \n", "\n\xa0\n", "\n\n\n", "\r\n\r\n"])


@st.composite
def articles(draw):
    """Draw an article body: paragraphs of sentences and fragments, joined by stray whitespace."""
    paragraphs = []
    for _ in range(draw(st.integers(1, 6))):
        pieces = draw(st.lists(st.sampled_from(SENTENCES) | FRAGMENTS, min_size=1, max_size=5))
        if draw(st.booleans()):
            pieces.append(pieces[0])  # a sentence repeated inside its paragraph
        paragraph = pieces[0]
        for piece in pieces[1:]:
            paragraph += draw(SPACE) + piece
        paragraphs.append(paragraph)
    if draw(st.booleans()):
        paragraphs.append(paragraphs[0])  # a whole paragraph repeated
    text = draw(SPACE) + paragraphs[0]
    for paragraph in paragraphs[1:]:
        text += draw(PARAGRAPH_BREAK) + paragraph
    return text + draw(st.sampled_from(["", " ", "\n", "\xa0\n"]))


@settings(max_examples=200, deadline=None)
@given(body=articles(), metadata=st.booleans())
def test_segments_cover_any_body_exactly_once(body, metadata):
    text = body + ("\n\nAuthor: Jane Roe\n\nSource: Wire" if metadata else "")
    article = parse_article(text)
    assert article.text == text
    assert_segments_well_formed(text, article.segments, [(0, len(body))])
    assert article.author == ("Jane Roe" if metadata else "")


@settings(max_examples=200, deadline=None)
@given(text=articles(), data=st.data())
def test_split_sentences_covers_any_sub_range(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert_well_formed(text, split_sentences(text, start, end), [(start, end)])
