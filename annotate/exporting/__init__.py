"""Export formats: a registry of pure writers that turn DocumentBlocks into byte chunks."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .csv import export_csv
from .doccano import export_doccano
from .html import export_html
from .json import export_json
from .jsonl import export_jsonl
from .labelstudio import export_labelstudio
from .md import export_md
from .records import DocumentBlock, ExportMeta
from .semeval import export_semeval
from .w3c import export_w3c

Writer = Callable[[Iterable[DocumentBlock], ExportMeta], Iterator[bytes]]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    key: str
    writer: Writer
    content_type: str
    extension: str  # without the dot
    description: str


class UnknownFormat(ValueError):
    """Raised for an export format that is not registered."""


JSON_LD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
TSV = "text/tab-separated-values; charset=utf-8"

FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in [
        ExportFormat(
            "json", export_json, "application/json", "json", "Everything in one JSON object; the backup format"
        ),
        ExportFormat(
            "jsonl", export_jsonl, "application/x-ndjson", "jsonl", "A JSON line per segment and document label"
        ),
        ExportFormat("csv", export_csv, "text/csv; charset=utf-8", "csv", "One annotation per row, for spreadsheets"),
        ExportFormat("w3c", export_w3c, JSON_LD, "jsonld", "W3C Web Annotation collection (JSON-LD)"),
        ExportFormat("semeval", export_semeval, TSV, "tsv",
                     "Technique spans for the SemEval scorers: 2020 Task 11 (tc or si) or 2023 Task 3 subtask 3"),
        ExportFormat("doccano", export_doccano, "application/x-ndjson", "jsonl", "doccano sequence-labelling JSONL"),
        ExportFormat("labelstudio", export_labelstudio, "application/json", "json", "Label Studio tasks"),
        ExportFormat("html", export_html, "text/html; charset=utf-8", "html", "Annotated report, standalone HTML"),
        ExportFormat("md", export_md, "text/markdown; charset=utf-8", "md", "Annotated report, Markdown"),
    ]
}


def export(fmt: str, blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Return the chunks of an export; raise UnknownFormat before anything is read."""
    try:
        export_format = FORMATS[fmt]
    except KeyError:
        raise UnknownFormat(f"Unknown export format {fmt!r}; valid formats: {', '.join(FORMATS)}.") from None
    return export_format.writer(blocks, meta)
