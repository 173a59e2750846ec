"""Importing articles: the seed, bad input, duplicates, and the command line."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotate.importing import ArticleImportError, import_article
from annotate.models import Document, Segment, Source
from tests.conftest import SEED


def row_counts():
    return Document.objects.count(), Segment.objects.count()


def test_seed_imports_with_its_metadata(document):
    assert document.title == "Sanctions, Solidarity and Sovereignty: The Untold Story of Iran-Venezuela Relations"
    assert document.author == "Silvana Solano"
    assert document.source.name == "TeleSUR"
    assert document.published_at == datetime.datetime(2025, 6, 9, 10, 1, tzinfo=datetime.UTC)
    assert document.text == SEED.read_text(encoding="utf-8")


def test_seed_has_seven_headings_and_a_title(document):
    kinds = list(document.segments.values_list("kind", flat=True))
    assert kinds.count("heading") == 7
    assert kinds[0] == "title"
    assert "standfirst" in kinds


def test_every_segment_slices_the_document_text(document):
    segments = list(document.segments.all())
    assert len(segments) > 50
    for segment in segments:
        assert document.text[segment.start : segment.end] == segment.text
        assert segment.text == segment.text.strip()
        assert not segment.text.endswith("U.S.")
    assert [s.index for s in segments] == list(range(len(segments)))


def test_repeated_standfirst_gets_two_segments(document):
    standfirst = (
        "Formal relations between Iran and Venezuela were established in 1947, "
        "but it was not until the 1960s that their partnership gained strategic significance."
    )
    copies = list(document.segments.filter(text=standfirst))
    assert len(copies) == 2
    assert copies[0].start != copies[1].start
    assert {c.kind for c in copies} == {"standfirst", "body"}


def test_text_is_stored_verbatim(document):
    assert "anti-imperialismenergy" in document.text
    assert "\u00a0" in document.text
    assert "\u201cTogether, we are weaving the new world order.\u201d" in document.text
    assert document.segments.filter(text__contains="anti-imperialismenergy").exists()


def test_same_text_again_is_reported_not_duplicated(document, project):
    before = row_counts()
    result = import_article(project=project, name="again.txt", raw=SEED.read_bytes())
    assert result.created is False
    assert result.document == document
    assert row_counts() == before


@pytest.mark.parametrize(
    ("name", "raw", "problem"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b"  \n\n \t\n", "file is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file looks binary"),
        ("latin1.txt", "Caf\u00e9 con leche. Otra.".encode("latin-1"), "not UTF-8 text (byte 0xe9 at position 3)"),
        ("only-meta.txt", b"June 9, 2025\n\nAuthor: Someone\n\nSource: Nowhere", "no sentences"),
        ("article.pdf", b"A sentence.", "unsupported file type '.pdf'"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(project, name, raw, problem):
    before = row_counts()
    with pytest.raises(ArticleImportError) as error:
        import_article(project=project, name=name, raw=raw)
    assert name in str(error.value)
    assert problem in str(error.value)
    assert row_counts() == before


def test_oversized_file_is_refused(project, settings):
    settings.ARTICLE_MAX_BYTES = 100
    with pytest.raises(ArticleImportError, match="over the 100-byte limit"):
        import_article(project=project, name="big.txt", raw=b"A sentence. " * 20)
    assert row_counts() == (0, 0)


def test_command_imports_a_directory_and_reports_each_file(project, tmp_path, capsys):
    (tmp_path / "a.txt").write_text("First title\n\nOne sentence here. Another one.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Second title\n\n## A heading\n\nBody text.", encoding="utf-8")
    (tmp_path / "ignored.csv").write_text("x,y", encoding="utf-8")
    call_command("import_article", str(tmp_path), project=project.slug)
    out = capsys.readouterr().out
    assert "a.txt: document" in out and "b.md: document" in out
    assert list(Document.objects.order_by("id").values_list("title", flat=True)) == ["First title", "Second title"]
    heading = Segment.objects.get(document__title="Second title", kind="heading")
    assert heading.text == "A heading"


def test_command_fails_for_a_bad_file_but_keeps_the_good_one(project, tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text("A title\n\nA sentence.", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(CommandError, match="1 of 2 files were not imported"):
        call_command("import_article", str(good), str(bad), project=project.slug)
    err = capsys.readouterr().err
    assert f"{bad}: file looks binary" in err
    assert Document.objects.count() == 1


def test_command_refuses_an_unknown_project(db, tmp_path):
    with pytest.raises(CommandError, match="unknown project 'nope'"):
        call_command("import_article", str(SEED), project="nope")
    assert row_counts() == (0, 0)


def test_command_reports_a_missing_file(project, tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("import_article", str(tmp_path / "missing.txt"), project=project.slug)
    assert "missing.txt: no such file" in capsys.readouterr().err


def test_command_reports_a_duplicate(document, project, capsys):
    call_command("import_article", str(SEED), project=project.slug)
    assert f"same text already imported as document {document.pk}" in capsys.readouterr().out
    assert Document.objects.count() == 1


def article_of(sentences, title):
    body = " ".join(f"Sentence {n} of the report by Dr. Smith (e.g. at the U.N.) was read." for n in range(sentences))
    return f"{title}\n\nSource: Wire\n\n{body}\n".encode()


def test_an_import_costs_the_same_queries_for_three_sentences_or_three_thousand(project, django_assert_num_queries):
    Source.objects.create(name="Wire")
    # Existing text, savepoint, source lookup, document, every segment in one statement, release.
    with django_assert_num_queries(6):
        import_article(project=project, name="short.txt", raw=article_of(3, "Short"))
    with django_assert_num_queries(6):
        import_article(project=project, name="long.txt", raw=article_of(3000, "Long"))
    long = Document.objects.get(title="Long")
    title, *body = long.segments.all()
    assert (title.kind, title.text) == ("title", "Long")
    assert len(body) == 3000
    assert [s.index for s in body] == list(range(1, 3001))
    assert all(long.text[s.start : s.end] == s.text and s.kind == "body" and s.paragraph == 1 for s in body)
    assert body[-1].text == "Sentence 2999 of the report by Dr. Smith (e.g. at the U.N.) was read."
