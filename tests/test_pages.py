"""HTML pages: login, project and document lists with progress, the annotation page's access and data."""

import hashlib
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotate.models import Annotation, Document, Membership, Project, Segment, SegmentProgress
from tests.api_helpers import bulk_create_tags, make_span


def annotate_url(document):
    return f"/projects/{document.project.slug}/documents/{document.pk}/"


def page_data(response):
    """Return the JSON the annotation page starts from."""
    found = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(found[1])


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", ["/", "/projects/telesur/", "/projects/telesur/documents/1/"])
def test_anonymous_is_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_login_form_logs_in_and_logout_logs_out(client, cast):
    assert client.post("/accounts/login/", {"username": "ann1", "password": "wrong"}).status_code == 200
    response = client.post("/accounts/login/", {"username": "ann1", "password": "pw-ann1"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Log out" in client.get("/").content.decode()
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_password_change_keeps_the_user_logged_in(client, cast):
    logged_in(client, cast["ann1"])
    assert "Change password" in client.get("/accounts/password_change/").content.decode()
    response = client.post("/accounts/password_change/", {
        "old_password": "pw-ann1", "new_password1": "a-longer-Passphrase-42", "new_password2": "a-longer-Passphrase-42",
    })
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert "Your new password is in use" in client.get(response["Location"]).content.decode()
    cast["ann1"].refresh_from_db()
    assert cast["ann1"].check_password("a-longer-Passphrase-42")


def test_project_list_shows_my_role_and_progress(client, cast, document):
    done = list(document.segments.all()[:3])
    SegmentProgress.objects.bulk_create(SegmentProgress(segment=s, annotator=cast["ann1"]) for s in done)
    SegmentProgress.objects.create(segment=document.segments.last(), annotator=cast["ann2"])
    page = logged_in(client, cast["ann1"]).get("/").content.decode()
    total = document.segments.count()
    assert 'href="/projects/telesur/"' in page
    assert 'aria-valuenow="3"' in page and f'aria-valuetext="3 of {total} sentences done"' in page
    assert "<td>annotator</td>" in page


def test_project_list_of_an_outsider_is_empty(client, cast, document):
    page = logged_in(client, cast["outsider"]).get("/").content.decode()
    assert "not a member of any project" in page and "TeleSUR" not in page


def test_document_list_shows_progress_per_annotator_to_reviewers_only(client, cast, document):
    segments = list(document.segments.all()[:5])
    SegmentProgress.objects.bulk_create(SegmentProgress(segment=s, annotator=cast["ann1"]) for s in segments)
    SegmentProgress.objects.bulk_create(SegmentProgress(segment=s, annotator=cast["ann2"]) for s in segments[:2])
    total = document.segments.count()

    reviewer_page = logged_in(client, cast["reviewer"]).get("/projects/telesur/").content.decode()
    assert annotate_url(document) in reviewer_page
    assert 'aria-label="Sentences done by ann1"' in reviewer_page
    assert f'aria-valuetext="5 of {total} sentences done"' in reviewer_page
    assert f'aria-valuetext="2 of {total} sentences done"' in reviewer_page

    annotator_page = logged_in(client, cast["ann2"]).get("/projects/telesur/").content.decode()
    assert "Sentences done by" not in annotator_page
    assert f'aria-valuetext="2 of {total} sentences done"' in annotator_page


@pytest.mark.parametrize("url", ["/projects/telesur/", "annotate"])
def test_outsider_gets_404_for_the_project_pages(client, cast, document, url):
    url = annotate_url(document) if url == "annotate" else url
    assert logged_in(client, cast["outsider"]).get(url).status_code == 404


def test_member_of_another_project_gets_404_for_this_document(client, cast, document, codebook):
    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    Membership.objects.create(project=other, user=cast["outsider"], role="manager")
    logged_in(client, cast["outsider"])
    assert client.get(f"/projects/other/documents/{document.pk}/").status_code == 404
    assert client.get(annotate_url(document)).status_code == 404


def test_annotation_page_in_blind_mode_carries_only_my_tags(client, cast, project, document, label):
    make_span(project, document, cast["ann1"], label, "lifeline")
    make_span(project, document, cast["ann2"], label, "crippled", attributes={"polarity": "negative"})
    SegmentProgress.objects.create(segment=document.segments.first(), annotator=cast["ann1"])

    data = page_data(logged_in(client, cast["ann1"]).get(annotate_url(document)))
    assert [a["quote"] for a in data["annotations"]] == ["lifeline"]
    assert (data["me"], data["role"], data["blind"]) == ("ann1", "annotator", True)
    assert len(data["segments"]) == document.segments.count()
    assert [s["done"] for s in data["segments"]].count(True) == 1
    assert {layer["key"] for layer in data["codebook"]["layers"]} >= {"framing", "loaded_language", "attribution"}

    data = page_data(logged_in(client, cast["reviewer"]).get(annotate_url(document)))
    assert sorted(a["quote"] for a in data["annotations"]) == ["crippled", "lifeline"]
    assert not any(s["done"] for s in data["segments"])


def test_annotation_page_shows_the_source_and_sanitised_guidelines(client, cast, project, document):
    project.guidelines = "# Read first\n\n<script>alert(1)</script> [bad](javascript:alert(2)) *mark* spans"
    project.save()
    page = logged_in(client, cast["ann1"]).get(annotate_url(document)).content.decode()
    assert "<h1>Read first</h1>" in page and "<em>mark</em>" in page
    assert "<script>alert(1)" not in page and "javascript:" not in page
    assert "TeleSUR" in page and "Venezuelan" in page  # outlet and its funding note
    assert "Loaded language" in page and "<kbd>l</kbd>" in page  # the codebook with hotkeys


def test_annotation_page_escapes_markup_in_the_article(client, cast, project):
    from annotate.importing import import_article

    raw = b"Title\n\nSaid </script><script>alert(1)</script> ok.\n"
    hostile = import_article(project=project, name="x.txt", raw=raw)
    page = logged_in(client, cast["ann1"]).get(annotate_url(hostile.document)).content.decode()
    assert "<script>alert(1)" not in page
    assert "\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)" in page


def build_document(project, cast, label, size):
    """Create a document of `size` sentences, each tagged by both annotators and done by one."""
    sentences = [f"Sentence {i} tells a plain fact about a deal." for i in range(size)]
    text = " ".join(sentences)
    document = Document.objects.create(project=project, title=f"{size} sentences", text=text,
                                       text_sha256=hashlib.sha256(text.encode()).hexdigest())
    offsets, start = [], 0
    for sentence in sentences:
        offsets.append((start, start + len(sentence)))
        start += len(sentence) + 1
    segments = Segment.objects.bulk_create(
        Segment(document=document, index=i, paragraph=i // 4, start=a, end=b, text=text[a:b])
        for i, (a, b) in enumerate(offsets))
    common = {"project": project, "document": document}
    bulk_create_tags(
        [Annotation(**common, segment=s, annotator=cast["ann1"], label=label("loaded_language", "loaded_language"),
                    start=0, end=8, quote="Sentence", attributes={"polarity": "negative"}) for s in segments]
        + [Annotation(**common, segment=s, annotator=cast["ann2"], label=label("framing", "economic"))
           for s in segments])
    SegmentProgress.objects.bulk_create(SegmentProgress(segment=s, annotator=cast["ann1"]) for s in segments)
    return document


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_page_queries_do_not_grow_with_sentences_or_documents(client, cast, project, codebook, label):
    small = build_document(project, cast, label, 10)
    logged_in(client, cast["reviewer"])
    before = {url: queries_for(client, url) for url in ["/", "/projects/telesur/", annotate_url(small)]}
    large = build_document(project, cast, label, 200)
    after = {url: queries_for(client, url) for url in ["/", "/projects/telesur/", annotate_url(small)]}
    assert queries_for(client, annotate_url(large)) == before[annotate_url(small)]
    assert after == before
    assert len(page_data(client.get(annotate_url(large)))["annotations"]) == 400


def test_document_list_links_every_export_format_per_document_and_for_the_project(client, cast, project, document):
    from annotate.exporting import FORMATS

    page = logged_in(client, cast["reviewer"]).get("/projects/telesur/").content.decode()
    base = f"/api/projects/{project.pk}/export/"
    for key, export_format in FORMATS.items():
        assert f'href="{base}?format={key}" title="{export_format.description}"' in page
        assert f'href="{base}?format={key}&amp;document={document.pk}" title="{export_format.description}"' in page
    for key in ("html", "json"):
        assert f'href="{base}?format={key}&amp;status=gold"' in page
        assert f'href="{base}?format={key}&amp;document={document.pk}&amp;status=gold"' in page


def test_annotator_export_links_have_no_gold_and_say_they_hold_only_my_tags(client, cast, project, document):
    page = logged_in(client, cast["ann1"]).get("/projects/telesur/").content.decode()
    assert f'href="/api/projects/{project.pk}/export/?format=csv&amp;document={document.pk}"' in page
    assert "status=gold" not in page
    assert "Exports hold only your own tags." in page


def test_the_export_links_work_for_the_document(client, cast, project, document, label):
    make_span(project, document, cast["ann1"], label, "lifeline")
    logged_in(client, cast["ann1"])
    response = client.get(f"/api/projects/{project.pk}/export/?format=csv&document={document.pk}")
    assert response.status_code == 200 and b"lifeline" in b"".join(response.streaming_content)


def upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")


ARTICLE = b"A new deal\n\nOfficials signed the deal on Monday. Critics said it was rushed.\n"


def test_only_the_manager_sees_the_import_form(client, cast, project):
    form = 'action="/projects/telesur/import/"'
    assert form in logged_in(client, cast["manager"]).get("/projects/telesur/").content.decode()
    for name in ("reviewer", "ann1"):
        assert form not in logged_in(client, cast[name]).get("/projects/telesur/").content.decode()


def test_manager_imports_articles_and_a_repeated_text_is_skipped(client, cast, project, document):
    from tests.conftest import SEED

    logged_in(client, cast["manager"])
    response = client.post("/projects/telesur/import/", {"files": [
        upload("deal.md", ARTICLE), upload("again.txt", SEED.read_bytes()),
    ]}, follow=True)
    assert response.redirect_chain == [("/projects/telesur/", 302)]
    page = response.content.decode()
    imported = Document.objects.get(filename="deal.md")
    assert (imported.project, imported.title, imported.imported_by) == (project, "A new deal", cast["manager"])
    assert f"imported deal.md: {imported.segments.count()} sentences" in page
    assert f"skipped again.txt: same text already imported as document {document.pk}" in page
    assert Document.objects.count() == 2
    assert "A new deal" in page  # listed among the documents


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("empty.txt", b"", "empty.txt: file is empty"),
    ("blank.txt", b"   \n", "blank.txt: file is empty"),
    ("blob.txt", b"PK\x03\x04\x00\x00binary", "blob.txt: file looks binary"),
    ("latin.txt", b"Caf\xe9 au lait\n\nUne phrase.\n", "latin.txt: file is not UTF-8 text (byte 0xe9 at position 3)"),
    ("report.pdf", b"%PDF-1.4", "report.pdf: unsupported file type &#x27;.pdf&#x27; (use .txt or .md)"),
    ("huge.txt", ARTICLE * 2, f"huge.txt: file is {len(ARTICLE) * 2} bytes, over the 100-byte limit"),
], ids=["empty", "blank", "binary", "not-utf8", "wrong-type", "too-big"])
def test_a_bad_file_is_reported_and_nothing_of_it_is_saved(client, cast, project, settings, name, content, problem):
    settings.ARTICLE_MAX_BYTES = 100
    logged_in(client, cast["manager"])
    page = client.post("/projects/telesur/import/", {"files": [upload(name, content)]}, follow=True).content.decode()
    assert problem in page
    assert not Document.objects.exists() and not Segment.objects.exists()


def test_a_bad_file_does_not_stop_the_good_ones(client, cast, project):
    logged_in(client, cast["manager"])
    page = client.post("/projects/telesur/import/", {"files": [
        upload("bad.txt", b"\xff\xfe"), upload("good.txt", ARTICLE),
    ]}, follow=True).content.decode()
    assert "bad.txt: file is not UTF-8 text" in page and "imported good.txt: " in page
    assert list(Document.objects.values_list("filename", flat=True)) == ["good.txt"]


def test_an_import_without_files_says_so(client, cast, project):
    page = logged_in(client, cast["manager"]).post("/projects/telesur/import/", follow=True).content.decode()
    assert "Nothing imported: choose one or more .txt or .md files." in page


@pytest.mark.parametrize(("user", "status"), [("ann1", 403), ("reviewer", 403), ("outsider", 404)])
def test_only_a_manager_may_import(client, cast, project, user, status):
    logged_in(client, cast[user])
    response = client.post("/projects/telesur/import/", {"files": [upload("deal.txt", ARTICLE)]})
    assert response.status_code == status
    assert not Document.objects.exists()


def test_import_refuses_get_and_a_post_without_the_csrf_token(cast, project):
    from django.test import Client

    client = logged_in(Client(enforce_csrf_checks=True), cast["manager"])
    assert client.get("/projects/telesur/import/").status_code == 405
    assert client.post("/projects/telesur/import/", {"files": [upload("deal.txt", ARTICLE)]}).status_code == 403
    assert not Document.objects.exists()


def test_guidelines_show_attribute_choices_with_spaces(client, cast, document):
    page = logged_in(client, cast["ann1"]).get(annotate_url(document)).content.decode()
    attributes = " ".join(re.findall(r'<p class="attrs">(.*?)</p>', page, re.S))
    assert "Voice: author, quoted source" in attributes
    assert "(required for slanted word choice)" in attributes
    assert "allusion no content" in attributes and "_" not in attributes
    assert '"quoted_source"' in page  # the codebook data the script reads keeps its keys


def test_annotation_page_carries_each_sentence_comment_count(client, cast, document):
    from annotate.models import SegmentComment

    first = document.segments.first()
    SegmentComment.objects.create(segment=first, author=cast["reviewer"], text="Is this a quote?")
    SegmentComment.objects.create(segment=first, author=cast["ann1"], text="Yes, a paraphrase.")
    data = page_data(logged_in(client, cast["ann2"]).get(annotate_url(document)))
    counts = {s["id"]: s["comment_count"] for s in data["segments"]}
    assert counts[first.pk] == 2 and sum(counts.values()) == 2
