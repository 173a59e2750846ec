"""Every endpoint and method for a manager, two annotators, a reviewer, an outsider and an anonymous client."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotate.models import Annotation, Document, SegmentProgress
from tests.api_helpers import client_for, make_span

ROLES = ["manager", "ann1", "ann2", "reviewer", "outsider", "anonymous"]


@pytest.fixture
def clients(cast):
    return {name: client_for(cast.get(name)) for name in ROLES}


@pytest.fixture
def ann1_tag(project, document, cast, label):
    return make_span(project, document, cast["ann1"], label, "lifeline")


def status_of(response):
    return response.status_code


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 200), ("ann1", 200), ("ann2", 200), ("reviewer", 200), ("outsider", 404), ("anonymous", 401),
])
def test_project_detail_codebook_and_document_are_for_members_only(clients, project, document, role, expected):
    client = clients[role]
    assert status_of(client.get(f"/api/projects/{project.pk}/")) == expected
    assert status_of(client.get(f"/api/projects/{project.pk}/codebook/")) == expected
    assert status_of(client.get(f"/api/documents/{document.pk}/")) == expected
    segment = document.segments.first()
    assert status_of(client.get(f"/api/segments/{segment.pk}/")) == expected


@pytest.mark.parametrize("role", ["manager", "ann1", "reviewer", "outsider"])
def test_lists_show_only_the_users_projects(clients, project, document, role):
    projects = clients[role].get("/api/projects/").json()["results"]
    documents = clients[role].get("/api/documents/").json()["results"]
    segments = clients[role].get(f"/api/segments/?document={document.pk}").json()
    member = role != "outsider"
    assert [p["id"] for p in projects] == ([project.pk] if member else [])
    assert [d["id"] for d in documents] == ([document.pk] if member else [])
    assert segments["count"] == (document.segments.count() if member else 0)


def test_anonymous_lists_are_refused(clients):
    for url in ["/api/projects/", "/api/documents/", "/api/segments/", "/api/annotations/", "/api/progress/",
                "/api/relations/"]:
        assert clients["anonymous"].get(url).status_code == 401, url


@pytest.mark.parametrize("blind", [True, False])
@pytest.mark.parametrize(("role", "sees"), [
    ("manager", True), ("ann1", True), ("ann2", "unless blind"), ("reviewer", True), ("outsider", False),
])
def test_who_sees_an_annotators_tag(clients, project, ann1_tag, document, blind, role, sees):
    project.blind = blind
    project.save()
    visible = sees is True or (sees == "unless blind" and not blind)
    client = clients[role]
    assert client.get(f"/api/annotations/{ann1_tag.pk}/").status_code == (200 if visible else 404)
    listed = client.get("/api/annotations/").json()["results"]
    assert [a["id"] for a in listed] == ([ann1_tag.pk] if visible else [])
    segment = client.get(f"/api/segments/{ann1_tag.segment_id}/")
    if role != "outsider":
        assert [a["id"] for a in segment.json()["annotations"]] == ([ann1_tag.pk] if visible else [])


@pytest.mark.parametrize("blind", [True, False])
@pytest.mark.parametrize(("role", "patch", "delete"), [
    ("ann1", 200, 204), ("ann2", "403 unless blind", "403 unless blind"), ("manager", 403, 403),
    ("reviewer", 403, 403), ("outsider", 404, 404), ("anonymous", 401, 401),
])
def test_only_the_annotator_edits_or_deletes(clients, ann1_tag, project, blind, role, patch, delete):
    project.blind = blind
    project.save()

    def expect(code):
        return (404 if blind else 403) if code == "403 unless blind" else code

    client = clients[role]
    url = f"/api/annotations/{ann1_tag.pk}/"
    etag = f'"{ann1_tag.pk}.1"'
    assert client.patch(url, {"note": "mine"}, format="json", HTTP_IF_MATCH=etag).status_code == expect(patch)
    assert client.delete(url, HTTP_IF_MATCH=f'"{ann1_tag.pk}.{2 if role == "ann1" else 1}"').status_code == expect(
        delete)
    exists = Annotation.objects.filter(pk=ann1_tag.pk).exists()
    assert exists == (role != "ann1")


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 201), ("ann1", 201), ("ann2", 201), ("reviewer", 201), ("outsider", 400), ("anonymous", 401),
])
def test_members_create_annotations(clients, document, label, role, expected):
    segment = document.segments.get(text__startswith="In 2020, when U.S.")
    body = {"segment": segment.pk, "label": label("framing", "economic").pk}
    response = clients[role].post("/api/annotations/", body, format="json")
    assert response.status_code == expected
    if expected == 400:
        assert "segment" in response.json()
    assert Annotation.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 201), ("ann1", 201), ("reviewer", 201), ("outsider", 404), ("anonymous", 401),
])
def test_members_mark_sentences_done(clients, document, cast, role, expected):
    segment = document.segments.first()
    assert clients[role].post(f"/api/segments/{segment.pk}/done/").status_code == expected
    assert SegmentProgress.objects.filter(segment=segment).count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert clients[role].delete(f"/api/segments/{segment.pk}/done/").status_code == 200
        assert not SegmentProgress.objects.exists()


def test_progress_is_own_for_annotators_and_everyones_for_reviewers(clients, document, cast):
    segment = document.segments.first()
    for name in ("ann1", "ann2"):
        SegmentProgress.objects.create(segment=segment, annotator=cast[name])
    seen = {role: sorted(p["annotator"] for p in clients[role].get("/api/progress/").json()["results"])
            for role in ("ann1", "reviewer", "manager", "outsider")}
    assert seen == {"ann1": ["ann1"], "reviewer": ["ann1", "ann2"], "manager": ["ann1", "ann2"], "outsider": []}


def article_upload(project, name="new.txt", text="A new title\n\nA first sentence. A second one."):
    return {"project": project.pk, "file": SimpleUploadedFile(name, text.encode("utf-8"))}


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 201), ("ann1", 403), ("reviewer", 403), ("outsider", 400), ("anonymous", 401),
])
def test_only_managers_import_documents(clients, project, role, expected):
    response = clients[role].post("/api/documents/", article_upload(project), format="multipart")
    assert response.status_code == expected
    assert Document.objects.filter(title="A new title").count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 204), ("ann1", 403), ("reviewer", 403), ("outsider", 404), ("anonymous", 401),
])
def test_only_managers_delete_documents(clients, document, role, expected):
    assert clients[role].delete(f"/api/documents/{document.pk}/").status_code == expected
    assert Document.objects.filter(pk=document.pk).exists() == (expected != 204)


@pytest.mark.parametrize(("role", "expected", "sees_others"), [
    ("manager", 200, True), ("reviewer", 200, True), ("ann1", 200, False), ("ann2", 200, False),
    ("outsider", 404, False), ("anonymous", 401, False),
])
def test_export_is_own_only_for_annotators(clients, project, document, cast, label, role, expected, sees_others):
    project.blind = False
    project.save()
    make_span(project, document, cast["ann1"], label, "lifeline")
    make_span(project, document, cast["ann2"], label, "bold move", startswith="This bold move")
    response = clients[role].get(f"/api/projects/{project.pk}/export/?format=csv")
    assert response.status_code == expected
    if expected == 200:
        rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
        annotators = {row["annotator"] for row in rows}
        assert annotators == ({"ann1", "ann2"} if sees_others else {role})


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 400), ("ann1", 403), ("reviewer", 403), ("outsider", 404), ("anonymous", 401),
])
def test_only_managers_restore_exports(clients, project, role, expected):
    response = clients[role].post(f"/api/projects/{project.pk}/import/",
                                  {"file": SimpleUploadedFile("x.json", b"{}")}, format="multipart")
    # The manager passes the role check and reaches the content check: an empty object is no export.
    assert response.status_code == expected


def test_schema_and_docs_are_served_without_a_cdn(clients):
    schema = clients["anonymous"].get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/annotations/{id}/" in schema.content
    docs = clients["anonymous"].get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "//unpkg" not in html


def test_session_clients_need_a_csrf_token(cast, document, label):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast["ann1"])
    segment = document.segments.first()
    response = client.post("/api/annotations/", {"segment": segment.pk, "label": label("framing", "economic").pk},
                           format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_token_requests_are_throttled(cast, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    cache.clear()
    client = client_for()
    codes = [client.post("/api/token/", {"username": "ann1", "password": "wrong"}, format="json").status_code
             for _ in range(4)]
    cache.clear()
    assert codes == [400, 400, 400, 429]
