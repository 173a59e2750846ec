"""The domain: sources, documents cut into segments, codebooks, projects, annotations."""

import hashlib
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from annotate import techniques

HEX_COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb.")
# A page may link to a stored address, so only web addresses are stored: never javascript: or data:.
WEB_URL = URLValidator(schemes=["http", "https"], message="Enter a web address starting with http:// or https://.")


class WebURLField(models.URLField):
    """A URLField that takes http and https addresses only."""

    default_validators = [WEB_URL]

    def formfield(self, **kwargs):
        # A form completes an address typed without a scheme as https://.
        return super().formfield(**{"assume_scheme": "https", **kwargs})


def link_or_empty(url):
    """Return url if a page may link to it, else "" (for rows stored before the scheme rule)."""
    try:
        WEB_URL(url)
    except ValidationError:
        return ""
    return url

# Set only by annotate.tags.write_path(): every write to an Annotation row happens inside it.
IN_WRITE_PATH = ContextVar("in_write_path", default=False)


class OutsideWritePath(RuntimeError):
    """An Annotation was saved, changed or deleted without going through annotate.tags."""

    def __init__(self, what):
        super().__init__(f"{what} an Annotation outside annotate.tags: use its do_… functions")


class PublishedCodebookError(RuntimeError):
    """A row of a published codebook version was changed or deleted: published versions never change."""

    def __init__(self, what):
        super().__init__(f"{what} is part of a published codebook version, which cannot change: edit a draft instead")


def refuse_if_published(row, published):
    """Raise PublishedCodebookError if an existing row belongs to a published version (published: a queryset)."""
    if not row._state.adding and published.filter(status=Codebook.Status.PUBLISHED).exists():
        raise PublishedCodebookError(str(row))


def require_write_path(what):
    """Raise OutsideWritePath unless called from inside annotate.tags.write_path()."""
    if not IN_WRITE_PATH.get():
        raise OutsideWritePath(what)


class Source(models.Model):
    """An outlet: who published the article and who pays for it."""

    name = models.CharField(max_length=200, unique=True)
    country = models.CharField(max_length=100, blank=True)
    funding_note = models.TextField(
        blank=True, help_text="Ownership and funding, e.g. 'majority-funded by the Venezuelan state'."
    )
    url = WebURLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def link_url(self):
        """Return the outlet's address if it is safe to link to, else ""."""
        return link_or_empty(self.url)


class Codebook(models.Model):
    """A versioned set of layers and labels; annotations point to the version they used.

    A draft is the next version being edited in the app; once published a version never changes.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The version this one was drafted from.",
    )
    made_for = models.ForeignKey(
        "Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="codebook_drafts",
        help_text="The project whose managers drafted this version.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Raised by every edit of a draft, so two managers editing it cannot overwrite each other."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="codebook_key_version_unique")]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs):
        refuse_if_published(self, Codebook.objects.filter(pk=self.pk))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_published(self, Codebook.objects.filter(pk=self.pk))
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT


class Layer(models.Model):
    """One dimension of the codebook, e.g. framing or loaded language."""

    class Scope(models.TextChoices):
        SEGMENT = "segment", "whole sentence"
        SPAN = "span", "phrase inside a sentence"
        DOCUMENT = "document", "whole article"
        RELATION = "relation", "link between two phrases"

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="layers")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    multiple = models.BooleanField(default=True, help_text="Several labels of this layer may apply to one unit.")
    attributes = models.JSONField(
        default=list,
        blank=True,
        help_text="Declared attributes: [{key, name, type: choice|text|bool, choices, required, required_for}].",
    )
    relation_endpoints = models.JSONField(
        default=dict,
        blank=True,
        help_text='For relation layers: which span labels each end must carry, e.g. {"content": "content"}.',
    )
    origin = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="successors",
        help_text="The layer of the previous version this one continues.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["codebook", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["codebook", "key"], name="layer_key_unique_in_codebook")]

    def __str__(self):
        return f"{self.name} ({self.scope})"

    def save(self, *args, **kwargs):
        refuse_if_published(self, Codebook.objects.filter(layers=self.pk))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_published(self, Codebook.objects.filter(layers=self.pk))
        return super().delete(*args, **kwargs)

    def attribute_spec(self):
        """Return the declared attributes keyed by name."""
        return {spec["key"]: spec for spec in self.attributes}


class Label(models.Model):
    """A value annotators can give within a layer."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="labels")
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    example = models.TextField(blank=True)
    color = models.CharField(max_length=7, default="#888888", validators=[HEX_COLOR])
    hotkey = models.CharField(max_length=1, blank=True)
    technique = models.CharField(
        max_length=100, blank=True, help_text="The string of the published scheme this label maps to, for exports."
    )
    origins = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="successors",
        help_text="The labels of the previous version this one continues: one when kept or renamed, "
        "several when merged.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["layer", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["layer", "key"], name="label_key_unique_in_layer")]

    def __str__(self):
        return f"{self.layer.key}:{self.key}"

    def save(self, *args, **kwargs):
        refuse_if_published(self, Codebook.objects.filter(layers__labels=self.pk))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        refuse_if_published(self, Codebook.objects.filter(layers__labels=self.pk))
        return super().delete(*args, **kwargs)

    @property
    def category(self) -> str | None:
        """Return the SemEval-2023 category of the label's technique, from the one inventory table, or None."""
        known = techniques.BY_NAME.get(self.technique)
        return known.category if known else None

    @property
    def technique_2020(self) -> str | None:
        """Return the technique's SemEval-2020 Task 11 name, or None where that task did not have it."""
        return techniques.scheme_name(self.technique, "2020")


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the projects the user is a member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Project(models.Model):
    """A group of documents annotated by its members with one codebook."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    codebook = models.ForeignKey(Codebook, on_delete=models.PROTECT, related_name="projects")
    guidelines = models.TextField(blank=True, help_text="Markdown, shown to annotators beside the article.")
    blind = models.BooleanField(default=True, help_text="Annotators see only their own tags until review.")
    annotators_per_segment = models.PositiveIntegerField(default=2)

    class Assigning(models.TextChoices):
        OPEN = "open", "everyone annotates every sentence"
        ROUND_ROBIN = "round_robin", "whole documents, round-robin"
        BALANCED = "balanced", "whole documents, balanced by sentence count"
        NEXT_FREE = "next_free", "next free sentences, as annotators ask for work"

    assigning = models.CharField(
        max_length=20, choices=Assigning.choices, default=Assigning.OPEN,
        help_text="How work reaches annotators. Open: no assignment, every sentence is everyone's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ANNOTATOR = "annotator", "annotator"
        REVIEWER = "reviewer", "reviewer"
        MANAGER = "manager", "manager"

    REVIEWING = (Role.REVIEWER, Role.MANAGER)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.ANNOTATOR)

    class Meta:
        ordering = ["project", "user"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="one_membership_per_user_and_project")]

    def __str__(self):
        return f"{self.user} in {self.project} as {self.role}"

    @classmethod
    def can_review(cls, role):
        """Return whether a role (or None, for a non-member) may review tags and see everyone's work."""
        return role in cls.REVIEWING

    @classmethod
    def can_manage(cls, role):
        """Return whether a role (or None) may import documents, restore exports and manage members."""
        return role == cls.Role.MANAGER

    @classmethod
    def roles_of(cls, user):
        """Return {project id: role} for a user; empty for an anonymous one."""
        if not user.is_authenticated:
            return {}
        return dict(cls.objects.filter(user=user).values_list("project_id", "role"))

    @classmethod
    def projects_where(cls, user, *, review=False, manage=False):
        """Return a subquery of the ids of the user's projects, limited to those they review or manage."""
        memberships = cls.objects.filter(user=user)
        if manage:
            memberships = memberships.filter(role=cls.Role.MANAGER)
        elif review:
            memberships = memberships.filter(role__in=cls.REVIEWING)
        return memberships.values("project")



class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the documents of the user's projects."""
        return self.filter(project__in=Project.objects.visible_to(user))

    def with_segment_count(self):
        """Annotate each document with its number of segments."""
        # A subquery, not Count("segments"): grouping the join by every column made SQLite copy the
        # article text once per segment, so a long document took time with the square of its length.
        segments = Segment.objects.filter(document=OuterRef("pk")).order_by().values("document")
        counted = Subquery(segments.annotate(n=models.Count("pk")).values("n"), output_field=models.IntegerField())
        return self.annotate(segment_count=Coalesce(counted, 0))


class Document(models.Model):
    """An article, its canonical text stored verbatim."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    title = models.CharField(max_length=500)
    standfirst = models.TextField(blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    url = WebURLField(blank=True)
    language = models.CharField(max_length=10, default="en")
    filename = models.CharField(max_length=255, blank=True)
    external_id = models.CharField(
        max_length=200, blank=True, db_index=True,
        help_text="The article's id in the collection it came from, e.g. 111111111 for SemEval's article111111111.txt.",
    )
    text = models.TextField(help_text="The article exactly as imported; segment offsets point into it.")
    text_sha256 = models.CharField(max_length=64, editable=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    import_warnings = models.JSONField(
        default=list, blank=True, editable=False,
        help_text="What to check in this document's sentences, e.g. paragraphs split by a simpler rule.",
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "text_sha256"], name="document_text_unique_in_project")
        ]

    def __str__(self):
        return self.title

    @property
    def link_url(self):
        """Return the article's address if it is safe to link to, else ""."""
        return link_or_empty(self.url)


class SegmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the segments of the user's projects."""
        return self.filter(document__project__in=Project.objects.visible_to(user))


class Segment(models.Model):
    """A sentence (or title, standfirst, heading) of a document, by code-point offsets."""

    class Kind(models.TextChoices):
        TITLE = "title"
        STANDFIRST = "standfirst"
        HEADING = "heading"
        BODY = "body"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BODY)
    paragraph = models.PositiveIntegerField(default=0)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="document.text[start:end], stored for speed.")

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["document", "index"]
        constraints = [
            models.UniqueConstraint(fields=["document", "index"], name="segment_index_unique_in_document"),
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="segment_start_before_end"),
        ]

    def __str__(self):
        return f"{self.document_id}#{self.index}: {self.text[:60]}"


class AnnotationQuerySet(models.QuerySet):
    # Bulk writes skip save() and delete(), so they are guarded here as well.
    def update(self, **kwargs):
        require_write_path("updated")
        return super().update(**kwargs)

    def delete(self):
        require_write_path("deleted")
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        require_write_path("bulk-created")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, *args, **kwargs):
        require_write_path("bulk-updated")
        return super().bulk_update(objs, *args, **kwargs)

    def visible_to(self, user):
        """Return the annotations the user may see: their own, and others' unless blind mode hides them."""
        if not user.is_authenticated:
            return self.none()
        memberships = Membership.objects.filter(user=user)
        open_projects = memberships.filter(project__blind=False)
        return self.filter(
            Q(project__in=Membership.projects_where(user, review=True))
            | Q(project__in=open_projects.values("project"))
            | Q(project__in=memberships.values("project"), annotator=user)
        )


class Annotation(models.Model):
    """One tag by one annotator: on a sentence, a span, the whole document, or a link between spans."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REJECTED = "rejected"
        DISPUTED = "disputed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="annotations")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="annotations")
    segment = models.ForeignKey(
        Segment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="annotations",
        help_text="The sentence tagged; for an article-level tag, the sentence where it matters most (optional).",
    )
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="annotations")
    start = models.PositiveIntegerField(null=True, blank=True, help_text="Span start inside the sentence.")
    end = models.PositiveIntegerField(null=True, blank=True, help_text="Span end inside the sentence (exclusive).")
    quote = models.TextField(blank=True, help_text="The marked words, exactly as in the sentence.")
    attributes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    relation_content = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+", help_text="What is attributed."
    )
    relation_source = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+", help_text="Who it is attributed to."
    )
    relation_cue = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="The attributing word."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    gold = models.BooleanField(default=False, help_text="Part of the adjudicated version.")
    edited = models.BooleanField(
        default=False, help_text="Gold only: a reviewer changed the tag while accepting it (edit, then accept)."
    )
    provenance = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="gold_versions", help_text="Tags this gold tag came from."
    )
    import_source = models.CharField(
        max_length=100, blank=True, editable=False,
        help_text="For an imported tag, the dataset or format it came from, e.g. 'semeval-2020'; blank if made here.",
    )
    import_file = models.CharField(
        max_length=255, blank=True, editable=False, help_text="For an imported tag, the file it was read from."
    )
    client_key = models.UUIDField(
        null=True, blank=True, editable=False,
        help_text="Chosen by the client that created the tag, so a retried create does not make a second one.",
    )
    made_under = models.ForeignKey(
        Codebook, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        help_text="The codebook version the tag was made under, once its project has moved to a later one; "
        "blank while that is still its label's version.",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["modified_at"])
    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["document", "segment__index", "start", "id"]
        indexes = [models.Index(fields=["project", "document", "segment"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True)) | Q(start__lt=models.F("end")),
                name="annotation_span_start_before_end",
            ),
            models.UniqueConstraint(
                fields=["annotator", "client_key"], condition=Q(client_key__isnull=False),
                name="one_annotation_per_client_key",
            ),
        ]

    def __str__(self):
        where = f" '{self.quote}'" if self.quote else ""
        return f"{self.label}{where} by {self.annotator}"

    def save(self, *args, **kwargs):
        require_write_path("saved")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        require_write_path("deleted")
        return super().delete(*args, **kwargs)

    def clean(self):
        from annotate.validation import check_annotation

        check_annotation(self)


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the assignments the user may see: their own, and everyone's in projects they manage."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(project__in=Membership.projects_where(user, manage=True)) | Q(annotator=user))


class Assignment(models.Model):
    """Work given to one annotator: a whole document (no segment) or one sentence of it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assignments")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="assignments")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["project", "document", "segment", "annotator"]
        indexes = [models.Index(fields=["project", "annotator"])]
        constraints = [
            models.UniqueConstraint(fields=["document", "annotator"], condition=Q(segment__isnull=True),
                                    name="one_document_assignment_per_annotator"),
            models.UniqueConstraint(fields=["segment", "annotator"], condition=Q(segment__isnull=False),
                                    name="one_sentence_assignment_per_annotator"),
        ]

    def __str__(self):
        where = f"sentence {self.segment_id}" if self.segment_id else f"document {self.document_id}"
        return f"{where} to {self.annotator}"


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the entries of the projects the user manages."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(project__in=Membership.projects_where(user, manage=True))


class AuditEntry(models.Model):
    """One change to how a project is run: who did what, and when."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=50, help_text="What kind of change, e.g. 'member.added'.")
    summary = models.TextField(help_text="The change in one readable sentence.")
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["project", "at"])]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.summary}"


class SegmentProgressQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return progress the user may see: their own, and everyone's in projects they review."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(segment__document__project__in=Membership.projects_where(user, review=True))
            | Q(segment__document__project__in=Membership.projects_where(user), annotator=user)
        )


class SegmentProgress(models.Model):
    """An annotator has finished a sentence: untagged then means 'nothing to tag here'."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="progress")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress")
    done_at = models.DateTimeField(auto_now_add=True)

    objects = SegmentProgressQuerySet.as_manager()

    class Meta:
        ordering = ["segment", "annotator"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "annotator"], name="one_progress_per_segment_and_annotator")
        ]

    def __str__(self):
        return f"{self.annotator} finished {self.segment_id}"



class SegmentCommentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the comments on sentences of the user's projects, whoever wrote them."""
        return self.filter(segment__in=Segment.objects.visible_to(user))


class SegmentComment(models.Model):
    """A message in the discussion of one sentence, written by an annotator or a reviewer."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="segment_comments")
    text = models.TextField(max_length=5000, help_text="Your comment on this sentence, seen by every project member.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SegmentCommentQuerySet.as_manager()

    class Meta:
        ordering = ["segment", "created_at", "id"]

    def __str__(self):
        return f"{self.author} on {self.segment_id}: {self.text[:60]}"


class ApiTokenQuerySet(models.QuerySet):
    def expired(self):
        """Return the tokens past their expiry."""
        return self.filter(expires_at__lte=timezone.now())


class ApiToken(models.Model):
    """A key a script sends as `Authorization: Token <key>`; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for, e.g. 'nightly export'.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user} token {self.name or self.pk}"

    @staticmethod
    def hash_key(key):
        """Return the stored form of a key."""
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def expired(self):
        return self.expires_at <= timezone.now()
