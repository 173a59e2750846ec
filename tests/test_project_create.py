"""Making a project: who may, which codebooks, and what the creator becomes."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from annotate.models import AuditEntry, Codebook, Membership, Project

NEW = reverse("project-create")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def new_project(book, **changes):
    return {"slug": "class-7b", "name": "Class 7B", "description": "", "codebook": book.pk,
            "annotators_per_segment": 3, "blind": "on", **changes}


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staffer", password="pw-staffer", is_staff=True)


def test_staff_create_a_project_and_become_its_manager(codebook, staff):
    response = client_for(staff).post(NEW, new_project(codebook))
    assert response.status_code == 302 and response["Location"] == "/projects/class-7b/settings/"
    project = Project.objects.get(slug="class-7b")
    assert (project.name, project.codebook, project.blind, project.annotators_per_segment) == (
        "Class 7B", codebook, True, 3)
    assert Membership.objects.get(project=project).user == staff
    assert Membership.objects.get(project=project).role == "manager"
    entry = AuditEntry.objects.get(project=project)
    assert (entry.actor, entry.action) == (staff, "project.created")


def test_a_user_with_the_add_project_permission_may_create_one(codebook, cast):
    cast["ann1"].user_permissions.add(Permission.objects.get(codename="add_project"))
    assert client_for(cast["ann1"]).post(NEW, new_project(codebook)).status_code == 302
    assert Project.objects.get(slug="class-7b").memberships.get().user == cast["ann1"]


def test_others_get_the_friendly_403(codebook, cast):
    for username in ["manager", "outsider"]:
        response = client_for(cast[username]).get(NEW)
        assert response.status_code == 403
        assert "Only staff and users allowed to add projects may create one" in response.content.decode()
        assert client_for(cast[username]).post(NEW, new_project(codebook)).status_code == 403
    assert not Project.objects.filter(slug="class-7b").exists()


def test_anonymous_users_are_sent_to_log_in(db):
    assert Client().get(NEW)["Location"].startswith("/accounts/login/")


def test_only_published_codebooks_are_offered_newest_first(codebook, staff):
    draft = Codebook.objects.create(key=codebook.key, name="draft", version=codebook.version + 1, status="draft")
    newer = Codebook.objects.create(key=codebook.key, name="newer", version=codebook.version + 2)
    page = client_for(staff).get(NEW).content.decode()
    assert f'<option value="{draft.pk}"' not in page
    assert page.index(f'<option value="{newer.pk}"') < page.index(f'<option value="{codebook.pk}"')
    response = client_for(staff).post(NEW, new_project(codebook, codebook=draft.pk))
    assert response.status_code == 400 and 'id="id_codebook-errors"' in response.content.decode()
    assert not Project.objects.filter(slug="class-7b").exists()


@pytest.mark.parametrize("field, value", [("slug", "telesur"), ("slug", "new"), ("slug", "no spaces"),
                                          ("annotators_per_segment", 0), ("annotators_per_segment", 21),
                                          ("name", "")])
def test_bad_input_is_a_form_error_naming_the_field(project, staff, field, value):
    response = client_for(staff).post(NEW, new_project(project.codebook, **{field: value}))
    assert response.status_code == 400
    assert f'id="id_{field}-errors"' in response.content.decode()
    assert Project.objects.count() == 1 and not AuditEntry.objects.exists()


def test_the_projects_page_offers_new_project_only_to_those_who_may(project, cast, staff):
    link = f'href="{NEW}"'
    assert link in client_for(staff).get("/").content.decode()
    assert link not in client_for(cast["manager"]).get("/").content.decode()


def test_the_demo_manager_is_staff_who_sees_only_the_demo_project_in_the_admin(codebook, settings):
    from django.core.management import call_command


    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    Project.objects.create(slug="hidden-desk", name="Hidden desk", codebook=codebook)
    manager = Membership.objects.get(project__slug="telesur-iran-venezuela", role="manager").user
    assert (manager.is_staff, manager.is_superuser) == (True, False)
    assert list(manager.groups.values_list("name", flat=True)) == ["Project managers"]
    assert manager.has_perm("annotate.change_project") and not manager.has_perm("annotate.delete_project")
    client = client_for(manager)
    listing = client.get("/admin/annotate/project/")
    assert listing.status_code == 200
    assert "TeleSUR: Iran-Venezuela" in listing.content.decode() and "Hidden desk" not in listing.content.decode()
    assert client.get("/admin/annotate/annotation/").status_code == 200
    assert f'href="{NEW}"' in client.get("/").content.decode()
    call_command("load_demo", stdout=io.StringIO())
    assert manager.groups.count() == 1


def test_a_slug_taken_after_the_form_checked_it_is_an_error_naming_the_slug(project, staff):
    from django.core.exceptions import ValidationError

    from annotate.project_settings import create_project

    values = {"slug": project.slug, "name": "Twin", "codebook": project.codebook, "annotators_per_segment": 2}
    with pytest.raises(ValidationError, match="slug: “telesur” is taken"):
        create_project(actor=staff, values=values)
    assert Project.objects.count() == 1 and not Membership.objects.filter(user=staff).exists()
    assert not AuditEntry.objects.exists()
