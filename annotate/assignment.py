"""Who annotates what: assignments of documents and sentences, and the queries the pages read them by.

Rules:

- With `Project.Assigning.OPEN` every sentence is every member's: nothing
  is assigned and nothing needs to be.
- Automatic assignment (round-robin, balanced) gives work to members with
  the annotator role only. A reviewer or manager who annotates gets work
  when a manager assigns it to them by hand.
- A document already assigned keeps its annotators; automatic assignment
  only tops it up to `annotators_per_segment`.
- Assignments say who should annotate, never who did: taking work away or
  moving it leaves every tag where it is, credited to whoever made it.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce

from annotate.audit import record
from annotate.models import Assignment, Document, Membership, Project, Segment, SegmentProgress
from annotate.subqueries import count_of

ASK_FOR = 10


class AssignmentError(ValueError):
    """Work that cannot be assigned as asked; the message names the field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def is_open(project):
    """Return whether every sentence of the project is everyone's."""
    return project.assigning == Project.Assigning.OPEN


def mine(user):
    """Return a condition on Segment rows: the sentence is assigned to the user, alone or with its document."""
    whole = Assignment.objects.filter(document=OuterRef("document"), segment__isnull=True, annotator=user)
    single = Assignment.objects.filter(segment=OuterRef("pk"), annotator=user)
    return Exists(whole) | Exists(single)


def assigned_segments(project, user):
    """Return the project's sentences that are the user's to annotate: all of them in an open project."""
    segments = Segment.objects.filter(document__project=project)
    return segments if is_open(project) else segments.filter(mine(user))


def undone_segments(project, user):
    """Return the user's sentences they have not marked done, in document order."""
    done = SegmentProgress.objects.filter(segment=OuterRef("pk"), annotator=user)
    return assigned_segments(project, user).exclude(Exists(done)).order_by("document_id", "index")


def with_assigned_counts(documents, project, user):
    """Annotate documents with the user's assigned sentences (assigned_count) and those done (assigned_done)."""
    done = SegmentProgress.objects.filter(segment=OuterRef("pk"), annotator=user)
    counted = Segment.objects.all() if is_open(project) else Segment.objects.filter(mine(user))
    return documents.annotate(assigned_count=count_of(counted, "document"),
                              assigned_done=count_of(counted.filter(Exists(done)), "document"))


def with_project_progress(projects, user):
    """Annotate projects with the user's sentences (segment_count) and those done (done_count).

    In a project that assigns work these are the sentences assigned to the user; in an open one, all of them.
    """
    done = Exists(SegmentProgress.objects.filter(segment=OuterRef("pk"), annotator=user))
    everyone, assigned = Segment.objects.all(), Segment.objects.filter(mine(user))
    open_project = Q(assigning=Project.Assigning.OPEN)

    def count(segments):
        return count_of(segments, "document__project")

    return projects.annotate(
        segment_count=Case(When(open_project, then=count(everyone)), default=count(assigned)),
        done_count=Case(When(open_project, then=count(everyone.filter(done))), default=count(assigned.filter(done))),
    )


def assigned_progress(project, progress):
    """Return the SegmentProgress rows (from progress) on sentences assigned to their annotator."""
    if is_open(project):
        return progress
    whole = Assignment.objects.filter(document=OuterRef("segment__document"), segment__isnull=True,
                                      annotator=OuterRef("annotator"))
    single = Assignment.objects.filter(segment=OuterRef("segment"), annotator=OuterRef("annotator"))
    return progress.filter(Exists(whole) | Exists(single))


def assigned_counts(project, sizes):
    """Return {(document id, username): sentences assigned}, from sizes {document id: sentences}; None if open."""
    if is_open(project):
        return None
    counts, whole = defaultdict(int), set()
    rows = Assignment.objects.filter(project=project, document__in=sizes).values_list(
        "document_id", "annotator__username", "segment_id")
    for document, name, segment in rows:
        if segment is None:
            whole.add((document, name))
        counts[document, name] += 1
    return {key: sizes[key[0]] if key in whole else n for key, n in counts.items()}


def assigned_by_annotator(project, segments_of):
    """Return {username: ids of the sentences assigned to them} from segments_of {document id: its sentence ids}."""
    # None in an open project: every sentence is everyone's. segments_of saves a query per whole document.
    if is_open(project):
        return None
    assigned = defaultdict(set)
    rows = Assignment.objects.filter(project=project).values_list("annotator__username", "document_id", "segment_id")
    for name, document, segment in rows:
        assigned[name].update(segments_of.get(document, ()) if segment is None else (segment,))
    return dict(assigned)


def next_sentence(project, user, *, skip_document=None):
    """Return the user's first undone sentence (outside skip_document first), or None."""
    undone = undone_segments(project, user).only("document_id", "index")
    if skip_document is not None:
        elsewhere = undone.exclude(document=skip_document).first()
        if elsewhere is not None:
            return elsewhere
    return undone.first()


def annotators_of(project):
    """Return the members automatic assignment gives work to: annotators, by username."""
    return list(
        project.members.filter(memberships__project=project, memberships__role=Membership.Role.ANNOTATOR)
        .order_by("username")
    )


def check_members(project, users):
    """Raise AssignmentError unless every user is a member of the project."""
    members = set(project.memberships.values_list("user_id", flat=True))
    outside = [user.username for user in users if user.pk not in members]
    if outside:
        raise AssignmentError("annotators", f"not members of this project: {', '.join(outside)}")


def check_documents(project, documents):
    """Raise AssignmentError unless every document belongs to the project."""
    if any(document.project_id != project.pk for document in documents):
        raise AssignmentError("documents", "every document must belong to this project")


def lock(project):
    """Lock the project's row for this transaction: assignment writes take turns, so none sees a stale count."""
    return Project.objects.select_for_update().get(pk=project.pk)


def _names(users):
    return ", ".join(user.username for user in users)


def _titles(documents):
    return ", ".join(f"“{document.title}”" for document in documents)


@transaction.atomic
def assign_documents(*, project, documents, annotators, by):
    """Give whole documents to annotators; return the number of new assignments."""
    documents, annotators = list(documents), list(annotators)
    lock(project)
    if not documents or not annotators:
        raise AssignmentError("documents" if not documents else "annotators", "choose at least one")
    check_documents(project, documents)
    check_members(project, annotators)
    existing = set(Assignment.objects.filter(project=project, segment__isnull=True, document__in=documents)
                   .values_list("document_id", "annotator_id"))
    new = [Assignment(project=project, document=document, annotator=annotator, assigned_by=by)
           for document in documents for annotator in annotators if (document.pk, annotator.pk) not in existing]
    Assignment.objects.bulk_create(new)
    record(project=project, actor=by, action="assignment.added",
           summary=f"Assigned {_titles(documents)} to {_names(annotators)}",
           documents=[document.pk for document in documents], annotators=[user.username for user in annotators])
    return len(new)


@transaction.atomic
def unassign(*, project, documents, annotators, by):
    """Take documents (and their sentences) away from annotators, leaving their tags; return how many went."""
    documents, annotators = list(documents), list(annotators)
    lock(project)
    check_documents(project, documents)
    removed, _ = Assignment.objects.filter(project=project, document__in=documents, annotator__in=annotators).delete()
    record(project=project, actor=by, action="assignment.removed",
           summary=f"Took {_titles(documents)} away from {_names(annotators)}; their tags stay",
           documents=[document.pk for document in documents], annotators=[user.username for user in annotators],
           removed=removed)
    return removed


@transaction.atomic
def reassign(*, project, document, old, new, by):
    """Move one annotator's work on a document to another; tags already made stay with whoever made them."""
    lock(project)
    check_documents(project, [document])
    check_members(project, [new])
    if old == new:
        raise AssignmentError("annotator", "choose another annotator to move the work to")
    moving = list(Assignment.objects.filter(project=project, document=document, annotator=old))
    if not moving:
        raise AssignmentError("annotator", f"{old.username} has no work on this document")
    theirs = Assignment.objects.filter(project=project, document=document, annotator=new)
    held = set(theirs.values_list("segment_id", flat=True))
    whole = None in held
    Assignment.objects.filter(pk__in=[a.pk for a in moving]).delete()
    Assignment.objects.bulk_create([
        Assignment(project=project, document=document, segment_id=a.segment_id, annotator=new, assigned_by=by)
        for a in moving if a.segment_id not in held and not (whole and a.segment_id is not None)
    ])
    record(project=project, actor=by, action="assignment.moved",
           summary=f"Moved {old.username}’s work on “{document.title}” to {new.username}; tags already made stay",
           document=document.pk, old=old.username, new=new.username)


@transaction.atomic
def set_strategy(*, project, assigning, by):
    """Change how work reaches annotators."""
    if assigning not in Project.Assigning.values:
        raise AssignmentError("assigning", f"choose one of: {', '.join(Project.Assigning.values)}")
    locked = lock(project)
    before, locked.assigning = locked.assigning, assigning
    locked.save(update_fields=["assigning"])
    project.assigning = assigning
    record(project=project, actor=by, action="assignment.strategy",
           summary=f"Assignment changed from “{Project.Assigning(before).label}” to “{locked.get_assigning_display()}”",
           before=before, after=assigning)


def _plan(project, documents, annotators, current):
    """Return [(document, [annotators to add])] that tops each document up to the target, by the strategy."""
    target = min(project.annotators_per_segment, len(annotators))
    plan = []
    if project.assigning == Project.Assigning.ROUND_ROBIN:
        turn = 0
        for document in documents:
            have = current[document.pk]
            need = target - len(have & {a.pk for a in annotators})
            chosen = []
            for _ in range(len(annotators)):
                if len(chosen) >= need:
                    break
                annotator = annotators[turn % len(annotators)]
                turn += 1
                if annotator.pk not in have:
                    chosen.append(annotator)
            plan.append((document, chosen))
        return plan
    load = defaultdict(int)
    sizes = {document.pk: document.segment_count for document in documents}
    for document in documents:
        for annotator in current[document.pk]:
            load[annotator] += sizes[document.pk]
    for document in sorted(documents, key=lambda d: (-d.segment_count, d.pk)):
        have = current[document.pk]
        need = target - len(have & {a.pk for a in annotators})
        free = sorted((a for a in annotators if a.pk not in have), key=lambda a: (load[a.pk], a.username))
        chosen = free[:max(need, 0)]
        for annotator in chosen:
            load[annotator.pk] += document.segment_count
        plan.append((document, chosen))
    return sorted(plan, key=lambda item: item[0].pk)


@transaction.atomic
def auto_assign(*, project, by):
    """Give each document to annotators_per_segment annotators by the project's strategy; return new assignments."""
    project = lock(project)
    if project.assigning not in (Project.Assigning.ROUND_ROBIN, Project.Assigning.BALANCED):
        raise AssignmentError("assigning", "automatic assignment of documents needs the round-robin or balanced "
                                           "strategy; with next free, annotators ask for work")
    annotators = annotators_of(project)
    if not annotators:
        raise AssignmentError("annotators", "the project has no members with the annotator role")
    documents = list(Document.objects.filter(project=project).only("id", "title", "project_id").with_segment_count()
                     .order_by("id"))
    current = defaultdict(set)
    for document, annotator in Assignment.objects.filter(project=project, segment__isnull=True).values_list(
            "document_id", "annotator_id"):
        current[document].add(annotator)
    new = [Assignment(project=project, document=document, annotator=annotator, assigned_by=by)
           for document, chosen in _plan(project, documents, annotators, current) for annotator in chosen]
    Assignment.objects.bulk_create(new)
    record(project=project, actor=by, action="assignment.auto",
           summary=f"Assigned documents {project.get_assigning_display()}: {len(new)} new assignments",
           strategy=project.assigning, target=project.annotators_per_segment,
           assignments=[[a.document_id, a.annotator.username] for a in new])
    return new


def next_sentences(*, project, annotator, count=ASK_FOR):
    """Assign the annotator the next sentences still short of annotators, in document order; return them."""
    # The project row stays locked while the sentences are counted and assigned, so two annotators
    # asking at once never take a sentence past annotators_per_segment.
    with transaction.atomic():
        project = lock(project)
        check_members(project, [annotator])
        per_sentence = count_of(Assignment.objects.all(), "segment")
        per_document = Assignment.objects.filter(document=OuterRef("document"), segment__isnull=True)
        per_document = Coalesce(Subquery(per_document.order_by().values("document").annotate(n=Count("pk"))
                                         .values("n"), output_field=IntegerField()), 0)
        done = SegmentProgress.objects.filter(segment=OuterRef("pk"), annotator=annotator)
        free = list(
            Segment.objects.filter(document__project=project)
            .exclude(mine(annotator)).exclude(Exists(done))
            .annotate(assignees=per_sentence + per_document)
            .filter(assignees__lt=project.annotators_per_segment)
            .order_by("document_id", "index").only("id", "document_id", "index")[:count]
        )
        Assignment.objects.bulk_create([
            Assignment(project=project, document_id=segment.document_id, segment=segment, annotator=annotator,
                       assigned_by=annotator) for segment in free
        ])
        if free:
            record(project=project, actor=annotator, action="assignment.asked",
                   summary=f"{annotator.username} asked for work and got {len(free)} sentences",
                   segments=[segment.pk for segment in free])
        return free


def documents_table(project):
    """Return the project's documents with their sentence count and, per annotator, assigned and done figures."""
    documents = list(Document.objects.filter(project=project).only("id", "title", "project_id")
                     .with_segment_count().order_by("id"))
    segments_of = defaultdict(set)
    for segment, document in Segment.objects.filter(document__project=project).values_list("id", "document_id"):
        segments_of[document].add(segment)
    memberships = list(project.memberships.select_related("user").order_by("user__username"))
    whole = defaultdict(set)
    singles = defaultdict(set)
    for annotator, document, segment in Assignment.objects.filter(project=project).values_list(
            "annotator_id", "document_id", "segment_id"):
        (whole[annotator].add(document) if segment is None else singles[annotator].add(segment))
    done = defaultdict(set)
    for annotator, segment in SegmentProgress.objects.filter(segment__document__project=project).values_list(
            "annotator_id", "segment_id"):
        done[annotator].add(segment)
    people = [m for m in memberships if m.role == Membership.Role.ANNOTATOR or whole[m.user_id] or singles[m.user_id]]
    for document in documents:
        document.cells = []
        for membership in people:
            user = membership.user_id
            here = segments_of[document.pk]
            mine_here = here if document.pk in whole[user] else singles[user] & here
            document.cells.append({"user": membership.user, "whole": document.pk in whole[user],
                                   "assigned": len(mine_here), "done": len(mine_here & done[user])})
    return documents, [m.user for m in people], memberships


def queue_figures(project, documents):
    """Return the user's queue from documents read with with_assigned_counts: assigned, done, left, how to ask."""
    assigned = sum(document.assigned_count for document in documents)
    done = sum(document.assigned_done for document in documents)
    return {"assigned": assigned, "done": done, "left": assigned - done, "open": is_open(project),
            "asks": project.assigning == Project.Assigning.NEXT_FREE}
