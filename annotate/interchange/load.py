"""Put a batch of foreign annotations into a project: through the one write path, all or nothing, reported.

Documents are matched by external id, else by exact text (the project keeps
one document per text), else created from the batch's text through
annotate.importing.import_article, which splits the sentences. Labels are
mapped by annotate.interchange.mapping; spans are placed on their first
sentence by annotate.spans.place_span. Each tag is saved by
annotate.tags.do_import_tag: pending, not gold, with ``import_source`` (the
batch's source, e.g. "semeval-2020") and ``import_file`` (the file part of
the tag's ``where``, which readers write as FILE:PLACE).

Annotators: with ``annotator`` every tag is that one account's (a dataset
account: created if missing, inactive with no usable password, and made an
annotator of the project; an existing account that is not a member is
accepted only if it is such a dataset account, so an import cannot add a
person to a project). Without it, a tag keeps the format's annotator name
when that name is an account that is a member of the project, and is the
importing user's otherwise.

A relation points at its ends by their ``ref``: tags of the same batch, which
readers list before the relations.

A tag identical to one already in the project (same place, label and
annotator) is skipped, so importing the same files twice adds nothing;
identical tags inside one batch are all kept, as the data has them.

Everything happens in one transaction. Unless ``partial``, one refusal (by
the reader or here) leaves nothing saved; ``dry_run`` never saves.
"""

import hashlib
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from annotate import tags
from annotate.importing import ARTICLE_SUFFIXES, ArticleImportError, import_article
from annotate.interchange.formats import get_format
from annotate.interchange.mapping import LabelMap, Unmapped, parse_mapping
from annotate.interchange.records import ForeignFormatError, Refusal
from annotate.interchange.report import ImportOptionError, ImportReport
from annotate.models import Annotation, Document, Layer, Membership
from annotate.restoring import RestoreError, parse_export, restore_export
from annotate.spans import SpanPlacementError, covered, place_span

SCHEMES = {"semeval-2020": "2020", "semeval-2023": "2023"}


def import_batch(*, project, batch, mapping=None, annotator=None, user, partial=False, dry_run=False,
                 span_label=None, format_key=None):
    """Import a ForeignBatch into a project and return its ImportReport (saved or not, see ``report.saved``).

    ``mapping`` is a LabelMap, or a user mapping {foreign name: "layer:label" or None} from which one is made
    (with ``span_label``). Raise ImportOptionError, naming the field, for an option that makes the import
    impossible (not a manager, a bad annotator name, a mapping to labels the codebook lacks).
    """
    if user is None or not Membership.can_manage(Membership.roles_of(user).get(project.pk)):
        raise ImportOptionError(f"only a manager of project '{project.slug}' may import into it", field="user")
    if not isinstance(mapping, LabelMap):
        mapping = LabelMap(project.codebook, user_mapping=mapping, span_label=span_label,
                           scheme=SCHEMES.get(batch.source))
    report = ImportReport(format_key=format_key or batch.source, source=batch.source, partial=partial,
                          dry_run=dry_run)
    with transaction.atomic():
        loader = _Loader(project=project, user=user, mapping=mapping, report=report, source=batch.source)
        loader.fixed_annotator = _dataset_account(project, annotator, report) if annotator else None
        for refusal in batch.refused:
            report.refuse(refusal)
        for document in batch.documents:
            loader.document(document)
        report.tags["read"] = len(batch.tags) + len(batch.refused)
        for tag in batch.tags:
            loader.tag(tag)
        report.saved = not dry_run and (partial or not report.refused)
        if not report.saved:
            transaction.set_rollback(True)
    return report


def _dataset_account(project, name, report):
    """Return the one account all tags are imported as, creating a dataset account if there is none."""
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError:
        raise ImportOptionError(f"{name!r} is not a valid username (letters, digits and @.+-_ only)",
                                field="annotator") from None
    if len(name) > get_user_model()._meta.get_field("username").max_length:
        raise ImportOptionError("a username has at most 150 characters", field="annotator")
    account = get_user_model().objects.filter(username=name).first()
    if account is None:
        account = get_user_model()(username=name, is_active=False)
        account.set_unusable_password()
        account.save()
        report.users_created.append(name)
    elif not Membership.objects.filter(project=project, user=account).exists():
        if account.is_active or account.has_usable_password():
            raise ImportOptionError(
                f"account '{name}' is a person's account and not a member of project '{project.slug}': add it "
                "as a member first, or import as a new dataset account name", field="annotator")
    Membership.objects.get_or_create(project=project, user=account,
                                     defaults={"role": Membership.Role.ANNOTATOR})
    return account


def file_of(where):
    """Return the file part of a reader's FILE:PLACE, as stored in Annotation.import_file (255 at most)."""
    name = where.rsplit(":", 1)[0] if ":" in where else where
    return Path(name).name[:255]


class _Loader:
    def __init__(self, *, project, user, mapping, report, source):
        self.project, self.user, self.mapping, self.report, self.source = project, user, mapping, report, source
        self.fixed_annotator = None
        self.documents = {}  # foreign key -> (Document, [segments])
        self.refused_documents = {}  # foreign key -> why
        self.accounts = {}
        self.existing = {}  # document id -> Counter of identical-tag keys already in the project
        self.refs = {}  # ForeignTag.ref -> its Annotation, for the relations that point at it

    # Documents

    def document(self, foreign):
        where = foreign.filename or foreign.key
        try:
            document = self._match(foreign) or self._create(foreign)
        except _Refused as refused:
            self.refused_documents[foreign.key] = refused.refusal.reason
            self.report.refuse(refused.refusal, counts="documents")
            return
        self._name(document, foreign)
        segments = list(document.segments.order_by("index"))
        if not segments:
            self.refused_documents[foreign.key] = "document has no sentences"
            self.report.refuse(Refusal("document has no sentences", where), counts="documents")
            return
        self.documents[foreign.key] = (document, segments)

    def _match(self, foreign):
        documents = Document.objects.filter(project=self.project)
        document = documents.filter(external_id=foreign.external_id).order_by("pk").first() \
            if foreign.external_id else None
        if document is None and foreign.text is not None:
            digest = hashlib.sha256(foreign.text.encode("utf-8")).hexdigest()
            document = documents.filter(text_sha256=digest).first()
        if document is None:
            return None
        if foreign.text is not None and document.text != foreign.text:
            raise _Refused("text differs from the project's document", foreign.filename or foreign.key,
                           f"document {document.pk} has external id {foreign.external_id!r} but another text")
        self.report.documents["matched"] += 1
        return document

    def _create(self, foreign):
        where = foreign.filename or foreign.key
        if foreign.text is None:
            raise _Refused("unknown document", where, f"no document with external id {foreign.external_id!r} in "
                                                      "the project, and the files do not carry its text")
        name = foreign.filename if foreign.filename.lower().endswith(ARTICLE_SUFFIXES) else "article.txt"
        try:
            document = import_article(project=self.project, name=name, raw=foreign.text.encode("utf-8"),
                                      external_id=foreign.external_id, user=self.user).document
        except ArticleImportError as error:
            raise _Refused("article cannot be imported", where, error.problem) from None
        if document.text != foreign.text:
            raise _Refused("article cannot be imported", where, "its text changes on import (a byte order mark?)")
        # The dataset's own file name, not the stand-in given to the splitter.
        document.filename = foreign.filename[: Document._meta.get_field("filename").max_length]
        document.title = foreign.title[:500] or document.title
        document.save(update_fields=["filename", "title"])
        self.report.documents["created"] += 1
        return document

    def _name(self, document, foreign):
        """Give a document the batch's external id and file name where it has none (a matched one keeps its own)."""
        changed = [field for field in ("external_id", "filename") if getattr(foreign, field)
                   and not getattr(document, field)]
        for field in changed:
            setattr(document, field, getattr(foreign, field)[: Document._meta.get_field(field).max_length])
        if changed:
            document.save(update_fields=changed)

    # Tags

    def tag(self, foreign):
        try:
            annotation = self._build(foreign)
            if self._already_there(annotation):
                self.report.tags["skipped"] += 1
                if foreign.ref:
                    self.refs[foreign.ref] = self._twin(annotation)
                return
            tags.do_import_tag(annotation=annotation, user=self.user, reason=f"imported from {self.source}")
            if foreign.ref:
                self.refs[foreign.ref] = annotation
        except _Refused as refused:
            self.report.refuse(refused.refusal)
            return
        except ValidationError as error:
            field, problems = next(iter(getattr(error, "message_dict", {"tag": error.messages}).items()))
            self.report.refuse(Refusal(f"invalid {field}", foreign.where, " ".join(problems)))
            return
        self.report.tags["imported"] += 1
        self.report.by_label[str(annotation.label)] += 1
        self.report.by_annotator[annotation.annotator.username] += 1

    def _build(self, foreign):
        placed = self.documents.get(foreign.document)
        if placed is None:
            why = self.refused_documents.get(foreign.document, "its article is not among the files")
            raise _Refused("document not imported", foreign.where, f"article {foreign.document!r}: {why}")
        document, segments = placed
        try:
            label = self.mapping.resolve(foreign.label, foreign.scope)
        except Unmapped as unmapped:
            raise _Refused(unmapped.reason, foreign.where, unmapped.detail) from None
        scope = _scope(foreign, label.layer.scope)
        if label.layer.scope != scope:
            raise _Refused("label of another scope", foreign.where,
                           f"{foreign.label!r} maps to {label}, a {label.layer.scope} label, for a {foreign.scope} tag")
        annotation = Annotation(project=self.project, document=document, label=label,
                                annotator=self._annotator(foreign.annotator), attributes=dict(foreign.attributes),
                                note=foreign.note, import_source=self.source, import_file=file_of(foreign.where))
        if scope == Layer.Scope.SPAN:
            self._place_span(annotation, foreign, document, segments)
        elif scope != foreign.scope:
            self._place_region(annotation, foreign, segments)
        elif scope == Layer.Scope.SEGMENT:
            self._place_sentence(annotation, foreign, segments)
        elif scope == Layer.Scope.RELATION:
            self._link(annotation, foreign)
        return annotation

    def _link(self, annotation, foreign):
        """Point a relation at its ends: tags of this batch, which readers put before the relations."""
        for role, ref in foreign.ends.items():
            end = self.refs.get(ref)
            if end is None:
                raise _Refused("relation end not imported", foreign.where,
                               f"its {role} ({ref}) is not a tag imported from these files")
            setattr(annotation, f"relation_{role}", end)

    def _twin(self, annotation):
        """Return the tag already in the project that an identical tag of the batch was skipped for."""
        return Annotation.objects.filter(
            project=self.project, document=annotation.document, segment=annotation.segment, label=annotation.label,
            annotator=annotation.annotator, start=annotation.start, end=annotation.end, gold=False,
        ).order_by("pk").first()

    def _place_region(self, annotation, foreign, segments):
        """Put a region over one whole sentence on that sentence: a sentence label, or a document label's anchor."""
        hit = covered(segments, foreign.start, foreign.end)
        if len(hit) != 1 or (hit[0].start, hit[0].end) != (foreign.start, foreign.end):
            raise _Refused("region is not a sentence", foreign.where,
                           f"{foreign.label!r} labels sentences (or articles, at a sentence): {foreign.start}-"
                           f"{foreign.end} is not exactly one of the project's sentences")
        if foreign.quote is not None and foreign.quote != hit[0].text:
            raise _Refused("quote mismatch", foreign.where, f"the file quotes {foreign.quote[:80]!r}, the sentence "
                                                            f"at {foreign.start}-{foreign.end} is {hit[0].text[:80]!r}")
        annotation.segment = hit[0]

    def _place_span(self, annotation, foreign, document, segments):
        if foreign.start is None or foreign.end is None:
            raise _Refused("span without offsets", foreign.where, "a span needs a start and an end")
        if foreign.start >= foreign.end:
            raise _Refused("empty span", foreign.where, f"span {foreign.start}-{foreign.end} is empty or reversed")
        try:
            segment, start, end = place_span(segments, foreign.start, foreign.end, len(document.text))
        except SpanPlacementError as error:
            raise _Refused("span outside the text", foreign.where, str(error)) from None
        quote = document.text[foreign.start:foreign.end]
        if foreign.quote is not None and foreign.quote != quote:
            raise _Refused("quote mismatch", foreign.where,
                           f"the file quotes {foreign.quote[:80]!r}, the text at {foreign.start}-{foreign.end} "
                           f"is {quote[:80]!r}")
        annotation.segment, annotation.start, annotation.end, annotation.quote = segment, start, end, quote

    def _place_sentence(self, annotation, foreign, segments):
        if foreign.start is None or foreign.end is None:
            raise _Refused("sentence without offsets", foreign.where, "a sentence label needs the sentence's offsets")
        hit = covered(segments, foreign.start, foreign.end)
        if len(hit) != 1:
            raise _Refused("not one sentence", foreign.where,
                           f"{foreign.start}-{foreign.end} covers {len(hit)} of the project's sentences, not one")
        annotation.segment = hit[0]

    def _annotator(self, name):
        if self.fixed_annotator is not None:
            return self.fixed_annotator
        if name not in self.accounts:
            member = get_user_model().objects.filter(
                username=name, memberships__project=self.project).first() if name else None
            self.accounts[name] = member or self.user
        return self.accounts[name]

    def _already_there(self, annotation):
        """Whether the project had an identical tag before this import (each one matches one tag of the batch)."""
        if annotation.document_id not in self.existing:
            self.existing[annotation.document_id] = Counter(
                Annotation.objects.filter(project=self.project, document_id=annotation.document_id, gold=False)
                .values_list("segment_id", "label_id", "annotator_id", "start", "end")
            )
        existing = self.existing[annotation.document_id]
        key = (annotation.segment_id, annotation.label_id, annotation.annotator_id, annotation.start, annotation.end)
        if existing[key] > 0:
            existing[key] -= 1
            return True
        return False


def _scope(foreign, layer_scope):
    """Return the scope a tag is read as: formats that mark only regions (Label Studio, W3C) write a sentence
    label, or a document label's anchor sentence, as a region over exactly that sentence."""
    if foreign.scope == Layer.Scope.SPAN and foreign.start is not None and layer_scope in (
            Layer.Scope.SEGMENT, Layer.Scope.DOCUMENT):
        return layer_scope
    return foreign.scope


class _Refused(Exception):
    def __init__(self, reason, where, detail=""):
        super().__init__(detail)
        self.refusal = Refusal(reason, where, detail)


def import_files(*, project, format_key, files, user, mapping=None, annotator=None, span_label=None,
                 partial=False, dry_run=False, user_map=None, create_users=False):
    """Read files of a format and import them; return the report as a dict (``saved`` says if anything was).

    ``mapping`` is the raw bytes of a mapping file, or None. Raise ImportOptionError for a bad option or a
    file that cannot be read at all.
    """
    fmt = get_format(format_key)
    if fmt.read is None:
        return _restore(project=project, files=files, user=user, user_map=user_map, create_users=create_users,
                        dry_run=dry_run, unused={"mapping": mapping, "annotator": annotator,
                                                 "span_label": span_label, "partial": partial})
    if not files:
        raise ImportOptionError("give at least one file", field="files")
    user_mapping = parse_mapping(mapping) if mapping is not None else None
    try:
        batch = fmt.read(files)
    except ForeignFormatError as error:
        raise ImportOptionError(str(error), field="files") from None
    return import_batch(project=project, batch=batch, mapping=user_mapping, span_label=span_label,
                        annotator=annotator, user=user, partial=partial, dry_run=dry_run,
                        format_key=format_key).as_dict()


def _restore(*, project, files, user, user_map, create_users, dry_run, unused):
    """Put back our json export (annotate.restoring), as a report of the same shape as other formats'."""
    for field, value in unused.items():
        if value:
            raise ImportOptionError("not used by the json format (its labels and annotators are the project's own)",
                                    field=field)
    if len(files) != 1:
        raise ImportOptionError("the json format takes one file, a json export", field="files")
    report = ImportReport(format_key="json", source="json", dry_run=dry_run)
    try:
        with transaction.atomic():
            summary = restore_export(project=project, data=parse_export(files[0].data), user=user,
                                     user_map=user_map, create_users=create_users)
            report.saved = not dry_run
            transaction.set_rollback(dry_run)
    except RestoreError as error:
        if error.field != "file":
            raise ImportOptionError(str(error), field=error.field) from None
        report.refuse(Refusal("invalid json export", files[0].name, str(error)))
        return report.as_dict()
    report.documents.update(created=summary["documents_created"], matched=summary["documents_matched"])
    report.tags.update(imported=summary["annotations_created"], skipped=summary["annotations_skipped"])
    report.users_created = summary["users_created"]
    return report.as_dict()
