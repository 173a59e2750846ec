"""The problems that keep a codebook draft from being published, found on its plain JSON description."""

import re

from annotate.techniques import LABEL_TECHNIQUES

KEY = re.compile(r"^[-a-zA-Z0-9_]+$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SCOPES = ("segment", "span", "document", "relation")
ATTRIBUTE_TYPES = ("choice", "text", "bool")
# The keys the annotation page answers itself (annotate/static/annotate/annotate.js, KEYS), so a label
# given one of them would either never be reached (j, k) or hide the page's own action.
RESERVED_HOTKEYS = {
    "j": "next sentence", "k": "previous sentence", "[": "previous layer", "]": "next layer",
    "?": "the shortcuts panel", "g": "the guidelines panel", "m": "the discussion", "n": "next assigned sentence",
}


def _hashable(value):
    """Return value if it is a string, else its repr, so a malformed file can still be compared and counted."""
    return value if isinstance(value, str) else repr(value)


def check_codebook_data(data):
    """Return [(field path, message)]: every problem in a codebook description (export_codebook's format).

    A layer may carry "origin_scope" (the scope of the layer it continues) and a label "origin_layers"
    (the lineage ids of the layers its origins belong to) beside "origin_lineage" of its layer.
    """
    problems = []
    layers = data.get("layers")
    if not isinstance(layers, list):
        return [("layers", "must be a list of layers")]
    span_labels = {
        _hashable(label.get("key")) for layer in layers if isinstance(layer, dict) and layer.get("scope") == "span"
        for label in layer.get("labels") or [] if isinstance(label, dict)
    }
    seen = set()
    for n, layer in enumerate(layers):
        if not isinstance(layer, dict):
            problems.append((f"layers[{n}]", "must be an object"))
            continue
        key = _hashable(layer.get("key"))
        path = str(key or f"layers[{n}]")
        if key in seen:
            problems.append((f"{path}.key", f"two layers have the key '{key}'"))
        seen.add(key)
        problems += _check_layer(path, layer, span_labels)
    return problems


def _check_layer(path, layer, span_labels):
    """Return the problems of one layer and its labels."""
    problems = []
    if not isinstance(layer.get("key"), str) or not KEY.match(layer["key"]):
        problems.append((f"{path}.key", "use letters, digits, hyphens and underscores only"))
    if not str(layer.get("name") or "").strip():
        problems.append((f"{path}.name", "a layer needs a name"))
    scope = layer.get("scope")
    if scope not in SCOPES:
        problems.append((f"{path}.scope", f"must be one of {', '.join(SCOPES)}"))
    elif layer.get("origin_scope") and layer["origin_scope"] != scope:
        problems.append((f"{path}.scope", f"was '{layer['origin_scope']}': a layer's scope cannot change, "
                         "add a new layer instead"))
    problems += _check_attributes(path, layer.get("attributes", []), layer.get("labels", []))
    problems += _check_endpoints(path, layer.get("relation_endpoints", {}), span_labels)
    labels = layer.get("labels", [])
    if not isinstance(labels, list):
        return [*problems, (f"{path}.labels", "must be a list of labels")]
    keys, hotkeys = set(), {}
    for n, label in enumerate(labels):
        if not isinstance(label, dict):
            problems.append((f"{path}.labels[{n}]", "must be an object"))
            continue
        where = f"{path}.{label.get('key') or f'labels[{n}]'}"
        key = _hashable(label.get("key"))
        if key in keys:
            problems.append((f"{where}.key", f"two labels of the layer have the key '{key}'"))
        keys.add(key)
        problems += _check_label(where, label, layer)
        hotkey = _hashable(label.get("hotkey") or "")
        if hotkey and hotkey in hotkeys:
            problems.append((f"{where}.hotkey", f"'{hotkey}' is also the hotkey of '{hotkeys[hotkey]}'"))
        hotkeys.setdefault(hotkey, label.get("key"))
    return problems


def _check_label(where, label, layer):
    """Return the problems of one label."""
    problems = []
    if not isinstance(label.get("key"), str) or not KEY.match(label["key"]):
        problems.append((f"{where}.key", "use letters, digits, hyphens and underscores only"))
    if not str(label.get("name") or "").strip():
        problems.append((f"{where}.name", "a label needs a name"))
    if not COLOUR.match(str(label.get("color", "#888888"))):
        problems.append((f"{where}.color", "enter a colour as #rrggbb"))
    hotkey = label.get("hotkey") or ""
    if not isinstance(hotkey, str) or len(hotkey) > 1 or hotkey.isspace():
        problems.append((f"{where}.hotkey", "a hotkey is one character"))
    elif hotkey in RESERVED_HOTKEYS:
        problems.append((f"{where}.hotkey", f"'{hotkey}' is the annotation page's key for "
                         f"{RESERVED_HOTKEYS[hotkey]}: choose another"))
    technique = label.get("technique") or ""
    if technique and technique not in LABEL_TECHNIQUES:
        problems.append((f"{where}.technique", f"'{technique}' is neither a technique nor a frame of the inventory"))
    lineage = layer.get("origin_lineage")
    strays = [origin for origin in label.get("origin_layers") or [] if origin != lineage]
    if strays:
        problems.append((f"{where}.origins", "continues a label of another layer: labels carry tags only "
                         "within their layer's lineage"))
    return problems


def _check_attributes(path, attributes, labels):
    """Return the problems of a layer's declared attributes, including required_for naming no label of it."""
    if not isinstance(attributes, list):
        return [(f"{path}.attributes", "must be a list of attributes")]
    problems = []
    for n, spec in enumerate(attributes):
        where = f"{path}.attributes[{n}]"
        if not isinstance(spec, dict):
            problems.append((where, "must be an object with key, name and type"))
            continue
        missing = [field for field in ("key", "name", "type") if not spec.get(field)]
        if missing:
            problems.append((where, f"needs {', '.join(missing)}"))
        if spec.get("type") and spec["type"] not in ATTRIBUTE_TYPES:
            problems.append((f"{where}.type", f"must be one of {', '.join(ATTRIBUTE_TYPES)}"))
        choices = spec.get("choices")
        if spec.get("type") == "choice" and (not isinstance(choices, list) or not choices):
            problems.append((f"{where}.choices", "a choice attribute needs a list of choices"))
        keys = {label.get("key") for label in labels if isinstance(label, dict)} if isinstance(labels, list) else set()
        required_for = spec.get("required_for", [])
        if not isinstance(required_for, list):
            problems.append((f"{where}.required_for", "must be a list of label keys"))
        else:
            problems += [(f"{where}.required_for", f"'{key}' is not a label of this layer")
                         for key in required_for if key not in keys]
    return problems


def _check_endpoints(path, endpoints, span_labels):
    """Return the problems of a relation layer's endpoints: each must name a span label."""
    if not isinstance(endpoints, dict):
        return [(f"{path}.relation_endpoints", "must be an object of role: span label key")]
    return [
        (f"{path}.relation_endpoints.{role}", f"'{key}' is not a label of a span layer")
        for role, key in endpoints.items() if _hashable(key) not in span_labels
    ]
