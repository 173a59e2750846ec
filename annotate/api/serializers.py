"""API representations; annotation writes are checked and saved by annotate.tags."""

from rest_framework import serializers

from annotate.api.parsers import JSONField
from annotate.api.permissions import role_in
from annotate.models import (
    Annotation,
    Codebook,
    Document,
    Label,
    Layer,
    Project,
    Segment,
    SegmentProgress,
    Source,
)
from annotate.spans import SpanPlacementError, place_span


class PrefetchedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id, found among the objects a batch fetched up front (prefetch_related_ids), else by a query."""

    def to_internal_value(self, data):
        found = self.context.get("prefetched", {}).get(self.field_name, {})
        if isinstance(data, int) and not isinstance(data, bool) and data in found:
            return found[data]
        return super().to_internal_value(data)


def prefetch_related_ids(serializer, items, names):
    """Fetch the objects that these inputs name by id in the given related fields, one query a model.

    Return them by field name, for the serializer's context["prefetched"]: each id is looked up through the
    field's own queryset, so an id the user may not see is not found, and the field then refuses it as usual.
    """
    by_model = {}
    for name in names:
        ids = {item[name] for item in items if isinstance(item.get(name), int) and not isinstance(item[name], bool)}
        if ids:
            by_model.setdefault(serializer.fields[name].get_queryset().model, []).append((name, ids))
    found = {}
    for requests in by_model.values():
        field = serializer.fields[requests[0][0]]
        objects = field.get_queryset().in_bulk(set().union(*(ids for _, ids in requests)))
        for name, _ in requests:
            found[name] = objects
    return found


class VisibleRelatedField(PrefetchedRelatedField):
    """A related id that must name an object the requesting user can see (others read as 'does not exist').

    ``related`` names the relations a write reads next, fetched in the same query; an article's text is left
    to the rare check that needs it.
    """

    def __init__(self, model, related=(), deferred=(), **kwargs):
        self.model, self.related, self.deferred = model, related, deferred
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        found = self.model.objects.visible_to(self.context["request"].user)
        return found.select_related(*self.related).defer(*self.deferred) if self.related else found


class LabelSerializer(serializers.ModelSerializer):
    category = serializers.SerializerMethodField(
        help_text="The SemEval-2023 category of the label's persuasion technique, or null.")
    technique_2020 = serializers.SerializerMethodField(
        help_text="The technique's SemEval-2020 Task 11 name, or null where that task did not have it.")

    class Meta:
        model = Label
        fields = ["id", "key", "name", "definition", "example", "color", "hotkey", "technique", "category",
                  "technique_2020"]

    def get_category(self, label) -> str | None:
        return label.category

    def get_technique_2020(self, label) -> str | None:
        return label.technique_2020


class LayerSerializer(serializers.ModelSerializer):
    labels = LabelSerializer(many=True, read_only=True)

    class Meta:
        model = Layer
        fields = ["id", "key", "name", "description", "scope", "multiple", "attributes", "relation_endpoints",
                  "labels"]


class CodebookSerializer(serializers.ModelSerializer):
    layers = LayerSerializer(many=True, read_only=True)

    class Meta:
        model = Codebook
        fields = ["id", "key", "name", "version", "description", "layers"]


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in the project.")

    class Meta:
        model = Project
        fields = ["id", "slug", "name", "description", "codebook", "guidelines", "blind", "annotators_per_segment",
                  "role", "created_at"]
        read_only_fields = fields

    def get_role(self, project) -> str | None:
        return role_in(self.context["request"], project.pk)


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "country", "funding_note", "url"]


class DocumentSerializer(serializers.ModelSerializer):
    source = SourceSerializer(read_only=True)
    segment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Document
        fields = ["id", "project", "title", "standfirst", "author", "source", "published_at", "url", "language",
                  "filename", "external_id", "text", "text_sha256", "imported_at", "segment_count", "import_warnings"]
        read_only_fields = fields


class DocumentListSerializer(DocumentSerializer):
    """A document in a list: everything but its text, so a list costs the same whatever the articles' length."""

    class Meta(DocumentSerializer.Meta):
        fields = [field for field in DocumentSerializer.Meta.fields if field != "text"]
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer):
    project = VisibleRelatedField(Project)
    file = serializers.FileField(help_text="A UTF-8 .txt or .md article.")
    source = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                   help_text="Outlet name; default: the article's 'Source:' line.")
    external_id = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="The article's id in its collection; default: the number in a SemEval-style name article<ID>.txt.",
    )


class DocumentOffsetField(serializers.IntegerField):
    """A span's start or end in the document text: read as the sentence's start plus the stored offset."""

    def __init__(self, offset, **kwargs):
        self.offset = offset
        super().__init__(required=False, allow_null=True, min_value=0, **kwargs)

    def get_attribute(self, instance):
        value = getattr(instance, self.offset)
        if value is None or instance.segment_id is None:
            return None
        return instance.segment.start + value


class RelationEndField(VisibleRelatedField):
    """A relation's end: a tag's id or, in a batch (annotate.api.batch), {"ref": i} for the tag operation i made."""

    default_error_messages = {
        "ref_outside_batch": "{{\"ref\": i}} names a tag made earlier in a batch: give the tag's id here",
        "bad_ref": "give {{\"ref\": i}}, i the index of an earlier create in this batch",
        "ref_not_made": "operation {ref} of this batch is not an earlier create that succeeded",
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        created = self.context.get("created")
        if created is None:
            self.fail("ref_outside_batch")
        ref = data.get("ref")
        if set(data) != {"ref"} or isinstance(ref, bool) or not isinstance(ref, int):
            self.fail("bad_ref")
        if ref not in created:
            self.fail("ref_not_made", ref=ref)
        return created[ref]

    def to_representation(self, value):
        return value.pk


# What the checks of a relation read about its ends (annotate.validation._check_relation_shape).
END_RELATED = (("label__layer", "document__project"), ("document__text",))


class AnnotationSerializer(serializers.ModelSerializer):
    """One tag; the shape (segment, span, document, relation) follows its label's layer."""

    annotator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    layer = serializers.CharField(source="label.layer.key", read_only=True)
    scope = serializers.CharField(source="label.layer.scope", read_only=True)
    label_key = serializers.CharField(source="label.key", read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    document = VisibleRelatedField(Document, ("project",), ("text",), required=False)
    segment = VisibleRelatedField(Segment, ("document__project",), ("document__text",), required=False,
                                  allow_null=True)
    relation_content = RelationEndField(Annotation, *END_RELATED, required=False, allow_null=True)
    relation_source = RelationEndField(Annotation, *END_RELATED, required=False, allow_null=True)
    relation_cue = RelationEndField(Annotation, *END_RELATED, required=False, allow_null=True)
    label = PrefetchedRelatedField(queryset=Label.objects.select_related("layer__codebook"))
    start = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    end = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    doc_start = DocumentOffsetField("start", help_text=(
        "A span's start in the document text (null unless a span). Instead of segment, start and end, a new span may "
        "give document, doc_start and doc_end: it is stored on the sentence it starts in, and may run on into the "
        "next sentences."))
    doc_end = DocumentOffsetField("end", help_text="A span's end in the document text (exclusive; null unless a span).")
    attributes = JSONField(required=False, help_text="Layer-specific attributes, e.g. {\"polarity\": \"negative\"}.")
    version = serializers.IntegerField(required=False, help_text="The version you edited (or send If-Match).")
    client_key = serializers.UUIDField(
        required=False, allow_null=True, write_only=True,
        help_text="A UUID you choose when creating: sending the same create again returns the first one (200).",
    )

    import_source = serializers.CharField(
        required=False, allow_blank=True, max_length=Annotation._meta.get_field("import_source").max_length,
        help_text="Set when posting a tag taken from another dataset or tool, e.g. \"semeval-2020\" (only on create): "
                  "the tag is marked imported, and attributes its dataset never had may be left out.",
    )
    import_file = serializers.CharField(
        required=False, allow_blank=True, max_length=Annotation._meta.get_field("import_file").max_length,
        help_text="With import_source: the file the tag was read from, e.g. \"article111111111.task2-TC.labels\".",
    )

    class Meta:
        model = Annotation
        fields = ["id", "project", "document", "segment", "annotator", "layer", "scope", "label", "label_key",
                  "start", "end", "doc_start", "doc_end", "quote", "attributes", "note", "relation_content",
                  "relation_source", "relation_cue", "status", "reviewer", "reviewed_at", "review_note", "gold",
                  "version", "client_key", "import_source", "import_file", "created_at", "modified_at"]
        read_only_fields = ["project", "status", "reviewed_at", "review_note", "gold", "created_at", "modified_at"]

    def validate(self, data):
        """Return the fields to write; the write path (annotate.tags) checks the tag they make."""
        data.pop("version", None)
        offsets = _document_offsets(data)
        if self.instance is not None:
            data.pop("client_key", None)
            for origin in ("import_source", "import_file"):
                if origin in data and data.pop(origin) != getattr(self.instance, origin):
                    raise serializers.ValidationError({origin: "set only when the tag is created"})
            for locked in ("document", "segment"):
                if locked in data and data.pop(locked) != getattr(self.instance, locked):
                    raise serializers.ValidationError({locked: "cannot be changed; delete and re-create instead"})
            if offsets:
                _place(data, self.instance.document, offsets, self.instance.label, segment=self.instance.segment)
            return data
        if offsets and data.get("document") is None:
            raise serializers.ValidationError({"document": "required with doc_start and doc_end"})
        document = data.get("document")
        if document is None:
            if data.get("segment") is not None:
                document = data["segment"].document
            elif data.get("relation_content") is not None:
                document = data["relation_content"].document
            else:
                raise serializers.ValidationError({"document": "give a segment, or a document for article-level tags"})
        # No membership check of its own: the segment, document or tag named came through visible_to(), which
        # finds only those of the user's projects.
        if offsets:
            _place(data, document, offsets, data["label"])
        if data.get("quote") is None:
            data["quote"] = ""
        if data.get("import_file") and not data.get("import_source"):
            raise serializers.ValidationError({"import_file": "give import_source with it"})
        data["document"], data["project"] = document, document.project
        return data


def _document_offsets(data):
    """Pop doc_start and doc_end from the input; return them as a pair, or None when neither was given."""
    popped = {name: data.pop(name, None) for name in ("doc_start", "doc_end")}
    given = {name: value for name, value in popped.items() if value is not None}
    if not given:
        return None
    for name in ("doc_start", "doc_end"):
        if name not in given:
            raise serializers.ValidationError({name: "give doc_start and doc_end together"})
    mixed = [name for name in ("segment", "start", "end") if data.get(name) is not None]
    if mixed:
        raise serializers.ValidationError({mixed[0]: "give either document offsets (doc_start, doc_end) or a segment "
                                                     "with start and end, not both"})
    return given["doc_start"], given["doc_end"]


def _place(data, document, offsets, label, segment=None):
    """Turn document offsets into (segment, start, end) by the storage rule of annotate.spans."""
    label = data.get("label", label)
    if label.layer.scope != Layer.Scope.SPAN:
        raise serializers.ValidationError({"doc_start": f"only span labels take document offsets, not layer "
                                                        f"'{label.layer.key}' ({label.layer.scope})"})
    doc_start, doc_end = offsets
    try:
        placed, start, end = place_span(list(document.segments.order_by("index")), doc_start, doc_end,
                                        len(document.text))
    except SpanPlacementError as error:
        field = "doc_end" if doc_end > len(document.text) or doc_start >= doc_end else "doc_start"
        raise serializers.ValidationError({field: str(error)}) from None
    if segment is not None and placed != segment:
        raise serializers.ValidationError({"doc_start": (
            f"the span would start in sentence {placed.index + 1}, not in its sentence {segment.index + 1}: "
            "delete and re-create it")})
    if segment is None:
        data["segment"] = placed
    data["start"], data["end"] = start, end
    if data.get("quote") is None:
        data["quote"] = document.text[doc_start:doc_end]


class SegmentSerializer(serializers.ModelSerializer):
    annotations = AnnotationSerializer(many=True, read_only=True, source="visible_annotations")
    done = serializers.BooleanField(read_only=True, help_text="You have marked this sentence done.")

    class Meta:
        model = Segment
        fields = ["id", "document", "index", "kind", "paragraph", "start", "end", "text", "done", "annotations"]
        read_only_fields = fields


class SegmentProgressSerializer(serializers.ModelSerializer):
    annotator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    document = serializers.IntegerField(source="segment.document_id", read_only=True)

    class Meta:
        model = SegmentProgress
        fields = ["id", "segment", "document", "annotator", "done_at"]
        read_only_fields = fields
