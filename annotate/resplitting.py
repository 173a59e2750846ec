"""Re-split a stored document with the current splitter, carrying everything on it to the new sentences exactly.

A sentence whose offsets do not change keeps its row, so its id, tags, comments and done-marks stay as they
are. A span tag on a sentence that changes is carried by its document offsets (annotate.spans.place_span),
through the write path, and a relation anchored on its content span's sentence follows that span; its ends
are the same tags. Anything else on a changing sentence (a sentence-level tag, an article-level tag anchored
there, a comment, a done-mark) is about that sentence as a whole and has no exact new home, so it refuses
the re-split. A refused re-split changes nothing and says what blocks it.
"""

import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from annotate.importing import SPLIT_SECONDS
from annotate.models import Annotation, Layer, Segment, SegmentComment, SegmentProgress
from annotate.segmentation import SegmentationError, parse_article
from annotate.spans import SpanPlacementError, place_span
from annotate.tags import TagError, do_move_tags

EXAMPLES = 3  # examples named per reason in a refusal
ANCHORED = {
    Layer.Scope.SEGMENT: "sentence-level tags on sentences that change",
    Layer.Scope.DOCUMENT: "article-level tags anchored on sentences that change",
}


class ResplitRefused(Exception):
    """A re-split that cannot carry everything exactly; blockers maps each reason to (count, first examples)."""

    def __init__(self, document, blockers):
        self.document = document
        self.blockers = blockers
        reasons = "; ".join(
            f"{count} {reason} ({', '.join(examples)}{', ...' if count > len(examples) else ''})"
            for reason, (count, examples) in blockers.items()
        )
        super().__init__(f"document {document.pk} cannot be re-split exactly: {reasons}")


@dataclass
class ResplitResult:
    """What a re-split changed (or, for a dry run, would change)."""

    document: object
    dry_run: bool
    kept: int = 0  # sentences whose offsets did not change
    removed: list = field(default_factory=list)  # (index, start, end, kind, text) of sentences that go
    created: list = field(default_factory=list)  # the same for the sentences that replace them
    relaid: bool = False  # kinds or paragraph numbers of kept sentences change
    moved: int = 0  # span tags and relations carried to a new sentence

    @property
    def changed(self):
        return bool(self.removed or self.created or self.relaid)


class _Blockers(dict):
    """Reasons a re-split is refused: {reason: (count, first examples)}."""

    def add(self, reason, example):
        count, examples = self.get(reason, (0, []))
        self[reason] = (count + 1, examples + [example] if len(examples) < EXAMPLES else examples)


def resplit_document(*, document, user, dry_run=False):
    """Split a document again with the current splitter; refuse (changing nothing) unless all is carried exactly.

    Raise ResplitRefused naming what blocks it. A dry run checks everything, the write path included, then
    rolls back.
    """
    with transaction.atomic():
        old = list(document.segments.order_by("index"))
        article = _parse(document)
        kept = _kept_rows(old, article.segments)
        result = _describe(document, dry_run, old, article.segments, kept)
        if not result.changed:
            return result
        removed = [row for row in old if row.pk not in {r.pk for r in kept.values()}]
        blockers = _Blockers()
        _check_sentence_items(removed, blockers)
        placements = _place_spans(document, removed, article.segments, blockers)
        placements += _place_relations(removed, placements, blockers)
        if blockers:
            raise ResplitRefused(document, blockers)
        rows = _write_segments(document, old, article.segments, kept)
        try:
            do_move_tags(moves=[(tag, rows[i], start, end) for tag, i, start, end in placements], user=user)
        except TagError as error:
            for pk, problems in error.fields.items():
                blockers.add("tags refused on their new sentence", f"annotation {pk}: {'; '.join(problems)}")
            raise ResplitRefused(document, blockers) from None
        Segment.objects.filter(pk__in=[row.pk for row in removed]).delete()
        _update_document(document, old, article)
        result.moved = len(placements)
        if dry_run:
            transaction.set_rollback(True)
    if dry_run:
        document.refresh_from_db(fields=["title", "import_warnings"])
    return result


def _parse(document):
    """Return the document's text split by the current splitter, as at import."""
    try:
        return parse_article(document.text, markdown=document.filename.lower().endswith(".md"),
                             language=document.language, deadline=time.monotonic() + SPLIT_SECONDS)
    except SegmentationError as error:
        raise ResplitRefused(document, {"texts the splitter refuses": (1, [str(error)])}) from None


def _kept_rows(old, spans):
    """Return {new position: old row} for the new sentences whose offsets an old sentence has exactly."""
    by_offsets = {(row.start, row.end): row for row in old}
    return {i: by_offsets[(s.start, s.end)] for i, s in enumerate(spans) if (s.start, s.end) in by_offsets}


def _same_layout(old, spans):
    """Return whether the rows already have the new sentences' kinds and paragraphs, in order."""
    return [(r.start, r.end, r.kind, r.paragraph) for r in old] == [(s.start, s.end, s.kind, s.paragraph)
                                                                     for s in spans]


def _describe(document, dry_run, old, spans, kept):
    kept_ids = {row.pk for row in kept.values()}
    return ResplitResult(
        document=document, dry_run=dry_run, kept=len(kept),
        removed=[(r.index, r.start, r.end, r.kind, r.text) for r in old if r.pk not in kept_ids],
        created=[(i, s.start, s.end, s.kind, s.text) for i, s in enumerate(spans) if i not in kept],
        relaid=not _same_layout(old, spans),
    )


def _check_sentence_items(removed, blockers):
    """Add a blocker for everything that belongs to a changing sentence as a whole."""
    tags = (Annotation.objects.filter(segment__in=removed, label__layer__scope__in=ANCHORED)
            .select_related("label__layer", "annotator", "segment").order_by("segment__index", "pk"))
    for tag in tags:
        blockers.add(ANCHORED[tag.label.layer.scope], f"annotation {tag.pk} {tag.label} on {_where(tag.segment)}")
    comments = SegmentComment.objects.filter(segment__in=removed).select_related("author", "segment")
    for comment in comments.order_by("segment__index", "pk"):
        blockers.add("comments on sentences that change", f"comment {comment.pk} by {comment.author} on "
                                                           f"{_where(comment.segment)}")
    marks = SegmentProgress.objects.filter(segment__in=removed).select_related("annotator", "segment")
    for mark in marks.order_by("segment__index", "pk"):
        blockers.add("done-marks on sentences that change", f"{mark.annotator}'s on {_where(mark.segment)}")


def _place_spans(document, removed, spans, blockers):
    """Return (tag, new position, start, end) for each span tag on a changing sentence, by document offsets."""
    tags = (Annotation.objects.filter(segment__in=removed, label__layer__scope=Layer.Scope.SPAN)
            .select_related("label__layer", "segment", "project", "document").order_by("segment__index", "pk"))
    positions = {id(span): i for i, span in enumerate(spans)}
    placements = []
    for tag in tags:
        doc_start, doc_end = tag.segment.start + tag.start, tag.segment.start + tag.end
        try:
            span, start, end = place_span(spans, doc_start, doc_end, len(document.text))
        except SpanPlacementError as error:
            blockers.add("span tags that cannot be placed", f"annotation {tag.pk}: {error}")
            continue
        placements.append((tag, positions[id(span)], start, end))
    return placements


def _place_relations(removed, placements, blockers):
    """Return (relation, new position, None, None) for each relation anchored on its content span's sentence."""
    content_at = {tag.pk: position for tag, position, _, _ in placements}
    relations = (Annotation.objects.filter(segment__in=removed, label__layer__scope=Layer.Scope.RELATION)
                 .select_related("label__layer", "segment", "project", "document").order_by("segment__index", "pk"))
    moved = []
    for relation in relations:
        if relation.relation_content_id not in content_at:
            blockers.add("relations anchored on a changing sentence that is not their content span's",
                         f"annotation {relation.pk} {relation.label} on {_where(relation.segment)}")
            continue
        moved.append((relation, content_at[relation.relation_content_id], None, None))
    return moved


def _write_segments(document, old, spans, kept):
    """Number the new sentences in order, keeping unchanged rows, and return the rows by new position."""
    # Move every old row out of the way first, so no two rows ever hold the same index.
    offset = max((row.index for row in old), default=0) + len(spans) + 1
    Segment.objects.filter(document=document).update(index=F("index") + offset)
    created = Segment.objects.bulk_create(
        Segment(document=document, index=i, kind=s.kind, paragraph=s.paragraph, start=s.start, end=s.end,
                text=s.text)
        for i, s in enumerate(spans) if i not in kept
    )
    rows = dict(zip((i for i in range(len(spans)) if i not in kept), created, strict=True))
    for i, row in kept.items():
        row.index, row.kind, row.paragraph = i, spans[i].kind, spans[i].paragraph
        rows[i] = row
    Segment.objects.bulk_update(kept.values(), ["index", "kind", "paragraph"])
    return rows


def _update_document(document, old, article):
    """Keep the document's warnings, and its title if it came from the old title sentence, with the new split."""
    document.import_warnings = article.warnings
    fields = ["import_warnings"]
    old_title = next((row.text for row in old if row.kind == Segment.Kind.TITLE), None)
    if old_title is not None and document.title == old_title[:500]:
        document.title = article.title[:500]
        fields.append("title")
    document.save(update_fields=fields)


def _where(segment):
    return f"sentence {segment.index} “{segment.text[:50]}{'…' if len(segment.text) > 50 else ''}”"
