from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
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
    SegmentComment,
    SegmentProgress,
    Source,
)
from annotate.reviewing import ACTIONS, ReviewError, review_annotations, review_roles
from annotate.services import save_annotation


class ProjectScopedAdmin(admin.ModelAdmin):
    """Show staff who are not superusers only the rows of projects where they hold one of `roles`."""

    project_path = "project"
    roles = (Membership.Role.MANAGER,)

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        projects = Membership.objects.filter(user=request.user, role__in=self.roles).values("project")
        return rows.filter(**{f"{self.project_path}__in": projects})


class ReviewScopedAdmin(ProjectScopedAdmin):
    roles = (Membership.Role.REVIEWER, Membership.Role.MANAGER)


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
class ProjectAdmin(ProjectScopedAdmin):
    project_path = "pk"
    list_display = ["name", "slug", "codebook", "blind", "annotators_per_segment", "created_at"]
    list_filter = ["blind", "codebook"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ProjectScopedAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]


@admin.register(Document)
class DocumentAdmin(ProjectScopedAdmin):
    list_display = ["title", "project", "source", "author", "published_at", "imported_at"]
    list_filter = ["project", "source", "language"]
    search_fields = ["title", "author", "standfirst", "filename"]
    readonly_fields = ["text_sha256", "imported_at", "imported_by"]
    date_hierarchy = "published_at"


@admin.register(Segment)
class SegmentAdmin(ReviewScopedAdmin):
    project_path = "document__project"
    list_display = ["document", "index", "kind", "paragraph", "start", "end", "text"]
    list_filter = ["kind", "document__project", "document"]
    search_fields = ["text"]
    list_select_related = ["document"]


class LayerFilter(admin.SimpleListFilter):
    """Filter by layer key, so one choice covers every codebook version."""

    title = "layer"
    parameter_name = "layer"

    def lookups(self, request, model_admin):
        layers = Layer.objects.filter(labels__annotations__in=model_admin.get_queryset(request))
        return layers.order_by("key").values_list("key", "name").distinct()

    def queryset(self, request, queryset):
        return queryset.filter(label__layer__key=self.value()) if self.value() else queryset


class ReviewNoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                           help_text="Kept with each review, e.g. why the tags were rejected.")


@admin.register(Annotation)
class AnnotationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "label", "quote", "sentence", "annotator", "status", "reviewer", "gold", "version"]
    list_filter = [
        ("project", admin.RelatedOnlyFieldListFilter),
        ("document", admin.RelatedOnlyFieldListFilter),
        LayerFilter,
        ("label", admin.RelatedOnlyFieldListFilter),
        ("annotator", admin.RelatedOnlyFieldListFilter),
        "status",
        "gold",
    ]
    search_fields = ["quote", "note", "review_note"]
    list_select_related = ["label__layer", "annotator", "reviewer", "segment"]
    raw_id_fields = ["document", "segment", "relation_content", "relation_source", "relation_cue"]
    # Review fields change only through the review actions, which keep the gold version in step.
    readonly_fields = ["status", "reviewer", "reviewed_at", "review_note", "gold", "gold_sources", "version",
                       "created_at", "modified_at"]
    exclude = ["provenance"]
    history_list_display = ["status", "reviewer", "review_note"]
    actions = ["accept_selected", "reject_selected", "dispute_selected"]

    def get_queryset(self, request):
        annotations = super().get_queryset(request)
        if request.user.is_superuser:
            return annotations
        return annotations.filter(project__in=list(review_roles(request.user)))

    def save_model(self, request, obj, form, change):
        # Through the service, so the version moves on and API clients holding the old ETag get 412.
        save_annotation(obj, user=request.user, expected_version=obj.version if change else None)

    @admin.display(description="sentence")
    def sentence(self, annotation):
        segment = annotation.segment
        if segment is None:
            return "(whole article)"
        text, start, end = segment.text, annotation.start, annotation.end
        if start is None or end is None or end > len(text):
            return format_html("{}. {}", segment.index + 1, text)
        return format_html("{}. {}<mark>{}</mark>{}", segment.index + 1, text[:start], text[start:end], text[end:])

    @admin.display(description="came from")
    def gold_sources(self, annotation):
        sources = annotation.provenance.select_related("annotator")
        return format_html_join(", ", '<a href="{}">{} by {}</a>', (
            (reverse("admin:annotate_annotation_change", args=[a.pk]), a.pk, a.annotator) for a in sources
        )) or "—"

    @admin.action(permissions=["change"], description="Accept selected annotations into the gold version")
    def accept_selected(self, request, queryset):
        return self.review(request, queryset, "accept")

    @admin.action(permissions=["change"], description="Reject selected annotations")
    def reject_selected(self, request, queryset):
        return self.review(request, queryset, "reject")

    @admin.action(permissions=["change"], description="Mark selected annotations disputed")
    def dispute_selected(self, request, queryset):
        return self.review(request, queryset, "dispute")

    def review(self, request, queryset, action):
        """Ask for a note, then review every selected annotation at the version shown, or none of them."""
        annotations = list(queryset.select_related("label__layer", "annotator", "segment"))
        form = ReviewNoteForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(request, "annotate/review_admin_confirm.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                "annotations": annotations, "action": action, "action_name": f"{action}_selected",
                "title": f"{action.capitalize()} {len(annotations)} annotation{pluralize(len(annotations))}",
            })
        items = [(a.pk, versions_of(request.POST).get(a.pk, a.version)) for a in annotations]
        try:
            results = review_annotations(reviewer=request.user, items=items, action=action,
                                         note=form.cleaned_data["note"])
        except ReviewError as error:
            self.message_user(request, f"Nothing was saved: {error}", level=messages.ERROR)
            return None
        golds = {r.gold.pk for r in results if r.gold}
        done = f"{ACTIONS[action].capitalize()}: {len(results)} annotation{pluralize(len(results))}"
        gold = f", {len(golds)} gold annotation{pluralize(len(golds))}" if golds else ""
        self.message_user(request, done + gold, level=messages.SUCCESS)
        return None


def versions_of(data):
    """Return {annotation id: version} from the confirmation page's version_<id> fields."""
    versions = {}
    for name, value in data.items():
        if name.startswith("version_") and name[8:].isdigit():
            versions[int(name[8:])] = int(value) if value.isdigit() else -1
    return versions


@admin.register(SegmentProgress)
class SegmentProgressAdmin(ReviewScopedAdmin):
    project_path = "segment__document__project"
    list_display = ["segment", "annotator", "done_at"]
    list_filter = ["segment__document__project", "annotator"]
    list_select_related = ["segment", "annotator"]


@admin.register(SegmentComment)
class SegmentCommentAdmin(ReviewScopedAdmin):
    project_path = "segment__document__project"
    list_display = ["segment", "author", "created_at", "text"]
    list_filter = [("segment__document__project", admin.RelatedOnlyFieldListFilter), "author"]
    search_fields = ["text"]
    list_select_related = ["segment", "author"]
    raw_id_fields = ["segment"]
