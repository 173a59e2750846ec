"""Assignment pages, the annotator's queue, the way to the next sentence, and progress and agreement by assignment."""

import pytest
from django.urls import reverse

from annotate.assignment import assign_documents, auto_assign, set_strategy
from annotate.dashboard import agreement_figures, fetch_rows, progress_figures
from annotate.models import Assignment, AuditEntry, Project, SegmentProgress
from tests.api_helpers import create_tag
from tests.test_dashboard import DASHBOARD_QUERIES, make_document

PAGE = "project-assignment"
POSTS = ["project-assignment-strategy", "project-assignment-auto", "project-assignment-assign",
         "project-assignment-unassign", "project-assignment-move"]


@pytest.fixture
def docs(project):
    return [make_document(project, [f"{title} {n}." for n in range(size)], title=title)[0]
            for title, size in (("A", 3), ("B", 1), ("C", 2))]


def as_user(client, user):
    client.force_login(user)
    return client


def url(name, project):
    return reverse(name, args=[project.slug])


@pytest.mark.parametrize("name", [PAGE, *POSTS])
@pytest.mark.parametrize(("who", "status"), [("ann1", 403), ("reviewer", 403), ("outsider", 404)])
def test_only_managers_reach_the_assignment_pages(client, project, cast, name, who, status):
    send = client.get if name == PAGE else client.post
    assert send(url(name, as_user(client, cast[who]) and project)).status_code == status
    assert not Assignment.objects.exists() and not AuditEntry.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, project):
    assert client.get(url(PAGE, project)).status_code == 302


def test_outsiders_get_404_for_the_next_sentence(client, project, cast):
    assert as_user(client, cast["outsider"]).get(url("project-next", project)).status_code == 404


def test_the_manager_chooses_round_robin_and_assigns(client, project, cast, docs):
    as_user(client, cast["manager"])
    client.post(url("project-assignment-strategy", project), {"assigning": "round_robin"})
    response = client.post(url("project-assignment-auto", project), follow=True)
    assert "6 new document assignments." in response.content.decode()
    assert Assignment.objects.filter(segment__isnull=True).count() == 6
    page = client.get(url(PAGE, project)).content.decode()
    assert 'data-annotator="ann1">0 / 3' in page and 'data-annotator="ann2">0 / 3' in page


def test_a_bad_strategy_is_a_form_error_naming_the_field(client, project, cast):
    response = as_user(client, cast["manager"]).post(url("project-assignment-strategy", project),
                                                     {"assigning": "lottery"}, follow=True)
    assert "How work reaches annotators: Select a valid choice" in response.content.decode()
    project.refresh_from_db()
    assert project.assigning == "open"


def test_auto_assign_in_an_open_project_says_why_not(client, project, cast, docs):
    response = as_user(client, cast["manager"]).post(url("project-assignment-auto", project), follow=True)
    assert "assigning: automatic assignment of documents needs" in response.content.decode()


def test_the_manager_assigns_and_unassigns_one_document_by_hand(client, project, cast, docs):
    as_user(client, cast["manager"])
    body = {"document": docs[0].pk, "annotators": [cast["ann1"].pk, cast["reviewer"].pk]}
    client.post(url("project-assignment-assign", project), body)
    assert sorted(Assignment.objects.values_list("annotator__username", flat=True)) == ["ann1", "reviewer"]
    client.post(url("project-assignment-unassign", project), {"document": docs[0].pk, "annotators": [cast["ann1"].pk]})
    assert list(Assignment.objects.values_list("annotator__username", flat=True)) == ["reviewer"]


def test_a_document_of_another_project_is_a_form_error(client, project, codebook, cast):
    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    foreign, _ = make_document(other, ["Elsewhere."])
    response = as_user(client, cast["manager"]).post(url("project-assignment-assign", project),
                                                     {"document": foreign.pk, "annotators": [cast["ann1"].pk]},
                                                     follow=True)
    assert "document: Select a valid choice" in response.content.decode()
    assert not Assignment.objects.exists()


def test_garbage_in_every_field_is_answered_without_a_server_error(client, project, cast, docs):
    as_user(client, cast["manager"])
    for name in POSTS:
        response = client.post(url(name, project), {"document": "x", "annotators": ["y"], "old": "", "new": "0",
                                                    "assigning": ["a", "b"]})
        assert response.status_code == 302
    huge = "9" * 30
    for name in POSTS:
        response = client.post(url(name, project), {"document": huge, "annotators": [huge], "old": huge, "new": huge})
        assert response.status_code == 302
    as_user(client, cast["ann1"])
    for after in ("zz", huge, "-1", ""):
        assert client.get(url("project-next", project) + f"?after={after}").status_code == 302


def test_the_manager_moves_work_and_the_page_says_tags_stay(client, project, cast, docs, label):
    assign_documents(project=project, documents=[docs[0]], annotators=[cast["ann1"]], by=cast["manager"])
    create_tag(project=project, document=docs[0], segment=docs[0].segments.first(), annotator=cast["ann1"],
               label=label("framing", "economic"))
    response = as_user(client, cast["manager"]).post(url("project-assignment-move", project), {
        "document": docs[0].pk, "old": cast["ann1"].pk, "new": cast["ann2"].pk}, follow=True)
    assert "tags already made stay" in response.content.decode()
    assert list(Assignment.objects.values_list("annotator__username", flat=True)) == ["ann2"]
    assert docs[0].annotations.get().annotator == cast["ann1"]


@pytest.mark.parametrize("extra", [1, 4])
def test_the_assignment_page_reads_a_fixed_number_of_queries(client, project, cast, extra, django_assert_num_queries):
    documents = [make_document(project, [f"Doc {n} sentence {i}." for i in range(3)], title=f"D{n}")[0]
                 for n in range(extra)]
    assign_documents(project=project, documents=documents, annotators=[cast["ann1"], cast["ann2"]],
                     by=cast["manager"])
    as_user(client, cast["manager"])
    # session, user, membership, then documents, segments, members, assignments, progress.
    with django_assert_num_queries(8):
        response = client.get(url(PAGE, project))
    assert response.content.decode().count("0 / 3") == 2 * extra


def test_an_open_project_shows_everyone_every_sentence_in_the_queue(client, project, cast, docs):
    page = as_user(client, cast["ann1"]).get(url("document-list", project)).content.decode()
    assert "0 of 6 sentences done: every sentence is yours." in page


def test_the_queue_counts_assigned_sentences_and_their_progress(client, project, cast, docs):
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    assign_documents(project=project, documents=[docs[0], docs[2]], annotators=[cast["ann1"]], by=cast["manager"])
    SegmentProgress.objects.create(segment=docs[0].segments.get(index=0), annotator=cast["ann1"])
    SegmentProgress.objects.create(segment=docs[1].segments.get(index=0), annotator=cast["ann1"])
    page = as_user(client, cast["ann1"]).get(url("document-list", project)).content.decode()
    assert "1 of 5 assigned sentences done, 4 left." in page
    assert 'aria-valuetext="1 of 3 sentences done"' in page and page.count("not assigned to you") == 1
    page = as_user(client, cast["ann2"]).get(url("document-list", project)).content.decode()
    assert "0 of 0 assigned sentences done" in page and "Nothing is assigned to you yet." in page


def test_next_sentence_goes_to_the_first_undone_assigned_sentence(client, project, cast, docs):
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    assign_documents(project=project, documents=[docs[2]], annotators=[cast["ann1"]], by=cast["manager"])
    SegmentProgress.objects.create(segment=docs[2].segments.get(index=0), annotator=cast["ann1"])
    response = as_user(client, cast["ann1"]).get(url("project-next", project))
    assert response.url == reverse("annotate-document", args=[project.slug, docs[2].pk]) + "#s2"


def test_next_sentence_with_nothing_left_goes_back_with_a_message(client, project, cast, docs):
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    response = as_user(client, cast["ann1"]).get(url("project-next", project), follow=True)
    assert response.redirect_chain[-1][0] == url("document-list", project)
    assert "Nothing left" in response.content.decode()


def test_a_get_never_assigns_but_a_post_asks_for_work_in_next_free(client, project, cast, docs):
    set_strategy(project=project, assigning="next_free", by=cast["manager"])
    as_user(client, cast["ann1"])
    client.get(url("project-next", project))
    assert not Assignment.objects.exists()
    response = client.post(url("project-next", project))
    assert response.url == reverse("annotate-document", args=[project.slug, docs[0].pk]) + "#s1"
    assert Assignment.objects.filter(annotator=cast["ann1"]).count() == 6


def test_the_annotation_page_knows_my_sentences_and_where_to_go_next(client, project, cast, docs):
    set_strategy(project=project, assigning="next_free", by=cast["manager"])
    a = docs[0]
    Assignment.objects.create(project=project, document=a, segment=a.segments.get(index=2), annotator=cast["ann1"])
    response = as_user(client, cast["ann1"]).get(reverse("annotate-document", args=[project.slug, a.pk]))
    data = response.context["page_data"]
    assert data["assigned"] == [a.segments.get(index=2).pk]
    assert data["next"] == {"url": url("project-next", project) + f"?after={a.pk}", "asks": True}


def test_progress_in_the_dashboard_counts_assigned_sentences_only(project, cast, docs):
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    assign_documents(project=project, documents=[docs[0]], annotators=[cast["ann1"]], by=cast["manager"])
    SegmentProgress.objects.create(segment=docs[0].segments.get(index=0), annotator=cast["ann1"])
    SegmentProgress.objects.create(segment=docs[1].segments.get(index=0), annotator=cast["ann2"])
    rows = fetch_rows(project, cast["reviewer"])
    figures = progress_figures(rows)
    assert [(r["annotator"], r["done"], r["total"]) for r in figures["annotators"]] == [("ann1", 1, 3), ("ann2", 0, 0)]


def unassigned_done_mark(project, cast, label):
    """ann1 has the document; ann2 has sentence 0 only but marked sentence 1 done without a tag."""
    document, (s0, s1) = make_document(project, ["Iran sent aid.", "Sanctions bit hard."])
    for segment in (s0, s1):
        create_tag(project=project, document=document, segment=segment, annotator=cast["ann1"],
                   label=label("framing", "economic"))
    create_tag(project=project, document=document, segment=s0, annotator=cast["ann2"],
               label=label("framing", "economic"))
    SegmentProgress.objects.bulk_create([SegmentProgress(segment=s, annotator=cast["ann2"]) for s in (s0, s1)])
    assign_documents(project=project, documents=[document], annotators=[cast["ann1"]], by=cast["manager"])
    Assignment.objects.create(project=project, document=document, segment=s0, annotator=cast["ann2"])
    return s1


def framing(project, cast):
    figures = agreement_figures(fetch_rows(project, cast["reviewer"]))
    return next(layer for layer in figures["segment_layers"] if layer["key"] == "framing")


def test_an_unassigned_annotators_cell_is_missing_not_no_tag(project, cast, label):
    s1 = unassigned_done_mark(project, cast, label)
    assert framing(project, cast)["disagreement_segment_ids"] == [s1.pk]
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    assert s1.pk not in fetch_rows(project, cast["reviewer"]).finished["ann2"]
    assert framing(project, cast)["disagreement_segment_ids"] == []


def test_reviewers_see_each_annotators_progress_on_their_assigned_sentences(client, project, cast, docs):
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    assign_documents(project=project, documents=[docs[0]], annotators=[cast["ann1"]], by=cast["manager"])
    Assignment.objects.create(project=project, document=docs[2], segment=docs[2].segments.get(index=1),
                              annotator=cast["ann1"])
    SegmentProgress.objects.create(segment=docs[0].segments.get(index=0), annotator=cast["ann1"])
    SegmentProgress.objects.create(segment=docs[2].segments.get(index=0), annotator=cast["ann1"])
    page = as_user(client, cast["reviewer"]).get(url("document-list", project)).content.decode()
    done_by_ann1 = [part.split('"')[0] for part in page.split('aria-label="Sentences done by ann1" '
                                                             'aria-valuetext="')[1:]]
    assert done_by_ann1 == ["1 of 3 sentences done", "0 of 0 sentences done", "0 of 1 sentences done"]


def test_the_dashboard_says_progress_counts_assigned_sentences(client, project, cast, docs):
    as_user(client, cast["reviewer"])
    assert "Assigned sentences marked done" not in client.get(url("dashboard", project)).content.decode()
    set_strategy(project=project, assigning="balanced", by=cast["manager"])
    assert "Assigned sentences marked done" in client.get(url("dashboard", project)).content.decode()


@pytest.mark.parametrize("extra", [1, 3])
def test_the_dashboard_reads_one_more_query_for_the_assignment_whatever_its_size(
        client, project, cast, extra, django_assert_num_queries):
    documents = [make_document(project, [f"Doc {n} sentence {i}." for i in range(3)], title=f"D{n}")[0]
                 for n in range(extra)]
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    auto_assign(project=project, by=cast["manager"])
    for document in documents:
        Assignment.objects.create(project=project, document=document, segment=document.segments.first(),
                                  annotator=cast["reviewer"])
    as_user(client, cast["reviewer"])
    with django_assert_num_queries(DASHBOARD_QUERIES + 1):
        assert client.get(url("dashboard", project)).status_code == 200


@pytest.mark.parametrize(("who", "queries"), [("ann1", 4), ("reviewer", 7)])
@pytest.mark.parametrize("extra", [1, 3])
def test_the_project_page_reads_a_fixed_number_of_queries_with_assignment(
        client, project, cast, who, queries, extra, django_assert_num_queries):
    documents = [make_document(project, [f"D{n} s{i}." for i in range(3)], title=f"D{n}")[0] for n in range(extra)]
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    assign_documents(project=project, documents=documents, annotators=[cast["ann1"]], by=cast["manager"])
    as_user(client, cast[who])
    # session, user, project with role, documents with counts; for reviewers also progress, assignments, members.
    with django_assert_num_queries(queries):
        page = client.get(url("document-list", project)).content.decode()
    assert page.count('aria-valuetext="0 of 3 sentences done"') == extra  # ann1's own, or ann1's column
    assert page.count("not assigned to you") == (extra if who == "reviewer" else 0)


def test_the_projects_page_counts_my_assigned_sentences(client, project, cast, docs):
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    assign_documents(project=project, documents=[docs[0], docs[2]], annotators=[cast["ann1"]], by=cast["manager"])
    SegmentProgress.objects.create(segment=docs[0].segments.get(index=0), annotator=cast["ann1"])
    SegmentProgress.objects.create(segment=docs[1].segments.get(index=0), annotator=cast["ann1"])  # not assigned
    assert 'aria-valuetext="1 of 5 sentences done"' in as_user(client, cast["ann1"]).get("/").content.decode()
    assert 'aria-valuetext="0 of 0 sentences done"' in as_user(client, cast["ann2"]).get("/").content.decode()
