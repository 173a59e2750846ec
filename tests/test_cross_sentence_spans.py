"""Spans that start in one sentence and run on into the next ones: stored, checked, reviewed, scored and exported."""

import csv
import hashlib
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError

from annotate.dashboard import agreement_figures, fetch_rows
from annotate.models import Annotation, Document, Project, Segment, SegmentProgress
from annotate.restoring import parse_export, restore_export
from annotate.reviewing import review_annotations
from annotate.validation import check_annotation
from tests.api_helpers import client_for, create_tag
from tests.test_restore import MEMBERS, normalised

TITLE = "Fuel for the region"
PARAGRAPHS = [
    ["They said it happened?", "Are they for real?", "Nobody knows."],
    ["A second paragraph starts.", "It ends here."],
]
TEXT = TITLE + "\n\n" + "\n\n".join(" ".join(sentences) for sentences in PARAGRAPHS)
WITHIN = "said it"
ACROSS = "happened? Are they"  # from sentence 2 into sentence 3
PARAGRAPHS_APART = "knows.\n\nA second"  # from sentence 4 into sentence 5, the next paragraph
SECOND = "Are they for real?"  # the whole of sentence 3


@pytest.fixture
def article(project):
    return make_article(project)


def make_article(project):
    """Return a document cut by hand into a title and five sentences in two paragraphs."""
    document = Document.objects.create(project=project, title=TITLE, text=TEXT, filename="article1.txt",
                                       text_sha256=hashlib.sha256(TEXT.encode()).hexdigest())
    Segment.objects.create(document=document, index=0, kind="title", paragraph=0, start=0, end=len(TITLE),
                           text=TITLE)
    index, cursor = 1, len(TITLE)
    for number, sentences in enumerate(PARAGRAPHS, start=1):
        for sentence in sentences:
            start = TEXT.index(sentence, cursor)
            Segment.objects.create(document=document, index=index, paragraph=number, start=start,
                                   end=start + len(sentence), text=sentence)
            index, cursor = index + 1, start + len(sentence)
    return document


def sentence(document, index):
    return document.segments.get(index=index)


def offsets(words):
    start = TEXT.index(words)
    return start, start + len(words)


def stored(document, words):
    """Return the fields of a span over these words, stored on the sentence it starts in."""
    doc_start, doc_end = offsets(words)
    segment = document.segments.filter(start__lte=doc_start).order_by("-index").first()
    return {"segment": segment, "start": doc_start - segment.start, "end": doc_end - segment.start, "quote": words}


def span(project, document, annotator, label, words, key="content"):
    return create_tag(project=project, document=document, annotator=annotator, label=label("attribution", key),
                      **stored(document, words))


def errors_of(annotation):
    with pytest.raises(ValidationError) as error:
        check_annotation(annotation)
    return {field: " ".join(messages) for field, messages in error.value.message_dict.items()}


def build(project, document, annotator, label, **fields):
    return Annotation(project=project, document=document, annotator=annotator,
                      label=label("attribution", "content"), **fields)


# Validation: the one rule, in annotate.validation


@pytest.mark.parametrize("words", [WITHIN, ACROSS, PARAGRAPHS_APART, " Are they", TEXT[TEXT.index("They"):]])
def test_a_span_inside_across_sentences_across_paragraphs_or_from_the_gap_passes(project, article, cast, label,
                                                                                  words):
    fields = stored(article, words)
    check_annotation(build(project, article, cast["ann1"], label, **fields))
    assert fields["segment"].start + fields["end"] == offsets(words)[1]


def test_a_span_starting_in_the_gap_belongs_to_the_sentence_before_it(project, article, cast, label):
    fields = stored(article, " Are they")
    assert fields["segment"].index == 1 and fields["start"] == len(fields["segment"].text)


def test_a_span_stored_on_a_sentence_before_its_own_is_refused_naming_the_sentence(project, article, cast, label):
    first = sentence(article, 1)
    doc_start, doc_end = offsets("for real")
    errors = errors_of(build(project, article, cast["ann1"], label, segment=first, start=doc_start - first.start,
                             end=doc_end - first.start, quote="for real"))
    assert "start" in errors and "lies in sentence 3, not in sentence 2" in errors["start"]


def test_a_span_past_the_document_end_is_refused(project, article, cast, label):
    last = sentence(article, 5)
    errors = errors_of(build(project, article, cast["ann1"], label, segment=last, start=0,
                             end=len(TEXT) - last.start + 1, quote=last.text))
    assert "end" in errors and "past the end of the document" in errors["end"]


def test_a_crossing_span_must_quote_the_document_text_newlines_included(project, article, cast, label):
    fields = {**stored(article, PARAGRAPHS_APART), "quote": "knows. A second"}
    errors = errors_of(build(project, article, cast["ann1"], label, **fields))
    assert "quote" in errors and "does not match the document text" in errors["quote"]


# The API: segment offsets or document offsets in, both out


def post(user, body):
    return client_for(user).post("/api/annotations/", body, format="json")


def test_api_places_a_span_given_by_document_offsets_on_its_first_sentence(project, article, cast, label):
    doc_start, doc_end = offsets(ACROSS)
    response = post(cast["ann1"], {"document": article.pk, "doc_start": doc_start, "doc_end": doc_end,
                                   "label": label("attribution", "content").pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    first = sentence(article, 1)
    assert (body["segment"], body["start"], body["end"]) == (first.pk, doc_start - first.start,
                                                             doc_end - first.start)
    assert (body["doc_start"], body["doc_end"], body["quote"]) == (doc_start, doc_end, ACROSS)
    assert Annotation.objects.get().quote == ACROSS


def test_api_takes_a_crossing_span_by_segment_offsets_and_reports_its_document_offsets(project, article, cast,
                                                                                       label):
    fields = stored(article, PARAGRAPHS_APART)
    response = post(cast["ann1"], {**fields, "segment": fields["segment"].pk,
                                   "label": label("attribution", "content").pk})
    assert response.status_code == 201, response.json()
    assert (response.json()["doc_start"], response.json()["doc_end"]) == offsets(PARAGRAPHS_APART)
    listed = client_for(cast["ann1"]).get(f"/api/annotations/?document={article.pk}").json()["results"]
    assert [(tag["doc_start"], tag["doc_end"]) for tag in listed] == [offsets(PARAGRAPHS_APART)]


def test_api_reports_null_document_offsets_for_a_sentence_label(project, article, cast, label):
    response = post(cast["ann1"], {"segment": sentence(article, 1).pk, "label": label("claim_sourcing",
                                                                                      "unattributed_claim").pk})
    assert response.status_code == 201
    assert response.json()["doc_start"] is None and response.json()["doc_end"] is None


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"doc_end": None}, "doc_end", "give doc_start and doc_end together"),
    ({"segment": "first"}, "segment", "not both"),
    ({"document": None}, "document", "required with doc_start and doc_end"),
    ({"doc_end": len(TEXT) + 1}, "doc_end", "outside the text"),
    ({"doc_end": "start"}, "doc_end", "is empty or reversed"),
    ({"label": ("claim_sourcing", "unattributed_claim")}, "doc_start", "only span labels take document offsets"),
    ({"doc_start": -1}, "doc_start", "greater than or equal to 0"),
    ({"quote": "happened? Are you"}, "quote", "does not match the document text"),
])
def test_bad_document_offsets_are_400s_naming_the_field(project, article, cast, label, change, field, message):
    doc_start, doc_end = offsets(ACROSS)
    body = {"document": article.pk, "doc_start": doc_start, "doc_end": doc_end,
            "label": label("attribution", "content").pk}
    for key, value in change.items():
        if value == "first":
            value = sentence(article, 1).pk
        elif value == "start":
            value = doc_start
        elif isinstance(value, tuple):
            value = label(*value).pk
        body[key] = value
    body = {key: value for key, value in body.items() if value is not None}
    response = post(cast["ann1"], body)
    assert response.status_code == 400, response.json()
    assert field in response.json(), response.json()
    assert message in " ".join(response.json()[field])
    assert not Annotation.objects.exists()


def patch(user, tag, body):
    return client_for(user).patch(f"/api/annotations/{tag.pk}/", {**body, "version": tag.version}, format="json")


def test_an_edit_may_stretch_a_span_into_the_next_sentence(project, article, cast, label):
    tag = span(project, article, cast["ann1"], label, "happened?")
    doc_start, doc_end = offsets(ACROSS)
    response = patch(cast["ann1"], tag, {"doc_start": doc_start, "doc_end": doc_end})
    assert response.status_code == 200, response.json()
    tag.refresh_from_db()
    assert (tag.segment.index, tag.quote, tag.end) == (1, ACROSS, doc_end - tag.segment.start)
    by_segment = patch(cast["ann1"], tag, {"end": tag.end + 4, "quote": ACROSS + " for"})
    assert by_segment.status_code == 200 and by_segment.json()["doc_end"] == doc_end + 4


def test_an_edit_that_would_move_a_span_to_another_first_sentence_is_refused(project, article, cast, label):
    tag = span(project, article, cast["ann1"], label, ACROSS)
    doc_start, doc_end = offsets(SECOND)
    response = patch(cast["ann1"], tag, {"doc_start": doc_start, "doc_end": doc_end})
    assert response.status_code == 400
    assert "would start in sentence 3, not in its sentence 2" in " ".join(response.json()["doc_start"])
    tag.refresh_from_db()
    assert tag.quote == ACROSS


# Review: gold copies keep the offsets


def review(reviewer, tag, action, edits=None):
    tag.refresh_from_db()
    return review_annotations(reviewer=reviewer, items=[(tag.pk, tag.version)], action=action, edits=edits)[0]


def test_two_identical_crossing_spans_share_one_gold_copy_with_the_same_offsets(project, article, cast, label,
                                                                                gold_checked):
    ones = [span(project, article, cast[name], label, ACROSS) for name in ("ann1", "ann2")]
    golds = {review(cast["reviewer"], tag, "accept").gold.pk for tag in ones}
    gold = Annotation.objects.get(pk=golds.pop())
    assert not golds
    assert (gold.segment_id, gold.start, gold.end, gold.quote) == (ones[0].segment_id, ones[0].start, ones[0].end,
                                                                   ACROSS)
    assert set(gold.provenance.all()) == set(ones)


def test_edit_then_accept_may_carry_a_span_across_paragraphs(project, article, cast, label, gold_checked):
    tag = span(project, article, cast["ann1"], label, "knows.")
    end = offsets(PARAGRAPHS_APART)[1] - tag.segment.start
    gold = review(cast["reviewer"], tag, "accept", edits={"end": end}).gold
    assert gold.edited and gold.quote == PARAGRAPHS_APART and gold.end == end


def test_the_reviewer_page_sends_a_crossing_span_with_its_first_sentence_and_the_next(project, article, cast,
                                                                                        label):
    tag = span(project, article, cast["ann1"], label, ACROSS)
    client = client_for()
    client.force_login(cast["reviewer"])
    url = f"/projects/{project.slug}/documents/{article.pk}/review/sentences/"

    def window(index):
        return client.get(f"{url}?from={index}&to={index}").json()

    first, second, third = window(1), window(2), window(3)
    assert [t["home"] for t in first["tags"]] == [1] and first["sentences"][0]["tags"] == 1
    assert [t["id"] for t in second["tags"]] == [tag.pk] and second["sentences"][0]["tags"] == 0
    assert second["tags"][0]["doc_end"] > second["sentences"][0]["start"]
    assert third["tags"] == []


# Agreement: a crossing span meets the other annotator's span in the next sentence


def test_agreement_scores_a_crossing_span_against_an_overlapping_one(project, article, cast, label):
    span(project, article, cast["ann1"], label, ACROSS)  # "happened? Are they": 18 characters
    span(project, article, cast["ann2"], label, SECOND)  # "Are they for real?": 18 characters
    for name in ("ann1", "ann2"):
        for index in (1, 2):
            SegmentProgress.objects.create(segment=sentence(article, index), annotator=cast[name])
    layer = next(layer for layer in agreement_figures(fetch_rows(project, cast["reviewer"]))["span_layers"]
                 if layer["key"] == "attribution")
    overlap = len("Are they") / 18  # SemEval-2020 partial credit, the same both ways
    pair = layer["pairs"][0]
    assert (pair["a"], pair["b"]) == ("ann1", "ann2")
    assert pair["precision"] == pytest.approx(overlap) and pair["recall"] == pytest.approx(overlap)
    assert pair["f1"] == pytest.approx(overlap) and pair["f1_unlabelled"] == pytest.approx(overlap)
    # Tokens of sentences 2 and 3: ann1 marks happened?, Are, they; ann2 marks Are, they, for, real?.
    # Coincidences: 6 (0,0), 4 (1,1), 6 mismatched pairs over n = 16 values (9 zeros, 7 ones):
    # alpha = 1 - (6/16) / (2*9*7 / (16*15)) = 2/7.
    content = next(row for row in layer["labels"] if row["key"] == "content")
    assert content["token_alpha"] == pytest.approx(2 / 7)
    assert content["f1"] == pytest.approx(overlap)
    # Pooled over the layer's three labels: 48 values, 7 ones, the same 6 mismatched pairs.
    assert layer["token_alpha"] == pytest.approx(1 - (6 / 48) / (2 * 41 * 7 / (48 * 47)))
    assert layer["units"] == 8
    assert content["disagreement_segment_ids"] == [sentence(article, 1).pk, sentence(article, 2).pk]


# Exports: document offsets exact in every format; readable formats mark every sentence a span covers


@pytest.fixture
def crossing(project, article, cast, label):
    """Return two spans of ann1: one into the next sentence, one into the next paragraph."""
    return [span(project, article, cast["ann1"], label, words) for words in (ACROSS, PARAGRAPHS_APART)]


def export(user, project, fmt):
    response = client_for(user).get(f"/api/projects/{project.pk}/export/?format={fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


EXPECTED = sorted([(*offsets(ACROSS), ACROSS), (*offsets(PARAGRAPHS_APART), PARAGRAPHS_APART)])


def test_json_export_carries_sentence_and_document_offsets(project, crossing, cast):
    data = json.loads(export(cast["reviewer"], project, "json"))
    document = data["documents"][0]
    tags = [(segment, tag) for segment in document["segments"] for tag in segment["annotations"]]
    assert sorted((tag["doc_start"], tag["doc_end"], tag["quote"]) for _, tag in tags) == EXPECTED
    for segment, tag in tags:
        assert segment["start"] + tag["start"] == tag["doc_start"] and segment["start"] + tag["end"] == tag["doc_end"]
        assert document["text"][tag["doc_start"]:tag["doc_end"]] == tag["quote"]


def test_jsonl_export_lists_a_crossing_span_on_its_first_sentence(project, crossing, cast):
    lines = [json.loads(line) for line in export(cast["reviewer"], project, "jsonl").splitlines()]
    tagged = {line["index"]: line["annotations"] for line in lines if line["type"] == "segment" and line["annotations"]}
    assert sorted(tagged) == [1, 3]
    assert sorted((tag["doc_start"], tag["doc_end"], tag["quote"]) for tags in tagged.values() for tag in tags) == \
        EXPECTED


def test_csv_export_keeps_document_offsets_and_the_quote_with_its_newlines(project, crossing, cast):
    rows = list(csv.DictReader(io.StringIO(export(cast["reviewer"], project, "csv"))))
    assert sorted((int(row["doc_start"]), int(row["doc_end"]), row["quote"]) for row in rows) == EXPECTED


def test_w3c_export_selects_the_span_in_the_document_text(project, crossing, cast):
    items = json.loads(export(cast["reviewer"], project, "w3c"))["first"]["items"]
    found = []
    for item in items:
        quote, position = item["target"]["selector"]
        assert TEXT[position["start"]:position["end"]] == quote["exact"]
        assert TEXT[:position["start"]].endswith(quote["prefix"]) and TEXT[position["end"]:].startswith(quote["suffix"])
        found.append((position["start"], position["end"], quote["exact"]))
    assert sorted(found) == EXPECTED


def test_doccano_export_labels_the_whole_crossing_span(project, crossing, cast):
    line = json.loads(export(cast["reviewer"], project, "doccano"))
    assert sorted((start, end, TEXT[start:end]) for start, end, _ in line["label"]) == EXPECTED
    assert {label for *_, label in line["label"]} == {"attribution/content"}


def test_labelstudio_export_gives_one_region_per_crossing_span(project, crossing, cast):
    task = json.loads(export(cast["reviewer"], project, "labelstudio"))[0]
    values = [result["value"] for result in task["annotations"][0]["result"]]
    assert sorted((value["start"], value["end"], value["text"]) for value in values) == EXPECTED


def html_sentence(page, index):
    return re.search(rf'<span class="seg" id="d\d+-s{index}">(.*?)</span>(?=[ <])', page, re.S)[1]


def test_html_export_marks_every_covered_sentence_and_lists_the_span_under_its_first(project, article, crossing,
                                                                                     cast):
    page = export(cast["reviewer"], project, "html")
    marked = {index: re.findall(r"<mark[^>]*>([^<]*)</mark>", html_sentence(page, index)) for index in range(6)}
    assert marked == {0: [], 1: ["happened?"], 2: ["Are they"], 3: ["knows."], 4: ["A second"], 5: []}
    notes = re.findall(r'<div class="sn" id="d\d+-n(\d+)">(.*?)</div>', page, re.S)
    by_sentence = {int(index) + 1: body for index, body in notes}
    assert sorted(by_sentence) == [2, 3, 4, 5]
    assert "<q>happened? Are they</q>" in by_sentence[2] and "runs on into the next sentence" in by_sentence[2]
    assert "continues from" in by_sentence[3] and "sentence 2</a>" in by_sentence[3]
    assert "<q>happened?" not in by_sentence[3].replace("<q>happened? Are they</q> continues", "")
    assert "continues from" in by_sentence[5] and "sentence 4</a>" in by_sentence[5]


def test_md_export_marks_every_covered_sentence_and_lists_the_span_under_its_first(project, article, crossing,
                                                                                   cast):
    page = export(cast["reviewer"], project, "md")
    assert "They said it **happened?** **Are they** for real?" in page
    assert "Nobody **knows.**" in page and "**A second** paragraph starts." in page
    notes = {}
    for number, item in re.findall(r"^> - \*\*(\d+)\*\* (.*)$", page, re.M):
        notes.setdefault(number, []).append(item)
    assert sorted(map(int, notes)) == [2, 3, 4, 5]
    assert "runs on into the next sentence" in notes["2"][0] and "continues from sentence 2" in notes["3"][0]
    assert "continues from sentence 4" in notes["5"][0]


def test_json_export_restores_into_a_fresh_project_with_the_same_spans(project, article, crossing, cast, codebook,
                                                                        label, gold_checked):
    review(cast["reviewer"], crossing[0], "accept")
    before = export(cast["reviewer"], project, "json")
    fresh = Project.objects.create(slug="fresh", name=project.name, codebook=codebook, blind=project.blind)
    for username, role in MEMBERS:
        fresh.memberships.create(user=cast[username], role=role)
    restore_export(project=fresh, data=parse_export(before.encode()), user=cast["manager"])
    after = export(cast["reviewer"], fresh, "json")
    normal = normalised(before.encode())
    normal["project"]["slug"] = "fresh"
    assert normalised(after.encode()) == normal
    restored = Annotation.objects.filter(project=fresh, label__layer__key="attribution")
    assert sorted((tag.segment.start + tag.start, tag.segment.start + tag.end, tag.quote) for tag in restored) == \
        sorted([*EXPECTED, (*offsets(ACROSS), ACROSS)])


def test_api_output_says_where_an_imported_tag_came_from(project, article, cast, label):
    tag = create_tag(project=project, document=article, annotator=cast["ann1"], label=label("attribution", "content"),
                     import_source="semeval-2020", import_file="article1.labels", **stored(article, ACROSS))
    body = client_for(cast["ann1"]).get(f"/api/annotations/{tag.pk}/").json()
    assert (body["import_source"], body["import_file"]) == ("semeval-2020", "article1.labels")
    assert body["doc_start"] == offsets(ACROSS)[0]


def test_null_document_offsets_are_the_same_as_none(project, article, cast, label):
    fields = stored(article, WITHIN)
    body = {**fields, "segment": fields["segment"].pk, "label": label("attribution", "content").pk,
            "doc_start": None, "doc_end": None}
    response = post(cast["ann1"], body)
    assert response.status_code == 201, response.json()
    tag = Annotation.objects.get()
    edited = patch(cast["ann1"], tag, {"note": "checked", "doc_start": None, "doc_end": None})
    assert edited.status_code == 200, edited.json()
    assert edited.json()["doc_start"] == offsets(WITHIN)[0]
