"""One door for every write: the guard, and each side door that once bypassed the rules, through its own door."""

import pytest

from annotate.models import Annotation, OutsideWritePath
from annotate.reviewing import review_annotations
from annotate.tags import GoldReadOnly, do_delete_tag, do_edit_tag
from tests.api_helpers import client_for, create_tag, make_span

ECHOED = "Iranian officials"


pytestmark = pytest.mark.usefixtures("gold_checked")


def accept(reviewer, *tags, **kwargs):
    return review_annotations(reviewer=reviewer, items=[(tag.pk, fresh(tag).version) for tag in tags],
                              action="accept", **kwargs)


def fresh(tag):
    return Annotation.objects.get(pk=tag.pk)


@pytest.fixture
def attribution(project, document, cast, label):
    """ann1's source, cue and content spans on one sentence, linked by a relation."""
    spans = {key: make_span(project, document, cast["ann1"], label, words, layer="attribution", key=key,
                            startswith=ECHOED)
             for key, words in (("source", "Iranian officials"), ("cue", "echoed"),
                                ("content", "true allies stand together in hardship"))}
    spans["relation"] = create_tag(
        project=project, document=document, segment=spans["content"].segment, annotator=cast["ann1"],
        label=label("attribution_relation", "attributed_to"), relation_content=spans["content"],
        relation_source=spans["source"], relation_cue=spans["cue"], attributes={"form": "direct_quote"},
    )
    return spans


# The guard


def test_saving_an_annotation_outside_the_write_path_is_refused(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    tag.note = "sneaked in"
    for write in (tag.save, tag.delete, lambda: Annotation.objects.filter(pk=tag.pk).update(note="x"),
                  lambda: Annotation.objects.filter(pk=tag.pk).delete(),
                  lambda: Annotation.objects.bulk_create([Annotation(project=project, document=document,
                                                                     annotator=cast["ann1"], label=tag.label)]),
                  lambda: Annotation.objects.create(project=project, document=document, annotator=cast["ann1"],
                                                    label=tag.label)):
        with pytest.raises(OutsideWritePath):
            write()
    assert (fresh(tag).note, Annotation.objects.count()) == ("", 1)


# The API


def test_deleting_an_accepted_tag_over_the_api_withdraws_its_gold_copy(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    (result,) = accept(cast["reviewer"], tag)
    response = client_for(cast["ann1"]).delete(f"/api/annotations/{tag.pk}/", HTTP_IF_MATCH=f'"{tag.pk}.2"')
    assert response.status_code == 204
    assert not Annotation.objects.filter(pk=result.gold.pk).exists()


def test_deleting_one_of_two_sources_keeps_the_gold_copy_for_the_other(project, document, cast, label):
    one = make_span(project, document, cast["ann1"], label, "lifeline")
    two = make_span(project, document, cast["ann2"], label, "lifeline")
    results = accept(cast["reviewer"], one, two)
    client_for(cast["ann1"]).delete(f"/api/annotations/{one.pk}/", HTTP_IF_MATCH=f'"{one.pk}.2"')
    gold = Annotation.objects.get(pk=results[0].gold.pk)
    assert list(gold.provenance.values_list("pk", flat=True)) == [two.pk]


def test_editing_an_accepted_span_over_the_api_reopens_it_and_its_relation(project, document, cast, attribution):
    accept(cast["reviewer"], attribution["source"], attribution["cue"], attribution["content"])
    accept(cast["reviewer"], attribution["relation"])
    source = attribution["source"]
    response = client_for(cast["ann1"]).patch(
        f"/api/annotations/{source.pk}/", {"start": 0, "end": 7, "quote": "Iranian"}, format="json",
        HTTP_IF_MATCH=f'"{source.pk}.2"')
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "pending"
    relation = fresh(attribution["relation"])
    assert (relation.status, relation.version) == ("pending", 3)
    assert not Annotation.objects.filter(gold=True, label__layer__key="attribution_relation").exists()
    assert Annotation.objects.filter(gold=True).count() == 2  # the cue and the content stay gold


def test_deleting_a_span_deletes_the_annotators_relations_that_use_it(project, document, cast, attribution):
    content = attribution["content"]
    response = client_for(cast["ann1"]).delete(f"/api/annotations/{content.pk}/",
                                               HTTP_IF_MATCH=f'"{content.pk}.1"')
    assert response.status_code == 204
    assert not Annotation.objects.filter(pk=attribution["relation"].pk).exists()
    history = Annotation.history.filter(id=attribution["relation"].pk, history_type="-").get()
    assert (history.history_user, history.history_change_reason) == (
        cast["ann1"], f"its span, annotation {content.pk}, was deleted")


def test_deleting_a_cue_keeps_the_relation_without_it(project, document, cast, attribution):
    accept(cast["reviewer"], attribution["source"], attribution["cue"], attribution["content"])
    accept(cast["reviewer"], attribution["relation"])
    cue = fresh(attribution["cue"])
    do_delete_tag(annotation=cue, user=cast["ann1"], expected_version=cue.version)
    relation = fresh(attribution["relation"])
    assert (relation.relation_cue_id, relation.status) == (None, "pending")


def test_a_relation_joins_only_its_annotators_own_spans(project, document, cast, label, attribution):
    body = {"label": label("attribution_relation", "attributed_to").pk, "document": document.pk,
            "relation_content": attribution["content"].pk, "relation_source": attribution["source"].pk,
            "attributes": {"form": "direct_quote"}}
    response = client_for(cast["reviewer"]).post("/api/annotations/", body, format="json")
    assert response.status_code == 400
    assert response.json()["relation_content"] == ["must be one of this annotator's own spans"]


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_gold_tag_cannot_be_changed_or_deleted_over_the_api(project, document, cast, label, method):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    (result,) = accept(cast["reviewer"], tag)
    gold = result.gold
    client = client_for(cast["reviewer"])  # the gold row's annotator
    call = getattr(client, method)
    response = call(f"/api/annotations/{gold.pk}/", {"note": "mine now"}, format="json",
                    HTTP_IF_MATCH=f'"{gold.pk}.{gold.version}"')
    assert response.status_code == 403
    assert "only through review" in response.json()["detail"]
    assert (fresh(gold).version, fresh(gold).note) == (gold.version, gold.note)


def test_a_gold_tag_is_refused_by_the_write_path_itself(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    gold = accept(cast["reviewer"], tag)[0].gold
    with pytest.raises(GoldReadOnly):
        do_edit_tag(annotation=gold, changes={"note": "x"}, user=cast["reviewer"], expected_version=gold.version)
    with pytest.raises(GoldReadOnly):
        do_delete_tag(annotation=gold, user=cast["reviewer"], expected_version=gold.version)


def test_an_api_edit_after_review_and_the_review_api_use_one_stale_error(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    reviewer = client_for(cast["reviewer"])
    response = reviewer.post(f"/api/annotations/{tag.pk}/review/", {"action": "accept"}, format="json",
                             HTTP_IF_MATCH=f'"{tag.pk}.1"')
    assert response.status_code == 200
    stale_edit = client_for(cast["ann1"]).patch(f"/api/annotations/{tag.pk}/", {"note": "x"}, format="json",
                                                HTTP_IF_MATCH=f'"{tag.pk}.1"')
    stale_review = reviewer.post(f"/api/annotations/{tag.pk}/review/", {"action": "reject"}, format="json",
                                 HTTP_IF_MATCH=f'"{tag.pk}.1"')
    assert (stale_edit.status_code, stale_review.status_code) == (412, 412)
    assert fresh(tag).status == "accepted"


def test_unaccepting_a_tag_takes_it_out_of_gold(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    accept(cast["reviewer"], tag)
    response = client_for(cast["reviewer"]).post(f"/api/annotations/{tag.pk}/review/", {"action": "unaccept"},
                                                  format="json", HTTP_IF_MATCH=f'"{tag.pk}.2"')
    assert response.status_code == 200, response.json()
    assert (fresh(tag).status, fresh(tag).reviewer) == ("pending", None)
    assert not Annotation.objects.filter(gold=True).exists()


def test_history_records_the_acting_user_for_edits_and_deletes(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    client = client_for(cast["ann1"])
    client.patch(f"/api/annotations/{tag.pk}/", {"note": "first"}, format="json", HTTP_IF_MATCH=f'"{tag.pk}.1"')
    client.delete(f"/api/annotations/{tag.pk}/", HTTP_IF_MATCH=f'"{tag.pk}.2"')
    rows = list(Annotation.history.filter(id=tag.pk).order_by("history_id").values_list(
        "history_type", "history_user__username", "history_change_reason"))
    assert rows == [("+", "ann1", "created"), ("~", "ann1", "edited"), ("-", "ann1", "deleted")]
