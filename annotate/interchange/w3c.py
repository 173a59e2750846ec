"""Read W3C Web Annotation (JSON-LD): a collection, a page, one annotation, or an array of them.

An ``AnnotationCollection`` is read through its embedded ``first`` page (or
its ``items``); pages that are only linked by IRI are not fetched. Bodies:

- ``TextualBody`` with ``purpose: tagging``: the label; with ``classifying``:
  the layer, so the tag is named ``<layer>/<label>`` (as our writer writes
  them); a ``TextualBody`` with no purpose, or ``bodyValue``, stands for the
  label when there is no tagging body;
- ``describing`` with ``format: application/json``: the attributes (a JSON
  object); ``commenting``: the note; ``assessing`` (our review state) is
  passed over: imported tags start unreviewed.

Targets name the article by ``source`` and place the span with a
``TextPositionSelector`` (code points) and/or a ``TextQuoteSelector`` (exact,
prefix, suffix); other selectors beside them (a RangeSelector, as Hypothesis
adds) are passed over. With both, they must agree. A quote alone is looked up in
the article text, so it needs the article file (below): found nowhere, or
at more than one place with the given prefix and suffix, it is refused. A
target with no selector is a label of the whole article.

A W3C file carries no article text. Article files given with it (``*.txt``,
``*.md``) are matched to a source by the IRI's last path part
(``article7.txt`` for ``…/articles/article7.txt``, or ``7`` for our
``…/api/documents/7/``, so a file may be named ``7.txt``); the source IRI becomes
the document's external id. A source without a file must be a document the
project already holds under that external id (an earlier import of the same
collection); a quote alone cannot be placed without the text.

Linking annotations (our relations) target annotation IRIs; a describing
body names the role of each (content, source, cue), since JSON-LD keeps no
order. They are read when their ends are tagging annotations of the same
files (matched by ``id``); the relation then joins the ends' article.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from .jsontext import decode, is_offset, parse
from .records import ForeignBatch, ForeignDocument, ForeignFormatError, ForeignTag, Refusal

SOURCE = "w3c"
CONTAINERS = ("AnnotationCollection", "AnnotationPage")
ROLES = ("content", "source", "cue")  # the roles our writer names in a linking annotation's describing body
ARTICLE_SUFFIXES = (".txt", ".md")  # as annotate.importing reads them
EXTERNAL_ID_LENGTH = 200  # Document.external_id
HEAD = 4096  # bytes of a .json file looked at to tell W3C annotations from other JSON


def read_w3c(files) -> ForeignBatch:
    """Return the documents and tags of W3C Web Annotation files; an item that is not an Annotation stops it all.

    Files named ``*.txt`` or ``*.md`` among them are article texts, found by name (see above).
    """
    batch = ForeignBatch(source=SOURCE)
    documents: dict[str, ForeignDocument] = {}
    links: list[ForeignTag] = []  # relations, read after every tag so their ends are known
    texts = {Path(file.name).name: decode(file.data, file.name) for file in files if is_article(file.name)}
    for file in files:
        if is_article(file.name):
            continue
        value = parse(decode(file.data, file.name), file.name)
        for number, item in enumerate(_items(value, file.name), start=1):
            place = f"{file.name}:item {number}"
            if not isinstance(item, dict) or "Annotation" not in _types(item):
                raise ForeignFormatError(f"{place}: expected an object of type Annotation")
            _read_item(item, place, _Sources(documents, batch, texts), batch, links)
    _resolve_links(links, batch)
    return batch


def is_article(name: str) -> bool:
    """Tell an article text from an annotation file by its name."""
    return name.lower().endswith(ARTICLE_SUFFIXES)


def accepts(file) -> bool:
    """Whether a file found in a directory belongs to a W3C import: an article text, a .jsonld file, or a .json
    file whose opening names the annotation vocabulary (a Label Studio export beside it is left out)."""
    name = file.name.lower()
    if is_article(name) or name.endswith(".jsonld"):
        return True
    head = file.data[:HEAD]
    return name.endswith(".json") and (b"anno.jsonld" in head or b'"Annotation' in head)


def _types(value: dict) -> list:
    kind = value.get("type", value.get("@type"))
    return kind if isinstance(kind, list) else [kind]


def _items(value, filename: str) -> list:
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        raise ForeignFormatError(f"{filename}: expected a JSON object or array, got {type(value).__name__}")
    kinds = _types(value)
    if "Annotation" in kinds:
        return [value]
    if "AnnotationCollection" in kinds and "items" not in value:
        page = value.get("first")
        if not isinstance(page, dict):
            raise ForeignFormatError(f"{filename}: the collection's first page is not embedded (only linked pages "
                                     "are not fetched)")
        value = page
    items = value.get("items")
    if any(kind in CONTAINERS for kind in kinds) and isinstance(items, list):
        return items
    raise ForeignFormatError(f"{filename}: expected an AnnotationCollection, AnnotationPage, Annotation or array")


class _Sources:
    """The documents of a batch by source IRI, made the first time a source is named."""

    def __init__(self, documents: dict, batch: ForeignBatch, texts: Mapping[str, str]):  # texts by file name
        self.documents, self.batch, self.texts = documents, batch, texts

    def get(self, iri: str) -> ForeignDocument:
        document = self.documents.get(iri)
        if document is None:
            name = _last_part(iri)
            filename = next((f for f in (name, f"{name}.txt", f"{name}.md") if f in self.texts), "")
            document = self.documents[iri] = ForeignDocument(
                key=iri, text=self.texts.get(filename), filename=filename,
                external_id=iri if len(iri) <= EXTERNAL_ID_LENGTH else "",
            )
            self.batch.documents.append(document)
        return document


def _last_part(iri: str) -> str:
    path = urlsplit(iri).path.rstrip("/")
    return path.rsplit("/", 1)[-1]


def _read_item(item: dict, place: str, sources: _Sources, batch: ForeignBatch, links: list) -> None:
    bodies = _bodies(item)
    label = (bodies.get("tagging") or bodies.get("") or [None])[0]
    if not label:
        batch.refused.append(Refusal("no label", place, "no TextualBody with purpose tagging, and no bodyValue"))
        return
    if bodies.get("classifying"):
        label = f"{bodies['classifying'][0]}/{label}"
    described = []
    for value in bodies.get("describing", []):
        try:
            described.append(json.loads(value))
        except ValueError:
            described.append(None)
    if not all(isinstance(value, dict) for value in described):
        batch.refused.append(Refusal("malformed attributes", place, "a describing body must be a JSON object"))
        return
    motivation = item.get("motivation")
    linking = "linking" in (motivation if isinstance(motivation, list) else [motivation])
    roles = [value for value in described if linking and value and set(value) <= set(ROLES)]
    attributes = next((value for value in described if not any(value is role for role in roles)), {})
    tag = ForeignTag(document="", label=label, where=place, annotator=_creator(item.get("creator")),
                     attributes=attributes, note="\n".join(bodies.get("commenting", [])),
                     ref=item["id"] if isinstance(item.get("id"), str) else "")
    if linking:
        _link(tag, roles, place, batch, links)
        return
    targets = item.get("target")
    targets = targets if isinstance(targets, list) else [targets]
    if len(targets) != 1:
        batch.refused.append(Refusal("malformed target", place, f"a tag needs one target, this has {len(targets)}"))
        return
    refusal = _place(tag, targets[0], sources)
    if refusal:
        batch.refused.append(refusal)
    else:
        batch.tags.append(tag)


def _link(tag: ForeignTag, roles: list, place: str, batch: ForeignBatch, links: list) -> None:
    """Keep a linking annotation, by the roles its describing body names, until every tag has been read."""
    ends = {role: iri for role, iri in (roles[0] if roles else {}).items() if iri is not None}
    if not (isinstance(ends.get("content"), str) and isinstance(ends.get("source"), str)) or not all(
            isinstance(iri, str) for iri in ends.values()):
        batch.refused.append(Refusal("relation not imported", place, "a linking annotation needs a describing body "
                                                                     "naming its content and source (and cue) IRIs"))
        return
    tag.scope, tag.ends = "relation", ends
    links.append(tag)


def _resolve_links(links: list, batch: ForeignBatch) -> None:
    """Put each relation in the document of its ends, after every tag; an end not among them is refused."""
    documents = {tag.ref: tag.document for tag in batch.tags if tag.ref}
    for tag in links:
        missing = [role for role, iri in tag.ends.items() if iri not in documents]
        if missing:
            batch.refused.append(Refusal("relation end not found", tag.where, f"{', '.join(missing)}: "
                                                                              "not an annotation of these files"))
            continue
        tag.document = documents[tag.ends["content"]]
        batch.tags.append(tag)


def _bodies(item: dict) -> dict[str, list[str]]:
    """Return the texts of the bodies by purpose ("" for a body without one), in order."""
    found: dict[str, list[str]] = {}
    if isinstance(item.get("bodyValue"), str):
        found[""] = [item["bodyValue"]]
    bodies = item.get("body")
    for body in bodies if isinstance(bodies, list) else [bodies]:
        if isinstance(body, dict) and isinstance(body.get("value"), str):
            purpose = body.get("purpose") if isinstance(body.get("purpose"), str) else ""
            found.setdefault(purpose, []).append(body["value"])
    return found


def _creator(creator) -> str:
    if isinstance(creator, list) and creator:
        creator = creator[0]
    if isinstance(creator, dict):
        for field in ("nickname", "name", "id"):
            if isinstance(creator.get(field), str):
                return creator[field]
    return creator if isinstance(creator, str) else ""


def _place(tag: ForeignTag, target, sources: _Sources) -> Refusal | None:
    """Fill the tag's document and offsets from a target; return a Refusal when it cannot be placed."""
    if isinstance(target, str):
        tag.document, tag.scope = sources.get(target).key, "document"
        return None
    if not isinstance(target, dict) or not isinstance(target.get("source"), str):
        return Refusal("malformed target", tag.where, "a target needs a source IRI")
    document = sources.get(target["source"])
    tag.document = document.key
    selectors = target.get("selector")
    selectors = selectors if isinstance(selectors, list) else [] if selectors is None else [selectors]
    by_type = {selector.get("type"): selector for selector in selectors if isinstance(selector, dict)}
    position, quote = by_type.get("TextPositionSelector"), by_type.get("TextQuoteSelector")
    if not selectors:
        tag.scope = "document"
        return None
    if position is None and quote is None:
        # Other selectors (a RangeSelector's XPath, a CSS selector) point into a page, not into the text.
        kinds = ", ".join(str(s.get("type") if isinstance(s, dict) else s) for s in selectors)
        return Refusal("unsupported selector", tag.where, f"only TextPositionSelector and TextQuoteSelector are "
                                                          f"read, this target has {kinds[:200]}")
    if quote is not None and not isinstance(quote.get("exact"), str):
        return Refusal("malformed selector", tag.where, "a TextQuoteSelector needs exact text")
    if position is not None:
        if not (is_offset(position.get("start")) and is_offset(position.get("end"))):
            return Refusal("malformed selector", tag.where, "a TextPositionSelector needs integer start and end")
        tag.start, tag.end = position["start"], position["end"]
        tag.quote = quote["exact"] if quote is not None else None
        return None
    return _find_quote(tag, quote, document.text)


def _find_quote(tag: ForeignTag, quote: dict, text: str | None) -> Refusal | None:
    """Place a tag by its quote alone: exact, with prefix before and suffix after, at exactly one place."""
    if text is None:
        return Refusal("article text needed", tag.where, "a TextQuoteSelector alone is found in the article text; "
                                                         "give the article file for this source")
    exact = quote["exact"]
    prefix = quote.get("prefix") if isinstance(quote.get("prefix"), str) else ""
    suffix = quote.get("suffix") if isinstance(quote.get("suffix"), str) else ""
    places = []
    start = text.find(exact) if exact else -1
    while start >= 0 and len(places) < 2:
        end = start + len(exact)
        if text.endswith(prefix, 0, start) and text.startswith(suffix, end):
            places.append(start)
        start = text.find(exact, start + 1)
    if len(places) != 1:
        if places:
            return Refusal("quote is ambiguous", tag.where, f"{exact[:60]!r} with its prefix and suffix is at more "
                                                            "than one place in the text")
        return Refusal("quote not found", tag.where, f"{exact[:60]!r} with its prefix and suffix is not in the text")
    tag.start, tag.end, tag.quote = places[0], places[0] + len(exact), exact
    return None
