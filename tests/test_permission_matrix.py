"""The role table of DESIGN.md and README.md, checked door by door: API, pages and admin, for every role.

ROLE_TABLE is the table itself; each action lists probes, and every (probe, role) pair becomes a test
that expects the door to allow or refuse exactly as the table says. Members are staff here, with
every view permission, so the admin has to scope by project role, not by the admin permission alone.
"""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from annotate.models import Annotation, Document
from tests.api_helpers import client_for, make_span

ROLES = ("manager", "reviewer", "ann1", "ann2", "outsider", "anonymous")
# action -> who may do it; "own" means only their own tags (the blind project's annotators).
ROLE_TABLE = {
    "read documents": {"manager": True, "reviewer": True, "ann1": True, "ann2": True},
    "tag": {"manager": True, "reviewer": True, "ann1": True, "ann2": True},
    "see others' tags": {"manager": True, "reviewer": True, "ann1": True, "ann2": False},
    "review": {"manager": True, "reviewer": True},
    "import and restore": {"manager": True},
    "export": {"manager": True, "reviewer": True, "ann1": "own", "ann2": "own"},
}


def allowed(action, role):
    return ROLE_TABLE[action].get(role, False)


@pytest.fixture
def world(project, document, cast, label):
    """A blind project with a tag by ann1 (whose work ann2 must not see) and staff members."""
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    views = Permission.objects.filter(codename__startswith="view_")
    for user in cast.values():
        user.is_staff = True
        user.save()
        user.user_permissions.add(*views)
    return {"tag": tag, "project": project, "document": document, "cast": cast, "label": label}


def api(world, role):
    return client_for(world["cast"].get(role))


def page(world, role):
    client = Client()
    if role in world["cast"]:
        client.force_login(world["cast"][role])
    return client


def refused(response, role, door):
    """Return whether a response refuses: 401, 403 or 404, or a redirect (to log in, or to the admin's index)."""
    redirects = role == "anonymous" or door.startswith("admin")
    return response.status_code in (401, 403, 404) or (redirects and response.status_code == 302)


# Probes: (action, door, function(world, role) -> response, function(response) -> whether it was allowed).
def read_document_api(world, role):
    return api(world, role).get(f"/api/documents/{world['document'].pk}/")


def read_document_page(world, role):
    return page(world, role).get(f"/projects/{world['project'].slug}/documents/{world['document'].pk}/")


def read_document_admin(world, role):
    return page(world, role).get(f"/admin/annotate/document/{world['document'].pk}/change/")


def create_tag_api(world, role):
    segment = world["document"].segments.get(text__startswith="In 2020, when U.S.")
    body = {"segment": segment.pk, "label": world["label"]("framing", "economic").pk}
    response = api(world, role).post("/api/annotations/", body, format="json")
    # Someone who cannot see the sentence is told it does not exist (400 naming the field).
    response.seen = response.status_code == 201
    return response


def see_tag_api(world, role):
    return api(world, role).get(f"/api/annotations/{world['tag'].pk}/")


def see_tag_segments_api(world, role):
    response = api(world, role).get(f"/api/segments/{world['tag'].segment_id}/")
    response.seen = response.status_code == 200 and any(
        a["id"] == world["tag"].pk for a in response.json()["annotations"])
    return response


def see_tag_admin(world, role):
    return page(world, role).get(f"/admin/annotate/annotation/{world['tag'].pk}/change/")


def review_api(world, role):
    tag = world["tag"]
    return api(world, role).post(f"/api/annotations/{tag.pk}/review/", {"action": "accept"}, format="json",
                                 HTTP_IF_MATCH=f'"{tag.pk}.{tag.version}"')


def review_page(world, role):
    return page(world, role).get(f"/projects/{world['project'].slug}/documents/{world['document'].pk}/review/")


def dashboard_page(world, role):
    return page(world, role).get(f"/projects/{world['project'].slug}/dashboard/")


def agreement_api(world, role):
    return api(world, role).get(f"/api/projects/{world['project'].pk}/agreement/")


def review_admin_list(world, role):
    response = page(world, role).get("/admin/annotate/annotation/")
    response.seen = response.status_code == 200 and world["tag"] in response.context["cl"].result_list
    return response


def history_admin(world, role):
    return page(world, role).get(f"/admin/annotate/annotation/{world['tag'].pk}/history/")


def import_api(world, role):
    upload = SimpleUploadedFile("new.txt", b"A new title\n\nA new sentence for the matrix.")
    response = api(world, role).post("/api/documents/", {"project": world["project"].pk, "file": upload},
                                     format="multipart")
    response.seen = response.status_code == 201
    return response


def import_page(world, role):
    upload = SimpleUploadedFile("page.txt", b"A page title\n\nA sentence uploaded from the page.")
    response = page(world, role).post(f"/projects/{world['project'].slug}/import/", {"files": [upload]})
    response.seen = Document.objects.filter(filename="page.txt").exists()
    return response


def restore_api(world, role):
    upload = SimpleUploadedFile("export.json", b'{"format": "annotate-export"}')
    response = api(world, role).post(f"/api/projects/{world['project'].pk}/import/", {"file": upload},
                                     format="multipart")
    # A manager gets past the role check to the file's own error: that is "allowed".
    response.seen = response.status_code == 400
    return response


def membership_admin(world, role):
    response = page(world, role).get("/admin/annotate/membership/")
    response.seen = response.status_code == 200 and any(
        m.project_id == world["project"].pk for m in response.context["cl"].result_list)
    return response


def export_api(world, role):
    response = api(world, role).get(f"/api/projects/{world['project'].pk}/export/?format=jsonl")
    if response.status_code == 200:
        lines = b"".join(response.streaming_content).decode().splitlines()
        response.seen = any(a["id"] == world["tag"].pk for line in lines
                            for a in json.loads(line).get("annotations", []))
    return response


PROBES = [
    ("read documents", "api", read_document_api),
    ("read documents", "page", read_document_page),
    ("tag", "api", create_tag_api),
    ("see others' tags", "api", see_tag_api),
    ("see others' tags", "api segments", see_tag_segments_api),
    ("review", "api", review_api),
    ("review", "api agreement", agreement_api),
    ("review", "page", review_page),
    ("review", "dashboard page", dashboard_page),
    ("review", "admin list", review_admin_list),
    ("review", "admin history", history_admin),
    ("review", "admin change page", see_tag_admin),
    ("import and restore", "api upload", import_api),
    ("import and restore", "page upload", import_page),
    ("import and restore", "api restore", restore_api),
    ("import and restore", "admin document", read_document_admin),
    ("import and restore", "admin members", membership_admin),
    ("export", "api", export_api),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "door", "probe"), PROBES, ids=[f"{a}: {d}" for a, d, _ in PROBES])
def test_each_door_follows_the_role_table(world, role, action, door, probe):
    response = probe(world, role)
    may = allowed(action, role)
    assert response.status_code < 500
    if hasattr(response, "seen"):
        # The door answers, but what it shows is the test: the tag, the members, the new document.
        expected = may is True or (may == "own" and role == "ann1")
        if action == "import and restore" and door == "page upload":
            expected = may is True
        assert response.seen == expected, (response.status_code, may)
    elif may:
        assert response.status_code in (200, 201), (response.status_code, getattr(response, "content", b"")[:300])
    else:
        assert refused(response, role, door), response.status_code
    if not may:
        assert not Annotation.objects.filter(gold=True).exists()
