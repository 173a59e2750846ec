"""Review and adjudication: the service, the API, the reviewer pages, gold exports and constant query counts."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotate.models import Annotation, Document, Membership, Project, Segment, SegmentComment, SegmentProgress
from annotate.reviewing import ReviewError, ReviewForbidden, ReviewNotFound, review_annotations
from annotate.tags import StaleVersion, do_edit_tag
from annotate.validation import check_annotation
from tests.api_helpers import bulk_create_tags, client_for, create_tag, make_span

pytestmark = pytest.mark.usefixtures("gold_checked")

ROLES = ["manager", "ann1", "ann2", "reviewer", "outsider", "anonymous"]
LIFELINE = "In 2020, when U.S."
ECHOED = "Iranian officials"


def fetch(client, project, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = client.get(f"/api/projects/{project.pk}/export/?{query}")
    assert response.status_code == 200, response
    return b"".join(response.streaming_content).decode()


def sentence_tag(project, document, annotator, label, layer, key, startswith=LIFELINE, **attributes):
    segment = document.segments.get(text__startswith=startswith)
    return create_tag(project=project, document=document, segment=segment, annotator=annotator,
                                     label=label(layer, key), attributes=attributes)


def accept(reviewer, *annotations, **kwargs):
    return review_annotations(reviewer=reviewer, items=[(a.pk, a.version) for a in annotations], action="accept",
                              **kwargs)


def fresh(annotation):
    return Annotation.objects.get(pk=annotation.pk)


@pytest.fixture
def clients(cast):
    return {name: client_for(cast.get(name)) for name in ROLES}


@pytest.fixture
def disputed(project, document, cast, label):
    """A sentence where ann1 and ann2 agree on one tag and disagree on another."""
    ann1, ann2 = cast["ann1"], cast["ann2"]
    return {
        "ann1_lifeline": make_span(project, document, ann1, label, "lifeline"),
        "ann2_lifeline": make_span(project, document, ann2, label, "lifeline"),
        "ann2_crippled": make_span(project, document, ann2, label, "crippled", attributes={"polarity": "negative"}),
        "ann1_frame": sentence_tag(project, document, ann1, label, "framing", "economic"),
    }


@pytest.fixture
def other_project(codebook, document, django_user_model):
    """A second project with the same article, where the reviewer is not a member."""
    from annotate.importing import import_article
    from tests.conftest import SEED

    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    import_article(project=other, name=SEED.name, raw=SEED.read_bytes())
    return other


# The service


def test_accepting_a_tag_copies_it_into_gold_with_provenance_and_reviewer(cast, disputed):
    tag = disputed["ann1_lifeline"]
    (result,) = accept(cast["reviewer"], tag, note="clearly loaded")
    source, gold = fresh(tag), result.gold
    assert (source.status, source.reviewer, source.review_note, source.version) == (
        "accepted", cast["reviewer"], "clearly loaded", 2)
    assert source.reviewed_at is not None
    assert gold.gold and gold.status == "accepted" and gold.annotator == cast["reviewer"]
    assert gold.reviewer == cast["reviewer"] and gold.review_note == "clearly loaded"
    assert (gold.segment_id, gold.start, gold.end, gold.quote, gold.label_id, gold.attributes) == (
        tag.segment_id, tag.start, tag.end, tag.quote, tag.label_id, tag.attributes)
    assert list(gold.provenance.all()) == [tag]
    check_annotation(gold)


def test_two_annotators_with_the_same_tag_share_one_gold_annotation(cast, disputed):
    results = accept(cast["reviewer"], disputed["ann1_lifeline"], disputed["ann2_lifeline"])
    assert results[0].gold == results[1].gold
    assert Annotation.objects.filter(gold=True).count() == 1
    assert set(results[0].gold.provenance.all()) == {disputed["ann1_lifeline"], disputed["ann2_lifeline"]}


def test_a_second_reviewer_joins_the_existing_gold_annotation(cast, disputed):
    first = accept(cast["reviewer"], disputed["ann1_lifeline"])[0].gold
    second = accept(cast["manager"], disputed["ann2_lifeline"])[0].gold
    assert first.pk == second.pk and second.reviewer == cast["manager"] and second.version == 2


def test_same_tag_with_other_attributes_needs_edits_to_join_gold(project, document, cast, label, disputed):
    other = make_span(project, document, cast["manager"], label, "lifeline", attributes={"polarity": "negative"})
    gold = accept(cast["reviewer"], disputed["ann1_lifeline"])[0].gold
    with pytest.raises(ReviewError, match=f"annotation {other.pk}: the gold version already has this tag"):
        accept(cast["reviewer"], other)
    assert fresh(other).status == "pending" and fresh(other).version == 1
    accept(cast["reviewer"], other, edits={"attributes": {"polarity": "negative", "target": "Iran"}})
    assert fresh(gold).attributes == {"polarity": "negative", "target": "Iran"}
    assert set(fresh(gold).provenance.all()) == {disputed["ann1_lifeline"], other}


def test_edit_then_accept_changes_the_gold_copy_and_keeps_the_source(cast, label, disputed):
    tag = disputed["ann2_crippled"]
    start = tag.segment.text.index("sanctions crippled")
    edits = {"label": label("loaded_language", "exaggeration_minimisation"), "start": start, "end": tag.end,
             "attributes": {"polarity": "negative", "target": "United States"}}
    gold = accept(cast["reviewer"], tag, edits=edits)[0].gold
    assert (gold.quote, gold.label.key, gold.attributes["target"]) == (
        "sanctions crippled", "exaggeration_minimisation", "United States")
    assert list(gold.provenance.all()) == [tag]
    assert fresh(tag).label.key == "loaded_language" and fresh(tag).status == "accepted"


def test_an_edit_that_breaks_a_rule_names_the_field_and_saves_nothing(cast, disputed):
    tag = disputed["ann1_lifeline"]
    with pytest.raises(ReviewError, match=f"annotation {tag.pk}: end: span runs past the end") as error:
        accept(cast["reviewer"], tag, edits={"start": 0, "end": 5000})
    assert "end" in error.value.fields
    assert fresh(tag).status == "pending" and not Annotation.objects.filter(gold=True).exists()


def test_rejecting_an_accepted_tag_removes_its_gold_copy(cast, disputed):
    tag = disputed["ann1_lifeline"]
    accept(cast["reviewer"], tag)
    review_annotations(reviewer=cast["reviewer"], items=[(tag.pk, 2)], action="reject", note="not loaded")
    assert fresh(tag).status == "rejected" and not Annotation.objects.filter(gold=True).exists()


def test_disputing_one_of_two_sources_keeps_the_gold_annotation_for_the_other(cast, disputed):
    one, two = disputed["ann1_lifeline"], disputed["ann2_lifeline"]
    gold = accept(cast["reviewer"], one, two)[0].gold
    review_annotations(reviewer=cast["reviewer"], items=[(two.pk, 2)], action="dispute")
    assert list(fresh(gold).provenance.all()) == [one] and fresh(two).status == "disputed"


def test_a_one_label_layer_gets_one_gold_label_per_sentence(project, document, cast, label):
    biased = sentence_tag(project, document, cast["ann1"], label, "sentence_bias", "biased")
    neutral = sentence_tag(project, document, cast["ann2"], label, "sentence_bias", "non_biased")
    accept(cast["reviewer"], biased)
    with pytest.raises(ReviewError, match="already has 'biased' for this sentence"):
        accept(cast["manager"], neutral)


@pytest.fixture
def attribution(project, document, cast, label):
    ann1 = cast["ann1"]
    spans = {key: make_span(project, document, ann1, label, words, layer="attribution", key=key, startswith=ECHOED)
             for key, words in [("content", "this sentiment"), ("source", "Mohammad Bagher Ghalibaf")]}
    spans["relation"] = create_tag(
        project=project, document=document, annotator=ann1, label=label("attribution_relation", "attributed_to"),
        relation_content=spans["content"], relation_source=spans["source"], attributes={"form": "allusion_no_content"},
    )
    return spans


def test_a_relation_needs_its_spans_accepted_first(cast, attribution):
    relation = attribution["relation"]
    with pytest.raises(ReviewError, match=f"annotation {relation.pk}: accept its content span"):
        accept(cast["reviewer"], relation)
    assert fresh(relation).status == "pending"


def test_accepting_a_relation_with_its_spans_links_the_gold_copies(cast, attribution):
    results = accept(cast["reviewer"], attribution["relation"], attribution["content"], attribution["source"])
    relation, content, source = (result.gold for result in results)
    assert (relation.relation_content, relation.relation_source) == (content, source)
    assert list(relation.provenance.all()) == [attribution["relation"]]
    with pytest.raises(ReviewError, match="is linked by gold relation"):
        review_annotations(reviewer=cast["reviewer"], items=[(attribution["content"].pk, 2)], action="reject")


def test_a_stale_version_is_refused_and_nothing_is_saved(cast, disputed):
    one, two = disputed["ann1_lifeline"], disputed["ann2_crippled"]
    with pytest.raises(StaleVersion, match=f"annotation {two.pk} was changed since you loaded it"):
        review_annotations(reviewer=cast["reviewer"], items=[(one.pk, 1), (two.pk, 7)], action="accept")
    assert fresh(one).status == "pending" and fresh(one).version == 1
    assert not Annotation.objects.filter(gold=True).exists()


def test_a_bulk_review_with_a_tag_of_another_project_saves_nothing(cast, disputed, other_project, project, label):
    Membership.objects.create(project=other_project, user=cast["reviewer"], role="reviewer")
    foreign = make_span(other_project, other_project.documents.get(), cast["reviewer"], label, "lifeline")
    one = disputed["ann1_lifeline"]
    with pytest.raises(ReviewError, match=f"annotation {foreign.pk} belongs to another project"):
        review_annotations(reviewer=cast["reviewer"], items=[(one.pk, 1), (foreign.pk, 1)], action="reject",
                           project=project)
    assert fresh(one).status == "pending"


@pytest.mark.parametrize(("who", "error"), [("ann1", ReviewForbidden), ("ann2", ReviewNotFound),
                                            ("outsider", ReviewNotFound)])
def test_annotators_and_outsiders_cannot_review(cast, disputed, who, error):
    with pytest.raises(error, match=f"annotation {disputed['ann1_lifeline'].pk}"):
        accept(cast[who], disputed["ann1_lifeline"])


def test_gold_annotations_and_repeated_items_are_refused(cast, disputed):
    tag = disputed["ann1_lifeline"]
    gold = accept(cast["reviewer"], tag)[0].gold
    with pytest.raises(ReviewError, match=f"annotation {gold.pk} is part of the gold version"):
        accept(cast["reviewer"], gold)
    with pytest.raises(ReviewError, match=f"annotation {tag.pk} is listed twice"):
        review_annotations(reviewer=cast["reviewer"], items=[(tag.pk, 2), (tag.pk, 2)], action="reject")


def test_history_records_who_reviewed_and_why(cast, disputed):
    tag = disputed["ann1_lifeline"]
    accept(cast["reviewer"], tag, note="fine")
    last = tag.history.first()
    assert (last.status, last.history_user, last.history_change_reason) == ("accepted", cast["reviewer"],
                                                                            "review: accept")


# The API


def review(client, annotation, version=None, **body):
    headers = {} if version is False else {"HTTP_IF_MATCH": f'"{annotation.pk}.{version or annotation.version}"'}
    return client.post(f"/api/annotations/{annotation.pk}/review/", {"action": "accept", **body}, format="json",
                       **headers)


@pytest.mark.parametrize("blind", [True, False])
@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 200), ("reviewer", 200), ("ann1", 403), ("ann2", "404 if blind else 403"), ("outsider", 404),
    ("anonymous", 401),
])
def test_who_may_review_one_tag(clients, project, disputed, blind, role, expected):
    project.blind = blind
    project.save()
    if expected == "404 if blind else 403":
        expected = 404 if blind else 403
    tag = disputed["ann1_lifeline"]
    response = review(clients[role], tag)
    assert response.status_code == expected, response.json()
    assert fresh(tag).status == ("accepted" if expected == 200 else "pending")


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 200), ("reviewer", 200), ("ann1", 403), ("ann2", 404), ("outsider", 404), ("anonymous", 401),
])
def test_who_may_review_in_bulk(clients, disputed, role, expected):
    tag = disputed["ann1_lifeline"]
    response = clients[role].post("/api/reviews/", {"action": "reject", "items": [{"id": tag.pk, "version": 1}]},
                                  format="json")
    assert response.status_code == expected
    if expected in (403, 404):
        assert response.json()["item"] == tag.pk and str(tag.pk) in response.json()["detail"]
    assert fresh(tag).status == ("rejected" if expected == 200 else "pending")


def test_review_answers_with_the_tag_and_its_gold_copy(clients, disputed):
    tag = disputed["ann1_lifeline"]
    response = review(clients["reviewer"], tag, note="ok")
    body = response.json()
    assert response.status_code == 200 and response["ETag"] == f'"{tag.pk}.2"'
    assert (body["annotation"]["status"], body["annotation"]["reviewer"], body["annotation"]["review_note"]) == (
        "accepted", "reviewer", "ok")
    assert body["gold"]["gold"] is True and body["gold"]["provenance"] == [tag.pk]
    assert body["gold"]["annotator"] == "reviewer"


def test_review_without_if_match_is_428_and_with_an_old_etag_412(clients, disputed):
    tag = disputed["ann1_lifeline"]
    assert review(clients["reviewer"], tag, version=False).status_code == 428
    do_edit_tag(annotation=tag, changes={"note": "edited meanwhile"}, user=tag.annotator, expected_version=1)
    stale = review(clients["reviewer"], tag, version=1)
    assert stale.status_code == 412 and stale.json()["item"] == tag.pk
    assert fresh(tag).status == "pending" and not Annotation.objects.filter(gold=True).exists()


def test_accept_with_edits_over_the_api(clients, label, disputed):
    tag = disputed["ann2_crippled"]
    slanted = label("loaded_language", "slanted_word_choice")
    response = review(clients["reviewer"], tag, label=slanted.pk,
                      attributes={"polarity": "negative", "neutral_alternative": "hit"})
    assert response.status_code == 200, response.json()
    assert response.json()["gold"]["label_key"] == "slanted_word_choice"
    assert response.json()["gold"]["quote"] == "crippled"


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "approve"}, "action"),
    ({"action": "reject", "label": 1}, "action"),
    ({"end": 9999, "start": 0}, "end"),
    ({"attributes": {"polarity": "sideways"}}, "attributes.polarity"),
])
def test_bad_review_input_is_400_naming_the_field(clients, disputed, body, field):
    tag = disputed["ann1_lifeline"]
    if body.get("label") == 1:
        body["label"] = tag.label_id
    response = review(clients["reviewer"], tag, **body)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert fresh(tag).status == "pending"


def test_bulk_review_is_all_or_nothing_and_names_the_failing_item(clients, disputed, other_project, cast, label):
    one, two = disputed["ann1_lifeline"], disputed["ann2_crippled"]
    client = clients["reviewer"]
    stale = client.post("/api/reviews/", {"action": "accept", "items": [{"id": one.pk, "version": 1},
                                                                         {"id": two.pk, "version": 5}]}, format="json")
    assert stale.status_code == 412 and stale.json()["item"] == two.pk
    foreign = make_span(other_project, other_project.documents.get(), cast["ann1"], label, "lifeline")
    unseen = client.post("/api/reviews/", {"action": "accept", "items": [{"id": one.pk, "version": 1},
                                                                          {"id": foreign.pk, "version": 1}]},
                         format="json")
    assert unseen.status_code == 404 and unseen.json()["item"] == foreign.pk
    assert fresh(one).status == "pending" and not Annotation.objects.filter(gold=True).exists()
    done = client.post("/api/reviews/", {"action": "accept", "note": "agreed",
                                         "items": [{"id": one.pk, "version": 1}, {"id": two.pk, "version": 1}]},
                       format="json")
    assert done.status_code == 200
    assert [(r["id"], r["version"], r["status"]) for r in done.json()] == [(one.pk, 2, "accepted"),
                                                                          (two.pk, 2, "accepted")]
    assert all(r["gold"] for r in done.json())


def test_bulk_review_limited_to_a_project_refuses_others(clients, disputed, other_project, cast, label, project):
    Membership.objects.create(project=other_project, user=cast["reviewer"], role="reviewer")
    foreign = make_span(other_project, other_project.documents.get(), cast["ann1"], label, "lifeline")
    response = clients["reviewer"].post("/api/reviews/", {
        "action": "reject", "project": project.pk, "items": [{"id": foreign.pk, "version": 1}]}, format="json")
    assert response.status_code == 400 and "belongs to another project" in response.json()["detail"]


@pytest.mark.parametrize(("body", "field"), [({"action": "reject", "items": []}, "items"),
                                             ({"action": "reject", "items": [{"id": 1}]}, "items"),
                                             ({"items": [{"id": 1, "version": 1}]}, "action")])
def test_bad_bulk_input_is_400_naming_the_field(clients, body, field):
    response = clients["reviewer"].post("/api/reviews/", body, format="json")
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize(("role", "read", "write"), [
    ("manager", 200, 201), ("ann1", 200, 201), ("ann2", 200, 201), ("reviewer", 200, 201), ("outsider", 404, 404),
    ("anonymous", 401, 401),
])
def test_every_member_reads_and_writes_a_sentence_discussion(clients, document, role, read, write):
    segment = document.segments.get(text__startswith=LIFELINE)
    url = f"/api/segments/{segment.pk}/comments/"
    assert clients[role].post(url, {"text": f"{role} thinks so"}, format="json").status_code == write
    response = clients[role].get(url)
    assert response.status_code == read
    if read == 200:
        assert f"{role} thinks so" in [c["text"] for c in response.json()["results"]]


def test_a_discussion_is_in_order_and_refuses_empty_comments(clients, document, cast):
    segment = document.segments.get(text__startswith=LIFELINE)
    url = f"/api/segments/{segment.pk}/comments/"
    clients["ann1"].post(url, {"text": "first"}, format="json")
    clients["reviewer"].post(url, {"text": "second"}, format="json")
    assert [(c["author"], c["text"]) for c in clients["ann2"].get(url).json()["results"]] == [
        ("ann1", "first"), ("reviewer", "second")]
    assert clients["ann1"].post(url, {"text": ""}, format="json").status_code == 400
    assert clients["ann1"].post(url, {"text": "x" * 5001}, format="json").status_code == 400


# Exports of the gold version


@pytest.fixture
def adjudicated(project, document, cast, disputed, attribution):
    """ann1's and ann2's 'lifeline' and the attribution accepted, ann2's 'crippled' and ann1's frame rejected."""
    accept(cast["reviewer"], disputed["ann1_lifeline"], disputed["ann2_lifeline"], attribution["content"],
           attribution["source"], attribution["relation"], note="agreed")
    review_annotations(reviewer=cast["reviewer"], action="reject", note="not loaded",
                       items=[(disputed["ann2_crippled"].pk, 1), (disputed["ann1_frame"].pk, 1)])
    return {**disputed, **attribution, "gold": set(Annotation.objects.filter(gold=True).values_list("pk", flat=True))}


def all_records(export):
    for document in export["documents"]:
        for segment in document["segments"]:
            yield from segment["annotations"]
        yield from document["document_annotations"]
        yield from document["relations"]


def test_gold_json_export_holds_exactly_the_accepted_tags(clients, project, adjudicated):
    records = list(all_records(json.loads(fetch(clients["reviewer"], project, format="json", status="gold"))))
    assert {r["id"] for r in records} == adjudicated["gold"] and len(adjudicated["gold"]) == 4
    lifeline = next(r for r in records if r["quote"] == "lifeline")
    assert sorted(lifeline["provenance"]) == sorted([adjudicated["ann1_lifeline"].pk, adjudicated["ann2_lifeline"].pk])
    assert (lifeline["status"], lifeline["reviewer"], lifeline["review_note"], lifeline["gold"]) == (
        "accepted", "reviewer", "agreed", True)
    relation = next(r for r in records if r["scope"] == "relation")
    assert {relation["relation"]["content"], relation["relation"]["source"]} <= adjudicated["gold"]


def test_jsonl_and_csv_carry_status_reviewer_gold_and_provenance(clients, project, adjudicated):
    lines = [json.loads(line) for line in fetch(clients["reviewer"], project, format="jsonl").splitlines()]
    annotations = [a for line in lines for a in line.get("annotations", [])]
    crippled = next(a for a in annotations if a["id"] == adjudicated["ann2_crippled"].pk)
    assert (crippled["status"], crippled["reviewer"], crippled["review_note"], crippled["gold"]) == (
        "rejected", "reviewer", "not loaded", False)
    rows = list(csv.DictReader(io.StringIO(fetch(clients["reviewer"], project, format="csv", status="gold"))))
    assert {int(row["annotation_id"]) for row in rows} == adjudicated["gold"]
    lifeline = next(row for row in rows if row["quote"] == "lifeline")
    assert (lifeline["status"], lifeline["reviewer"], lifeline["gold"]) == ("accepted", "reviewer", "true")
    assert set(lifeline["provenance"].split()) == {str(adjudicated["ann1_lifeline"].pk),
                                                   str(adjudicated["ann2_lifeline"].pk)}


def test_gold_w3c_export_holds_exactly_the_accepted_tags(clients, project, adjudicated):
    items = json.loads(fetch(clients["reviewer"], project, format="w3c", status="gold"))["first"]["items"]
    assert {int(item["id"].rstrip("/").rsplit("/", 1)[1]) for item in items} == adjudicated["gold"]
    assert {item["creator"]["nickname"] for item in items} == {"reviewer"}


def test_gold_html_export_shows_the_accepted_tag_not_the_rejected_one(clients, project, document, adjudicated):
    html = fetch(clients["reviewer"], project, format="html", status="gold", document=document.pk)
    assert ">lifeline</mark>" in html
    assert ">crippled</mark>" not in html and "not loaded" not in html


# The reviewer pages


def page_client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 200), ("reviewer", 200), ("ann1", 403), ("ann2", 403), ("outsider", 404), ("anonymous", 302),
])
def test_who_may_open_the_reviewer_pages(cast, project, document, disputed, role, expected):
    client = page_client(cast.get(role))
    for url in [f"/projects/{project.slug}/documents/{document.pk}/review/", f"/projects/{project.slug}/review/queue/",
                f"/projects/{project.slug}/review/annotations/{disputed['ann1_lifeline'].pk}/edit/"]:
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_reviewer_page_marks_differences_in_the_window_of_a_sentence(cast, project, document, disputed):
    SegmentProgress.objects.create(segment=disputed["ann1_lifeline"].segment, annotator=cast["ann1"])
    index = disputed["ann1_lifeline"].segment.index
    body = page_client(cast["reviewer"]).get(
        f"/projects/{project.slug}/documents/{document.pk}/review/sentences/?from={index}&to={index}").json()
    (row,) = body["sentences"]
    # ann1: lifeline + economic frame; ann2: lifeline + crippled; agreed 1 of 3 distinct tags.
    assert row["score"] == 0.67 and row["people"] == ["ann1", "ann2"]
    shared = {tag["id"]: (tag["shared"], tag["of"]) for tag in body["tags"]}
    assert shared[disputed["ann1_lifeline"].pk] == (2, 2) and shared[disputed["ann2_crippled"].pk] == (1, 2)
    assert shared[disputed["ann1_frame"].pk] == (1, 2)


def test_the_old_form_review_address_is_gone(cast, project, document, disputed):
    tag = disputed["ann1_lifeline"]
    response = page_client(cast["reviewer"]).post(f"/projects/{project.slug}/documents/{document.pk}/review/act/",
                                                  {"decision": f"accept:{tag.pk}:1"})
    assert response.status_code == 404 and fresh(tag).status == "pending"


def test_edit_then_accept_page_saves_an_edited_gold_copy(cast, project, document, label, disputed):
    tag = disputed["ann2_crippled"]
    client = page_client(cast["reviewer"])
    url = f"/projects/{project.slug}/review/annotations/{tag.pk}/edit/"
    assert 'name="attr_polarity"' in client.get(url).content.decode()
    start = tag.segment.text.index("sanctions crippled")
    bad = client.post(url, {"version": 1, "label": tag.label_id, "start": start, "end": start,
                            "attr_polarity": "negative"})
    assert bad.status_code == 200 and "must be greater than start" in bad.content.decode()
    response = client.post(url, {"version": 1, "label": label("loaded_language", "exaggeration_minimisation").pk,
                                 "start": start, "end": tag.end, "attr_polarity": "negative", "attr_target": "US",
                                 "note": "wider span"})
    assert response.status_code == 302
    gold = Annotation.objects.get(gold=True)
    assert (gold.quote, gold.label.key, gold.attributes, gold.review_note) == (
        "sanctions crippled", "exaggeration_minimisation", {"polarity": "negative", "target": "US"}, "wider span")
    assert list(gold.provenance.all()) == [tag]


def test_comment_form_lets_annotators_and_reviewers_write(cast, project, document):
    segment = document.segments.get(text__startswith=LIFELINE)
    url = f"/projects/{project.slug}/documents/{document.pk}/comments/"
    annotator = page_client(cast["ann1"]).post(url, {"segment": segment.pk, "text": "Is 'lifeline' loaded?"})
    assert annotator["Location"] == f"/projects/{project.slug}/documents/{document.pk}/"
    reviewer = page_client(cast["reviewer"]).post(url, {"segment": segment.pk, "text": "Yes.",
                                                        "next": "https://evil.example/"})
    assert reviewer["Location"] == f"/projects/{project.slug}/documents/{document.pk}/review/"
    assert page_client(cast["outsider"]).post(url, {"segment": segment.pk, "text": "spam"}).status_code == 404
    assert list(SegmentComment.objects.values_list("author__username", "text")) == [
        ("ann1", "Is 'lifeline' loaded?"), ("reviewer", "Yes.")]
    window = page_client(cast["reviewer"]).get(f"/projects/{project.slug}/documents/{document.pk}/review/sentences/"
                                                f"?from={segment.index}&to={segment.index}").json()
    assert [c["text"] for c in window["sentences"][0]["comments"]] == ["Is 'lifeline' loaded?", "Yes."]


def test_queue_lists_disputed_sentences_most_disputed_first(cast, project, document, label, disputed):
    other = document.segments.get(text__startswith=ECHOED)
    make_span(project, document, cast["ann1"], label, "echoed", startswith=ECHOED)
    make_span(project, document, cast["ann2"], label, "echoed", startswith=ECHOED)
    sentence_tag(project, document, cast["ann2"], label, "framing", "political", startswith=ECHOED)
    response = page_client(cast["reviewer"]).get(f"/projects/{project.slug}/review/queue/")
    rows = response.context["rows"]
    assert [row["id"] for row in rows] == [disputed["ann1_lifeline"].segment_id, other.pk]
    assert [row["score"] for row in rows] == [0.67, 0.5]


# Constant query counts


def build_document(project, annotators, reviewer, n):
    """Make a document of n sentences, each tagged by every annotator, half of them adjudicated and discussed."""
    sentences = [f"Sentence number {i} says the sanctions were cruel." for i in range(n)]
    text = " ".join(sentences)
    document = Document.objects.create(project=project, title=f"{n} sentences", text=text, text_sha256=f"{n:064d}")
    offset, segments = 0, []
    for i, sentence in enumerate(sentences):
        segments.append(Segment(document=document, index=i, start=offset, end=offset + len(sentence), text=sentence))
        offset += len(sentence) + 1
    Segment.objects.bulk_create(segments)
    segments = list(document.segments.all())
    label = project.codebook.layers.get(key="loaded_language").labels.get(key="loaded_language")
    tags = []
    for segment in segments:
        for annotator in annotators:
            start = segment.text.index("cruel")
            tags.append(Annotation(project=project, document=document, segment=segment, annotator=annotator,
                                   label=label, start=start, end=start + 5, quote="cruel",
                                   attributes={"polarity": "negative"}))
        SegmentProgress.objects.bulk_create([SegmentProgress(segment=segment, annotator=a) for a in annotators])
        SegmentComment.objects.create(segment=segment, author=annotators[0], text="why?")
    bulk_create_tags(tags)
    for tag in Annotation.objects.filter(document=document)[: n // 2]:
        accept(reviewer, tag)
    return document


def test_queue_queries_do_not_grow_with_the_project(project, cast, django_assert_num_queries):
    annotators = [cast["ann1"], cast["ann2"]]
    build_document(project, annotators, cast["reviewer"], 10)
    client = page_client(cast["reviewer"])
    with CaptureQueriesContext(connection) as queue_queries:
        client.get(f"/projects/{project.slug}/review/queue/")
    build_document(project, annotators, cast["reviewer"], 200)
    with django_assert_num_queries(len(queue_queries)):
        response = client.get(f"/projects/{project.slug}/review/queue/")
    assert len(response.context["rows"]) == 0  # every sentence agreed: the queue is empty, and cost the same
