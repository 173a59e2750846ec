"""Refusals a person can act on: 403, 404 and CSRF pages keep the navigation and say what the user can do."""

import pytest
from django.test import Client

from annotate.models import SegmentComment

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_annotator_opening_a_review_link_is_told_why_and_offered_the_annotation_page(cast, project, document):
    response = logged_in(cast["ann1"]).get(f"/projects/{project.slug}/documents/{document.pk}/review/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only reviewers and managers of this project may review tags." in page
    assert "Your role in this project is <strong>annotator</strong>" in page
    assert f'href="/projects/{project.slug}/documents/{document.pk}/"' in page  # annotate it instead
    assert f'href="/projects/{project.slug}/"' in page
    assert 'aria-label="Account"' in page and "Log out" in page  # the site's navigation is kept


def test_a_refused_page_is_scoped_it_names_no_document_of_another_project(cast, project, document, codebook):
    from annotate.models import Document, Project

    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    secret = Document.objects.create(project=other, title="Secret title", text="Hidden. Text.", text_sha256="c" * 64)
    response = logged_in(cast["ann1"]).get(f"/projects/{project.slug}/documents/{secret.pk}/review/")
    assert response.status_code == 403
    assert "Secret title" not in response.content.decode()


def test_not_found_keeps_the_navigation_and_does_not_say_whether_the_project_exists(cast, project):
    client = logged_in(cast["outsider"])
    hidden, missing = client.get(f"/projects/{project.slug}/"), client.get("/projects/no-such-project/")
    assert hidden.status_code == missing.status_code == 404
    for response in (hidden, missing):
        page = response.content.decode()
        assert "Page not found" in page and 'href="/"' in page and "Log out" in page
    assert project.name not in hidden.content.decode()


def test_not_found_inside_a_project_offers_its_documents(cast, project):
    response = logged_in(cast["ann1"]).get(f"/projects/{project.slug}/documents/999999/")
    assert response.status_code == 404
    assert f'href="/projects/{project.slug}/"' in response.content.decode()


def test_a_logged_out_visitor_is_offered_the_login(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "/accounts/login/?next=/no/such/page/" in response.content.decode()


def test_the_api_keeps_its_json_errors(cast, project, document):
    response = logged_in(cast["ann1"]).get("/api/annotations/999999/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


def test_a_form_without_its_csrf_token_gets_a_page_that_says_what_to_do(cast, project, document):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["reviewer"])
    response = client.post(f"/projects/{project.slug}/documents/{document.pk}/comments/", {"segment": 1, "text": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "This form could not be sent" in page and "nothing was saved" in page and "Log out" in page
    assert SegmentComment.objects.count() == 0


@pytest.mark.parametrize(("user", "shown"), [("ann1", False), ("reviewer", True), ("manager", True)])
def test_review_links_are_shown_only_to_those_who_may_open_them(cast, project, document, user, shown):
    page = logged_in(cast[user]).get(f"/projects/{project.slug}/").content.decode()
    links = [f'href="/projects/{project.slug}/documents/{document.pk}/review/"',
             f'href="/projects/{project.slug}/review/queue/"', f'href="/projects/{project.slug}/dashboard/"']
    assert [link in page for link in links] == [shown] * 3
