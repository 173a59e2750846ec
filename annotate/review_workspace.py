"""The reviewer's workspace: a light outline of every sentence, and the full tags of a window of sentences.

The review page loads the outline once (disagreement, review state, labels and annotators per sentence,
for the sentence list and its filters) and fetches the sentences it shows a few at a time, so neither
request grows with more than the tags it returns. Each request runs a fixed number of queries.
"""

from django.db.models import F, Q, Subquery

from annotate.models import Annotation, Layer, Segment, SegmentComment, SegmentProgress

PREVIEW = 70  # characters of a sentence shown in the sentence list
MAX_WINDOW = 50
# The fields that say whether two tags are the same tag, read with every tag in both requests.
KEY_FIELDS = (
    "id", "segment_id", "annotator__username", "label_id", "label__layer__key", "label__layer__scope", "start",
    "end", "status", "gold", "relation_content__segment_id", "relation_content__start", "relation_content__end",
    "relation_source__segment_id", "relation_source__start", "relation_source__end", "relation_cue__segment_id",
    "relation_cue__start", "relation_cue__end",
)
TAG_FIELDS = (
    *KEY_FIELDS, "version", "segment__start", "segment__index", "label__key", "quote", "attributes", "note",
    "reviewer__username", "review_note", "reviewed_at", "edited", "relation_content_id", "relation_source_id",
    "relation_cue_id", "relation_content__segment__index",
)
ENDS = ("content", "source", "cue")


def tag_key(tag):
    """Return what makes two annotators' tags the same tag: layer, label, span, and a relation's ends."""
    key = (tag["label__layer__key"], tag["label_id"], tag["start"], tag["end"])
    if tag["label__layer__scope"] == Layer.Scope.RELATION:
        key += tuple((tag[f"relation_{end}__segment_id"], tag[f"relation_{end}__start"],
                      tag[f"relation_{end}__end"]) for end in ENDS)
    return key


def disagreement(given):
    """Return 1 - (tags every participant gave / distinct tags), from one set of tag keys per participant."""
    if len(given) < 2:
        return None
    union, agreed = set().union(*given), set.intersection(*given)
    return round(1 - len(agreed) / len(union), 2) if union else 0.0


def home_of(tag, positions):
    """Return the position a tag is reviewed at: its sentence, its content's sentence, or the article (-1)."""
    if tag["label__layer__scope"] == Layer.Scope.DOCUMENT:
        return -1
    if tag["label__layer__scope"] == Layer.Scope.RELATION:
        return positions.get(tag["relation_content__segment_id"])
    return positions.get(tag["segment_id"])


def summarise(position, tags, finished, comments=0, mark=False):
    """Return the outline of one sentence (or the article) from its tags; with mark, note on each tag who gave it."""
    given = {}
    for tag in tags:
        if not tag["gold"]:
            tag["key"] = tag_key(tag)
            given.setdefault(tag["annotator__username"], set()).add(tag["key"])
    participants = set(given) | finished
    score = disagreement([given.get(name, set()) for name in participants])
    if mark:
        counts = {}
        for keys in given.values():
            for key in keys:
                counts[key] = counts.get(key, 0) + 1
        for tag in tags:
            if not tag["gold"]:
                tag["shared"], tag["of"] = counts[tag["key"]], len(participants)
    statuses = [tag["status"] for tag in tags if not tag["gold"]]
    return {
        "n": position, "score": score, "participants": len(participants), "tags": len(statuses),
        "pending": statuses.count(Annotation.Status.PENDING), "disputed": statuses.count(Annotation.Status.DISPUTED),
        "gold": len(tags) - len(statuses), "comments": comments,
        "labels": sorted({tag["label_id"] for tag in tags}),
        "annotators": sorted(given),
        "people": sorted(participants),
    }


OUTLINE_FIELDS = ("id", "segment_id", "annotator__username", "label_id", "start", "end", "status", "gold",
                  "relation_content_id", "relation_source_id", "relation_cue_id", "document_id")


class Unit:
    """What the outline gathers about one sentence (or the article): who gave which tags, in what state."""

    __slots__ = ("given", "statuses", "labels", "gold")

    def __init__(self):
        self.given, self.statuses, self.labels, self.gold = {}, [], set(), 0

    def summary(self, position, finished, comments):
        participants = set(self.given) | finished
        return {
            "n": position, "score": disagreement([self.given.get(name, set()) for name in participants]),
            "participants": len(participants), "tags": len(self.statuses),
            "pending": self.statuses.count(Annotation.Status.PENDING),
            "disputed": self.statuses.count(Annotation.Status.DISPUTED), "gold": self.gold, "comments": comments,
            "labels": sorted(self.labels), "annotators": sorted(self.given),
        }, participants


def outline_units(annotations, scopes, positions, article=lambda document_id: -1):
    """Gather tags into the unit each is reviewed at; scopes maps a label id to its layer's scope.

    positions maps a segment id to its unit's key and article(document id) gives the key of a document's
    article-level tags: a sentence index and -1 within one document, (document, index) across several.
    Plain tuples, not dicts: this reads every tag of the article, and a long one has tens of thousands.
    A tag's key is the same as tag_key's (a label belongs to one layer), so the outline and the windows agree.
    """
    rows = list(annotations.values_list(*OUTLINE_FIELDS))
    where = {row[0]: (row[1], row[4], row[5]) for row in rows}
    units = {}
    for _, segment_id, name, label_id, start, end, status, gold, content, source, cue, document_id in rows:
        scope = scopes.get(label_id)
        if scope == Layer.Scope.DOCUMENT:
            home, key = article(document_id), (label_id, start, end)
        elif scope == Layer.Scope.RELATION:
            ends = tuple(where.get(end_id) for end_id in (content, source, cue))
            home, key = positions.get(ends[0][0] if ends[0] else None), (label_id, start, end, *ends)
        else:
            home, key = positions.get(segment_id), (label_id, start, end)
        if home is None:
            continue
        unit = units.get(home) or units.setdefault(home, Unit())
        unit.labels.add(label_id)
        if gold:
            unit.gold += 1
        else:
            unit.given.setdefault(name, set()).add(key)
            unit.statuses.append(status)
    return units


def outline(user, document, scopes):
    """Return every sentence of a document with its disagreement and review state, plus the annotators."""
    segments = list(Segment.objects.visible_to(user).filter(document=document).order_by("index")
                    .values_list("id", "index", "kind", "text"))
    positions = {pk: index for pk, index, _, _ in segments}
    units = outline_units(Annotation.objects.visible_to(user).filter(document=document), scopes, positions)
    done = {}
    for segment_id, name in SegmentProgress.objects.visible_to(user).filter(
            segment__document=document).values_list("segment_id", "annotator__username"):
        done.setdefault(positions.get(segment_id), set()).add(name)
    counts = {}
    for segment_id in SegmentComment.objects.visible_to(user).filter(segment__document=document).values_list(
            "segment_id", flat=True):
        counts[segment_id] = counts.get(segment_id, 0) + 1
    rows, names = [], set()
    for pk, index, kind, text in segments:
        row, people = units.get(index, Unit()).summary(index, done.get(index, set()), counts.get(pk, 0))
        names |= people
        preview = text if len(text) <= PREVIEW else text[:PREVIEW - 1] + "…"
        rows.append({**row, "id": pk, "kind": kind, "preview": preview})
    article, people = units.get(-1, Unit()).summary(-1, set(), 0)
    names |= people
    rows.append({**article, "id": None, "kind": "article", "preview": "Whole article: article-level tags"})
    # Annotators by their place in the list, not by name: a long article repeats them on every sentence.
    names = sorted(names)
    place = {name: i for i, name in enumerate(names)}
    for row in rows:
        row["annotators"] = [place[name] for name in row["annotators"]]
    return {"sentences": rows, "annotators": names}


def disputed_sentences(user, documents, scopes):
    """Return the sentences (and articles) of some documents where annotators disagree or a tag is disputed.

    The same units and disagreement as the workspace's outline, over several documents in a fixed number of
    queries; the most disputed first.
    """
    segments = list(Segment.objects.visible_to(user).filter(document__in=documents).values_list(
        "id", "document_id", "document__title", "index", "text"))
    positions = {pk: (document_id, index) for pk, document_id, _, index, _ in segments}
    units = outline_units(Annotation.objects.visible_to(user).filter(document__in=documents), scopes, positions,
                          article=lambda document_id: (document_id, -1))
    done, comments = {}, {}
    for segment_id, name in SegmentProgress.objects.visible_to(user).filter(
            segment__document__in=documents).values_list("segment_id", "annotator__username"):
        done.setdefault(positions.get(segment_id), set()).add(name)
    for segment_id in SegmentComment.objects.visible_to(user).filter(segment__document__in=documents).values_list(
            "segment_id", flat=True):
        comments[segment_id] = comments.get(segment_id, 0) + 1
    titles = {document_id: title for _, document_id, title, _, _ in segments}
    places = [(pk, document_id, index, text) for pk, document_id, _, index, text in segments]
    places += [(None, document_id, -1, "Whole article: article-level tags") for document_id in titles]
    rows = []
    for pk, document_id, index, text in places:
        unit = (document_id, index)
        row, _ = units.get(unit, Unit()).summary(index, done.get(unit, set()), comments.get(pk, 0))
        if (row["score"] or 0) > 0 or row["disputed"]:
            rows.append({**row, "id": pk, "document_id": document_id, "document_title": titles[document_id],
                         "text": text, "index": None if index < 0 else index,
                         "anchor": "article" if index < 0 else f"s{index + 1}"})
    return sorted(rows, key=lambda row: (-(row["score"] or 0), -row["disputed"], row["document_id"], row["n"]))


def window(user, document, first, last):
    """Return sentences first..last (0-based, inclusive; the article is position -1) with every tag to review.

    Each step reads by index and hands the next plain id lists, never a subquery: nested IN-subqueries
    under OR left PostgreSQL's planner free to run them once per row, which with stale statistics took
    minutes. A fixed number of queries, whatever the size of the window or the article.
    """
    segments = Segment.objects.visible_to(user).filter(document=document)
    tags = Annotation.objects.visible_to(user).filter(document=document)
    in_window = {"segment__document": document, "segment__index__range": (first, last)}
    # Links whose content is here, and where their source and cue are: the link is drawn to them.
    links = list(Annotation.objects.filter(**{f"relation_content__{k}": v for k, v in in_window.items()})
                 .values_list("id", "relation_source_id", "relation_cue_id", "relation_source__segment_id",
                              "relation_cue__segment_id"))
    parts = [tags.filter(**in_window).exclude(label__layer__scope=Layer.Scope.DOCUMENT),
             tags.filter(pk__in=sorted({pk for link in links for pk in link[:3] if pk is not None}))]
    if first > 0:
        # A span stored on an earlier sentence that runs on into the window is drawn there too.
        start_of_window = Subquery(segments.filter(index=first).values("start")[:1])
        parts.append(tags.filter(label__layer__scope=Layer.Scope.SPAN, segment__index__lt=first,
                                 end__gt=start_of_window - F("segment__start")))
    if first <= -1:
        parts.append(tags.filter(label__layer__scope=Layer.Scope.DOCUMENT))
    parts = [part.order_by().values(*TAG_FIELDS) for part in parts]
    found = list(parts[0].union(*parts[1:]))
    elsewhere = sorted({pk for link in links for pk in link[3:] if pk is not None})
    shown = list(segments.filter(Q(index__range=(first, last)) | Q(pk__in=elsewhere)).order_by("index")
                 .values("id", "index", "kind", "start", "end", "text"))
    return _assemble(user, document, first, last, found, shown)


def _assemble(user, document, first, last, found, shown):
    """Group the tags by the sentence they are reviewed at, with gold provenance, progress and discussion."""
    positions = {segment["id"]: segment["index"] for segment in shown}
    by_id = {tag["id"]: tag for tag in found}
    # Gold tags of this window: who they came from, read in one query whatever their number.
    gold_ids = [pk for pk, tag in by_id.items() if tag["gold"]] or [0]
    for gold_id, source_id, name in Annotation.provenance.through.objects.filter(
            from_annotation_id__in=gold_ids).values_list("from_annotation_id", "to_annotation_id",
                                                      "to_annotation__annotator__username"):
        by_id[gold_id].setdefault("provenance", []).append({"id": source_id, "annotator": name})
    inside = [segment for segment in shown if first <= segment["index"] <= last]
    ids = [segment["id"] for segment in inside] or [0]
    done = {}
    for segment_id, name in SegmentProgress.objects.visible_to(user).filter(segment__in=ids).values_list(
            "segment_id", "annotator__username"):
        done.setdefault(positions[segment_id], set()).add(name)
    comments = {}
    for comment in SegmentComment.objects.visible_to(user).filter(segment__in=ids).order_by(
            "created_at", "id").values("segment_id", "author__username", "text", "created_at"):
        comments.setdefault(comment.pop("segment_id"), []).append(comment)
    by_home = {}
    for tag in found:
        tag["home"] = home_of(tag, {tag["segment_id"]: tag["segment__index"],
                                    tag["relation_content__segment_id"]: tag["relation_content__segment__index"]})
        tag["doc_start"], tag["doc_end"] = _document_offsets(tag)
        by_home.setdefault(tag["home"], []).append(tag)
    sentences = []
    for segment in inside:
        n = segment["index"]
        row = summarise(n, by_home.get(n, []), done.get(n, set()), len(comments.get(segment["id"], [])), mark=True)
        sentences.append({**segment, **row, "comments": comments.get(segment["id"], [])})
    if first <= -1:
        sentences.insert(0, {"index": -1, "id": None, "kind": "article", "text": "", "comments": [],
                             **summarise(-1, by_home.get(-1, []), set(), mark=True)})
    context = [segment for segment in shown if not first <= segment["index"] <= last]
    return {"sentences": sentences, "context": context, "tags": [_public(tag) for tag in found]}


def _document_offsets(tag):
    """Return a span's offsets in the document text (None for other tags): stored on its first sentence."""
    if tag["start"] is None or tag["segment__start"] is None:
        return None, None
    return tag["segment__start"] + tag["start"], tag["segment__start"] + tag["end"]


def _public(tag):
    """Return a tag as the page reads it: plain names, no join paths."""
    return {
        "id": tag["id"], "version": tag["version"], "annotator": tag["annotator__username"], "label": tag["label_id"],
        "layer": tag["label__layer__key"], "scope": tag["label__layer__scope"], "segment": tag["segment_id"],
        "sentence": tag["segment__index"], "home": tag["home"], "start": tag["start"], "end": tag["end"],
        "doc_start": tag["doc_start"], "doc_end": tag["doc_end"], "quote": tag["quote"],
        "attributes": tag["attributes"] or {}, "note": tag["note"], "status": tag["status"], "gold": tag["gold"],
        "edited": tag["edited"], "reviewer": tag["reviewer__username"], "review_note": tag["review_note"],
        "reviewed_at": tag["reviewed_at"], "shared": tag.get("shared"), "of": tag.get("of"),
        "provenance": tag.get("provenance", []),
        "relation": {end: tag[f"relation_{end}_id"] for end in ENDS} if tag["relation_content_id"] else None,
    }
