"""Writing annotations over the API: bad input is a 400 naming the field, stale edits a 412."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotate.gold import assert_gold_consistent
from annotate.models import Annotation, Codebook, Document, Label, Layer, Segment
from annotate.reviewing import review_annotations
from tests.api_helpers import client_for, create_tag, make_span


@pytest.fixture
def ann1(cast):
    return client_for(cast["ann1"])


@pytest.fixture
def sentence(document):
    return document.segments.get(text__startswith="In 2020, when U.S.")


def span_body(sentence, label, words, **extra):
    start = sentence.text.index(words)
    return {"segment": sentence.pk, "label": label.pk, "start": start, "end": start + len(words), "quote": words,
            **extra}


def post(client, body):
    return client.post("/api/annotations/", body, format="json")


def test_span_is_created_with_document_offsets_and_history(ann1, sentence, label, cast):
    body = span_body(sentence, label("loaded_language", "loaded_language"), "lifeline",
                     attributes={"polarity": "positive", "target": "Iran", "neutral_alternative": "shipment"})
    response = post(ann1, body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert response["ETag"] == f'"{data["id"]}.1"'
    assert (data["annotator"], data["layer"], data["scope"], data["quote"]) == ("ann1", "loaded_language", "span",
                                                                               "lifeline")
    annotation = Annotation.objects.get(pk=data["id"])
    start = annotation.segment.start + annotation.start
    assert annotation.document.text[start:start + len("lifeline")] == "lifeline"
    assert annotation.history.get().history_user == cast["ann1"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"end": 10_000}, "end", "past the end of the document"),
    ({"quote": "Lifeline"}, "quote", "does not match the sentence text"),
    ({"start": -3}, "start", "greater than or equal to 0"),
    ({"start": "two"}, "start", "valid integer"),
    ({"end": 4.5}, "end", "valid integer"),
    ({"attributes": {"polarity": "positive", "mood": "angry"}}, "attributes.mood", "unknown attribute"),
    ({"attributes": {"target": "Iran"}}, "attributes.polarity", "required for label"),
    ({"attributes": {"polarity": "sideways"}}, "attributes.polarity", "'sideways' is not one of"),
    ({"label": 999_999}, "label", "does not exist"),
    ({"segment": 999_999}, "segment", "does not exist"),
])
def test_bad_span_is_rejected_naming_the_field(ann1, sentence, label, change, field, message):
    body = span_body(sentence, label("loaded_language", "loaded_language"), "lifeline",
                     attributes={"polarity": "positive"})
    body.update(change)
    response = post(ann1, body)
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Annotation.objects.exists()


def test_label_of_another_codebook_is_rejected(ann1, sentence):
    other = Codebook.objects.create(key="other", name="Other", version=1)
    layer = Layer.objects.create(codebook=other, key="framing", name="Framing", scope="segment")
    foreign = Label.objects.create(layer=layer, key="economic", name="Economic")
    response = post(ann1, {"segment": sentence.pk, "label": foreign.pk})
    assert response.status_code == 400
    assert "not to this project's codebook" in response.json()["label"][0]


def test_wrong_shape_for_the_layer_is_rejected(ann1, sentence, label):
    # A sentence-level frame sent with span offsets.
    response = post(ann1, span_body(sentence, label("framing", "economic"), "lifeline"))
    assert response.status_code == 400
    assert response.json()["start"] == ["must be empty for a sentence-level label"]
    # A span label sent without offsets.
    response = post(ann1, {"segment": sentence.pk, "label": label("attribution", "source").pk})
    assert response.json()["start"] == ["required for a span"]
    assert not Annotation.objects.exists()


def test_relation_between_documents_is_rejected(ann1, project, document, cast, label):
    other = Document.objects.create(project=project, title="Other", text="Someone said it.", text_sha256="x" * 64)
    other_segment = Segment.objects.create(document=other, index=0, start=0, end=16, text="Someone said it.")
    content = make_span(project, document, cast["ann1"], label, "this sentiment", layer="attribution",
                        key="content", startswith="Iranian officials")
    source = create_tag(project=project, document=other, segment=other_segment,
                                       annotator=cast["ann1"], label=label("attribution", "source"), start=0, end=7,
                                       quote="Someone")
    response = post(ann1, {"label": label("attribution_relation", "attributed_to").pk,
                           "relation_content": content.pk, "relation_source": source.pk,
                           "attributes": {"form": "paraphrase"}})
    assert response.status_code == 400
    assert response.json()["relation_source"] == ["must be an annotation in the same document"]
    assert Annotation.objects.count() == 2


def test_relation_is_created_and_listed_under_relations(ann1, project, document, cast, label):
    spans = {key: make_span(project, document, cast["ann1"], label, words, layer="attribution", key=key,
                            startswith="Iranian officials")
             for key, words in [("content", "this sentiment"), ("source", "Mohammad Bagher Ghalibaf"),
                                ("cue", "have echoed")]}
    response = post(ann1, {"label": label("attribution_relation", "attributed_to").pk,
                           "relation_content": spans["content"].pk, "relation_source": spans["source"].pk,
                           "relation_cue": spans["cue"].pk,
                           "attributes": {"form": "allusion_no_content", "affiliation": "government_foreign",
                                          "alignment": "supports", "cue_stance": "aligning"}})
    assert response.status_code == 201, response.json()
    relations = ann1.get("/api/relations/").json()["results"]
    assert [r["id"] for r in relations] == [response.json()["id"]]
    assert relations[0]["document"] == document.pk


def test_document_level_label_may_be_anchored(ann1, document, sentence, label):
    response = post(ann1, {"document": document.pk, "segment": sentence.pk,
                           "label": label("missing_perspectives", "counter_perspective_missing").pk,
                           "attributes": {"stakeholder": "us_government"},
                           "note": "The U.S. government's stated reasons for the sanctions are absent."})
    assert response.status_code == 201, response.json()
    missing = post(ann1, {"document": document.pk,
                          "label": label("missing_perspectives", "affected_population_missing").pk})
    assert list(missing.json()) == ["attributes.stakeholder"]
    assert missing.json()["attributes.stakeholder"][0].startswith("required for label 'affected_population_missing'")


def test_non_json_body_is_rejected(ann1):
    response = ann1.post("/api/annotations/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_body_over_the_size_limit_is_rejected(ann1, sentence, label, settings):
    settings.API_MAX_JSON_BYTES = 2048
    body = span_body(sentence, label("loaded_language", "loaded_language"), "lifeline",
                     attributes={"polarity": "positive"}, note="x" * 4000)
    response = post(ann1, body)
    assert response.status_code == 413
    assert "over the 2,048-byte limit" in response.json()["detail"]
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(("name", "raw", "problem"), [
    ("latin1.txt", "Caf\u00e9. Otra.".encode("latin-1"), "not UTF-8 text"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "looks binary"),
    ("empty.txt", b"", "empty"),
    ("report.pdf", b"%PDF-1.4", "unsupported file type"),
])
def test_upload_that_is_not_utf8_text_is_rejected(cast, project, name, raw, problem):
    response = client_for(cast["manager"]).post(
        "/api/documents/", {"project": project.pk, "file": SimpleUploadedFile(name, raw)}, format="multipart")
    assert response.status_code == 400
    assert problem in response.json()["file"][0]
    assert not Document.objects.exists()


def test_same_upload_twice_is_a_conflict(cast, project):
    client = client_for(cast["manager"])
    for expected in (201, 409):
        upload = SimpleUploadedFile("a.txt", b"Title\n\nOne sentence. Two sentences.")
        response = client.post("/api/documents/", {"project": project.pk, "file": upload}, format="multipart")
        assert response.status_code == expected
    assert "already imported as document" in response.json()["detail"]
    assert Document.objects.count() == 1


class TestConcurrency:
    @pytest.fixture
    def tag(self, project, document, cast, label):
        return make_span(project, document, cast["ann1"], label, "lifeline")

    def test_get_returns_an_etag(self, ann1, tag):
        assert ann1.get(f"/api/annotations/{tag.pk}/")["ETag"] == f'"{tag.pk}.1"'

    def test_edit_with_a_current_etag_succeeds_and_bumps_the_version(self, ann1, tag):
        response = ann1.patch(f"/api/annotations/{tag.pk}/", {"note": "first"}, format="json",
                              HTTP_IF_MATCH=f'"{tag.pk}.1"')
        assert response.status_code == 200
        assert response["ETag"] == f'"{tag.pk}.2"'
        tag.refresh_from_db()
        assert (tag.note, tag.version) == ("first", 2)

    def test_two_clients_cannot_silently_overwrite_each_other(self, tag, cast):
        first, second = client_for(cast["ann1"]), client_for(cast["ann1"])
        etag = first.get(f"/api/annotations/{tag.pk}/")["ETag"]
        assert second.get(f"/api/annotations/{tag.pk}/")["ETag"] == etag
        assert first.patch(f"/api/annotations/{tag.pk}/", {"note": "from the first tab"}, format="json",
                           HTTP_IF_MATCH=etag).status_code == 200
        stale = second.patch(f"/api/annotations/{tag.pk}/", {"note": "from the second tab"}, format="json",
                             HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        assert stale.json()["current"]["note"] == "from the first tab"
        assert stale.json()["current"]["version"] == 2
        tag.refresh_from_db()
        assert (tag.note, tag.version) == ("from the first tab", 2)

    def test_stale_delete_is_refused(self, ann1, tag):
        ann1.patch(f"/api/annotations/{tag.pk}/", {"note": "x"}, format="json", HTTP_IF_MATCH=f'"{tag.pk}.1"')
        assert ann1.delete(f"/api/annotations/{tag.pk}/", HTTP_IF_MATCH=f'"{tag.pk}.1"').status_code == 412
        assert Annotation.objects.filter(pk=tag.pk).exists()
        assert ann1.delete(f"/api/annotations/{tag.pk}/", HTTP_IF_MATCH=f'"{tag.pk}.2"').status_code == 204
        assert not Annotation.objects.filter(pk=tag.pk).exists()
        assert [h.history_type for h in Annotation.history.filter(id=tag.pk).order_by("history_date")] == [
            "+", "~", "-"]

    def test_token_client_without_if_match_gets_428(self, tag, cast):
        from annotate.tokens import issue_token

        client = client_for()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=cast['ann1'])[1]}")
        url = f"/api/annotations/{tag.pk}/"
        assert client.patch(url, {"note": "blind write"}, format="json").status_code == 428
        assert client.delete(url).status_code == 428
        assert client.put(url, {"segment": tag.segment_id, "label": tag.label_id, "start": tag.start,
                                "end": tag.end, "quote": tag.quote, "attributes": tag.attributes},
                          format="json").status_code == 428
        tag.refresh_from_db()
        assert (tag.note, tag.version) == ("", 1)
        history = Annotation.history.filter(id=tag.pk)
        assert history.count() == 1

    def test_version_in_the_body_works_like_if_match(self, ann1, tag):
        assert ann1.patch(f"/api/annotations/{tag.pk}/", {"note": "a", "version": 1},
                          format="json").status_code == 200
        assert ann1.patch(f"/api/annotations/{tag.pk}/", {"note": "b", "version": 1},
                          format="json").status_code == 412

    def test_an_etag_for_another_annotation_is_stale(self, ann1, tag):
        response = ann1.patch(f"/api/annotations/{tag.pk}/", {"note": "x"}, format="json",
                              HTTP_IF_MATCH=f'"{tag.pk + 1}.1"')
        assert response.status_code == 412

    def test_history_records_the_token_user(self, tag, cast):
        from annotate.tokens import issue_token

        client = client_for()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=cast['ann1'])[1]}")
        client.patch(f"/api/annotations/{tag.pk}/", {"note": "via token"}, format="json",
                     HTTP_IF_MATCH=f'"{tag.pk}.1"')
        assert tag.history.first().history_user == cast["ann1"]


def test_filters_reject_unknown_values(ann1):
    response = ann1.get("/api/annotations/?status=maybe")
    assert response.status_code == 400
    assert "status" in response.json()


def test_filters_select_by_layer_label_and_annotator(ann1, project, document, cast, label):
    project.blind = False
    project.save()
    mine = make_span(project, document, cast["ann1"], label, "lifeline")
    make_span(project, document, cast["ann2"], label, "Iran", layer="attribution", key="source")
    ids = {query: [a["id"] for a in ann1.get(f"/api/annotations/?{query}").json()["results"]]
           for query in ["layer=loaded_language", "label=source", "annotator=ann1", f"segment={mine.segment_id}"]}
    assert ids["layer=loaded_language"] == [mine.pk]
    assert ids["annotator=ann1"] == [mine.pk]
    assert len(ids["label=source"]) == 1 and ids["label=source"] != [mine.pk]
    assert len(ids[f"segment={mine.segment_id}"]) == 2


def test_editing_a_reviewed_tag_sends_it_back_to_review(ann1, project, document, cast, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    review_annotations(reviewer=cast["reviewer"], items=[(tag.pk, 1)], action="accept")
    response = ann1.patch(f"/api/annotations/{tag.pk}/", {"note": "changed my mind"}, format="json",
                          HTTP_IF_MATCH=f'"{tag.pk}.2"')
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reviewer"]) == ("pending", None)
    assert not Annotation.objects.filter(gold=True).exists()
    assert_gold_consistent(project)


def test_a_reviewers_own_tag_does_not_block_their_gold_tag(project, document, cast, label):
    from annotate.validation import check_annotation

    segment = document.segments.get(text__startswith="In 2020, when U.S.")
    create_tag(project=project, document=document, segment=segment, annotator=cast["reviewer"],
                              label=label("sentence_bias", "biased"))
    gold = Annotation(project=project, document=document, segment=segment, annotator=cast["reviewer"],
                      label=label("sentence_bias", "non_biased"), gold=True)
    check_annotation(gold)


def test_a_retried_create_with_the_same_client_key_makes_one_annotation(ann1, sentence, label, cast):
    body = {"segment": sentence.pk, "label": label("sentence_bias", "biased").pk,
            "client_key": "5f0c7a52-3f5e-4c2e-9a57-0d6b7f0e9b11"}
    first = post(ann1, body)
    again = post(ann1, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Annotation.objects.count() == 1
    # Another annotator's key is theirs alone.
    assert post(client_for(cast["ann2"]), body).status_code == 201
    assert post(ann1, {**body, "client_key": "not-a-uuid"}).json() == {"client_key": ["Must be a valid UUID."]}


def test_upload_over_the_size_limit_is_refused_before_it_is_read(cast, project, settings):
    settings.ARTICLE_MAX_BYTES = 100
    upload = SimpleUploadedFile("long.txt", b"A sentence here. " * 20)
    response = client_for(cast["manager"]).post("/api/documents/", {"project": project.pk, "file": upload},
                                                 format="multipart")
    assert response.status_code == 400
    assert response.json()["file"] == ["long.txt: file is 340 bytes, over the 100-byte limit"]
    assert not Document.objects.exists()


@pytest.fixture
def token_client(cast):
    from annotate.tokens import issue_token

    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=cast['ann1'])[1]}")
    client.get("/api/projects/")  # marks the token used: no write of last_used_at in the measured requests
    return client


def test_create_edit_and_delete_cost_a_fixed_number_of_queries(token_client, sentence, label,
                                                               django_assert_num_queries):
    body = span_body(sentence, label("loaded_language", "loaded_language"), "lifeline",
                     attributes={"polarity": "positive"})
    # The token with its user; the sentence with its document and project; the label with its layer; the lock on
    # the sentence with the project's codebook; the repeat check; the insert and its history row; the
    # transaction's savepoint and its release (a transaction of its own outside tests).
    with django_assert_num_queries(9):
        created = post(token_client, body)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    # The token; the tag with everything the checks read; the version taken; the lock; the repeat check; whether
    # it is in gold; the relations that use the span; the update and its history row; savepoint and release.
    with django_assert_num_queries(11):
        edited = token_client.patch(f"/api/annotations/{pk}/", {"note": "x"}, format="json",
                                    HTTP_IF_MATCH=f'"{pk}.1"')
    assert edited.status_code == 200, edited.json()
    # The token; the tag; the version taken; the relations that use it; its gold copies; the two relations of
    # the deletion's cascade; the provenance rows, the cue links, the row and its history row; savepoint and
    # release.
    with django_assert_num_queries(13):
        deleted = token_client.delete(f"/api/annotations/{pk}/", HTTP_IF_MATCH=f'"{pk}.2"')
    assert deleted.status_code == 204
    assert not Annotation.objects.exists()
