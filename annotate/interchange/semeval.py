"""Read SemEval span files: SemEval-2020 Task 11 (SI and TC) and SemEval-2023 Task 3 subtask 3.

Articles are ``article<ID>.txt`` files, read as UTF-8 exactly; their offsets
are code points of that text. Label files are tab-separated, one span a line:

- SemEval-2020 span identification (SI): ``id<TAB>start<TAB>end``, in
  ``article<ID>.task1-SI.labels`` or a concatenated ``train-task1-SI.labels``;
  an SI span has no technique (the loader gives it the ``span_label`` option);
- SemEval-2020 technique classification (TC): ``id<TAB>technique<TAB>start<TAB>end``,
  in ``article<ID>.task2-TC.labels`` or ``train-task2-TC.labels``;
- SemEval-2023 subtask 3: ``id<TAB>technique<TAB>start<TAB>end``, in
  ``article<ID>-labels-subtask-3.txt`` or ``*-labels-subtask-3-spans.txt``.

A line that is not of the layout is refused with its file and line; the rest is read.
"""

import re

from annotate.interchange.inputs import decode
from annotate.interchange.records import ForeignBatch, ForeignDocument, ForeignFormatError, ForeignTag, Refusal

ARTICLE_RE = re.compile(r"article(\d+)\.txt")
LABELS_2020_RE = re.compile(r".+\.labels(\.tsv|\.txt)?")
LABELS_2023_RE = re.compile(r".*labels-subtask-3.*\.txt|.+\.labels")
LINE_RE = re.compile(r"[0-9]+(\t[^\t]*)+")
NUMBER_RE = re.compile(r"[0-9]+")
MALFORMED = "malformed line"


def is_article(name):
    return ARTICLE_RE.fullmatch(name) is not None


def accepts_2020(file):
    """Whether a file found in a directory belongs to a SemEval-2020 import: by its name, else its first line."""
    name = file.basename
    return is_article(name) or LABELS_2020_RE.fullmatch(name) is not None or _looks_like_labels(file, (3, 4))


def accepts_2023(file):
    """Whether a file found in a directory belongs to a SemEval-2023 subtask 3 import."""
    name = file.basename
    return is_article(name) or LABELS_2023_RE.fullmatch(name) is not None or _looks_like_labels(file, (4,))


def read_2020(files):
    """Return the batch of SemEval-2020 Task 11 articles and SI or TC spans (3 or 4 columns, per line)."""
    return _read(files, source="semeval-2020", layouts=(3, 4), accepts=accepts_2020)


def read_2023(files):
    """Return the batch of SemEval-2023 Task 3 articles and subtask 3 spans."""
    return _read(files, source="semeval-2023", layouts=(4,), accepts=accepts_2023)


def _read(files, *, source, layouts, accepts):
    batch = ForeignBatch(source=source)
    documents = {}
    for file in sorted(files, key=lambda f: f.name):
        if is_article(file.basename):
            key = ARTICLE_RE.fullmatch(file.basename).group(1)
            if key in documents:
                raise ForeignFormatError(f"{file.name}: article {key} is given twice")
            documents[key] = ForeignDocument(key=key, text=decode(file), filename=file.basename, external_id=key)
        elif accepts(file):
            _read_labels(file, layouts, batch)
        else:
            raise ForeignFormatError(
                f"{file.name}: neither an article (article<ID>.txt) nor a {source} labels file"
            )
    for tag in batch.tags:
        documents.setdefault(tag.document, ForeignDocument(key=tag.document, external_id=tag.document))
    batch.documents = list(documents.values())
    return batch


def _looks_like_labels(file, layouts):
    """Whether a file of another name has the layout of a labels file (its first line decides)."""
    try:
        first = decode(file).lstrip("\n").split("\n", 1)[0].rstrip("\r")
    except ForeignFormatError:
        return False
    return LINE_RE.fullmatch(first) is not None and len(first.split("\t")) in layouts


def _read_labels(file, layouts, batch):
    text = decode(file)
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = f"{file.name}:{number}"
        tag, problem = _parse_line(line, layouts)
        if problem:
            batch.refused.append(Refusal(MALFORMED, where, f"{problem}: {line[:120]!r}"))
        else:
            tag.where = where
            batch.tags.append(tag)


def _parse_line(line, layouts):
    """Return (ForeignTag, None) for a line of one of the layouts, or (None, what is wrong)."""
    fields = line.split("\t")
    if len(fields) not in layouts:
        expected = " or ".join(str(n) for n in layouts)
        return None, f"{len(fields)} tab-separated fields, expected {expected}"
    article, *rest = fields
    technique = rest.pop(0).strip() if len(fields) == 4 else ""
    start, end = (value.strip() for value in rest)
    if NUMBER_RE.fullmatch(article.strip()) is None:
        return None, f"article id {article!r} is not a number"
    if len(fields) == 4 and not technique:
        return None, "the technique is empty"
    for name, value in (("start", start), ("end", end)):
        if NUMBER_RE.fullmatch(value) is None:
            return None, f"{name} {value!r} is not a non-negative integer"
    tag = ForeignTag(document=article.strip(), label=technique, where="", start=int(start), end=int(end))
    return tag, None
