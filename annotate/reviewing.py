"""Review and adjudication: accept, reject, dispute or un-accept tags, and keep the gold version in step.

The gold version is a set of Annotation rows with ``gold=True``. Accepting
an annotator's tag copies it into a gold row whose annotator and reviewer
are the person who decided, and whose ``provenance`` lists every annotator
tag it came from. Two annotators who gave the same tag on the same unit
(label, sentence, span offsets; for relations, the gold copies of both
ends) share one gold row. Rejecting, disputing or un-accepting a tag takes
it out of the provenance of its gold row, and a gold row left with no
provenance is deleted: the gold version is always exactly what reviewers
accepted (annotate.gold states and checks the invariant).

Every call is all or nothing: if one item fails, nothing is saved and the
error names the failing annotation. Rows are written through annotate.tags.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from annotate.models import Annotation, Layer, Membership
from annotate.tags import TagError, store, take_version, withdraw_from_gold, write_path
from annotate.validation import MAX_NOTE, check_annotation, text_problem

ACTIONS = {
    "accept": Annotation.Status.ACCEPTED,
    "reject": Annotation.Status.REJECTED,
    "dispute": Annotation.Status.DISPUTED,
    "unaccept": Annotation.Status.PENDING,
}
EDITABLE = ("label", "start", "end", "quote", "attributes")
MAX_ITEMS = 1000


class ReviewError(TagError):
    """A review that cannot be applied; the message names the annotation at fault."""


class ReviewNotFound(ReviewError):
    """The annotation does not exist, or the reviewer cannot see it."""


class ReviewForbidden(ReviewError):
    """The reviewer can see the annotation but has no right to review it."""


@dataclass(frozen=True)
class Reviewed:
    annotation: Annotation
    gold: Annotation | None  # the gold row an accepted tag went into


def review_annotations(*, reviewer, items, action, note="", project=None, edits=None):
    """Apply one review action to every (annotation id, expected version) or, if any fails, to none."""
    status = ACTIONS.get(action)
    if status is None:
        raise ReviewError(f"action must be one of: {', '.join(ACTIONS)}")
    items = [(pk, version) for pk, version in items]
    if not items or len(items) > MAX_ITEMS:
        raise ReviewError(f"choose between 1 and {MAX_ITEMS} annotations")
    if edits and (status != Annotation.Status.ACCEPTED or len(items) != 1):
        raise ReviewError("edits go with accepting a single annotation", annotation_id=items[0][0])
    problem = text_problem(note, MAX_NOTE) if isinstance(note, str) else "must be text"
    if problem:
        raise ReviewError(f"the review note {problem}", fields={"note": [problem]})
    unknown = set(edits or {}) - set(EDITABLE)
    if unknown:
        raise ReviewError(f"only these fields can be edited: {', '.join(EDITABLE)} (not {', '.join(sorted(unknown))})")
    _check_items(reviewer, items, project)
    now = timezone.now()
    with write_path():
        for pk, version in items:
            take_version(pk, version)
        # Read after the conditional UPDATEs: the rows are locked, so this is the state being reviewed.
        loaded = Annotation.objects.select_related("label__layer", "segment", "project", "document").in_bulk(
            [pk for pk, _ in items]
        )
        results = {}
        # Spans first: a relation in the same batch may need their gold copies.
        for pk, version in sorted(items, key=lambda item: loaded[item[0]].label.layer.scope == Layer.Scope.RELATION):
            annotation = loaded[pk]
            annotation.version = version + 1
            annotation.status, annotation.reviewer, annotation.reviewed_at = status, reviewer, now
            annotation.review_note = note
            if status == Annotation.Status.PENDING:
                annotation.reviewer, annotation.reviewed_at = None, None
            store(annotation, user=reviewer, reason=f"review: {action}")
            gold = None
            if status == Annotation.Status.ACCEPTED:
                gold = _adopt(annotation, reviewer=reviewer, note=note, now=now, edits=edits or {})
            else:
                _withdraw(annotation, reviewer=reviewer)
            results[pk] = Reviewed(annotation, gold)
    return [results[pk] for pk, _ in items]


def _check_items(reviewer, items, project):
    """Raise for the first item that is listed twice, unseen, foreign, gold, or not reviewable by this user."""
    ids = [pk for pk, _ in items]
    visible = Annotation.objects.all() if reviewer.is_superuser else Annotation.objects.visible_to(reviewer)
    # An id past a 64-bit integer names nothing, and the database driver cannot even send it.
    found = visible.select_related("project").in_bulk([pk for pk in ids if isinstance(pk, int) and 0 < pk < 2**63])
    roles = Membership.roles_of(reviewer)
    seen = set()
    for pk, version in items:
        if pk in seen:
            raise ReviewError(f"annotation {pk} is listed twice", annotation_id=pk)
        seen.add(pk)
        annotation = found.get(pk)
        if annotation is None:
            raise ReviewNotFound(f"annotation {pk}: not found", annotation_id=pk)
        if project is not None and annotation.project_id != project.pk:
            raise ReviewError(f"annotation {pk} belongs to another project", annotation_id=pk)
        if not reviewer.is_superuser and not Membership.can_review(roles.get(annotation.project_id)):
            raise ReviewForbidden(
                f"annotation {pk}: only a reviewer or manager of '{annotation.project}' may review it",
                annotation_id=pk,
            )
        if annotation.gold:
            raise ReviewError(
                f"annotation {pk} is part of the gold version: review the annotators' tags it came from",
                annotation_id=pk,
            )
        if isinstance(version, bool) or not isinstance(version, int):
            raise ReviewError(f"annotation {pk}: version must be an integer", annotation_id=pk)


def _adopt(source, *, reviewer, note, now, edits):
    """Put an accepted tag into the gold version, joining an identical gold tag if there is one."""
    candidate = _gold_copy(source, reviewer=reviewer, note=note, now=now, edits=edits)
    match = _matching_gold(candidate)
    _withdraw(source, reviewer=reviewer, keep=match)
    if match is None:
        _check_single_label(source, candidate)
        _check(source, candidate)
        store(candidate, user=reviewer, reason=f"gold: accepted from annotation {source.pk}")
        candidate.provenance.add(source)
        return candidate
    if match.attributes != candidate.attributes and "attributes" not in edits:
        raise ReviewError(
            f"annotation {source.pk}: the gold version already has this tag (gold annotation {match.pk}) "
            "with other attributes: accept with edits to choose the attributes, or reject",
            annotation_id=source.pk,
        )
    match.edited = match.edited or candidate.edited or match.attributes != candidate.attributes
    match.attributes = candidate.attributes
    match.reviewer, match.reviewed_at, match.review_note = reviewer, now, note
    _check(source, match)
    match.version = take_version(match.pk, match.version)
    store(match, user=reviewer, reason=f"gold: accepted from annotation {source.pk}")
    match.provenance.add(source)
    return match


def _gold_copy(source, *, reviewer, note, now, edits):
    """Return an unsaved gold annotation copied from an annotator's tag, with the reviewer's edits."""
    gold = Annotation(
        project=source.project, document=source.document, segment=source.segment, annotator=reviewer,
        label=source.label, start=source.start, end=source.end, quote=source.quote,
        attributes=dict(source.attributes or {}), note=source.note, status=Annotation.Status.ACCEPTED,
        reviewer=reviewer, reviewed_at=now, review_note=note, gold=True,
    )
    for field, value in edits.items():
        setattr(gold, field, value)
    if {"start", "end"} & set(edits) and "quote" not in edits and gold.segment_id is not None:
        if isinstance(gold.start, int) and isinstance(gold.end, int):
            # From the document text: an edited span may run on past its sentence (annotate.spans).
            offset = gold.segment.start
            gold.quote = gold.document.text[offset + gold.start:offset + gold.end]
    gold.edited = any(getattr(gold, field) != getattr(source, field) for field in EDITABLE)
    for role in ("content", "source", "cue"):
        end_id = getattr(source, f"relation_{role}_id")
        if end_id is None:
            continue
        copy = Annotation.objects.filter(gold=True, provenance=end_id).first()
        if copy is None:
            raise ReviewError(
                f"annotation {source.pk}: accept its {role} span (annotation {end_id}) first",
                annotation_id=source.pk,
            )
        setattr(gold, f"relation_{role}", copy)
    return gold


def _matching_gold(candidate):
    """Return the gold row for the same unit and label as the candidate, or None."""
    same = Annotation.objects.filter(
        project_id=candidate.project_id, document_id=candidate.document_id, gold=True, label_id=candidate.label_id
    )
    if candidate.label.layer.scope == Layer.Scope.RELATION:
        same = same.filter(relation_content_id=candidate.relation_content_id,
                           relation_source_id=candidate.relation_source_id,
                           relation_cue_id=candidate.relation_cue_id)
    elif candidate.label.layer.scope != Layer.Scope.DOCUMENT:
        same = same.filter(segment_id=candidate.segment_id, start=candidate.start, end=candidate.end)
    # Locked, so two reviewers adding to the same gold row do not lose a version.
    return same.order_by("pk").select_for_update(of=("self",)).first()


def _check_single_label(source, candidate):
    """Refuse a second gold label on a one-label unit, whichever reviewer gave the first."""
    layer = candidate.label.layer
    if layer.multiple or layer.scope not in (Layer.Scope.SEGMENT, Layer.Scope.DOCUMENT):
        return
    other = Annotation.objects.filter(
        document_id=candidate.document_id, gold=True, label__layer=layer
    ).select_related("label")
    if layer.scope == Layer.Scope.SEGMENT:
        other = other.filter(segment_id=candidate.segment_id)
    other = other.exclude(label_id=candidate.label_id).first()
    if other is not None:
        unit = "sentence" if layer.scope == Layer.Scope.SEGMENT else "article"
        raise ReviewError(
            f"annotation {source.pk}: the gold version already has '{other.label.key}' for this {unit} "
            f"(gold annotation {other.pk}) and layer '{layer.key}' takes one label: reject that tag first",
            annotation_id=source.pk,
        )


def _check(source, gold):
    try:
        check_annotation(gold)
    except ValidationError as error:
        fields = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
        problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in fields.items())
        raise ReviewError(f"annotation {source.pk}: {problems}", annotation_id=source.pk, fields=fields) from None


def _withdraw(source, *, reviewer, keep=None):
    """Take a tag out of the gold version; refuse while a gold relation still uses its gold copy."""
    try:
        withdraw_from_gold(source, user=reviewer, cascade=False, keep=keep)
    except TagError as error:
        raise ReviewError(str(error), annotation_id=error.annotation_id) from None
