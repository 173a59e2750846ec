"""Map a format's label names to the labels of a project's codebook.

In order, the first that answers wins:

1. the user's mapping (a JSON object: foreign name -> "layer:label", or null
   to drop that name on purpose, reported as "dropped by mapping");
2. our own names: "layer:label" and "layer/label", and a bare label key when
   only one layer of the codebook has it;
3. the published technique tables (annotate.techniques): a SemEval-2020 name
   stands for its SemEval-2023 techniques (``candidates``), a SemEval-2023
   name for itself; the label is the first label, in codebook order, whose
   ``technique`` is one of them, trying first the techniques the foreign name
   spells out (so "Whataboutism,Straw_Men,Red_Herring" goes to a Whataboutism
   label when the codebook has one), and among labels of layers whose scope
   fits the tag;
4. a span with no technique (SemEval-2020 SI) takes the ``span_label`` option.

Whatever is left is refused with a reason the report counts.
"""

import json

from annotate.interchange.report import ImportOptionError
from annotate.models import Label
from annotate.techniques import SCHEMES, candidates

DROPPED = "dropped by mapping"
UNKNOWN = "unknown label"
NO_TECHNIQUE = "span without a technique"
NO_LABEL_FOR_TECHNIQUE = "no codebook label for the technique"


class MappingError(ImportOptionError):
    """A mapping option that cannot be used at all (a bad file, a label not in the codebook); names the field."""

    def __init__(self, message, *, field="mapping"):
        super().__init__(message, field=field)


class Unmapped(Exception):
    """A foreign label that maps to no codebook label; reason is counted in the report."""

    def __init__(self, reason, detail):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def parse_mapping(raw):
    """Return the user mapping of a JSON file's bytes: {foreign name: "layer:label" or None}."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MappingError(f"not a JSON object of label names ({error})") from None
    if not isinstance(data, dict):
        raise MappingError('must be a JSON object, e.g. {"Loaded_Language": "loaded_language:loaded_language"}')
    for name, target in data.items():
        if target is not None and not isinstance(target, str):
            raise MappingError(f"{name!r}: the target must be \"layer:label\" text or null")
    return data


class LabelMap:
    """The labels of one codebook, and the rules above for finding one by a foreign name."""

    def __init__(self, codebook, *, user_mapping=None, span_label=None, scheme=None):
        self.labels = list(Label.objects.filter(layer__codebook=codebook).select_related("layer", "layer__codebook")
                           .order_by("layer__order", "layer_id", "order", "id"))
        self.by_name = {(label.layer.key, label.key): label for label in self.labels}
        self.schemes = (scheme,) if scheme in SCHEMES else ("2023", "2020")
        self.user_mapping = {name: self._named(target, "mapping", f"{name!r} -> ")
                             for name, target in (user_mapping or {}).items()}
        self.span_label = self._named(span_label, "span_label") if span_label else None

    def _named(self, name, field, prefix=""):
        """Return the label that a "layer:label" (or "layer/label") option names, or raise MappingError."""
        if name is None:
            return None
        label = self.ours(name)
        if label is None:
            raise MappingError(f"{prefix}{name!r} is not a label of this project's codebook (write layer:label)",
                               field=field)
        return label

    def ours(self, name):
        for separator in (":", "/"):
            layer, found, key = name.partition(separator)
            if found and (layer, key) in self.by_name:
                return self.by_name[(layer, key)]
        return None

    def resolve(self, name, scope):
        """Return the codebook label for a foreign name on a tag of this scope, or raise Unmapped."""
        if name in self.user_mapping:
            label = self.user_mapping[name]
            if label is None:
                raise Unmapped(DROPPED, f"{name!r} is mapped to null")
            return label
        if not name:
            if scope == "span" and self.span_label is not None:
                return self.span_label
            raise Unmapped(NO_TECHNIQUE, "a span with no technique: give a label for such spans (span_label, "
                                         "e.g. loaded_language:loaded_language)")
        label = self.ours(name) or self._bare(name)
        if label is not None:
            return label
        return self._technique(name, scope)

    def _bare(self, name):
        matches = [label for label in self.labels if label.key == name]
        return matches[0] if len(matches) == 1 else None

    def _technique(self, name, scope):
        techniques = []
        for scheme in self.schemes:
            techniques += [t for t in _preferred(name, candidates(name, scheme)) if t not in techniques]
        if not techniques:
            raise Unmapped(UNKNOWN, f"{name!r} is not a label of this codebook nor a SemEval "
                                    f"{' or '.join(self.schemes)} technique; map it with a mapping file")
        fitting = [label for label in self.labels if label.layer.scope == scope] or self.labels
        for technique in techniques:
            for label in fitting:
                if label.technique == technique:
                    return label
        raise Unmapped(NO_LABEL_FOR_TECHNIQUE, f"{name!r} ({', '.join(techniques)}): no {scope} label of this "
                                               "codebook has that technique; map it with a mapping file")


def _preferred(name, techniques):
    """Order techniques by where the foreign name spells them out, the others after, in inventory order."""
    def place(technique):
        at = name.find(technique)
        return (at if at >= 0 else len(name), techniques.index(technique))
    return sorted(techniques, key=place)
