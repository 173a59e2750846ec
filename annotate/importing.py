"""Turn an article file into a Document and its Segments, atomically."""

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from annotate.models import Document, Segment, Source
from annotate.segmentation import SegmentationError, parse_article

ARTICLE_SUFFIXES = (".txt", ".md")
# Past this, paragraphs are split by the simple rule, so an upload ends well inside gunicorn's 30 s timeout;
# an ordinary article at the size limit needs about two thirds of it.
SPLIT_SECONDS = 20
# SemEval's propaganda corpora name each article file after its id: article111111111.txt.
SEMEVAL_NAME = re.compile(r"article([0-9]+)")
EXTERNAL_ID_MAX = Document._meta.get_field("external_id").max_length


class ArticleImportError(Exception):
    """An article that cannot be imported; the message names the file and the problem."""

    def __init__(self, name, problem, field="file"):
        self.name = name
        self.problem = problem
        self.field = field  # the upload field an API answer names
        super().__init__(f"{name}: {problem}")


@dataclass(frozen=True)
class ImportResult:
    document: Document
    created: bool  # False when the same text was already in the project


def check_size(name, size):
    """Refuse an article over the size limit, before its bytes are read into memory."""
    limit = settings.ARTICLE_MAX_BYTES
    if size > limit:
        raise ArticleImportError(name, f"file is {size:,} bytes, over the {limit:,}-byte limit")


def decode_article(name, raw):
    """Return the text of an uploaded or read file, or raise ArticleImportError."""
    suffix = Path(name).suffix.lower()
    if suffix not in ARTICLE_SUFFIXES:
        raise ArticleImportError(name, f"unsupported file type '{suffix or 'none'}' (use .txt or .md)")
    check_size(name, len(raw))
    if not raw.strip():
        raise ArticleImportError(name, "file is empty")
    if b"\x00" in raw:
        raise ArticleImportError(name, "file looks binary (it contains NUL bytes), not UTF-8 text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleImportError(
            name, f"file is not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start})"
        ) from None


def read_article(path):
    """Read an article file from disk, refusing oversized files before reading them."""
    path = Path(path)
    if not path.is_file():
        raise ArticleImportError(str(path), "no such file")
    check_size(str(path), path.stat().st_size)
    return path.read_bytes()


def external_id_from_name(name):
    """Return the collection's id that a file name carries ("111111111" for article111111111.txt), or ""."""
    found = SEMEVAL_NAME.fullmatch(Path(name).stem)
    return found.group(1) if found else ""


def import_article(*, project, name, raw, source_name="", external_id="", user=None):
    """Import one article into a project in one transaction; a repeated text is reported, not duplicated.

    The external id (the article's id in its collection) is taken from a SemEval-style file name unless given,
    so exports can name the article as the collection does.
    """
    text = decode_article(name, raw)
    external_id = external_id or external_id_from_name(name)
    if len(external_id) > EXTERNAL_ID_MAX:
        raise ArticleImportError(name, f"external id is {len(external_id):,} characters, over {EXTERNAL_ID_MAX}",
                                 field="external_id")
    if not external_id.isprintable():
        # The id is the first column of tab-separated exports: a tab or line break there would break the file.
        raise ArticleImportError(name, "external id must be printable characters on one line, without tabs",
                                 field="external_id")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    # By primary key: the default ordering by project would join the project table for a row the key finds alone.
    existing = Document.objects.filter(project=project, text_sha256=digest).order_by("pk").first()
    if existing is not None:
        return ImportResult(existing, created=False)
    try:
        article = parse_article(
            text, markdown=name.lower().endswith(".md"), deadline=time.monotonic() + SPLIT_SECONDS
        )
    except SegmentationError as error:
        raise ArticleImportError(name, str(error)) from None
    if len(article.segments) > settings.ARTICLE_MAX_SEGMENTS:
        # Saving is linear too, but a million one-dot "sentences" would outlast any request timeout.
        raise ArticleImportError(name, f"splits into {len(article.segments):,} sentences, over the limit of "
                                       f"{settings.ARTICLE_MAX_SEGMENTS:,}: split it into several files")
    try:
        Document._meta.get_field("url").run_validators(article.url)
    except ValidationError as error:
        raise ArticleImportError(name, f"URL line: {' '.join(error.messages)}") from None
    published_at = article.published_at.replace(tzinfo=UTC) if article.published_at else None
    source_name = (source_name or article.source_name).strip()
    with transaction.atomic():
        source = Source.objects.get_or_create(name=source_name)[0] if source_name else None
        document = Document.objects.create(
            project=project,
            source=source,
            title=article.title[:500],
            standfirst=article.standfirst,
            author=article.author[:200],
            published_at=published_at,
            url=article.url,
            filename=Path(name).name[:255],
            external_id=external_id,
            text=text,
            text_sha256=digest,
            import_warnings=article.warnings,
            imported_by=user,
        )
        insert_segments(document, article.segments)
    return ImportResult(document, created=True)


def insert_segments(document, spans):
    """Insert a new document's segments with one prepared statement, without a model instance per row.

    Building and preparing 20,000 Segment instances cost more than splitting their text; the rows are plain
    values, and the database still checks every constraint on them.
    """
    meta = Segment._meta
    names = ("document", "index", "kind", "paragraph", "start", "end", "text")
    columns = [meta.get_field(name).column for name in names]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(document.pk, index, span.kind, span.paragraph, span.start, span.end, span.text)
                                 for index, span in enumerate(spans)])


def article_paths(paths):
    """Expand directories into the article files they contain, in name order."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
        else:
            yield path
