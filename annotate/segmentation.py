"""Split article text into title, standfirst, metadata and sentence segments.

No Django imports: the importer calls this and stores the result. Offsets are
Unicode code points into the input, end exclusive, and the input is never
changed, so ``text[start:end]`` always gives a segment back.
"""

import functools
import re
from dataclasses import dataclass
from datetime import datetime

import pysbd

MONTHS = "january february march april may june july august september october november december".split()

HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 100
# A line ending in one of these reads as a sentence, a quote or a label, not a heading.
CLOSING_PUNCTUATION = ".!?:;,”\"’')…"
OPENING_PUNCTUATION = "“‘\"'([«"

# A title or a Latin abbreviation is never the last word of a sentence.
NEVER_FINAL = frozenset(
    "mr. mrs. ms. dr. prof. sen. rep. gov. gen. col. capt. lt. sgt. rev. pres. hon. e.g. i.e. cf. vs. viz.".split()
)
ABBREVIATIONS = NEVER_FINAL | frozenset(
    "etc. no. nos. st. inc. ltd. corp. co. approx. est. dept. jan. feb. mar. apr. jun. jul. aug. "
    "sep. sept. oct. nov. dec. a.m. p.m.".split()
)
# Capitalised words that usually start a new sentence after "U.S." rather than continue it.
SENTENCE_OPENERS = frozenset(
    "the a an this that these those it its he his she her they their we our i you "
    "but and or so yet then there however meanwhile in on at for as if when while after "
    "before since although though despite during".split()
)

INITIALISM_RE = re.compile(r"(?:[A-Za-z]\.){2,}")
COUNTRY_INITIALISM_RE = re.compile(r"(?:[A-Z]\.){2,}")
MARKDOWN_HEADING_RE = re.compile(r" {0,3}(#{1,6})[ \t]+")
DATELINE_RE = re.compile(
    r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"
    r"(?:\s+Hour:\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?)?",
    re.IGNORECASE,
)
ISO_DATE_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::\d{2})?)?"
)
AUTHOR_RE = re.compile(r"(?i:authors?\s*:|written\s+by)\s*(?P<value>\S.*)")
# Only capitalised words, so "By 2023, the partnership..." stays a sentence.
BYLINE_RE = re.compile(r"By\s+(?P<value>[A-Z][\w.'’-]*(?:\s+(?:and\s+)?[A-Z][\w.'’-]*){0,5})")
SOURCE_RE = re.compile(r"(?i:source)\s*:\s*(?P<value>\S.*)")
URL_RE = re.compile(r"(?i:url)\s*:\s*(?P<value>\S+)")


class SegmentationError(ValueError):
    """Raised when a text cannot be split into segments."""


@dataclass(frozen=True)
class SegmentSpan:
    """One title, standfirst or body sentence, or one heading, located in the full text."""

    start: int
    end: int
    kind: str  # "title" | "standfirst" | "heading" | "body"
    paragraph: int  # 0-based block index, in text order
    text: str  # == full text[start:end]


@dataclass(frozen=True)
class ParsedArticle:
    """An article split into metadata and segments, with the text it was split from."""

    text: str  # the input, verbatim
    title: str
    standfirst: str
    author: str
    source_name: str
    published_at: datetime | None
    segments: list[SegmentSpan]
    url: str = ""


@functools.cache
def _segmenter(language):
    return pysbd.Segmenter(language=language, clean=False)


def split_sentences(
    text: str, start: int = 0, end: int | None = None, *, language: str = "en"
) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences in text[start:end], as offsets into text."""
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise SegmentationError(f"range {start}:{end} is outside the text")
    # pysbd ends a sentence at every line break, which cuts hard-wrapped lines apart; a
    # space keeps the length, so offsets in chunk are offsets in text minus start.
    chunk = text[start:end].translate({ord("\n"): " ", ord("\r"): " "})
    if not chunk.strip():
        return []
    spans, cursor, length = [], 0, len(chunk)
    # pysbd's own char_span points every repeated sentence at its first occurrence, and its
    # segment() searches the text again with a fresh regex per sentence; this loop locates
    # the processor's sentences itself, which is exact and several times faster.
    for sentence in _segmenter(language).processor(chunk).process():
        sentence = sentence.strip()
        pos = _skip_space(chunk, cursor, length)
        if not sentence or pos == length:
            continue
        if chunk.startswith(sentence, pos):
            cursor = pos + len(sentence)
        else:
            # pysbd changed some characters: take as many visible characters as it returned.
            cursor = _advance(chunk, pos, length, sum(not c.isspace() for c in sentence))
        spans.append((start + pos, start + cursor))
    tail = _skip_space(chunk, cursor, length)
    if tail < length:
        # Whatever pysbd dropped at the end still belongs to the text.
        tail_end = start + _rstrip(chunk, tail, length)
        spans[-1:] = [(spans[-1][0], tail_end)] if spans else [(start + tail, tail_end)]
    return _merge_abbreviation_splits(text, spans)


def parse_article(text: str, *, markdown: bool = False, language: str = "en") -> ParsedArticle:
    """Split an article into title, standfirst, metadata and sentence segments."""
    blocks, datelines, meta = _read_blocks(text, markdown)
    if not blocks:
        raise SegmentationError("no sentences found")
    title_at = 0
    if markdown:
        title_at = next((i for i, block in enumerate(blocks) if block[0][2] == 1), 0)
    # The title is one line; the rest of its block is the next paragraph.
    first, *rest = blocks[title_at]
    blocks[title_at : title_at + 1] = [[first], rest] if rest else [[first]]
    # A standfirst is the paragraph between the title and the dateline.
    standfirst_at = None
    if title_at + 1 < len(blocks):
        after = blocks[title_at + 1][-1][1]
        before = blocks[title_at + 2][0][0] if title_at + 2 < len(blocks) else len(text)
        if any(after < d < before for d in datelines):
            standfirst_at = title_at + 1

    segments, standfirst = [], ""
    for paragraph, block in enumerate(blocks):
        start, end = block[0][0], block[-1][1]
        if paragraph == title_at:
            spans, kind = [(start, end)], "title"
        elif paragraph == standfirst_at:
            spans, kind = split_sentences(text, start, end, language=language), "standfirst"
            standfirst = text[start:end]
        elif len(block) == 1 and (block[0][2] or _looks_like_heading(text[start:end])):
            spans, kind = [(start, end)], "heading"
        else:
            spans, kind = split_sentences(text, start, end, language=language), "body"
        segments += [SegmentSpan(s, e, kind, paragraph, text[s:e]) for s, e in spans]
    title = text[blocks[title_at][0][0] : blocks[title_at][0][1]]
    return ParsedArticle(text, title, standfirst, segments=segments, **meta)


def _read_blocks(text, markdown):
    """Return the paragraphs as lists of (start, end, level) lines, dateline offsets and metadata."""
    meta = {"author": "", "source_name": "", "published_at": None, "url": ""}
    blocks, datelines, current = [], [], None
    for start, end, level in _lines(text, markdown):
        if start == end:
            current = None
        elif not level and (found := _metadata(text[start:end])):
            key, value = found
            if key == "published_at":
                datelines.append(start)
            meta[key] = meta[key] or value
            current = None
        else:
            # A markdown heading stands alone even without blank lines around it.
            if level or current is None or current[-1][2]:
                current = []
                blocks.append(current)
            current.append((start, end, level))
    return blocks, datelines, meta


def _lines(text, markdown):
    """Yield (start, end, level) of each line's content; level is its markdown heading level or 0."""
    pos = 0
    for raw in text.split("\n"):
        start, end, level = pos, pos + len(raw), 0
        pos = end + 1
        if markdown and (m := MARKDOWN_HEADING_RE.match(text, start, end)):
            start, level = m.end(), len(m[1])
        start = _skip_space(text, start, end)
        yield start, _rstrip(text, start, end), level


def _metadata(line):
    """Return (field, value) if line is a dateline, author, source or URL line, else None."""
    if (published_at := _parse_dateline(line)) is not None:
        return "published_at", published_at
    if m := AUTHOR_RE.fullmatch(line) or BYLINE_RE.fullmatch(line):
        return "author", m["value"].strip()
    if m := SOURCE_RE.fullmatch(line):
        return "source_name", m["value"].strip()
    if m := URL_RE.fullmatch(line):
        return "url", m["value"]
    return None


def _parse_dateline(line):
    """Return the naive datetime a dateline gives, or None if line is not a dateline."""
    if m := ISO_DATE_RE.fullmatch(line):
        month = int(m["month"])
    elif m := DATELINE_RE.fullmatch(line):
        name = m["month"].lower()
        month = next((i for i, full in enumerate(MONTHS, 1) if full.startswith(name)), None)
    else:
        return None
    hour, minute = int(m["hour"] or 0), int(m["minute"] or 0)
    if ampm := m.groupdict().get("ampm"):
        hour = hour % 12 + (12 if ampm[0].lower() == "p" else 0)
    try:
        return datetime(int(m["year"]), month, int(m["day"]), hour, minute)
    except (TypeError, ValueError):  # an unknown month name or an impossible date
        return None


def _looks_like_heading(line):
    """Return whether a one-line paragraph reads as a section heading."""
    return (
        len(line) <= HEADING_MAX_CHARS
        and len(line.split()) <= HEADING_MAX_WORDS
        and line[-1] not in CLOSING_PUNCTUATION
    )


def _merge_abbreviation_splits(text, spans):
    """Join sentences that pysbd ended after an abbreviation that does not end them."""
    merged = []
    for start, end in spans:
        if merged and _continues(text[merged[-1][0] : merged[-1][1]], text[start:end]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _continues(previous, following):
    """Return whether following continues the sentence previous ended with an abbreviation."""
    token = previous.split()[-1].lstrip(OPENING_PUNCTUATION)
    if token.lower() not in ABBREVIATIONS and not INITIALISM_RE.fullmatch(token):
        return False
    word = following.split()[0].lstrip(OPENING_PUNCTUATION)
    if not word[:1].isupper() or token.lower() in NEVER_FINAL:
        return True
    # "U.S. Treasury" goes on; "the U.S. The next day" starts anew.
    opener = word.rstrip(",.;:").lower() in SENTENCE_OPENERS
    return bool(COUNTRY_INITIALISM_RE.fullmatch(token)) and not opener


def _skip_space(text, pos, end):
    """Return the first position at or after pos that is not whitespace, or end."""
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _rstrip(text, start, end):
    """Return end moved back over trailing whitespace, but not before start."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _advance(text, pos, end, count):
    """Return the position just after the count-th non-whitespace character from pos."""
    while pos < end and count:
        count -= not text[pos].isspace()
        pos += 1
    return pos
