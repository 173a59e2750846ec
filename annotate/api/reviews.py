"""Reviews over the API: accept, reject or dispute tags (one, or many at once), and sentence discussions."""

from django.db import models
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.api.annotations import expected_version
from annotate.api.filters import MAX_ID
from annotate.api.permissions import IsProjectReviewer
from annotate.api.serializers import AnnotationSerializer
from annotate.models import Annotation, Label, Project, Segment, SegmentComment
from annotate.reviewing import ACTIONS, EDITABLE, MAX_ITEMS, review_annotations
from annotate.validation import check_comment_text

ERRORS = {
    400: OpenApiResponse(description="Bad input; `detail` names the failing annotation, `item` is its id."),
    403: OpenApiResponse(description="You can see the annotation but are not a reviewer or manager of its project."),
    404: OpenApiResponse(description="No such annotation among those you can see."),
    412: OpenApiResponse(description="The annotation changed since you loaded it; nothing was saved."),
}


class ReviewedAnnotationSerializer(AnnotationSerializer):
    provenance = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="For a gold annotation: the annotators' tags it came from."
    )

    class Meta(AnnotationSerializer.Meta):
        fields = [*AnnotationSerializer.Meta.fields, "provenance"]


class ReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(ACTIONS))
    note = serializers.CharField(allow_blank=True, max_length=2000, default="",
                                 help_text="The reviewer's note, kept with the review.")
    version = serializers.IntegerField(required=False, help_text="The version you reviewed (or send If-Match).")
    label = serializers.PrimaryKeyRelatedField(queryset=Label.objects.select_related("layer__codebook"),
                                               required=False, help_text="Edit: the gold copy's label.")
    start = serializers.IntegerField(required=False, allow_null=True, min_value=0, help_text="Edit: span start.")
    end = serializers.IntegerField(required=False, allow_null=True, min_value=0, help_text="Edit: span end.")
    quote = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                  help_text="Edit: the span text; derived from start and end when left out.")
    attributes = serializers.DictField(required=False, help_text="Edit: the gold copy's attributes.")

    def validate(self, data):
        if self.edits(data) and data["action"] != "accept":
            raise serializers.ValidationError({"action": "edits (label, start, end, quote, attributes) go with accept"})
        return data

    @staticmethod
    def edits(data):
        return {field: data[field] for field in EDITABLE if field in data}


class ReviewResultSerializer(serializers.Serializer):
    annotation = ReviewedAnnotationSerializer(help_text="The reviewed tag, with its new status and version.")
    gold = ReviewedAnnotationSerializer(allow_null=True, help_text="The gold annotation an accepted tag went into.")


class BulkItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The version you reviewed.")


class BulkReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(ACTIONS))
    note = serializers.CharField(allow_blank=True, max_length=2000, default="")
    project = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                       help_text="If given, every item must be in this project.")
    items = serializers.ListField(child=BulkItemSerializer(), min_length=1, max_length=MAX_ITEMS)


class BulkResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    gold = serializers.IntegerField(allow_null=True, help_text="The gold annotation an accepted tag went into.")


class AnnotationReviewView(APIView):
    """Accept (optionally with edits), reject, dispute or un-accept one tag; send its ETag in If-Match."""

    permission_classes = [permissions.IsAuthenticated, IsProjectReviewer]

    @extend_schema(
        request=ReviewSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER,
                                     description='The annotation\'s ETag, "<id>.<version>" (or send "version").')],
        responses={200: ReviewResultSerializer, **ERRORS, 428: OpenApiResponse(description="No If-Match header.")},
    )
    def post(self, request, pk):
        annotation = get_object_or_404(Annotation.objects.visible_to(request.user), pk=pk)
        self.check_object_permissions(request, annotation)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        (result,) = review_annotations(
            reviewer=request.user, items=[(annotation.pk, expected_version(request, annotation))],
            action=data["action"], note=data["note"], edits=body.edits(data),
        )
        context = {"request": request}
        response = Response(ReviewResultSerializer(result, context=context).data)
        response["ETag"] = f'"{result.annotation.pk}.{result.annotation.version}"'
        return response


class BulkReviewView(APIView):
    """Apply one review action to many tags: all of them or, if one fails, none."""

    @extend_schema(request=BulkReviewSerializer, responses={200: BulkResultSerializer(many=True), **ERRORS})
    def post(self, request):
        body = BulkReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        project = None
        if "project" in data:
            project = Project.objects.visible_to(request.user).filter(pk=data["project"]).first()
            if project is None:
                raise exceptions.NotFound({"project": "no such project"})
        results = review_annotations(reviewer=request.user, items=[(i["id"], i["version"]) for i in data["items"]],
                                     action=data["action"], note=data["note"], project=project)
        return Response([
            {"id": r.annotation.pk, "version": r.annotation.version, "status": r.annotation.status,
             "gold": r.gold.pk if r.gold else None}
            for r in results
        ])


class StringField(serializers.CharField):
    """A CharField that takes only a string: DRF's own turns a number into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SegmentCommentSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.TextField: StringField}
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SegmentComment
        fields = ["id", "segment", "author", "text", "created_at"]
        read_only_fields = ["segment", "author", "created_at"]

    def validate_text(self, text):
        check_comment_text(text)
        return text


class SegmentCommentList(generics.ListCreateAPIView):
    """The discussion of one sentence: every member of its project may read it and write in it."""

    serializer_class = SegmentCommentSerializer

    def segment(self):
        if not hasattr(self, "_segment"):
            self._segment = get_object_or_404(Segment.objects.visible_to(self.request.user), pk=self.kwargs["pk"])
        return self._segment

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SegmentComment.objects.none()
        return SegmentComment.objects.filter(segment=self.segment()).select_related("author")

    def perform_create(self, serializer):
        serializer.save(segment=self.segment(), author=self.request.user)
