"""Read a Label Studio JSON export: tasks with their text, annotations and predictions.

The export is a JSON array of tasks (a single task object is read too):
``{"id", "data": {"text", ...}, "annotations": [{"result", "completed_by", ...}],
"predictions": [{"result", "model_version"}]}``. The text is ``data.text``,
else the first string value of ``data`` (a labelling configuration may name
the field otherwise); the task ``id`` is the document key, and ``data.title``
its title.

Results:

- ``labels``: a span ``value: {start, end, text, labels}`` in code points (as
  Label Studio's Text tag counts them); one tag per label, named
  ``<from_name>/<label>`` since a label value belongs to its control (ours
  are the layer keys, so our own exports map without a mapping file), except
  a value that names itself: a SemEval-2020 or 2023 technique string, mapped
  by the built-in tables, or a ``layer/label`` or ``layer:label`` name. The
  region's ``text`` is the quote, checked against the document on import;
  a note travels in the region's ``meta.text``.
- ``choices``: labels of the whole document, named as above.
- ``textarea`` with the id of a region: the region's note.
- ``relation``: a relation between two regions of the same annotation, read
  as our writer draws ``attributed_to``: from the content to the source
  (``direction: left`` turns it round; ``bi`` has no content end and is
  refused); a relation carries no cue and no attributes in this format.
- every other type (ratings, taxonomies, HTML regions) is refused, named.

Who made a tag: our writer's ``annotator`` (a username), else ``completed_by``
(a member's email when the export expands it, else the member id as text).
Predictions are read as well, each as the tags of an annotator named after
its ``model_version`` ("prediction" when it has none), which a dataset
account of that name receives, and with a note that begins "prediction of
<model_version>", so they stay apart from people's tags whoever they are
imported as. Cancelled (skipped) annotations carry no judgement and are
passed over. ``ground_truth`` is not carried: imported tags start unreviewed,
and gold is made by review in the app.
"""

from annotate.techniques import SEMEVAL_2020, SEMEVAL_2023

from .jsontext import decode, is_offset, parse
from .records import ForeignBatch, ForeignDocument, ForeignFormatError, ForeignTag, Refusal

SOURCE = "labelstudio"
PREDICTION = "prediction"
TECHNIQUES = frozenset(SEMEVAL_2020 + SEMEVAL_2023)


def read_labelstudio(files) -> ForeignBatch:
    """Return the documents and tags of Label Studio JSON exports; a task without text stops it all."""
    batch = ForeignBatch(source=SOURCE)
    keys: dict[str, str] = {}
    for file in files:
        tasks = parse(decode(file.data, file.name), file.name)
        if isinstance(tasks, dict):
            tasks = [tasks]
        if not isinstance(tasks, list):
            raise ForeignFormatError(f"{file.name}: expected a JSON array of tasks, got {type(tasks).__name__}")
        for number, task in enumerate(tasks, start=1):
            place = f"{file.name}:item {number}"
            document = _document(task, place)
            if document.key in keys:
                raise ForeignFormatError(f"{place}: task id {document.key} comes again (first at {keys[document.key]})")
            keys[document.key] = place
            batch.documents.append(document)
            _read_task(task, document, place, batch)
    return batch


def _document(task, place: str) -> ForeignDocument:
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise ForeignFormatError(f"{place}: expected a task object with a data object")
    data = task["data"]
    text = data.get("text")
    if not isinstance(text, str):
        text = next((value for value in data.values() if isinstance(value, str)), None)
    if text is None:
        raise ForeignFormatError(f"{place}: data holds no text")
    identifier = task.get("id")
    key = place if isinstance(identifier, bool) or not isinstance(identifier, int | str) else str(identifier)
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    return ForeignDocument(key=key, text=text, title=title)


def _read_task(task: dict, document: ForeignDocument, place: str, batch: ForeignBatch) -> None:
    for kind in ("annotations", "predictions"):
        groups = task.get(kind) or []
        if not isinstance(groups, list):
            raise ForeignFormatError(f"{place}: {kind} is not a list")
        for number, group in enumerate(groups, start=1):
            where = f"{place} {kind[:-1]} {number}"
            if not isinstance(group, dict) or not isinstance(group.get("result", []), list):
                raise ForeignFormatError(f"{where}: expected an object with a result list")
            if group.get("was_cancelled"):
                continue
            made = len(batch.tags)
            annotator = _annotator(group) if kind == "annotations" else _model(group)
            _read_results(group.get("result", []), document, where, annotator, batch)
            if kind == "predictions":
                for tag in batch.tags[made:]:
                    tag.note = "\n".join(filter(None, [f"prediction of {annotator}", tag.note]))


def _annotator(group: dict) -> str:
    if isinstance(group.get("annotator"), str):
        return group["annotator"]
    made_by = group.get("completed_by")
    if isinstance(made_by, dict):
        made_by = made_by.get("email") or made_by.get("id")
    if isinstance(made_by, bool) or not isinstance(made_by, int | str):
        return ""
    return str(made_by)


def _model(group: dict) -> str:
    version = group.get("model_version")
    return version if isinstance(version, str) and version else PREDICTION


def _read_results(results: list, document: ForeignDocument, where: str, annotator: str, batch: ForeignBatch):
    regions: dict[str, list[ForeignTag]] = {}
    notes, links = [], []
    for number, result in enumerate(results, start=1):
        here = f"{where} result {number}"
        kind = result.get("type") if isinstance(result, dict) else None
        if kind == "labels":
            made = _labels(result, document, here, annotator, batch)
            regions.setdefault(str(result.get("id")), []).extend(made)
            for tag in made:
                tag.ref = f"{where}#{result.get('id')}"
        elif kind == "choices":
            _choices(result, document, here, annotator, batch)
        elif kind in ("textarea", "relation"):
            (notes if kind == "textarea" else links).append((result, here))
        else:
            batch.refused.append(Refusal(f"{kind or 'untyped'} result not imported", here,
                                         "only labels, choices, textarea and relation results are read"))
    for result, here in links:
        _relation(result, regions, document, here, annotator, batch)
    for result, here in notes:
        texts = (result.get("value") or {}).get("text")
        tags = regions.get(str(result.get("id")))
        if not tags or not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
            batch.refused.append(Refusal("note without a region", here, "a textarea is read as the note of the "
                                                                       "labels region with its id"))
            continue
        for tag in tags:
            tag.note = "\n".join(filter(None, [tag.note, *texts]))


def _relation(result: dict, regions: dict, document: ForeignDocument, here: str, annotator: str, batch):
    """Read a relation from the content region to the source region (our writer's direction)."""
    labels = result.get("labels") or []
    direction = result.get("direction", "right")
    ends = [regions.get(str(result.get(field))) for field in ("from_id", "to_id")]
    problem = (
        "it has no label" if not labels or not all(isinstance(label, str) for label in labels) else
        f"direction {direction!r} has no content end" if direction not in ("right", "left") else
        "from_id and to_id must be ids of labels regions of the same annotation" if None in ends else
        "an end region holds several labels" if any(len(end) != 1 for end in ends) else None
    )  # fmt: skip
    if problem:
        batch.refused.append(Refusal("relation not imported", here, problem))
        return
    content, source = ends if direction == "right" else ends[::-1]
    for label in labels:
        batch.tags.append(ForeignTag(document=document.key, label=label, where=here, scope="relation",
                                     annotator=annotator, ends={"content": content[0].ref, "source": source[0].ref}))


def _labels(result: dict, document: ForeignDocument, here: str, annotator: str, batch: ForeignBatch):
    value = result.get("value")
    if not isinstance(value, dict) or not (is_offset(value.get("start")) and is_offset(value.get("end"))):
        batch.refused.append(Refusal("not a text region", here, "labels need value.start and value.end in "
                                                                "characters of the text"))
        return []
    labels = value.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(label, str) for label in labels):
        batch.refused.append(Refusal("malformed result", here, "value.labels must be a list of label names"))
        return []
    quote = value.get("text") if isinstance(value.get("text"), str) else None
    note = _meta_note(result)
    made = [
        ForeignTag(document=document.key, label=_name(result, label), where=here, start=value["start"],
                   end=value["end"], annotator=annotator, note=note, quote=quote)
        for label in labels
    ]
    batch.tags.extend(made)
    return made


def _choices(result: dict, document: ForeignDocument, here: str, annotator: str, batch: ForeignBatch) -> None:
    value = result.get("value")
    choices = value.get("choices") if isinstance(value, dict) else None
    if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
        batch.refused.append(Refusal("malformed result", here, "value.choices must be a list of label names"))
        return
    note = _meta_note(result)
    for choice in choices:
        batch.tags.append(ForeignTag(document=document.key, label=_name(result, choice), where=here,
                                     scope="document", annotator=annotator, note=note))


def _name(result: dict, label: str) -> str:
    """Name a label by its control, unless the value names itself: a SemEval technique, or layer/label."""
    control = result.get("from_name")
    if label in TECHNIQUES or "/" in label or ":" in label or not isinstance(control, str) or not control:
        return label
    return f"{control}/{label}"


def _meta_note(result: dict) -> str:
    texts = (result.get("meta") or {}).get("text") if isinstance(result.get("meta"), dict) else None
    if isinstance(texts, str):
        return texts
    if isinstance(texts, list):
        return "\n".join(text for text in texts if isinstance(text, str))
    return ""
