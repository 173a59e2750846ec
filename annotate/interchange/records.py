"""Plain records that readers produce and the loader consumes: no Django imports.

Offsets are Unicode code points of the document text, 0-based, end exclusive,
measured in the whole document (not in a sentence): readers convert from the
format's own unit (doccano counts UTF-16 code units) before they fill these.
"""

from dataclasses import dataclass, field


class ForeignFormatError(ValueError):
    """A file that cannot be read as the format at all; the message names the file and the place."""


@dataclass(slots=True)
class ForeignDocument:
    key: str  # how the files name the article: SemEval's article id, a doccano or Label Studio id, a W3C source IRI
    text: str | None = None  # the article text, when the files carry it; None: it must already be in the project
    filename: str = ""  # the article's original file name, e.g. "article111111111.txt"
    external_id: str = ""  # the id the collection gives it, e.g. "111111111"
    title: str = ""


@dataclass(slots=True)
class ForeignTag:
    document: str  # ForeignDocument.key of the article it belongs to
    label: str  # the label as the format names it, e.g. "Name_Calling,Labeling" or "loaded_language/name_calling"
    where: str  # the file and line or item it came from, for the report: "article1.task2-TC.labels:3"
    start: int | None = None  # document offsets of a span or a sentence; None for an article-level label
    end: int | None = None
    scope: str = "span"  # "span" (a phrase), "segment" (a whole sentence), "document" (the article) or "relation"
    annotator: str = ""  # the format's name for who made it, if it has one
    attributes: dict = field(default_factory=dict)
    note: str = ""
    quote: str | None = None  # the text the format says the span covers, checked against the document if given
    ref: str = ""  # the format's id of this tag, unique in the batch, when a relation may point at it
    ends: dict = field(default_factory=dict)  # a relation's ends: "content", "source", "cue" -> the ends' refs


@dataclass(slots=True)
class Refusal:
    reason: str  # a short, stable reason, counted in the report: "unknown label", "span outside the text", …
    where: str
    detail: str = ""


@dataclass(slots=True)
class ForeignBatch:
    source: str  # what the tags record as their origin: "semeval-2020", "doccano", "labelstudio", "w3c", "json"
    documents: list[ForeignDocument] = field(default_factory=list)
    tags: list[ForeignTag] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)  # what the reader itself could not read
