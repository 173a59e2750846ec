"""Codebooks: load a version from its JSON description, and write one back out."""

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from annotate.models import Codebook, Label, Layer
from annotate.techniques import INVENTORY

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# Every shipped version stays loadable: projects made with v1 keep it, new ones get the latest.
SHIPPED_CODEBOOKS = (FIXTURES / "codebook-default-v1.json", FIXTURES / "codebook-default-v2.json")
DEFAULT_CODEBOOK = SHIPPED_CODEBOOKS[-1]
LAYER_FIELDS = ("name", "description", "scope", "multiple", "attributes", "relation_endpoints")
LABEL_FIELDS = ("name", "definition", "example", "color", "hotkey", "technique")


# The six SemEval-2023 categories in the order the inventory lists them.
CATEGORY_ORDER = {category: n for n, category in enumerate(dict.fromkeys(t.category for t in INVENTORY))}


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


def versions_of(project):
    """Return the versions a project's managers may see: its codebook's published lineage and its own drafts."""
    return Codebook.objects.filter(key=project.codebook.key).filter(
        Q(status=Codebook.Status.PUBLISHED) | Q(made_for=project)).order_by("-version")


def label_groups(labels):
    """Return [(category or None, labels)] in category order, so a long list of techniques reads by group.

    Labels keep their order within a group; labels with no technique category come last, as one group.
    """
    groups = {}
    for label in labels:
        groups.setdefault(label.category, []).append(label)
    return sorted(groups.items(), key=lambda group: CATEGORY_ORDER.get(group[0], len(CATEGORY_ORDER)))


def label_successors(old, new):
    """Return {old label id: [new label ids]}: where each label's tags go when a project moves from old to new.

    A version drafted (perhaps over several versions) from old says so through its labels' origins;
    an unrelated one, such as a codebook imported from another project, is matched by layer and label key.
    """
    chain = [new]
    while chain[-1].based_on_id and chain[-1].pk != old.pk and len(chain) < 100:
        chain.append(Codebook.objects.get(pk=chain[-1].based_on_id))
    if chain[-1].pk != old.pk:
        return _successors_by_key(old, new)
    mapping = {pk: [pk] for pk in Label.objects.filter(layer__codebook=old).values_list("pk", flat=True)}
    for later in reversed(chain[:-1]):
        step = {}
        pairs = Label.origins.through.objects.filter(from_label__layer__codebook=later)
        for new_id, origin_id in pairs.values_list("from_label_id", "to_label_id").order_by("from_label_id"):
            step.setdefault(origin_id, []).append(new_id)
        mapping = {pk: [n for mid in targets for n in step.get(mid, [])] for pk, targets in mapping.items()}
    return {pk: sorted(set(targets)) for pk, targets in mapping.items()}


def _successors_by_key(old, new):
    """Return {old label id: [the label of new with the same layer and label key]} (empty when there is none)."""
    by_key = {
        (layer, key): pk
        for layer, key, pk in Label.objects.filter(layer__codebook=new).values_list("layer__key", "key", "pk")
    }
    return {
        pk: [by_key[(layer, key)]] if (layer, key) in by_key else []
        for layer, key, pk in Label.objects.filter(layer__codebook=old).values_list("layer__key", "key", "pk")
    }
