"""Read annotated segments from the database as export records, streamed.

A fixed number of queries whatever the size: one for documents, one for
segments, one each for sentence/span, document-level and relation
annotations, one for gold provenance, one for sentence comments and one for
done-marks. Each is read with a server-side
cursor (``iterator()``) in (document, position) order and merged here, so
memory stays constant.
"""

import re
from datetime import UTC, datetime
from operator import itemgetter

import orjson
from django.db import connections
from django.db.models import TextField
from django.db.models.functions import Cast

from annotate import techniques
from annotate.codebooks import export_codebook
from annotate.exporting.semeval import SemevalOptionError, semeval_options
from annotate.models import Annotation, Label, Layer, Segment, SegmentComment, SegmentProgress
from annotate.validation import text_problem

# JSON and timestamps are read as text: the ORM's per-row parsing (then re-serialising) took
# most of an export's time, and orjson and _iso_text do the same work several times faster.
RAW_TEXT = {
    "attributes_text": Cast("attributes", TextField()),
    "reviewed_text": Cast("reviewed_at", TextField()),
    "created_text": Cast("created_at", TextField()),
    "modified_text": Cast("modified_at", TextField()),
}
ANNOTATION_FIELDS = (
    "id", "document_id", "segment_id", "segment__index", "segment__start", "label__key", "label__name",
    "label__technique", "label__layer__key", "label__layer__scope", "start", "end", "quote", "attributes_text",
    "note", "annotator__username", "status", "reviewer__username", "reviewed_text", "review_note", "gold",
    "edited", "version", "created_text", "modified_text", "relation_content_id", "relation_source_id",
    "relation_cue_id", "import_source", "import_file", "label__layer__codebook__key",
    "label__layer__codebook__version", "made_under__key", "made_under__version",
)
SEGMENT_FIELDS = ("id", "document_id", "index", "kind", "paragraph", "start", "end", "text")
CHUNK = 2000


class _Cursor:
    """A single-pass iterator over ordered rows, handed out one key (document, segment) at a time."""

    def __init__(self, rows, key):
        self._rows = iter(rows)
        self._key = key
        self._next = next(self._rows, None)

    def take(self, key):
        """Yield the rows with this key, skipping rows of keys already passed."""
        while self._next is not None and self._key(self._next) < key:
            self._next = next(self._rows, None)
        while self._next is not None and self._key(self._next) == key:
            row, self._next = self._next, next(self._rows, None)
            yield row


def _raw_rows(queryset):
    """Stream a values_list queryset's rows as the database sends them, without the ORM's per-row conversion."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    # Read the column order from the compiled SELECT rather than assume it matches the request.
    columns = [alias for _, _, alias in compiler.select]
    reorder = itemgetter(*(columns.index(name) for name in queryset._fields))
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from map(reorder, rows)


def _iso(value):
    return value.isoformat() if value is not None else None


def _iso_text(value):
    """Turn a UTC timestamp as the database prints it into ISO 8601, as datetime.isoformat() would."""
    if value is None:
        return None
    value = value.replace(" ", "T", 1)
    if value.endswith("+00"):  # PostgreSQL, session time zone UTC; it drops a fraction's trailing zeros
        value = value[:-3]
        dot = value.find(".", 19)
        if dot != -1:
            value = value.ljust(dot + 7, "0")
        return value + "+00:00"
    return value if value.endswith("+00:00") else value + "+00:00"


def annotation_record(row, provenance):
    """Return the export record of one annotation row."""
    (pk, _document_id, segment_id, segment_index, segment_start, label, label_name, technique, layer, scope,
     start, end, quote, attributes, note, annotator, status, reviewer, reviewed_at, review_note, gold, edited,
     version, created, modified, content, source, cue, import_source, import_file, codebook_key, codebook_version,
     origin_key, origin_version) = row
    now = f"{codebook_key} v{codebook_version}"
    spans = start is not None and segment_start is not None
    return {
        "id": pk, "layer": layer, "scope": scope, "label": label, "label_name": label_name,
        "technique": technique or None, "segment_id": segment_id, "segment_index": segment_index,
        "start": start, "end": end,
        "doc_start": segment_start + start if spans else None, "doc_end": segment_start + end if spans else None,
        "quote": quote, "attributes": orjson.loads(attributes), "note": note, "annotator": annotator,
        "status": status, "reviewer": reviewer, "reviewed_at": _iso_text(reviewed_at), "review_note": review_note,
        "gold": bool(gold), "edited": bool(edited), "provenance": provenance.get(pk, []), "created": _iso_text(created),
        "modified": _iso_text(modified),
        "version": version,
        "relation": {"content": content, "source": source, "cue": cue} if scope == Layer.Scope.RELATION else None,
        "import_source": import_source, "import_file": import_file, "codebook_version": now,
        "made_under": f"{origin_key} v{origin_version}" if origin_key is not None else now,
    }


def document_record(document):
    source = document.source
    return {
        "id": document.pk, "title": document.title, "standfirst": document.standfirst, "author": document.author,
        "source": {"name": source.name, "country": source.country, "funding_note": source.funding_note,
                   "url": source.url} if source else None,
        "published_at": _iso(document.published_at), "url": document.url, "language": document.language,
        "filename": document.filename, "external_id": document.external_id, "text_sha256": document.text_sha256,
        "text": document.text,
    }


def export_blocks(*, documents, annotations):
    """Yield a DocumentBlock per document, its segments carrying the given annotations."""
    documents = documents.select_related("source").order_by("id")
    annotations = annotations.filter(document__in=documents.values("pk"))
    by_scope = {
        scope: annotations.filter(label__layer__scope__in=scopes).annotate(**RAW_TEXT).order_by(*order)
        .values_list(*ANNOTATION_FIELDS)
        for scope, scopes, order in [
            ("segment", ["segment", "span"], ["document_id", "segment__index", "start", "id"]),
            ("document", ["document"], ["document_id", "id"]),
            ("relation", ["relation"], ["document_id", "id"]),
        ]
    }
    provenance, origins = {}, {}
    for gold_id, origin_id, origin_annotator in Annotation.provenance.through.objects.filter(
        from_annotation__in=annotations.filter(gold=True).values("pk")
    ).order_by("from_annotation_id", "to_annotation_id").values_list(
        "from_annotation_id", "to_annotation_id", "to_annotation__annotator__username"
    ):
        provenance.setdefault(gold_id, []).append(origin_id)
        # The readable formats credit a gold tag to its annotators, whether or not their tags are exported.
        names = origins.setdefault(gold_id, [])
        if origin_annotator not in names:
            names.append(origin_annotator)

    by_document = itemgetter(1)
    segments = _Cursor(Segment.objects.filter(document__in=documents.values("pk"))
                       .order_by("document_id", "index").values_list(*SEGMENT_FIELDS).iterator(CHUNK), by_document)
    spans = _Cursor(_raw_rows(by_scope["segment"]), itemgetter(1, 3))
    document_level = _Cursor(_raw_rows(by_scope["document"]), by_document)
    relations = _Cursor(_raw_rows(by_scope["relation"]), by_document)
    by_segment = itemgetter(0, 1)
    comments = _Cursor(
        SegmentComment.objects.filter(segment__document__in=documents.values("pk"))
        .order_by("segment__document_id", "segment__index", "created_at", "id")
        .values_list("segment__document_id", "segment__index", "author__username", "text", "created_at")
        .iterator(CHUNK), by_segment)
    # Done-marks go with the annotators whose tags are exported: an annotator's own export carries only theirs.
    done = _Cursor(
        SegmentProgress.objects.filter(segment__document__in=documents.values("pk"),
                                       annotator__in=annotations.values("annotator"))
        .order_by("segment__document_id", "segment__index", "annotator__username")
        .values_list("segment__document_id", "segment__index", "annotator__username", "done_at")
        .iterator(CHUNK), by_segment)

    def segment_records(document_id):
        for pk, _doc, index, kind, paragraph, start, end, text in segments.take(document_id):
            key = (document_id, index)
            tagged = [annotation_record(row, provenance) for row in spans.take(key)]
            yield {"id": pk, "index": index, "kind": kind, "paragraph": paragraph, "start": start, "end": end,
                   "text": text, "annotations": tagged,
                   "comments": [{"author": author, "text": body, "created": _iso(created)}
                                for _d, _i, author, body, created in comments.take(key)],
                   "done": [{"annotator": annotator, "done_at": _iso(done_at)}
                            for _d, _i, annotator, done_at in done.take(key)]}

    for document in documents.iterator(CHUNK):
        yield {
            "document": document_record(document),
            "segments": segment_records(document.pk),
            "document_annotations": (annotation_record(r, provenance) for r in document_level.take(document.pk)),
            "relations": (annotation_record(r, provenance) for r in relations.take(document.pk)),
            "origins": origins,
        }


def export_meta(*, project, filters, base_url, csv_formulas="escape", fmt="json", scheme=None, task=None,
                overlaps=None):
    """Return the metadata that heads every export; scheme, task and overlaps belong to the semeval format only."""
    if csv_formulas not in CSV_FORMULAS:
        raise ExportFilterError({"csv_formulas": f"{csv_formulas!r} is not one of: {', '.join(CSV_FORMULAS)}"})
    meta = {
        "csv_formulas": csv_formulas,
        "project": {"id": project.pk, "slug": project.slug, "name": project.name},
        "codebook": with_techniques(export_codebook(project.codebook)),
        "filters": filters,
        "generated_at": datetime.now(UTC).isoformat(),
        "base_url": base_url.rstrip("/"),
    }
    given = {name: value for name, value in (("scheme", scheme), ("task", task), ("overlaps", overlaps))
             if value is not None}
    if fmt != "semeval":
        if given:
            raise ExportFilterError({name: f"only for format semeval, not {fmt}" for name in given})
        return meta
    try:
        meta["semeval"] = semeval_options(**given)
    except SemevalOptionError as error:
        raise ExportFilterError(error.errors) from None
    return meta


def with_techniques(codebook):
    """Add each label's technique category and SemEval-2020 name, read from the one inventory table."""
    for layer in codebook["layers"]:
        for label in layer["labels"]:
            known = techniques.BY_NAME.get(label["technique"])
            label["category"] = known.category if known else None
            label["technique_2020"] = known.semeval2020 if known else None
    return codebook


EXPORT_STATUSES = [*Annotation.Status.values, "gold"]
# CSV cells starting with =, +, -, @, tab or CR are escaped by default, or kept verbatim on request.
CSV_FORMULAS = ("escape", "keep")
FILTERS = ("document", "status", "annotator", "layer", "label")
ID = re.compile("[0-9]{1,18}")  # ASCII digits only (str.isdigit() takes '²'), within a 64-bit id


class ExportFilterError(ValueError):
    """A filter value that names nothing; .errors maps the parameter to the problem."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in errors.items()))


def select_for_export(*, project, annotations, params):
    """Apply export filters (document, status, annotator, layer, label) and return (documents, annotations, echo)."""
    documents = project.documents.all()
    annotations = annotations.filter(project=project)
    errors, echo = {}, {}
    for name in FILTERS:
        value = params.get(name)
        if hasattr(params, "getlist") and len(params.getlist(name)) > 1:
            errors[name] = "give this parameter once: a filter takes one value"
        elif value is not None and (problem := text_problem(str(value))):
            errors[name] = problem
        elif value == "":
            errors[name] = "must not be empty: leave the parameter out to export everything"
    if errors:
        raise ExportFilterError(errors)
    if value := params.get("document"):
        if not ID.fullmatch(str(value)):
            errors["document"] = f"no document {value!r} in this project: an id is digits 0-9"
        elif not documents.filter(pk=int(value)).exists():
            errors["document"] = f"no document {value!r} in this project"
        else:
            documents = documents.filter(pk=int(value))
            echo["document"] = int(value)
    if value := params.get("status"):
        if value not in EXPORT_STATUSES:
            errors["status"] = f"{value!r} is not one of: {', '.join(EXPORT_STATUSES)}"
        else:
            annotations = annotations.filter(gold=True) if value == "gold" else annotations.filter(status=value)
            echo["status"] = value
    if value := params.get("annotator"):
        if not project.memberships.filter(user__username=value).exists():
            errors["annotator"] = f"no member {value!r} in this project"
        else:
            annotations = annotations.filter(annotator__username=value)
            echo["annotator"] = value
    layers = project.codebook.layers.all()
    if value := params.get("layer"):
        if not layers.filter(key=value).exists():
            errors["layer"] = f"{value!r} is not one of: {', '.join(layers.values_list('key', flat=True))}"
        else:
            annotations = annotations.filter(label__layer__key=value)
            echo["layer"] = value
    if value := params.get("label"):
        if not Label.objects.filter(layer__in=layers, key=value).exists():
            errors["label"] = f"no label {value!r} in this project's codebook"
        else:
            annotations = annotations.filter(label__key=value)
            echo["label"] = value
    if errors:
        raise ExportFilterError(errors)
    return documents, annotations, echo
