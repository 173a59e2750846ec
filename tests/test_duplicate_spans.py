"""No annotator makes the same span or link twice: refused at every door that writes an annotator's tag."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from annotate.models import Annotation
from annotate.reviewing import review_annotations
from annotate.tags import do_edit_tag
from tests.api_helpers import at_once, bulk_create_tags, client_for, make_span
from tests.test_cross_sentence_spans import ACROSS, make_article, offsets
from tests.test_interchange_api import LINES
from tests.test_interchange_api import post as import_semeval

WORDS = "lifeline"


@pytest.fixture
def sentence(document):
    return document.segments.get(text__startswith="In 2020, when U.S.")


def span_body(sentence, label, words=WORDS, **extra):
    start = sentence.text.index(words)
    return {"segment": sentence.pk, "label": label.pk, "start": start, "end": start + len(words), "quote": words,
            "attributes": {"polarity": "positive"}, **extra}


def post(user, body):
    return client_for(user).post("/api/annotations/", body, format="json")


def test_the_same_span_twice_is_a_400_naming_the_label_and_the_first_tag(cast, sentence, label):
    body = span_body(sentence, label("loaded_language", "loaded_language"))
    first = post(cast["ann1"], body)
    assert first.status_code == 201, first.json()
    again = post(cast["ann1"], body)
    assert again.status_code == 400
    message = again.json()["label"][0]
    assert "already tagged these words ('lifeline') as 'loaded_language'" in message
    assert f"annotation {first.json()['id']}" in message
    assert Annotation.objects.count() == 1


def test_other_attributes_or_a_note_do_not_make_a_span_different(cast, sentence, label):
    llabel = label("loaded_language", "loaded_language")
    assert post(cast["ann1"], span_body(sentence, llabel)).status_code == 201
    other = span_body(sentence, llabel, attributes={"polarity": "negative", "target": "Iran"}, note="second look")
    assert post(cast["ann1"], other).status_code == 400
    assert Annotation.objects.count() == 1


def test_another_label_another_annotator_or_other_words_are_not_repeats(cast, sentence, label):
    llabel = label("loaded_language", "loaded_language")
    assert post(cast["ann1"], span_body(sentence, llabel)).status_code == 201
    assert post(cast["ann1"], span_body(sentence, label("loaded_language", "slogan"))).status_code == 201
    assert post(cast["ann2"], span_body(sentence, llabel)).status_code == 201
    assert post(cast["ann1"], span_body(sentence, llabel, words="U.S.")).status_code == 201
    assert Annotation.objects.count() == 4


def test_a_span_given_by_document_offsets_repeats_one_given_by_sentence_offsets(project, cast, label):
    article = make_article(project)
    doc_start, doc_end = offsets(ACROSS)
    body = {"document": article.pk, "doc_start": doc_start, "doc_end": doc_end,
            "label": label("attribution", "content").pk}
    first = post(cast["ann1"], body)
    assert first.status_code == 201, first.json()
    tag = Annotation.objects.get(pk=first.json()["id"])
    by_sentence = {"segment": tag.segment_id, "start": tag.start, "end": tag.end, "quote": ACROSS,
                   "label": tag.label_id}
    again = post(cast["ann1"], by_sentence)
    assert again.status_code == 400 and "already tagged these words" in again.json()["label"][0]
    assert Annotation.objects.count() == 1


def test_an_edit_onto_another_of_my_spans_is_refused_and_changes_nothing(project, document, cast, label):
    first = make_span(project, document, cast["ann1"], label, "lifeline")
    second = make_span(project, document, cast["ann1"], label, "U.S.")
    response = client_for(cast["ann1"]).patch(f"/api/annotations/{second.pk}/", {
        "start": first.start, "end": first.end, "quote": first.quote, "version": second.version}, format="json")
    assert response.status_code == 400 and f"annotation {first.pk}" in response.json()["label"][0]
    second.refresh_from_db()
    assert (second.quote, second.version) == ("U.S.", 1)


def test_repeats_saved_before_the_rule_can_be_undone_by_deleting_one(project, document, cast, label):
    first = make_span(project, document, cast["ann1"], label, "lifeline")
    fields = ("project", "document", "segment", "annotator", "label", "start", "end", "quote", "attributes")
    (repeat,) = bulk_create_tags([Annotation(**{field: getattr(first, field) for field in fields})])
    ann1 = client_for(cast["ann1"])
    refused = ann1.patch(f"/api/annotations/{first.pk}/", {"note": "kept", "version": 1}, format="json")
    assert refused.status_code == 400 and f"annotation {repeat.pk}" in refused.json()["label"][0]
    assert ann1.delete(f"/api/annotations/{repeat.pk}/", HTTP_IF_MATCH=f'"{repeat.pk}.1"').status_code == 204
    edited = ann1.patch(f"/api/annotations/{first.pk}/", {"note": "kept", "version": 1}, format="json")
    assert edited.status_code == 200, edited.json()
    assert list(Annotation.objects.values_list("note", flat=True)) == ["kept"]


def test_the_same_link_twice_is_refused(project, document, cast, label):
    spans = {key: make_span(project, document, cast["ann1"], label, words, layer="attribution", key=key,
                            startswith="Iranian officials")
             for key, words in [("content", "this sentiment"), ("source", "Mohammad Bagher Ghalibaf")]}
    body = {"label": label("attribution_relation", "attributed_to").pk, "relation_content": spans["content"].pk,
            "relation_source": spans["source"].pk, "attributes": {"form": "paraphrase"}}
    assert post(cast["ann1"], body).status_code == 201
    again = post(cast["ann1"], {**body, "attributes": {"form": "direct_quote"}})
    assert again.status_code == 400 and "already linked these spans as 'attributed_to'" in again.json()["label"][0]
    cue = make_span(project, document, cast["ann1"], label, "have echoed", layer="attribution", key="cue",
                    startswith="Iranian officials")
    assert post(cast["ann1"], {**body, "relation_cue": cue.pk}).status_code == 201
    assert Annotation.objects.filter(label__layer__key="attribution_relation").count() == 2


def test_a_retry_with_the_same_client_key_still_gets_the_first_tag(cast, sentence, label):
    body = span_body(sentence, label("loaded_language", "loaded_language"), client_key=str(uuid.uuid4()))
    first = post(cast["ann1"], body)
    retry = post(cast["ann1"], body)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]


def test_review_of_two_annotators_identical_spans_keeps_one_gold_copy(project, document, cast, label, gold_checked):
    ones = [make_span(project, document, cast[name], label, "lifeline") for name in ("ann1", "ann2")]
    decisions = review_annotations(reviewer=cast["reviewer"], items=[(t.pk, t.version) for t in ones],
                                   action="accept")
    golds = {decision.gold.pk for decision in decisions}
    assert len(golds) == 1 and Annotation.objects.filter(gold=True).count() == 1


def test_the_write_path_refuses_a_repeat_whatever_the_door(project, document, cast, label):
    first = make_span(project, document, cast["ann1"], label, "lifeline")
    with pytest.raises(ValidationError) as refused:
        make_span(project, document, cast["ann1"], label, "lifeline")
    assert "label" in refused.value.message_dict
    other = make_span(project, document, cast["ann1"], label, "U.S.")
    with pytest.raises(ValidationError):
        do_edit_tag(annotation=other, changes={"start": first.start, "end": first.end, "quote": first.quote},
                    user=cast["ann1"], expected_version=other.version)


def test_a_dataset_keeps_its_repeated_lines_and_importing_it_twice_adds_nothing(project, cast):
    first = import_semeval(cast["manager"], project, annotator="semeval-gold")
    assert first.status_code == 201 and first.json()["tags"]["imported"] == LINES
    again = import_semeval(cast["manager"], project, annotator="semeval-gold")
    assert again.status_code == 201, again.json()
    assert again.json()["tags"]["imported"] == 0 and again.json()["tags"]["skipped"] == LINES
    assert Annotation.objects.filter(project=project).count() == LINES


def test_an_annotator_cannot_repeat_by_hand_a_tag_imported_as_theirs(project, cast):
    assert import_semeval(cast["manager"], project).status_code == 201
    tag = Annotation.objects.filter(project=project, annotator=cast["manager"], label__layer__scope="span").first()
    response = post(cast["manager"], {"segment": tag.segment_id, "label": tag.label_id, "start": tag.start,
                                      "end": tag.end, "quote": tag.quote, "attributes": {"polarity": "negative"}})
    assert response.status_code == 400 and f"annotation {tag.pk}" in response.json()["label"][0]


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="SQLite's in-memory test database (shared cache) answers a busy table with "
                           "'table is locked' at once instead of waiting, so this race is flaky there")
def test_simultaneous_identical_creates_land_once(transactional_db, cast, document, label):
    sentence = document.segments.get(text__startswith="In 2020, when U.S.")
    body = span_body(sentence, label("loaded_language", "loaded_language"))
    answers = at_once([lambda: post(cast["ann1"], {**body, "client_key": str(uuid.uuid4())}).status_code] * 8)
    assert sorted(answers) == [201] + [400] * 7
    assert Annotation.objects.count() == 1
