"""What changed between two codebook versions: layers and labels added, removed, renamed, merged, split, edited."""

import json

from annotate.codebooks import LABEL_FIELDS, LAYER_FIELDS, label_successors
from annotate.models import Label, Layer


def _changes(old, new, fields):
    """Return [(field, old value, new value)] for the fields that differ, JSON fields entry by entry."""
    changes = []
    for field in fields:
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            changes += _entries(field, before, after) if isinstance(before, (list, dict)) else [(field, before, after)]
    return changes


def _entries(field, before, after):
    """Return the changes of a JSON field (attributes by key, relation ends by role) as readable strings."""
    def keyed(value):
        if isinstance(value, dict):
            return value
        specs = [spec for spec in value if isinstance(spec, dict)] if isinstance(value, list) else []
        return {str(spec.get("key")): spec for spec in specs} if len(specs) == len(value or []) else None

    old, new = keyed(before), keyed(after)
    if old is None or new is None:
        return [(field, _readable(before), _readable(after))]
    changes = []
    for key in dict.fromkeys([*old, *new]):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            changes += [(f"{field}.{key}.{part}", _readable(a.get(part)), _readable(b.get(part)))
                        for part in dict.fromkeys([*a, *b]) if a.get(part) != b.get(part)]
        else:
            changes.append((f"{field}.{key}", _readable(a), _readable(b)))
    return changes


def _readable(value):
    """Return a value as the diff shows it: a list of words joined, other JSON as JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict, bool)) else value


def _layer_pairs(old_layers, new_layers):
    """Return {new layer id: old layer} following each new layer's origin chain back to the old version."""
    old_ids = {layer.pk: layer for layer in old_layers}
    origins = dict(Layer.objects.filter(codebook__key__in={layer.codebook.key for layer in new_layers})
                   .values_list("pk", "origin_id")) if new_layers else {}
    pairs = {}
    for layer in new_layers:
        step, hops = layer.origin_id, 0
        while step and step not in old_ids and hops < 100:
            step, hops = origins.get(step), hops + 1
        if step in old_ids:
            pairs[layer.pk] = old_ids[step]
    if not pairs:
        by_key = {layer.key: layer for layer in old_layers}
        pairs = {layer.pk: by_key[layer.key] for layer in new_layers if layer.key in by_key}
    return pairs


def diff_codebooks(old, new):
    """Return the changes from old to new as a dict of lists, each entry readable on its own."""
    old_layers = list(old.layers.select_related("codebook"))
    new_layers = list(new.layers.select_related("codebook"))
    pairs = _layer_pairs(old_layers, new_layers)
    continued = {layer.pk for layer in pairs.values()}
    layers = {
        "added": [layer for layer in new_layers if layer.pk not in pairs],
        "removed": [layer for layer in old_layers if layer.pk not in continued],
        "renamed": [(pairs[layer.pk], layer) for layer in new_layers
                    if layer.pk in pairs and pairs[layer.pk].key != layer.key],
        "changed": [(pairs[layer.pk], layer, changes) for layer in new_layers if layer.pk in pairs
                    for changes in [_changes(pairs[layer.pk], layer, LAYER_FIELDS)] if changes],
    }
    return {"layers": layers, "labels": _label_changes(old, new)}


def _label_changes(old, new):
    """Return the label changes, read from label_successors(): the one rule for where a label's tags go."""
    successors = label_successors(old, new)
    labels = {label.pk: label for label in Label.objects.filter(layer__codebook__in=[old, new])
              .select_related("layer")}
    predecessors = {}
    for old_id, new_ids in successors.items():
        for new_id in new_ids:
            predecessors.setdefault(new_id, []).append(old_id)
    new_labels = [label for label in labels.values() if label.layer.codebook_id == new.pk]
    kept = [(labels[ids[0]], label) for label in new_labels for ids in [predecessors.get(label.pk, [])]
            if len(ids) == 1 and len(successors[ids[0]]) == 1]
    return {
        "added": [label for label in new_labels if label.pk not in predecessors],
        "removed": [labels[pk] for pk, ids in successors.items() if not ids],
        "renamed": [(before, after) for before, after in kept if before.key != after.key],
        "merged": [([labels[pk] for pk in sorted(ids)], label) for label in new_labels
                   for ids in [predecessors.get(label.pk, [])] if len(ids) > 1],
        "split": [(labels[pk], [labels[n] for n in ids]) for pk, ids in successors.items() if len(ids) > 1],
        "changed": [(before, after, changes) for before, after in kept
                    for changes in [_changes(before, after, LABEL_FIELDS)] if changes],
    }


def count_changes(diff):
    """Return how many changes a diff lists."""
    return sum(len(entries) for part in diff.values() for entries in part.values())
