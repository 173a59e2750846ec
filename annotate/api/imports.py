"""Import annotations from files of another tool or dataset (SemEval, ...) or our json export, all or nothing."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.api.exports import project_for
from annotate.api.parsers import JSONField
from annotate.api.permissions import IsProjectManager
from annotate.interchange.formats import FORMATS
from annotate.interchange.inputs import InputFile
from annotate.interchange.load import import_files
from annotate.interchange.report import ImportOptionError

REPORT = {
    "type": "object",
    "description": "What was imported (documents created and matched, tags by label) and what was refused: "
                   "counts by reason, each with its first examples (where, detail).",
    "additionalProperties": {},
}


class ImportUploadSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(FORMATS), help_text="The format of the files.")
    files = serializers.ListField(
        child=serializers.FileField(), allow_empty=False,
        help_text="The files: SemEval article<ID>.txt and label files, ... (json: one export file).",
    )
    mapping = serializers.FileField(
        required=False, help_text='A JSON object of foreign label names to "layer:label", or null to drop a name.'
    )
    annotator = serializers.CharField(
        required=False, allow_blank=True, max_length=150,
        help_text="Import every tag as this one account, e.g. semeval-gold (created if missing, inactive).",
    )
    span_label = serializers.CharField(
        required=False, allow_blank=True, max_length=250,
        help_text='The label ("layer:label") of spans that have no technique (SemEval-2020 SI).',
    )
    partial = serializers.BooleanField(default=False, help_text="Import what can be mapped and report the rest.")
    dry_run = serializers.BooleanField(default=False, help_text="Report what would be imported; save nothing.")
    user_map = JSONField(binary=True, required=False, default=dict,
                         help_text='json: attribute the file\'s usernames to accounts, e.g. {"ann1": "maria"}.')
    create_users = serializers.BooleanField(default=False, help_text="json: create accounts for unknown names.")


class ImportView(APIView):
    """Import annotations into this project through the label mapping: all of them or, if any is refused, none."""

    permission_classes = [permissions.IsAuthenticated, IsProjectManager]
    body_limit_setting = "RESTORE_MAX_BYTES"

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: OpenApiResponse(REPORT, description="Imported: the report."),
                   200: OpenApiResponse(REPORT, description="Dry run: the report; nothing saved.")},
    )
    def post(self, request, pk):
        project = project_for(request, pk)
        self.check_object_permissions(request, project)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        options = upload.validated_data
        files = options["files"]
        if sum(file.size for file in files) > settings.RESTORE_MAX_BYTES:
            raise ValidationError({"files": [f"over the {settings.RESTORE_MAX_BYTES:,}-byte limit together"]})
        try:
            report = import_files(
                project=project, format_key=options["format"], user=request.user,
                files=[InputFile(file.name, file.read()) for file in files],
                mapping=options["mapping"].read() if options.get("mapping") else None,
                annotator=options.get("annotator") or None, span_label=options.get("span_label") or None,
                partial=options["partial"], dry_run=options["dry_run"], user_map=options["user_map"],
                create_users=options["create_users"],
            )
        except ImportOptionError as error:
            raise ValidationError({error.field: [str(error)]}) from None
        if report["dry_run"]:
            return Response(report, status=status.HTTP_200_OK)
        return Response(report, status=status.HTTP_201_CREATED if report["saved"] else status.HTTP_400_BAD_REQUEST)
