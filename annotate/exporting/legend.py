"""Describe annotations in words for readers: codebook names, marker letters, colours."""

import re

from .records import ExportAnnotation, ExportCodebook

FALLBACK_COLOR = "#999999"
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
ATTRIBUTION_COLUMNS = ("Content", "Source", "Cue", "Form", "Affiliation", "Alignment", "More", "By")
ROLES = ("form", "affiliation", "alignment")


class Legend:
    """Look up names and marker letters of the codebook's layers and labels."""

    def __init__(self, codebook: ExportCodebook) -> None:
        self.layers = codebook["layers"]
        self._layers = {layer["key"]: i for i, layer in enumerate(self.layers)}
        self._labels = {
            (layer["key"], label["key"]): j for layer in self.layers for j, label in enumerate(layer["labels"])
        }

    def index(self, layer: str, label: str) -> tuple[int | None, int | None]:
        """Return the positions of a layer and of a label in the codebook, None if absent."""
        return self._layers.get(layer), self._labels.get((layer, label))

    def layer_name(self, layer: str) -> str:
        i = self._layers.get(layer)
        return layer if i is None else self.layers[i]["name"]

    def label_name(self, layer: str, label: str) -> str:
        i, j = self.index(layer, label)
        return label if j is None else self.layers[i]["labels"][j]["name"]

    def marker(self, layer: str) -> str:
        """Return a letter per layer, a cue that does not depend on colour."""
        i = self._layers.get(layer)
        if i is None:
            return "?"
        return chr(ord("A") + i) if i < 26 else str(i + 1)

    def heading(self, a: ExportAnnotation) -> str:
        """Return "Loaded language: Name calling" for an annotation."""
        return f"{self.layer_name(a['layer'])}: {self.label_name(a['layer'], a['label'])}"


def details(a: ExportAnnotation) -> list[str]:
    """Return an annotation's quote, attributes, annotator and review, and note, as plain text."""
    parts = [f"“{a['quote']}”"] if a["quote"] else []
    if a["attributes"]:
        parts.append(attribute_text(a["attributes"]))
    review = f"{a['annotator']}, {a['status']}"
    if a["reviewer"]:
        review += f" by {a['reviewer']}"
    if a["reviewed_at"]:
        review += f" ({a['reviewed_at']})"
    if a["review_note"]:
        review += f": {a['review_note']}"
    parts.append(review)
    if a["gold"]:
        parts.append("gold")
    if a["note"]:
        parts.append(f"note: {a['note']}")
    return parts


def attribution_cells(annotation: ExportAnnotation, content: str, source: str, cue: str) -> list[str]:
    """Return the cells of one attribution row, in ATTRIBUTION_COLUMNS order."""
    attributes = annotation["attributes"] or {}
    more = [attribute_text({k: v for k, v in attributes.items() if k not in ROLES})]
    if annotation["note"]:
        more.append(f"note: {annotation['note']}")
    roles = [_value(attributes.get(role, "")) for role in ROLES]
    by = f"{annotation['annotator']}, {annotation['status']}"
    return [content, source, cue, *roles, "; ".join(m for m in more if m), by]


def attribute_text(attributes: dict) -> str:
    """Return attributes as "key: value; key: value"."""
    return "; ".join(f"{key}: {_value(value)}" for key, value in attributes.items())


def _value(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def safe_color(color: str | None) -> str:
    """Return a #rrggbb colour fit for CSS, or a grey."""
    return color if color and HEX_COLOR.fullmatch(color) else FALLBACK_COLOR
