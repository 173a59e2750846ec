"""Write persuasion-technique spans in the layouts the official SemEval scorers read.

Tab-separated, no header, one line a span, offsets in code points of the
document text (``text[start:end]`` is the span; a span may run across
sentences). The first column is the article id: the document's external id
(SemEval's ``111111111`` of ``article111111111.txt``) when it has one, its
database id otherwise. Two schemes and their layouts:

- ``scheme=2020`` (SemEval-2020 Task 11), ``task=si`` (span identification):
  ``article_id<TAB>start<TAB>end``, every technique span. Its scorer
  (task-SI_scorer.py) refuses a submission in which two spans of one article
  overlap, unless run with ``-m``, so by default (``overlaps=merge``)
  overlapping spans are written as their union, one line each, in order;
  ``overlaps=keep`` writes every span as stored, as the corpus's own SI
  label files do (they may overlap; the scorer merges the gold itself);
- ``scheme=2020``, ``task=tc`` (technique classification, the default):
  ``article_id<TAB>technique<TAB>start<TAB>end`` with the 2020 class name
  (``Name_Calling,Labeling``, ``Flag-Waving``, ...);
- ``scheme=2023`` (SemEval-2023 Task 3, subtask 3 span files): the same four
  columns with the 2023 string (``Name_Calling-Labeling``, ...).

Which annotations: every span annotation whose label maps to a technique of
the inventory in ``annotate/techniques.py``, in any span layer. A technique
with no name in the chosen scheme is left out of that scheme's technique file:
the six that SemEval-2020 did not have (Appeal_to_Hypocrisy,
Questioning_the_Reputation, Appeal_to_Values, Consequential_Oversimplification,
Appeal_to_Time, Obfuscation-Vagueness-Confusion) are absent from ``tc``; ``si``
has no technique column and writes them all. Several 2023 techniques share one
2020 class (Straw_Man, Red_Herring and Whataboutism are all
``Whataboutism,Straw_Men,Red_Herring``; Guilt_by_Association and
Appeal_to_Popularity are ``Bandwagon,Reductio_ad_hitlerum``).

Export ``status=gold`` for the adjudicated version: every matching
annotation is a line, so two annotators' tags of one span are two lines.
"""

from collections.abc import Iterable, Iterator

from annotate.techniques import BY_NAME, SCHEMES, scheme_name

from .common import doc_offsets, skip
from .records import DocumentBlock, ExportMeta

TASKS = ("si", "tc")  # SemEval-2020 Task 11's two subtasks; SemEval-2023 Task 3 subtask 3 has one span layout
OVERLAPS = ("merge", "keep")  # span identification: overlapping spans written as their union, or each as stored
DEFAULTS = {"scheme": "2020", "task": "tc", "overlaps": "merge"}


class SemevalOptionError(ValueError):
    """An option of the semeval export that is not valid; .errors maps the option to the problem."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in errors.items()))


def semeval_options(*, scheme=None, task=None, overlaps=None):
    """Return the checked {"scheme", "task", "overlaps"} of a semeval export (None where they do not apply)."""
    errors = {}
    if scheme is not None and scheme not in SCHEMES:
        errors["scheme"] = f"{scheme!r} is not one of: {', '.join(SCHEMES)}"
    chosen = scheme or DEFAULTS["scheme"]
    if task is not None and task not in TASKS:
        errors["task"] = f"{task!r} is not one of: {', '.join(TASKS)}"
    elif task is not None and chosen != "2020":
        errors["task"] = f"only for scheme 2020: SemEval-{chosen} has one span layout"
    chosen_task = (task or DEFAULTS["task"]) if chosen == "2020" else None
    if overlaps is not None and overlaps not in OVERLAPS:
        errors["overlaps"] = f"{overlaps!r} is not one of: {', '.join(OVERLAPS)}"
    elif overlaps is not None and chosen_task != "si":
        errors["overlaps"] = "only for scheme 2020, task si (span identification)"
    if errors:
        raise SemevalOptionError(errors)
    return {"scheme": chosen, "task": chosen_task,
            "overlaps": (overlaps or DEFAULTS["overlaps"]) if chosen_task == "si" else None}


def article_id(document) -> str:
    """Return the id a SemEval file gives an article: the external id if set, else the database id."""
    return document.get("external_id") or str(document["id"])


def _line(article: str, technique: str, start: int, end: int, *, scheme: str, task: str | None) -> str | None:
    """Return one line in the chosen layout, or None for a technique the scheme does not name."""
    if task == "si":
        return f"{article}\t{start}\t{end}\n"
    name = scheme_name(technique, scheme)
    return None if name is None else f"{article}\t{name}\t{start}\t{end}\n"


def _technique_spans(segment):
    """Yield (technique, document start, document end) of a segment's technique spans."""
    for a in segment["annotations"]:
        if a["scope"] == "span" and a["technique"] in BY_NAME:
            start, end = doc_offsets(a, segment)
            yield a["technique"], start, end


def merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the union of spans as sorted, non-overlapping spans (spans that only touch stay apart)."""
    union: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if union and start < union[-1][1]:
            union[-1] = (union[-1][0], max(union[-1][1], end))
        else:
            union.append((start, end))
    return union


def export_semeval(blocks: Iterable[DocumentBlock], meta: ExportMeta) -> Iterator[bytes]:
    """Stream technique span lines: a chunk per segment, or per article when overlapping spans are merged."""
    options = meta.get("semeval") or semeval_options()
    layout = {"scheme": options["scheme"], "task": options["task"]}
    for block in blocks:
        article = article_id(block["document"])
        if options.get("overlaps") == "merge":
            spans = [(start, end) for segment in block["segments"] for _, start, end in _technique_spans(segment)]
            if spans:
                yield "".join(f"{article}\t{start}\t{end}\n" for start, end in merged(spans)).encode()
        else:
            for segment in block["segments"]:
                lines = [line for technique, start, end in _technique_spans(segment)
                         if (line := _line(article, technique, start, end, **layout)) is not None]
                if lines:
                    yield "".join(lines).encode()
        skip(block["document_annotations"])
        skip(block["relations"])
