from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from annotate.models import (
    Annotation,
    Codebook,
    Document,
    Label,
    Layer,
    Membership,
    Project,
    Segment,
    SegmentProgress,
    Source,
)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "url"]
    search_fields = ["name", "country", "funding_note"]


class LabelInline(admin.TabularInline):
    model = Label
    extra = 0
    fields = ["order", "key", "name", "color", "hotkey", "technique", "definition"]


class LayerInline(admin.TabularInline):
    model = Layer
    extra = 0
    fields = ["order", "key", "name", "scope", "multiple"]
    show_change_link = True


@admin.register(Codebook)
class CodebookAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "version", "created_at"]
    search_fields = ["name", "key"]
    inlines = [LayerInline]


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "scope", "multiple", "codebook"]
    list_filter = ["codebook", "scope"]
    search_fields = ["key", "name"]
    inlines = [LabelInline]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "layer", "technique", "color", "hotkey"]
    list_filter = ["layer__codebook", "layer"]
    search_fields = ["key", "name", "definition", "technique"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "codebook", "blind", "annotators_per_segment", "created_at"]
    list_filter = ["blind", "codebook"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "source", "author", "published_at", "imported_at"]
    list_filter = ["project", "source", "language"]
    search_fields = ["title", "author", "standfirst", "filename"]
    readonly_fields = ["text_sha256", "imported_at", "imported_by"]
    date_hierarchy = "published_at"


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["document", "index", "kind", "paragraph", "start", "end", "text"]
    list_filter = ["kind", "document__project", "document"]
    search_fields = ["text"]
    list_select_related = ["document"]


@admin.register(Annotation)
class AnnotationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "label", "quote", "annotator", "document", "segment_index", "status", "gold", "version"]
    list_filter = ["project", "label__layer", "status", "gold", "annotator"]
    search_fields = ["quote", "note", "review_note"]
    list_select_related = ["label__layer", "annotator", "document", "segment"]
    raw_id_fields = ["document", "segment", "relation_content", "relation_source", "relation_cue", "provenance"]
    readonly_fields = ["version", "created_at", "modified_at"]

    @admin.display(ordering="segment__index", description="sentence")
    def segment_index(self, annotation):
        return annotation.segment.index if annotation.segment_id else None


@admin.register(SegmentProgress)
class SegmentProgressAdmin(admin.ModelAdmin):
    list_display = ["segment", "annotator", "done_at"]
    list_filter = ["segment__document__project", "annotator"]
    list_select_related = ["segment", "annotator"]
