"""Restore a json export into a project: untrusted input, checked as the API checks it, all or nothing.

Every value of the file is checked before it is written: statuses and
kinds against their choices, dates, lengths against the model fields,
integers (non-negative, in range), strings (no NUL byte, no lone
surrogate), nesting depth, offsets against the text, labels against the
project's codebook, and each tag through annotate.tags.do_import_tag. The
first problem stops the restore and is named with its position in the file,
e.g. ``documents[0].segments[3].annotations[1].status``.

Usernames in the file (annotators, reviewers, comment authors, done-marks)
are mapped to accounts by ``user_map`` (name -> account), else to the account
of the same name. An account must be a member of the project (a reviewer or
manager where it reviews or makes gold tags); an existing account that is not
a member is always refused. Names with no account at all are created only on
request (``create_users``), with unusable passwords, as annotators.
"""

import hashlib
import json
import math
import re

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annotate import tags
from annotate.exporting.json import FORMAT_NAME, FORMAT_VERSION
from annotate.gold import GoldInconsistent, assert_gold_consistent
from annotate.models import (
    Annotation,
    Document,
    Label,
    Layer,
    Membership,
    Segment,
    SegmentComment,
    SegmentProgress,
    Source,
)

MAX_DEPTH = 12  # the export itself nests 8 deep, to an annotation's attribute values
MAX_INTEGER = 2**31 - 1  # the largest value of a PositiveIntegerField on every supported database
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
REQUIRED = object()
# Where each scope of tag sits in a document of the file.
PLACES = {
    "annotations": (Layer.Scope.SEGMENT, Layer.Scope.SPAN),
    "document_annotations": (Layer.Scope.DOCUMENT,),
    "relations": (Layer.Scope.RELATION,),
}
FIELD_PATHS = {"relation_content": "relation.content", "relation_source": "relation.source",
               "relation_cue": "relation.cue", "segment": "segment_id"}


class RestoreError(Exception):
    """A file that cannot be restored; the message names the position in the file and the problem."""

    def __init__(self, message, *, field="file"):
        super().__init__(message)
        self.field = field


def parse_export(raw):
    """Return the JSON value of an uploaded export, or raise RestoreError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RestoreError(f"not a JSON export (not UTF-8 at byte {error.start})") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise RestoreError("not a JSON export (nested too deeply to read)") from None
    except ValueError as error:
        raise RestoreError(f"not a JSON export ({error})") from None


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def restore_export(*, project, data, user, user_map=None, create_users=False):
    """Import every document, tag, comment and done-mark of a json export, or nothing; return counts."""
    if user is None or not Membership.can_manage(Membership.roles_of(user).get(project.pk)):
        raise RestoreError(f"only a manager of project '{project.slug}' may restore into it", field="user")
    user_map = _check_user_map(user_map)
    _check_values(data)
    if not isinstance(data, dict) or (data.get("format"), data.get("format_version")) != (FORMAT_NAME,
                                                                                         FORMAT_VERSION):
        raise RestoreError(f"not a json export: expected an object with format '{FORMAT_NAME}', "
                           f"format_version {FORMAT_VERSION}, 'codebook' and 'documents'")
    head = _Item(data, "")
    codebook = head.child("codebook")
    mine = project.codebook
    if (codebook.get("key", None), codebook.get("version", None)) != (mine.key, mine.version):
        raise RestoreError(
            f"codebook: the export's codebook '{codebook.get('key', None)}' version {codebook.get('version', None)} "
            f"does not match this project's codebook '{mine.key}' version {mine.version}"
        )
    restorer = _Restorer(project, user, user_map, create_users)
    with transaction.atomic():
        for document in head.items("documents"):
            restorer.restore_document(document)
        restorer.link_provenance()
        try:
            assert_gold_consistent(project)
        except GoldInconsistent as error:
            raise RestoreError(f"the file's gold version is inconsistent: {restorer.in_file_ids(error.problems[0])}"
                               ) from None
    return restorer.summary


def _check_user_map(user_map):
    if user_map is None:
        return {}
    if not isinstance(user_map, dict):
        raise RestoreError("must be an object of file usernames and accounts", field="user_map")
    for name, account in user_map.items():
        for value in (name, account):
            problem = _username_problem(value)
            if problem:
                raise RestoreError(f"{name!r}: {problem}", field="user_map")
    return dict(user_map)


def _username_problem(value):
    if not isinstance(value, str) or not value:
        return "a username must be non-empty text"
    if len(value) > get_user_model()._meta.get_field("username").max_length:
        return "a username has at most 150 characters"
    try:
        UnicodeUsernameValidator()(value)
    except ValidationError:
        return f"{value!r} is not a valid username (letters, digits and @.+-_ only)"
    return None


def _check_values(data):
    """Refuse NUL bytes, lone surrogates, numbers that are not finite and nesting past MAX_DEPTH, in file order."""
    stack = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise RestoreError(f"{path}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, str):
            _check_string(value, path)
        elif isinstance(value, float) and not math.isfinite(value):
            raise RestoreError(f"{path}: {value} is not a finite number")
        elif isinstance(value, dict):
            for key in value:
                _check_string(key, path)
            stack.extend((item, f"{path}.{key}" if path else str(key), depth + 1)
                         for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in reversed(list(enumerate(value))))


def _check_string(value, path):
    bad = BAD_CHARACTERS.search(value)
    if bad:
        what = "a NUL byte" if bad.group() == "\x00" else "a lone surrogate"
        raise RestoreError(f"{path or 'the file'}: contains {what} at character {bad.start()}")


class _Item:
    """One object of the file and its position; typed reads raise RestoreError naming the field's position."""

    def __init__(self, value, path):
        if not isinstance(value, dict):
            raise RestoreError(f"{path or 'the file'}: must be an object")
        self.value, self.path = value, path

    def at(self, key):
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key, problem):
        raise RestoreError(f"{self.at(key)}: {problem}")

    def get(self, key, default=REQUIRED):
        if key not in self.value:
            if default is REQUIRED:
                self.fail(key, "is required")
            return default
        return self.value[key]

    def text(self, key, *, field=None, default=REQUIRED, blank=True, null=False):
        value = self.get(key, default)
        if value is None and (null or default is None):
            return None
        if not isinstance(value, str):
            self.fail(key, "must be text")
        if not blank and not value.strip():
            self.fail(key, "must not be empty")
        limit = field.max_length if field is not None else None
        if limit and len(value) > limit:
            self.fail(key, f"is {len(value)} characters long, over the limit of {limit}")
        if field is not None:
            try:
                field.run_validators(value)
            except ValidationError as error:
                self.fail(key, " ".join(error.messages))
        return value

    def integer(self, key, *, default=REQUIRED, minimum=0, null=False):
        value = self.get(key, default)
        if value is None and null:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "must be an integer")
        if not minimum <= value <= MAX_INTEGER:
            self.fail(key, f"{value} is not between {minimum} and {MAX_INTEGER}")
        return value

    def boolean(self, key, *, default=False):
        value = self.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
        return value

    def choice(self, key, choices, *, default=REQUIRED):
        value = self.get(key, default)
        if value not in choices or not isinstance(value, str):
            self.fail(key, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def when(self, key, *, null=True):
        value = self.get(key, None)
        if value is None:
            if null:
                return None
            self.fail(key, "is required")
        try:
            moment = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or timezone.is_naive(moment):
            self.fail(key, f"{value!r} is not an ISO 8601 date and time with a UTC offset")
        return moment

    def items(self, key, *, default=REQUIRED):
        value = self.get(key, default)
        if not isinstance(value, list):
            self.fail(key, "must be a list")
        return [_Item(item, f"{self.at(key)}[{i}]") for i, item in enumerate(value)]

    def child(self, key, *, null=False):
        value = self.get(key, None if null else REQUIRED)
        if value is None and null:
            return None
        return _Item(value, self.at(key))


def _field(model, name):
    return model._meta.get_field(name)


class _Restorer:
    def __init__(self, project, user, user_map, create_users):
        self.project = project
        self.user = user
        self.user_map = user_map
        self.create_users = create_users
        self.labels = {
            (label.layer.key, label.key): label
            for label in Label.objects.filter(layer__codebook=project.codebook).select_related("layer")
        }
        self.accounts = {}  # account username -> (user, role)
        self.ids = {}  # id in the file -> annotation
        self.positions = {}  # id in the file -> its position
        self.provenance = []
        self.summary = {"documents_created": 0, "documents_matched": 0, "annotations_created": 0,
                        "annotations_skipped": 0, "comments_created": 0, "done_marks_created": 0,
                        "users_created": []}

    def account(self, item, key, *, reviews=False, null=False):
        """Return the member account that a username of the file maps to, or raise naming its position."""
        name = item.get(key, None if null else REQUIRED)
        if name is None and null:
            return None
        problem = _username_problem(name)
        if problem:
            item.fail(key, problem)
        target = self.user_map.get(name, name)
        if target not in self.accounts:
            user = get_user_model().objects.filter(username=target).first()
            if user is None:
                if not self.create_users:
                    item.fail(key, f"no account '{target}': map it to a member (--map-user {name}=ACCOUNT, or "
                                   "user_map in the API) or ask to create missing accounts (--create-users)")
                user = get_user_model()(username=target)
                user.set_unusable_password()
                user.save()
                Membership.objects.create(project=self.project, user=user, role=Membership.Role.ANNOTATOR)
                self.summary["users_created"].append(target)
            role = Membership.objects.filter(project=self.project, user=user).values_list("role", flat=True).first()
            self.accounts[target] = (user, role)
        user, role = self.accounts[target]
        if role is None:
            item.fail(key, f"account '{target}' is not a member of project '{self.project.slug}': map '{name}' to "
                           "a member or add the account as a member first")
        if reviews and not Membership.can_review(role):
            item.fail(key, f"account '{target}' is a {role} of project '{self.project.slug}': reviewing and gold "
                           "tags need a reviewer or manager")
        return user

    def restore_document(self, item):
        text = item.text("text", blank=False)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if item.get("text_sha256", digest) != digest:
            item.fail("text_sha256", "does not match the document text")
        exported_segments = [self.read_segment(segment, text) for segment in item.items("segments")]
        indexes = set()
        for segment_item, fields in exported_segments:
            if fields["index"] in indexes:
                segment_item.fail("index", f"{fields['index']} appears twice in this document")
            indexes.add(fields["index"])
        document = Document.objects.filter(project=self.project, text_sha256=digest).first()
        if document is None:
            document = self.create_document(item, text, digest, [fields for _, fields in exported_segments])
            self.summary["documents_created"] += 1
        else:
            self.summary["documents_matched"] += 1
        by_offsets = {(s.start, s.end): s for s in document.segments.all()}
        segments, file_ids = {}, {}
        for segment_item, fields in exported_segments:
            segment = by_offsets.get((fields["start"], fields["end"]))
            if segment is None or segment.text != fields["text"]:
                segment_item.fail("start", "does not match this project's segmentation of the same text")
            file_id = segment_item.integer("id")
            if file_id in file_ids:
                segment_item.fail("id", f"{file_id} appears twice in this document")
            file_ids[file_id] = segment
            segments[segment_item] = segment
        for segment_item, segment in segments.items():
            for annotation in segment_item.items("annotations", default=[]):
                self.restore_annotation(annotation, document, segment, "annotations", file_ids)
            self.restore_comments(segment_item, segment)
            self.restore_done(segment_item, segment)
        for place in ("document_annotations", "relations"):
            for annotation in item.items(place, default=[]):
                self.restore_annotation(annotation, document, None, place, file_ids)

    def read_segment(self, item, text):
        fields = {"index": item.integer("index"), "kind": item.choice("kind", Segment.Kind.values),
                  "paragraph": item.integer("paragraph", default=0), "start": item.integer("start"),
                  "end": item.integer("end"), "text": item.text("text")}
        if fields["start"] >= fields["end"]:
            item.fail("end", f"must be greater than start ({fields['start']})")
        if text[fields["start"]:fields["end"]] != fields["text"]:
            item.fail("text", "does not slice the document text at its offsets")
        return item, fields

    def create_document(self, item, text, digest, segments):
        source = item.child("source", null=True)
        if source is not None:
            source = Source.objects.get_or_create(
                name=source.text("name", field=_field(Source, "name"), blank=False),
                defaults={"country": source.text("country", field=_field(Source, "country"), default=""),
                          "funding_note": source.text("funding_note", default=""),
                          "url": source.text("url", field=_field(Source, "url"), default="")},
            )[0]
        document = Document.objects.create(
            project=self.project, source=source, text=text, text_sha256=digest, imported_by=self.user,
            title=item.text("title", field=_field(Document, "title"), blank=False),
            standfirst=item.text("standfirst", default=""),
            author=item.text("author", field=_field(Document, "author"), default=""),
            published_at=item.when("published_at"),
            url=item.text("url", field=_field(Document, "url"), default=""),
            language=item.text("language", field=_field(Document, "language"), default="en", blank=False),
            filename=item.text("filename", field=_field(Document, "filename"), default=""),
            external_id=item.text("external_id", field=_field(Document, "external_id"), default=""),
        )
        Segment.objects.bulk_create(Segment(document=document, **fields) for fields in segments)
        return document

    def restore_annotation(self, item, document, segment, place, segments):
        file_id = item.integer("id")
        if file_id in self.ids:
            item.fail("id", f"{file_id} appears twice (first at {self.positions[file_id]})")
        layer_key, label_key = item.text("layer"), item.text("label")
        label = self.labels.get((layer_key, label_key))
        if label is None:
            item.fail("label", f"'{layer_key}:{label_key}' is not in this project's codebook")
        if label.layer.scope not in PLACES[place]:
            item.fail("layer", f"layer '{layer_key}' has {label.layer.scope} scope: its tags do not go in '{place}'")
        if segment is None:
            anchor = item.integer("segment_id", null=True, default=None)
            if anchor is not None and anchor not in segments:
                item.fail("segment_id", f"{anchor} is not a segment of this document")
            segment = segments.get(anchor)
        gold = item.boolean("gold")
        attributes = item.get("attributes", {})
        if not isinstance(attributes, dict):
            item.fail("attributes", "must be an object of attribute names and values")
        ends = {}
        relation = item.child("relation", null=True)
        for role in ("content", "source", "cue"):
            old = relation.integer(role, null=True, default=None) if relation is not None else None
            if old is not None and old not in self.ids:
                relation.fail(role, f"annotation {old} is not earlier in the file")
            ends[f"relation_{role}"] = self.ids.get(old)
        annotation = Annotation(
            project=self.project, document=document, segment=segment, label=label,
            annotator=self.account(item, "annotator", reviews=gold),
            start=item.integer("start", null=True, default=None), end=item.integer("end", null=True, default=None),
            quote=item.text("quote", default=""), attributes=attributes, note=item.text("note", default=""),
            status=item.choice("status", Annotation.Status.values, default=Annotation.Status.PENDING),
            reviewer=self.account(item, "reviewer", reviews=True, null=True),
            reviewed_at=item.when("reviewed_at"), review_note=item.text("review_note", default=""),
            gold=gold, edited=item.boolean("edited"), version=item.integer("version", default=1, minimum=1), **ends,
            import_source=item.text("import_source", field=_field(Annotation, "import_source"), default=""),
            import_file=item.text("import_file", field=_field(Annotation, "import_file"), default=""),
        )
        provenance = item.get("provenance", [])
        if not isinstance(provenance, list) or not all(
            isinstance(old, int) and not isinstance(old, bool) for old in provenance
        ):
            item.fail("provenance", "must be a list of annotation ids")
        if provenance and not gold:
            item.fail("provenance", "only gold tags have provenance")
        created, modified = item.when("created"), item.when("modified")
        self.positions[file_id] = item.path
        duplicate = Annotation.objects.filter(
            project=self.project, document=document, segment=segment, annotator=annotation.annotator, label=label,
            start=annotation.start, end=annotation.end, gold=gold, **ends,
        ).first()
        if duplicate is not None:
            self.ids[file_id] = duplicate
            self.summary["annotations_skipped"] += 1
            return
        try:
            tags.do_import_tag(annotation=annotation, user=self.user, created_at=created, modified_at=modified)
        except ValidationError as error:
            field, problems = next(iter(error.message_dict.items()))
            item.fail(FIELD_PATHS.get(field, field), " ".join(problems))
        self.ids[file_id] = annotation
        self.summary["annotations_created"] += 1
        if provenance:
            self.provenance.append((item, annotation, provenance))

    def restore_comments(self, item, segment):
        for comment in item.items("comments", default=[]):
            fields = {"segment": segment, "author": self.account(comment, "author"),
                      "text": comment.text("text", field=_field(SegmentComment, "text"), blank=False)}
            created = comment.when("created", null=False)
            if SegmentComment.objects.filter(created_at=created, **fields).exists():
                continue
            made = SegmentComment.objects.create(**fields)
            SegmentComment.objects.filter(pk=made.pk).update(created_at=created)
            self.summary["comments_created"] += 1

    def restore_done(self, item, segment):
        for mark in item.items("done", default=[]):
            annotator = self.account(mark, "annotator")
            done_at = mark.when("done_at", null=False)
            made, created = SegmentProgress.objects.get_or_create(segment=segment, annotator=annotator)
            if created:
                SegmentProgress.objects.filter(pk=made.pk).update(done_at=done_at)
                self.summary["done_marks_created"] += 1

    def link_provenance(self):
        for item, annotation, origins in self.provenance:
            for old in origins:
                if old not in self.ids:
                    item.fail("provenance", f"annotation {old} is not in the file")
            with tags.write_path():
                annotation.provenance.set(self.ids[old] for old in origins)

    def in_file_ids(self, problem):
        """Name the annotations of a gold problem by their ids and positions in the file."""
        by_pk = {annotation.pk: old for old, annotation in self.ids.items()}

        def name(match):
            old = by_pk.get(int(match.group(2)))
            if old is None:
                return match.group(0)
            return f"{match.group(1)} {old} (at {self.positions[old]})"

        return re.sub(r"(annotation|relation) (\d+)", name, problem)

