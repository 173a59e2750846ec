from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
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
from annotate.reviewing import review_annotations
from annotate.tags import TagError

User = get_user_model()

# How each model that belongs to one project reaches it; codebooks, layers, labels and sources are shared.
PROJECT_PATHS = {
    Project: "pk",
    Membership: "project",
    Document: "project",
    Segment: "document__project",
    Annotation: "project",
    SegmentProgress: "segment__document__project",
    SegmentComment: "segment__document__project",
}


def admin_projects(user, *, review):
    """Return a subquery of the project ids whose rows the user may see in the admin, or None for every project."""
    if user.is_superuser:
        return None
    return Membership.projects_where(user, review=review, manage=not review)


def admin_users(user):
    """Return the users a staff member may see: themselves, members of their projects, and users in no project."""
    users = User._default_manager.all()
    if user.is_superuser:
        return users
    members = Membership.objects.filter(project__in=admin_projects(user, review=True)).values("user")
    return users.filter(Q(pk=user.pk) | Q(pk__in=members) | ~Q(pk__in=Membership.objects.values("user")))


def admin_choices(model, user, *, review):
    """Return the rows of a related model the user may pick in the admin, or None when they are not limited."""
    if user.is_superuser:
        return None
    if model is User:
        return admin_users(user)
    path = PROJECT_PATHS.get(model)
    if path is None:
        return None
    return model._default_manager.filter(**{f"{path}__in": admin_projects(user, review=review)})


class ScopedChoicesMixin:
    """Offer staff who are not superusers only their projects' rows and people in foreign-key choices."""

    review = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self.limit_choices(db_field, request, kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self.limit_choices(db_field, request, kwargs))

    def limit_choices(self, db_field, request, kwargs):
        """Return the form field's arguments with its choices narrowed to what the user may see."""
        choices = admin_choices(db_field.related_model, request.user, review=self.review)
        return kwargs if choices is None or "queryset" in kwargs else {**kwargs, "queryset": choices}


class ProjectScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """Show staff who are not superusers only the rows of projects they manage (or review, with `review`)."""

    project_path = "project"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        projects = admin_projects(request.user, review=self.review)
        return rows if projects is None else rows.filter(**{f"{self.project_path}__in": projects})


class ReviewScopedAdmin(ProjectScopedAdmin):
    review = True


admin.site.unregister(User)


@admin.register(User)
class ScopedUserAdmin(UserAdmin):
    """Django's user admin, showing staff who are not superusers only the people they work with."""

    # Granting rights stays with superusers, so project staff cannot raise their own.
    privileges = ["is_superuser", "groups", "user_permissions"]

    def get_queryset(self, request):
        return super().get_queryset(request) & admin_users(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else [*readonly, *self.privileges]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "url"]
    search_fields = ["name", "country", "funding_note"]


def is_published(obj):
    """Return whether a codebook, layer or label row belongs to a published version."""
    codebook = obj if isinstance(obj, Codebook) else obj.codebook if isinstance(obj, Layer) else obj.layer.codebook
    return codebook.status == Codebook.Status.PUBLISHED


class PublishedReadOnly:
    """Show a published codebook version and its layers and labels read-only: published versions never change."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and is_published(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and is_published(obj))

    def has_add_permission(self, request, obj=None):
        # An inline's obj is its parent: a published version gets no new rows either.
        inline = isinstance(self, admin.options.InlineModelAdmin)
        allowed = super().has_add_permission(request, obj) if inline else super().has_add_permission(request)
        return allowed and not (obj and is_published(obj))


class LabelInline(PublishedReadOnly, admin.TabularInline):
    model = Label
    extra = 0
    fields = ["order", "key", "name", "color", "hotkey", "technique", "definition"]


class LayerInline(PublishedReadOnly, admin.TabularInline):
    model = Layer
    extra = 0
    fields = ["order", "key", "name", "scope", "multiple"]
    show_change_link = True


@admin.register(Codebook)
class CodebookAdmin(PublishedReadOnly, admin.ModelAdmin):
    list_display = ["name", "key", "version", "status", "created_at"]
    search_fields = ["name", "key"]
    # Drafts, origins and the project a draft is for belong to the codebook editor of the project settings.
    fields = ["key", "name", "version", "description", "status", "published_at"]
    readonly_fields = ["status", "published_at"]
    inlines = [LayerInline]


@admin.register(Layer)
class LayerAdmin(PublishedReadOnly, admin.ModelAdmin):
    list_display = ["key", "name", "scope", "multiple", "codebook"]
    list_filter = ["codebook", "scope"]
    search_fields = ["key", "name"]
    exclude = ["origin"]
    inlines = [LabelInline]


@admin.register(Label)
class LabelAdmin(PublishedReadOnly, admin.ModelAdmin):
    list_display = ["key", "name", "layer", "technique", "color", "hotkey"]
    list_filter = ["layer__codebook", "layer"]
    search_fields = ["key", "name", "definition", "technique"]
    exclude = ["origins"]


class MembershipInline(ScopedChoicesMixin, admin.TabularInline):
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
    list_filter = ["role", ("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "project__name"]
    autocomplete_fields = ["user"]


@admin.register(Document)
class DocumentAdmin(ProjectScopedAdmin):
    list_display = ["title", "project", "source", "author", "published_at", "imported_at"]
    list_filter = [("project", admin.RelatedOnlyFieldListFilter), "source", "language"]
    search_fields = ["title", "author", "standfirst", "filename"]
    readonly_fields = ["text_sha256", "imported_at", "imported_by"]
    date_hierarchy = "published_at"


@admin.register(Segment)
class SegmentAdmin(ReviewScopedAdmin):
    project_path = "document__project"
    list_display = ["document", "index", "kind", "paragraph", "start", "end", "text"]
    list_filter = ["kind", ("document__project", admin.RelatedOnlyFieldListFilter),
                   ("document", admin.RelatedOnlyFieldListFilter)]
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


# The admin's words for each review action: the button, and what the annotations become.
REVIEW_VERBS = {"accept": "Accept", "reject": "Reject", "dispute": "Dispute", "unaccept": "Un-accept"}
REVIEW_DONE = {"accept": "accepted", "reject": "rejected", "dispute": "disputed", "unaccept": "un-accepted"}


@admin.register(Annotation)
class AnnotationAdmin(ScopedChoicesMixin, SimpleHistoryAdmin):
    """Tags, gold tags and their history, read-only: tags change in the app, and here only by the review actions."""

    review = True
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
    fields = ["project", "document", "segment", "sentence", "label", "start", "end", "quote", "attributes", "note",
              "relation_content", "relation_source", "relation_cue", "annotator", "status", "reviewer",
              "reviewed_at", "review_note", "gold", "edited", "gold_sources", "version", "created_at", "modified_at"]
    # Every field, on the change page and on each history record alike: nothing here saves a tag.
    readonly_fields = fields
    history_list_display = ["status", "reviewer", "review_note"]
    actions = ["accept_selected", "reject_selected", "dispute_selected", "unaccept_selected"]

    def get_queryset(self, request):
        annotations = super().get_queryset(request)
        projects = admin_projects(request.user, review=True)
        return annotations if projects is None else annotations.filter(project__in=projects)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        """Return whether the user reviews in some project, the right the bulk review actions need."""
        user = request.user
        return user.is_superuser or Membership.projects_where(user, review=True).exists()

    def revert_disabled(self, request, obj=None):
        return True

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_history(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.has_history(request, object_id) or not is_id(version_id):
            raise Http404
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_history(self, request, object_id):
        """Return whether the annotation, live or deleted, is one whose history the user may read."""
        object_id = unquote(object_id)
        if not is_id(object_id):
            return False
        projects = admin_projects(request.user, review=True)
        if projects is None:
            return True
        records = Annotation.history.filter(id=object_id)
        return self.get_queryset(request).filter(pk=object_id).exists() or (
            records.exists() and not records.exclude(project__in=projects).exists()
        )

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

    @admin.action(permissions=["review"], description="Accept selected annotations into the gold version")
    def accept_selected(self, request, queryset):
        return self.review_selected(request, queryset, "accept")

    @admin.action(permissions=["review"], description="Reject selected annotations")
    def reject_selected(self, request, queryset):
        return self.review_selected(request, queryset, "reject")

    @admin.action(permissions=["review"], description="Mark selected annotations disputed")
    def dispute_selected(self, request, queryset):
        return self.review_selected(request, queryset, "dispute")

    @admin.action(permissions=["review"], description="Un-accept selected annotations, out of the gold version")
    def unaccept_selected(self, request, queryset):
        return self.review_selected(request, queryset, "unaccept")

    def review_selected(self, request, queryset, action):
        """Ask for a note, then review every selected annotation at the version shown, or none of them."""
        annotations = list(queryset.select_related("label__layer", "annotator", "segment"))
        form = ReviewNoteForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(request, "annotate/review_admin_confirm.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                "annotations": annotations, "action": action, "action_name": f"{action}_selected",
                "done": REVIEW_DONE[action],
                "title": f"{REVIEW_VERBS[action]} {len(annotations)} annotation{pluralize(len(annotations))}",
            })
        items = [(a.pk, versions_of(request.POST).get(a.pk, a.version)) for a in annotations]
        try:
            results = review_annotations(reviewer=request.user, items=items, action=action,
                                         note=form.cleaned_data["note"])
        except TagError as error:
            self.message_user(request, f"Nothing was saved: {error}", level=messages.ERROR)
            return None
        golds = {r.gold.pk for r in results if r.gold}
        done = f"{REVIEW_DONE[action].capitalize()}: {len(results)} annotation{pluralize(len(results))}"
        gold = f", {len(golds)} gold annotation{pluralize(len(golds))}" if golds else ""
        self.message_user(request, done + gold, level=messages.SUCCESS)
        return None


def is_id(value):
    """Return whether a URL part is a whole number, as every annotation and history id is."""
    return value.isascii() and value.isdigit()


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
    list_filter = [("segment__document__project", admin.RelatedOnlyFieldListFilter),
                   ("annotator", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["segment", "annotator"]


@admin.register(SegmentComment)
class SegmentCommentAdmin(ReviewScopedAdmin):
    project_path = "segment__document__project"
    list_display = ["segment", "author", "created_at", "text"]
    list_filter = [("segment__document__project", admin.RelatedOnlyFieldListFilter),
                   ("author", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text"]
    list_select_related = ["segment", "author"]
    # Not raw_id_fields: that widget names whatever row an id points to, in any project.
    autocomplete_fields = ["segment"]
