"""The settings and members pages: the rules in members.py and project_settings.py, and the pages over them."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from annotate import members
from annotate.models import Annotation, Assignment, AuditEntry, Membership
from annotate.project_settings import StaleSettings, save_settings, settings_token
from tests.api_helpers import make_span


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def settings_post(project, token, **changes):
    data = {"name": project.name, "description": project.description, "guidelines": project.guidelines,
            "annotators_per_segment": project.annotators_per_segment, "token": token}
    if project.blind:
        data["blind"] = "on"
    data.update(changes)
    return data


def url(name, project, *args):
    return reverse(name, args=[project.slug, *args])


# Access


@pytest.mark.parametrize("name", ["project-settings", "project-members", "project-audit"])
def test_annotator_and_reviewer_get_403_and_outsider_404_on_settings_pages(project, cast, name):
    for username, status in [("ann1", 403), ("reviewer", 403), ("outsider", 404), ("manager", 200)]:
        assert client_for(cast[username]).get(url(name, project)).status_code == status, username


@pytest.mark.parametrize("name, args, data", [
    ("member-add", [], {"username": "outsider", "role": "annotator"}),
    ("member-create", [], {"username": "newbie", "role": "annotator"}),
    ("member-role", ["ann2"], {"role": "manager"}),
    ("member-remove", ["ann2"], {}),
])
def test_only_managers_change_members(project, cast, name, args, data):
    args = [cast[a].pk for a in args]
    before = list(Membership.objects.values_list("user__username", "role"))
    assert client_for(cast["ann1"]).post(url(name, project, *args), data).status_code == 403
    assert client_for(cast["outsider"]).post(url(name, project, *args), data).status_code == 404
    assert list(Membership.objects.values_list("user__username", "role")) == before
    assert not get_user_model().objects.filter(username="newbie").exists()
    assert not AuditEntry.objects.exists()


def test_member_changes_need_post(project, cast):
    assert client_for(cast["manager"]).get(url("member-remove", project, cast["ann2"].pk)).status_code == 405
    assert project.memberships.filter(user=cast["ann2"]).exists()


def test_member_forms_need_the_csrf_token(project, cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["manager"])
    assert client.post(url("member-remove", project, cast["ann2"].pk)).status_code == 403
    assert project.memberships.filter(user=cast["ann2"]).exists()


# Members: rules


def test_the_last_manager_cannot_be_demoted_or_removed(project, cast):
    manager = cast["manager"]
    with pytest.raises(members.MemberError, match="manager is the project's last manager"):
        members.change_role(project=project, actor=manager, user_id=manager.pk, role="annotator")
    with pytest.raises(members.MemberError, match="manager is the project's last manager"):
        members.remove_member(project=project, actor=manager, user_id=manager.pk)
    assert project.memberships.get(user=manager).role == "manager"
    assert not AuditEntry.objects.exists()


def test_a_manager_may_step_down_when_another_manager_remains(project, cast):
    members.change_role(project=project, actor=cast["manager"], user_id=cast["reviewer"].pk, role="manager")
    members.change_role(project=project, actor=cast["manager"], user_id=cast["manager"].pk, role="reviewer")
    assert dict(project.memberships.values_list("user__username", "role"))["manager"] == "reviewer"


def test_adding_an_unknown_username_names_it(project, cast):
    with pytest.raises(members.MemberError, match="no user is called “ghost”") as error:
        members.add_member(project=project, actor=cast["manager"], username="ghost", role="annotator")
    assert error.value.field == "username"


def test_adding_a_member_twice_is_refused(project, cast):
    with pytest.raises(members.MemberError, match="“ann1” is already a member"):
        members.add_member(project=project, actor=cast["manager"], username="ann1", role="reviewer")
    assert project.memberships.get(user=cast["ann1"]).role == "annotator"


def test_a_bad_role_is_refused_naming_the_field(project, cast):
    with pytest.raises(members.MemberError, match="role: “boss” is not one of") as error:
        members.add_member(project=project, actor=cast["manager"], username="outsider", role="boss")
    assert error.value.field == "role"
    assert not project.memberships.filter(user=cast["outsider"]).exists()


def test_adding_a_user_records_who_added_whom(project, cast):
    members.add_member(project=project, actor=cast["manager"], username="outsider", role="reviewer")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.summary) == (cast["manager"], "member.added", "added outsider as reviewer")
    assert entry.detail == {"user": "outsider", "role": "reviewer"}


def test_removing_a_member_keeps_their_tags_credited_to_them(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    members.remove_member(project=project, actor=cast["manager"], user_id=cast["ann1"].pk)
    assert not project.memberships.filter(user=cast["ann1"]).exists()
    assert Annotation.objects.get(pk=tag.pk).annotator == cast["ann1"]
    assert get_user_model().objects.filter(pk=cast["ann1"].pk).exists()
    assert AuditEntry.objects.get().summary == "removed ann1 (annotator); their 1 tags stay"


def test_creating_a_taken_username_is_refused_whatever_its_case(project, cast):
    with pytest.raises(members.MemberError, match="“ANN1” is taken"):
        members.create_member(project=project, actor=cast["manager"], username="ANN1")


def test_creating_a_user_with_a_bad_email_names_the_field(project, cast):
    with pytest.raises(members.MemberError) as error:
        members.create_member(project=project, actor=cast["manager"], username="newbie", email="not-an-address")
    assert error.value.field == "email"
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_a_created_user_has_no_password_until_the_link_is_used(project, cast):
    membership, path = members.create_member(project=project, actor=cast["manager"], username="newbie",
                                             role="reviewer")
    assert membership.role == "reviewer"
    assert not membership.user.has_usable_password()
    assert path.startswith("/accounts/reset/")
    assert AuditEntry.objects.get().action == "member.created"


# Members: pages


def test_the_members_page_lists_roles_and_tag_counts_in_constant_queries(
        project, document, cast, label, django_assert_num_queries, django_user_model):
    make_span(project, document, cast["ann1"], label, "lifeline")
    make_span(project, document, cast["ann1"], label, "crippled")
    make_span(project, document, cast["ann2"], label, "crippled")
    client = client_for(cast["manager"])
    # Session, user, membership, members with their tag counts, former members with theirs.
    with django_assert_num_queries(5):
        response = client.get(url("project-members", project))
    rows = re.findall(r'data-member="(\w+)">.*?<td class="num">(\d+)</td>', response.content.decode(), re.S)
    assert rows == [("ann1", "2"), ("ann2", "1"), ("manager", "0"), ("reviewer", "0")]
    for n in range(5):
        Membership.objects.create(project=project, user=django_user_model.objects.create_user(f"extra{n}"))
    with django_assert_num_queries(5):
        client.get(url("project-members", project))


def test_the_members_page_names_former_members_whose_tags_stay(project, document, cast, label):
    make_span(project, document, cast["ann1"], label, "lifeline")
    make_span(project, document, cast["ann1"], label, "crippled")
    client = client_for(cast["manager"])
    assert "Former members" not in client.get(url("project-members", project)).content.decode()
    members.remove_member(project=project, actor=cast["manager"], user_id=cast["ann1"].pk)
    page = client.get(url("project-members", project)).content.decode()
    assert '<span data-former="ann1">ann1 (2 tags)</span>' in page and 'data-member="ann1"' not in page


def test_adding_an_unknown_user_on_the_page_shows_a_form_error(project, cast):
    response = client_for(cast["manager"]).post(url("member-add", project), {"username": "ghost", "role": "annotator"})
    assert response.status_code == 400
    assert "username: no user is called “ghost”" in response.content.decode()


def test_adding_a_user_on_the_page_makes_them_a_member(project, cast):
    response = client_for(cast["manager"]).post(url("member-add", project),
                                                {"username": "outsider", "role": "annotator"})
    assert response.status_code == 302
    assert project.memberships.get(user=cast["outsider"]).role == "annotator"


def test_demoting_the_last_manager_on_the_page_is_refused(project, cast):
    response = client_for(cast["manager"]).post(url("member-role", project, cast["manager"].pk), {"role": "annotator"})
    assert response.status_code == 400
    assert "manager is the project&#x27;s last manager" in response.content.decode()
    assert project.memberships.get(user=cast["manager"]).role == "manager"


def test_a_bad_role_on_the_page_is_a_400_naming_the_field(project, cast):
    response = client_for(cast["manager"]).post(url("member-role", project, cast["ann1"].pk), {"role": "king"})
    assert response.status_code == 400
    assert "role: choose one of" in response.content.decode()


def test_removing_a_non_member_is_a_400_not_a_500(project, cast):
    response = client_for(cast["manager"]).post(url("member-remove", project, cast["outsider"].pk))
    assert response.status_code == 400
    assert "user: not a member of this project" in response.content.decode()


def test_the_set_password_link_works_once_and_is_shown_once(project, cast, client):
    manager = client_for(cast["manager"])
    response = manager.post(url("member-create", project), {"username": "newbie", "email": "", "role": "annotator"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    link = re.search(r'id="set-password-link" value="([^"]+)"', response.content.decode()).group(1)
    assert link.startswith("http://testserver/accounts/reset/")
    assert link not in manager.get(url("project-members", project)).content.decode()
    assert link not in str(list(AuditEntry.objects.values_list("summary", "detail")))

    form_page = client.get(link, follow=True)
    assert "Set your password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0],
                       {"new_password1": "a long new secret 42", "new_password2": "a long new secret 42"}, follow=True)
    assert "Password set" in done.content.decode()
    logged_in = Client().post("/accounts/login/", {"username": "newbie", "password": "a long new secret 42"})
    assert (logged_in.status_code, logged_in["Location"]) == (302, "/")

    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


# Settings


def test_saving_settings_records_each_change(project, cast):
    client = client_for(cast["manager"])
    data = settings_post(project, settings_token(project), name="TeleSUR desk", guidelines="# Read *twice*",
                         annotators_per_segment=3)
    assert client.post(url("project-settings", project), data).status_code == 302
    project.refresh_from_db()
    assert (project.name, project.guidelines, project.annotators_per_segment) == ("TeleSUR desk", "# Read *twice*", 3)
    entry = AuditEntry.objects.get()
    assert entry.action == "settings.changed"
    assert entry.summary == "name 'TeleSUR' → 'TeleSUR desk'; guidelines changed; annotators_per_segment 2 → 3"
    assert entry.detail["changes"] == {"name": ["TeleSUR", "TeleSUR desk"], "guidelines": "changed",
                                       "annotators_per_segment": [2, 3]}


def test_saving_unchanged_settings_records_nothing(project, cast):
    client = client_for(cast["manager"])
    response = client.post(url("project-settings", project), settings_post(project, settings_token(project)))
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()


def test_a_stale_settings_form_is_refused_showing_what_changed(project, cast):
    token = settings_token(project)
    save_settings(project=project, actor=cast["manager"], token=token,
                  values={**settings_post(project, token), "name": "Renamed by another", "blind": True})
    response = client_for(cast["manager"]).post(url("project-settings", project),
                                                settings_post(project, token, name="Mine", annotators_per_segment=5))
    assert response.status_code == 409
    page = response.content.decode()
    assert "someone changed these settings" in page and "Renamed by another" in page
    project.refresh_from_db()
    assert (project.name, project.annotators_per_segment) == ("Renamed by another", 2)
    assert AuditEntry.objects.count() == 1


def test_save_settings_refuses_a_forged_token(project, cast):
    with pytest.raises(StaleSettings):
        save_settings(project=project, actor=cast["manager"], token="forged", values={"name": "x"})


@pytest.mark.parametrize("field, value", [("annotators_per_segment", 0), ("annotators_per_segment", 21),
                                          ("annotators_per_segment", "many"), ("name", "")])
def test_bad_settings_are_form_errors_naming_the_field(project, cast, field, value):
    data = settings_post(project, settings_token(project), **{field: value})
    response = client_for(cast["manager"]).post(url("project-settings", project), data)
    assert response.status_code == 400
    assert f'id="id_{field}-errors"' in response.content.decode()
    project.refresh_from_db()
    assert project.annotators_per_segment == 2 and project.name == "TeleSUR"


def test_preview_shows_sanitised_guidelines_and_saves_nothing(project, cast):
    data = settings_post(project, settings_token(project), guidelines="**Bold** <script>alert(1)</script>",
                         preview="1")
    response = client_for(cast["manager"]).post(url("project-settings", project), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Bold</strong>" in page and "<script>alert" not in page
    project.refresh_from_db()
    assert project.guidelines == ""
    assert not AuditEntry.objects.exists()


def test_the_project_page_links_managers_to_settings(project, cast):
    link = f'href="{url("project-settings", project)}"'
    assert link in client_for(cast["manager"]).get(url("document-list", project)).content.decode()
    assert link not in client_for(cast["reviewer"]).get(url("document-list", project)).content.decode()


def test_a_role_changed_by_someone_else_meanwhile_is_not_overwritten(project, cast):
    members.change_role(project=project, actor=cast["manager"], user_id=cast["ann1"].pk, role="reviewer")
    response = client_for(cast["manager"]).post(url("member-role", project, cast["ann1"].pk),
                                                {"role": "manager", "was": "annotator"})
    assert response.status_code == 400
    assert "ann1 has been reviewer since you opened the page" in response.content.decode()
    assert project.memberships.get(user=cast["ann1"]).role == "reviewer"
    assert AuditEntry.objects.count() == 1


def test_removing_a_member_frees_their_assignments_but_keeps_their_tags(project, document, cast, label):
    from annotate.assignment import assign_documents

    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    assign_documents(project=project, documents=[document], annotators=[cast["ann1"], cast["ann2"]],
                     by=cast["manager"])
    members.remove_member(project=project, actor=cast["manager"], user_id=cast["ann1"].pk)
    assert list(Assignment.objects.values_list("annotator__username", flat=True)) == ["ann2"]
    assert Annotation.objects.get(pk=tag.pk).annotator == cast["ann1"]
    entry = AuditEntry.objects.filter(action="member.removed").get()
    assert entry.summary == "removed ann1 (annotator); their 1 tags stay, their 1 assignments are freed"
