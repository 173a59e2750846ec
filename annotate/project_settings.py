"""A project's own settings and the making of a new project: the one write path for both, audited."""

import hashlib
import json

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotate.audit import record
from annotate.models import Codebook, Membership, Project

SETTINGS_FIELDS = ("name", "description", "guidelines", "blind", "annotators_per_segment")
# Texts too long to quote in the audit log: the entry says only that they changed.
LONG_FIELDS = ("description", "guidelines")
# Addresses under /projects/ that are pages, not projects.
RESERVED_SLUGS = ("new",)
TOKEN_SALT = "annotate.project-settings"


class PerSentence(forms.IntegerField):
    """How many different annotators each sentence should get: 1 to 20."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=20, label="Annotators per sentence", **kwargs)


class SettingsForm(forms.ModelForm):
    annotators_per_segment = PerSentence()
    token = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = Project
        fields = ["name", "description", "guidelines", "blind", "annotators_per_segment"]
        labels = {"blind": "Blind mode"}
        widgets = {"guidelines": forms.Textarea(attrs={"rows": 14}), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guidelines"].help_text = "Markdown. Preview shows it as annotators will see it."
        self.initial.setdefault("token", settings_token(self.instance))


class CreateForm(forms.ModelForm):
    annotators_per_segment = PerSentence(initial=2)

    class Meta:
        model = Project
        fields = ["slug", "name", "description", "codebook", "blind", "annotators_per_segment"]
        labels = {"blind": "Blind mode"}
        help_texts = {"slug": "The project's address: letters, digits, hyphens and underscores."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codebook"].queryset = Codebook.objects.filter(status=Codebook.Status.PUBLISHED).order_by(
            "key", "-version")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"slug: “{slug}” is taken by a page of the site; choose another")
        return slug


def digest(value):
    """Return a short fingerprint of one setting's value."""
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def settings_token(project):
    """Return a signed token of the project's settings as they are now, for the form to carry."""
    return signing.dumps({field: digest(getattr(project, field)) for field in SETTINGS_FIELDS}, salt=TOKEN_SALT)


class StaleSettings(Exception):
    """The project changed after the form was loaded: the fields that did, with their values now."""

    def __init__(self, changed):
        super().__init__("changed since you opened the form: " + ", ".join(changed))
        self.changed = changed


def changed_since(project, token):
    """Return {field: value now} for the settings that differ from those the token was made from."""
    try:
        loaded = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return {field: getattr(project, field) for field in SETTINGS_FIELDS}
    return {field: getattr(project, field) for field in SETTINGS_FIELDS
            if loaded.get(field) != digest(getattr(project, field))}


def describe(field, old, new):
    """Return one change as the audit log shows it."""
    if field in LONG_FIELDS:
        return f"{field} changed"
    return f"{field} {old!r} → {new!r}"


def save_settings(*, project, actor, values, token):
    """Save the settings if nobody changed them since the form's token; return the changes as text."""
    with transaction.atomic():
        current = Project.objects.select_for_update().get(pk=project.pk)
        stale = changed_since(current, token)
        if stale:
            raise StaleSettings(stale)
        changes = {field: (getattr(current, field), values[field]) for field in SETTINGS_FIELDS
                   if getattr(current, field) != values[field]}
        if not changes:
            return []
        for field, (_, new) in changes.items():
            setattr(current, field, new)
        current.save(update_fields=list(changes))
        lines = [describe(field, old, new) for field, (old, new) in changes.items()]
        detail = {field: "changed" if field in LONG_FIELDS else [old, new] for field, (old, new) in changes.items()}
        record(project=current, actor=actor, action="settings.changed", summary="; ".join(lines), changes=detail)
    return lines


def may_create_projects(user):
    """Return whether a user may start a project: staff, or holders of the add-project permission."""
    return user.is_authenticated and (user.is_staff or user.has_perm("annotate.add_project"))


def create_project(*, actor, values):
    """Create a project with the actor as its manager."""
    try:
        with transaction.atomic():
            return make_project(actor, values)
    except IntegrityError:
        # Another request took the slug between the form's check and this insert.
        raise ValidationError({"slug": f"slug: “{values['slug']}” is taken; choose another"}) from None


def make_project(actor, values):
    """Insert the project, its first manager and the audit entry (inside the caller's transaction)."""
    project = Project.objects.create(**values)
    Membership.objects.create(project=project, user=actor, role=Membership.Role.MANAGER)
    record(project=project, actor=actor, action="project.created",
           summary=f"project created with codebook {project.codebook}", slug=project.slug, codebook=project.codebook_id)
    return project
