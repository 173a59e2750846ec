"""Agreement figures kept in Django's cache per project and per document, refreshed when what they count changes.

Nothing is invalidated by hand, so every app server sharing the cache sees a change at once: each view reads,
in one query, a stamp of every document (its sentences, tags, done marks and assignments) and of the project
(codebook, way of assigning, annotators per sentence, members and roles), and the cache keys are made from the
stamps. A change made anywhere changes a stamp, and the next view finds the entry kept under an older stamp
and replaces it. One entry is kept per project (and per document for the parts), so the cache holds no stale
generations. On a miss only the documents whose stamp changed are read and computed again
(annotate.agreement_parts, and annotate.dashboard.document_parts for the page's other figures); the other
documents' parts come from the cache, and the figures are the same as computed from scratch.

A stamp counts rows and takes their newest id, so a tag or mark added or deleted shows, and the sum of the
tags' versions and their newest modified_at, so an edit shows too (every edit moves a tag's version on).
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Case, CharField, Count, F, IntegerField, Max, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Concat

from annotate import agreement_parts, dashboard
from annotate.models import Annotation, Assignment, Document, Membership, Segment, SegmentProgress

# Part of every key: entries written by an older release are never read as the current format.
FORMAT = 1
TIMEOUT = 7 * 24 * 3600
# The kinds of per-document parts: agreement sums, and the dashboard page's progress, label counts and attributions.
AGREEMENT, PAGE = "agreement-part", "page-part"


@dataclass(frozen=True)
class Stamps:
    """What the figures of a project depend on, as read in one query."""

    project: tuple  # codebook, its revision, way of assigning, slug, annotators per sentence, members and roles
    documents: dict  # document id -> (title, sentences, tags, done marks, assignments)


def read_stamps(project, *, document=None):
    """Return the stamps of the project and of its documents (or of one document): one query."""
    documents = Document.objects.filter(project=project)
    if document is not None:
        documents = documents.filter(pk=document)
    annotator = Case(When(role=Membership.Role.ANNOTATOR, then=F("user_id")), default=0, output_field=IntegerField())
    rows = documents.order_by("id").values_list(
        "id", "title", "project__codebook_id", "project__codebook__revision", "project__assigning", "project__slug",
        "project__annotators_per_segment",
        _stamp(Membership.objects.filter(project=OuterRef("project")), "project",
               Count("pk"), Max("id"), Sum(annotator)),
        _stamp(Segment.objects.filter(document=OuterRef("pk")), "document", Count("pk"), Max("id")),
        _stamp(Annotation.objects.filter(document=OuterRef("pk")), "document",
               Count("pk"), Max("id"), Sum("version"), Max("modified_at")),
        _stamp(SegmentProgress.objects.filter(segment__document=OuterRef("pk")), "segment__document",
               Count("pk"), Max("id")),
        _stamp(Assignment.objects.filter(document=OuterRef("pk")), "document", Count("pk"), Max("id")),
    )
    rows = list(rows)
    return Stamps(project=rows[0][2:8] if rows else (), documents={row[0]: (row[1], *row[8:]) for row in rows})


def _stamp(queryset, outer, *aggregates):
    """Return a subquery giving one text of the aggregates of queryset's rows, grouped by outer."""
    texts = []
    for aggregate in aggregates:
        texts += [Cast(aggregate, CharField()), Value(":")]
    stamp = Concat(*texts[:-1], output_field=CharField())
    return Subquery(queryset.order_by().values(outer).annotate(stamp=stamp).values("stamp"))


def agreement_figures(project, user, *, document=None, stamps=None, rows=None):
    """Return annotate.dashboard.agreement_figures for the project or one document, computing only what changed.

    rows, if given, are what fetch_rows read for the whole project: nothing more is read then.
    """
    stamps = stamps or read_stamps(project, document=document)
    return cached(project, f"agreement:{document or ''}", stamps,
                  lambda: _combined(project, user, stamps, rows, document))


def cached(project, name, stamps, compute):
    """Return compute(), kept under the project's stamps; a project without documents is cheap, and never kept."""
    if not stamps.documents:
        return compute()
    key = f"agreement-figures:{FORMAT}:{project.pk}:{name}"
    digest = _digest(stamps.project, stamps.documents)
    kept = cache.get(key)
    if kept is not None and kept[0] == digest:
        return kept[1]
    value = compute()
    cache.set(key, (digest, value), TIMEOUT)
    return value


def dashboard_figures(project, user, stamps):
    """Return the dashboard's progress, agreement, label distribution, attribution and missing perspectives,
    and {sentence id: (document id, index)} to link them, from the documents' parts: only the documents whose
    stamp changed are read."""
    parts, annotators, rows = _parts(project, user, stamps, None, None, kinds=(AGREEMENT, PAGE))
    if not stamps.documents:
        parts = {AGREEMENT: agreement_parts.document_parts(rows), PAGE: dashboard.document_parts(rows)}
        layers = rows.layers
    else:
        layers = next(iter(parts[AGREEMENT].values()))["codebook"]
    figures = dashboard.page_figures(parts[PAGE], layers, annotators, project.annotators_per_segment)
    figures["agreement"] = agreement_parts.combine(parts[AGREEMENT], layers, annotators)
    segments = {segment: (document, index) for document, part in parts[PAGE].items()
                for segment, index in part["segments"].items()}
    return figures, segments


def _combined(project, user, stamps, rows, document):
    """Return the figures from the documents' parts, computing the parts that are not kept."""
    parts, annotators, rows = _parts(project, user, stamps, rows, document, kinds=(AGREEMENT,))
    if not stamps.documents:
        return dashboard.agreement_figures(rows)
    layers = next(iter(parts[AGREEMENT].values()))["codebook"]
    return agreement_parts.combine(parts[AGREEMENT], layers, annotators)


def _parts(project, user, stamps, rows, document, *, kinds):
    """Return ({kind: {document id: part}}, the annotators' names, the rows read if any), computing and keeping
    the parts that are not kept; a project without documents has no parts, only its rows."""
    if not stamps.documents:
        rows = rows or dashboard.fetch_rows(project, user, document=document)
        return {}, rows.annotators, rows
    # Parts depend on the codebook and the way of assigning, not on members, roles or the slug.
    keys = {(kind, pk): f"{kind}:{FORMAT}:{project.pk}:{pk}" for kind in kinds for pk in stamps.documents}
    digests = {pk: _digest(stamps.project[:3], stamp) for pk, stamp in stamps.documents.items()}
    found = cache.get_many(keys.values())
    parts = {kind: {} for kind in kinds}
    for (kind, pk), key in keys.items():
        if key in found and found[key][0] == digests[pk]:
            parts[kind][pk] = found[key][1]
    missing = sorted({pk for kind, pk in keys if pk not in parts[kind]})
    annotators = None
    if missing:
        everything = rows is not None or len(missing) == len(stamps.documents)
        if rows is None:
            rows = dashboard.fetch_rows(project, user, documents=None if everything and document is None else missing)
        fresh = {}
        for kind in kinds:
            todo = [pk for pk in stamps.documents if pk not in parts[kind]]
            made = _compute(kind, rows, todo, stamps)
            fresh.update({keys[kind, pk]: (digests[pk], part) for pk, part in made.items()})
            parts[kind].update(made)
        cache.set_many(fresh, TIMEOUT)
        if everything:
            annotators = rows.annotators
    if annotators is None:
        annotators = dashboard.annotator_names(project, documents=None if document is None else [document])
    return parts, annotators, rows


def _compute(kind, rows, documents, stamps):
    """Return {document id: its part of this kind} for the documents, from rows that hold them."""
    if kind == PAGE:
        return dashboard.document_parts(rows, documents=documents)
    made = agreement_parts.document_parts(rows, documents=documents)
    return {pk: {"codebook": rows.layers, "title": stamps.documents[pk][0], "layers": {}, **made.get(pk, {})}
            for pk in documents}


def _digest(*values):
    """Return a short fixed-length digest of the stamps."""
    return hashlib.sha256(repr(values).encode()).hexdigest()[:32]
