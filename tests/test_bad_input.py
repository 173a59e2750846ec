"""Bad input through every door: a 4xx (or a non-zero exit) naming the problem, and no row written."""

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from annotate.models import Annotation, Document, Project, Segment, SegmentComment, SegmentProgress
from tests.api_helpers import client_for, make_span
from tests.conftest import SEED

MODELS = (Annotation, Annotation.history.model, Document, Segment, SegmentComment, SegmentProgress)
DEEP = "[" * 100_000 + "]" * 100_000


@dataclass
class Context:
    """Ids and users the cases refer to, made once per test."""

    project: Project
    cast: dict
    sentence: Segment
    labels: dict
    mine: Annotation  # ann1's span
    theirs: Annotation  # ann2's span, hidden from ann1 in this blind project
    foreign_document: Document
    foreign_segment: Segment
    tmp_path: object
    extra: dict = field(default_factory=dict)

    def span(self, words="lifeline", **changes):
        start = self.sentence.text.index(words)
        body = {"segment": self.sentence.pk, "label": self.labels["loaded"].pk, "start": start,
                "end": start + len(words), "quote": words, "attributes": {"polarity": "positive"}}
        return {**body, **changes}

    def if_match(self, annotation=None, version=None):
        annotation = annotation or self.mine
        return f'"{annotation.pk}.{annotation.version if version is None else version}"'


@dataclass
class Request:
    """One bad request: the door it goes through and what it sends."""

    method: str = "post"
    path: str = "/api/annotations/"
    body: object = None  # a dict, or str/bytes sent as is with content_type
    format: str = "json"  # json, form, multipart or raw
    content_type: str = "application/json"
    user: str = "ann1"
    headers: dict = field(default_factory=dict)


def api(ctx, request):
    client = client_for(ctx.cast[request.user])
    method = getattr(client, request.method)
    headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.headers.items()}
    body = request.body
    if body is None:
        response = method(request.path, **headers)
    elif request.format == "json":
        # Escaped as JSON allows, so that a lone surrogate reaches the server as a client may send it.
        response = method(request.path, json.dumps(body), content_type="application/json", **headers)
    elif request.format == "form":
        data = body if isinstance(body, str) else urlencode(
            {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in body.items()})
        response = method(request.path, data, content_type="application/x-www-form-urlencoded", **headers)
    elif request.format == "multipart":
        body = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in body.items()}
        response = method(request.path, body, format="multipart", **headers)
    else:
        response = method(request.path, body, content_type=request.content_type, **headers)
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return response.status_code, json.dumps(response.json(), ensure_ascii=False)


def command(ctx, args):
    """Run a management command; return 1 and its message if it fails, else 0 and ''."""
    name, *rest = args
    try:
        call_command(name, *rest, stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w"))
    except CommandError as error:
        return 1, str(error)
    except SystemExit as error:  # argparse refusing an option
        return error.code or 1, ""
    return 0, ""


def file_at(ctx, name, raw):
    path = ctx.tmp_path / name
    path.write_bytes(raw)
    return str(path)


def multipart(**fields):
    return Request(format="multipart", body=fields)


def upload(name, raw, **fields):
    return lambda c: Request(path="/api/documents/", format="multipart", user="manager",
                             body={"project": c.project.pk, "file": SimpleUploadedFile(name, raw), **fields})


def restore_api(raw, user="manager", **fields):
    return lambda c: Request(path=f"/api/projects/{c.project.pk}/import/", format="multipart", user=user,
                             body={"file": SimpleUploadedFile("export.json", raw), **fields})


def export_api(query, user="reviewer"):
    return lambda c: Request(method="get", path=f"/api/projects/{c.project.pk}/export/?{query}", user=user)


def edit(body, *, headers=None, method="patch", target="mine", fmt="json"):
    def build(c):
        annotation = getattr(c, target)
        sent = body(c) if callable(body) else body
        return Request(method=method, path=f"/api/annotations/{annotation.pk}/", body=sent, format=fmt,
                       headers=headers(c) if callable(headers) else (headers or {}))
    return build


def review(body, user="reviewer", target="mine"):
    return lambda c: Request(path=f"/api/annotations/{getattr(c, target).pk}/review/", body=body, user=user,
                             headers={"If-Match": c.if_match(getattr(c, target))})


def comment(body, segment="sentence"):
    return lambda c: Request(path=f"/api/segments/{getattr(c, segment).pk}/comments/", body=body)


def too_big(c):
    return c.span(note="x" * (1024 * 1024 + 10))


# (id, door, request, expected status or exit code, substrings the message must contain)
CASES = [
    # Annotation bodies as JSON.
    ("json-nested-too-deep-to-parse", "api", lambda c: Request(format="raw", body=DEEP), 400, ["nested more than"]),
    ("json-nested-in-attributes", "api", lambda c: Request(body=c.span(attributes={"polarity": json.loads(
        "[" * 60 + "]" * 60)})), 400, ["nested more than 20 levels"]),
    ("json-nul-in-attribute-value", "api", lambda c: Request(body=c.span(
        attributes={"polarity": "positive", "target": "Ir\x00an"})), 400, ["attributes.target", "NUL"]),
    ("json-lone-surrogate-in-attribute-value", "api", lambda c: Request(body=c.span(
        attributes={"polarity": "positive", "target": "Iran\ud800"})), 400, ["attributes.target", "urrogate"]),
    ("json-nul-in-attribute-name", "api", lambda c: Request(body=c.span(
        attributes={"polarity": "positive", "tar\x00get": "x"})), 400, ["attributes", "NUL"]),
    ("json-lone-surrogate-in-attribute-name", "api", lambda c: Request(body=c.span(
        attributes={"polarity": "positive", "\udc80": "x"})), 400, ["attributes", "urrogate"]),
    ("json-nul-in-note", "api", lambda c: Request(body=c.span(note="a\x00b")), 400, ["note", "Null characters"]),
    ("json-lone-surrogate-in-note", "api", lambda c: Request(body=c.span(note="a\ud83d")), 400,
     ["note", "urrogate"]),
    ("json-nul-in-quote", "api", lambda c: Request(body=c.span(quote="life\x00line")), 400, ["quote"]),
    ("json-note-over-5000-characters", "api", lambda c: Request(body=c.span(note="x" * 5001)), 400,
     ["note", "over the limit of 5,000"]),
    ("json-attributes-object-over-4kb", "api", lambda c: Request(body=c.span(
        attributes={"polarity": "positive", **{f"k{i}": "y" * 100 for i in range(60)}})), 400,
     ["attributes", "over the limit of 4,096"]),
    ("json-text-attribute-over-500", "api", lambda c: Request(body=c.span(
        attributes={"polarity": "positive", "target": "t" * 501})), 400, ["attributes.target", "at most 500"]),
    ("json-body-over-1mb", "api", lambda c: Request(body=too_big(c)), 413, ["byte limit"]),
    ("json-not-json", "api", lambda c: Request(format="raw", body="{not json"), 400, ["JSON parse error"]),
    ("json-not-utf8", "api", lambda c: Request(format="raw", body=b'{"note": "\xff"}'), 400, ["JSON parse error"]),
    ("json-nan", "api", lambda c: Request(format="raw", body='{"start": NaN}'), 400, ["JSON parse error"]),
    ("json-list-not-object", "api", lambda c: Request(body=[1, 2]), 400, ["Expected a dictionary"]),
    ("json-start-is-text", "api", lambda c: Request(body=c.span(start="two")), 400, ["start", "valid integer"]),
    ("json-end-is-float", "api", lambda c: Request(body=c.span(end=4.5)), 400, ["end", "valid integer"]),
    ("json-negative-start", "api", lambda c: Request(body=c.span(start=-3)), 400, ["start", "greater than"]),
    ("json-huge-end", "api", lambda c: Request(body=c.span(end=10**30)), 400, ["end", "past the end"]),
    ("json-huge-start-and-end", "api", lambda c: Request(body=c.span(start=2**63, end=2**63 + 1)), 400, ["end"]),
    ("json-unknown-label", "api", lambda c: Request(body=c.span(label=999_999)), 400, ["label", "does not exist"]),
    ("json-label-is-text", "api", lambda c: Request(body=c.span(label="loaded")), 400, ["label", "Incorrect type"]),
    ("json-foreign-segment", "api", lambda c: Request(body=c.span(segment=c.foreign_segment.pk)), 400,
     ["segment", "does not exist"]),
    ("json-foreign-document", "api", lambda c: Request(body={"document": c.foreign_document.pk,
                                                            "label": c.labels["article"].pk}), 400,
     ["document", "does not exist"]),
    ("json-no-segment-or-document", "api", lambda c: Request(body={"label": c.labels["loaded"].pk}), 400,
     ["document", "give a segment"]),
    ("json-attributes-not-an-object", "api", lambda c: Request(body=c.span(attributes=[1, 2])), 400,
     ["attributes", "must be an object"]),
    ("json-unknown-attribute", "api", lambda c: Request(body=c.span(attributes={"polarity": "positive",
                                                                                "mood": "x"})), 400,
     ["attributes.mood", "unknown attribute"]),
    ("json-sentence-label-with-offsets", "api", lambda c: Request(body=c.span(label=c.labels["framing"].pk)), 400,
     ["must be empty for a sentence-level label"]),
    ("json-bad-client-key", "api", lambda c: Request(body=c.span(client_key="not-a-uuid")), 400,
     ["client_key", "valid UUID"]),
    ("json-client-key-is-an-object", "api", lambda c: Request(body=c.span(client_key={"a": 1})), 400,
     ["client_key"]),
    # The same bodies, form-encoded and multipart: the same limits.
    ("form-note-over-5000-characters", "api", lambda c: Request(format="form", body=c.span(note="x" * 5001)), 400,
     ["note", "over the limit of 5,000"]),
    ("form-body-over-1mb", "api", lambda c: Request(format="form", body=too_big(c)), 413, ["byte limit"]),
    ("form-attributes-nested-too-deep", "api", lambda c: Request(format="form", body=c.span(attributes=DEEP)), 400,
     ["attributes", "nested more than"]),
    ("form-attributes-not-json", "api", lambda c: Request(format="form", body=c.span(attributes="{polarity")),
     400, ["attributes", "valid JSON"]),
    ("form-nul-in-note", "api", lambda c: Request(format="form", body=c.span(note="a\x00b")), 400,
     ["note", "Null characters"]),
    ("form-nul-in-attribute", "api", lambda c: Request(format="form", body=c.span(
        attributes={"polarity": "positive", "target": "a\x00"})), 400, ["attributes.target", "NUL"]),
    ("form-start-is-text", "api", lambda c: Request(format="form", body=c.span(start="²")), 400, ["start"]),
    ("multipart-body-over-1mb", "api", lambda c: multipart(**too_big(c)), 413, ["byte limit"]),
    ("multipart-note-over-5000-characters", "api", lambda c: multipart(**c.span(note="x" * 5001)), 400,
     ["note", "over the limit of 5,000"]),
    ("multipart-lone-surrogate-in-attribute", "api", lambda c: multipart(**c.span(
        attributes='{"polarity": "positive", "target": "\\ud800"}')), 400, ["attributes.target", "urrogate"]),
    ("multipart-note-sent-as-a-file", "api", lambda c: multipart(**c.span(
        note=SimpleUploadedFile("note.txt", b"x" * 100))), 400, ["note"]),
    # Edits and deletes: versions, ownership, the same limits.
    ("edit-if-match-garbage", "api", edit({"note": "n"}, headers={"If-Match": "abc"}), 412, ["current"]),
    ("edit-if-match-other-annotation", "api", edit({"note": "n"}, headers=lambda c: {
        "If-Match": c.if_match(c.theirs)}), 412, ["changed by someone else"]),
    ("edit-if-match-huge-version", "api", edit({"note": "n"}, headers=lambda c: {
        "If-Match": c.if_match(version=10**20)}), 412, ["current"]),
    ("edit-without-if-match", "api", edit({"note": "n"}), 428, ["If-Match"]),
    ("edit-note-over-5000-characters", "api", edit({"note": "x" * 5001}, headers=lambda c: {
        "If-Match": c.if_match()}), 400, ["note", "over the limit of 5,000"]),
    ("edit-lone-surrogate-in-attribute", "api", edit({"attributes": {"polarity": "positive", "target": "\ud800"}},
                                                     headers=lambda c: {"If-Match": c.if_match()}), 400,
     ["attributes.target", "urrogate"]),
    ("edit-form-note-over-5000-characters", "api", edit({"note": "x" * 5001}, fmt="form",
                                                        headers=lambda c: {"If-Match": c.if_match()}), 400,
     ["note", "over the limit"]),
    ("edit-foreign-annotation", "api", edit({"note": "n"}, target="theirs", headers={"If-Match": "*"}), 404,
     ["No Annotation matches"]),
    ("edit-move-to-another-segment", "api", edit(lambda c: {"segment": c.foreign_segment.pk},
                                                 headers={"If-Match": "*"}), 400, ["segment"]),
    ("delete-stale-if-match", "api", edit(None, method="delete", headers=lambda c: {
        "If-Match": c.if_match(version=7)}), 412, ["current"]),
    # Reviews.
    ("review-lone-surrogate-in-note", "api", review({"action": "reject", "note": "x\udfff"}), 400,
     ["note", "urrogate"]),
    ("review-unknown-action", "api", review({"action": "approve"}), 400, ["action", "not a valid choice"]),
    ("review-edits-with-reject", "api", review({"action": "reject", "start": 0}), 400, ["edits"]),
    ("review-attributes-nested-too-deep", "api", lambda c: Request(
        path=f"/api/annotations/{c.mine.pk}/review/", format="raw", body='{"action": "accept", "attributes": '
        + "[" * 50 + "]" * 50 + "}", user="reviewer", headers={"If-Match": c.if_match()}), 400, ["nested"]),
    ("review-by-an-annotator", "api", review({"action": "accept"}, user="ann2", target="theirs"), 403, ["detail"]),
    ("bulk-review-no-items", "api", lambda c: Request(path="/api/reviews/", user="reviewer",
                                                      body={"action": "accept", "items": []}), 400, ["items"]),
    ("bulk-review-unknown-id", "api", lambda c: Request(path="/api/reviews/", user="reviewer", body={
        "action": "accept", "items": [{"id": 999_999, "version": 1}]}), 404, ["999999"]),
    ("bulk-review-huge-id", "api", lambda c: Request(path="/api/reviews/", user="reviewer", body={
        "action": "accept", "items": [{"id": 2**70, "version": 1}]}), 400, ["id", "less than or equal to"]),
    # Sentence comments.
    ("comment-over-5000-characters", "api", comment({"text": "x" * 5001}), 400, ["text", "5000"]),
    ("comment-lone-surrogate", "api", comment({"text": "hello \ud800"}), 400, ["text", "urrogate"]),
    ("comment-nul", "api", comment({"text": "a\x00b"}), 400, ["text", "Null characters"]),
    ("comment-on-foreign-sentence", "api", comment({"text": "hi"}, segment="foreign_segment"), 404,
     ["No Segment matches"]),
    # Article uploads.
    ("upload-empty-file", "api", upload("empty.txt", b""), 400, ["file", "empty"]),
    ("upload-not-utf8", "api", upload("latin1.txt", "Caf\xe9 con leche. Otra frase.".encode("latin-1")), 400,
     ["file", "not UTF-8"]),
    ("upload-binary", "api", upload("binary.txt", b"PK\x03\x04\x00\x00 zip"), 400, ["file", "NUL bytes"]),
    ("upload-wrong-type", "api", upload("article.pdf", b"%PDF-1.4"), 400, ["file", "unsupported file type"]),
    ("upload-file-as-text-field", "api", lambda c: Request(path="/api/documents/", format="multipart",
                                                           user="manager", body={"project": c.project.pk,
                                                                                 "file": "not a file"}), 400,
     ["file"]),
    ("upload-foreign-project", "api", lambda c: Request(path="/api/documents/", format="multipart", user="manager",
                                                        body={"project": c.foreign_document.project_id,
                                                              "file": SimpleUploadedFile("a.txt", b"One. Two.")}),
     400, ["project", "does not exist"]),
    ("upload-by-an-annotator", "api", lambda c: Request(path="/api/documents/", format="multipart", user="ann1",
                                                        body={"project": c.project.pk,
                                                              "file": SimpleUploadedFile("a.txt", b"One. Two.")}),
     403, ["detail"]),
    ("upload-json-body-instead-of-a-file", "api", lambda c: Request(path="/api/documents/", user="manager",
                                                                    body={"project": c.project.pk}), 400, ["file"]),
    # The import_article command.
    ("import-not-utf8", "command", lambda c: ["import_article", file_at(c, "bad.txt", b"\xff\xfe bad. text."),
                                              "--project", c.project.slug], 1, ["1 of 1 files"]),
    ("import-empty-file", "command", lambda c: ["import_article", file_at(c, "empty.txt", b""),
                                                "--project", c.project.slug], 1, ["not imported"]),
    ("import-missing-file", "command", lambda c: ["import_article", str(c.tmp_path / "absent.txt"),
                                                  "--project", c.project.slug], 1, ["not imported"]),
    ("import-unknown-project", "command", lambda c: ["import_article", str(SEED), "--project", "nope"], 1,
     ["unknown project 'nope'"]),
    # Restoring an export: the API and the command.
    ("restore-api-not-json", "api", restore_api(b"{not json"), 400, ["file", "not a JSON export"]),
    ("restore-api-nested-too-deep", "api", restore_api(DEEP.encode()), 400, ["nested too deeply"]),
    ("restore-api-empty-file", "api", restore_api(b""), 400, ["file", "empty"]),
    ("restore-api-user-map-nested-too-deep", "api", restore_api(b"{}", user_map=DEEP), 400,
     ["user_map", "nested more than"]),
    ("restore-api-user-map-not-json", "api", restore_api(b"{}", user_map="{ann1"), 400, ["user_map"]),
    ("restore-api-user-map-not-an-object", "api", restore_api(b'{"format": "annotate-export"}', user_map="[1]"),
     400, ["user_map", "must be an object"]),
    ("restore-api-wrong-shape", "api", restore_api(b"[]"), 400, ["not a json export"]),
    ("restore-api-nul-in-file", "api", restore_api(b'{"format": "a\\u0000"}'), 400, ["NUL"]),
    ("restore-api-by-an-annotator", "api", restore_api(b"{}", user="ann1"), 403, ["detail"]),
    ("restore-command-not-utf8", "command", lambda c: ["import_annotations", file_at(c, "x.json", b"\xff"),
                                                       "--project", c.project.slug, "--user", "manager"], 1,
     ["not UTF-8"]),
    ("restore-command-wrong-shape", "command", lambda c: ["import_annotations", file_at(c, "x.json", b"[]"),
                                                          "--project", c.project.slug, "--user", "manager"], 1,
     ["not a json export"]),
    ("restore-command-lone-surrogate", "command", lambda c: [
        "import_annotations", file_at(c, "x.json", b'{"format": "\\udc00"}'), "--project", c.project.slug,
        "--user", "manager"], 1, ["urrogate"]),
    ("restore-command-missing-file", "command", lambda c: ["import_annotations", str(c.tmp_path / "absent.json"),
                                                           "--project", c.project.slug, "--user", "manager"], 1,
     ["cannot read it"]),
    ("restore-command-bad-map-user", "command", lambda c: [
        "import_annotations", file_at(c, "x.json", b"{}"), "--project", c.project.slug, "--user", "manager",
        "--map-user", "ann1"], 1, ["expected NAME=ACCOUNT"]),
    ("restore-command-not-a-manager", "command", lambda c: [
        "import_annotations", file_at(c, "x.json", b"{}"), "--project", c.project.slug, "--user", "ann1"], 1,
     ["only a manager"]),
    # Export parameters: the API and the command.
    ("export-document-superscript-digit", "api", export_api("document=%C2%B2"), 400, ["document", "digits 0-9"]),
    ("export-document-arabic-indic-digit", "api", export_api("document=%D9%A3"), 400, ["document", "digits 0-9"]),
    ("export-document-nul", "api", export_api("document=1%00"), 400, ["document", "NUL"]),
    ("export-document-huge", "api", export_api("document=99999999999999999999999"), 400, ["document"]),
    ("export-document-negative", "api", export_api("document=-1"), 400, ["document"]),
    ("export-document-foreign", "api", lambda c: export_api(f"document={c.foreign_document.pk}")(c), 400,
     ["document", "no document"]),
    ("export-status-nul", "api", export_api("status=accepted%00"), 400, ["status", "NUL"]),
    ("export-annotator-nul", "api", export_api("annotator=ann1%00"), 400, ["annotator", "NUL"]),
    ("export-layer-nul", "api", export_api("layer=%00"), 400, ["layer", "NUL"]),
    ("export-label-lone-surrogate-bytes", "api", export_api("label=%ED%A0%80"), 400, ["label"]),
    ("export-unknown-layer", "api", export_api("layer=tone"), 400, ["layer", "not one of"]),
    ("export-unknown-format", "api", export_api("format=xlsx"), 400, ["format", "not one of"]),
    ("export-unknown-csv-formulas", "api", export_api("format=csv&csv_formulas=run"), 400,
     ["csv_formulas", "not one of"]),
    ("export-document-superscript-digit-command", "command", lambda c: [
        "export_annotations", "--project", c.project.slug, "--format", "json", "--document", "²"], 1,
     ["document", "digits 0-9"]),
    ("export-status-nul-command", "command", lambda c: [
        "export_annotations", "--project", c.project.slug, "--format", "json", "--status", "pending\x00"], 1,
     ["status", "NUL"]),
    ("export-unknown-label-command", "command", lambda c: [
        "export_annotations", "--project", c.project.slug, "--format", "csv", "--label", "nope"], 1,
     ["label", "no label 'nope'"]),
    ("export-unknown-csv-formulas-command", "command", lambda c: [
        "export_annotations", "--project", c.project.slug, "--format", "csv", "--csv-formulas", "run"], 1,
     ["--csv-formulas", "invalid choice"]),
    # Filters of the annotation list.
    ("list-filter-document-superscript-digit", "api", lambda c: Request(method="get",
                                                                        path="/api/annotations/?document=%C2%B2"),
     400, ["document"]),
    ("list-filter-annotator-nul", "api", lambda c: Request(method="get", path="/api/annotations/?annotator=a%00"),
     400, ["annotator", "Null characters"]),
    ("list-filter-segment-huge", "api", lambda c: Request(method="get",
                                                          path="/api/annotations/?segment=99999999999999999999"),
     400, ["segment"]),
]


@pytest.fixture
def ctx(project, document, cast, label, codebook, tmp_path):
    other = Project.objects.create(slug="other", name="Other", codebook=codebook)
    foreign = Document.objects.create(project=other, title="Elsewhere", text="One sentence.", text_sha256="0" * 64)
    foreign_segment = Segment.objects.create(document=foreign, index=0, kind="body", paragraph=0, start=0, end=13,
                                             text="One sentence.")
    mine = make_span(project, document, cast["ann1"], label, "lifeline")
    theirs = make_span(project, document, cast["ann2"], label, "crippled")
    return Context(
        project=project, cast=cast, sentence=mine.segment, mine=mine, theirs=theirs, foreign_document=foreign,
        foreign_segment=foreign_segment, tmp_path=tmp_path,
        labels={"loaded": label("loaded_language", "loaded_language"), "framing": label("framing", "economic"),
                "article": label("article_frame", "economic")},
    )


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.parametrize(("door", "build", "expected", "needles"),
                         [pytest.param(door, build, expected, needles, id=case_id)
                          for case_id, door, build, expected, needles in CASES])
def test_bad_input_is_refused_by_name_and_writes_nothing(ctx, door, build, expected, needles):
    before = row_counts()
    status, message = api(ctx, build(ctx)) if door == "api" else command(ctx, build(ctx))
    assert status == expected, message[:1000]
    for needle in needles:
        assert needle in message, message[:1000]
    assert row_counts() == before


def test_the_catalogue_covers_every_door():
    assert len(CASES) >= 60
    assert len({case[0] for case in CASES}) == len(CASES)
    prefixes = {case[0].split("-")[0] for case in CASES}
    assert {"json", "form", "multipart", "edit", "upload", "import", "restore", "export"} <= prefixes
