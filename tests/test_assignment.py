"""Assigning work: each strategy's exact result on a small project, top-up, next free, moving work."""

import pytest
from django.db import connection

from annotate.assignment import (
    AssignmentError,
    assign_documents,
    assigned_segments,
    auto_assign,
    next_sentence,
    next_sentences,
    reassign,
    set_strategy,
    unassign,
)
from annotate.models import Annotation, Assignment, AuditEntry, Membership, Project, SegmentProgress
from tests.api_helpers import at_once, create_tag
from tests.test_dashboard import make_document


@pytest.fixture
def ann3(project, django_user_model):
    user = django_user_model.objects.create_user("ann3", password="pw-ann3")
    Membership.objects.create(project=project, user=user, role=Membership.Role.ANNOTATOR)
    return user


@pytest.fixture
def three(project):
    """Three documents of 3, 1 and 2 sentences."""
    return [make_document(project, [f"{title} {n}." for n in range(size)], title=title)[0]
            for title, size in (("A", 3), ("B", 1), ("C", 2))]


def given(project):
    """Return {document title: sorted usernames} of the whole-document assignments."""
    table = {}
    for title, name in Assignment.objects.filter(project=project, segment__isnull=True).values_list(
            "document__title", "annotator__username"):
        table.setdefault(title, []).append(name)
    return {title: sorted(names) for title, names in table.items()}


def use(project, strategy, manager):
    set_strategy(project=project, assigning=strategy, by=manager)


def test_round_robin_gives_each_document_to_the_next_annotators_in_turn(project, cast, ann3, three):
    use(project, Project.Assigning.ROUND_ROBIN, cast["manager"])
    new = auto_assign(project=project, by=cast["manager"])
    assert len(new) == 6
    assert given(project) == {"A": ["ann1", "ann2"], "B": ["ann1", "ann3"], "C": ["ann2", "ann3"]}


def test_balanced_evens_out_the_sentences_largest_documents_first(project, cast, ann3, three):
    use(project, Project.Assigning.BALANCED, cast["manager"])
    auto_assign(project=project, by=cast["manager"])
    assert given(project) == {"A": ["ann1", "ann2"], "B": ["ann2", "ann3"], "C": ["ann1", "ann3"]}


def test_automatic_assignment_leaves_out_reviewers_and_managers(project, cast, three):
    use(project, Project.Assigning.ROUND_ROBIN, cast["manager"])
    auto_assign(project=project, by=cast["manager"])
    assert set(Assignment.objects.values_list("annotator__username", flat=True)) == {"ann1", "ann2"}


def test_assigned_documents_keep_their_annotators_and_are_only_topped_up(project, cast, ann3, three):
    a, b, c = three
    assign_documents(project=project, documents=[a], annotators=[ann3], by=cast["manager"])
    use(project, Project.Assigning.ROUND_ROBIN, cast["manager"])
    auto_assign(project=project, by=cast["manager"])
    assert given(project) == {"A": ["ann1", "ann3"], "B": ["ann2", "ann3"], "C": ["ann1", "ann2"]}
    assert auto_assign(project=project, by=cast["manager"]) == []


def test_the_target_is_capped_by_the_annotators_there_are(project, cast, three):
    project.annotators_per_segment = 5
    project.save()
    use(project, Project.Assigning.ROUND_ROBIN, cast["manager"])
    auto_assign(project=project, by=cast["manager"])
    assert given(project) == {title: ["ann1", "ann2"] for title in "ABC"}


def test_automatic_assignment_needs_a_document_strategy(project, cast, three):
    with pytest.raises(AssignmentError) as error:
        auto_assign(project=project, by=cast["manager"])
    assert error.value.field == "assigning"
    assert not Assignment.objects.exists()


def test_an_unknown_strategy_is_refused_by_name(project, cast):
    with pytest.raises(AssignmentError) as error:
        set_strategy(project=project, assigning="lottery", by=cast["manager"])
    assert error.value.field == "assigning"
    project.refresh_from_db()
    assert project.assigning == Project.Assigning.OPEN


def test_every_change_is_in_the_audit_log(project, cast, three):
    use(project, Project.Assigning.ROUND_ROBIN, cast["manager"])
    auto_assign(project=project, by=cast["manager"])
    unassign(project=project, documents=[three[0]], annotators=[cast["ann1"]], by=cast["manager"])
    actions = list(AuditEntry.objects.filter(project=project).order_by("id").values_list("action", "actor__username"))
    assert actions == [("assignment.strategy", "manager"), ("assignment.auto", "manager"),
                       ("assignment.removed", "manager")]


def test_assigning_an_outsider_saves_nothing(project, cast, three):
    with pytest.raises(AssignmentError) as error:
        assign_documents(project=project, documents=three, annotators=[cast["ann1"], cast["outsider"]],
                         by=cast["manager"])
    assert error.value.field == "annotators" and "outsider" in str(error.value)
    assert not Assignment.objects.exists() and not AuditEntry.objects.exists()


def test_a_document_of_another_project_cannot_be_assigned(project, codebook, cast):
    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    document, _ = make_document(other, ["Elsewhere."])
    with pytest.raises(AssignmentError) as error:
        assign_documents(project=project, documents=[document], annotators=[cast["ann1"]], by=cast["manager"])
    assert error.value.field == "documents"


def test_open_projects_give_every_sentence_to_everyone(project, cast, three):
    assert assigned_segments(project, cast["ann1"]).count() == 6
    assert assigned_segments(project, cast["reviewer"]).count() == 6


def test_a_sentence_is_mine_by_its_document_or_by_itself(project, cast, three):
    a, b, c = three
    use(project, Project.Assigning.NEXT_FREE, cast["manager"])
    assign_documents(project=project, documents=[b], annotators=[cast["ann1"]], by=cast["manager"])
    Assignment.objects.create(project=project, document=a, segment=a.segments.get(index=1), annotator=cast["ann1"])
    assert sorted(assigned_segments(project, cast["ann1"]).values_list("text", flat=True)) == ["A 1.", "B 0."]
    mine = assigned_segments(project, cast["ann1"])
    assert mine.filter(pk=a.segments.get(index=1).pk).exists()
    assert not mine.filter(pk=a.segments.get(index=0).pk).exists()
    assert not assigned_segments(project, cast["ann2"]).exists()


def test_next_free_hands_out_sentences_short_of_annotators_in_document_order(project, cast, ann3, three):
    use(project, Project.Assigning.NEXT_FREE, cast["manager"])
    a, b, c = three
    texts = lambda segments: [s.text for s in segments]  # noqa: E731
    assert texts(next_sentences(project=project, annotator=cast["ann1"], count=2)) == ["A 0.", "A 1."]
    assert texts(next_sentences(project=project, annotator=cast["ann2"], count=4)) == ["A 0.", "A 1.", "A 2.", "B 0."]
    assert texts(next_sentences(project=project, annotator=ann3, count=3)) == ["A 2.", "B 0.", "C 0."]
    assert texts(next_sentences(project=project, annotator=cast["ann1"], count=3)) == ["C 0.", "C 1."]
    assert AuditEntry.objects.filter(action="assignment.asked").count() == 4


def test_next_free_skips_sentences_the_annotator_already_did(project, cast, three):
    use(project, Project.Assigning.NEXT_FREE, cast["manager"])
    SegmentProgress.objects.create(segment=three[0].segments.get(index=0), annotator=cast["ann1"])
    assert [s.text for s in next_sentences(project=project, annotator=cast["ann1"], count=1)] == ["A 1."]


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="SQLite's in-memory test database answers a busy table with 'table is locked' at once "
                           "instead of waiting; SQLite writers are serialised anyway")
def test_annotators_asking_at_once_never_push_a_sentence_past_the_target(transactional_db, project, django_user_model):
    project.annotators_per_segment = 1
    project.assigning = Project.Assigning.NEXT_FREE
    project.save()
    make_document(project, [f"Sentence {n}." for n in range(6)])
    users = []
    for n in range(6):
        users.append(django_user_model.objects.create_user(f"racer{n}"))
        Membership.objects.create(project=project, user=users[-1])
    answers = at_once([lambda user=user: len(next_sentences(project=project, annotator=user, count=3))
                       for user in users])
    assert sum(answers) == 6
    assert Assignment.objects.count() == 6
    assert Assignment.objects.values("segment").distinct().count() == 6


def test_moving_work_keeps_the_tags_already_made_with_their_maker(project, cast, ann3, three, label):
    a = three[0]
    assign_documents(project=project, documents=[a], annotators=[cast["ann1"]], by=cast["manager"])
    use(project, Project.Assigning.ROUND_ROBIN, cast["manager"])
    tag = create_tag(project=project, document=a, segment=a.segments.get(index=0), annotator=cast["ann1"],
                     label=label("framing", "economic"))
    reassign(project=project, document=a, old=cast["ann1"], new=ann3, by=cast["manager"])
    assert given(project) == {"A": ["ann3"]}
    assert Annotation.objects.get(pk=tag.pk).annotator == cast["ann1"]
    assert not assigned_segments(project, cast["ann1"]).exists()
    assert assigned_segments(project, ann3).count() == 3
    entry = AuditEntry.objects.get(action="assignment.moved")
    assert entry.detail == {"document": a.pk, "old": "ann1", "new": "ann3"}


def test_moving_sentences_to_someone_who_has_the_whole_document_adds_nothing(project, cast, three):
    a = three[0]
    assign_documents(project=project, documents=[a], annotators=[cast["ann2"]], by=cast["manager"])
    Assignment.objects.create(project=project, document=a, segment=a.segments.get(index=2), annotator=cast["ann1"])
    reassign(project=project, document=a, old=cast["ann1"], new=cast["ann2"], by=cast["manager"])
    assert list(Assignment.objects.values_list("annotator__username", "segment")) == [("ann2", None)]


def test_moving_work_nobody_has_is_refused(project, cast, three):
    with pytest.raises(AssignmentError) as error:
        reassign(project=project, document=three[0], old=cast["ann1"], new=cast["ann2"], by=cast["manager"])
    assert error.value.field == "annotator"


def test_unassigning_takes_the_sentences_too_and_leaves_the_tags(project, cast, three, label):
    a = three[0]
    use(project, Project.Assigning.NEXT_FREE, cast["manager"])
    next_sentences(project=project, annotator=cast["ann1"], count=2)
    tag = create_tag(project=project, document=a, segment=a.segments.get(index=0), annotator=cast["ann1"],
                     label=label("framing", "economic"))
    assert unassign(project=project, documents=[a], annotators=[cast["ann1"]], by=cast["manager"]) == 2
    assert not Assignment.objects.exists()
    assert Annotation.objects.filter(pk=tag.pk).exists()


def test_the_next_sentence_is_the_first_undone_one_elsewhere_first(project, cast, three):
    a, b, c = three
    use(project, Project.Assigning.ROUND_ROBIN, cast["manager"])
    assign_documents(project=project, documents=[a, c], annotators=[cast["ann1"]], by=cast["manager"])
    SegmentProgress.objects.create(segment=a.segments.get(index=0), annotator=cast["ann1"])
    assert next_sentence(project, cast["ann1"]).text == "A 1."
    assert next_sentence(project, cast["ann1"], skip_document=a.pk).text == "C 0."
    assert next_sentence(project, cast["ann2"]) is None
