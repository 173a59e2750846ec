"""Import a json export into a project (restore, or merge work from another instance), atomically."""

import hashlib

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from annotate.models import Annotation, Document, Label, Membership, Segment, Source
from annotate.validation import check_annotation

REVIEW_FIELDS = ("status", "review_note", "gold")


class RestoreError(Exception):
    """An export that cannot be imported; the message names the item and the problem."""


def restore_export(*, project, data, user):
    """Import every document and annotation of a json export, or nothing; return counts."""
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise RestoreError("not a json export: expected an object with 'codebook' and 'documents'")
    codebook = data.get("codebook") or {}
    mine = project.codebook
    if (codebook.get("key"), codebook.get("version")) != (mine.key, mine.version):
        raise RestoreError(
            f"the export's codebook '{codebook.get('key')}' version {codebook.get('version')} does not match "
            f"this project's codebook '{mine.key}' version {mine.version}"
        )
    restorer = _Restorer(project, user)
    try:
        with transaction.atomic():
            for document in data["documents"]:
                restorer.restore_document(document)
            restorer.link_provenance()
    except (KeyError, TypeError, AttributeError) as error:
        raise RestoreError(f"malformed export: missing or wrong field {error}") from None
    return restorer.summary


class _Restorer:
    def __init__(self, project, user):
        self.project = project
        self.user = user
        self.labels = {
            (label.layer.key, label.key): label
            for label in Label.objects.filter(layer__codebook=project.codebook).select_related("layer")
        }
        self.users = {}
        self.ids = {}  # exported annotation id -> new annotation
        self.provenance = []
        self.summary = {"documents_created": 0, "documents_matched": 0, "annotations_created": 0,
                        "annotations_skipped": 0, "users_created": []}

    def restore_document(self, exported):
        text = exported["text"]
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        document = Document.objects.filter(project=self.project, text_sha256=digest).first()
        if document is None:
            document = self.create_document(exported, digest)
            self.summary["documents_created"] += 1
        else:
            self.summary["documents_matched"] += 1
        by_offsets = {(s.start, s.end): s for s in document.segments.all()}
        segments = {}
        for exported_segment in exported["segments"]:
            segment = by_offsets.get((exported_segment["start"], exported_segment["end"]))
            if segment is None or segment.text != exported_segment["text"]:
                raise RestoreError(f"document '{document.title}': segment {exported_segment['index']} does not "
                                   "match this instance's segmentation of the same text")
            segments[exported_segment["id"]] = segment
            for annotation in exported_segment["annotations"]:
                self.restore_annotation(annotation, document, segment)
        for annotation in exported.get("document_annotations", []):
            self.restore_annotation(annotation, document, segments.get(annotation.get("segment_id")))
        for annotation in exported.get("relations", []):
            self.restore_annotation(annotation, document, None)

    def create_document(self, exported, digest):
        source = exported.get("source")
        if source:
            source = Source.objects.get_or_create(
                name=source["name"], defaults={k: source.get(k) or "" for k in ("country", "funding_note", "url")}
            )[0]
        document = Document.objects.create(
            project=self.project, source=source or None, title=exported["title"],
            standfirst=exported.get("standfirst", ""), author=exported.get("author", ""),
            published_at=parse_datetime(exported["published_at"]) if exported.get("published_at") else None,
            url=exported.get("url", ""), language=exported.get("language", "en"), text=exported["text"],
            text_sha256=digest, imported_by=self.user,
        )
        segments = []
        for segment in exported["segments"]:
            if exported["text"][segment["start"]:segment["end"]] != segment["text"] or not segment["text"]:
                raise RestoreError(f"document '{exported['title']}': segment {segment['index']} does not slice "
                                   "the document text at its offsets")
            segments.append(Segment(document=document, index=segment["index"], kind=segment["kind"],
                                    paragraph=segment["paragraph"], start=segment["start"], end=segment["end"],
                                    text=segment["text"]))
        Segment.objects.bulk_create(segments)
        return document

    def annotator(self, username):
        if username not in self.users:
            user, created = get_user_model().objects.get_or_create(username=username)
            if created:
                user.set_unusable_password()
                user.save()
                self.summary["users_created"].append(username)
            Membership.objects.get_or_create(project=self.project, user=user)
            self.users[username] = user
        return self.users[username]

    def restore_annotation(self, exported, document, segment):
        where = f"annotation {exported.get('id')} in '{document.title}'"
        label = self.labels.get((exported["layer"], exported["label"]))
        if label is None:
            raise RestoreError(f"{where}: label '{exported['layer']}:{exported['label']}' is not in the codebook")
        relation = exported.get("relation") or {}
        ends = {}
        for role in ("content", "source", "cue"):
            old = relation.get(role)
            if old is not None and old not in self.ids:
                raise RestoreError(f"{where}: its {role} annotation {old} is not in the export")
            ends[f"relation_{role}"] = self.ids.get(old)
        annotation = Annotation(
            project=self.project, document=document, segment=segment, annotator=self.annotator(exported["annotator"]),
            label=label, start=exported.get("start"), end=exported.get("end"), quote=exported.get("quote") or "",
            attributes=exported.get("attributes") or {}, note=exported.get("note") or "",
            reviewer=self.annotator(exported["reviewer"]) if exported.get("reviewer") else None,
            reviewed_at=parse_datetime(exported["reviewed_at"]) if exported.get("reviewed_at") else None,
            **{field: exported[field] for field in REVIEW_FIELDS if field in exported}, **ends,
        )
        duplicate = Annotation.objects.filter(
            project=self.project, document=document, segment=segment, annotator=annotation.annotator, label=label,
            start=annotation.start, end=annotation.end, **ends,
        ).first()
        if duplicate is not None:
            self.ids[exported["id"]] = duplicate
            self.summary["annotations_skipped"] += 1
            return
        try:
            check_annotation(annotation)
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            raise RestoreError(f"{where}: {problems}") from None
        annotation._history_user = self.user
        annotation.save()
        self.ids[exported["id"]] = annotation
        self.summary["annotations_created"] += 1
        if exported.get("provenance"):
            self.provenance.append((annotation, exported["provenance"]))

    def link_provenance(self):
        for annotation, origins in self.provenance:
            annotation.provenance.set(self.ids[old] for old in origins if old in self.ids)
