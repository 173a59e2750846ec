"""Admin review of tags: filters, search, the sentence beside each tag, bulk actions with a note, history."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from annotate.gold import assert_gold_consistent
from annotate.models import Annotation, Membership, Project
from annotate.reviewing import review_annotations
from tests.api_helpers import create_tag, make_span

CHANGELIST = "/admin/annotate/annotation/"


@pytest.fixture
def tags(project, document, cast, label):
    return {
        "lifeline": make_span(project, document, cast["ann1"], label, "lifeline"),
        "crippled": make_span(project, document, cast["ann2"], label, "crippled", attributes={"polarity": "negative"}),
        "source": make_span(project, document, cast["ann1"], label, "Mohammad Bagher Ghalibaf", layer="attribution",
                            key="source", startswith="Iranian officials"),
    }


@pytest.fixture
def admin_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    return client


def staff_client(user):
    """Log a project member into the admin as staff allowed to view and change annotations."""
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_annotation", "change_annotation"]))
    client = Client()
    client.force_login(user)
    return client


def listed(response):
    return {annotation.pk for annotation in response.context["cl"].result_list}


def run_action(client, action, annotations, note="", versions=None):
    data = {"action": f"{action}_selected", "_selected_action": [a.pk for a in annotations], "apply": "yes",
            "note": note}
    for annotation in annotations:
        data[f"version_{annotation.pk}"] = (versions or {}).get(annotation.pk, annotation.version)
    return client.post(CHANGELIST, data, follow=True)


def test_changelist_shows_the_sentence_with_the_quote_marked(admin_client, tags):
    html = admin_client.get(CHANGELIST).content.decode()
    assert "when U.S. sanctions <mark>crippled</mark> Venezuela" in html
    assert "Iran stepped in with a <mark>lifeline</mark>" in html


@pytest.mark.parametrize(("query", "expected"), [
    ("layer=attribution", {"source"}),
    ("layer=loaded_language", {"lifeline", "crippled"}),
    ("status__exact=pending", {"lifeline", "crippled", "source"}),
    ("status__exact=accepted", set()),
    ("q=crippled", {"crippled"}),
    ("gold__exact=1", set()),
])
def test_changelist_filters_and_search(admin_client, tags, query, expected):
    response = admin_client.get(f"{CHANGELIST}?{query}")
    assert listed(response) == {tags[name].pk for name in expected}


def test_filters_by_project_document_label_and_annotator(admin_client, tags, project, document, cast):
    for query in [f"project__id__exact={project.pk}", f"document__id__exact={document.pk}",
                  f"label__id__exact={tags['lifeline'].label_id}", f"annotator__id__exact={cast['ann2'].pk}"]:
        assert admin_client.get(f"{CHANGELIST}?{query}").status_code == 200, query
    response = admin_client.get(f"{CHANGELIST}?annotator__id__exact={cast['ann2'].pk}")
    assert listed(response) == {tags["crippled"].pk}


def test_staff_reviewers_see_only_their_projects(tags, cast, codebook, label):
    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    reviewer = staff_client(cast["reviewer"])
    assert listed(reviewer.get(CHANGELIST)) == {tag.pk for tag in tags.values()}
    Membership.objects.filter(user=cast["reviewer"]).update(project=other)
    assert listed(reviewer.get(CHANGELIST)) == set()
    annotator = staff_client(cast["ann1"])
    assert listed(annotator.get(CHANGELIST)) == set()


def test_bulk_action_asks_for_a_note_first(admin_client, tags):
    response = admin_client.post(CHANGELIST, {"action": "reject_selected",
                                              "_selected_action": [tags["lifeline"].pk, tags["crippled"].pk]})
    html = response.content.decode()
    assert response.status_code == 200 and 'name="note"' in html and "Reject 2 annotations" in html
    assert f'name="version_{tags["lifeline"].pk}" value="1"' in html
    assert Annotation.objects.filter(status="pending").count() == 3


def test_bulk_accept_records_reviewer_time_and_note_and_makes_gold(tags, cast):
    client = staff_client(cast["reviewer"])
    response = run_action(client, "accept", [tags["lifeline"], tags["crippled"]], note="both loaded")
    assert "Accepted: 2 annotations, 2 gold annotations" in response.content.decode()
    for name in ("lifeline", "crippled"):
        tag = Annotation.objects.get(pk=tags[name].pk)
        assert (tag.status, tag.reviewer, tag.review_note, tag.version) == ("accepted", cast["reviewer"],
                                                                            "both loaded", 2)
        assert tag.reviewed_at is not None and tag.gold_versions.get().gold


@pytest.mark.parametrize("action", ["reject", "dispute"])
def test_bulk_reject_and_dispute(admin_client, tags, action):
    run_action(admin_client, action, [tags["lifeline"]], note="no")
    assert Annotation.objects.get(pk=tags["lifeline"].pk).status == {"reject": "rejected", "dispute": "disputed"}[
        action]


def test_a_bulk_action_with_one_stale_item_saves_nothing_and_names_it(tags, cast):
    client = staff_client(cast["reviewer"])
    crippled = tags["crippled"]
    response = run_action(client, "accept", [tags["lifeline"], crippled], versions={crippled.pk: 9})
    html = response.content.decode()
    assert "Nothing was saved" in html and f"annotation {crippled.pk} was changed since you loaded it" in html
    assert Annotation.objects.filter(status="pending").count() == 3
    assert not Annotation.objects.filter(gold=True).exists()


def test_a_bulk_action_over_a_relation_without_its_spans_saves_nothing(admin_client, tags, project, document, cast,
                                                                       label):
    content = make_span(project, document, cast["ann1"], label, "this sentiment", layer="attribution",
                        key="content", startswith="Iranian officials")
    relation = create_tag(
        project=project, document=document, annotator=cast["ann1"], label=label("attribution_relation",
                                                                                "attributed_to"),
        relation_content=content, relation_source=tags["source"], attributes={"form": "allusion_no_content"},
    )
    html = run_action(admin_client, "accept", [tags["lifeline"], content, relation]).content.decode()
    assert f"annotation {relation.pk}: accept its source span (annotation {tags['source'].pk}) first" in html
    assert not Annotation.objects.filter(gold=True).exists()


def test_history_page_lists_the_review(admin_client, tags, cast):
    tag = tags["lifeline"]
    review_annotations(reviewer=cast["reviewer"], items=[(tag.pk, 1)], action="dispute", note="ask the team")
    html = admin_client.get(f"{CHANGELIST}{tag.pk}/history/").content.decode()
    assert "review: dispute" in html and "ask the team" in html and ">reviewer<" in html.replace("</a>", "<")


def test_gold_change_page_links_its_sources(admin_client, tags, cast):
    gold = review_annotations(reviewer=cast["reviewer"], items=[(tags["lifeline"].pk, 1)], action="accept")[0].gold
    html = admin_client.get(f"{CHANGELIST}{gold.pk}/change/").content.decode()
    assert f'/admin/annotate/annotation/{tags["lifeline"].pk}/change/">{tags["lifeline"].pk} by ann1</a>' in html


def test_the_change_form_saves_nothing_even_for_a_superuser(admin_client, tags):
    tag = tags["lifeline"]
    page = admin_client.get(f"{CHANGELIST}{tag.pk}/change/")
    assert page.status_code == 200 and not page.context["adminform"].form.fields
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(f"{CHANGELIST}{tag.pk}/change/", {
        "label": tag.label_id, "note": "edited in the admin", "attributes": '{"polarity": "negative"}',
    })
    assert response.status_code == 403
    tag.refresh_from_db()
    assert (tag.version, tag.note, tag.attributes) == (1, "", {"polarity": "positive"})


def test_an_accepted_tag_and_its_gold_copy_cannot_be_edited_added_or_deleted(admin_client, tags, cast):
    gold = review_annotations(reviewer=cast["reviewer"], items=[(tags["lifeline"].pk, 1)], action="accept")[0].gold
    for pk in (tags["lifeline"].pk, gold.pk):
        assert admin_client.post(f"{CHANGELIST}{pk}/change/", {"note": "changed"}).status_code == 403
        assert admin_client.post(f"{CHANGELIST}{pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(f"{CHANGELIST}add/", {"note": "new"}).status_code == 403
    response = admin_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [gold.pk],
                                              "post": "yes"}, follow=True)
    assert "No action selected" in response.content.decode()
    assert Annotation.objects.count() == 4
    assert {a.version for a in Annotation.objects.filter(pk__in=[tags["lifeline"].pk, gold.pk])} == {1, 2}


def test_bulk_accept_makes_consistent_gold_and_un_accept_withdraws_it(tags, cast, project):
    client = staff_client(cast["reviewer"])
    run_action(client, "accept", [tags["lifeline"], tags["crippled"]])
    assert Annotation.objects.filter(gold=True).count() == 2
    assert_gold_consistent(project)
    lifeline = Annotation.objects.get(pk=tags["lifeline"].pk)
    response = run_action(client, "unaccept", [lifeline], note="too hasty")
    assert "Un-accepted: 1 annotation" in response.content.decode()
    lifeline.refresh_from_db()
    assert (lifeline.status, lifeline.version) == ("pending", 3)
    assert not lifeline.gold_versions.exists() and Annotation.objects.filter(gold=True).count() == 1
    assert_gold_consistent(project)


def test_un_accept_asks_for_a_note_and_names_what_it_does(admin_client, tags):
    response = admin_client.post(CHANGELIST, {"action": "unaccept_selected", "_selected_action": [tags["lifeline"].pk]})
    html = response.content.decode()
    assert "Un-accept 1 annotation" in html and "<strong>un-accepted</strong>" in html


def test_the_review_actions_are_offered_only_to_reviewers(tags, cast):
    reviewer = staff_client(cast["reviewer"]).get(CHANGELIST)
    offered = {name for name, _ in reviewer.context["action_form"].fields["action"].choices}
    assert offered == {"", "accept_selected", "reject_selected", "dispute_selected", "unaccept_selected"}
    annotator = staff_client(cast["ann1"]).get(CHANGELIST)
    assert "action_form" not in annotator.context or annotator.context["action_form"] is None


@pytest.mark.parametrize(("model", "user", "sees_own_project"), [
    ("document", "manager", True), ("document", "reviewer", False), ("project", "manager", True),
    ("membership", "manager", True), ("segment", "reviewer", True), ("segment", "ann1", False),
    ("segmentprogress", "reviewer", True), ("segmentcomment", "reviewer", True),
])
def test_staff_see_other_models_only_for_projects_they_run(document, cast, codebook, model, user, sees_own_project):
    from annotate.importing import import_article
    from annotate.models import SegmentComment, SegmentProgress

    elsewhere = Project.objects.create(slug="elsewhere", name="Elsewhere", codebook=codebook)
    other = import_article(project=elsewhere, name="o.txt", raw=b"Other title\n\nOther sentence.").document
    Membership.objects.create(project=elsewhere, user=cast["outsider"], role="manager")
    for segment in (document.segments.first(), other.segments.first()):
        SegmentProgress.objects.create(segment=segment, annotator=cast["outsider"])
        SegmentComment.objects.create(segment=segment, author=cast["outsider"], text="note")
    member = cast[user]
    member.is_staff = True
    member.save()
    member.user_permissions.add(*Permission.objects.filter(codename=f"view_{model}"))
    client = Client()
    client.force_login(member)
    response = client.get(f"/admin/annotate/{model}/")
    assert response.status_code == 200
    projects = set()
    for row in response.context["cl"].result_list:
        project = row if model == "project" else getattr(row, "project", None)
        if project is None:
            segment = row if model == "segment" else row.segment
            project = segment.document.project
        projects.add(project.slug)
    assert "elsewhere" not in projects
    assert ("telesur" in projects) == sees_own_project
