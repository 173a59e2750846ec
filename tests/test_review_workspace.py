"""The reviewer's workspace: the page's outline, the sentence windows, who may read them, and constant queries."""

import json
import re

import pytest
from django.test import Client

from annotate.models import Annotation, Document, Segment, SegmentComment, SegmentProgress
from annotate.reviewing import review_annotations
from tests.api_helpers import bulk_create_tags, create_tag, link_across, make_span

pytestmark = pytest.mark.usefixtures("gold_checked")

LIFELINE = "In 2020, when U.S."
ECHOED = "Iranian officials"


def page_client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def page_data(response):
    html = response.content.decode()
    match = re.search(r'<script id="review-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match[1])


def window(client, project, document, start, to):
    return client.get(f"/projects/{project.slug}/documents/{document.pk}/review/sentences/?from={start}&to={to}")


@pytest.fixture
def disputed(project, document, cast, label):
    """ann1 and ann2 agree on 'lifeline'; ann2 alone marks 'crippled'; both finished the sentence."""
    tags = {
        "ann1_lifeline": make_span(project, document, cast["ann1"], label, "lifeline"),
        "ann2_lifeline": make_span(project, document, cast["ann2"], label, "lifeline"),
        "ann2_crippled": make_span(project, document, cast["ann2"], label, "crippled",
                                   attributes={"polarity": "negative", "voice": "quoted_source"}),
    }
    for annotator in (cast["ann1"], cast["ann2"]):
        SegmentProgress.objects.create(segment=tags["ann1_lifeline"].segment, annotator=annotator)
    return tags


@pytest.fixture
def attribution_across(project, document, cast, label):
    """ann1 links content in one sentence to its source in the next."""
    return link_across(project, document, cast["ann1"], label)


@pytest.mark.parametrize(("role", "expected"), [
    ("manager", 200), ("reviewer", 200), ("ann1", 403), ("ann2", 403), ("outsider", 404), ("anonymous", 302),
])
def test_who_may_read_the_workspace_and_its_sentences(cast, project, document, disputed, role, expected):
    client = page_client(cast.get(role))
    index = disputed["ann2_crippled"].segment.index
    for url in [f"/projects/{project.slug}/documents/{document.pk}/review/",
                f"/projects/{project.slug}/documents/{document.pk}/review/sentences/?from={index}&to={index}"]:
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 200 and "sentences" in url:
            assert [tag["quote"] for tag in response.json()["tags"]].count("crippled") == 1


def test_the_outline_has_every_sentence_with_its_disagreement_and_state(cast, project, document, disputed):
    data = page_data(page_client(cast["reviewer"]).get(f"/projects/{project.slug}/documents/{document.pk}/review/"))
    sentences = data["sentences"]
    assert len(sentences) == document.segments.count() + 1 and sentences[-1]["n"] == -1
    row = sentences[disputed["ann1_lifeline"].segment.index]
    # ann1: lifeline; ann2: lifeline + crippled; they agree on 1 of 2 distinct tags.
    assert (row["score"], row["participants"], row["tags"], row["pending"], row["disputed"]) == (0.5, 2, 3, 3, 0)
    assert data["annotators"] == ["ann1", "ann2"] and row["annotators"] == [0, 1]  # by their place in the list
    untouched = sentences[0]
    assert (untouched["score"], untouched["tags"]) == (None, 0)
    assert data["codebook"]["layers"][0]["attributes"]


def test_a_window_holds_the_tags_marks_differences_and_names_no_raw_paths(cast, project, document, disputed):
    index = disputed["ann1_lifeline"].segment.index
    body = window(page_client(cast["reviewer"]), project, document, index, index).json()
    (sentence,) = body["sentences"]
    assert sentence["index"] == index and sentence["people"] == ["ann1", "ann2"] and sentence["score"] == 0.5
    tags = {tag["id"]: tag for tag in body["tags"]}
    crippled = tags[disputed["ann2_crippled"].pk]
    assert (crippled["shared"], crippled["of"], crippled["home"], crippled["annotator"]) == (1, 2, index, "ann2")
    assert tags[disputed["ann1_lifeline"].pk]["shared"] == 2
    segment = disputed["ann2_crippled"].segment
    assert crippled["doc_start"] == segment.start + crippled["start"]
    assert "annotator__username" not in crippled and crippled["attributes"]["voice"] == "quoted_source"


def test_gold_tags_in_a_window_carry_their_annotators_and_reviewer(cast, project, document, disputed):
    one, two = disputed["ann1_lifeline"], disputed["ann2_lifeline"]
    review_annotations(reviewer=cast["reviewer"], items=[(one.pk, 1), (two.pk, 1)], action="accept", note="agreed")
    index = one.segment.index
    body = window(page_client(cast["manager"]), project, document, index, index).json()
    (gold,) = [tag for tag in body["tags"] if tag["gold"]]
    assert sorted(p["annotator"] for p in gold["provenance"]) == ["ann1", "ann2"]
    assert (gold["reviewer"], gold["review_note"], gold["status"]) == ("reviewer", "agreed", "accepted")
    assert body["sentences"][0]["gold"] == 1 and body["sentences"][0]["pending"] == 1


def test_a_relation_to_another_sentence_brings_that_sentence_and_its_source(cast, project, document,
                                                                           attribution_across):
    content, source, relation = attribution_across
    index = content.segment.index
    body = window(page_client(cast["reviewer"]), project, document, index, index).json()
    tags = {tag["id"]: tag for tag in body["tags"]}
    assert set(tags) == {content.pk, source.pk, relation.pk}
    assert tags[relation.pk]["home"] == index and tags[relation.pk]["relation"]["source"] == source.pk
    assert [c["index"] for c in body["context"]] == [source.segment.index]
    assert body["sentences"][0]["tags"] == 2  # the content span and the relation; the source is reviewed at its own


def test_a_span_running_on_from_an_earlier_sentence_is_sent_with_the_later_one(cast, project, document, label):
    first = document.segments.get(text__startswith=LIFELINE)
    second = document.segments.get(index=first.index + 1)
    start = len(first.text) - len(first.text.split()[-1])
    end = second.start - first.start + len(second.text.split()[0])
    span = create_tag(project=project, document=document, segment=first, annotator=cast["ann1"],
                      label=label("loaded_language", "loaded_language"), start=start, end=end,
                      quote=document.text[first.start + start:first.start + end], attributes={"polarity": "negative"})
    body = window(page_client(cast["reviewer"]), project, document, second.index, second.index).json()
    (tag,) = body["tags"]
    assert tag["id"] == span.pk and tag["home"] == first.index and tag["doc_end"] > second.start
    assert body["sentences"][0]["tags"] == 0


def test_article_level_tags_come_in_the_article_window(cast, project, document, label):
    tag = create_tag(project=project, document=document, annotator=cast["ann1"],
                     label=label("missing_perspectives", "counter_perspective_missing"),
                     segment=document.segments.get(index=3), attributes={"stakeholder": "venezuelan_opposition"})
    body = window(page_client(cast["reviewer"]), project, document, -1, -1).json()
    assert [t["id"] for t in body["tags"]] == [tag.pk] and body["sentences"][0]["index"] == -1
    assert window(page_client(cast["reviewer"]), project, document, 0, 5).json()["tags"] == []


@pytest.mark.parametrize(("query", "field"), [("from=0&to=60", "to"), ("from=x&to=1", "from"), ("to=1", "from"),
                                              ("from=4&to=2", "to"), ("from=-5&to=1", "from")])
def test_a_bad_window_is_a_400_naming_the_field(cast, project, document, query, field):
    response = page_client(cast["reviewer"]).get(
        f"/projects/{project.slug}/documents/{document.pk}/review/sentences/?{query}")
    assert response.status_code == 400 and field in response.json()


def test_the_queue_links_into_the_workspace_at_the_sentence(cast, project, document, disputed):
    html = page_client(cast["reviewer"]).get(f"/projects/{project.slug}/review/queue/").content.decode()
    index = disputed["ann1_lifeline"].segment.index
    assert f'/projects/{project.slug}/documents/{document.pk}/review/#s{index + 1}"' in html


def test_the_page_is_small_and_keeps_the_source_in_sight(cast, project, document, disputed):
    response = page_client(cast["reviewer"]).get(f"/projects/{project.slug}/documents/{document.pk}/review/")
    assert len(response.content) < 100_000
    assert 'id="rv-keys"' in response.content.decode() and "links.js" in response.content.decode()


def build_document(project, annotators, reviewer, n):
    """Make a document of n sentences, each tagged by every annotator, some adjudicated, discussed, and linked."""
    sentences = [f"Minister {i} said the sanctions were cruel." for i in range(n)]
    document = Document.objects.create(project=project, title=f"{n} sentences", text=" ".join(sentences),
                                       text_sha256=f"{n:064d}")
    offset, segments = 0, []
    for i, sentence in enumerate(sentences):
        segments.append(Segment(document=document, index=i, start=offset, end=offset + len(sentence), text=sentence))
        offset += len(sentence) + 1
    segments = Segment.objects.bulk_create(segments)
    layers = {layer.key: layer for layer in project.codebook.layers.prefetch_related("labels")}
    loaded = layers["loaded_language"].labels.get(key="loaded_language")
    content, source = (layers["attribution"].labels.get(key=key) for key in ("content", "source"))
    tags = []
    for segment in segments:
        start = segment.text.index("cruel")
        for annotator in annotators:
            tags.append(Annotation(project=project, document=document, segment=segment, annotator=annotator,
                                   label=loaded, start=start, end=start + 5, quote="cruel",
                                   attributes={"polarity": "negative"}))
            tags.append(Annotation(project=project, document=document, segment=segment, annotator=annotator,
                                   label=content, start=start - 19, end=start + 5, quote=segment.text[start - 19:
                                                                                                      start + 5]))
            tags.append(Annotation(project=project, document=document, segment=segment, annotator=annotator,
                                   label=source, start=0, end=len(segment.text.split()[0]) + 2,
                                   quote=segment.text[:len(segment.text.split()[0]) + 2]))
        SegmentProgress.objects.bulk_create([SegmentProgress(segment=segment, annotator=a) for a in annotators])
        SegmentComment.objects.create(segment=segment, author=annotators[0], text="why?")
    bulk_create_tags(tags)
    relation = layers["attribution_relation"].labels.get()
    spans = Annotation.objects.filter(document=document)
    links = []
    for segment in segments:
        for annotator in annotators:
            mine = {tag.label_id: tag for tag in spans if tag.segment_id == segment.pk and tag.annotator == annotator}
            later = next((s for s in segments if s.index == segment.index + 1), segment)
            theirs = {tag.label_id: tag for tag in spans if tag.segment_id == later.pk and tag.annotator == annotator}
            links.append(Annotation(project=project, document=document, annotator=annotator, label=relation,
                                    relation_content=mine[content.pk], relation_source=theirs[source.pk],
                                    attributes={"form": "paraphrase"}))
    bulk_create_tags(links)
    for tag in Annotation.objects.filter(document=document, label=loaded)[: n // 2]:
        review_annotations(reviewer=reviewer, items=[(tag.pk, tag.version)], action="accept")
    return document


def test_workspace_queries_do_not_grow_with_sentences_or_annotators(project, cast, django_user_model,
                                                                    django_assert_num_queries):
    from annotate.models import Membership

    client = page_client(cast["reviewer"])
    small = build_document(project, [cast["ann1"], cast["ann2"]], cast["reviewer"], 6)
    page = f"/projects/{project.slug}/documents/{small.pk}/review/"
    with django_assert_num_queries(11):
        client.get(page)
    with django_assert_num_queries(10):
        assert window(client, project, small, 0, 2).status_code == 200
    more = [django_user_model.objects.create_user(f"extra{i}") for i in range(4)]
    Membership.objects.bulk_create([Membership(project=project, user=user, role="annotator") for user in more])
    large = build_document(project, [cast["ann1"], cast["ann2"], *more], cast["reviewer"], 60)
    with django_assert_num_queries(11):
        response = client.get(f"/projects/{project.slug}/documents/{large.pk}/review/")
    assert len(page_data(response)["sentences"]) == 61
    with django_assert_num_queries(10):
        body = window(client, project, large, 0, 19).json()
    assert len(body["sentences"]) == 20 and body["sentences"][0]["participants"] == 6
    assert any(tag["gold"] and tag["provenance"] for tag in body["tags"])
    assert [c["index"] for c in body["context"]] == [20]
