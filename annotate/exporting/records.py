"""Plain records that exporters read: no Django imports, so writers test on plain data.

The database side (annotate/exporting/rows.py) turns querysets into these
records; every format writer consumes them and yields ``bytes`` chunks.
Offsets are Unicode code points, 0-based, end exclusive.
"""

from collections.abc import Iterable
from typing import NotRequired, TypedDict


class ExportSource(TypedDict):
    name: str
    country: str
    funding_note: str
    url: str


class ExportDocument(TypedDict):
    id: int
    title: str
    standfirst: str
    author: str
    source: ExportSource | None
    published_at: str | None  # ISO 8601
    url: str
    language: str
    filename: str  # the name of the file the article was imported from, "" if none
    external_id: str  # the article's id in its collection (SemEval: 111 for article111.txt), "" if none
    text_sha256: str
    text: str  # the canonical text that every doc_start/doc_end points into


class ExportRelation(TypedDict):
    content: int  # id of the content span annotation
    source: int  # id of the source span annotation
    cue: int | None  # id of the cue span annotation, if any


class ExportAnnotation(TypedDict):
    id: int
    layer: str  # layer key, e.g. "loaded_language"
    scope: str  # "segment" | "span" | "document" | "relation"
    label: str  # label key, e.g. "loaded_language"
    label_name: str
    technique: str | None  # published scheme string (SemEval-2023), if the label maps to one
    segment_id: int | None  # for document scope: the optional anchor sentence
    segment_index: int | None
    start: int | None  # span offsets inside the segment text (span scope only)
    end: int | None
    doc_start: int | None  # the same span in document text
    doc_end: int | None
    quote: str  # == segment text[start:end] for spans, "" otherwise
    attributes: dict
    note: str
    annotator: str  # username
    status: str  # "pending" | "accepted" | "rejected" | "disputed"
    reviewer: str | None
    reviewed_at: str | None
    review_note: str
    gold: bool
    edited: bool  # gold only: the reviewer changed the tag while accepting it
    provenance: list[int]  # ids of the annotations a gold annotation came from
    created: str  # ISO 8601
    modified: str
    version: int
    relation: ExportRelation | None  # set for relation scope only
    import_source: str  # for a tag imported from another dataset or tool, where from ("semeval-2020"); else ""
    import_file: str  # and the file it was read from
    codebook_version: str  # the codebook version of the tag's label, "<key> v<N>"
    made_under: str  # the version the tag was made under: codebook_version, or an earlier one the project moved from


class ExportComment(TypedDict):
    author: str  # username
    text: str
    created: str  # ISO 8601


class ExportDone(TypedDict):
    annotator: str  # username
    done_at: str  # ISO 8601


class ExportSegment(TypedDict):
    id: int
    index: int  # 0-based position in the document
    kind: str  # "title" | "standfirst" | "heading" | "body"
    paragraph: int
    start: int  # offsets into document text
    end: int
    text: str
    annotations: list[ExportAnnotation]  # segment- and span-scope annotations on this segment
    comments: list[ExportComment]  # the sentence's discussion, oldest first
    done: list[ExportDone]  # annotators who marked the sentence done, by username


class DocumentBlock(TypedDict):
    """One document in an export stream.

    Consume the three iterables in this order: ``segments`` (by index), then
    ``document_annotations`` (document scope), then ``relations`` (relation
    scope). They may be lazy and single-pass.
    """

    document: ExportDocument
    segments: Iterable[ExportSegment]
    document_annotations: Iterable[ExportAnnotation]
    relations: Iterable[ExportAnnotation]
    origins: NotRequired[dict[int, list[str]]]  # gold annotation id -> usernames of the annotators it came from


class ExportLabel(TypedDict):
    key: str
    name: str
    definition: str
    color: str  # "#rrggbb"
    technique: str | None
    category: NotRequired[str | None]  # the technique's SemEval-2023 category (annotate/techniques.py)
    technique_2020: NotRequired[str | None]  # its SemEval-2020 Task 11 name, None where that task lacked it


class ExportLayer(TypedDict):
    key: str
    name: str
    scope: str
    labels: list[ExportLabel]


class ExportCodebook(TypedDict):
    key: str
    name: str
    version: int
    layers: list[ExportLayer]


class ExportMeta(TypedDict):
    project: dict  # {"id": int, "slug": str, "name": str}
    codebook: ExportCodebook
    filters: dict  # the filters applied, echoed into the export
    generated_at: str  # ISO 8601
    base_url: str  # absolute URL prefix for ids in linked-data formats, e.g. "http://127.0.0.1:8000"
    semeval: NotRequired[dict]  # semeval only: {"scheme": "2020" | "2023", "task": "si" | "tc" | None,
    #                                             "overlaps": "merge" | "keep" | None}
    csv_formulas: NotRequired[str]  # "escape" (default): prefix formula-leading CSV cells with '; "keep": verbatim
