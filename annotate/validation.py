"""The one place that decides whether an annotation is well formed.

Every write path (API, admin, import of exports) builds an unsaved or
changed Annotation and calls check_annotation() before saving it.
"""

import json
import re

from django.core.exceptions import ValidationError

from annotate.models import Annotation, Layer, Segment

# The same limits for every door (API JSON, form and multipart bodies, review edits, restore).
MAX_TEXT_ATTRIBUTE = 500
MAX_NOTE = 5000
MAX_COMMENT = 5000
MAX_ATTRIBUTES_BYTES = 4096  # the whole attributes object, serialised as JSON
# Where an imported tag came from: as long as its columns hold.
ORIGIN_LIMITS = tuple((name, Annotation._meta.get_field(name).max_length) for name in ("import_source", "import_file"))
# PostgreSQL stores neither a NUL character nor a lone surrogate (it cannot be encoded as UTF-8).
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def text_problem(value, limit=None):
    """Return what is wrong with a string to be stored (a NUL, a lone surrogate, its length), or None."""
    bad = BAD_CHARACTERS.search(value)
    if bad:
        what = "a NUL character" if bad.group() == "\x00" else "a lone surrogate (not valid Unicode)"
        return f"contains {what} at character {bad.start()}"
    if limit is not None and len(value) > limit:
        return f"is {len(value):,} characters long, over the limit of {limit:,}"
    return None


def check_comment_text(text):
    """Raise ValidationError unless the text may be stored as a sentence comment."""
    problem = text_problem(text, MAX_COMMENT) if isinstance(text, str) else "must be text"
    if problem:
        raise ValidationError(problem)


def check_annotation(annotation):
    """Raise ValidationError naming the field and the rule, or return None."""
    errors = {}
    _check_texts(annotation, errors)
    if errors:
        raise ValidationError(errors)
    label = annotation.label
    layer = label.layer
    project = annotation.project
    if layer.codebook_id != project.codebook_id:
        errors["label"] = (
            f"label '{layer.key}:{label.key}' belongs to codebook '{layer.codebook}', "
            f"not to this project's codebook '{project.codebook}'"
        )
        raise ValidationError(errors)
    if annotation.document.project_id != project.pk:
        errors["document"] = "document does not belong to this project"
    if annotation.segment_id is not None and annotation.segment.document_id != annotation.document_id:
        errors["segment"] = "segment does not belong to this document"
    if errors:
        raise ValidationError(errors)

    check_shape = {
        Layer.Scope.SEGMENT: _check_segment_shape,
        Layer.Scope.SPAN: _check_span_shape,
        Layer.Scope.DOCUMENT: _check_document_shape,
        Layer.Scope.RELATION: _check_relation_shape,
    }[layer.scope]
    check_shape(annotation, errors)
    _check_attributes(annotation, layer, errors)
    if not errors:
        _check_single_label(annotation, layer, errors)
    if not errors:
        _check_not_repeated(annotation, layer, errors)
    if errors:
        raise ValidationError(errors)


def _check_texts(annotation, errors):
    """Refuse strings the database cannot store, and notes and attributes over their limits."""
    for field, limit in (("note", MAX_NOTE), ("quote", None), ("review_note", MAX_NOTE), *ORIGIN_LIMITS):
        value = getattr(annotation, field)
        if not isinstance(value, str):
            errors[field] = "must be text"
        elif problem := text_problem(value, limit):
            errors[field] = problem
    attributes = annotation.attributes
    if not isinstance(attributes, dict):
        return  # _check_attributes names it
    for name, value in attributes.items():
        if problem := text_problem(name):
            errors["attributes"] = f"an attribute name {problem}"
            return
        if isinstance(value, str) and (problem := text_problem(value)):
            errors[f"attributes.{name}"] = problem
    if errors:
        return
    try:
        size = len(json.dumps(attributes, ensure_ascii=False).encode())
    except (RecursionError, TypeError, ValueError):
        size = None
    if size is None:
        errors["attributes"] = "must be an object of attribute names and text, true/false or choice values"
    elif size > MAX_ATTRIBUTES_BYTES:
        errors["attributes"] = f"is {size:,} bytes as JSON, over the limit of {MAX_ATTRIBUTES_BYTES:,}"


def _forbid(annotation, errors, fields, scope):
    for field in fields:
        value = getattr(annotation, field if not field.startswith("relation") else f"{field}_id")
        if value not in (None, ""):
            errors[field] = f"must be empty for a {scope}-level label"


def _check_segment_shape(annotation, errors):
    if annotation.segment_id is None:
        errors["segment"] = f"layer '{annotation.label.layer.key}' labels whole sentences: a segment is required"
    _forbid(annotation, errors, ["start", "end", "quote", "relation_content", "relation_source", "relation_cue"],
            "sentence")


def _check_span_shape(annotation, errors):
    """A span is stored on its first sentence; its end may run on into the next sentences (annotate.spans)."""
    if annotation.segment_id is None:
        errors["segment"] = f"layer '{annotation.label.layer.key}' marks phrases: a segment is required"
        return
    _forbid(annotation, errors, ["relation_content", "relation_source", "relation_cue"], "span")
    start, end, segment = annotation.start, annotation.end, annotation.segment
    for field, value in (("start", start), ("end", end)):
        if value is None:
            errors[field] = "required for a span"
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[field] = "must be an integer"
        elif value < 0:
            errors[field] = "must not be negative"
    if errors.get("start") or errors.get("end"):
        return
    if start >= end:
        errors["end"] = f"must be greater than start ({start})"
        return
    if end <= len(segment.text):
        # Inside its sentence: the sentence's own text decides, without reading the whole article.
        if annotation.quote != segment.text[start:end]:
            errors["quote"] = f"does not match the sentence text at {start}:{end} ('{segment.text[start:end]}')"
        return
    _check_running_span(annotation, segment, start, end, errors)


def _check_running_span(annotation, segment, start, end, errors):
    """Check a span that runs past its sentence: within the text, stored on its first sentence, quoted exactly."""
    text = annotation.document.text
    doc_start, doc_end = segment.start + start, segment.start + end
    if doc_end > len(text):
        errors["end"] = (f"span runs past the end of the document ({len(text) - segment.start} characters "
                         "from the start of this sentence)")
        return
    if start >= len(segment.text):
        # It starts in the spaces after the sentence: no later sentence may begin at or before that point.
        later = Segment.objects.filter(document_id=segment.document_id, index__gt=segment.index, start__lte=doc_start)
        later = later.order_by("-index").values_list("index", flat=True).first()
        if later is not None:
            errors["start"] = (f"lies in sentence {later + 1}, not in sentence {segment.index + 1}: a span is stored "
                               "on the sentence it starts in")
            return
    if annotation.quote != text[doc_start:doc_end]:
        errors["quote"] = (f"does not match the document text at {doc_start}:{doc_end} "
                           f"('{text[doc_start:doc_end]}')")


def _check_document_shape(annotation, errors):
    _forbid(annotation, errors, ["start", "end", "quote", "relation_content", "relation_source", "relation_cue"],
            "document")


def _check_relation_shape(annotation, errors):
    _forbid(annotation, errors, ["start", "end", "quote"], "relation")
    endpoints = annotation.label.layer.relation_endpoints or {}
    for role in ("content", "source", "cue"):
        end = getattr(annotation, f"relation_{role}")
        field = f"relation_{role}"
        if end is None:
            if role != "cue":
                errors[field] = "required for a relation"
            continue
        if end.pk is not None and end.pk == annotation.pk:
            errors[field] = "a relation cannot point to itself"
        elif end.label.layer.scope != Layer.Scope.SPAN:
            errors[field] = "must be a span annotation"
        elif end.document_id != annotation.document_id or end.project_id != annotation.project_id:
            errors[field] = "must be an annotation in the same document"
        elif end.gold != annotation.gold or (not end.gold and end.annotator_id != annotation.annotator_id):
            errors[field] = "must be a gold span" if annotation.gold else "must be one of this annotator's own spans"
        elif role in endpoints and end.label.key != endpoints[role]:
            errors[field] = f"must be a '{endpoints[role]}' span, not '{end.label.key}'"


def _check_attributes(annotation, layer, errors):
    attributes = annotation.attributes
    if not isinstance(attributes, dict):
        errors["attributes"] = "must be an object of attribute names and values"
        return
    spec = layer.attribute_spec()
    for name, value in attributes.items():
        declared = spec.get(name)
        if declared is None:
            allowed = ", ".join(sorted(spec)) or "none"
            errors[f"attributes.{name}"] = f"unknown attribute for layer '{layer.key}' (allowed: {allowed})"
            continue
        problem = _attribute_problem(declared, value)
        if problem:
            errors[f"attributes.{name}"] = problem
    if annotation.import_source:
        return  # an imported tag: an attribute its dataset never had is "imported, attribute not given"
    for name, declared in spec.items():
        required = declared.get("required") or annotation.label.key in declared.get("required_for", [])
        if required and attributes.get(name) in (None, ""):
            errors[f"attributes.{name}"] = (
                f"required for label '{annotation.label.key}' (a tag taken from a dataset that lacks it is posted "
                "with import_source, e.g. \"semeval-2020\", and may leave it out)"
            )


def _attribute_problem(declared, value):
    kind = declared.get("type", "text")
    if value is None:
        return None
    if kind == "choice":
        if value not in declared.get("choices", []):
            return f"'{value}' is not one of: {', '.join(declared.get('choices', []))}"
    elif kind == "bool":
        if not isinstance(value, bool):
            return "must be true or false"
    elif not isinstance(value, str):
        return "must be text"
    elif len(value) > MAX_TEXT_ATTRIBUTE:
        return f"must be at most {MAX_TEXT_ATTRIBUTE} characters"
    return None


def _check_single_label(annotation, layer, errors):
    """Enforce one label per unit for single-label layers, and no exact duplicates in any layer."""
    if layer.scope not in (Layer.Scope.SEGMENT, Layer.Scope.DOCUMENT):
        return
    same_unit = Annotation.objects.filter(
        project_id=annotation.project_id,
        document_id=annotation.document_id,
        annotator_id=annotation.annotator_id,
        label__layer=layer,
        # A reviewer's adjudicated (gold) tags and their own tags are two separate versions.
        gold=annotation.gold,
    ).exclude(pk=annotation.pk)
    if layer.scope == Layer.Scope.SEGMENT:
        same_unit = same_unit.filter(segment_id=annotation.segment_id)
    if not layer.multiple:
        other = same_unit.select_related("label").order_by("pk").first()
        if other is not None:
            errors["label"] = (
                f"layer '{layer.key}' takes one label per unit; this annotator already gave '{other.label.key}'"
            )
    elif layer.scope == Layer.Scope.SEGMENT and same_unit.filter(label_id=annotation.label_id).exists():
        errors["label"] = f"label '{annotation.label.key}' is already on this sentence for this annotator"


def _check_not_repeated(annotation, layer, errors):
    """Refuse a span, or a link, that its annotator already made: the same label on the same words (or ends).

    A repeat would count twice in agreement and in every export. Attributes and note do not make a tag
    different: they are changed by editing the one tag. Gold tags are the reviewer's version (review keeps one
    gold copy per place), and a tag read from a dataset keeps the dataset's repeats: the importers skip tags
    identical to one already in the project, so importing the same files twice adds nothing.
    """
    if annotation.gold or annotation.import_source or layer.scope not in (Layer.Scope.SPAN, Layer.Scope.RELATION):
        return
    if layer.scope == Layer.Scope.SPAN:
        place = {"segment_id": annotation.segment_id, "start": annotation.start, "end": annotation.end}
    else:
        place = {f"{name}_id": getattr(annotation, f"{name}_id")
                 for name in ("relation_content", "relation_source", "relation_cue")}
    twin = (
        Annotation.objects.filter(project_id=annotation.project_id, document_id=annotation.document_id,
                                  annotator_id=annotation.annotator_id, label_id=annotation.label_id, gold=False,
                                  **place)
        .exclude(pk=annotation.pk).order_by("pk").values_list("pk", flat=True).first()
    )
    if twin is None:
        return
    did = f"tagged these words ('{annotation.quote}')" if layer.scope == Layer.Scope.SPAN else "linked these spans"
    errors["label"] = (f"this annotator already {did} as '{annotation.label.key}' (annotation {twin}): the same "
                       "tag twice would count twice; edit that one instead")
