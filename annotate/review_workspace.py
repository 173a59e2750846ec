"""The reviewer's workspace: a light outline of every sentence, and the full tags of a window of sentences.

The review page loads the outline once (disagreement, review state, labels and annotators per sentence,
for the sentence list and its filters) and fetches the sentences it shows a few at a time, so neither
request grows with more than the tags it returns. Each request runs a fixed number of queries.
"""

from django.db.models import F, Q, Subquery

from annotate.models import Annotation, Layer, Segment, SegmentComment, SegmentProgress

PREVIEW = 90  # characters of a sentence shown in the sentence list
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


def summarise(position, tags, finished, comments=0):
    """Return the outline of one sentence (or the article) from its annotators' tags; mark tags others lack."""
    given = {}
    for tag in tags:
        if not tag["gold"]:
            given.setdefault(tag["annotator__username"], set()).add(tag_key(tag))
    participants = set(given) | finished
    score = disagreement([given.get(name, set()) for name in participants])
    for tag in tags:
        if not tag["gold"]:
            tag["shared"] = sum(tag_key(tag) in given.get(name, ()) for name in participants)
            tag["of"] = len(participants)
    statuses = [tag["status"] for tag in tags if not tag["gold"]]
    return {
        "n": position, "score": score, "participants": len(participants), "tags": len(statuses),
        "pending": statuses.count(Annotation.Status.PENDING), "disputed": statuses.count(Annotation.Status.DISPUTED),
        "gold": sum(tag["gold"] for tag in tags), "comments": comments,
        "labels": sorted({tag["label_id"] for tag in tags}),
        "annotators": sorted({tag["annotator__username"] for tag in tags if not tag["gold"]}),
        "people": sorted(participants),
    }


def outline(user, document):
    """Return every sentence of a document with its disagreement and review state, plus the annotators."""
    segments = list(Segment.objects.visible_to(user).filter(document=document).order_by("index")
                    .values_list("id", "index", "kind", "text"))
    positions = {pk: index for pk, index, _, _ in segments}
    by_home, names = {}, set()
    for tag in Annotation.objects.visible_to(user).filter(document=document).values(*KEY_FIELDS):
        home = home_of(tag, positions)
        if home is not None:
            by_home.setdefault(home, []).append(tag)
            if not tag["gold"]:
                names.add(tag["annotator__username"])
    done = {}
    for segment_id, name in SegmentProgress.objects.visible_to(user).filter(
            segment__document=document).values_list("segment_id", "annotator__username"):
        done.setdefault(positions.get(segment_id), set()).add(name)
        names.add(name)
    counts = {}
    for segment_id in SegmentComment.objects.visible_to(user).filter(segment__document=document).values_list(
            "segment_id", flat=True):
        counts[segment_id] = counts.get(segment_id, 0) + 1
    rows = []
    for pk, index, kind, text in segments:
        row = summarise(index, by_home.get(index, []), done.get(index, set()), counts.get(pk, 0))
        del row["people"]  # the window sends them; the outline stays small for long articles
        preview = text if len(text) <= PREVIEW else text[:PREVIEW - 1] + "…"
        rows.append({**row, "id": pk, "kind": kind, "preview": preview})
    article = summarise(-1, by_home.get(-1, []), set())
    del article["people"]
    rows.append({**article, "id": None, "kind": "article", "preview": "Whole article: article-level tags"})
    return {"sentences": rows, "annotators": sorted(names)}


def window(user, document, first, last):
    """Return sentences first..last (0-based, inclusive; the article is position -1) with every tag to review."""
    segments = Segment.objects.visible_to(user).filter(document=document)
    tags = Annotation.objects.visible_to(user).filter(document=document)
    relations = tags.filter(relation_content__segment__index__range=(first, last))
    wanted = Q(segment__index__range=(first, last)) & ~Q(label__layer__scope=Layer.Scope.DOCUMENT)
    wanted |= Q(relation_content__segment__index__range=(first, last))
    for end in ENDS:
        wanted |= Q(pk__in=relations.values(f"relation_{end}_id"))
    # A span stored on an earlier sentence that runs on into the window is drawn there too.
    start_of_window = Subquery(segments.filter(index=first).values("start")[:1])
    wanted |= Q(label__layer__scope=Layer.Scope.SPAN, segment__index__lt=first,
                end__gt=start_of_window - F("segment__start"))
    if first <= -1:
        wanted |= Q(label__layer__scope=Layer.Scope.DOCUMENT)
    found = list(tags.filter(wanted).values(*TAG_FIELDS))
    # The sentences a relation's source or cue sits in, when outside the window: the link is drawn to them.
    ends_elsewhere = Q(pk__in=relations.values("relation_source__segment_id")) | Q(
        pk__in=relations.values("relation_cue__segment_id"))
    shown = list(segments.filter(Q(index__range=(first, last)) | ends_elsewhere).order_by("index")
                 .values("id", "index", "kind", "start", "end", "text"))
    return _assemble(user, document, first, last, found, shown)


def _assemble(user, document, first, last, found, shown):
    """Group the tags by the sentence they are reviewed at, with gold provenance, progress and discussion."""
    positions = {segment["id"]: segment["index"] for segment in shown}
    by_id = {tag["id"]: tag for tag in found}
    # Gold tags of this window: who they came from, read in one query whatever their number.
    gold_ids = Annotation.objects.filter(pk__in=[pk for pk, tag in by_id.items() if tag["gold"]] or [0])
    for gold_id, source_id, name in Annotation.provenance.through.objects.filter(
            from_annotation__in=gold_ids).values_list("from_annotation_id", "to_annotation_id",
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
        row = summarise(n, by_home.get(n, []), done.get(n, set()), len(comments.get(segment["id"], [])))
        sentences.append({**segment, **row, "comments": comments.get(segment["id"], [])})
    if first <= -1:
        sentences.insert(0, {"index": -1, "id": None, "kind": "article", "text": "", "comments": [],
                             **summarise(-1, by_home.get(-1, []), set())})
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
