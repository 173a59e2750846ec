"""HTML pages: projects, documents, and the annotation page."""

import markdown
import nh3
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render

from annotate.api.permissions import REVIEW_ROLES
from annotate.api.serializers import AnnotationSerializer, CodebookSerializer
from annotate.models import Annotation, Codebook, Document, Membership, Project, Segment, SegmentProgress


def count_of(queryset, outer_field):
    """Return a subquery counting the rows of queryset that point to the outer row (0 when none)."""
    counted = queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field)
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


def projects_for(user):
    """Return the user's projects, each with the user's role."""
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.visible_to(user).annotate(role=Subquery(role))


def render_guidelines(text):
    """Return project guidelines as sanitised HTML."""
    return nh3.clean(markdown.markdown(text, extensions=["sane_lists"]))


def team_progress(user, project, documents):
    """Attach to each document the sentences done per annotator; return the annotators' names."""
    counts = (
        SegmentProgress.objects.visible_to(user)
        .filter(segment__document__project=project)
        .values_list("segment__document", "annotator__username")
        .annotate(n=Count("pk"))
    )
    done = {(doc, name): n for doc, name, n in counts}
    annotators = project.memberships.filter(role=Membership.Role.ANNOTATOR).values_list("user__username", flat=True)
    names = sorted(set(annotators) | {name for _, name in done})
    for document in documents:
        document.team = [(name, done.get((document.pk, name), 0)) for name in names]
    return names


@login_required
def project_list(request):
    """List the user's projects with the user's progress in each."""
    done = SegmentProgress.objects.filter(annotator=request.user)
    projects = projects_for(request.user).annotate(
        document_count=count_of(Document.objects.all(), "project"),
        segment_count=count_of(Segment.objects.all(), "document__project"),
        done_count=count_of(done, "segment__document__project"),
    )
    return render(request, "annotate/project_list.html", {"projects": projects})


@login_required
def document_list(request, slug):
    """List a project's documents with my progress, and everyone's for reviewers and managers."""
    project = get_object_or_404(projects_for(request.user), slug=slug)
    documents = list(
        Document.objects.visible_to(request.user).filter(project=project).select_related("source").annotate(
            segment_count=count_of(Segment.objects.all(), "document"),
            done_count=count_of(SegmentProgress.objects.filter(annotator=request.user), "segment__document"),
        )
    )
    team = team_progress(request.user, project, documents) if project.role in REVIEW_ROLES else None
    return render(request, "annotate/document_list.html", {"project": project, "documents": documents, "team": team})


def page_data(request, project, document, codebook):
    """Return what the annotation page starts from: codebook, sentences, and the annotations I may see."""
    done = SegmentProgress.objects.filter(segment=OuterRef("pk"), annotator=request.user)
    segments = document.segments.annotate(done=Exists(done)).values("id", "index", "kind", "paragraph", "text", "done")
    annotations = (
        Annotation.objects.visible_to(request.user)
        .filter(document=document)
        .select_related("label__layer", "annotator", "reviewer")
    )
    return {
        "me": request.user.username,
        "role": project.role,
        "blind": project.blind,
        "project": project.pk,
        "document": document.pk,
        "codebook": CodebookSerializer(codebook).data,
        "segments": list(segments),
        "annotations": AnnotationSerializer(annotations, many=True, context={"request": request}).data,
    }


@login_required
def annotate_document(request, slug, pk):
    """Show the annotation page for one document of a project."""
    project = get_object_or_404(projects_for(request.user), slug=slug)
    documents = Document.objects.visible_to(request.user).filter(project=project).select_related("source")
    document = get_object_or_404(documents, pk=pk)
    codebook = Codebook.objects.prefetch_related("layers__labels").get(pk=project.codebook_id)
    return render(request, "annotate/annotate.html", {
        "project": project,
        "document": document,
        "codebook": codebook,
        "guidelines": render_guidelines(project.guidelines),
        "page_data": page_data(request, project, document, codebook),
    })
