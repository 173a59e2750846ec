"""Split article text into title, standfirst, metadata and sentence segments.

No Django imports: the importer calls this and stores the result. Offsets are
Unicode code points into the input, end exclusive, and the input is never
changed, so ``text[start:end]`` always gives a segment back.
"""

import functools
import re
import time
from dataclasses import dataclass
from datetime import datetime

import pysbd
from pysbd.lang.english import English

MONTHS = "january february march april may june july august september october november december".split()

HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 100
# A line ending in one of these reads as a sentence, a quote or a label, not a heading.
CLOSING_PUNCTUATION = ".!?:;,”\"’')…"
OPENING_PUNCTUATION = "“‘\"'([«"
# What may close a sentence after its final punctuation: quotes and brackets.
CLOSING_QUOTES = "”’\"')]»"
DASHES = "—–"
# Verbs of saying: in '"Why?" Mary asked.' the quote and the name are one sentence.
SPEECH_VERBS = frozenset(
    "said says asked asks added adds replied replies told tells wrote writes shouted yelled insisted cried "
    "recalled explained warned argued admitted".split()
)
TITLE_MAX_EXTRA_LINES = 2

# A title or a Latin abbreviation is never the last word of a sentence.
NEVER_FINAL = frozenset(
    "mr. mrs. ms. dr. prof. sen. rep. gov. gen. col. capt. lt. sgt. rev. pres. hon. e.g. i.e. cf. vs. viz.".split()
)
ABBREVIATIONS = NEVER_FINAL | frozenset(
    "etc. no. nos. st. inc. ltd. corp. co. approx. est. dept. jan. feb. mar. apr. jun. jul. aug. "
    "sep. sept. oct. nov. dec. a.m. p.m.".split()
)
# Capitalised words that usually start a new sentence after "U.S." rather than continue it.
NOT_SENTENCE_FINAL = ABBREVIATIONS | frozenset(
    f"{abbreviation}." for abbreviation in English.Abbreviation.ABBREVIATIONS
)
SENTENCE_OPENERS = frozenset(
    "the a an this that these those it its he his she her they their we our i you "
    "but and or so yet then there however meanwhile in on at for as if when while after "
    "before since although though despite during nobody no none nothing someone somebody everyone everybody".split()
)

# Where a paragraph too long for pysbd may be cut: a word of two letters or more that is not an
# abbreviation, a full stop, question or exclamation mark, a space, then a capital.
SURE_END_RE = re.compile(r"(?<![\w.])(?P<word>[^\W\d_]{2,})[.!?]\s+(?=[\"“‘(]?[A-Z])")
# The simple rule for text pysbd cannot split cheaply: a sentence ends at punctuation before a space.
SIMPLE_END_RE = re.compile(r"(?:(?<![\w.])(?P<initial>[A-Z]))?(?:[.!?…]+)[\"”’')\]]*(?=\s)")
# A sentence end that pysbd leaves inside a quotation or after a run of ? and !: final punctuation,
# closing quotes or brackets, space, then opening quotes or brackets and a capital.
INNER_END_RE = re.compile(r"(?P<punct>[.!?…]+)(?P<close>[”’\"')\]»]*)(?=\s+[“‘\"'(\[«]*[A-Z])")
# A sentence end that needs no splitter: a word of two letters or more that is not an abbreviation, a full
# stop, question or exclamation mark, any closing quotes or brackets, then a space and a capital.
FAST_END_RE = re.compile(r"(?<![\w.])(?P<word>[^\W\d_]{2,})[.!?][”’\"')\]»]*(?=\s+[\"“‘(]?[A-Z])")
# Sentence punctuation, which decides whether a stretch needs the full splitter, and the rest of its word.
MARK_RE = re.compile(r"[.!?…]")
WORD_REST_RE = re.compile(r"\S*")
# List items ("1)", "(a)", "iv.") are sentences to pysbd even without punctuation.
LIST_END_RE = re.compile(r"[.)](?!\S)")
LIST_MARK_RE = re.compile(r"\(?(?:\d{1,3}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,6})[.)]")
TOO_DENSE = "they hold runs of abbreviations, initials or dots that the full splitter takes too long over"
OUT_OF_TIME = "the full splitter ran out of time on this article"
PIECE_MAX_CHARS = 4000
PIECE_MAX_WORK = 200_000  # characters times dots; about 50 ms of pysbd at most

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
    warnings: list[str]  # what a reader should check, e.g. paragraphs split by the simple rule
    url: str = ""


@functools.cache
def _segmenter(language):
    return pysbd.Segmenter(language=language, clean=False)


def split_sentences(
    text: str, start: int = 0, end: int | None = None, *, language: str = "en"
) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences in text[start:end], as offsets into text."""
    return _split(text, start, end, language)[0]


def _split(text, start, end, language, deadline=None):
    """Return the sentence offsets in text[start:end] and why the simple rule split any of it, or ""."""
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise SegmentationError(f"range {start}:{end} is outside the text")
    spans, reason = [], ""
    for piece_start, piece_end in _pieces(text, start, end):
        if deadline is not None and time.monotonic() > deadline:
            spans += _simple_spans(text, piece_start, piece_end)
            reason = OUT_OF_TIME
        elif _pysbd_work(text, piece_start, piece_end) > PIECE_MAX_WORK:
            spans += _simple_spans(text, piece_start, piece_end)
            reason = reason or TOO_DENSE
        else:
            spans += _fast_spans(text, piece_start, piece_end, language)
    return _merge_abbreviation_splits(text, _merge_false_splits(text, spans)), reason


def _pysbd_work(text, start, end):
    """Return an estimate of pysbd's work on text[start:end]: each dot may cost a pass over it all."""
    return (end - start) * (1 + text.count(".", start, end))


def _pieces(text, start, end):
    """Yield (start, end) of stretches of text[start:end] short and cheap enough for pysbd, cut at sure sentence ends.

    pysbd rewrites the whole text once for every abbreviation in it, so its time grows with the square of a
    paragraph's length; a paragraph under both limits is one piece, so ordinary text splits as it always did.
    """
    if end - start <= PIECE_MAX_CHARS and _pysbd_work(text, start, end) <= PIECE_MAX_WORK:
        yield start, end
        return
    piece, best, dots, opened = start, None, 0, 0
    previous = start
    for m in SURE_END_RE.finditer(text, start, end):
        cut = m.end()
        if m["word"].lower() + "." in NOT_SENTENCE_FINAL:
            continue
        dots, opened = dots + text.count(".", previous, cut), opened + _opened(text, previous, cut)
        previous = cut
        if cut - piece <= PIECE_MAX_CHARS and (cut - piece) * (1 + dots) <= PIECE_MAX_WORK:
            if not opened:
                best = cut
            continue
        # This end is too far: cut at the last sure end that fitted, or here if none did.
        cut_at = best if best is not None else cut
        yield piece, _rstrip(text, piece, cut_at)
        piece, best = cut_at, None
        dots, opened = text.count(".", piece, cut), _opened(text, piece, cut)
        if cut > piece and not opened and (cut - piece) * (1 + dots) <= PIECE_MAX_WORK:
            best = cut
    if best is not None and (end - piece > PIECE_MAX_CHARS or _pysbd_work(text, piece, end) > PIECE_MAX_WORK):
        yield piece, _rstrip(text, piece, best)
        piece = best
    yield piece, end


def _opened(text, start, end):
    """Return how many quotes and brackets text[start:end] leaves open; pysbd never splits inside them."""
    return (
        text.count("“", start, end) - text.count("”", start, end)
        + text.count("(", start, end) - text.count(")", start, end)
        + text.count('"', start, end) % 2
    )


def _pysbd_spans(text, start, end, language):
    """Return pysbd's sentences of text[start:end] as offsets into text."""
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
    return spans


def _fast_spans(text, start, end, language):
    """Return the sentences of text[start:end], sending pysbd only the stretches that need it.

    The text is cut at sure sentence ends outside quotes and brackets, where pysbd and the repair layer
    always end a sentence; a stretch between two of them whose punctuation can only mean one thing (see
    _plain) is one sentence as it stands, and any other goes through pysbd and the layer as before.
    """
    if any(LIST_MARK_RE.fullmatch(_last_word(text, start, m.end())) for m in LIST_END_RE.finditer(text, start, end)):
        return _split_inner_ends(text, _pysbd_spans(text, start, end, language))
    spans, sentence = [], _skip_space(text, start, end)
    for m in FAST_END_RE.finditer(text, sentence, end):
        cut, following = m.end(), _skip_space(text, m.end(), end)
        if (
            m["word"].lower() + "." in NOT_SENTENCE_FINAL
            or _opened(text, sentence, cut) > 0
            or _speaker_follows(text, cut, following)
        ):
            continue
        spans += _stretch_spans(text, sentence, cut, language)
        sentence = following
    if sentence < end:
        spans += _stretch_spans(text, sentence, _rstrip(text, sentence, end), language)
    return spans


def _stretch_spans(text, start, end, language):
    """Return the sentences of a stretch between sure ends: itself if plain, else pysbd's and the layer's."""
    if _plain(text, start, end):
        return [(start, end)]
    return _split_inner_ends(text, _pysbd_spans(text, start, end, language))


def _plain(text, start, end):
    """Return whether no sentence can end inside text[start:end] (a stretch ending at a sure end or the paragraph's).

    Each mark is one the repair layer always joins, whatever pysbd does there: a title or Latin abbreviation
    ("Dr.", "e.g."); an abbreviation or initialism before a word that does not start with a capital, or a
    country's initials before a capital that does not open a sentence ("U.S. Treasury"); a question or
    exclamation mark before a lower-case word; a mark inside a word ("3.5", "x.org/p?q=1"). Initials closed
    by a bracket before a lower-case word ("(the I.M.F.) said") are the one case left to pysbd's own rule
    (it never splits there); a paragraph with list items ("1)", "(a)") goes to pysbd whole, as they are
    sentences to it.
    """
    pos = start
    while m := MARK_RE.search(text, pos, end):
        word_start, pos = m.start(), WORD_REST_RE.match(text, m.end(), end).end()
        while word_start > start and not text[word_start - 1].isspace():
            word_start -= 1
        word = text[word_start:pos]
        run = len(word.rstrip(CLOSING_QUOTES))
        core = word[:run].rstrip(".!?…")
        if not _marks_inside_join(core.lstrip(OPENING_PUNCTUATION)):
            return False
        if pos == end:
            continue  # the sure end itself, or the paragraph's end
        marks, closing = word[len(core) : run], word[run:]
        if not _mark_joins(text, core.lstrip(OPENING_PUNCTUATION), marks, closing, _skip_space(text, pos, end)):
            return False
    return True


def _marks_inside_join(core):
    """Return whether every mark inside a word comes before a character the layer joins after, or is an initial."""
    if INITIALISM_RE.fullmatch(core + "."):
        return True
    for pos, char in enumerate(core):
        if char in ".!?…":
            following = core[pos + 1 : pos + 2]
            if not following or following.isupper() or following in OPENING_PUNCTUATION or following in ".!?…":
                return False
    return True


def _mark_joins(text, core, marks, closing, following):
    """Return whether the layer always joins the sentence across marks after core, before the word at following."""
    if not marks:
        return True
    first = text[following]
    word = _first_word(text, following, min(len(text), following + 80)).lstrip(OPENING_PUNCTUATION)
    if marks in ("?", "!"):
        return first.islower()
    if marks != ".":
        return False
    token = core + "."
    abbreviated = token.lower() in ABBREVIATIONS or INITIALISM_RE.fullmatch(token)
    if closing:
        return closing == ")" and bool(INITIALISM_RE.fullmatch(token)) and word[:1].islower()
    if token.lower() in NEVER_FINAL or (abbreviated and not word[:1].isupper()):
        return True
    return bool(COUNTRY_INITIALISM_RE.fullmatch(token)) and word.rstrip(",.;:").lower() not in SENTENCE_OPENERS


def _simple_spans(text, start, end):
    """Return the sentences of text[start:end] ended by . ! ? or … before a space, except after an initial."""
    spans, sentence = [], _skip_space(text, start, end)
    for m in SIMPLE_END_RE.finditer(text, sentence, end):
        if m["initial"] or m.end() <= sentence:
            continue
        spans.append((sentence, m.end()))
        sentence = _skip_space(text, m.end(), end)
    if sentence < end:
        spans.append((sentence, _rstrip(text, sentence, end)))
    return spans


def parse_article(
    text: str, *, markdown: bool = False, language: str = "en", deadline: float | None = None
) -> ParsedArticle:
    """Split an article into title, standfirst, metadata and sentence segments.

    After deadline (a time.monotonic() value) the remaining paragraphs are split by the simple rule.
    """
    blocks, datelines, meta = _read_blocks(text, markdown)
    if not blocks:
        raise SegmentationError("no sentences found")
    title_at = 0
    if markdown:
        title_at = next((i for i, block in enumerate(blocks) if block[0][2] == 1), 0)
    # A headline may be broken over a few short lines; the rest of its block is the next paragraph.
    title_lines = _title_lines(text, blocks[title_at])
    rest = blocks[title_at][len(title_lines) :]
    blocks[title_at : title_at + 1] = [title_lines, rest] if rest else [title_lines]
    # A standfirst is the paragraph between the title and the dateline.
    standfirst_at = None
    if title_at + 1 < len(blocks):
        after = blocks[title_at + 1][-1][1]
        before = blocks[title_at + 2][0][0] if title_at + 2 < len(blocks) else len(text)
        if any(after < d < before for d in datelines):
            standfirst_at = title_at + 1

    segments, standfirst, simple = [], "", {}
    for paragraph, block in enumerate(blocks):
        start, end = block[0][0], block[-1][1]
        if paragraph == title_at:
            spans, kind = [(start, end)], "title"  # one segment, line breaks and all
        elif len(block) == 1 and paragraph != standfirst_at and (
            block[0][2] or (end - start <= HEADING_MAX_CHARS and _looks_like_heading(text[start:end]))
        ):
            spans, kind = [(start, end)], "heading"
        else:
            spans, reason = _split(text, start, end, language, deadline)
            kind = "standfirst" if paragraph == standfirst_at else "body"
            if reason:
                simple.setdefault(reason, []).append(paragraph + 1)
        if kind == "standfirst":
            standfirst = text[start:end]
        segments += [SegmentSpan(s, e, kind, paragraph, text[s:e]) for s, e in spans]
    title = " ".join(text[start:end] for start, end, _ in blocks[title_at])
    warnings = [
        f"Sentences in {_paragraph_list(numbers)} were split at every full stop, question or exclamation mark "
        f"before a space, as {reason}: check their boundaries."
        for reason, numbers in simple.items()
    ]
    return ParsedArticle(text, title, standfirst, segments=segments, warnings=warnings, **meta)


def _title_lines(text, block):
    """Return the lines of the first block that make the title: the first, and short lines that follow it.

    A headline wrapped over two or three lines would otherwise become a title and a heading; a following line
    that reads as a sentence (long, or ending in punctuation) starts the body instead.
    """
    lines = block[:1]
    for line in block[1 : 1 + TITLE_MAX_EXTRA_LINES]:
        if line[2] or not _looks_like_heading(text[line[0] : line[1]]):
            break
        lines.append(line)
    return lines


def _paragraph_list(numbers, shown=5):
    """Return 'paragraph 3' or 'paragraphs 3, 7 and 9', naming only the first few of a long list."""
    if len(numbers) == 1:
        return f"paragraph {numbers[0]}"
    if len(numbers) > shown:
        return f"paragraphs {', '.join(map(str, numbers[:shown]))} and {len(numbers) - shown:,} more"
    return f"paragraphs {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


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


def _merge_false_splits(text, spans):
    """Join or mend sentences cut where no sentence ends.

    pysbd cuts before a dash ("!—he said"), inside a run of ? and ! and inside a word ("p?q=1"), and may
    start a sentence with the closing quote of the one before; a closing quote stays with its sentence.
    """
    mended = []
    for start, end in spans:
        if mended:
            previous_start, previous_end = mended[-1]
            closing = _closing_run(text, start, end)
            if closing == end or _joins(text, previous_end, start):
                mended[-1] = (previous_start, end)
                continue
            if closing > start:
                mended[-1] = (previous_start, closing)
                start = _skip_space(text, closing, end)
        mended.append((start, end))
    return mended


def _closing_run(text, start, end):
    """Return the end of the closing quotes and brackets that open text[start:end] if a space follows them."""
    pos = start
    while pos < end and text[pos] in CLOSING_QUOTES:
        pos += 1
    if pos == start or (pos < end and not text[pos].isspace()):
        return start
    return pos


def _joins(text, previous_end, start):
    """Return whether a sentence starting at start merely goes on with the one ending at previous_end."""
    first = text[start]
    if first in DASHES or first in "?!.…":
        return True
    if previous_end == start:  # no space between: a cut inside a word or an address
        return not (first.isupper() or first in OPENING_PUNCTUATION)
    return (first.islower() and _ends_in_mark(text, previous_end)) or _speaker_follows(text, previous_end, start)


def _speaker_follows(text, quote_end, start):
    """Return whether a quoted question or exclamation is attributed after it: '"Why?" Mary Ortiz asked.'

    Only after ? or !: a quoted statement is attributed after a comma, so '"We won." Critics said...' is two.
    """
    if text[quote_end - 1] not in "\"”’'" or not _ends_in_mark(text, quote_end):
        return False
    words = text[start : start + 80].split()[:3]
    if not words or words[0].lower() in SENTENCE_OPENERS:
        return False
    return any(word.strip(",.;:").lower() in SPEECH_VERBS for word in words[1:])


def _ends_in_mark(text, end):
    """Return whether the text before end ends with ? or ! followed only by closing quotes."""
    pos = end
    while pos > 0 and text[pos - 1] in CLOSING_QUOTES:
        pos -= 1
    return pos > 0 and text[pos - 1] in "?!"


def _split_inner_ends(text, spans):
    """Split pysbd's sentences at the sure ends it leaves whole: inside quotations and after ??? or ?!."""
    result = []
    for start, end in spans:
        sentence = start
        for m in INNER_END_RE.finditer(text, start, end):
            if _ends_sentence(text, sentence, m):
                result.append((sentence, m.end()))
                sentence = _skip_space(text, m.end(), end)
        result.append((sentence, end))
    return result


def _ends_sentence(text, sentence_start, m):
    """Return whether the punctuation matched by INNER_END_RE ends a sentence."""
    if m["punct"] == ".":
        # An abbreviation, an initial or an initialism is left to pysbd and the abbreviation repair.
        token = _last_word(text, sentence_start, m.end("punct")).lstrip(OPENING_PUNCTUATION)
        if token.lower() in NOT_SENTENCE_FINAL or INITIALISM_RE.fullmatch(token) or len(token) <= 2:
            return False
    return not _speaker_follows(text, m.end(), _skip_space(text, m.end(), len(text)))


def _merge_abbreviation_splits(text, spans):
    """Join sentences that pysbd ended after an abbreviation that does not end them."""
    merged = []
    for start, end in spans:
        if merged and _continues(_last_word(text, *merged[-1]), _first_word(text, start, end)):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _last_word(text, start, end):
    """Return the last whitespace-separated word of text[start:end], reading only that word."""
    pos = end
    while pos > start and not text[pos - 1].isspace():
        pos -= 1
    return text[pos:end]


def _first_word(text, start, end):
    """Return the first whitespace-separated word of text[start:end], reading only that word."""
    start = _skip_space(text, start, end)
    pos = start
    while pos < end and not text[pos].isspace():
        pos += 1
    return text[start:pos]


def _continues(token, word):
    """Return whether a sentence ending in token, then one starting with word, are one sentence."""
    token = token.lstrip(OPENING_PUNCTUATION)
    if token.lower() not in ABBREVIATIONS and not INITIALISM_RE.fullmatch(token):
        return False
    word = word.lstrip(OPENING_PUNCTUATION)
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
