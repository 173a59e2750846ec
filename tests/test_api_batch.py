"""Several tag writes in one request: all applied, or none, with a result per operation."""

import pytest

from annotate.models import Annotation
from annotate.tokens import issue_token
from tests.api_helpers import client_for, make_span

BATCH = "/api/annotations/batch/"
KEY = "0d6b7f0e-3f5e-4c2e-9a57-5f0c7a529b11"


@pytest.fixture
def ann1(cast):
    return client_for(cast["ann1"])


@pytest.fixture
def sentence(document):
    return document.segments.get(text__startswith="Iranian officials")


def span(sentence, label, key, words, **extra):
    start = sentence.text.index(words)
    return {"segment": sentence.pk, "label": label("attribution", key).pk, "start": start,
            "end": start + len(words), "quote": words, **extra}


def quote_unit(sentence, label, **link):
    """Return the operations of one gesture: a content span, its source span, and the link between them."""
    return [
        {"op": "create", "data": span(sentence, label, "content", "this sentiment")},
        {"op": "create", "data": span(sentence, label, "source", "Mohammad Bagher Ghalibaf")},
        {"op": "create", "data": {"label": label("attribution_relation", "attributed_to").pk,
                                  "relation_content": {"ref": 0}, "relation_source": {"ref": 1},
                                  "attributes": {"form": "paraphrase"}, **link}},
    ]


def test_two_spans_and_their_link_are_made_in_one_request(ann1, sentence, label, cast):
    response = ann1.post(BATCH, {"operations": quote_unit(sentence, label)}, format="json")
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, 201), (1, 201), (2, 201)]
    content, source, link = (r["annotation"] for r in results)
    assert (link["relation_content"], link["relation_source"]) == (content["id"], source["id"])
    relation = Annotation.objects.get(pk=link["id"])
    assert (relation.relation_content.quote, relation.relation_source.quote) == ("this sentiment",
                                                                                 "Mohammad Bagher Ghalibaf")
    history = relation.history.get()
    assert (history.history_user, history.history_change_reason, history.history_type) == (cast["ann1"], "created",
                                                                                            "+")


def test_a_failed_operation_saves_nothing_and_names_its_index_and_field(ann1, sentence, label):
    operations = quote_unit(sentence, label)
    operations[1]["data"]["quote"] = "Somebody Else"
    response = ann1.post(BATCH, {"operations": operations}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "operation(s) 1, 2 failed: nothing was saved"
    statuses = [(r["index"], r["status"]) for r in body["results"]]
    assert statuses == [(0, 424), (1, 400), (2, 400)]
    assert "does not match the sentence text" in body["results"][1]["errors"]["quote"][0]
    assert "operation 1 of this batch is not an earlier create" in body["results"][2]["errors"]["relation_source"][0]
    assert not Annotation.objects.exists()


def test_edit_and_delete_need_the_version_seen_and_a_stale_one_is_a_412(ann1, project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    other = make_span(project, document, cast["ann1"], label, "crippled")
    response = ann1.post(BATCH, {"operations": [
        {"op": "edit", "id": tag.pk, "version": 1, "data": {"note": "kept?"}},
        {"op": "delete", "id": other.pk, "version": 7},
    ]}, format="json")
    assert response.status_code == 412
    assert [(r["index"], r["status"]) for r in response.json()["results"]] == [(0, 424), (1, 412)]
    tag.refresh_from_db()
    assert (tag.note, tag.version) == ("", 1) and Annotation.objects.filter(pk=other.pk).exists()
    missing = ann1.post(BATCH, {"operations": [{"op": "delete", "id": tag.pk}]}, format="json")
    assert missing.status_code == 400 and missing.json() == {"operations": [{"version": ["required to delete a tag"]}]}
    response = ann1.post(BATCH, {"operations": [
        {"op": "edit", "id": tag.pk, "version": 1, "data": {"note": "kept"}},
        {"op": "delete", "id": other.pk, "version": 1},
    ]}, format="json")
    assert [(r["index"], r["status"]) for r in response.json()["results"]] == [(0, 200), (1, 204)]
    tag.refresh_from_db()
    assert (tag.note, tag.version) == ("kept", 2) and not Annotation.objects.filter(pk=other.pk).exists()


def test_another_annotators_tag_is_refused_and_an_outsiders_is_not_found(project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    reviewer = client_for(cast["reviewer"]).post(BATCH, {"operations": [
        {"op": "delete", "id": tag.pk, "version": 1}]}, format="json")
    assert reviewer.status_code == 400 and reviewer.json()["results"][0]["status"] == 403
    outsider = client_for(cast["outsider"]).post(BATCH, {"operations": [
        {"op": "delete", "id": tag.pk, "version": 1}]}, format="json")
    assert outsider.json()["results"][0] == {"index": 0, "status": 404,
                                             "errors": {"id": f"no annotation {tag.pk} among those you can see"}}
    assert Annotation.objects.filter(pk=tag.pk).exists()


def test_a_retried_batch_with_client_keys_makes_its_tags_once(ann1, sentence, label):
    operations = [{**op, "data": {**op["data"], "client_key": f"{KEY[:-1]}{i}"}}
                  for i, op in enumerate(quote_unit(sentence, label))]
    first = ann1.post(BATCH, {"operations": operations}, format="json").json()["results"]
    again = ann1.post(BATCH, {"operations": operations}, format="json").json()["results"]
    assert [r["status"] for r in first] == [201, 201, 201]
    assert [r["status"] for r in again] == [200, 200, 200]
    assert [r["annotation"]["id"] for r in again] == [r["annotation"]["id"] for r in first]
    assert Annotation.objects.count() == 3


def test_a_retried_batch_without_client_keys_is_refused_as_repeats(ann1, sentence, label):
    operations = quote_unit(sentence, label)
    assert ann1.post(BATCH, {"operations": operations}, format="json").status_code == 200
    again = ann1.post(BATCH, {"operations": operations}, format="json")
    assert again.status_code == 400
    assert "this annotator already tagged these words" in again.json()["results"][0]["errors"]["label"][0]
    assert Annotation.objects.count() == 3


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"operations": []}, "operations", "may not be empty"),
    ({"operations": [{"op": "create", "data": {}}] * 101}, "operations", "no more than 100"),
    ({"operations": [{"op": "move"}]}, "op", "not a valid choice"),
    ({"operations": [{"op": "create"}]}, "data", "an object of the annotation's fields is required"),
])
def test_malformed_batches_are_a_400_naming_the_field(ann1, body, field, message):
    response = ann1.post(BATCH, body, format="json")
    assert response.status_code == 400
    errors = response.json()["operations"]
    text = str(errors)
    assert message in text and (field == "operations" or field in errors[0]), errors
    assert not Annotation.objects.exists()


def test_a_ref_outside_a_batch_is_refused(ann1, sentence, label):
    response = ann1.post("/api/annotations/", {"label": label("attribution_relation", "attributed_to").pk,
                                               "relation_content": {"ref": 0}, "relation_source": {"ref": 1}},
                         format="json")
    assert response.status_code == 400
    assert "names a tag made earlier in a batch" in response.json()["relation_content"][0]


@pytest.mark.parametrize("more_spans", [0, 1, 3])
def test_the_gesture_costs_a_fixed_number_of_queries_and_two_more_a_tag(cast, sentence, label, more_spans,
                                                                        django_assert_num_queries):
    token, key = issue_token(user=cast["ann1"])
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/projects/")  # marks the token used: no write of last_used_at in the measured request
    words = ["officials", "Iranian", "including"][:more_spans]
    operations = quote_unit(sentence, label) + [
        {"op": "create", "data": span(sentence, label, "content", word)} for word in words]
    tags = 3 + more_spans
    # token; the savepoint pair of the write; the labels and the sentences named, one query each; a lock per
    # place (the sentence, and the document the link is on); per tag, its repeat check and its insert (a link's
    # ends are the spans just made); the history rows of all the tags, in one insert.
    with django_assert_num_queries(1 + 2 + 2 + 2 + 2 * tags + 1):
        response = client.post(BATCH, {"operations": operations}, format="json")
    assert response.status_code == 200, response.json()
    assert Annotation.objects.count() == tags
    assert sorted(Annotation.history.values_list("history_type", "history_change_reason", "history_user")) == [
        ("+", "created", cast["ann1"].pk)] * tags
