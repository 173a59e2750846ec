"""The annotated report (html and md exports): a summary computed from the tags, credits, dates, size and queries."""

import re

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotate import agreement
from annotate.exporting.agreement_lines import Covering
from annotate.exporting.dates import readable_date
from annotate.models import Document, SegmentProgress, Source
from annotate.reviewing import review_annotations
from tests.api_helpers import client_for, create_tag, make_span
from tests.report_demo import demo_with_gold
from tests.test_export_formats import parse_html

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
PAYLOAD = "<img src=x onerror=alert('report')>"
CLAIM = "In 2020, when U.S."
CHAVEZ = "Chávez’s famous declaration"
GHALIBAF = "Iranian officials, including"


def export(user, project, fmt, **params):
    query = "&".join(f"{key}={value}" for key, value in {"format": fmt, **params}.items())
    response = client_for(user).get(f"/api/projects/{project.pk}/export/?{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def link(project, document, annotator, label, content, source, cue=None, **attributes):
    """Link a content span to a source span (and cue), all in the given sentences, by annotator."""
    spans = {}
    for role, where in {"content": content, "source": source, "cue": cue}.items():
        if where:
            words, startswith = where
            spans[role] = make_span(project, document, annotator, label, words, layer="attribution", key=role,
                                    startswith=startswith)
    return create_tag(project=project, document=document, annotator=annotator,
                      label=label("attribution_relation", "attributed_to"),
                      relation_content=spans["content"], relation_source=spans["source"],
                      relation_cue=spans.get("cue"), attributes={"form": "direct_quote", **attributes})


@pytest.fixture
def article(project, document, cast, label):
    """Three sources (two of a foreign government), loaded terms in and out of quotes, a claim, a gap."""
    ann1 = cast["ann1"]
    outlet, _ = Source.objects.update_or_create(name="TeleSUR", defaults={"funding_note": f"State-funded {PAYLOAD}"})
    Document.objects.filter(pk=document.pk).update(source=outlet)
    link(project, document, ann1, label, ("Iran is transferring technology to us, something almost no other country "
                                          "does", CHAVEZ), ("Hugo Chávez", "The turning point"),
         affiliation="party", alignment="supports", identification="named_individual")
    link(project, document, ann1, label, ("this sentiment", GHALIBAF), ("Mohammad Bagher Ghalibaf", GHALIBAF),
         ("have echoed", GHALIBAF), affiliation="government_foreign", alignment="supports")
    link(project, document, ann1, label, ("true allies stand together in hardship", GHALIBAF),
         ("Iranian officials", GHALIBAF), ("declaring", GHALIBAF), affiliation="government_foreign",
         alignment="unclear")
    make_span(project, document, ann1, label, "true allies", startswith=GHALIBAF, key="slogan",
              attributes={"polarity": "positive", "target": PAYLOAD})
    make_span(project, document, ann1, label, "famous", startswith=CHAVEZ, key="appeal_to_authority")
    claim = document.segments.get(text__startswith=CLAIM)
    for annotator in (ann1, cast["ann2"]):
        create_tag(project=project, document=document, segment=claim, annotator=annotator,
                   label=label("claim_sourcing", "unattributed_claim"))
        create_tag(project=project, document=document, segment=claim, annotator=annotator,
                   label=label("framing", "economic"))
        SegmentProgress.objects.create(segment=claim, annotator=annotator)
    create_tag(project=project, document=document, segment=claim, annotator=ann1,
               label=label("missing_perspectives", "counter_perspective_missing"),
               attributes={"stakeholder": "us_government"}, note=f"Why the sanctions? {PAYLOAD}")
    return document


def text_of(page):
    """Return the text of an html page, tags removed and entities decoded, its spaces collapsed."""
    return re.sub(r"\s+", " ", "".join(data for data, _ in parse_html(page).marked))


def test_summary_counts_sources_by_affiliation_and_alignment(project, article, cast):
    page = export(cast["reviewer"], project, "html")
    text = re.sub(r"\s+", " ", text_of(page))
    assert "3 sources are quoted or cited by name or role, in 3 attributions." in text
    assert "2 of 3 attributed sources are officials of a foreign government. The rest: party figures (1)." in text
    assert "2 of 3 support the article's thesis and 1 unclear; none opposes it." in text


def test_a_family_of_affiliations_counts_as_one_group(project, article, cast):
    relation = next(a for a in project.annotations.filter(label__key="attributed_to")
                    if a.attributes["affiliation"] == "party")
    from annotate.tags import do_edit_tag

    do_edit_tag(annotation=relation, user=cast["ann1"], expected_version=relation.version,
                changes={"attributes": {**relation.attributes, "affiliation": "government_own"}})
    md = export(cast["reviewer"], project, "md")
    assert "**All three attributed sources are government officials (2 foreign, 1 own).**" in md


def test_loaded_terms_are_grouped_by_technique_and_voice(project, article, cast):
    md = export(cast["reviewer"], project, "md")
    assert "- **Slogan** (1) in the voice of Iranian officials: “true allies”" in md
    assert "- **Appeal to authority** (1) in the outlet's own voice: “famous”" in md


def test_claims_gaps_funding_and_frames_come_from_the_tags(project, article, cast):
    text = re.sub(r"\s+", " ", text_of(export(cast["reviewer"], project, "html")))
    assert "(marked as a claim without attribution, sentence" in text
    assert f"Counter-perspective missing — U.S. government. Why the sanctions? {PAYLOAD}" in text
    assert f"TeleSUR: State-funded {PAYLOAD}" in text
    sentences = article.segments.count()
    assert f"Mostly economic: 1 of {sentences} sentences ({round(100 / sentences)}%)." in text


def test_agreement_in_the_report_is_the_agreement_endpoints(project, article, cast, label):
    chavez = article.segments.get(text__startswith=CHAVEZ)
    create_tag(project=project, document=article, segment=chavez, annotator=cast["ann2"],
               label=label("framing", "political"))
    SegmentProgress.objects.create(segment=chavez, annotator=cast["ann1"])
    make_span(project, article, cast["ann2"], label, "famous declaration", startswith=CHAVEZ)
    figures = client_for(cast["reviewer"]).get(f"/api/projects/{project.pk}/agreement/").json()
    framing = next(layer for layer in figures["segment_layers"] if layer["key"] == "framing")
    text = re.sub(r"\s+", " ", text_of(export(cast["reviewer"], project, "html")))
    assert "Between ann1 and ann2. There is no gold version yet." in text
    assert framing["alpha"] is not None and framing["units"] == 2
    assert f"Framing: α = {framing['alpha']:.2f} over 2 sentences." in text
    loaded = next(layer for layer in figures["span_layers"] if layer["key"] == "loaded_language")
    assert loaded["token_alpha"] is not None and loaded["f1"] is not None
    assert (f"Loaded language: α = {loaded['token_alpha']:.2f} over {loaded['units']} words, "
            f"mean pairwise F1 {loaded['f1']:.2f}.") in text
    own = text_of(export(cast["ann1"], project, "html"))
    assert "Agreement needs two annotators' work on this article; this export has ann1's only." in own


def test_relations_are_drawn_across_paragraphs_and_within_one(project, article, cast):
    page = export(cast["reviewer"], project, "html")
    brackets = re.findall(r'<div class="lk (up|down)" style="grid-column:(\d+);grid-row:(\d+)/(\d+)" '
                          r'title="Link (\d+)">', page)
    assert len(brackets) == 1, brackets  # Chávez is named a paragraph before his quote
    direction, _, top, bottom, number = brackets[0]
    assert direction == "up" and int(bottom) - int(top) == 2 and number == "1"
    assert page.count('<span class="lk in down"') == 2  # Ghalibaf's and the officials' sentence
    for n in (1, 2, 3):
        assert f'title="Content of link {n}">{n}▸</sup>' in page and f'title="Source of link {n}">▸{n}</sup>' in page


def test_gold_tags_are_credited_to_their_annotators_and_the_reviewer(project, article, cast):
    tags = project.annotations.filter(label__key__in=["economic", "unattributed_claim"])
    review_annotations(reviewer=cast["reviewer"], items=list(tags.values_list("pk", "version")), action="accept")
    reviewed = tags.first()
    reviewed.refresh_from_db()
    when = reviewed.reviewed_at
    readable = f"{when.day} {when:%B %Y}, {when:%H:%M} UTC"
    for params in ({}, {"status": "gold"}):
        page = export(cast["reviewer"], project, "html", **params)
        text = re.sub(r"\s+", " ", text_of(page))
        assert "Framing: Economic — ann1 and ann2" in text
        assert f"Accepted by reviewer, {readable}." in text
        assert "This report reads the gold version: 2 tags accepted by reviewer" in text
        md = export(cast["reviewer"], project, "md", **params)
        assert "> - **" in md and "Framing: **Economic** — ann1 and ann2\n" in md
        assert f"*Accepted by reviewer, {readable}.*" in md


def test_dates_are_readable_and_no_timestamp_is_raw(project, article, cast):
    tags = project.annotations.filter(label__key="economic")
    review_annotations(reviewer=cast["reviewer"], items=list(tags.values_list("pk", "version")), action="accept")
    for fmt in ("html", "md"):
        page = export(cast["reviewer"], project, fmt)
        assert not ISO_TIMESTAMP.search(page), ISO_TIMESTAMP.search(page)
        assert re.search(r"generated \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} UTC", page)


def test_record_text_in_the_summary_is_escaped(project, article, cast):
    page = export(cast["reviewer"], project, "html")
    assert "<img" not in page and "&lt;img src=x onerror=alert(&#x27;report&#x27;)&gt;" in page
    md = export(cast["reviewer"], project, "md")
    html = markdown.markdown(md, extensions=["tables"])
    assert "<img" not in html and "State-funded &lt;img" in md


def test_the_demo_report_with_every_tag_stays_under_a_megabyte(db, django_user_model):
    project = demo_with_gold()
    reviewer = django_user_model.objects.get(username="reviewer")
    page = export(reviewer, project, "html")
    assert len(page.encode()) < 1_000_000
    assert len(export(reviewer, project, "md").encode()) < 1_000_000
    text = re.sub(r"\s+", " ", text_of(page))
    assert "This report reads the gold version" in text and "from the work of annotator1 and annotator2" in text
    assert "All four attributed sources are government officials (2 foreign, 2 own)." in text


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_reads_the_database_in_a_fixed_number_of_queries(project, article, cast, fmt,
                                                                    django_assert_num_queries, label):
    client = client_for(cast["reviewer"])
    url = f"/api/projects/{project.pk}/export/?format={fmt}"
    with django_assert_num_queries(QUERIES):
        b"".join(client.get(url).streaming_content)
    make_span(project, article, cast["ann2"], label, "lifeline", startswith=CLAIM)
    review_annotations(reviewer=cast["reviewer"], items=list(project.annotations.filter(
        annotator=cast["ann1"]).values_list("pk", "version")), action="accept")
    with django_assert_num_queries(QUERIES):
        b"".join(client.get(url).streaming_content)


# The project, the user's role and the codebook; then documents, segments, the three annotation scopes,
# provenance (with the annotators gold came from), comments and done-marks.
QUERIES = 12


@given(st.lists(st.tuples(st.sampled_from("ab"), st.integers(0, 5), st.integers(0, 9), st.integers(1, 25),
                          st.sampled_from("xy")), max_size=12))
def test_matching_spans_within_joined_sentences_scores_as_matching_across_the_document(spans):
    segments = [{"id": 100 + i, "start": 10 * i, "end": 10 * i + 10} for i in range(6)]
    covering = Covering(segments)
    found = {}
    for annotator, index, offset, length, key in spans:
        segment = segments[index]
        start = segment["start"] + offset
        covering.segments(segment, start, start + length)
        found.setdefault(annotator, []).append((segment["id"], start, start + length, key))
    whole = agreement.pairwise_span_f1(found, groups=dict.fromkeys((s["id"] for s in segments), 0))
    joined = agreement.pairwise_span_f1(found, groups=covering.groups())
    assert whole.keys() == joined.keys()
    for pair, scores in whole.items():
        assert joined[pair] == pytest.approx(scores)


@pytest.mark.parametrize(("stored", "readable"), [
    ("2025-06-12T14:05:09.123456+00:00", "12 June 2025, 14:05 UTC"),
    ("2025-06-12T16:05:00+02:00", "12 June 2025, 14:05 UTC"),
    ("2025-01-01T00:30:00-01:00", "1 January 2025, 01:30 UTC"),
    (None, ""),
    ("not a date", "not a date"),
])
def test_timestamps_read_as_a_person_says_them(stored, readable):
    assert readable_date(stored) == readable
