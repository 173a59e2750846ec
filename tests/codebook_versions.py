"""Build the next published version of a codebook, as publishing a draft does: labels carry their origins."""

from annotate.codebooks import export_codebook, load_codebook
from annotate.models import Codebook, Label, Layer


def next_version(source, *, version=None, renames=None, merges=None, splits=None, removed=None, drop_layers=(),
                 status=Codebook.Status.PUBLISHED):
    """Return a new version of source: renames {layer: {old: new}}, merges {layer: {new: [old, ...]}},
    splits {layer: {old: [new, ...]}}, removed {layer: [old, ...]}, drop_layers [layer, ...]."""
    renames, merges, splits, removed = renames or {}, merges or {}, splits or {}, removed or {}
    data = export_codebook(source)
    data["version"] = version or source.version + 1
    origins, layers = {}, []
    for layer in data["layers"]:
        key = layer["key"]
        if key in drop_layers:
            continue
        merged_away = {old: new for new, olds in merges.get(key, {}).items() for old in olds}
        labels = []
        for label in layer["labels"]:
            old = label["key"]
            if old in removed.get(key, ()):
                continue
            if old in splits.get(key, {}):
                for n, new in enumerate(splits[key][old]):
                    labels.append({**label, "key": new, "name": new, "hotkey": "" if n else label["hotkey"]})
                    origins[key, new] = [old]
            elif old in merged_away:
                new = merged_away[old]
                if (key, new) not in origins:
                    labels.append({**label, "key": new, "name": new})
                    origins[key, new] = []
                origins[key, new].append(old)
            else:
                new = renames.get(key, {}).get(old, old)
                labels.append({**label, "key": new, "name": label["name"] if new == old else new})
                origins[key, new] = [old]
        layer["labels"] = labels
        layers.append(layer)
    data["layers"] = layers
    target, _ = load_codebook(data)
    # A published version refuses save(): the links a draft would have carried are written as rows.
    Codebook.objects.filter(pk=target.pk).update(based_on=source, status=status)
    target.refresh_from_db()
    old_labels = {(label.layer.key, label.key): label
                  for label in Label.objects.filter(layer__codebook=source).select_related("layer")}
    old_layers = {layer.key: layer for layer in source.layers.all()}
    for layer in target.layers.all():
        Layer.objects.filter(pk=layer.pk).update(origin=old_layers.get(layer.key))
    for label in Label.objects.filter(layer__codebook=target).select_related("layer"):
        label.origins.set([old_labels[label.layer.key, old] for old in origins[label.layer.key, label.key]])
    return target


def draft_label(draft, layer_key, key):
    """Return a label of a draft by its layer and key."""
    return Label.objects.select_related("layer").get(layer__codebook=draft, layer__key=layer_key, key=key)
