"""POST /api/projects/{id}/imports/: managers import other formats' files; all or nothing; a report either way."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotate.codebooks import SHIPPED_CODEBOOKS, load_codebook_file
from annotate.models import Annotation, Document, Membership, Project
from tests.api_helpers import client_for

DATA = Path(__file__).parent / "data" / "interchange" / "semeval2020"
WITHIN = ("article222222222.txt", "article222222222.task2-TC.labels", "article333333333.txt",
          "train-task2-TC.labels")
LINES = 17  # label lines of the two articles


def uploads(*names):
    return [SimpleUploadedFile(name, (DATA / name).read_bytes()) for name in names]


def post(user, project, **body):
    body = {"format": "semeval-2020", "files": uploads(*WITHIN), **body}
    return client_for(user).post(f"/api/projects/{project.pk}/imports/", body, format="multipart")


def test_a_manager_imports_semeval_files(project, cast):
    response = post(cast["manager"], project, annotator="semeval-gold")
    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["result"] == "imported" and report["saved"] is True
    assert report["documents"] == {"created": 2, "matched": 0, "refused": 0}
    assert report["tags"] == {"read": LINES, "imported": LINES, "skipped": 0, "refused": 0}
    assert Annotation.objects.filter(project=project, annotator__username="semeval-gold").count() == LINES
    assert set(Document.objects.filter(project=project).values_list("external_id", "filename")) == {
        ("222222222", "article222222222.txt"), ("333333333", "article333333333.txt")}


def test_the_annotation_api_shows_where_a_tag_came_from(project, cast):
    post(cast["manager"], project, annotator="semeval-gold")
    tag = Annotation.objects.filter(project=project, import_file="train-task2-TC.labels").first()
    data = client_for(cast["manager"]).get(f"/api/annotations/{tag.pk}/").json()
    assert (data["import_source"], data["import_file"]) == ("semeval-2020", "train-task2-TC.labels")
    made_here = client_for(cast["ann1"]).post("/api/annotations/", {
        "document": tag.document_id, "segment": tag.segment_id, "label": tag.label_id, "start": tag.start,
        "end": tag.end, "quote": tag.quote, "attributes": {"polarity": "negative"},
    }, format="json")
    assert made_here.status_code == 201, made_here.json()
    assert (made_here.json()["import_source"], made_here.json()["import_file"]) == ("", "")
    # A client posting dataset tags itself says where they came from, once; nobody can change it afterwards.
    edited = client_for(cast["manager"]).patch(f"/api/annotations/{tag.pk}/", {
        "import_source": "forged", "version": tag.version}, format="json")
    assert edited.status_code in (400, 403)
    assert Annotation.objects.get(pk=tag.pk).import_source == "semeval-2020"


def test_dry_run_answers_200_and_saves_nothing(project, cast):
    response = post(cast["manager"], project, dry_run="true", annotator="semeval-gold")
    assert response.status_code == 200
    assert response.json()["tags"]["imported"] == LINES and response.json()["saved"] is False
    assert not Annotation.objects.exists() and not Document.objects.filter(project=project).exists()
    assert not Membership.objects.filter(user__username="semeval-gold").exists()


@pytest.fixture
def v1_project(db, cast):
    project = Project.objects.create(slug="v1", name="On v1", codebook=load_codebook_file(SHIPPED_CODEBOOKS[0])[0])
    Membership.objects.create(project=project, user=cast["manager"], role="manager")
    return project


def test_a_refused_line_answers_400_with_the_report_and_saves_nothing(v1_project, cast):
    response = post(cast["manager"], v1_project)
    assert response.status_code == 400
    report = response.json()
    assert report["result"] == "refused: nothing saved"
    assert report["refused_by_reason"]["no codebook label for the technique"]["count"] == 7
    assert report["refused_by_reason"]["no codebook label for the technique"]["examples"][0] == {
        "where": "article222222222.task2-TC.labels:1",
        "detail": "'Black-and-White_Fallacy' (False_Dilemma-No_Choice): no span label of this codebook has that "
                  "technique; map it with a mapping file"}
    assert not Annotation.objects.exists() and not Document.objects.filter(project=v1_project).exists()


def test_partial_and_a_mapping_file(v1_project, cast):
    mapping = SimpleUploadedFile("mapping.json", json.dumps({
        "Black-and-White_Fallacy": "loaded_language:other_technique", "Repetition": None}).encode())
    response = post(cast["manager"], v1_project, partial="true", mapping=mapping)
    assert response.status_code == 201
    report = response.json()
    assert report["result"] == "imported in part"
    assert report["imported_by_label"]["loaded_language:other_technique"] == 2
    assert report["refused_by_reason"]["dropped by mapping"]["count"] == 1
    assert report["tags"]["imported"] == Annotation.objects.count() == LINES - 7 + 2


@pytest.mark.parametrize(("role", "status"), [("ann1", 403), ("reviewer", 403), ("outsider", 404)])
def test_only_managers_import(project, cast, role, status):
    assert post(cast[role], project).status_code == status
    assert not Annotation.objects.exists() and not Document.objects.filter(project=project).exists()


def test_anonymous_is_refused(project, cast):
    response = APIClient().post(f"/api/projects/{project.pk}/imports/", {"format": "semeval-2020"},
                                format="multipart")
    assert response.status_code == 401


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"format": "xlsx"}, "format", "is not a valid choice"),
    ({"files": []}, "files", ""),
    ({"files": [SimpleUploadedFile("notes.md", b"hello")]}, "files", "neither an article"),
    ({"files": [SimpleUploadedFile("article1.txt", b"\xff\xfe")]}, "files", "not UTF-8"),
    ({"mapping": SimpleUploadedFile("m.json", b"[1]")}, "mapping", "must be a JSON object"),
    ({"mapping": SimpleUploadedFile("m.json", b'{"Doubt": "nope:nope"}')}, "mapping", "'nope:nope' is not a label"),
    ({"span_label": "loaded_language"}, "span_label", "is not a label"),
    ({"annotator": "semeval gold"}, "annotator", "not a valid username"),
    ({"annotator": "outsider"}, "annotator", "a person's account"),
    ({"partial": "maybe"}, "partial", "valid boolean"),
    ({"format": "json", "annotator": "semeval-gold"}, "annotator", "not used by the json format"),
    ({"format": "json"}, "files", "takes one file"),
])
def test_bad_options_answer_400_naming_the_field(project, cast, body, field, message):
    response = post(cast["manager"], project, **body)
    assert response.status_code == 400, response.content
    assert field in response.json() and message in " ".join(response.json()[field])
    assert not Annotation.objects.exists() and not Document.objects.filter(project=project).exists()


def test_the_size_limits_hold(project, cast, settings):
    settings.RESTORE_MAX_BYTES = 10
    response = post(cast["manager"], project)
    assert response.status_code == 400 and "over the 10-byte limit" in response.json()["files"][0]
    # The middleware refuses a body over the limit (and the margin for the multipart envelope) before reading it.
    huge = SimpleUploadedFile("train-task2-TC.labels", b"1\tDoubt\t0\t4\n" * 100_000)
    response = post(cast["manager"], project, files=[huge])
    assert response.status_code == 413
    assert not Annotation.objects.exists()


def test_our_json_export_through_the_same_endpoint(project, codebook, cast):
    post(cast["manager"], project, annotator="semeval-gold")
    exported = b"".join(client_for(cast["manager"]).get(
        f"/api/projects/{project.pk}/export/?format=json").streaming_content)
    copy = Project.objects.create(slug="copy", name="Copy", codebook=codebook)
    Membership.objects.create(project=copy, user=cast["manager"], role="manager")
    Membership.objects.create(project=copy, user=Annotation.objects.first().annotator, role="annotator")
    body = {"format": "json", "files": [SimpleUploadedFile("export.json", exported)]}
    response = client_for(cast["manager"]).post(f"/api/projects/{copy.pk}/imports/", body, format="multipart")
    assert response.status_code == 201, response.json()["refused_by_reason"]
    report = response.json()
    # The restore keeps one of two identical tags: the SemEval line given twice comes back once.
    assert report["documents"]["created"] == 2 and report["tags"]["imported"] == LINES - 1
    assert report["tags"]["skipped"] == 1
    restored = Annotation.objects.filter(project=copy)
    assert restored.count() == LINES - 1
    assert set(restored.values_list("import_source", flat=True)) == {"semeval-2020"}
    assert set(restored.values_list("import_file", flat=True)) == {"article222222222.task2-TC.labels",
                                                                  "train-task2-TC.labels"}
    bad = {"format": "json", "files": [SimpleUploadedFile("export.json", b"[]")]}
    refused = client_for(cast["manager"]).post(f"/api/projects/{copy.pk}/imports/", bad, format="multipart")
    assert refused.status_code == 400
    assert "not a json export" in refused.json()["refused_by_reason"]["invalid json export"]["examples"][0]["detail"]


def test_more_files_than_a_request_may_carry_is_a_400(project, cast, settings):
    files = [SimpleUploadedFile(f"article{i}.txt", b"Title\n\nA sentence here.\n")
             for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = post(cast["manager"], project, files=files)
    assert response.status_code == 400
    assert "files in one request" in response.json()["detail"]
    assert not Document.objects.filter(project=project).exists()
