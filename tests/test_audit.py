"""The audit log: managers read who did what and when, newest first, 50 a page; nobody else reads it."""

import pytest
from django.test import Client
from django.urls import reverse

from annotate import members
from annotate.audit import record
from annotate.models import AuditEntry, Project


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def audit_url(project, page=None):
    return reverse("project-audit", args=[project.slug]) + (f"?page={page}" if page else "")


def test_managers_read_who_did_what_newest_first(project, cast):
    members.add_member(project=project, actor=cast["manager"], username="outsider", role="annotator")
    members.change_role(project=project, actor=cast["manager"], user_id=cast["ann1"].pk, role="reviewer")
    page = client_for(cast["manager"]).get(audit_url(project)).content.decode()
    newer, older = page.index("changed ann1&#x27;s role from annotator to reviewer"), page.index("added outsider")
    assert newer < older
    assert page.count("<td>manager</td>") == 2


@pytest.mark.parametrize("username, status", [("ann1", 403), ("reviewer", 403), ("outsider", 404)])
def test_no_one_but_managers_reads_the_log(project, cast, username, status):
    record(project=project, actor=cast["manager"], action="member.added", summary="secret-summary")
    response = client_for(cast[username]).get(audit_url(project))
    assert response.status_code == status
    assert "secret-summary" not in response.content.decode()


def test_entries_are_visible_only_in_projects_one_manages(project, cast, codebook):
    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    record(project=project, actor=cast["manager"], action="a", summary="here")
    record(project=other, actor=None, action="a", summary="there")
    assert list(AuditEntry.objects.visible_to(cast["manager"]).values_list("summary", flat=True)) == ["here"]
    assert not AuditEntry.objects.visible_to(cast["outsider"]).exists()
    assert not AuditEntry.objects.visible_to(cast["reviewer"]).exists()


def test_the_log_shows_50_entries_a_page_in_constant_queries(project, cast, django_assert_num_queries):
    for n in range(120):
        record(project=project, actor=cast["manager"], action="test", summary=f"entry-{n:03}.")
    client = client_for(cast["manager"])
    # Session, user, membership, count, one page of entries with their actors.
    with django_assert_num_queries(5):
        first = client.get(audit_url(project)).content.decode()
    assert first.count("entry-") == 50 and "entry-119." in first and "entry-070." in first
    assert "entry-069." not in first and "Page 1 of 3" in first
    last = client.get(audit_url(project, 3)).content.decode()
    assert last.count("entry-") == 20 and "entry-000." in last


def test_an_out_of_range_or_garbled_page_is_not_an_error(project, cast):
    record(project=project, actor=cast["manager"], action="test", summary="only-entry")
    client = client_for(cast["manager"])
    for page in ["99", "x", "-1"]:
        response = client.get(audit_url(project, page))
        assert response.status_code == 200 and "only-entry" in response.content.decode()


def test_a_deleted_actor_leaves_the_entry(project, cast, django_user_model):
    gone = django_user_model.objects.create_user("gone")
    record(project=project, actor=gone, action="member.added", summary="kept")
    gone.delete()
    page = client_for(cast["manager"]).get(audit_url(project)).content.decode()
    assert "kept" in page and "(deleted account)" in page
