"""Annotations over the API: scoped reads, checked writes, optimistic locking with ETag/If-Match."""

import re
import uuid

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Q
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotate.api.exceptions import PreconditionFailed, PreconditionRequired
from annotate.api.filters import FilterSet
from annotate.api.permissions import IsOwnerOrReadOnly
from annotate.api.serializers import AnnotationSerializer
from annotate.models import Annotation, Layer
from annotate.tags import StaleVersion, TagError, do_create_tag, do_delete_tag, do_edit_tag

ETAG = re.compile(r'^(?:W/)?"(\d+)\.(\d+)"$')


def with_etag(response):
    """Add the ETag of the annotation in a response body: "<id>.<version>"."""
    response["ETag"] = f'"{response.data["id"]}.{response.data["version"]}"'
    return response


def expected_version(request, annotation):
    """Return the version the client edited, from If-Match or a 'version' field; 412/428 otherwise."""
    header = request.headers.get("If-Match")
    if header:
        tags = [tag.strip() for tag in header.split(",")]
        if "*" in tags:
            return annotation.version
        for tag in tags:
            match = ETAG.match(tag)
            if match and int(match[1]) == annotation.pk:
                return int(match[2])
        return -1
    version = request.data.get("version") if hasattr(request.data, "get") else None
    if isinstance(version, int) and not isinstance(version, bool):
        return version
    raise PreconditionRequired()


def own_tag(user, scope=None, **lookup):
    """Return the user's own tag (in a project they are a member of) with what a write reads, or None.

    Only its annotator may change a tag (IsOwnerOrReadOnly): looking among theirs first spares the visibility
    rules' subqueries on every write; a refused write falls back to them to tell a 403 from a 404.
    """
    tag = (
        Annotation.objects.filter(scope or Q(), annotator=user, project__memberships__user=user, **lookup)
        .select_related("label__layer", "reviewer", "segment", "project", "document").defer("document__text")
        .first()
    )
    if tag is not None:
        tag.annotator = user
    return tag


class AnnotationFilter(FilterSet):
    annotator = django_filters.CharFilter(field_name="annotator__username")
    layer = django_filters.CharFilter(field_name="label__layer__key")
    label = django_filters.CharFilter(field_name="label__key")
    scope = django_filters.ChoiceFilter(field_name="label__layer__scope", choices=Layer.Scope.choices)
    status = django_filters.ChoiceFilter(choices=Annotation.Status.choices)

    class Meta:
        model = Annotation
        fields = ["project", "document", "segment", "annotator", "layer", "label", "scope", "status", "gold"]


class AnnotationViewSet(viewsets.ModelViewSet):
    """Tags on sentences, spans, documents, and attribution relations between spans."""

    serializer_class = AnnotationSerializer
    permission_classes = [permissions.IsAuthenticated, IsOwnerOrReadOnly]
    filterset_class = AnnotationFilter
    ordering_fields = ["id", "created_at", "modified_at", "segment__index", "start"]
    ordering = ["id"]
    scope_filter = Q()

    def get_queryset(self):
        return (
            Annotation.objects.visible_to(self.request.user)
            .filter(self.scope_filter)
            .select_related("label__layer", "annotator", "reviewer", "segment")
        )

    def get_object(self):
        pk = str(self.kwargs.get("pk"))
        if self.request.method in permissions.SAFE_METHODS or not pk.isdigit():
            return super().get_object()
        tag = own_tag(self.request.user, self.scope_filter, pk=pk)
        if tag is None:
            return super().get_object()  # someone else's tag (403) or none the user can see (404)
        self.check_object_permissions(self.request, tag)
        return tag

    def retrieve(self, request, *args, **kwargs):
        return with_etag(super().retrieve(request, *args, **kwargs))

    def perform_create(self, serializer):
        annotation = Annotation(annotator=self.request.user, **serializer.validated_data)
        serializer.instance = do_create_tag(annotation=annotation, user=self.request.user)

    def create(self, request, *args, **kwargs):
        repeated = self.repeated_create(request)
        if repeated is None:
            try:
                return with_etag(super().create(request, *args, **kwargs))
            except (IntegrityError, DjangoValidationError, TagError, ValidationError):
                # A simultaneous retry with the same client_key may have won the race (the unique constraint
                # one_annotation_per_client_key, or the one-label-per-sentence check, refused this one): replay it.
                repeated = self.repeated_create(request)
                if repeated is None:
                    raise
        return with_etag(Response(self.get_serializer(repeated).data, status=status.HTTP_200_OK))

    def repeated_create(self, request):
        """Return the annotation an earlier request with the same client_key made, if any."""
        key = request.data.get("client_key") if hasattr(request.data, "get") else None
        if not key:
            return None
        try:
            key = uuid.UUID(str(key))
        except ValueError:
            return None  # the serializer reports the bad value
        return self.get_queryset().filter(annotator=request.user, client_key=key).first()

    def update(self, request, *args, **kwargs):
        return with_etag(super().update(request, *args, **kwargs))

    def perform_update(self, serializer):
        annotation = serializer.instance
        try:
            do_edit_tag(annotation=annotation, changes=serializer.validated_data, user=self.request.user,
                        expected_version=expected_version(self.request, annotation))
        except StaleVersion:
            raise self.stale(annotation) from None

    def perform_destroy(self, annotation):
        try:
            do_delete_tag(annotation=annotation, user=self.request.user,
                          expected_version=expected_version(self.request, annotation))
        except StaleVersion:
            raise self.stale(annotation) from None

    def stale(self, annotation):
        """Return a 412 error carrying the server's current version of the annotation."""
        error = PreconditionFailed()
        current = self.get_queryset().filter(pk=annotation.pk).first()
        error.current = self.get_serializer(current).data if current else None
        return error


class RelationViewSet(AnnotationViewSet):
    """Attribution relations: annotations whose layer links a content span to its source span."""

    scope_filter = Q(label__layer__scope=Layer.Scope.RELATION)
