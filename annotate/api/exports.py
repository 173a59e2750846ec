"""Streamed exports of annotated sentences, and restoring a JSON export into a project."""

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.api.parsers import JSONField
from annotate.api.permissions import IsProjectManager, role_in
from annotate.exporting import FORMATS, export
from annotate.exporting.rows import (
    CSV_FORMULAS,
    EXPORT_STATUSES,
    ExportFilterError,
    export_blocks,
    export_meta,
    select_for_export,
)
from annotate.exporting.semeval import OVERLAPS, TASKS
from annotate.models import Annotation, Membership, Project
from annotate.restoring import RestoreError, parse_export, restore_export
from annotate.techniques import SCHEMES


def project_for(request, pk):
    """Return a project the user belongs to, or 404."""
    project = Project.objects.visible_to(request.user).select_related("codebook").filter(pk=pk).first()
    if project is None:
        raise NotFound("no such project")
    return project


def exportable_annotations(request, project):
    """Return what the user may export: everything they see as reviewer or manager, their own otherwise."""
    annotations = Annotation.objects.visible_to(request.user)
    if not Membership.can_review(role_in(request, project.pk)):
        annotations = annotations.filter(annotator=request.user)
    return annotations


class ExportView(APIView):
    """Stream the project's annotated sentences in one of several formats."""

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(FORMATS), description="Output format (default json)."),
            OpenApiParameter("document", int, description="Only this document."),
            OpenApiParameter("status", str, enum=EXPORT_STATUSES, description="Only this review status, or gold."),
            OpenApiParameter("annotator", str, description="Only this annotator's username."),
            OpenApiParameter("layer", str, description="Only this layer's key."),
            OpenApiParameter("label", str, description="Only this label's key."),
            OpenApiParameter("csv_formulas", str, enum=CSV_FORMULAS,
                             description="csv: 'escape' (default) prefixes cells that start with =, +, -, @, tab or "
                                         "CR with a single quote; 'keep' writes them verbatim."),
            OpenApiParameter("scheme", str, enum=list(SCHEMES),
                             description="semeval only: the technique names and layout of SemEval-2020 Task 11 "
                                         "(default) or SemEval-2023 Task 3 subtask 3."),
            OpenApiParameter("task", str, enum=list(TASKS),
                             description="semeval, scheme 2020 only: 'tc' technique classification (article, "
                                         "technique, start, end; default) or 'si' span identification (article, "
                                         "start, end)."),
            OpenApiParameter("overlaps", str, enum=list(OVERLAPS),
                             description="semeval, task si only: 'merge' (default) writes an article's overlapping "
                                         "spans as their union, as the SI scorer wants a submission; 'keep' writes "
                                         "every span as stored, as the corpus's own SI label files do."),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        project = project_for(request, pk)
        fmt = request.query_params.get("format", "json")
        if fmt not in FORMATS:
            raise ValidationError({"format": [f"{fmt!r} is not one of: {', '.join(FORMATS)}"]})
        try:
            documents, annotations, echo = select_for_export(
                project=project, annotations=exportable_annotations(request, project), params=request.query_params
            )
            meta = export_meta(project=project, filters=echo, base_url=request.build_absolute_uri("/"),
                               csv_formulas=request.query_params.get("csv_formulas", "escape"), fmt=fmt,
                               scheme=request.query_params.get("scheme"), task=request.query_params.get("task"),
                               overlaps=request.query_params.get("overlaps"))
        except ExportFilterError as error:
            raise ValidationError({field: [problem] for field, problem in error.errors.items()}) from None
        chosen = FORMATS[fmt]
        response = StreamingHttpResponse(
            export(fmt, export_blocks(documents=documents, annotations=annotations), meta),
            content_type=chosen.content_type,
        )
        disposition = "inline" if fmt in ("html", "json", "w3c") else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{project.slug}.{chosen.extension}"'
        response["X-Content-Type-Options"] = "nosniff"
        if fmt == "html":
            # The annotated page needs no script at all: forbid it outright. The site-wide
            # policy (django-csp) leaves a response that already has a policy alone.
            response["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
            )
        return response


class RestoreUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A file written by the json export.")
    user_map = JSONField(
        binary=True, required=False, default=dict,
        help_text='Attribute the file\'s usernames to accounts, e.g. {"ann1": "maria"}; others map to the same name.',
    )
    create_users = serializers.BooleanField(
        default=False, help_text="Create accounts (no password, annotator role) for names that have none."
    )


class RestoreView(APIView):
    """Restore a json export into this project: all of it or, on the first error, nothing."""

    permission_classes = [permissions.IsAuthenticated, IsProjectManager]
    body_limit_setting = "RESTORE_MAX_BYTES"

    @extend_schema(request={"multipart/form-data": RestoreUploadSerializer},
                   responses={201: {"type": "object"}})
    def post(self, request, pk):
        project = project_for(request, pk)
        self.check_object_permissions(request, project)
        upload = RestoreUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file, options = upload.validated_data["file"], upload.validated_data
        if file.size > settings.RESTORE_MAX_BYTES:
            raise ValidationError({"file": [f"{file.name}: over the {settings.RESTORE_MAX_BYTES:,}-byte limit"]})
        try:
            summary = restore_export(project=project, data=parse_export(file.read()), user=request.user,
                                     user_map=options["user_map"], create_users=options["create_users"])
        except RestoreError as error:
            prefix = f"{file.name}: " if error.field == "file" else ""
            raise ValidationError({error.field: [f"{prefix}{error}"]}) from None
        return Response(summary, status=201)
