"""Read doccano JSONL: one document a line, with its spans and its document labels.

doccano writes a line as ``{"id", "text", "label": [[start, end, "label"], ...]}``
(sequence labelling; our writer's labels are ``layer/label``), as
``{"id", "text", "entities": [{"id", "label", "start_offset", "end_offset"}],
"relations": [...]}`` (sequence labelling with relations), or as
``{"id", "text", "label": ["a", "b"]}`` (text classification: labels of the
whole document; older versions call the list ``cats``). The text is carried,
so each line is a document; its key is the ``id``, else ``FILE:LINE``.

Offsets are UTF-16 code units (doccano measures them with JavaScript string
indices, doccano/doccano#2290) and are turned into code points here; an offset
that falls between the two halves of an astral character (an emoji) points
into no character and is refused. doccano relations (``from_id``, ``to_id``,
``type``) are read as our ``attributed_to`` relations are drawn: from the
content to the source; a relation whose ends are not such spans is refused on
import with the role named.
"""

from bisect import bisect_left
from collections.abc import Callable

from .jsontext import decode, is_offset, parse
from .records import ForeignBatch, ForeignDocument, ForeignFormatError, ForeignTag, Refusal

SOURCE = "doccano"


def read_doccano(files) -> ForeignBatch:
    """Return the documents and tags of doccano JSONL files; a line that is not a doccano object stops it all.

    files are (name, data) records; a document id that comes again in another file (doccano's export of one
    file per user) is the same document, and must have the same text.
    """
    batch = ForeignBatch(source=SOURCE)
    relations: list[ForeignTag] = []  # after every span, so the loader has their ends
    seen: dict[str, tuple[str, str]] = {}  # key -> (where it was first read, its text)
    for file in files:
        for number, line in enumerate(decode(file.data, file.name).splitlines(), start=1):
            if not line.strip():
                continue
            record = parse(line, file.name, f"line {number}")
            document = _document(record, file.name, number)
            where = f"{file.name}:{number}"
            if document.key not in seen:
                seen[document.key] = (where, document.text)
                batch.documents.append(document)
            elif seen[document.key][1] != document.text or seen[document.key][0].startswith(f"{file.name}:"):
                raise ForeignFormatError(f"{file.name}: line {number}: id {document.key} comes again "
                                         f"(first at {seen[document.key][0]}) with {_again(seen, document)}")
            _read_line(record, document, where, batch, relations)
    batch.tags.extend(relations)
    return batch


def _again(seen, document) -> str:
    return "the same text" if seen[document.key][1] == document.text else "another text"


def _document(record, filename: str, number: int) -> ForeignDocument:
    if not isinstance(record, dict):
        raise ForeignFormatError(f"{filename}: line {number}: expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise ForeignFormatError(f"{filename}: line {number}: text: missing or not a string")
    identifier = record.get("id")
    if isinstance(identifier, bool) or not isinstance(identifier, int | str) or identifier == "":
        key = f"{filename}:{number}"
    else:
        key = str(identifier)
    return ForeignDocument(key=key, text=text)


def _read_line(record: dict, document: ForeignDocument, where: str, batch: ForeignBatch, relations: list) -> None:
    to_code_points = code_point_offset(document.text)
    labels = record.get("label", [])
    categories = record.get("cats", [])
    entities = record.get("entities", [])
    links = record.get("relations") or []
    for field, value in (("label", labels), ("cats", categories), ("entities", entities), ("relations", links)):
        if not isinstance(value, list):
            batch.refused.append(Refusal("malformed line", where, f"{field} is not a list"))
            return
    for item in labels + categories:
        if isinstance(item, str):
            batch.tags.append(ForeignTag(document=document.key, label=item, where=where, scope="document"))
        elif isinstance(item, list) and len(item) == 3 and isinstance(item[2], str):
            _span(batch, document, where, item[0], item[1], item[2], to_code_points)
        else:
            batch.refused.append(Refusal("malformed span", where, f"expected [start, end, label] or a label: {item!r}"))
    refs = {}
    for item in entities:
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            batch.refused.append(Refusal("malformed span", where, f"an entity needs a label: {item!r}"))
            continue
        tag = _span(batch, document, where, item.get("start_offset"), item.get("end_offset"), item["label"],
                    to_code_points)
        if tag is not None and isinstance(item.get("id"), int | str):
            refs[str(item["id"])] = tag.ref = f"{where}#{item['id']}"
    for item in links:
        _relation(item, document, where, refs, batch, relations)


def _relation(item, document: ForeignDocument, where: str, refs: dict, batch: ForeignBatch, relations: list):
    """Read a relation from the content (from_id) to the source (to_id)."""
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        batch.refused.append(Refusal("malformed relation", where, f"a relation needs a type: {item!r}"))
        return
    ends = {role: refs.get(str(item.get(field))) for role, field in (("content", "from_id"), ("source", "to_id"))}
    if None in ends.values():
        batch.refused.append(Refusal("relation end not found", where, f"relation {item.get('id')!r}: from_id and "
                                                                      "to_id must be ids of entities of its line"))
        return
    relations.append(ForeignTag(document=document.key, label=item["type"], where=where, scope="relation", ends=ends))


def _span(batch, document, where, start, end, label, to_code_points) -> ForeignTag | None:
    if not (is_offset(start) and is_offset(end)):
        detail = f"offsets of {label!r} are not non-negative integers: {start!r}, {end!r}"
        batch.refused.append(Refusal("malformed span", where, detail))
        return None
    try:
        first, last = to_code_points(start), to_code_points(end)
    except ValueError as error:
        batch.refused.append(Refusal(error.args[0], where, f"{label!r} at {start}-{end} (UTF-16): {error.args[1]}"))
        return None
    tag = ForeignTag(document=document.key, label=label, where=where, start=first, end=last)
    batch.tags.append(tag)
    return tag


def code_point_offset(text: str) -> Callable[[int], int]:
    """Return a function turning UTF-16 offsets of text into code-point offsets.

    It raises ValueError(reason, detail) for an offset past the text or inside a surrogate pair.
    """
    astral: list[int] = []  # the UTF-16 offset of each astral character, in order
    for index, character in enumerate(text):
        if ord(character) > 0xFFFF:
            astral.append(index + len(astral))
    length = len(text) + len(astral)

    def convert(offset: int) -> int:
        if offset > length:
            raise ValueError("span outside the text", f"the text has {length} UTF-16 code units")
        before = bisect_left(astral, offset)  # astral characters that start before the offset
        if before and astral[before - 1] + 1 == offset:
            raise ValueError("offset inside a character", f"{offset} falls inside a surrogate pair")
        return offset - before

    return convert
