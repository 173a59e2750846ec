"""Restoring a json export: untrusted input refused with its position, through the command and the API; lossless."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from annotate.models import (
    Annotation,
    Document,
    Membership,
    Project,
    Segment,
    SegmentComment,
    SegmentProgress,
)
from annotate.reviewing import review_annotations
from annotate.tags import do_edit_tag
from tests.api_helpers import client_for, create_tag, make_span

MEMBERS = (("manager", "manager"), ("ann1", "annotator"), ("ann2", "annotator"), ("reviewer", "reviewer"))


def fetch(user, project):
    response = client_for(user).get(f"/api/projects/{project.pk}/export/?format=json")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def review(reviewer, annotation, action, note="", edits=None):
    annotation.refresh_from_db()
    return review_annotations(reviewer=reviewer, items=[(annotation.pk, annotation.version)], action=action,
                              note=note, edits=edits)[0]


@pytest.fixture
def worked(project, document, cast, label):
    """A project with every kind of work the export must carry: reviews, gold, comments, done-marks."""
    ann1, ann2, reviewer = cast["ann1"], cast["ann2"], cast["reviewer"]
    lifeline = make_span(project, document, ann1, label, "lifeline")
    same = make_span(project, document, ann2, label, "lifeline")
    crippled = make_span(project, document, ann2, label, "crippled", attributes={"polarity": "negative"})
    spans = {key: make_span(project, document, ann1, label, words, layer="attribution", key=key,
                            startswith="Iranian officials")
             for key, words in [("content", "this sentiment"), ("source", "Mohammad Bagher Ghalibaf"),
                                ("cue", "have echoed")]}
    relation = create_tag(
        project=project, document=document, segment=spans["content"].segment, annotator=ann1,
        label=label("attribution_relation", "attributed_to"), relation_content=spans["content"],
        relation_source=spans["source"], relation_cue=spans["cue"], attributes={"form": "allusion_no_content"},
    )
    framing = create_tag(project=project, document=document, segment=lifeline.segment, annotator=ann1,
                         label=label("framing", "economic"), attributes={"frame_function": "moral_evaluation"})
    create_tag(project=project, document=document, segment=lifeline.segment, annotator=ann2,
               label=label("missing_perspectives", "independent_expert_missing"),
               attributes={"stakeholder": "independent_analysts"}, note="Who counted the barrels?")
    create_tag(project=project, document=document, annotator=ann1, label=label("article_frame", "economic"))
    edited = make_span(project, document, ann2, label, "sanctions")
    edited = do_edit_tag(annotation=edited, changes={"note": "second thoughts"}, user=ann2,
                         expected_version=edited.version)
    review(reviewer, lifeline, "accept", note="clear case")
    review(reviewer, same, "accept")
    review(reviewer, crippled, "reject", note="a plain description")
    review(reviewer, framing, "dispute", note="ask the class")
    for span in spans.values():
        review(reviewer, span, "accept")
    review(reviewer, relation, "accept")
    review(reviewer, edited, "accept", edits={"attributes": {"polarity": "negative"}})
    SegmentComment.objects.create(segment=lifeline.segment, author=ann1, text="Is 'lifeline' loaded here?")
    SegmentComment.objects.create(segment=lifeline.segment, author=reviewer, text="Yes: it frames aid as rescue.")
    for user in (ann1, ann2):
        SegmentProgress.objects.create(segment=lifeline.segment, annotator=user)
    assert Annotation.objects.filter(project=project, gold=True, edited=True).exists()
    return project


@pytest.fixture
def target(codebook, cast, django_user_model):
    """Return an empty project with the same members, and an outsider who belongs to another project."""
    copy = Project.objects.create(slug="copy", name="Copy", codebook=codebook)
    for name, role in MEMBERS:
        copy.memberships.create(user=cast[name], role=role)
    elsewhere = Project.objects.create(slug="elsewhere", name="Elsewhere", codebook=codebook)
    elsewhere.memberships.create(user=cast["outsider"], role="manager")
    return copy


@pytest.fixture
def export(worked, cast):
    return json.loads(fetch(cast["reviewer"], worked))


def counts():
    return [model.objects.count() for model in (Document, Segment, Annotation, SegmentComment, SegmentProgress,
                                                get_user_model(), Membership)]


def ann1_span(tag):
    return tag["scope"] == "span" and tag["annotator"] == "ann1" and not tag["gold"]


def first(data, match=ann1_span):
    """Return the position and the value of the first sentence or span tag that matches."""
    for i, segment in enumerate(data["documents"][0]["segments"]):
        for j, tag in enumerate(segment["annotations"]):
            if match(tag):
                return f"documents[0].segments[{i}].annotations[{j}]", tag
    raise AssertionError("no such tag in the export")


def restore(door, project, data, tmp_path, *, as_user="manager", user_map=None, create_users=False):
    """Restore through the command or the API; return (True, summary) or (False, the error message)."""
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    if door == "command":
        path = tmp_path / "export.json"
        path.write_bytes(raw)
        options = {"project": project.slug, "user": as_user, "create_users": create_users,
                   "map_user": [f"{name}={account}" for name, account in (user_map or {}).items()]}
        try:
            call_command("import_annotations", str(path), **options)
        except CommandError as error:
            return False, str(error)
        return True, None
    body = {"file": SimpleUploadedFile("export.json", raw), "create_users": json.dumps(create_users)}
    if user_map:
        body["user_map"] = json.dumps(user_map)
    user = get_user_model().objects.get(username=as_user)
    response = client_for(user).post(f"/api/projects/{project.pk}/import/", body, format="multipart")
    if response.status_code == 201:
        return True, response.json()
    assert response.status_code in (400, 403), response.content[:500]
    payload = response.json()
    return False, " ".join(message for messages in payload.values() for message in
                           (messages if isinstance(messages, list) else [messages]))


DOORS = ["command", "api"]


@pytest.mark.parametrize("door", DOORS)
def test_a_status_that_does_not_exist_is_refused_with_its_position(door, export, target, tmp_path):
    where, tag = first(export)
    tag["status"] = "bogus"
    before = counts()
    ok, message = restore(door, target, export, tmp_path)
    assert not ok
    assert f"{where}.status: 'bogus' is not one of pending, accepted, rejected, disputed" in message
    assert "nothing was imported" in message or door == "api"
    assert counts() == before


@pytest.mark.parametrize("door", DOORS)
def test_an_empty_username_is_refused(door, export, target, tmp_path):
    where, tag = first(export)
    tag["annotator"] = ""
    before = counts()
    ok, message = restore(door, target, export, tmp_path, create_users=True)
    assert not ok and f"{where}.annotator: a username must be non-empty text" in message
    assert counts() == before


@pytest.mark.parametrize("door", DOORS)
def test_a_member_of_another_project_is_refused_even_when_creating_users(door, export, target, tmp_path):
    where, tag = first(export)
    tag["annotator"] = "outsider"
    before = counts()
    ok, message = restore(door, target, export, tmp_path, create_users=True)
    assert not ok
    assert f"{where}.annotator: account 'outsider' is not a member of project 'copy'" in message
    assert "add the account as a member first" in message
    assert counts() == before


@pytest.mark.parametrize("door", DOORS)
def test_an_unknown_name_needs_a_map_or_create_users(door, export, target, tmp_path):
    where, tag = first(export)
    tag["annotator"] = "ghost"
    before = counts()
    ok, message = restore(door, target, export, tmp_path)
    assert not ok and f"{where}.annotator: no account 'ghost'" in message
    assert counts() == before
    ok, summary = restore(door, target, export, tmp_path, create_users=True)
    assert ok
    ghost = get_user_model().objects.get(username="ghost")
    assert not ghost.has_usable_password()
    assert target.memberships.get(user=ghost).role == "annotator"
    if door == "api":
        assert summary["users_created"] == ["ghost"]


@pytest.mark.parametrize("door", DOORS)
def test_names_are_mapped_to_member_accounts(door, export, target, tmp_path, cast):
    for document in export["documents"]:
        for segment in document["segments"]:
            for tag in segment["annotations"]:
                if tag["annotator"] == "ann2":
                    tag["annotator"] = "maria"
            for mark in segment["done"]:
                if mark["annotator"] == "ann2":
                    mark["annotator"] = "maria"
        for tag in document["document_annotations"]:
            if tag["annotator"] == "ann2":
                tag["annotator"] = "maria"
    ok, message = restore(door, target, export, tmp_path, user_map={"maria": "ann2"})
    assert ok, message
    assert target.annotations.filter(annotator=cast["ann2"]).exists()
    assert not get_user_model().objects.filter(username="maria").exists()


@pytest.mark.parametrize("door", DOORS)
def test_a_map_to_an_account_outside_the_project_is_refused(door, export, target, tmp_path):
    before = counts()
    ok, message = restore(door, target, export, tmp_path, user_map={"ann1": "outsider"})
    assert not ok and "account 'outsider' is not a member of project 'copy': map 'ann1'" in message
    assert counts() == before


@pytest.mark.parametrize("door", DOORS)
def test_a_reviewer_who_is_an_annotator_here_is_refused(door, export, target, tmp_path):
    where, tag = first(export)
    tag.update(status="rejected", reviewer="ann2", reviewed_at="2025-06-10T10:00:00+00:00")
    before = counts()
    ok, message = restore(door, target, export, tmp_path)
    assert not ok and f"{where}.reviewer: account 'ann2' is a annotator of project 'copy'" in message
    assert counts() == before


@pytest.mark.parametrize("door", DOORS)
def test_gold_and_status_set_freely_break_the_gold_invariant_and_are_refused(door, export, target, tmp_path):
    where, tag = first(export)
    assert tag["status"] == "accepted" and tag["quote"] == "lifeline"
    tag["status"] = "pending"
    tag["reviewer"] = None
    before = counts()
    ok, message = restore(door, target, export, tmp_path)
    assert not ok and "the file's gold version is inconsistent" in message
    assert f"pending annotation {tag['id']} (at {where}) is in the provenance of gold" in message
    assert counts() == before


@pytest.mark.parametrize("door", DOORS)
def test_only_a_manager_may_restore(door, export, target, tmp_path):
    before = counts()
    ok, message = restore(door, target, export, tmp_path, as_user="reviewer")
    assert not ok
    if door == "command":
        assert "only a manager of project 'copy' may restore into it" in message
    assert counts() == before


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(("change", "expected"), [
    (lambda doc, tag: tag.update(created="2025-13-45T10:00:00+00:00"),
     "{tag}.created: '2025-13-45T10:00:00+00:00' is not an ISO 8601 date and time with a UTC offset"),
    (lambda doc, tag: tag.update(modified="yesterday"), "{tag}.modified: 'yesterday' is not an ISO 8601"),
    (lambda doc, tag: doc.update(title="x" * 501), "documents[0].title: is 501 characters long, over the limit of 500"),
    (lambda doc, tag: doc.update(filename="f" * 256), "documents[0].filename: is 256 characters long"),
    (lambda doc, tag: doc.update(url="javascript:alert(document.cookie)"),
     "documents[0].url: Enter a web address starting with http:// or https://."),
    (lambda doc, tag: doc["source"].update(url="JavaScript:alert(1)"),
     "documents[0].source.url: Enter a web address starting with http:// or https://."),
    (lambda doc, tag: doc["segments"][0].update(index=-1), "documents[0].segments[0].index: -1 is not between 0"),
    (lambda doc, tag: tag.update(version=2**40), "{tag}.version: 1099511627776 is not between 1 and"),
    (lambda doc, tag: tag.update(note="a\x00b"), "{tag}.note: contains a NUL byte at character 1"),
    (lambda doc, tag: tag.update(note="a\ud800"), "{tag}.note: contains a lone surrogate at character 1"),
    (lambda doc, tag: tag.update(attributes={"polarity": [[[[[[[["deep"]]]]]]]]}),
     "{tag}.attributes.polarity[0][0][0][0][0]: nested more than 12 levels deep"),
    (lambda doc, tag: tag.update(label="nonsense"), "{tag}.label: 'loaded_language:nonsense' is not in this"),
    (lambda doc, tag: tag.update(start=tag["start"] + 1), "{tag}.quote: does not match the sentence text"),
    (lambda doc, tag: tag.update(gold=True), "{tag}.annotator: account 'ann1' is a annotator"),
])
def test_invalid_values_are_refused_with_their_position(door, export, target, tmp_path, change, expected):
    where, tag = first(export)
    document = export["documents"][0]
    change(document, tag)
    before = counts()
    ok, message = restore(door, target, export, tmp_path)
    assert not ok and expected.format(tag=where) in message, message
    assert counts() == before


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize(("raw", "expected"), [
    (b"[" * 100_000 + b"]" * 100_000, "not a JSON export (nested too deeply to read)"),
    (b'{"format": NaN}', "not a JSON export (NaN is not a JSON number)"),
    (b"\xff\xfe", "not a JSON export (not UTF-8 at byte 0)"),
    (b"[]", "not a json export: expected an object with format 'annotate-export'"),
])
def test_unreadable_files_are_refused(door, target, tmp_path, raw, expected, cast):
    before = counts()
    ok, message = restore(door, target, raw, tmp_path)
    assert not ok and expected in message, message
    assert counts() == before


def normalised(raw):
    """Return an export with ids replaced by their order of appearance, and references by the same names."""
    data = json.loads(raw)
    data["generated_at"] = "GENERATED"
    data["project"]["id"] = "PROJECT"
    names = {}
    tags = []
    for d, document in enumerate(data["documents"]):
        names[("document", document["id"])] = f"d{d}"
        for s, segment in enumerate(document["segments"]):
            names[("segment", segment["id"])] = f"d{d}s{s}"
            tags += segment["annotations"]
        tags += document["document_annotations"] + document["relations"]
    for n, tag in enumerate(tags):
        names[("tag", tag["id"])] = f"t{n}"

    def name(kind, old):
        return None if old is None else names.get((kind, old), f"unknown {kind} {old}")

    for document in data["documents"]:
        document["id"] = name("document", document["id"])
        for segment in document["segments"]:
            segment["id"] = name("segment", segment["id"])
    for tag in tags:
        tag["id"] = name("tag", tag["id"])
        tag["segment_id"] = name("segment", tag["segment_id"])
        tag["provenance"] = [name("tag", old) for old in tag["provenance"]]
        if tag["relation"]:
            tag["relation"] = {role: name("tag", old) for role, old in tag["relation"].items()}
    return data


@pytest.mark.parametrize("door", DOORS)
def test_export_restore_export_is_lossless(door, worked, codebook, cast, tmp_path):
    before = fetch(cast["reviewer"], worked)
    data = json.loads(before)
    document = data["documents"][0]
    assert document["filename"] and document["relations"][0]["segment_id"] is not None
    statuses = {tag["status"] for segment in document["segments"] for tag in segment["annotations"]}
    assert statuses == {"accepted", "rejected", "disputed", "pending"} or statuses >= {"accepted", "rejected"}
    assert any(segment["comments"] and segment["done"] for segment in document["segments"])
    slug, name, blind = worked.slug, worked.name, worked.blind
    worked.delete()
    assert not Annotation.objects.exists() and not Document.objects.exists()
    fresh = Project.objects.create(slug=slug, name=name, codebook=codebook, blind=blind)
    for username, role in MEMBERS:
        fresh.memberships.create(user=cast[username], role=role)
    ok, message = restore(door, fresh, before, tmp_path)
    assert ok, message
    after = fetch(cast["reviewer"], fresh)
    assert normalised(after) == normalised(before)
    assert json.loads(after)["project"]["id"] == fresh.pk
