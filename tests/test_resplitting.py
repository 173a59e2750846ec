"""Re-splitting a stored document: everything on it is carried to the new sentences exactly, or nothing changes."""

import pytest
from django.core.management import CommandError, call_command

from annotate.importing import import_article
from annotate.models import Annotation, Document, Segment, SegmentComment, SegmentProgress
from annotate.resplitting import ResplitRefused, resplit_document
from annotate.reviewing import review_annotations
from annotate.segmentation import parse_article
from tests.api_helpers import bulk_create_tags, create_tag

pytestmark = pytest.mark.usefixtures("gold_checked")

TEXT = (
    "Council votes to close the\nriverside library\n\n"
    "The council voted on Monday. “We have no money. We have no choice,” the mayor said. Residents were angry.\n\n"
    "A protest is planned for Friday.\n"
)
# How an older splitter left it: the headline's second line a heading, the quotation one sentence.
OLD_LAYOUT = [
    ("title", 0, "Council votes to close the"),
    ("heading", 1, "riverside library"),
    ("body", 2, "The council voted on Monday."),
    ("body", 2, "“We have no money. We have no choice,” the mayor said."),
    ("body", 2, "Residents were angry."),
    ("body", 3, "A protest is planned for Friday."),
]
QUOTE = "“We have no money. We have no choice,” the mayor said."


@pytest.fixture
def old_document(project):
    """Return the article stored with the older splitter's sentences."""
    document = import_article(project=project, name="library.txt", raw=TEXT.encode()).document
    document.segments.all().delete()
    pos, rows = 0, []
    for index, (kind, paragraph, text) in enumerate(OLD_LAYOUT):
        start = TEXT.index(text, pos)
        pos = start + len(text)
        rows.append(Segment(document=document, index=index, kind=kind, paragraph=paragraph, start=start, end=pos,
                            text=text))
    Segment.objects.bulk_create(rows)
    Document.objects.filter(pk=document.pk).update(title="Council votes to close the")
    document.refresh_from_db()
    return document


def layout(document):
    return [(s.kind, s.paragraph, s.start, s.end, s.text) for s in document.segments.order_by("index")]


def expected_layout():
    return [(s.kind, s.paragraph, s.start, s.end, s.text) for s in parse_article(TEXT).segments]


def span(project, document, annotator, label, words, *, sentence=QUOTE, layer="loaded_language",
         key="loaded_language"):
    """Create a span on the stored sentence that starts with `sentence`."""
    segment = document.segments.get(text=sentence)
    start = segment.text.index(words)
    attributes = {"polarity": "negative"} if layer == "loaded_language" else {}
    return create_tag(project=project, document=document, segment=segment, annotator=annotator,
                      label=label(layer, key), start=start, end=start + len(words), quote=words,
                      attributes=attributes)


def document_offsets(tag):
    tag = Annotation.objects.select_related("segment").get(pk=tag.pk)
    return tag.segment.start + tag.start, tag.segment.start + tag.end, tag.quote, tag.segment.text


def snapshot(document):
    """Return everything a refused re-split must leave as it was."""
    tags = list(Annotation.objects.filter(document=document).order_by("pk").values_list(
        "pk", "segment_id", "start", "end", "version", "status", "gold", "modified_at"))
    return layout(document), list(document.segments.values_list("pk", flat=True)), tags, document.title


def test_a_document_without_annotations_gets_the_current_splitters_sentences(old_document):
    unchanged = old_document.segments.get(text="Residents were angry.").pk
    result = resplit_document(document=old_document, user=None)
    old_document.refresh_from_db()
    assert layout(old_document) == expected_layout()
    assert [s.text for s in old_document.segments.order_by("index")][:3] == [
        "Council votes to close the\nriverside library", "The council voted on Monday.", "“We have no money."]
    assert old_document.title == "Council votes to close the riverside library"
    assert old_document.segments.get(text="Residents were angry.").pk == unchanged
    assert (len(result.removed), len(result.created), result.kept, result.moved) == (3, 3, 3, 0)


def test_a_document_already_split_by_the_current_splitter_is_left_alone(document):
    before = layout(document), list(document.segments.values_list("pk", flat=True))
    result = resplit_document(document=document, user=None)
    assert not result.changed
    assert (layout(document), list(document.segments.values_list("pk", flat=True))) == before


def test_span_tags_gold_copies_and_relations_are_carried_to_the_same_document_offsets(
    project, old_document, cast, label
):
    first = span(project, old_document, cast["ann1"], label, "no money")
    second = span(project, old_document, cast["ann1"], label, "no choice")
    elsewhere = span(project, old_document, cast["ann2"], label, "angry", sentence="Residents were angry.")
    ends = {key: span(project, old_document, cast["ann1"], label, words, layer="attribution", key=key)
            for key, words in (("content", "We have no choice"), ("source", "the mayor"), ("cue", "said"))}
    relation = create_tag(
        project=project, document=old_document, segment=ends["content"].segment, annotator=cast["ann1"],
        label=label("attribution_relation", "attributed_to"), relation_content=ends["content"],
        relation_source=ends["source"], relation_cue=ends["cue"], attributes={"form": "direct_quote"},
    )
    review_annotations(reviewer=cast["reviewer"], items=[(second.pk, 1)], action="accept")
    gold = Annotation.objects.get(gold=True, label=second.label)
    tags = [first, second, elsewhere, gold, *ends.values()]
    before = {tag.pk: document_offsets(tag)[:3] for tag in tags}
    versions = dict(Annotation.objects.values_list("pk", "version"))
    statuses = dict(Annotation.objects.values_list("pk", "status"))

    result = resplit_document(document=old_document, user=cast["manager"])

    assert layout(old_document) == expected_layout()
    assert {tag.pk: document_offsets(tag)[:3] for tag in tags} == before
    assert document_offsets(first)[3] == "“We have no money."
    assert document_offsets(second)[3] == "We have no choice,” the mayor said."
    assert dict(Annotation.objects.values_list("pk", "version")) == versions
    assert dict(Annotation.objects.values_list("pk", "status")) == statuses
    assert list(gold.provenance.all()) == [second]
    relation.refresh_from_db()
    assert (relation.relation_content_id, relation.relation_source_id, relation.relation_cue_id) == (
        ends["content"].pk, ends["source"].pk, ends["cue"].pk)
    assert relation.segment.text == "We have no choice,” the mayor said."
    moved = Annotation.objects.get(pk=second.pk).history.first()
    assert (moved.history_change_reason, moved.history_user) == ("re-split", cast["manager"])
    assert result.moved == 7  # first, second, its gold copy, three ends and the relation; "angry" stays


def test_sentence_level_tags_comments_and_done_marks_on_a_changing_sentence_refuse_it_all(
    project, old_document, cast, label
):
    quote = old_document.segments.get(text=QUOTE)
    span(project, old_document, cast["ann1"], label, "no money")
    create_tag(project=project, document=old_document, segment=quote, annotator=cast["ann1"],
               label=label("framing", "economic"))
    create_tag(project=project, document=old_document, segment=quote, annotator=cast["ann2"],
               label=label("framing", "economic"))
    SegmentComment.objects.create(segment=quote, author=cast["reviewer"], text="Two sentences?")
    SegmentProgress.objects.create(segment=quote, annotator=cast["ann1"])
    before = snapshot(old_document)

    with pytest.raises(ResplitRefused) as refused:
        resplit_document(document=old_document, user=cast["manager"])

    assert snapshot(old_document) == before
    blockers = refused.value.blockers
    assert {reason: count for reason, (count, _) in blockers.items()} == {
        "sentence-level tags on sentences that change": 2,
        "comments on sentences that change": 1,
        "done-marks on sentences that change": 1,
    }
    assert "framing:economic" in blockers["sentence-level tags on sentences that change"][1][0]
    assert "2 sentence-level tags on sentences that change" in str(refused.value)


def test_sentence_level_tags_on_sentences_that_keep_their_offsets_stay_put(project, old_document, cast, label):
    kept = old_document.segments.get(text="Residents were angry.")
    tag = create_tag(project=project, document=old_document, segment=kept, annotator=cast["ann1"],
                     label=label("framing", "economic"))
    SegmentProgress.objects.create(segment=kept, annotator=cast["ann1"])
    resplit_document(document=old_document, user=None)
    assert Annotation.objects.get(pk=tag.pk).segment_id == kept.pk
    assert SegmentProgress.objects.get().segment_id == kept.pk
    assert Segment.objects.get(pk=kept.pk).index == 4


def test_a_dry_run_checks_everything_and_saves_nothing(project, old_document, cast, label):
    tag = span(project, old_document, cast["ann1"], label, "no choice")
    before = snapshot(old_document)
    result = resplit_document(document=old_document, user=None, dry_run=True)
    assert snapshot(old_document) == before
    assert result.dry_run and result.moved == 1
    assert [text for *_, text in result.removed] == ["Council votes to close the", "riverside library", QUOTE]
    assert document_offsets(tag)[3] == QUOTE


def test_the_command_shows_the_changes_and_a_dry_run_keeps_them_unsaved(old_document, capsys):
    before = layout(old_document)
    call_command("resplit_document", str(old_document.pk), "--dry-run")
    out = capsys.readouterr().out
    assert f"- [3] {TEXT.index(QUOTE)}-{TEXT.index(QUOTE) + len(QUOTE)} body: {QUOTE}" in out
    assert "+ [2] " in out and "body: “We have no money." in out
    assert "would replace 3 sentence(s) with 3, kept 3" in out and "dry run" in out
    assert layout(old_document) == before
    call_command("resplit_document", str(old_document.pk))
    assert layout(old_document) == expected_layout()
    call_command("resplit_document", str(old_document.pk))
    assert "already split" in capsys.readouterr().out.splitlines()[-1]


def test_the_command_exits_non_zero_with_the_reasons_when_refused(project, old_document, cast, label):
    quote = old_document.segments.get(text=QUOTE)
    SegmentComment.objects.create(segment=quote, author=cast["reviewer"], text="Split this?")
    with pytest.raises(CommandError, match="1 comments on sentences that change .*comment .* by reviewer"):
        call_command("resplit_document", str(old_document.pk))
    with pytest.raises(CommandError, match="no document with id 999999"):
        call_command("resplit_document", "999999")


def test_a_carried_tag_that_fails_the_checks_on_its_new_sentence_refuses_it_all(project, old_document, cast, label):
    quote = old_document.segments.get(text=QUOTE)
    start = QUOTE.index("no money")
    # Stored before the attribute rule: the write path's checks refuse to save it again as it is.
    bulk_create_tags([Annotation(project=project, document=old_document, segment=quote, annotator=cast["ann1"],
                                 label=label("loaded_language", "loaded_language"), start=start,
                                 end=start + len("no money"), quote="no money", attributes={"polarity": "sideways"})])
    before = snapshot(old_document)
    with pytest.raises(ResplitRefused, match="1 tags refused on their new sentence .*attributes.polarity"):
        resplit_document(document=old_document, user=None)
    assert snapshot(old_document) == before


def test_a_span_that_the_new_sentences_cut_in_two_runs_on_across_them(project, old_document, cast, label):
    # In the old layout the quotation is one sentence; split, the span crosses from its first sentence into the next.
    tag = span(project, old_document, cast["ann1"], label, "no money. We have")
    before = document_offsets(tag)[:3]
    resplit_document(document=old_document, user=cast["manager"])
    assert document_offsets(tag)[:3] == before
    moved = Annotation.objects.select_related("segment").get(pk=tag.pk)
    assert moved.segment.text == "“We have no money."
    assert moved.end > len(moved.segment.text)
