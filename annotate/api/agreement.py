"""Inter-annotator agreement of a project over the API, for reviewers and managers."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate import agreement_cache
from annotate.api.exports import project_for
from annotate.api.permissions import IsProjectReviewer

ALPHA_HELP = "Krippendorff's alpha (nominal); null when undefined (nothing pairable, or no variation)."


def score(help_text=ALPHA_HELP):
    """Return a nullable float field for an agreement score."""
    return serializers.FloatField(allow_null=True, help_text=help_text)


def id_list(help_text="Sentences finished by two or more annotators who tagged them differently."):
    """Return a field for a list of sentence ids."""
    return serializers.ListField(child=serializers.IntegerField(), help_text=help_text)


class LabelAgreementSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    alpha = score()
    segment_ids = id_list("Sentences given this label by at least one annotator.")
    disagreement_segment_ids = id_list()


class SpanLabelAgreementSerializer(LabelAgreementSerializer):
    alpha = None
    token_alpha = score("Nominal alpha over the whitespace tokens the label's spans cover.")
    f1 = score("Mean pairwise F1 over the pairs where either annotator used the label.")


class PairAlphaSerializer(serializers.Serializer):
    a = serializers.CharField()
    b = serializers.CharField()
    alpha = score()


class PairSpanSerializer(serializers.Serializer):
    a = serializers.CharField(help_text="Annotator whose spans are scored as predicted.")
    b = serializers.CharField(help_text="Annotator whose spans are the reference.")
    precision = score("Null when the pair finished no sentence in common.")
    recall = score("Null when the pair finished no sentence in common.")
    f1 = score("SemEval-2020 Task 11 F1 with partial-overlap credit.")
    f1_unlabelled = score("F1 when labels are ignored: boundaries only.")


class DocumentAlphaSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    title = serializers.CharField()
    alpha = score()


class DocumentSpanSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    title = serializers.CharField()
    token_alpha = score()
    f1 = score("Mean pairwise F1 in this document.")


class SegmentLayerSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    alpha = score("Pooled alpha over every (sentence, label) pair of the layer.")
    units = serializers.IntegerField(help_text="Sentences finished by at least one annotator.")
    annotators = serializers.IntegerField()
    disagreement_segment_ids = id_list()
    labels = LabelAgreementSerializer(many=True)
    pairs = PairAlphaSerializer(many=True)
    documents = DocumentAlphaSerializer(many=True)


class SpanLayerSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    token_alpha = score("Pooled alpha over every (token, label) pair of the layer.")
    units = serializers.IntegerField(help_text="Tokens of the sentences finished by at least one annotator.")
    annotators = serializers.IntegerField()
    f1 = score("Mean of the annotator pairs' F1.")
    disagreement_segment_ids = id_list()
    labels = SpanLabelAgreementSerializer(many=True)
    pairs = PairSpanSerializer(many=True)
    documents = DocumentSpanSerializer(many=True)


class AgreementSerializer(serializers.Serializer):
    annotators = serializers.ListField(child=serializers.CharField())
    segment_layers = SegmentLayerSerializer(many=True)
    span_layers = SpanLayerSerializer(many=True)


class AgreementView(APIView):
    """Agreement between the project's annotators, per layer, label, document and pair."""

    permission_classes = [permissions.IsAuthenticated, IsProjectReviewer]

    @extend_schema(
        parameters=[OpenApiParameter("document", int, description="Only this document.")],
        responses=AgreementSerializer,
    )
    def get(self, request, pk):
        project = project_for(request, pk)
        self.check_object_permissions(request, project)
        document = request.query_params.get("document")
        if document is not None and not document.isdigit():
            raise ValidationError({"document": ["must be a document id"]})
        document = document and int(document)
        stamps = agreement_cache.read_stamps(project, document=document)
        if document and document not in stamps.documents:
            raise ValidationError({"document": [f"no document {document} in this project"]})
        figures = agreement_cache.agreement_figures(project, request.user, document=document, stamps=stamps)
        return Response(AgreementSerializer(figures).data)
