"""The one write path for tags: every create, edit, delete and import of an Annotation row.

Check, then do (as Zulip's actions): ``check_…`` validates and raises a named
error, ``do_…`` writes inside a transaction. Each rule is written once, here:

- every saved tag passes annotate.validation.check_annotation;
- an edit or a delete lands only at the version the client saw (take_version),
  else StaleVersion;
- an edited tag that was reviewed goes back to pending and out of the gold
  version, and so do the reviewed relations that use it;
- a deleted tag leaves the gold version; a gold tag left with no source is
  deleted, and gold relations that used it are withdrawn with it;
- gold tags change only through review (annotate.reviewing);
- no annotator makes the same span or link twice (annotate.validation), checked under a lock on the
  tag's sentence (lock_place) so simultaneous identical creates do not both land;
- history records the acting user and why.

Annotation.save(), delete() and the bulk queryset writes refuse to run outside
write_path(), so no other module can skip these rules by accident.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from annotate.models import IN_WRITE_PATH, Annotation, Document, Layer, Project, Segment
from annotate.validation import check_annotation

# What an annotator may change; the review judged the tag as it was, so any change sends it back to pending.
EDITABLE = ("label", "start", "end", "quote", "attributes", "note", "relation_content", "relation_source",
            "relation_cue")


class TagError(Exception):
    """A write that cannot be applied; the message names the annotation and the problem."""

    def __init__(self, message, *, annotation_id=None, fields=None):
        super().__init__(message)
        self.annotation_id = annotation_id
        self.fields = fields or {}


class StaleVersion(TagError):
    """The annotation changed since the client loaded it."""

    def __init__(self, message, *, annotation_id=None, current=None):
        super().__init__(message, annotation_id=annotation_id)
        self.current = current


class GoldReadOnly(TagError):
    """Gold tags are made and changed by review decisions only."""


# The places (sentences, documents) locked by lock_place since the outermost write_path() began, with the codebook
# their project had then, and the new
# tags whose history rows wait to be inserted together (history_in_bulk), or None outside those blocks.
LOCKED_PLACES = ContextVar("locked_places", default=None)
PENDING_HISTORY = ContextVar("pending_history", default=None)


@contextmanager
def write_path():
    """Run the block in one transaction in which Annotation rows may be written."""
    # Only the outermost block needs a savepoint: an error inside rolls the whole write back, so the nested
    # ones (a store inside a create inside a batch) would each cost two round trips for nothing.
    nested = IN_WRITE_PATH.get()
    token = IN_WRITE_PATH.set(True)
    places = None if nested else LOCKED_PLACES.set({})
    try:
        with transaction.atomic(savepoint=not nested):
            yield
    finally:
        if places is not None:
            LOCKED_PLACES.reset(places)
        IN_WRITE_PATH.reset(token)


@contextmanager
def history_in_bulk():
    """Within one write_path(), insert the history rows of the tags created in the block in one query at its end.

    Each row keeps its tag's user, reason and time, as the row saved with the tag would.
    """
    if not IN_WRITE_PATH.get():
        raise RuntimeError("history_in_bulk() runs inside write_path()")
    pending = []
    token = PENDING_HISTORY.set(pending)
    try:
        yield
    finally:
        PENDING_HISTORY.reset(token)
    if pending:
        Annotation.history.bulk_history_create(pending)
        for annotation in pending:
            del annotation._history_date  # a later save of the same object records its own time


def take_version(pk, expected):
    """Move a tag on from the version the client saw and return the new one, or raise StaleVersion.

    The conditional UPDATE takes the row lock, so nobody else writes the tag until the transaction ends.
    """
    if isinstance(expected, bool) or not isinstance(expected, int):
        raise TagError(f"annotation {pk}: version must be an integer", annotation_id=pk,
                       fields={"version": ["must be an integer"]})
    with write_path():
        if Annotation.objects.filter(pk=pk, version=expected).update(version=F("version") + 1):
            return expected + 1
        current = Annotation.objects.filter(pk=pk).values_list("version", flat=True).first()
    raise StaleVersion(
        f"annotation {pk} was changed since you loaded it (you saw version {expected}, it is now {current}): "
        "reload and try again",
        annotation_id=pk, current=current,
    )


def store(annotation, *, user, reason=None):
    """Save a tag that the write path has checked, recording who did it and why."""
    annotation._history_user = user
    annotation._change_reason = reason
    pending = PENDING_HISTORY.get()
    if pending is None or not annotation._state.adding:
        with write_path():
            annotation.save()
        return annotation
    annotation._history_date = timezone.now()
    annotation.skip_history_when_saving = True
    try:
        with write_path():
            annotation.save()
    finally:
        del annotation.skip_history_when_saving
    pending.append(annotation)
    return annotation


def erase(annotation, *, user, reason=None):
    """Delete a tag that the write path has released from gold and relations; history keeps its last state."""
    annotation._history_user = user
    annotation._change_reason = reason
    with write_path():
        annotation.delete()


def check_new_tag(annotation):
    """Raise unless the unsaved tag may be created: pending, not gold, and well formed."""
    if annotation.gold or annotation.status != Annotation.Status.PENDING:
        raise GoldReadOnly("a new tag starts pending and outside the gold version: gold comes from review",
                           fields={"status": ["new tags start pending"]})
    check_annotation(annotation)


def lock_place(annotation):
    """Lock the sentence a tag is on (the document for a tag on none) until the transaction ends.

    Checks that read other tags (no repeats, one label per sentence) then run one after the other for
    simultaneous writes in one place, so two identical creates cannot both land. A codebook move locks every
    place of its project (lock_places) before the project row, so a write that waited for one is checked
    against the codebook the project uses now: the same query holds the project row in share mode, and
    PostgreSQL returns the row's committed version to a statement that waited for it.
    """
    # A place already locked in this transaction stays locked until it ends: no second round trip. The project's
    # codebook read with that lock cannot have moved since, as the project row is held in share mode.
    locked = LOCKED_PLACES.get()
    key = ("segment", annotation.segment_id) if annotation.segment_id else ("document", annotation.document_id)
    key = (*key, annotation.project_id)
    if locked is not None and key in locked:
        annotation.project.codebook_id = locked[key]
        return
    # SQL of its own: the ORM's select_for_update() has no share mode, and writers must not queue on the
    # project row. SQLite has no row locks; its writers take turns for the whole database.
    segment, document, project = (Segment._meta.db_table, Document._meta.db_table, Project._meta.db_table)
    if annotation.segment_id:
        sql = (f'SELECT p."codebook_id" FROM "{segment}" s INNER JOIN "{document}" d ON d."id" = s."document_id" '
               f'INNER JOIN "{project}" p ON p."id" = d."project_id" WHERE s."id" = %s AND p."id" = %s')
        place = annotation.segment_id
    else:
        sql = (f'SELECT p."codebook_id" FROM "{document}" s INNER JOIN "{project}" p ON p."id" = s."project_id" '
               'WHERE s."id" = %s AND p."id" = %s')
        place = annotation.document_id
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF s FOR SHARE OF p"
    with connection.cursor() as cursor:
        cursor.execute(sql, [place, annotation.project_id])
        row = cursor.fetchone()
    if row is not None:  # else the place is not in the project: check_annotation names it
        annotation.project.codebook_id = row[0]
        if locked is not None:
            locked[key] = row[0]


def lock_places(project):
    """Lock every sentence and document of a project, so no tag is written there until the transaction ends."""
    if (locked := LOCKED_PLACES.get()) is not None:
        locked.clear()  # the codebook read with those locks may be about to change
    list(Segment.objects.filter(document__project=project).select_for_update(of=("self",))
         .values_list("pk", flat=True))
    list(Document.objects.filter(project=project).select_for_update().values_list("pk", flat=True))


def do_create_tag(*, annotation, user):
    """Check and save a new tag by its annotator; return it."""
    with write_path():
        lock_place(annotation)
        check_new_tag(annotation)
        return store(annotation, user=user, reason="created")


def check_tag_change(annotation, changes):
    """Raise unless these fields of this tag may change by an edit."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise TagError(f"annotation {annotation.pk}: only {', '.join(EDITABLE)} can be edited (not "
                       f"{', '.join(unknown)})", annotation_id=annotation.pk,
                       fields={name: ["cannot be edited"] for name in unknown})
    _refuse_gold(annotation, "edited")


def do_edit_tag(*, annotation, changes, user, expected_version):
    """Apply an annotator's edit at the version they saw; any change reopens the review of a reviewed tag."""
    check_tag_change(annotation, changes)
    with write_path():
        annotation.version = take_version(annotation.pk, expected_version)
        before = _editable(annotation)
        for field, value in changes.items():
            setattr(annotation, field, value)
        lock_place(annotation)
        check_annotation(annotation)
        if _editable(annotation) != before:
            reopen(annotation, user=user, reason="edited after review")
            for relation in _relations_using(annotation):
                _reopen_dependent(relation, user=user, reason=f"its span, annotation {annotation.pk}, was edited")
        return store(annotation, user=user, reason="edited")


def do_delete_tag(*, annotation, user, expected_version):
    """Delete an annotator's tag at the version they saw, with the relations of theirs that used it."""
    _refuse_gold(annotation, "deleted")
    with write_path():
        take_version(annotation.pk, expected_version)
        release(annotation, user=user, reason="deleted")


def release(annotation, *, user, reason):
    """Delete a tag with the annotator's relations that use it and its place in gold, whatever its version."""
    with write_path():
        for relation in _relations_using(annotation):
            why = f"its span, annotation {annotation.pk}, was deleted"
            if relation.relation_cue_id == annotation.pk and annotation.pk not in (
                relation.relation_content_id, relation.relation_source_id
            ):
                relation.relation_cue = None
                _touch(relation, user=user, reason=why)
            else:
                withdraw_from_gold(relation, user=user, cascade=True)
                erase(relation, user=user, reason=why)
        withdraw_from_gold(annotation, user=user, cascade=True)
        erase(annotation, user=user, reason=reason)


def do_import_tag(*, annotation, user, provenance=(), created_at=None, modified_at=None, reason="imported"):
    """Save a tag read from an export as it was, review fields, version and times included.

    The caller checks the gold version of the whole import at the end (annotate.gold) before it commits.
    """
    with write_path():
        check_annotation(annotation)
        store(annotation, user=user, reason=reason)
        if provenance:
            annotation.provenance.set(provenance)
        times = {name: value for name, value in (("created_at", created_at), ("modified_at", modified_at)) if value}
        if times:
            # auto_now fields ignore a given value on save(); the stored times are the exported ones.
            Annotation.objects.filter(pk=annotation.pk).update(**times)
            for name, value in times.items():
                setattr(annotation, name, value)
    return annotation


def reopen(annotation, *, user, reason):
    """Send a reviewed tag back to pending and take it out of the gold version (unsaved: the caller stores it)."""
    if annotation.status == Annotation.Status.PENDING and not annotation.gold_versions.exists():
        return
    annotation.status = Annotation.Status.PENDING
    annotation.reviewer, annotation.reviewed_at, annotation.review_note = None, None, ""
    withdraw_from_gold(annotation, user=user, cascade=True, reason=reason)


def withdraw_from_gold(annotation, *, user, cascade, keep=None, reason=None):
    """Take a tag out of the provenance of its gold tags, deleting gold tags it alone supported.

    A gold span that goes may be an end of gold relations: with ``cascade`` those relations are withdrawn
    too and their sources go back to pending; without it, the withdrawal is refused and names them.
    """
    with write_path():
        for gold in _locked(annotation.gold_versions.exclude(pk=keep.pk if keep else None)):
            gold.provenance.remove(annotation)
            if gold.provenance.exists():
                continue
            linked = list(_locked(Annotation.objects.filter(
                Q(relation_content=gold) | Q(relation_source=gold) | Q(relation_cue=gold), gold=True
            )))
            if linked and not cascade:
                raise TagError(
                    f"annotation {annotation.pk}: its gold copy (annotation {gold.pk}) is linked by gold relation "
                    f"{linked[0].pk}: reject or dispute the relations that use it first",
                    annotation_id=annotation.pk,
                )
            why = reason or f"its last source, annotation {annotation.pk}, is no longer accepted"
            for relation in linked:
                for source in _locked(relation.provenance.all()):
                    relation.provenance.remove(source)
                    _reopen_dependent(source, user=user, reason=f"gold span {gold.pk} was withdrawn")
                erase(relation, user=user, reason=f"gold: an end, gold annotation {gold.pk}, was withdrawn")
            erase(gold, user=user, reason=f"gold: {why}")


def _locked(annotations):
    """Return the rows locked until the transaction ends (the default ordering's joins cannot be locked)."""
    return annotations.order_by("pk").select_for_update(of=("self",))


def _refuse_gold(annotation, verb):
    if annotation.gold:
        raise GoldReadOnly(
            f"annotation {annotation.pk} is part of the gold version: it is {verb} only through review "
            "(un-accept or reject the tags it came from)",
            annotation_id=annotation.pk, fields={"gold": ["gold tags change only through review"]},
        )


def _editable(annotation):
    return [getattr(annotation, Annotation._meta.get_field(name).attname) for name in EDITABLE]


def _relations_using(annotation):
    """Return the annotator's relations that have this tag as an end, locked."""
    if annotation.pk is None or annotation.label.layer.scope != Layer.Scope.SPAN:
        return []  # only spans are the ends of relations (annotate.validation)
    return list(_locked(Annotation.objects.filter(
        Q(relation_content=annotation) | Q(relation_source=annotation) | Q(relation_cue=annotation), gold=False
    )))


def _reopen_dependent(relation, *, user, reason):
    """Reopen the review of a tag whose end changed under it, if it was reviewed."""
    if relation.status != Annotation.Status.PENDING or relation.gold_versions.exists():
        _touch(relation, user=user, reason=reason)


def _touch(relation, *, user, reason):
    """Save a tag changed by the server rather than its annotator: a new version, and its review reopened."""
    with write_path():
        relation.version = take_version(relation.pk, relation.version)
        reopen(relation, user=user, reason=reason)
        store(relation, user=user, reason=reason)


def do_move_tags(*, moves, user):
    """Carry span tags onto the sentences of a re-split document, at the same document offsets.

    moves holds (annotation, new segment, start, end). The words under each tag are unchanged, so a move is
    not an edit: version, review status, gold and provenance stay as they are, modified_at too, and history
    records the reason "re-split". Every tag is checked before any is saved; a TagError lists every tag that
    cannot be carried (fields maps each annotation id to its problems).
    """
    problems = {}
    with write_path():
        for annotation, segment, start, end in moves:
            annotation.segment, annotation.start, annotation.end = segment, start, end
            try:
                check_annotation(annotation)
            except ValidationError as error:
                problems[str(annotation.pk)] = [f"{field}: {' '.join(messages)}"
                                                for field, messages in error.message_dict.items()]
        if problems:
            raise TagError(f"{len(problems)} tag(s) cannot be carried to the new sentences", fields=problems)
        for annotation, *_ in moves:
            annotation._history_user = user
            annotation._change_reason = "re-split"
            annotation.save(update_fields=["segment", "start", "end"])
