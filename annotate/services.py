"""Writes that span several rows and must be all or nothing."""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from annotate.models import Annotation, Codebook, Label, Layer, Membership, Project, Source

DEFAULT_CODEBOOK = Path(settings.BASE_DIR) / "fixtures" / "codebook-default-v1.json"
LAYER_FIELDS = ("name", "description", "scope", "multiple", "attributes", "relation_endpoints")
LABEL_FIELDS = ("name", "definition", "example", "color", "hotkey", "technique")


class CodebookError(Exception):
    """A codebook file that cannot be loaded."""


def codebook_signature(data):
    """Return the parts of a codebook that annotations depend on, for comparing versions."""
    return [
        (layer["key"], layer["scope"], sorted(label["key"] for label in layer["labels"]))
        for layer in data["layers"]
    ]


def load_codebook(data):
    """Create a codebook version from its JSON description; an identical existing version is reused."""
    try:
        key, version, layers = data["key"], int(data["version"]), data["layers"]
    except (KeyError, TypeError, ValueError) as error:
        raise CodebookError(f"codebook needs 'key', an integer 'version' and 'layers' ({error})") from None
    existing = Codebook.objects.filter(key=key, version=version).first()
    if existing is not None:
        if codebook_signature(export_codebook(existing)) != codebook_signature(data):
            raise CodebookError(
                f"codebook '{key}' version {version} already exists with other layers or labels: "
                "raise the version number to load a changed codebook"
            )
        return existing, False
    with transaction.atomic():
        codebook = Codebook.objects.create(
            key=key, version=version, name=data.get("name", key), description=data.get("description", "")
        )
        for layer_order, layer_data in enumerate(layers):
            if layer_data.get("scope") not in Layer.Scope.values:
                raise CodebookError(f"layer '{layer_data.get('key')}': scope must be one of {Layer.Scope.values}")
            layer = Layer.objects.create(
                codebook=codebook,
                key=layer_data["key"],
                order=layer_order,
                **{field: layer_data[field] for field in LAYER_FIELDS if field in layer_data},
            )
            labels = [
                Label(layer=layer, key=label_data["key"], order=label_order,
                      **{field: label_data[field] for field in LABEL_FIELDS if field in label_data})
                for label_order, label_data in enumerate(layer_data.get("labels", []))
            ]
            for label in labels:
                label.full_clean(exclude=["layer"])
            Label.objects.bulk_create(labels)
    return codebook, True


def load_codebook_file(path=DEFAULT_CODEBOOK):
    """Load a codebook from a JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CodebookError(f"{path}: cannot read codebook JSON ({error})") from None
    return load_codebook(data)


def export_codebook(codebook):
    """Return a codebook as the JSON structure load_codebook() reads."""
    layers = codebook.layers.prefetch_related("labels")
    return {
        "key": codebook.key,
        "name": codebook.name,
        "version": codebook.version,
        "description": codebook.description,
        "layers": [
            {
                "key": layer.key,
                **{field: getattr(layer, field) for field in LAYER_FIELDS},
                "labels": [
                    {"key": label.key, **{field: getattr(label, field) for field in LABEL_FIELDS}}
                    for label in layer.labels.all()
                ],
            }
            for layer in layers
        ],
    }


DEMO_PROJECT = "telesur-iran-venezuela"
DEMO_USERS = (
    ("manager", Membership.Role.MANAGER),
    ("annotator1", Membership.Role.ANNOTATOR),
    ("annotator2", Membership.Role.ANNOTATOR),
    ("reviewer", Membership.Role.REVIEWER),
)
DEMO_ARTICLE = Path(settings.BASE_DIR) / "fixtures" / "telesur-iran-venezuela-2025-06-09.txt"
DEMO_GUIDELINES = """\
# Guidelines

Read the whole article once, then tag sentence by sentence.

- **Framing**: every frame a sentence evokes; *No frame* for transitions.
- **Loaded language**: mark the smallest phrase that carries the charge; say whose voice it is.
- **Sentence bias**: does the wording take a side?
- **Attribution**: mark source, cue and content, then link content to source.
- **Missing perspectives**: at article level, anchored to the sentence where the gap matters most.

Mark a sentence *done* even when there is nothing to tag: that is data too.
"""


def create_demo(*, reset_passwords=False):
    """Create the demo project with the TeleSUR article and four demo users; return new passwords."""
    from annotate.importing import import_article, read_article

    codebook, _ = load_codebook_file()
    passwords = {}
    with transaction.atomic():
        Source.objects.update_or_create(
            name="TeleSUR",
            defaults={
                "country": "Venezuela (Caracas)",
                "funding_note": "State-funded: majority-owned by the Venezuelan government, "
                "with minority stakes from other Latin American governments.",
                "url": "https://www.telesurenglish.net/",
            },
        )
        project, _ = Project.objects.get_or_create(
            slug=DEMO_PROJECT,
            defaults={
                "name": "TeleSUR: Iran-Venezuela relations (June 2025)",
                "codebook": codebook,
                "guidelines": DEMO_GUIDELINES,
                "blind": True,
            },
        )
        User = get_user_model()
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username)
            if created or reset_passwords:
                passwords[username] = secrets.token_urlsafe(9)
                user.set_password(passwords[username])
                user.save()
            Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
        manager = User.objects.get(username="manager")
        import_article(project=project, name=DEMO_ARTICLE.name, raw=read_article(DEMO_ARTICLE), user=manager)
    return project, passwords


class StaleVersion(Exception):
    """The annotation changed since the client loaded it."""


def save_annotation(annotation, *, user, expected_version=None):
    """Save a checked annotation; an edit only lands if the stored version is still the one expected."""
    annotation._history_user = user
    with transaction.atomic():
        if annotation.pk is None:
            annotation.save()
            return annotation
        # The conditional UPDATE takes the row lock and proves nobody saved in between.
        bumped = Annotation.objects.filter(pk=annotation.pk, version=expected_version).update(
            version=F("version") + 1
        )
        if not bumped:
            raise StaleVersion
        annotation.version = expected_version + 1
        annotation.save()
    return annotation


def delete_annotation(annotation, *, user, expected_version):
    """Delete an annotation if nobody changed it since expected_version; history keeps the last state."""
    annotation._history_user = user
    with transaction.atomic():
        if not Annotation.objects.filter(pk=annotation.pk, version=expected_version).update(
            version=F("version") + 1
        ):
            raise StaleVersion
        annotation.version = expected_version + 1
        annotation.delete()
