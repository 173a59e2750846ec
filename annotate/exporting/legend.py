"""Describe annotations in words for readers: codebook names, marker letters, colours."""

import re

from .records import ExportAnnotation, ExportCodebook
from .words import attribute_words

FALLBACK_COLOR = "#999999"
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class Legend:
    """Look up names and marker letters of the codebook's layers, labels and attributes."""

    def __init__(self, codebook: ExportCodebook) -> None:
        self.layers = codebook["layers"]
        self.version = f"{codebook.get('name', codebook.get('key', ''))} v{codebook.get('version', '')}"
        self._layers = {layer["key"]: i for i, layer in enumerate(self.layers)}
        self._labels = {
            (layer["key"], label["key"]): j for layer in self.layers for j, label in enumerate(layer["labels"])
        }
        self._attributes = {
            layer["key"]: {spec["key"]: spec.get("name") or spec["key"] for spec in layer.get("attributes", [])}
            for layer in self.layers
        }

    def provenance_note(self, tags) -> str:
        """Return which codebook version the labels are from, and how many tags were made under an earlier one."""
        earlier = sum(1 for a in tags if a.get("made_under", a.get("codebook_version")) != a.get("codebook_version"))
        moved = f"; {earlier} of these tags were made under an earlier version and carried over" if earlier else ""
        return f"Labels of codebook {self.version}{moved}."

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

    def attributes(self, a: ExportAnnotation, skip=()) -> str:
        """Return an annotation's attributes in words, named as the codebook names them."""
        return attribute_words(a["attributes"] or {}, self._attributes.get(a["layer"], {}), skip)


def safe_color(color: str | None) -> str:
    """Return a #rrggbb colour fit for CSS, or a grey."""
    return color if color and HEX_COLOR.fullmatch(color) else FALLBACK_COLOR
