"""Exports through the API and the command: every format parses, filters apply, round trips, constant queries."""

import csv
import io
import json
from datetime import datetime
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotate.codebooks import load_codebook
from annotate.exporting import FORMATS
from annotate.importing import import_article
from annotate.models import Annotation, Project, SegmentProgress
from annotate.restoring import RestoreError, restore_export
from annotate.reviewing import review_annotations
from tests.api_helpers import bulk_create_tags, client_for, create_tag, make_span


def fetch(client, project, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = client.get(f"/api/projects/{project.pk}/export/?{query}")
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    return b"".join(response.streaming_content)


@pytest.fixture
def tagged(project, document, cast, label):
    """Tags from two annotators on the seed, across layers, and one relation."""
    ann1, ann2 = cast["ann1"], cast["ann2"]
    lifeline = make_span(project, document, ann1, label, "lifeline",
                         attributes={"polarity": "positive", "target": "Iran", "neutral_alternative": "shipment"})
    make_span(project, document, ann2, label, "crippled", attributes={"polarity": "negative"})
    spans = {key: make_span(project, document, ann1, label, words, layer="attribution", key=key,
                            startswith="Iranian officials")
             for key, words in [("content", "this sentiment"), ("source", "Mohammad Bagher Ghalibaf"),
                                ("cue", "have echoed")]}
    relation = create_tag(
        project=project, document=document, annotator=ann1, label=label("attribution_relation", "attributed_to"),
        relation_content=spans["content"], relation_source=spans["source"], relation_cue=spans["cue"],
        attributes={"form": "allusion_no_content", "alignment": "supports"},
    )
    create_tag(project=project, document=document, segment=lifeline.segment, annotator=ann2,
                              label=label("framing", "external_relations"),
                              attributes={"frame_function": "moral_evaluation"}, note="<img src=x onerror=alert(1)>")
    create_tag(project=project, document=document, segment=lifeline.segment, annotator=ann1,
                              label=label("missing_perspectives", "independent_expert_missing"),
                              attributes={"stakeholder": "independent_analysts"}, note="Who counted the barrels?")
    SegmentProgress.objects.create(segment=lifeline.segment, annotator=ann1)
    return {"lifeline": lifeline, "relation": relation, **spans}


@pytest.fixture
def reviewer(cast):
    return client_for(cast["reviewer"])


def test_json_export_carries_everything(reviewer, project, document, tagged):
    data = json.loads(fetch(reviewer, project, format="json"))
    assert data["codebook"]["key"] == "source-bias-framing"
    [exported] = data["documents"]
    assert exported["text"] == document.text
    assert len(exported["segments"]) == document.segments.count()
    segment = next(s for s in exported["segments"] if s["id"] == tagged["lifeline"].segment_id)
    lifeline = next(a for a in segment["annotations"] if a["quote"] == "lifeline")
    assert document.text[lifeline["doc_start"]:lifeline["doc_end"]] == "lifeline"
    assert segment["text"][lifeline["start"]:lifeline["end"]] == "lifeline"
    assert lifeline["attributes"]["neutral_alternative"] == "shipment"
    assert lifeline["annotator"] == "ann1" and lifeline["status"] == "pending"
    stored = Annotation.objects.get(pk=lifeline["id"])
    assert datetime.fromisoformat(lifeline["created"]) == stored.created_at
    assert lifeline["created"] == stored.created_at.isoformat()
    [relation] = exported["relations"]
    assert relation["relation"] == {"content": tagged["content"].pk, "source": tagged["source"].pk,
                                    "cue": tagged["cue"].pk}
    [missing] = exported["document_annotations"]
    assert missing["segment_id"] == segment["id"] and missing["attributes"]["stakeholder"] == "independent_analysts"


def test_every_format_parses_with_a_standard_parser(reviewer, project, document, tagged):
    bodies = {fmt: fetch(reviewer, project, format=fmt) for fmt in FORMATS}
    json.loads(bodies["json"])
    json.loads(bodies["labelstudio"])
    json.loads(bodies["w3c"])
    lines = [json.loads(line) for line in bodies["jsonl"].splitlines()]
    assert sum(1 for line in lines if line["type"] == "segment") == document.segments.count()
    assert all(json.loads(line)["text"] == document.text for line in bodies["doccano"].splitlines())
    rows = list(csv.DictReader(io.StringIO(bodies["csv"].decode())))
    assert {row["quote"] for row in rows} >= {"lifeline", "crippled", "this sentiment"}
    semeval = [line.split("\t") for line in bodies["semeval"].decode().splitlines()]
    assert sorted((row[1], document.text[int(row[2]):int(row[3])]) for row in semeval) == [
        ("Loaded_Language", "crippled"), ("Loaded_Language", "lifeline")]
    assert all(row[0] == str(document.pk) for row in semeval)

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs)))

    parser = Tags()
    parser.feed(bodies["html"].decode())
    assert "script" not in {tag for tag, _ in parser.tags}
    assert not any(name.startswith("on") for _, attrs in parser.tags for name in attrs)
    assert "&lt;img src=x onerror=alert(1)&gt;" in bodies["html"].decode()
    assert "lifeline" in bodies["md"].decode()


def test_w3c_selectors_point_at_the_document_text(reviewer, project, document, tagged):
    collection = json.loads(fetch(reviewer, project, format="w3c"))
    items = collection["first"]["items"]
    assert len(items) == Annotation.objects.count()
    for item in items:
        for selector in item["target"]["selector"] if isinstance(item["target"], dict) else []:
            if selector["type"] == "TextPositionSelector":
                position = selector
            elif selector["type"] == "TextQuoteSelector":
                quote = selector
        if isinstance(item["target"], dict) and "selector" in item["target"]:
            assert document.text[position["start"]:position["end"]] == quote["exact"]


def test_w3c_offsets_count_code_points_after_an_emoji(reviewer, project, cast, label):
    text = "Emoji title \U0001F600\n\nThe \U0001F525 fire and \U0001D518 gothic, then a lifeline came."
    document = import_article(project=project, name="emoji.txt", raw=text.encode()).document
    segment = document.segments.get(kind="body")
    start = segment.text.index("lifeline")
    create_tag(project=project, document=document, segment=segment, annotator=cast["ann1"],
                              label=label("loaded_language", "loaded_language"), start=start, end=start + 8,
                              quote="lifeline", attributes={"polarity": "positive"})
    [item] = json.loads(fetch(reviewer, project, format="w3c", document=document.pk))["first"]["items"]
    position = next(s for s in item["target"]["selector"] if s["type"] == "TextPositionSelector")
    assert text[position["start"]:position["end"]] == "lifeline"
    assert position["start"] == text.index("lifeline")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_filters_apply_to_every_format(reviewer, project, tagged, fmt):
    everything = fetch(reviewer, project, format=fmt)
    only_ann2 = fetch(reviewer, project, format=fmt, annotator="ann2")
    if fmt in ("json", "jsonl", "csv", "w3c", "labelstudio", "html", "md"):
        assert b"ann1" in everything and b"ann1" not in only_ann2
    assert b"lifeline" in everything or fmt == "semeval"
    if fmt == "semeval":
        assert len(only_ann2.splitlines()) == 1 and len(everything.splitlines()) == 2


def test_layer_filter_keeps_only_that_layer(reviewer, project, tagged):
    data = json.loads(fetch(reviewer, project, format="json", layer="framing"))
    [document] = data["documents"]
    layers = {a["layer"] for s in document["segments"] for a in s["annotations"]}
    assert layers == {"framing"} and document["relations"] == [] and document["document_annotations"] == []
    rows = list(csv.DictReader(io.StringIO(fetch(reviewer, project, format="csv", layer="framing").decode())))
    assert [row["label"] for row in rows] == ["external_relations"]
    assert fetch(reviewer, project, format="semeval", layer="framing") == b""
    items = json.loads(fetch(reviewer, project, format="w3c", layer="attribution"))["first"]["items"]
    assert len(items) == 3


@pytest.mark.parametrize(("query", "field", "message"), [
    ("format=xml", "format", "'xml' is not one of: json, jsonl"),
    ("status=maybe", "status", "'maybe' is not one of"),
    ("annotator=nobody", "annotator", "no member 'nobody'"),
    ("layer=tone", "layer", "'tone' is not one of"),
    ("document=abc", "document", "no document 'abc'"),
    ("document=99999", "document", "no document '99999'"),
    ("label=nope", "label", "no label 'nope'"),
])
def test_unknown_format_or_filter_value_is_a_400(reviewer, project, document, query, field, message):
    response = reviewer.get(f"/api/projects/{project.pk}/export/?{query}")
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_gold_status_filter_exports_only_gold(reviewer, project, tagged, cast):
    (result,) = review_annotations(reviewer=cast["reviewer"], items=[(tagged["lifeline"].pk, 1)], action="accept")
    gold = result.gold
    data = json.loads(fetch(reviewer, project, format="json", status="gold"))
    exported = [a for s in data["documents"][0]["segments"] for a in s["annotations"]]
    assert [(a["id"], a["gold"], a["provenance"]) for a in exported] == [(gold.pk, True, [tagged["lifeline"].pk])]


def strip_ids(export):
    """Return an export's content without ids, timestamps and the project, for comparing instances."""
    data = json.loads(export)
    for key in ("project", "generated_at"):
        data.pop(key, None)
    for document in data["documents"]:
        document.pop("id")
        positions = {}
        for segment in document["segments"]:
            positions[segment.pop("id")] = segment["index"]
            for annotation in segment["annotations"]:
                annotation["segment_id"] = positions.get(annotation["segment_id"])
        ids = {}
        everything = [a for s in document["segments"] for a in s["annotations"]]
        everything += document["document_annotations"] + document["relations"]
        for annotation in everything:
            ids[annotation["id"]] = (annotation["layer"], annotation["label"], annotation["segment_index"],
                                     annotation["start"], annotation["annotator"])
        for annotation in everything:
            for key in ("id", "created", "modified", "version"):
                annotation.pop(key)
            if annotation["segment_id"] is not None and annotation["scope"] == "document":
                annotation["segment_id"] = positions.get(annotation["segment_id"])
            if annotation["relation"]:
                annotation["relation"] = {role: ids.get(old) for role, old in annotation["relation"].items()}
            annotation["provenance"] = [ids.get(old) for old in annotation["provenance"]]
    return data


def test_export_import_export_round_trip(reviewer, project, codebook, tagged, cast):
    first = fetch(reviewer, project, format="json")
    empty = Project.objects.create(slug="copy", name="Copy", codebook=codebook)
    empty.memberships.create(user=cast["manager"], role="manager")
    for name in ("ann1", "ann2"):
        empty.memberships.create(user=cast[name], role="annotator")
    summary = restore_export(project=empty, data=json.loads(first), user=cast["manager"])
    assert summary["documents_created"] == 1 and summary["annotations_created"] == Annotation.objects.filter(
        project=project).count()
    empty.memberships.create(user=cast["reviewer"], role="reviewer")
    second = fetch(client_for(cast["reviewer"]), empty, format="json")
    assert strip_ids(first) == strip_ids(second)

    again = restore_export(project=empty, data=json.loads(first), user=cast["manager"])
    assert again["annotations_created"] == 0 and again["annotations_skipped"] == summary["annotations_created"]


def test_restore_with_another_codebook_saves_nothing(reviewer, project, codebook, tagged, cast):
    export = json.loads(fetch(reviewer, project, format="json"))
    data = json.loads((codebook_path := __import__("annotate.codebooks", fromlist=["x"]).DEFAULT_CODEBOOK)
                      .read_text())
    assert codebook_path.exists()
    data["version"] += 1
    other = Project.objects.create(slug="v2", name="V2", codebook=load_codebook(data)[0])
    other.memberships.create(user=cast["manager"], role="manager")
    before = Annotation.objects.count()
    with pytest.raises(RestoreError, match=f"does not match this project's codebook 'source-bias-framing' version "
                                           f"{data['version']}"):
        restore_export(project=other, data=export, user=cast["manager"])
    assert other.documents.count() == 0 and Annotation.objects.count() == before


def test_restore_that_fails_halfway_saves_nothing(reviewer, project, codebook, tagged, cast):
    export = json.loads(fetch(reviewer, project, format="json"))
    export["documents"][0]["relations"][0]["attributes"]["form"] = "rumour"
    empty = Project.objects.create(slug="copy", name="Copy", codebook=codebook)
    for name, role in (("manager", "manager"), ("ann1", "annotator"), ("ann2", "annotator")):
        empty.memberships.create(user=cast[name], role=role)
    problem = r"^documents\[0\]\.relations\[0\]\.attributes\.form: 'rumour' is not one of"
    with pytest.raises(RestoreError, match=problem):
        restore_export(project=empty, data=export, user=cast["manager"])
    assert empty.documents.count() == 0 and empty.annotations.count() == 0


def test_restore_through_the_api(cast, project, codebook, tagged, reviewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    export = fetch(reviewer, project, format="json")
    target = Project.objects.create(slug="target", name="Target", codebook=codebook)
    for name, role in (("manager", "manager"), ("ann1", "annotator"), ("ann2", "annotator")):
        target.memberships.create(user=cast[name], role=role)
    manager = client_for(cast["manager"])
    response = manager.post(f"/api/projects/{target.pk}/import/",
                            {"file": SimpleUploadedFile("export.json", export)}, format="multipart")
    assert response.status_code == 201, response.json()
    assert target.annotations.count() == project.annotations.count()
    bad = manager.post(f"/api/projects/{target.pk}/import/",
                       {"file": SimpleUploadedFile("broken.json", b"{not json")}, format="multipart")
    assert bad.status_code == 400 and "broken.json: not a JSON export" in bad.json()["file"][0]


def test_command_writes_a_file_and_reports_bad_filters(project, tagged, tmp_path, capsys):
    output = tmp_path / "out.jsonl"
    call_command("export_annotations", project=project.slug, fmt="jsonl", output=str(output))
    lines = output.read_bytes().splitlines()
    assert json.loads(lines[0])["type"] == "document"
    with pytest.raises(CommandError, match="status: 'maybe' is not one of"):
        call_command("export_annotations", project=project.slug, fmt="csv", status="maybe")
    with pytest.raises(CommandError, match="unknown project 'nope'"):
        call_command("export_annotations", project="nope", fmt="csv")


def test_import_annotations_command_round_trip(project, codebook, tagged, cast, tmp_path, capsys):
    path = tmp_path / "export.json"
    call_command("export_annotations", project=project.slug, fmt="json", output=str(path))
    copy = Project.objects.create(slug="copy", name="Copy", codebook=codebook)
    for name, role in (("manager", "manager"), ("ann1", "annotator"), ("ann2", "annotator")):
        copy.memberships.create(user=cast[name], role=role)
    call_command("import_annotations", str(path), project="copy", user="manager")
    assert "annotations created: 8" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(CommandError, match="not a json export: expected an object .*; nothing was imported"):
        call_command("import_annotations", str(bad), project="copy", user="manager")


def build_project(codebook, cast_users, size):
    """Return a project with one article of `size` sentences, each tagged by two annotators."""
    project = Project.objects.create(slug=f"size-{size}", name=f"Size {size}", codebook=codebook, blind=False)
    for name, user in cast_users.items():
        if name != "outsider":
            project.memberships.create(user=user, role="reviewer" if name == "reviewer" else "annotator")
    text = f"Title {size}\n\n" + " ".join(f"Sentence {i} says the lifeline came." for i in range(size))
    document = import_article(project=project, name=f"{size}.txt", raw=text.encode()).document
    labels = {layer.key: layer.labels.first() for layer in codebook.layers.all()}
    rows = []
    for segment in document.segments.filter(kind="body"):
        start = segment.text.index("lifeline")
        for user in (cast_users["ann1"], cast_users["ann2"]):
            rows.append(Annotation(project=project, document=document, segment=segment, annotator=user,
                                   label=labels["loaded_language"], start=start, end=start + 8, quote="lifeline",
                                   attributes={"polarity": "positive"}))
            rows.append(Annotation(project=project, document=document, segment=segment, annotator=user,
                                   label=labels["framing"]))
    bulk_create_tags(rows)
    return project, document


@pytest.mark.parametrize("fmt", [*FORMATS, "segments"])
def test_query_count_is_the_same_for_10_and_200_segments(codebook, cast, fmt):
    client = client_for(cast["reviewer"])
    counts = []
    for size in (10, 200):
        project, document = build_project(codebook, cast, size)
        with CaptureQueriesContext(connection) as queries:
            if fmt == "segments":
                response = client.get(f"/api/segments/?document={document.pk}&page_size=1000")
                assert len(response.json()["results"]) == size + 1
            else:
                assert fetch(client, project, format=fmt)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_w3c_items_carry_review_status_gold_and_provenance(reviewer, project, tagged, cast):
    source = tagged["lifeline"]
    (result,) = review_annotations(reviewer=cast["reviewer"], items=[(source.pk, 1)], action="accept")
    gold = result.gold
    items = {item["id"]: item for item in json.loads(fetch(reviewer, project, format="w3c"))["first"]["items"]}

    def review_of(annotation):
        [body] = [b for b in items[f"http://testserver/api/annotations/{annotation.pk}/"]["body"]
                  if b.get("purpose") == "assessing"]
        return json.loads(body["value"])

    assert review_of(gold)["gold"] is True
    assert review_of(gold)["provenance"] == [f"http://testserver/api/annotations/{source.pk}/"]
    assert (review_of(source)["status"], review_of(source)["reviewer"]) == ("accepted", "reviewer")
    assert review_of(tagged["cue"])["status"] == "pending"
