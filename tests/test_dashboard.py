"""The dashboard's figures on a small hand-checked fixture, its pages, and its query count."""

import hashlib

import pytest

from annotate.dashboard import (
    agreement_figures,
    attribution_figures,
    fetch_rows,
    label_distribution,
    missing_perspectives,
    progress_figures,
)
from annotate.models import Annotation, Document, Segment, SegmentProgress
from annotate.reviewing import review_annotations
from tests.api_helpers import bulk_create_tags, create_tag

SENTENCES = ["Iran sent a lifeline to Venezuela.", "The bold move defied sanctions.", "Officials said so.",
             "Nothing here."]
DASHBOARD_QUERIES = 12  # session, user, project, role, the stamps of the cached figures, then fetch_rows:
# layers, labels, progress, tags, annotators' names, documents, segments.
DASHBOARD_WARM_QUERIES = 5  # session, user, project, role, the stamps: the figures come from the cache.
# After one change: those five, fetch_rows narrowed to the changed document (seven), the annotators' names.
DASHBOARD_CHANGED_QUERIES = 13
API_QUERIES = 12  # token user, its last use, project, role, the stamps, then the seven of fetch_rows.
API_WARM_QUERIES = 4  # token user, project, role, the stamps (a token's last use is written once a minute).
# After one change: those four, fetch_rows narrowed to the changed document (seven), the annotators' names.
API_CHANGED_QUERIES = 12


def make_document(project, sentences, title="Small"):
    """Create a document whose segments are the sentences, one space apart."""
    text = " ".join(sentences)
    document = Document.objects.create(project=project, title=title, text=text,
                                       text_sha256=hashlib.sha256(text.encode()).hexdigest())
    segments, start = [], 0
    for index, sentence in enumerate(sentences):
        segments.append(Segment(document=document, index=index, start=start, end=start + len(sentence), text=sentence))
        start += len(sentence) + 1
    return document, Segment.objects.bulk_create(segments)


def tag(user, label, segment, quote=None, **fields):
    """Save a tag on a segment (a span when quote is given), in the segment's own project."""
    if quote is not None:
        fields.update(start=segment.text.index(quote), end=segment.text.index(quote) + len(quote), quote=quote)
    return create_tag(project=segment.document.project, document=segment.document, segment=segment,
                                     annotator=user, label=label, **fields)


@pytest.fixture
def small(project, cast, label):
    """Two annotators on four sentences; ann2 has not finished s4.

    framing          s1    s2      s3   s4
      ann1           E     E, P    -    P
      ann2           E     P       -    (missing)
    loaded language: ann1 "lifeline" (s1) and "bold move" (s2); ann2 "a lifeline" (s1) and
    "bold move" as a slogan (s2).
    attribution on s3: both mark source "Officials", cue "said", content "so" and link them;
    ann1 says the source supports the thesis, ann2 that it is unclear.
    missing perspectives: ann1 us_government at s2; ann2 us_government at s1 and
    affected_citizens without an anchor.
    """
    document, (s1, s2, s3, s4) = make_document(project, SENTENCES)
    ann1, ann2 = cast["ann1"], cast["ann2"]
    for user, segments in ((ann1, [s1, s2, s3, s4]), (ann2, [s1, s2, s3])):
        SegmentProgress.objects.bulk_create([SegmentProgress(segment=s, annotator=user) for s in segments])
    economic, political = label("framing", "economic"), label("framing", "political")
    for user, segment, frame in [(ann1, s1, economic), (ann1, s2, economic), (ann1, s2, political),
                                 (ann1, s4, political), (ann2, s1, economic), (ann2, s2, political)]:
        tag(user, frame, segment)
    loaded, slogan = label("loaded_language", "loaded_language"), label("loaded_language", "slogan")
    tag(ann1, loaded, s1, "lifeline", attributes={"polarity": "positive"})
    tag(ann1, loaded, s2, "bold move", attributes={"polarity": "positive"})
    tag(ann2, loaded, s1, "a lifeline", attributes={"polarity": "positive"})
    tag(ann2, slogan, s2, "bold move", attributes={"polarity": "positive"})
    relations = {}
    for user, alignment in ((ann1, "supports"), (ann2, "unclear")):
        source, cue, content = (tag(user, label("attribution", key), s3, quote)
                                for key, quote in (("source", "Officials"), ("cue", "said"), ("content", "so")))
        relations[user.username] = tag(
            user, label("attribution_relation", "attributed_to"), s3, relation_source=source, relation_cue=cue,
            relation_content=content,
            attributes={"form": "paraphrase", "affiliation": "government_own", "alignment": alignment})
    missing = label("missing_perspectives", "counter_perspective_missing")
    tag(ann1, missing, s2, attributes={"stakeholder": "us_government"})
    tag(ann2, missing, s1, attributes={"stakeholder": "us_government"})
    create_tag(project=project, document=document, annotator=ann2, attributes={
        "stakeholder": "affected_citizens"}, label=label("missing_perspectives", "affected_population_missing"))
    return {"document": document, "segments": (s1, s2, s3, s4), "relations": relations}


def rows_for(small, cast):
    return fetch_rows(small["document"].project, cast["reviewer"])


def by_key(items, key):
    return next(item for item in items if item["key"] == key)


def test_progress_counts_sentences_marked_done(small, cast):
    s1, s2, s3, s4 = (s.pk for s in small["segments"])
    progress = progress_figures(rows_for(small, cast))
    assert [(row["annotator"], row["done"], row["total"]) for row in progress["annotators"]] == [
        ("ann1", 4, 4), ("ann2", 3, 4)]
    (document,) = progress["documents"]
    # Two annotators are wanted per sentence: s1-s3 have both, s4 only ann1.
    assert (document["total"], document["complete"], document["segment_ids"]) == (4, 3, [s1, s2, s3])


def test_segment_layer_alpha_matches_the_hand_computation(small, cast):
    s1, s2, s3, s4 = (s.pk for s in small["segments"])
    framing = by_key(agreement_figures(rows_for(small, cast))["segment_layers"], "framing")
    # Units are the sentences finished by both (s4 lacks ann2, so it is unpairable).
    # Binary nominal alpha: 1 - (n - 1) * o01 / (n0 * n1), o01 the disagreeing pairs.
    # economic: s1 (1,1), s2 (1,0), s3 (0,0): n = 6, n1 = 3, n0 = 3, o01 = 1 -> 1 - 5/9 = 0.444.
    assert by_key(framing["labels"], "economic")["alpha"] == pytest.approx(4 / 9)
    # political: s1 (0,0), s2 (1,1), s3 (0,0): no disagreement -> 1.
    assert by_key(framing["labels"], "political")["alpha"] == pytest.approx(1.0)
    # Pooled over the 16 framing labels x 3 pairable sentences: n = 96, n1 = 3 + 2 = 5, n0 = 91,
    # o01 = 1 -> 1 - 95 / 455 = 0.791.
    assert framing["alpha"] == pytest.approx(1 - 95 / 455)
    assert framing["pairs"] == [{"a": "ann1", "b": "ann2", "alpha": pytest.approx(1 - 95 / 455)}]
    assert (framing["units"], framing["annotators"]) == (4, 2)
    assert framing["disagreement_segment_ids"] == [s2]
    economic = by_key(framing["labels"], "economic")
    assert (economic["segment_ids"], economic["disagreement_segment_ids"]) == ([s1, s2], [s2])
    assert framing["documents"] == [{"document": small["document"].pk, "title": "Small",
                                     "alpha": pytest.approx(1 - 95 / 455)}]


def test_each_document_gets_its_own_alpha(small, cast, project, label):
    document, (t1, t2) = make_document(project, ["Both agree here.", "Nothing to tag."], title="Second")
    for user in (cast["ann1"], cast["ann2"]):
        SegmentProgress.objects.bulk_create([SegmentProgress(segment=t, annotator=user) for t in (t1, t2)])
        tag(user, label("framing", "economic"), t1)
    framing = by_key(agreement_figures(rows_for(small, cast))["segment_layers"], "framing")
    # Second: t1 (1,1) and t2 (0,0) for economic, zeros elsewhere: no disagreement, some variation -> 1.
    # Small keeps its 0.791. Overall adds 16 x 2 agreeing units and two 1s: n = 160, n1 = 7, n0 = 153,
    # o01 = 1 -> 1 - 159 / (153 * 7).
    assert [(row["title"], row["alpha"]) for row in framing["documents"]] == [
        ("Small", pytest.approx(1 - 95 / 455)), ("Second", pytest.approx(1.0))]
    assert framing["alpha"] == pytest.approx(1 - 159 / 1071)


def test_span_layer_f1_and_token_alpha_match_the_hand_computation(small, cast):
    s1, s2, s3, s4 = (s.pk for s in small["segments"])
    layer = by_key(agreement_figures(rows_for(small, cast))["span_layers"], "loaded_language")
    # ann1 predicted, ann2 reference, on s1-s3. s1: "lifeline" (8 chars) inside "a lifeline" (10):
    # precision credit 8/8, recall credit 8/10. s2: same span, other label: no credit.
    # P = 1/2, R = 0.8/2 = 0.4, F1 = 2 * 0.5 * 0.4 / 0.9 = 0.444.
    (pair,) = layer["pairs"]
    assert (pair["precision"], pair["recall"], pair["f1"]) == pytest.approx((0.5, 0.4, 4 / 9))
    # Ignoring labels s2 matches fully: P = 2/2, R = 1.8/2, F1 = 2 * 0.9 / 1.9.
    assert pair["f1_unlabelled"] == pytest.approx(1.8 / 1.9)
    assert layer["f1"] == pytest.approx(4 / 9)
    # loaded_language alone: P = (1 + 0)/2, R = 0.8/1, F1 = 0.8 / 1.3; slogan: ann1 has none, F1 = 0.
    assert by_key(layer["labels"], "loaded_language")["f1"] == pytest.approx(0.8 / 1.3)
    assert by_key(layer["labels"], "slogan")["f1"] == 0.0
    assert by_key(layer["labels"], "name_calling")["f1"] is None
    # Tokens of s1-s3: 6 + 5 + 3 = 14 pairable, n = 28 per label.
    # loaded_language: ann1 lifeline, bold, move; ann2 a, lifeline: n1 = 5, n0 = 23, o01 = 3
    # -> 1 - 27 * 3 / (23 * 5). slogan: ann2 bold, move: n1 = 2, n0 = 26, o01 = 2 -> 1 - 54/52.
    assert by_key(layer["labels"], "loaded_language")["token_alpha"] == pytest.approx(1 - 81 / 115)
    assert by_key(layer["labels"], "slogan")["token_alpha"] == pytest.approx(1 - 54 / 52)
    # Pooled over the layer's 24 labels: n = 24 * 28 = 672, n1 = 7, n0 = 665, o01 = 5 -> 1 - 671 * 5 / (665 * 7).
    assert layer["token_alpha"] == pytest.approx(1 - 3355 / 4655)
    assert layer["units"] == 16  # s4's two tokens count as units but pair with nothing
    assert layer["disagreement_segment_ids"] == [s1, s2]


def test_label_distribution_counts_per_annotator(small, cast):
    s1, s2, s3, s4 = (s.pk for s in small["segments"])
    distribution = label_distribution(rows_for(small, cast))
    framing = by_key(distribution["layers"], "framing")
    political = by_key(framing["labels"], "political")
    assert (political["count"], political["by_annotator"], political["segment_ids"]) == (3, [2, 1], [s2, s4])
    assert framing["total"] == 6
    relation = by_key(by_key(distribution["layers"], "attribution_relation")["labels"], "attributed_to")
    assert (relation["count"], relation["segment_ids"]) == (2, [s3])


def test_attribution_counts_each_annotator_until_there_is_gold(small, cast, label):
    s3 = small["segments"][2].pk
    figures = attribution_figures(rows_for(small, cast))
    assert figures["groups"] == ["ann1", "ann2"]
    assert [row["summary"] for row in figures["totals"]] == [
        "1 of 1 attributed sources support the article's thesis",
        "0 of 1 attributed sources support the article's thesis"]
    alignment = figures["tables"][0]
    assert [row["key"] for row in alignment["rows"]] == ["supports", "opposes", "independent", "unclear"]
    supports = alignment["rows"][0]["cells"]
    assert (supports[0]["count"], supports[0]["segment_ids"], supports[1]["count"]) == (1, [s3], 0)
    relation = small["relations"]["ann1"]
    ends = (relation.relation_source, relation.relation_cue, relation.relation_content)
    review_annotations(reviewer=cast["reviewer"], items=[(a.pk, a.version) for a in (*ends, relation)],
                       action="accept")
    figures = attribution_figures(rows_for(small, cast))
    assert figures["groups"] == ["gold"]
    assert figures["totals"][0]["summary"] == "1 of 1 attributed sources support the article's thesis"


def test_missing_perspectives_by_stakeholder(small, cast):
    s1, s2, s3, s4 = (s.pk for s in small["segments"])
    table = missing_perspectives(rows_for(small, cast))["table"]
    us, citizens = table["rows"]
    assert (us["key"], us["total"], [cell["segment_ids"] for cell in us["cells"]]) == (
        "us_government", 2, [[s2], [s1]])
    assert (citizens["key"], citizens["total"], citizens["labels"]) == (
        "affected_citizens", 1, ["Affected population missing"])


def test_gold_tags_stay_out_of_agreement(small, cast, label):
    s1 = small["segments"][0]
    before = agreement_figures(rows_for(small, cast))
    economic = Annotation.objects.get(segment=s1, annotator=cast["ann1"], label=label("framing", "economic"))
    (result,) = review_annotations(reviewer=cast["reviewer"], items=[(economic.pk, economic.version)],
                                   action="accept")
    assert result.gold is not None
    assert agreement_figures(rows_for(small, cast)) == before


@pytest.mark.parametrize(("username", "status"), [("manager", 200), ("reviewer", 200), ("ann1", 403),
                                                   ("outsider", 404)])
def test_dashboard_is_for_reviewers_and_managers(client, small, cast, username, status):
    client.force_login(cast[username])
    assert client.get("/projects/telesur/dashboard/").status_code == status


def test_anonymous_is_sent_to_log_in(client, small):
    response = client.get("/projects/telesur/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_links_each_figure_to_its_sentences(client, small, cast):
    s1, s2, s3, s4 = small["segments"]
    client.force_login(cast["reviewer"])
    html = client.get("/projects/telesur/dashboard/").content.decode()
    assert f'href="/projects/telesur/documents/{small["document"].pk}/#s{s2.index + 1}"' in html
    # The political label was used on s2 and s4.
    assert f'href="/projects/telesur/dashboard/sentences/?ids={s2.pk},{s4.pk}"' in html
    assert '<svg class="chart" role="img" aria-label="Krippendorff&#x27;s alpha per layer"' in html
    assert "<caption>Sentence-level layers</caption>" in html
    assert "1 of 1 attributed sources support the article&#x27;s thesis" in html


def test_sentence_list_shows_the_tags_of_the_requested_sentences_only(client, small, cast, project, codebook):
    from annotate.models import Project

    s1, s2, s3, s4 = small["segments"]
    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    _, (foreign, *_) = make_document(other, ["Secret sentence elsewhere."])
    client.force_login(cast["reviewer"])
    response = client.get(f"/projects/telesur/dashboard/sentences/?ids={s2.pk},{foreign.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The bold move defied sanctions." in html and "Secret sentence" not in html
    assert "“bold move”" in html and "ann2" in html
    # Counted from 1, as the annotation page and its #sN links count.
    assert f", sentence {s2.index + 1}\n" in html and f'#s{s2.index + 1}"' in html
    assert client.get("/projects/telesur/dashboard/sentences/?ids=1,x").status_code == 400
    client.force_login(cast["ann1"])
    assert client.get(f"/projects/telesur/dashboard/sentences/?ids={s2.pk}").status_code == 403


def build_project(project, cast, label, size):
    """Create a document of size sentences, each tagged on three layers by two annotators."""
    document, segments = make_document(project, [f"Sentence {i} is a bold move." for i in range(size)],
                                       title=f"{size} sentences")
    ann1, ann2 = cast["ann1"], cast["ann2"]
    SegmentProgress.objects.bulk_create([SegmentProgress(segment=s, annotator=user)
                                         for s in segments for user in (ann1, ann2)])

    def rows(make):
        return bulk_create_tags([make(s) for s in segments])

    common = {"project": project, "document": document}
    for user, frame in ((ann1, "economic"), (ann2, "political")):
        rows(lambda s, user=user, frame=frame: Annotation(**common, segment=s, annotator=user,
                                                          label=label("framing", frame)))
        rows(lambda s, user=user: Annotation(**common, segment=s, annotator=user,
                                             label=label("loaded_language", "loaded_language"), start=s.text.index(
                                                 "bold"), end=len(s.text) - 1, quote="bold move",
                                             attributes={"polarity": "positive"}))
        sources = rows(lambda s, user=user: Annotation(**common, segment=s, annotator=user, start=0, end=8,
                                                       quote="Sentence", label=label("attribution", "source")))
        contents = rows(lambda s, user=user: Annotation(**common, segment=s, annotator=user, start=9,
                                                        end=len(s.text) - 1, quote=s.text[9:-1],
                                                        label=label("attribution", "content")))
        bulk_create_tags([
            Annotation(**common, segment=source.segment, annotator=user, relation_source=source,
                       relation_content=content, label=label("attribution_relation", "attributed_to"),
                       attributes={"form": "paraphrase", "alignment": "supports"})
            for source, content in zip(sources, contents, strict=True)])
    return document


@pytest.mark.parametrize("size", [10, 200])
def test_dashboard_page_queries_do_not_grow_with_sentences(client, project, cast, label, size,
                                                           django_assert_num_queries):
    document = build_project(project, cast, label, size)
    make_document(project, ["Another sentence."], title="Second")
    client.force_login(cast["reviewer"])
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get("/projects/telesur/dashboard/")
    assert response.status_code == 200
    assert f"{size} sentences" in response.content.decode()
    with django_assert_num_queries(DASHBOARD_WARM_QUERIES):
        warm = client.get("/projects/telesur/dashboard/")
    assert warm.context["figures"] == response.context["figures"]
    SegmentProgress.objects.filter(annotator=cast["ann2"]).first().delete()
    with django_assert_num_queries(DASHBOARD_CHANGED_QUERIES) as queries:
        changed = client.get("/projects/telesur/dashboard/")
    assert any(f"IN ({document.pk})" in query["sql"] for query in queries.captured_queries)
    assert changed.context["figures"] != response.context["figures"]
    assert changed.context["figures"]["progress"]["annotators"][1]["done"] == size - 1


@pytest.mark.parametrize("size", [10, 200])
def test_agreement_api_queries_do_not_grow_with_sentences(project, cast, label, size, django_assert_num_queries):
    from rest_framework.test import APIClient

    from annotate.tokens import issue_token

    document = build_project(project, cast, label, size)
    make_document(project, ["Another sentence."], title="Second")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=cast['reviewer'])[1]}")
    with django_assert_num_queries(API_QUERIES):
        response = client.get(f"/api/projects/{project.pk}/agreement/")
    assert response.status_code == 200
    assert by_key(response.json()["segment_layers"], "framing")["units"] == size
    with django_assert_num_queries(API_WARM_QUERIES):
        assert client.get(f"/api/projects/{project.pk}/agreement/").json() == response.json()
    SegmentProgress.objects.create(segment=document.segments.first(), annotator=cast["manager"])
    with django_assert_num_queries(API_CHANGED_QUERIES):
        changed = client.get(f"/api/projects/{project.pk}/agreement/").json()
    assert by_key(changed["segment_layers"], "framing")["annotators"] == 3
