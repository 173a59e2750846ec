"""Codebook drafts: start the next version, edit it, check it, publish it; import and export as JSON.

Every function is keyword-only and all or nothing. An edit names the draft revision it saw and is refused,
never applied, when someone else changed the draft since.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from annotate.audit import record
from annotate.codebook_checks import check_codebook_data
from annotate.codebooks import LABEL_FIELDS, LAYER_FIELDS, export_codebook
from annotate.models import Codebook, Label, Layer, Project

LAYER_EDITS = ("key", *LAYER_FIELDS)
LABEL_EDITS = ("key", *LABEL_FIELDS)
STALE = "the draft was changed by someone else: reload"


class DraftError(Exception):
    """An edit, publication or import that was refused; nothing was saved."""

    def __init__(self, message, problems=()):
        self.problems = list(problems)
        if self.problems:
            message = f"{message}: " + "; ".join(f"{path}: {text}" for path, text in self.problems)
        super().__init__(message)


class StaleDraft(DraftError):
    """The draft changed since the editor saw it."""


def open_draft(project):
    """Return the project's draft of its next codebook version, or None."""
    return Codebook.objects.filter(made_for=project, status=Codebook.Status.DRAFT).first()


def _next_version(key):
    return (Codebook.objects.filter(key=key).aggregate(top=Max("version"))["top"] or 0) + 1


@transaction.atomic
def start_draft(*, project, user):
    """Return the project's open draft, or copy its codebook into a new one (each row continuing its original)."""
    Project.objects.select_for_update().get(pk=project.pk)
    existing = open_draft(project)
    if existing is not None:
        return existing
    base = project.codebook
    draft = Codebook.objects.create(
        key=base.key, version=_next_version(base.key), name=base.name, description=base.description,
        status=Codebook.Status.DRAFT, based_on=base, made_for=project, created_by=user,
    )
    origins = []
    for old_layer in base.layers.prefetch_related("labels"):
        layer = Layer.objects.create(
            codebook=draft, key=old_layer.key, order=old_layer.order, origin=old_layer,
            **{field: getattr(old_layer, field) for field in LAYER_FIELDS},
        )
        labels = Label.objects.bulk_create([
            Label(layer=layer, key=old.key, order=old.order, **{field: getattr(old, field) for field in LABEL_FIELDS})
            for old in old_layer.labels.all()
        ])
        origins += [Label.origins.through(from_label_id=new.pk, to_label_id=old.pk)
                    for new, old in zip(labels, old_layer.labels.all(), strict=True)]
    Label.origins.through.objects.bulk_create(origins)
    record(project=project, actor=user, action="codebook.draft", codebook=draft.pk,
           summary=f"started a draft of {draft.name} v{draft.version} from v{base.version}")
    return draft


@contextmanager
def _editing(draft, revision, user, summary, action="codebook.edit"):
    """Lock the draft, refuse a published or stale one, then count the edit and record it in the audit log."""
    with transaction.atomic():
        current = Codebook.objects.select_for_update().get(pk=draft.pk)
        if current.status != Codebook.Status.DRAFT:
            raise DraftError(f"{current} is published, and a published version cannot change")
        if str(current.revision) != str(revision):
            raise StaleDraft(STALE)
        yield current
        Codebook.objects.filter(pk=draft.pk).update(revision=F("revision") + 1)
        draft.revision = current.revision + 1
        if current.made_for_id and summary is not None:
            record(project=current.made_for, actor=user, action=action, codebook=draft.pk,
                   summary=f"{current.name} v{current.version} draft: {summary()}")


def _own(draft, row):
    """Refuse a layer or label that is not part of the draft."""
    codebook_id = row.codebook_id if isinstance(row, Layer) else row.layer.codebook_id
    if codebook_id != draft.pk:
        raise DraftError(f"{row} is not part of the draft")


def _apply(row, fields, allowed, exclude):
    """Set the fields on the row and validate them; raise DraftError naming a bad field."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise DraftError(f"unknown fields: {', '.join(unknown)}")
    for field, value in fields.items():
        setattr(row, field, value)
    try:
        row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise DraftError("the change was not saved", [
            (field, " ".join(messages)) for field, messages in error.message_dict.items()
        ]) from None


def _free_key(queryset, key, row=None):
    if queryset.filter(key=key).exclude(pk=getattr(row, "pk", None)).exists():
        raise DraftError("the change was not saved", [("key", f"'{key}' is already used here")])


def update_layer(*, draft, revision, user, layer, **fields):
    """Change a layer's fields (key, name, description, scope, multiple, attributes, relation_endpoints)."""
    _own(draft, layer)
    with _editing(draft, revision, user, lambda: f"changed layer {layer.key} ({', '.join(sorted(fields))})"):
        _apply(layer, fields, LAYER_EDITS, ["codebook", "origin"])
        _free_key(draft.layers.all(), layer.key, layer)
        layer.save()
    return layer


def add_layer(*, draft, revision, user, key, name, scope, **fields):
    """Add a new layer (no origin: it carries no tags from the previous version) at the end of the draft."""
    layer = Layer(codebook=draft, key=key, name=name, scope=scope, order=draft.layers.count())
    with _editing(draft, revision, user, lambda: f"added layer {key}"):
        _apply(layer, fields, LAYER_EDITS, ["codebook", "origin"])
        _free_key(draft.layers.all(), key)
        layer.save()
    return layer


def remove_layer(*, draft, revision, user, layer):
    """Remove a layer and its labels from the draft."""
    _own(draft, layer)
    with _editing(draft, revision, user, lambda: f"removed layer {layer.key}"):
        layer.delete()


def _follow_key(draft, label, new_key):
    """Make the draft's references to a label key (required attributes, relation ends) follow it to new_key.

    new_key None drops the layer's attribute references, and leaves relation ends for the checks to name.
    """
    layer = Layer.objects.get(pk=label.layer_id)
    attributes = [
        {**spec, "required_for": list(dict.fromkeys(
            new_key if key == label.key else key for key in spec["required_for"] if key != label.key or new_key))}
        if isinstance(spec, dict) and isinstance(spec.get("required_for"), list) else spec
        for spec in layer.attributes
    ]
    if attributes != layer.attributes:
        layer.attributes = attributes
        layer.save(update_fields=["attributes"])
    if layer.scope != Layer.Scope.SPAN or new_key is None:
        return
    for relation in draft.layers.filter(scope=Layer.Scope.RELATION):
        ends = relation.relation_endpoints
        if isinstance(ends, dict) and label.key in ends.values():
            relation.relation_endpoints = {role: new_key if key == label.key else key for role, key in ends.items()}
            relation.save(update_fields=["relation_endpoints"])


def update_label(*, draft, revision, user, label, **fields):
    """Change a label's fields (key, name, definition, example, color, hotkey, technique)."""
    _own(draft, label)
    old_key = label.key
    with _editing(draft, revision, user, lambda: f"changed label {label.layer.key}:{old_key} "
                  + (f"to {label.key} " if label.key != old_key else "") + f"({', '.join(sorted(fields))})"):
        _apply(label, fields, LABEL_EDITS, ["layer"])
        _free_key(label.layer.labels.all(), label.key, label)
        if label.key != old_key:
            renamed, label.key = label.key, old_key
            _follow_key(draft, label, renamed)
            label.key = renamed
        label.save()
    return label


def add_label(*, draft, revision, user, layer, key, name, **fields):
    """Add a new label (no origins) at the end of a layer of the draft."""
    _own(draft, layer)
    label = Label(layer=layer, key=key, name=name, order=layer.labels.count())
    with _editing(draft, revision, user, lambda: f"added label {layer.key}:{key}"):
        _apply(label, fields, LABEL_EDITS, ["layer"])
        _free_key(layer.labels.all(), key)
        label.save()
    return label


def remove_label(*, draft, revision, user, label):
    """Remove a label from the draft: its tags will need a choice when a project moves to this version."""
    _own(draft, label)
    with _editing(draft, revision, user, lambda: f"removed label {label}"):
        _follow_key(draft, label, None)
        label.delete()


def merge_labels(*, draft, revision, user, label, into):
    """Merge label into another label of the same layer: it disappears and its origins join into's."""
    _own(draft, label)
    _own(draft, into)
    if label.layer_id != into.layer_id or label.pk == into.pk:
        raise DraftError("the change was not saved", [("into", "merge into another label of the same layer")])
    with _editing(draft, revision, user, lambda: f"merged label {label} into {into.key}"):
        into.origins.add(*label.origins.all())
        _follow_key(draft, label, into.key)
        label.delete()
    return into


def split_label(*, draft, revision, user, label, key, name):
    """Add a label with the same origins as label, so the tags of the origin are split between the two."""
    _own(draft, label)
    new = Label(layer=label.layer, key=key, name=name, color=label.color, technique=label.technique,
                order=label.layer.labels.count())
    with _editing(draft, revision, user, lambda: f"split label {label} into {label.key} and {key}"):
        _apply(new, {}, (), ["layer"])
        _free_key(label.layer.labels.all(), key)
        new.save()
        new.origins.set(label.origins.all())
    return new


def describe_draft(codebook):
    """Return a codebook as export_codebook() does, with what the checks need to know of its origins."""
    data = export_codebook(codebook)
    layers = codebook.layers.select_related("origin").prefetch_related("labels__origins")
    for layer, described in zip(layers, data["layers"], strict=True):
        described["origin_scope"] = layer.origin.scope if layer.origin else None
        described["origin_lineage"] = layer.origin_id
        for label, described_label in zip(layer.labels.all(), described["labels"], strict=True):
            described_label["origin_layers"] = [origin.layer_id for origin in label.origins.all()]
    return data


def check_draft(draft):
    """Return [(field path, message)]: the problems that keep the draft from being published."""
    return check_codebook_data(describe_draft(draft))


def publish(*, draft, revision, user):
    """Publish the draft as an immutable version; refuse while check_draft() finds problems."""
    with _editing(draft, revision, user, None):
        problems = check_draft(draft)
        if problems:
            raise DraftError(f"{draft} cannot be published yet", problems)
        Codebook.objects.filter(pk=draft.pk).update(status=Codebook.Status.PUBLISHED, published_at=timezone.now())
    draft.refresh_from_db()
    if draft.made_for_id:
        record(project=draft.made_for, actor=user, action="codebook.publish", codebook=draft.pk,
               summary=f"published {draft.name} v{draft.version}")
    return draft


@transaction.atomic
def discard_draft(*, draft, revision, user):
    """Delete the open draft and everything in it."""
    with _editing(draft, revision, user, lambda: "discarded", action="codebook.discard"):
        Layer.objects.filter(codebook=draft).delete()
        Codebook.objects.filter(pk=draft.pk).delete()


def export_data(codebook):
    """Return a version as JSON data that load_codebook() and import_draft() read, naming the version it is based on."""
    data = export_codebook(codebook)
    based_on = Codebook.objects.filter(pk=codebook.based_on_id).values("key", "version").first()
    return {**data, "based_on": based_on}


def _imported_rows(data, base):
    """Return [(Layer, [Label])] built (unsaved) from JSON data, with problems of their fields, matched to base."""
    rows, problems = [], []
    base_layers = {layer.key: layer for layer in base.layers.prefetch_related("labels")}
    for layer_order, layer_data in enumerate(data["layers"]):
        origin = base_layers.get(layer_data.get("key"))
        layer = Layer(key=layer_data.get("key"), order=layer_order, origin=origin,
                      **{field: layer_data[field] for field in LAYER_FIELDS if field in layer_data})
        labels = [
            Label(key=label_data.get("key"), order=label_order,
                  **{field: label_data[field] for field in LABEL_FIELDS if field in label_data})
            for label_order, label_data in enumerate(layer_data.get("labels", []))
        ]
        for path, row in [(layer.key, layer), *((f"{layer.key}.{label.key}", label) for label in labels)]:
            try:
                row.full_clean(exclude=["codebook", "layer", "origin"], validate_unique=False,
                               validate_constraints=False)
            except ValidationError as error:
                problems += [(f"{path}.{field}", " ".join(texts)) for field, texts in error.message_dict.items()]
        rows.append((layer, labels))
    return rows, problems


@transaction.atomic
def import_draft(*, project, user, data):
    """Create the project's next draft from a codebook's JSON data, its labels continuing those of the same keys."""
    Project.objects.select_for_update().get(pk=project.pk)
    if open_draft(project) is not None:
        raise DraftError("the project already has a draft: publish or discard it first")
    if not isinstance(data, dict) or not isinstance(data.get("layers"), list) or not data.get("name"):
        raise DraftError("the file is not a codebook", [("name", "needed"), ("layers", "a list of layers is needed")])
    scopes = dict(project.codebook.layers.values_list("key", "scope"))
    for layer_data in data["layers"]:
        if isinstance(layer_data, dict) and isinstance(layer_data.get("key"), str):
            layer_data["origin_scope"] = scopes.get(layer_data["key"])
    problems = check_codebook_data(data)
    if not problems:
        rows, problems = _imported_rows(data, project.codebook)
    if problems:
        raise DraftError("the codebook was not imported", problems)
    base = project.codebook
    draft = Codebook.objects.create(
        key=base.key, version=_next_version(base.key), name=str(data["name"])[:200],
        description=str(data.get("description", "")), status=Codebook.Status.DRAFT,
        based_on=base, made_for=project, created_by=user,
    )
    for layer, labels in rows:
        layer.codebook = draft
        layer.save()
        old = {label.key: label for label in layer.origin.labels.all()} if layer.origin else {}
        for label in labels:
            label.layer = layer
        Label.objects.bulk_create(labels)
        Label.origins.through.objects.bulk_create([
            Label.origins.through(from_label_id=label.pk, to_label_id=old[label.key].pk)
            for label in labels if label.key in old
        ])
    record(project=project, actor=user, action="codebook.import", codebook=draft.pk,
           summary=f"imported {draft.name} as draft v{draft.version}")
    return draft
