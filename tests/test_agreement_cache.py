"""Agreement kept in the cache: exactly the figures computed from scratch, refreshed by every change that counts."""

import hashlib
import random

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from annotate import agreement, agreement_cache
from annotate.assignment import assign_documents, set_strategy, unassign
from annotate.codebook_moving import do_move_codebook
from annotate.dashboard import (
    agreement_figures,
    attribution_figures,
    fetch_rows,
    label_distribution,
    missing_perspectives,
    progress_figures,
)
from annotate.dashboard_views import add_charts, add_links
from annotate.members import add_member, change_role
from annotate.models import Annotation, Document, Membership, Segment, SegmentProgress
from annotate.resplitting import resplit_document
from annotate.reviewing import review_annotations
from annotate.tags import TagError, do_delete_tag, do_edit_tag, do_import_tag
from tests.api_helpers import create_tag
from tests.codebook_versions import next_version
from tests.test_resplitting import old_document, span  # noqa: F401 (a fixture and its helper)

WORDS = "oil sanctions alliance refinery minister energy pressure imports bank currency tractor gold".split()
FRAMES = ["economic", "political", "external_relations"]
TECHNIQUES = ["loaded_language", "slogan", "name_calling"]
STAKEHOLDERS = ["us_government", "affected_citizens", "independent_analysts"]


def make_documents(project, rng, count=3, size=5):
    """Create documents of random sentences, one space apart."""
    made = []
    for n in range(count):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))) + "." for _ in range(size)]
        text = " ".join(sentences)
        document = Document.objects.create(project=project, title=f"Document {n}", text=text,
                                           text_sha256=hashlib.sha256(text.encode()).hexdigest())
        segments, start = [], 0
        for index, sentence in enumerate(sentences):
            segments.append(Segment(document=document, index=index, start=start, end=start + len(sentence),
                                    text=sentence))
            start += len(sentence) + 1
        Segment.objects.bulk_create(segments)
        made.append(document)
    return made


def attempt(write, **fields):
    """Make a write, or nothing if the write path refuses it (a label the annotator already gave there)."""
    try:
        return write(**fields)
    except (ValidationError, TagError):
        return None


def random_tag(rng, user, segment, label):
    """Create a framing tag or a loaded-language span on the segment through the write path, unless refused."""
    if rng.random() < 0.5:
        return attempt(create_tag, project=segment.document.project, document=segment.document, segment=segment,
                          annotator=user, label=label("framing", rng.choice(FRAMES)))
    words = segment.text.rstrip(".").split(" ")
    first = rng.randrange(len(words))
    last = min(len(words) - 1, first + rng.randint(0, 2))
    start = len(" ".join(words[:first])) + (1 if first else 0)
    end = len(" ".join(words[:last + 1]))
    return attempt(create_tag, project=segment.document.project, document=segment.document, segment=segment,
                   annotator=user, label=label("loaded_language", rng.choice(TECHNIQUES)), start=start, end=end,
                      quote=segment.text[start:end], attributes={"polarity": "negative"})


def add_frame(user, segment, label):
    """Give the segment a frame the user has not given it yet."""
    given = set(Annotation.objects.filter(segment=segment, annotator=user).values_list("label__key", flat=True))
    key = next(key for key in FRAMES if key not in given)
    return create_tag(project=segment.document.project, document=segment.document, segment=segment, annotator=user,
                      label=label("framing", key))


@pytest.fixture
def annotators(cast, project):
    third = get_user_model().objects.create_user("ann3", password="pw-ann3")
    Membership.objects.create(project=project, user=third, role=Membership.Role.ANNOTATOR)
    return [cast["ann1"], cast["ann2"], third]


@pytest.fixture
def work(project, annotators, label):
    """Three documents, each sentence finished and tagged by some of three annotators."""
    rng = random.Random(5)
    documents = make_documents(project, rng)
    for segment in Segment.objects.filter(document__project=project):
        for user in annotators:
            if rng.random() < 0.8:
                SegmentProgress.objects.create(segment=segment, annotator=user)
                for _ in range(rng.randint(0, 2)):
                    random_tag(rng, user, segment, label)
    return documents


def fresh(project, user, document=None):
    """Return the figures computed from scratch."""
    return agreement_figures(fetch_rows(project, user, document=document))


def kept(project, user, document=None):
    return agreement_cache.agreement_figures(project, user, document=document)


def assert_refreshed(project, user, before):
    """Assert that the kept figures are those computed from scratch, and no longer the ones before."""
    after = kept(project, user)
    assert after == fresh(project, user)
    assert after != before
    return after


@pytest.mark.parametrize("seed", range(6))
def test_kept_figures_are_exactly_the_fresh_ones_through_random_changes(project, cast, annotators, label, seed):
    rng = random.Random(seed)
    documents = make_documents(project, rng)
    segments = list(Segment.objects.filter(document__project=project))
    reviewer = cast["reviewer"]
    for _ in range(40):
        segment, user = rng.choice(segments), rng.choice(annotators)
        SegmentProgress.objects.get_or_create(segment=segment, annotator=user)
        random_tag(rng, user, segment, label)
    assert kept(project, reviewer) == fresh(project, reviewer)
    for _ in range(12):
        change = rng.choice(["create", "edit", "delete", "done", "undone"])
        segment, user = rng.choice(segments), rng.choice(annotators)
        tags = list(Annotation.objects.filter(project=project, gold=False).order_by("id"))
        if change == "create" or not tags:
            random_tag(rng, user, segment, label)
        elif change == "edit":
            tag = rng.choice(tags)
            key = rng.choice(FRAMES if tag.start is None else TECHNIQUES)
            attempt(do_edit_tag, annotation=tag, changes={"label": label(tag.label.layer.key, key)},
                    user=tag.annotator, expected_version=tag.version)
        elif change == "delete":
            tag = rng.choice(tags)
            do_delete_tag(annotation=tag, user=tag.annotator, expected_version=tag.version)
        elif change == "done":
            SegmentProgress.objects.get_or_create(segment=segment, annotator=user)
        else:
            SegmentProgress.objects.filter(segment=segment, annotator=user).delete()
        figures = kept(project, reviewer)
        assert figures == fresh(project, reviewer), change
        document = rng.choice(documents).pk
        assert kept(project, reviewer, document) == fresh(project, reviewer, document)
    assert_matches_the_pure_functions(fetch_rows(project, reviewer), figures)


def fresh_page(project, user):
    """Return the dashboard's figures and charts computed from scratch, as the page shows them."""
    rows = fetch_rows(project, user)
    figures = add_links({
        "progress": progress_figures(rows), "agreement": agreement_figures(rows),
        "distribution": label_distribution(rows), "attribution": attribution_figures(rows),
        "missing": missing_perspectives(rows),
    }, project, rows.segments)
    return figures, add_charts(figures)


def random_flag(rng, user, segment, label):
    """Flag a missing perspective on the segment, or on its document, for a random stakeholder."""
    stakeholder = rng.choice(STAKEHOLDERS + [""])
    return attempt(create_tag, project=segment.document.project, document=segment.document,
                   segment=segment if rng.random() < 0.7 else None, annotator=user,
                   label=label("missing_perspectives", "counter_perspective_missing"),
                   attributes={"stakeholder": stakeholder} if stakeholder else {})


@pytest.mark.parametrize("seed", range(4))
def test_the_dashboard_page_shows_exactly_the_fresh_figures_through_random_changes(client, project, cast, annotators,
                                                                                  label, seed):
    rng = random.Random(seed)
    documents = make_documents(project, rng, count=4, size=4)
    segments = list(Segment.objects.filter(document__project=project))
    reviewer = cast["reviewer"]
    client.force_login(reviewer)
    if seed % 2:
        set_strategy(project=project, assigning="round_robin", by=cast["manager"])
        assign_documents(project=project, documents=documents[:3], annotators=annotators[:2], by=cast["manager"])
        project.refresh_from_db()
    for _ in range(30):
        segment, user = rng.choice(segments), rng.choice(annotators)
        SegmentProgress.objects.get_or_create(segment=segment, annotator=user)
        (random_flag if rng.random() < 0.3 else random_tag)(rng, user, segment, label)
    for step in range(14):
        page = client.get("/projects/telesur/dashboard/").context
        assert (page["figures"], page["charts"]) == fresh_page(project, reviewer), step
        change = rng.choice(["tag", "flag", "delete", "done", "undone", "accept", "per sentence"])
        segment, user = rng.choice(segments), rng.choice(annotators)
        tags = list(Annotation.objects.filter(project=project, gold=False).order_by("id"))
        if change == "tag":
            random_tag(rng, user, segment, label)
        elif change == "flag":
            random_flag(rng, user, segment, label)
        elif change == "delete" and tags:
            tag = rng.choice(tags)
            do_delete_tag(annotation=tag, user=tag.annotator, expected_version=tag.version)
        elif change == "done":
            SegmentProgress.objects.get_or_create(segment=segment, annotator=user)
        elif change == "undone":
            SegmentProgress.objects.filter(segment=segment, annotator=user).delete()
        elif change == "accept" and tags:
            tag = rng.choice(tags)
            review_annotations(reviewer=reviewer, items=[(tag.pk, tag.version)], action="accept")
        elif change == "per sentence":
            project.annotators_per_segment = rng.choice([1, 2, 3])
            project.save(update_fields=["annotators_per_segment"])
    figures = client.get("/projects/telesur/dashboard/").context["figures"]
    assert figures == fresh_page(project, reviewer)[0]
    # Counted another way: straight from the rows.
    progress = {row["annotator"]: row["done"] for row in figures["progress"]["annotators"]}
    if not seed % 2:
        assert progress == {user.username: SegmentProgress.objects.filter(
            annotator=user, segment__document__project=project).count() for user in annotators}
    counts = {(layer["key"], label["key"]): (label["count"], label["gold"])
              for layer in figures["distribution"]["layers"] for label in layer["labels"]}
    for layer, key in {(tag.label.layer.key, tag.label.key) for tag in Annotation.objects.filter(project=project)}:
        tags = Annotation.objects.filter(project=project, label__layer__key=layer, label__key=key)
        assert counts[layer, key] == (tags.filter(gold=False).count(), tags.filter(gold=True).count())
    flags = Annotation.objects.filter(project=project, label__layer__key="missing_perspectives", gold=False)
    if not flags.filter(document__in=Annotation.objects.filter(gold=True, label__layer__key="missing_perspectives")
                        .values("document")).exists():
        assert sum(row["total"] for row in figures["missing"]["table"]["rows"]) == flags.count()


def assert_matches_the_pure_functions(rows, figures):
    """Assert that the summed parts give what annotate.agreement computes over all the data at once."""
    frames, spans, flat = {}, {}, {}
    for tag in rows.tags:
        if tag.layer == "framing":
            frames.setdefault((tag.annotator, tag.segment), set()).add(tag.key)
        elif tag.layer == "loaded_language":
            offset = rows.segments[tag.segment][2]
            spans.setdefault(tag.annotator, []).append((tag.segment, offset + tag.start, offset + tag.end, tag.key))
            flat.setdefault(tag.annotator, []).append((rows.segments[tag.segment][0], offset + tag.start,
                                                       offset + tag.end, tag.key))
    finished = {name: set(ids) for name, ids in rows.finished.items()}
    framing = next(layer for layer in figures["segment_layers"] if layer["key"] == "framing")
    keys = [label["key"] for label in framing["labels"]]
    expected = agreement.segment_label_alpha(finished, frames, keys)
    assert framing["alpha"] == pytest.approx(expected["alpha"], abs=1e-12)
    assert [label["alpha"] for label in framing["labels"]] == pytest.approx(
        [expected["per_label"][key] for key in keys], abs=1e-12)
    assert {(pair["a"], pair["b"]): pair["alpha"] for pair in framing["pairs"]} == pytest.approx(
        agreement.pairwise_alpha(finished, frames, keys), abs=1e-12)
    loaded = next(layer for layer in figures["span_layers"] if layer["key"] == "loaded_language")
    keys = [label["key"] for label in loaded["labels"]]
    texts = {segment: (offset, text) for segment, (_, _, offset, text) in rows.segments.items()}
    done = {name: ids | {span[0] for span in spans.get(name, [])} for name, ids in finished.items()}
    tokens = agreement.token_alpha(texts, spans, done, keys)
    assert (loaded["token_alpha"], loaded["units"]) == (pytest.approx(tokens["alpha"], abs=1e-12), tokens["units"])
    documents = {segment: document for segment, (document, *_) in rows.segments.items()}
    f1 = agreement.pairwise_span_f1(spans, finished=done, groups=documents)
    assert {(pair["a"], pair["b"]): pair["f1"] for pair in loaded["pairs"]} == pytest.approx(
        {pair: score and score["f1"] for pair, score in f1.items()}, abs=1e-12)


def test_a_second_view_reads_nothing_but_the_stamps(project, cast, work, django_assert_num_queries):
    first = kept(project, cast["reviewer"])
    with django_assert_num_queries(1):
        assert kept(project, cast["reviewer"]) == first


def test_one_changed_document_is_the_only_one_read_again(project, cast, work, label, django_assert_num_queries):
    before = kept(project, cast["reviewer"])
    add_frame(cast["ann1"], work[1].segments.first(), label)
    # The stamps, then fetch_rows narrowed to the document (seven queries), then the annotators' names.
    with django_assert_num_queries(9) as queries:
        after = kept(project, cast["reviewer"])
    assert any(f"IN ({work[1].pk})" in query["sql"] for query in queries.captured_queries)
    assert after == fresh(project, cast["reviewer"]) and after != before


def test_a_new_tag_refreshes_the_figures(project, cast, work, label):
    before = kept(project, cast["reviewer"])
    add_frame(cast["ann2"], work[0].segments.first(), label)
    assert_refreshed(project, cast["reviewer"], before)


def test_an_edited_tag_refreshes_the_figures(project, cast, work, label):
    before = kept(project, cast["reviewer"])
    tag = Annotation.objects.filter(project=project, start__isnull=False).first()
    other = next(key for key in TECHNIQUES if key != tag.label.key)
    do_edit_tag(annotation=tag, changes={"label": label("loaded_language", other)}, user=tag.annotator,
                expected_version=tag.version)
    assert_refreshed(project, cast["reviewer"], before)


def test_a_deleted_tag_refreshes_the_figures(project, cast, work):
    before = kept(project, cast["reviewer"])
    tag = Annotation.objects.filter(project=project, label__layer__key="framing").last()
    do_delete_tag(annotation=tag, user=tag.annotator, expected_version=tag.version)
    assert_refreshed(project, cast["reviewer"], before)


def test_an_imported_tag_refreshes_the_figures(project, cast, work, label):
    before = kept(project, cast["reviewer"])
    segment = work[2].segments.last()
    given = set(Annotation.objects.filter(segment=segment, annotator=cast["ann1"]).values_list("label__key", flat=True))
    key = next(key for key in FRAMES if key not in given)
    do_import_tag(annotation=Annotation(project=project, document=work[2], segment=segment, annotator=cast["ann1"],
                                        label=label("framing", key)), user=cast["manager"])
    assert_refreshed(project, cast["reviewer"], before)


def test_done_marks_over_the_api_refresh_the_figures(project, cast, work):
    client = APIClient()
    client.force_authenticate(cast["ann1"])
    undone = Segment.objects.filter(document__project=project).exclude(progress__annotator=cast["ann1"]).first()
    before = kept(project, cast["reviewer"])
    assert client.post(f"/api/segments/{undone.pk}/done/").status_code == 201
    before = assert_refreshed(project, cast["reviewer"], before)
    assert client.delete(f"/api/segments/{undone.pk}/done/").status_code == 200
    assert_refreshed(project, cast["reviewer"], before)


def test_assignment_changes_refresh_the_figures(project, cast, work, annotators):
    before = kept(project, cast["reviewer"])
    set_strategy(project=project, assigning="round_robin", by=cast["manager"])
    before = assert_refreshed(project, cast["reviewer"], before)
    assign_documents(project=project, documents=work[:2], annotators=annotators, by=cast["manager"])
    before = assert_refreshed(project, cast["reviewer"], before)
    unassign(project=project, documents=work[1:2], annotators=annotators[:1], by=cast["manager"])
    assert_refreshed(project, cast["reviewer"], before)


def test_new_members_and_roles_refresh_the_annotators(project, cast, work):
    before = kept(project, cast["reviewer"])
    newcomer = get_user_model().objects.create_user("newcomer", password="pw-newcomer")
    add_member(project=project, actor=cast["manager"], username="newcomer", role=Membership.Role.REVIEWER)
    assert kept(project, cast["reviewer"]) == before
    change_role(project=project, actor=cast["manager"], user_id=newcomer.pk, role=Membership.Role.ANNOTATOR)
    assert "newcomer" in assert_refreshed(project, cast["reviewer"], before)["annotators"]


def test_a_codebook_move_refreshes_the_figures(project, codebook, cast, work):
    before = kept(project, cast["reviewer"])
    target = next_version(codebook, renames={"framing": {"economic": "economy"}})
    do_move_codebook(project=project, target=target, choices={}, user=cast["manager"],
                     expected_codebook=codebook.pk)
    project.refresh_from_db()
    after = assert_refreshed(project, cast["reviewer"], before)
    assert "economy" in [label["key"] for label in after["segment_layers"][0]["labels"]]


def test_reviews_refresh_the_dashboard_but_leave_agreement_as_it_was(client, project, cast, work):
    client.force_login(cast["reviewer"])
    before = kept(project, cast["reviewer"])
    assert client.get("/projects/telesur/dashboard/").status_code == 200
    tag = Annotation.objects.filter(project=project, label__layer__key="framing").first()
    review_annotations(reviewer=cast["reviewer"], items=[(tag.pk, tag.version)], action="accept")
    page = client.get("/projects/telesur/dashboard/").context["figures"]
    framing = next(layer for layer in page["distribution"]["layers"] if layer["key"] == "framing")
    assert sum(label["gold"] for label in framing["labels"]) == 1
    assert kept(project, cast["reviewer"]) == fresh(project, cast["reviewer"]) == before


def test_tags_moved_by_a_resplit_refresh_the_figures(project, old_document, cast, label):  # noqa: F811
    for user, words in ((cast["ann1"], "no money. We have"), (cast["ann2"], "no money")):
        span(project, old_document, user, label, words)
    before = kept(project, cast["reviewer"])
    resplit_document(document=old_document, user=cast["manager"])
    after = assert_refreshed(project, cast["reviewer"], before)
    now, then = (next(label for label in figures["span_layers"][0]["labels"] if label["key"] == "loaded_language")
                 for figures in (after, before))
    assert now["segment_ids"] and now["segment_ids"] != then["segment_ids"]
    assert set(now["segment_ids"]) <= set(old_document.segments.values_list("pk", flat=True))
