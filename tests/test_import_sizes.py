"""Long and pathological articles: bounded splitting, listing cost, and failed uploads that save nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotate.importing import ArticleImportError, import_article
from annotate.models import Document, Segment
from annotate.segmentation import (
    PIECE_MAX_CHARS,
    _merge_abbreviation_splits,
    _pysbd_spans,
    parse_article,
    split_sentences,
)
from tests.api_helpers import client_for
from tests.conftest import SEED

ABBREVIATIONS = (
    "Dr. J. R. R. Smith of the U.S. Dept. of St. etc. met Mr. A. B. Jones.... Then e.g. the U.K. Ltd. said no. "
)
ORDINARY = (
    "Officials in Caracas said the shipment arrived on Monday after weeks of delay. "
    "The U.S. Treasury did not comment on the report. "
    "Dr. Ahmadi told reporters that the refinery would resume work within days. "
    "Analysts expect oil output to rise again by the end of the year. "
)


def repeated(pattern, size):
    """Return a title line and one paragraph of pattern repeated to size characters, without line breaks."""
    return "A long article\n\n" + (pattern * (size // len(pattern) + 1))[:size].rstrip()


def assert_segments_slice(document):
    segments = list(document.segments.order_by("index"))
    for segment in segments:
        assert document.text[segment.start : segment.end] == segment.text
    assert [s.start < s.end for s in segments] == [True] * len(segments)
    assert all(a.end <= b.start for a, b in zip(segments, segments[1:], strict=False))
    return segments


def test_abbreviation_heavy_article_of_200_kb_imports_by_the_simple_rule_with_a_warning(project):
    raw = repeated(ABBREVIATIONS, 200_000).encode()
    document = import_article(project=project, name="dense.txt", raw=raw).document
    segments = assert_segments_slice(document)
    assert len(segments) > 1000
    assert len(document.import_warnings) == 1
    assert "paragraph 2 were split at every full stop" in document.import_warnings[0]
    assert "abbreviations, initials or dots" in document.import_warnings[0]


def test_simple_rule_keeps_initials_and_abbreviations_inside_the_sentence(project):
    raw = repeated(ABBREVIATIONS, 20_000).encode()
    document = import_article(project=project, name="dense.txt", raw=raw).document
    texts = [s.text for s in assert_segments_slice(document)[1:]]
    assert texts[0] == "Dr. J. R. R. Smith of the U.S. Dept. of St. etc. met Mr. A. B. Jones...."


def test_ordinary_article_imports_without_warnings(document):
    assert document.import_warnings == []
    assert_segments_slice(document)


def test_ordinary_paragraph_over_the_piece_limit_splits_as_pysbd_splits_it_whole():
    text = (ORDINARY * (3 * PIECE_MAX_CHARS // len(ORDINARY))).rstrip()
    whole = _merge_abbreviation_splits(text, _pysbd_spans(text, 0, len(text), "en"))
    assert split_sentences(text) == whole
    assert len(whole) == 4 * (3 * PIECE_MAX_CHARS // len(ORDINARY))


def test_paragraphs_after_the_deadline_are_split_by_the_simple_rule_with_a_warning():
    text = SEED.read_text(encoding="utf-8")
    on_time, late = parse_article(text), parse_article(text, deadline=0)
    assert on_time.warnings == []
    assert late.warnings and "ran out of time" in late.warnings[0]
    assert [s.text for s in late.segments] == [text[s.start : s.end] for s in late.segments]


def test_upload_of_a_20000_sentence_article_succeeds(cast, project):
    paragraphs = [" ".join(f"Item {p * 5 + n} was checked." for n in range(5)) for p in range(4000)]
    raw = ("Twenty thousand sentences\n\n" + "\n\n".join(paragraphs)).encode()
    upload = SimpleUploadedFile("long.txt", raw)
    response = client_for(cast["manager"]).post(
        "/api/documents/", {"project": project.pk, "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["segment_count"] == 20_001
    assert response.json()["import_warnings"] == []


def list_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries]


@pytest.fixture
def short_and_long(project):
    """Return a project with one document of a few sentences, then add one of 2,000 to it."""
    short = import_article(project=project, name="short.txt", raw=b"Short one\n\nOne sentence. Two sentences.")
    return short.document, (" ".join(f"Sentence {n} is here." for n in range(2000))).encode()


@pytest.mark.parametrize("url", ["/api/documents/", "/projects/telesur/"])
def test_listing_documents_costs_the_same_queries_for_short_and_long_documents(
    cast, project, short_and_long, django_assert_num_queries, url
):
    client = client_for(cast["manager"])
    client.force_login(cast["manager"])
    short_queries = list_queries(client, url)
    import_article(project=project, name="long.txt", raw=b"Long one\n\n" + short_and_long[1])
    with django_assert_num_queries(len(short_queries)):
        client.get(url)
    # The per-document count is a subquery, never a join grouped by every column of the document.
    document_queries = [sql for sql in short_queries if 'FROM "annotate_document"' in sql]
    assert document_queries and not any('JOIN "annotate_segment" ON' in sql for sql in document_queries)


def test_document_list_page_does_not_read_the_article_text(cast, project, short_and_long):
    client = client_for(cast["manager"])
    client.force_login(cast["manager"])
    queries = list_queries(client, "/projects/telesur/")
    document_queries = [sql for sql in queries if 'FROM "annotate_document"' in sql]
    assert document_queries and not any('"annotate_document"."text"' in sql for sql in document_queries)


def test_document_list_page_shows_import_warnings(cast, project):
    import_article(project=project, name="dense.txt", raw=repeated(ABBREVIATIONS, 20_000).encode())
    client = client_for(cast["manager"])
    client.force_login(cast["manager"])
    assert b"were split at every full stop" in client.get("/projects/telesur/").content


def test_failed_api_upload_saves_nothing(cast, project, monkeypatch):
    def fail(self, instance):
        raise RuntimeError("serializer failed")

    monkeypatch.setattr("annotate.api.serializers.DocumentSerializer.to_representation", fail)
    client = client_for(cast["manager"])
    upload = SimpleUploadedFile(SEED.name, SEED.read_bytes())
    response = client.post("/api/documents/", {"project": project.pk, "file": upload}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (500, "server_error")
    assert (Document.objects.count(), Segment.objects.count()) == (0, 0)


def test_failed_page_upload_saves_nothing(cast, project, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("message storage failed")

    monkeypatch.setattr("annotate.views.messages.success", fail)
    client = client_for(cast["manager"])
    client.force_login(cast["manager"])
    with pytest.raises(RuntimeError):
        client.post("/projects/telesur/import/", {"files": SimpleUploadedFile(SEED.name, SEED.read_bytes())})
    assert (Document.objects.count(), Segment.objects.count()) == (0, 0)


def test_an_article_of_too_many_sentences_is_refused_by_name_and_saves_nothing(project, settings):
    settings.ARTICLE_MAX_SEGMENTS = 50
    raw = ("Title\n\n" + "Short one. " * 60).encode()
    with pytest.raises(ArticleImportError, match="splits into 61 sentences, over the limit of 50"):
        import_article(project=project, name="many.txt", raw=raw)
    assert (Document.objects.count(), Segment.objects.count()) == (0, 0)
