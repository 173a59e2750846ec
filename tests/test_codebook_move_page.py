"""The page that moves a project to another codebook version: access, the plan, choices, the move, queries."""

import pytest
from django.urls import reverse

from annotate.models import Annotation, AuditEntry, Codebook, Label
from tests.api_helpers import bulk_create_tags, create_tag
from tests.codebook_versions import next_version

MERGE = {"framing": {"ethics": ["morality", "fairness_equality"]}}
# session, user, membership (managed), target codebook; the plan: the project's codebook, the version chain,
# the old labels, the origins, old and new labels, tag counts, old and new layers, tag places; the impact: the
# dashboard's seven reads, then the target's layers and labels.
PAGE_QUERIES = 23


@pytest.fixture
def tagged(project, document, cast, label):
    segments = list(document.segments.order_by("index")[:3])
    for who, key in (("ann1", "morality"), ("ann2", "fairness_equality")):
        create_tag(project=project, document=document, segment=segments[0], annotator=cast[who],
                   label=label("framing", key))
    create_tag(project=project, document=document, segment=segments[1], annotator=cast["ann1"],
               label=label("framing", "legality"))
    return segments


def url(project, target):
    return reverse("project-codebook-move", args=[project.slug, target.pk])


def client_as(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(("who", "status"), [("ann1", 403), ("reviewer", 403), ("outsider", 404)])
def test_only_managers_open_the_move_page(client, project, codebook, cast, who, status):
    target = next_version(codebook)
    assert client_as(client, cast[who]).get(url(project, target)).status_code == status
    assert client_as(client, cast[who]).post(url(project, target), {"expected_codebook": codebook.pk}
                                             ).status_code == status
    project.refresh_from_db()
    assert project.codebook == codebook


def test_an_anonymous_visitor_is_sent_to_log_in(client, project, codebook, cast):
    response = client.get(url(project, next_version(codebook)))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_codebook_is_404(client, project, cast):
    response = client_as(client, cast["manager"]).get(reverse("project-codebook-move", args=[project.slug, 999999]))
    assert response.status_code == 404


def test_another_projects_draft_or_another_codebook_line_is_404(client, project, codebook, cast):
    from annotate.codebooks import load_codebook
    from annotate.models import Project

    other = Project.objects.create(slug="other", name="Other desk", codebook=codebook)
    theirs = next_version(codebook, status=Codebook.Status.DRAFT)
    Codebook.objects.filter(pk=theirs.pk).update(made_for=other)
    foreign, _ = load_codebook({"key": "elsewhere", "version": 1, "layers": []})
    manager = client_as(client, cast["manager"])
    for target in (theirs, foreign):
        response = manager.get(url(project, target))
        assert response.status_code == 404 and "Other desk" not in response.content.decode()


def test_the_plan_shows_each_label_its_change_and_the_merge_impact(client, project, codebook, cast, tagged):
    target = next_version(codebook, merges=MERGE, removed={"framing": ["legality"]})
    response = client_as(client, cast["manager"]).get(url(project, target))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-layer="framing" data-label="morality" data-kind="merged"' in page
    assert 'data-label="legality" data-kind="removed"' in page
    assert 'id="move-impact"' in page and 'data-layer="framing"' in page
    legality = Label.objects.get(layer__codebook=codebook, layer__key="framing", key="legality")
    assert f'name="label-{legality.pk}" required' in page
    assert f'name="expected_codebook" value="{codebook.pk}"' in page


def test_the_plan_page_reads_a_fixed_number_of_queries(client, project, codebook, document, cast, tagged, label,
                                                        django_assert_num_queries):
    target = next_version(codebook, merges=MERGE)
    client_as(client, cast["manager"])
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(url(project, target)).status_code == 200
    bulk_create_tags([Annotation(project=project, document=document, segment=other, annotator=cast["ann2"],
                                 label=label("framing", "morality")) for other in document.segments.all()[3:40]])
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(url(project, target)).status_code == 200


def test_a_draft_target_is_refused_with_a_message(client, project, codebook, cast):
    target = next_version(codebook, status=Codebook.Status.DRAFT)
    Codebook.objects.filter(pk=target.pk).update(made_for=project)  # the project's own draft
    response = client_as(client, cast["manager"]).get(url(project, target))
    assert response.status_code == 400 and "is a draft" in response.content.decode()


def test_a_missing_choice_is_a_form_error_and_nothing_moves(client, project, codebook, cast, tagged):
    target = next_version(codebook, removed={"framing": ["legality"]})
    response = client_as(client, cast["manager"]).post(url(project, target), {"expected_codebook": codebook.pk})
    assert response.status_code == 400 and "framing:legality" in response.content.decode()
    project.refresh_from_db()
    assert project.codebook == codebook and not AuditEntry.objects.exists()


@pytest.mark.parametrize("expected", ["", "x", "99999999999999999999", "-1"])
def test_a_bad_expected_codebook_is_refused_without_a_server_error(client, project, codebook, cast, tagged, expected):
    target = next_version(codebook, merges=MERGE)
    response = client_as(client, cast["manager"]).post(url(project, target), {"expected_codebook": expected})
    assert response.status_code == 400 and "reload the plan" in response.content.decode()


def test_a_bad_choice_names_the_label(client, project, codebook, cast, tagged):
    target = next_version(codebook, removed={"framing": ["legality"]})
    legality = Label.objects.get(layer__codebook=codebook, layer__key="framing", key="legality")
    response = client_as(client, cast["manager"]).post(
        url(project, target), {"expected_codebook": codebook.pk, f"label-{legality.pk}": "nonsense"})
    assert response.status_code == 400 and "framing:legality" in response.content.decode()


def test_confirming_moves_the_project_and_reports_the_counts(client, project, codebook, cast, tagged):
    target = next_version(codebook, merges=MERGE, removed={"framing": ["legality"]})
    legality = Label.objects.get(layer__codebook=codebook, layer__key="framing", key="legality")
    response = client_as(client, cast["manager"]).post(
        url(project, target), {"expected_codebook": codebook.pk, f"label-{legality.pk}": "delete"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("codebook-versions", args=[project.slug]), 302)]
    assert f"now uses {target}" in page and "2 merged" in page and "1 deleted" in page
    project.refresh_from_db()
    assert project.codebook == target
    assert set(Annotation.objects.values_list("label__key", flat=True)) == {"ethics"}


def test_a_second_confirm_of_the_same_plan_is_refused(client, project, codebook, cast, tagged):
    target = next_version(codebook, merges=MERGE, removed={"framing": ["legality"]})
    legality = Label.objects.get(layer__codebook=codebook, layer__key="framing", key="legality")
    data = {"expected_codebook": codebook.pk, f"label-{legality.pk}": "delete"}
    client_as(client, cast["manager"]).post(url(project, target), data)
    response = client.post(url(project, target), data)
    assert response.status_code == 400 and "already uses" in response.content.decode()
