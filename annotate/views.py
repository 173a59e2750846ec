"""HTML pages: projects, documents (with their exports and article import), and the annotation page."""

import markdown
import nh3
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from annotate.api.serializers import AnnotationSerializer, CodebookSerializer
from annotate.assignment import (
    assigned_counts,
    assigned_progress,
    assigned_segments,
    queue_figures,
    with_assigned_counts,
    with_project_progress,
)
from annotate.codebooks import label_groups
from annotate.exporting import FORMATS
from annotate.importing import ArticleImportError, check_size, import_article
from annotate.models import (
    Annotation,
    Codebook,
    Document,
    Membership,
    Project,
    SegmentComment,
    SegmentProgress,
)
from annotate.subqueries import count_of

GOLD_FORMATS = ("html", "json")


def projects_for(user):
    """Return the user's projects, each with the user's role."""
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.visible_to(user).annotate(role=Subquery(role))


def render_guidelines(text):
    """Return project guidelines as sanitised HTML."""
    return nh3.clean(markdown.markdown(text, extensions=["sane_lists"]))


def team_progress(user, project, documents):
    """Attach to each document the sentences done and assigned per annotator; return the annotators' names."""
    counts = (
        assigned_progress(project, SegmentProgress.objects.visible_to(user).filter(segment__document__project=project))
        .values_list("segment__document", "annotator__username")
        .annotate(n=Count("pk"))
    )
    done = {(doc, name): n for doc, name, n in counts}
    assigned = assigned_counts(project, {document.pk: document.segment_count for document in documents})
    annotators = project.memberships.filter(role=Membership.Role.ANNOTATOR).values_list("user__username", flat=True)
    names = sorted(set(annotators) | {name for _, name in done} | {name for _, name in assigned or ()})
    for document in documents:
        document.team = [(name, done.get((document.pk, name), 0),
                          document.segment_count if assigned is None else assigned.get((document.pk, name), 0))
                         for name in names]
    return names


@login_required
def project_list(request):
    """List the user's projects with the user's progress in each."""
    projects = with_project_progress(projects_for(request.user), request.user).annotate(
        document_count=count_of(Document.objects.all(), "project"),
    )
    return render(request, "annotate/project_list.html", {"projects": projects})


@login_required
def document_list(request, slug):
    """List a project's documents with my progress on my assigned sentences, and everyone's for reviewers."""
    project = get_object_or_404(projects_for(request.user), slug=slug)
    visible = Document.objects.visible_to(request.user).filter(project=project)
    documents = list(with_assigned_counts(
        visible.select_related("source").defer("text", "standfirst").with_segment_count(), project, request.user,
    ))
    reviewing = Membership.can_review(project.role)
    return render(request, "annotate/document_list.html", {
        "project": project,
        "can_review": reviewing,
        "can_manage": Membership.can_manage(project.role),
        "documents": documents,
        "queue": queue_figures(project, documents),
        "team": team_progress(request.user, project, documents) if reviewing else None,
        "formats": FORMATS.values(),
        "gold_formats": [FORMATS[key] for key in GOLD_FORMATS] if reviewing else [],
        "max_bytes": settings.ARTICLE_MAX_BYTES,
    })


def report_import(request, project, upload):
    """Import one uploaded article and add a message saying what became of it."""
    try:
        # Up to its message, so a failure after the import leaves nothing of it saved.
        with transaction.atomic():
            check_size(upload.name, upload.size)
            result = import_article(project=project, name=upload.name, raw=upload.read(), user=request.user)
            document = result.document
            if not result.created:
                messages.warning(
                    request, f"skipped {upload.name}: same text already imported as document {document.pk}"
                )
                return
            messages.success(request, f"imported {upload.name}: {document.segments.count()} sentences")
            for warning in document.import_warnings:
                messages.warning(request, f"{upload.name}: {warning}")
    except ArticleImportError as error:
        messages.error(request, str(error))


@login_required
@require_POST
def import_documents(request, slug):
    """Import uploaded .txt and .md articles into a project, each file in its own transaction."""
    project = get_object_or_404(projects_for(request.user), slug=slug)
    if not Membership.can_manage(project.role):
        raise PermissionDenied("only a manager of the project may import articles")
    uploads = request.FILES.getlist("files")
    if not uploads:
        messages.error(request, "Nothing imported: choose one or more .txt or .md files.")
    for upload in uploads:
        report_import(request, project, upload)
    return redirect("document-list", slug=project.slug)


def page_data(request, project, document, codebook):
    """Return what the annotation page starts from: codebook, sentences, and the annotations I may see."""
    done = SegmentProgress.objects.filter(segment=OuterRef("pk"), annotator=request.user)
    segments = document.segments.annotate(
        done=Exists(done), comment_count=count_of(SegmentComment.objects.visible_to(request.user), "segment"),
    ).values("id", "index", "kind", "paragraph", "start", "text", "done", "comment_count")
    annotations = (
        Annotation.objects.visible_to(request.user)
        .filter(document=document)
        .select_related("label__layer", "annotator", "reviewer", "segment")
    )
    return {
        "me": request.user.username,
        "role": project.role,
        "can_review": Membership.can_review(project.role),
        "blind": project.blind,
        "project": project.pk,
        "document": document.pk,
        "codebook": CodebookSerializer(codebook).data,
        "segments": list(segments),
        "assigned": list(assigned_segments(project, request.user).filter(document=document)
                         .order_by("index").values_list("id", flat=True)),
        "next": {"url": f"{reverse('project-next', args=[project.slug])}?after={document.pk}",
                 "asks": project.assigning == Project.Assigning.NEXT_FREE},
        "annotations": AnnotationSerializer(annotations, many=True, context={"request": request}).data,
    }


def spaced(values):
    """Return attribute values as annotators read them: words apart, not joined by underscores."""
    return [str(value).replace("_", " ") for value in values or []]


def guide_layers(codebook):
    """Return the codebook's layers, each with its attributes spelled for the guidelines."""
    layers = list(codebook.layers.all())
    for layer in layers:
        layer.shown_attributes = [{**spec, "choices": spaced(spec.get("choices")),
                                   "required_for": spaced(spec.get("required_for"))} for spec in layer.attributes or []]
        layer.label_groups = label_groups(layer.labels.all())
    return layers


@login_required
def annotate_document(request, slug, pk):
    """Show the annotation page for one document of a project."""
    project = get_object_or_404(projects_for(request.user), slug=slug)
    documents = Document.objects.visible_to(request.user).filter(project=project).select_related("source")
    document = get_object_or_404(documents, pk=pk)
    codebook = Codebook.objects.prefetch_related("layers__labels").get(pk=project.codebook_id)
    return render(request, "annotate/annotate.html", {
        "project": project,
        "can_review": Membership.can_review(project.role),
        "document": document,
        "codebook": codebook,
        "layers": guide_layers(codebook),
        "guidelines": render_guidelines(project.guidelines),
        "page_data": page_data(request, project, document, codebook),
    })
