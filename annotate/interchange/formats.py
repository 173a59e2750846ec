"""The import formats: each key names a reader of files into a ForeignBatch, and which files it takes.

A reader is ``read(files) -> ForeignBatch`` over InputFile objects; it raises
ForeignFormatError for a file it cannot read at all, and puts a line or item
it cannot read in ``batch.refused``. ``accepts(file)`` says whether a file
found in a directory belongs to the format (files named one by one are all
given to the reader). ``json`` has no reader: it is our own export, put back
by annotate.restoring.
"""

from collections.abc import Callable
from dataclasses import dataclass

from annotate.interchange import doccano, labelstudio, semeval, w3c
from annotate.interchange.report import ImportOptionError


@dataclass(frozen=True, slots=True)
class Format:
    key: str
    description: str
    read: Callable | None  # files -> ForeignBatch; None for json (annotate.restoring)
    accepts: Callable  # InputFile -> bool


FORMATS = {}


def register(fmt):
    FORMATS[fmt.key] = fmt
    return fmt


def get_format(key):
    """Return the Format of a key, or raise ImportOptionError naming the field 'format'."""
    if key not in FORMATS:
        raise ImportOptionError(f"{key!r} is not one of: {', '.join(FORMATS)}", field="format")
    return FORMATS[key]


register(Format("json", "our json export, restored with its reviews, gold version, comments and done-marks",
                None, lambda file: file.basename.lower().endswith(".json")))
register(Format("semeval-2020", "SemEval-2020 Task 11: article<ID>.txt and SI (id, start, end) or TC (id, "
                                "technique, start, end) .labels files", semeval.read_2020, semeval.accepts_2020))
register(Format("semeval-2023", "SemEval-2023 Task 3 subtask 3: article<ID>.txt and span files (id, technique, "
                                "start, end)", semeval.read_2023, semeval.accepts_2023))
register(Format("doccano", "doccano JSONL: one document a line, spans as label [[start, end, name]] or entities "
                           "(UTF-16 offsets), document labels as a list of names", doccano.read_doccano,
                lambda file: file.basename.lower().endswith((".jsonl", ".json"))))
register(Format("labelstudio", "Label Studio JSON export: tasks with data.text, annotations and predictions (labels, "
                               "choices, textarea notes)", labelstudio.read_labelstudio,
                lambda file: file.basename.lower().endswith(".json")))
register(Format("w3c", "W3C Web Annotation JSON-LD: a collection, page or annotations, with TextPositionSelector or "
                       "TextQuoteSelector targets; article .txt/.md files for sources the project lacks",
                w3c.read_w3c, w3c.accepts))
