"""Read one document as the annotated report shows it: which tags, credited to whom, linked how.

The report opens with a summary of the whole article, so the html and md
writers hold one document at a time (its sentences, article-level tags and
relations) before writing it: memory follows the longest document, never
the whole export.

Which tags the report reads (its "version"): the gold version when the
document has gold tags, since that is what reviewers adjudicated; otherwise
every annotator's tags as given, leaving out rejected ones. The summary and
the highlighted text read the same version, so the figures match what the
reader sees.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from .common import doc_offsets
from .dates import readable_date
from .readable import Paragraph, paragraphs
from .records import DocumentBlock, ExportAnnotation, ExportDocument, ExportSegment
from .words import listing

RELATION_ROLES = ("content", "source", "cue")


@dataclass(slots=True)
class Link:
    """An attribution relation the report draws: content -> source, with its cue if there is one."""

    number: int
    relation: ExportAnnotation
    content: ExportAnnotation | None
    source: ExportAnnotation | None
    cue: ExportAnnotation | None

    def sentences(self) -> list[int]:
        """Return the indexes of the sentences its ends are stored on."""
        return [end["segment_index"] for end in (self.content, self.source, self.cue)
                if end is not None and end["segment_index"] is not None]


@dataclass(slots=True)
class Article:
    """One document, with the tags of the version the report reads."""

    document: ExportDocument
    segments: list[ExportSegment]  # every sentence, carrying only the tags shown
    document_tags: list[ExportAnnotation]  # article-level tags shown
    links: list[Link]
    gold: bool  # the version shown is the gold one
    every_tag: list[ExportAnnotation]  # every tag in the export of this document, shown or not
    origins: dict[int, list[str]]  # gold tag id -> usernames of the annotators it came from
    paragraphs: list[Paragraph] = field(default_factory=list)
    ends: dict[int, list[tuple[Link, str]]] = field(default_factory=dict)  # span id -> (link, role) it ends

    def shown(self) -> list[ExportAnnotation]:
        """Return the tags the report reads: sentence, span and article tags, and relations."""
        tags = [a for segment in self.segments for a in segment["annotations"]]
        return tags + self.document_tags + [link.relation for link in self.links]

    def annotators(self) -> list[str]:
        """Return who gave the tags before review: the authors of non-gold tags and of done-marks."""
        names = {a["annotator"] for a in self.every_tag if not a["gold"]}
        names |= {mark["annotator"] for segment in self.segments for mark in segment.get("done", ())}
        return sorted(names)

    def credit(self, a: ExportAnnotation) -> str:
        """Return who a tag is owed to: its annotators, and for gold the reviewer who accepted it and when."""
        accepted = self.accepted(a)
        return f"{self.authors(a)}; {accepted}" if accepted else self.authors(a)

    def authors(self, a: ExportAnnotation) -> str:
        """Return a tag's annotators (for gold, those it came from) and, before gold, its review status."""
        if a["gold"]:
            names = sorted(self.origins.get(a["id"]) or [])
            return listing(names) if names else "annotators not in this export"
        status = "" if a["status"] == "pending" else f", {a['status']}"
        if a["reviewer"] and a["status"] != "pending":
            status += f" by {a['reviewer']}"
        return f"{a['annotator']}{status}"

    def accepted(self, a: ExportAnnotation) -> str:
        """Return "accepted by rita, 12 June 2025, 14:05 UTC" for a gold tag, "" for others."""
        if not a["gold"]:
            return ""
        accepted = f"accepted by {a['reviewer'] or a['annotator']}"
        if a["reviewed_at"]:
            accepted += f", {readable_date(a['reviewed_at'])}"
        if a.get("edited"):
            accepted += ", with edits"
        return accepted


def dateline(document, *, escape, link) -> list[str]:
    """Return the article's dateline: outlet, country, author, date, address; each format escapes its own way."""
    source = document["source"] or {}
    parts = [escape(source.get("name") or "Unknown outlet")]
    if source.get("country"):
        parts.append(escape(source["country"]))
    if document["author"]:
        parts.append(f"by {escape(document['author'])}")
    if document["published_at"]:
        parts.append(f"published {escape(readable_date(document['published_at']))}")
    if document["url"]:
        parts.append(link(document["url"]))
    return parts


def read_article(block: DocumentBlock) -> Article:
    """Read a DocumentBlock's three streams, in order, into an Article of the version the report shows."""
    segments = list(block["segments"])
    document_tags = list(block["document_annotations"])
    relations = list(block["relations"])
    every = [a for segment in segments for a in segment["annotations"]] + document_tags + relations
    gold = any(a["gold"] for a in every)
    keep = (lambda a: a["gold"]) if gold else (lambda a: a["status"] != "rejected")
    shown_segments = [{**segment, "annotations": [a for a in segment["annotations"] if keep(a)]}
                      for segment in segments]
    spans = {a["id"]: a for segment in shown_segments for a in segment["annotations"] if a["scope"] == "span"}
    article = Article(
        document=block["document"], segments=shown_segments, document_tags=[a for a in document_tags if keep(a)],
        links=_links([a for a in relations if keep(a)], spans), gold=gold, every_tag=every,
        origins=_origins(block, every),
    )
    article.paragraphs = paragraphs(shown_segments)
    for link in article.links:
        for role in RELATION_ROLES:
            end = getattr(link, role)
            if end is not None:
                article.ends.setdefault(end["id"], []).append((link, role))
    return article


def _links(relations: list[ExportAnnotation], spans: dict[int, ExportAnnotation]) -> list[Link]:
    """Number the relations in reading order of their content span."""
    found = []
    for relation in relations:
        ends = relation["relation"] or {}
        found.append([relation, *(spans.get(ends.get(role)) for role in RELATION_ROLES)])

    def place(item):
        content = item[1] or item[2]
        return (content["doc_start"] or 0, content["id"]) if content else (float("inf"), item[0]["id"])

    return [Link(n, *item) for n, item in enumerate(sorted(found, key=place), start=1)]


def _origins(block: DocumentBlock, every: Iterable[ExportAnnotation]) -> dict[int, list[str]]:
    """Return gold tag id -> annotators, from the block when the reader sent them, else from the tags exported."""
    given = block.get("origins")
    if given is not None:
        return given
    authors = {a["id"]: a["annotator"] for a in every if not a["gold"]}
    return {a["id"]: sorted({authors[i] for i in a["provenance"] if i in authors}) for a in every if a["gold"]}


def span_range(a: ExportAnnotation, segment: ExportSegment) -> tuple[int, int] | None:
    """Return a span's document offsets, or None for a tag that is not a span."""
    return doc_offsets(a, segment) if a["scope"] == "span" else None


def grouped(annotations: list[ExportAnnotation]) -> list[list[ExportAnnotation]]:
    """Group identical tags by different annotators (same label, span and attributes), to note them once."""
    groups: dict[tuple, list[ExportAnnotation]] = {}
    for a in annotations:
        attributes = repr(sorted((a["attributes"] or {}).items()))
        groups.setdefault((a["layer"], a["label"], a["start"], a["end"], a["doc_end"], attributes), []).append(a)
    return list(groups.values())
