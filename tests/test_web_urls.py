"""Document and source addresses are http or https, whichever door they come in by, and only those are links."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from annotate.importing import ArticleImportError, import_article
from annotate.models import Document, Source

pytestmark = pytest.mark.django_db

ARTICLE = "A headline\n\nURL: {url}\n\nA first sentence. A second sentence.\n"
BAD = ["javascript:alert(document.cookie)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>",
       "vbscript:msgbox(1)", "ftp://example.org/article", "//example.org/article"]


@pytest.fixture
def admin_client(cast):
    cast["manager"].is_staff = cast["manager"].is_superuser = True
    cast["manager"].save()
    client = Client()
    client.force_login(cast["manager"])
    return client


@pytest.mark.parametrize("url", BAD)
def test_the_importer_refuses_an_article_whose_url_line_is_not_a_web_address(project, url):
    with pytest.raises(ArticleImportError, match="URL line: Enter a web address"):
        import_article(project=project, name="bad.txt", raw=ARTICLE.format(url=url).encode())
    assert not Document.objects.exists()


def test_the_importer_keeps_a_web_address_from_the_url_line(project):
    url = "https://www.telesurenglish.net/iran-venezuela/"
    document = import_article(project=project, name="ok.txt", raw=ARTICLE.format(url=url).encode()).document
    assert document.url == url
    assert not document.segments.filter(text__contains="URL:").exists()


@pytest.mark.parametrize("url", BAD[:-1])
def test_the_admin_refuses_a_source_whose_url_is_not_a_web_address(admin_client, url):
    response = admin_client.post("/admin/annotate/source/add/", {"name": "Outlet", "url": url})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not Source.objects.filter(name="Outlet").exists()


def test_the_admin_completes_an_address_without_a_scheme_as_https(admin_client):
    admin_client.post("/admin/annotate/source/add/", {"name": "Outlet", "url": "//example.org/article"})
    assert Source.objects.get(name="Outlet").url == "https://example.org/article"


@pytest.mark.parametrize("url", BAD)
def test_model_validation_refuses_a_document_url_that_is_not_a_web_address(document, url):
    document.url = url
    with pytest.raises(ValidationError) as error:
        document.full_clean()
    assert list(error.value.message_dict) == ["url"]


def test_a_stored_javascript_url_is_shown_as_text_not_as_a_link(cast, document):
    Document.objects.filter(pk=document.pk).update(url="javascript:alert(document.cookie)")
    Source.objects.filter(pk=document.source_id).update(url="javascript:alert(2)")
    client = Client()
    client.force_login(cast["ann1"])
    page = client.get(f"/projects/telesur/documents/{document.pk}/").content.decode()
    assert "javascript:alert(document.cookie)" in page
    assert 'href="javascript' not in page.lower()
    assert "javascript:alert(2)" not in page


def test_a_web_address_is_shown_as_a_link(cast, document):
    Document.objects.filter(pk=document.pk).update(url="https://example.org/a?b=1&c=2")
    Source.objects.filter(pk=document.source_id).update(url="http://example.org/")
    client = Client()
    client.force_login(cast["ann1"])
    page = client.get(f"/projects/telesur/documents/{document.pk}/").content.decode()
    assert 'href="https://example.org/a?b=1&amp;c=2"' in page
    assert 'href="http://example.org/"' in page


def test_the_admin_change_form_does_not_link_a_stored_javascript_url(admin_client, document):
    Document.objects.filter(pk=document.pk).update(url="javascript:alert(document.cookie)")
    page = admin_client.get(f"/admin/annotate/document/{document.pk}/change/").content.decode()
    assert "javascript:alert(document.cookie)" in page
    assert 'href="javascript' not in page.lower()
