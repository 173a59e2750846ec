"""Sample tags by the two demo annotators on the TeleSUR article, so the review and dashboard pages have data.

The tags themselves are data, in ``fixtures/sample-annotations.json``. They
cover the first dozen sentences and the seven sentences CODEBOOK.md takes its
examples from, on every layer, and disagree the way annotators do: other
labels, other span boundaries, a sentence one annotator tags and the other
marks done with nothing to tag. Sentences are found by their exact text
(non-breaking spaces included), spans by their exact words.
"""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from annotate.models import Annotation, Label, Layer, Segment, SegmentProgress
from annotate.tags import do_create_tag

SAMPLES = Path(settings.BASE_DIR) / "fixtures" / "sample-annotations.json"


def add_sample_annotations(project, path=SAMPLES):
    """Add the sample tags and progress marks to the project's TeleSUR article; return how many tags were new."""
    samples = json.loads(Path(path).read_text(encoding="utf-8"))
    document = project.documents.get(title=samples["title"])
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["annotator1", "annotator2"])}
    labels = {(label.layer.key, label.key): label
              for label in Label.objects.filter(layer__codebook=project.codebook_id).select_related("layer")}
    segments = list(Segment.objects.filter(document=document))
    created = 0
    with transaction.atomic():
        for sentence in samples["sentences"]:
            segment = _sentence(segments, sentence["text"], sentence["kind"])
            for username, tags in sentence["tags"].items():
                user = users[username]
                SegmentProgress.objects.get_or_create(segment=segment, annotator=user)
                spans = {}
                for tag in tags:
                    base = {"project": project, "document": document, "segment": segment, "annotator": user,
                            "attributes": tag["attributes"]}
                    if "relation" in tag:
                        ends = tag["relation"]
                        label = labels["attribution_relation", "attributed_to"]
                        fields = {f"relation_{role}": spans["attribution", role, ends[role]] if ends[role] else None
                                  for role in ("content", "source", "cue")}
                    else:
                        label = labels[tag["layer"], tag["label"]]
                        quote = tag.get("quote")
                        start = None if quote is None else segment.text.index(quote)
                        fields = {"start": start, "end": None if quote is None else start + len(quote),
                                  "quote": quote or ""}
                    annotation, new = _add(Annotation(**base, label=label, **fields), user)
                    created += new
                    spans[label.layer.key, label.key, fields.get("quote")] = annotation
        for missing in samples["missing"]:
            segment = missing["anchor"] and _sentence(segments, missing["anchor"])
            user = users[missing["annotator"]]
            created += _add(Annotation(project=project, document=document, segment=segment, annotator=user,
                                       label=labels["missing_perspectives", missing["label"]], note=missing["note"],
                                       attributes={"stakeholder": missing["stakeholder"]}), user)[1]
        for frame in samples["article_frames"]:
            user = users[frame["annotator"]]
            created += _add(Annotation(project=project, document=document, annotator=user,
                                       label=labels["article_frame", frame["label"]],
                                       attributes={"genre": frame["genre"]}), user)[1]
    return created


def _sentence(segments, text, kind=None):
    """Return the segment with exactly this text (and kind, where the article repeats a sentence)."""
    found = [segment for segment in segments if segment.text == text and kind in (None, segment.kind)]
    if not found:
        raise ValueError(f"no {kind or ''} sentence reading {text[:60]!r} in the article")
    return found[0]


def _add(annotation, user):
    """Return (the stored copy of the tag, False), or create it through the write path and return (it, True)."""
    same = Annotation.objects.filter(
        project=annotation.project, document=annotation.document, segment=annotation.segment,
        annotator=annotation.annotator, label=annotation.label, start=annotation.start, end=annotation.end,
        relation_content=annotation.relation_content, relation_source=annotation.relation_source, gold=False,
    )
    # An article can carry one label several times with other attributes (two stakeholders missing).
    if annotation.label.layer.scope == Layer.Scope.DOCUMENT:
        same = [existing for existing in same if existing.attributes == annotation.attributes]
    existing = next(iter(same), None)
    if existing is not None:
        return existing, False
    return do_create_tag(annotation=annotation, user=user), True
