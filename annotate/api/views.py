"""Projects, documents, segments and progress over the API."""

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotate.api.exceptions import Conflict
from annotate.api.permissions import IsManagerForWrites
from annotate.api.serializers import (
    CodebookSerializer,
    DocumentListSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    ProjectSerializer,
    SegmentProgressSerializer,
    SegmentSerializer,
)
from annotate.importing import ArticleImportError, check_size, import_article
from annotate.models import Annotation, Document, Project, Segment, SegmentProgress


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """The projects you are a member of, with your role."""

    serializer_class = ProjectSerializer
    filterset_fields = ["slug"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return Project.objects.visible_to(self.request.user)

    @extend_schema(responses=CodebookSerializer)
    @action(detail=True)
    def codebook(self, request, pk=None):
        """Return the project's codebook: layers, labels, attributes."""
        codebook = self.get_object().codebook
        codebook = type(codebook).objects.prefetch_related("layers__labels").get(pk=codebook.pk)
        return Response(CodebookSerializer(codebook).data)


class DocumentViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Articles; managers import them by uploading a UTF-8 .txt or .md file."""

    serializer_class = DocumentSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerForWrites]
    body_limit_setting = "ARTICLE_MAX_BYTES"
    filterset_fields = ["project", "language"]
    ordering_fields = ["id", "published_at", "title", "imported_at"]

    def get_queryset(self):
        documents = (
            Document.objects.visible_to(self.request.user)
            .select_related("source")
            .with_segment_count()
            .order_by("id")
        )
        return documents.defer("text") if self.action == "list" else documents

    def get_serializer_class(self):
        return {"create": DocumentUploadSerializer, "list": DocumentListSerializer}.get(self.action, DocumentSerializer)

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer}, responses={201: DocumentSerializer})
    def create(self, request, *args, **kwargs):
        upload = DocumentUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        project, file = upload.validated_data["project"], upload.validated_data["file"]
        self.check_object_permissions(request, project)
        # Up to the response's data, so a failure after the import leaves nothing of it saved.
        with transaction.atomic():
            try:
                check_size(file.name, file.size)
                result = import_article(project=project, name=file.name, raw=file.read(),
                                        source_name=upload.validated_data.get("source", ""),
                                        external_id=upload.validated_data.get("external_id", ""), user=request.user)
            except ArticleImportError as error:
                raise ValidationError({"file": [str(error)]}) from None
            if not result.created:
                raise Conflict(f"{file.name}: same text already imported as document {result.document.pk}")
            data = DocumentSerializer(self.get_queryset().get(pk=result.document.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)


class SegmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Sentences of the documents you can see, each with the annotations you may see."""

    queryset = Segment.objects.none()  # the schema generator's stand-in; get_queryset() scopes requests
    serializer_class = SegmentSerializer
    filterset_fields = ["document", "kind", "document__project"]
    ordering_fields = ["index", "document"]
    ordering = ["document", "index"]

    def get_queryset(self):
        user = self.request.user
        visible = Annotation.objects.visible_to(user).select_related("label__layer", "annotator", "reviewer")
        return (
            Segment.objects.visible_to(user)
            .annotate(done=Exists(SegmentProgress.objects.filter(segment=OuterRef("pk"), annotator=user)))
            .prefetch_related(Prefetch("annotations", queryset=visible, to_attr="visible_annotations"))
        )

    @extend_schema(request=None, responses={200: SegmentSerializer, 201: SegmentSerializer})
    @action(detail=True, methods=["post", "delete"])
    def done(self, request, pk=None):
        """Mark the sentence done by you (POST) or not done (DELETE); done with no tags means 'nothing here'."""
        segment = self.get_object()
        if request.method == "DELETE":
            SegmentProgress.objects.filter(segment=segment, annotator=request.user).delete()
            code = status.HTTP_200_OK
        else:
            created = SegmentProgress.objects.get_or_create(segment=segment, annotator=request.user)[1]
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(self.get_queryset().get(pk=segment.pk)).data, status=code)


class ProgressViewSet(viewsets.ReadOnlyModelViewSet):
    """Which annotator finished which sentence: your own, or everyone's in projects you review."""

    serializer_class = SegmentProgressSerializer
    filterset_fields = {"segment": ["exact"], "segment__document": ["exact"], "annotator__username": ["exact"]}

    def get_queryset(self):
        return SegmentProgress.objects.visible_to(self.request.user).select_related("segment", "annotator")
