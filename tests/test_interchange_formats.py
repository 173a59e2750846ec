"""doccano, Label Studio and W3C Web Annotation imports: readers on plain files, then through the loader."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotate.interchange.doccano import code_point_offset, read_doccano
from annotate.interchange.labelstudio import read_labelstudio
from annotate.interchange.records import ForeignFormatError
from annotate.interchange.w3c import read_w3c

DATA = Path(__file__).resolve().parent / "data" / "interchange"


@dataclass(frozen=True)
class File:
    name: str
    data: bytes


def sample(name):
    return File(name, (DATA / name).read_bytes())


def spans(batch):
    """Return (document key, label, quote of the text at the offsets, annotator) of each tag with offsets."""
    texts = {document.key: document.text for document in batch.documents}
    return [(tag.document, tag.label, texts[tag.document][tag.start:tag.end], tag.annotator)
            for tag in batch.tags if tag.start is not None]


def reasons(batch):
    return sorted(refusal.reason for refusal in batch.refused)


# doccano


def test_doccano_entities_file_gives_documents_spans_in_code_points_and_a_relation_from_content_to_source():
    batch = read_doccano([sample("doccano_entities.jsonl")])
    assert batch.source == "doccano"
    assert [document.key for document in batch.documents] == ["41", "42", "43"]
    assert spans(batch) == [
        ("41", "Loaded_Language", "lifeline", ""),
        ("41", "Loaded_Language", "reckless gamble", ""),
        ("41", "Name_Calling-Labeling", "rogue regimes", ""),
        ("42", "Loaded_Language", "bold move", ""),  # after an emoji: UTF-16 offsets 31-40 are code points 30-39
        ("42", "loaded_language/slanted_word_choice", "restrictions", ""),
        ("43", "attribution/source", "Officials", ""),
        ("43", "attribution/cue", "said", ""),
        ("43", "attribution/content", "the shipment was routine", ""),
    ]
    assert [(tag.start, tag.end) for tag in batch.tags if tag.document == "42"] == [(30, 39), (52, 64)]
    relation = batch.tags[-1]  # after every span
    assert (relation.document, relation.label, relation.scope, relation.ends) == (
        "43", "attributed_to", "relation",
        {"content": "doccano_entities.jsonl:3#8", "source": "doccano_entities.jsonl:3#6"})
    refs = {tag.ref: tag.label for tag in batch.tags}
    assert [refs[ref] for ref in relation.ends.values()] == ["attribution/content", "attribution/source"]
    assert batch.refused == []


def test_doccano_label_lists_give_spans_and_document_labels():
    batch = read_doccano([sample("doccano_labels.jsonl")])
    assert spans(batch) == [("7", "Exaggeration-Minimisation", "bold move", "")]
    document_tags = [(tag.document, tag.label, tag.scope) for tag in batch.tags if tag.start is None]
    assert document_tags == [("8", "missing_perspectives/counter_perspective_missing", "document")]
    assert batch.refused == []


def test_doccano_offset_inside_an_emoji_or_past_the_text_is_refused():
    line = {"id": 1, "text": "a 🎉 b", "label": [[3, 4, "x"], [2, 4, "y"], [0, 7, "z"], [5, 6, "ok"], [1, "2", "w"]]}
    batch = read_doccano([File("f.jsonl", json.dumps(line).encode())])
    assert spans(batch) == [("1", "y", "🎉", ""), ("1", "ok", "b", "")]
    assert reasons(batch) == ["malformed span", "offset inside a character", "span outside the text"]


def test_doccano_utf16_offsets_convert_exactly():
    text = "𝔘🎉x\U0001F600"
    convert = code_point_offset(text)
    assert [convert(offset) for offset in (0, 2, 4, 5, 7)] == [0, 1, 2, 3, 4]
    for inside in (1, 3, 6):
        with pytest.raises(ValueError, match="offset inside a character"):
            convert(inside)


def test_doccano_line_without_id_is_keyed_by_file_and_line():
    batch = read_doccano([File("a.jsonl", b'\n{"text": "one", "label": []}\n')])
    assert [document.key for document in batch.documents] == ["a.jsonl:2"]


@pytest.mark.parametrize("content, message", [
    (b'{"id": 1, "text": "ok", "label": []}\n{"id": 2, "text": ', "bad.jsonl: line 2: not JSON"),
    (b'["text"]\n', "bad.jsonl: line 1: expected a JSON object"),
    (b'{"id": 1, "label": []}\n', "bad.jsonl: line 1: text: missing or not a string"),
    (b'{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', "bad.jsonl: line 2: id 1 comes again"),
    (b'\xff\xfe{}', "bad.jsonl: not UTF-8 text"),
    (b'{"id": 1, "text": "\\ud800"}\n', "bad.jsonl: line 1: a string holds a lone surrogate"),
])  # fmt: skip
def test_doccano_malformed_file_names_the_file_and_line(content, message):
    with pytest.raises(ForeignFormatError, match=message):
        read_doccano([File("bad.jsonl", content)])


# Label Studio


def test_labelstudio_export_gives_annotations_predictions_choices_and_notes():
    batch = read_labelstudio([sample("labelstudio_export.json")])
    assert batch.source == "labelstudio"
    assert [(d.key, d.title) for d in batch.documents] == [("101", "Lifeline"), ("102", "")]
    assert spans(batch) == [
        ("101", "Loaded_Language", "lifeline", "3"),  # technique strings name themselves
        ("101", "Name_Calling-Labeling", "rogue regimes", "3"),
        ("101", "Exaggeration-Minimisation", "reckless gamble", "tagger-v2"),
        ("101", "label/Place_Name", "Caracas", "tagger-v2"),  # other values are named with their control
        ("102", "Exaggeration-Minimisation", "routine", "3"),
        ("102", "Loaded_Language", "routine", "3"),
    ]
    located = [tag for tag in batch.tags if tag.start is not None]
    assert [tag.quote for tag in located] == [text for _, _, text, _ in spans(batch)]
    notes = [(tag.label, tag.note) for tag in batch.tags if tag.note]
    assert notes == [("Name_Calling-Labeling", "labels both states"),
                     ("Exaggeration-Minimisation", "prediction of tagger-v2"),
                     ("label/Place_Name", "prediction of tagger-v2")]
    choices = [(tag.label, tag.scope, tag.annotator) for tag in batch.tags if tag.scope == "document"]
    assert choices == [("article_frame/external_relations", "document", "3")]
    assert batch.refused == []  # the cancelled annotation is passed over


def test_labelstudio_completed_by_email_and_our_annotator_name_are_kept():
    task = {"id": 5, "data": {"body": "Plain words here."}, "annotations": [
        {"completed_by": {"id": 4, "email": "bea@example.org"}, "result": [_region("words", 6, 11)]},
        {"annotator": "ann1", "completed_by": 9, "result": [_region("Plain", 0, 5)]},
    ]}  # fmt: skip
    batch = read_labelstudio([File("one.json", json.dumps(task).encode())])
    assert batch.documents[0].text == "Plain words here."  # the first string of data, when it has no "text"
    assert spans(batch) == [("5", "layer/x", "words", "bea@example.org"), ("5", "layer/x", "Plain", "ann1")]


def test_labelstudio_dangling_relations_and_other_result_types_are_refused_by_name():
    results = [_region("Plain", 0, 5), {"type": "relation", "from_id": "Plain", "to_id": "b", "labels": ["x"]},
               {"type": "rating", "value": {"rating": 3}}, {"type": "labels", "value": {"start": "/p[1]", "end": 3}},
               {"id": "zz", "type": "textarea", "value": {"text": ["orphan"]}}]
    task = [{"id": 1, "data": {"text": "Plain words."}, "annotations": [{"result": results}]}]
    batch = read_labelstudio([File("ls.json", json.dumps(task).encode())])
    assert len(batch.tags) == 1
    assert [(r.reason, r.where) for r in batch.refused] == [
        ("rating result not imported", "ls.json:item 1 annotation 1 result 3"),
        ("not a text region", "ls.json:item 1 annotation 1 result 4"),
        ("relation not imported", "ls.json:item 1 annotation 1 result 2"),
        ("note without a region", "ls.json:item 1 annotation 1 result 5"),
    ]
    assert "ids of labels regions of the same annotation" in batch.refused[2].detail


@pytest.mark.parametrize("content, message", [
    (b'[{"id": 1, "data": {"text": "x"}}, {"id": 2}]', "bad.json:item 2: expected a task object with a data"),
    (b'[{"id": 1, "data": {"n": 3}}]', "bad.json:item 1: data holds no text"),
    (b'[{"id": 1, "data": {"text": "x"}}, {"id": 1, "data": {"text": "y"}}]', "bad.json:item 2: task id 1 comes"),
    (b'[{"data": {"text": "x"}, "annotations": [{"result": {}}]}]', "bad.json:item 1 annotation 1: expected an"),
    (b'"tasks"', "bad.json: expected a JSON array of tasks"),
    (b'[{"id": 1,\n "data": }]', "bad.json: line 2 column 10: not JSON"),
])  # fmt: skip
def test_labelstudio_malformed_file_names_the_file_and_item(content, message):
    with pytest.raises(ForeignFormatError, match=message):
        read_labelstudio([File("bad.json", content)])


def _region(words, start, end):
    return {"id": words, "from_name": "layer", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": words, "labels": ["x"]}}


# W3C Web Annotation

SOURCE7 = "https://news.example.org/articles/article7.txt"


def test_w3c_quote_selectors_are_found_in_the_article_text_given_by_file_name():
    text = (DATA / "article7.txt").read_text()
    batch = read_w3c([sample("w3c_quotes.jsonld"), sample("article7.txt")])
    assert [(d.key, d.filename, d.text == text) for d in batch.documents] == [(SOURCE7, "article7.txt", True)]
    assert spans(batch) == [
        (SOURCE7, "Loaded_Language", "lifeline", "kim"),
        (SOURCE7, "Name_Calling-Labeling", "rogue regimes", "kim"),
        (SOURCE7, "Appeal_to_Authority", "officials said", ""),
    ]
    assert [tag.start for tag in batch.tags] == [12, text.index("rogue"), text.index("officials")]
    assert [(r.reason, r.where) for r in batch.refused] == [
        ("quote is ambiguous", "w3c_quotes.jsonld:item 3"),
        ("quote not found", "w3c_quotes.jsonld:item 4"),
    ]


def test_w3c_quote_without_the_article_text_is_refused_and_positions_are_kept():
    items = [_annotation("lifeline", {"type": "TextQuoteSelector", "exact": "lifeline"}),
             _annotation("bold", [{"type": "TextQuoteSelector", "exact": "bold"},
                                  {"type": "TextPositionSelector", "start": 4, "end": 8}])]
    batch = read_w3c([File("a.json", json.dumps(items).encode())])
    assert (batch.documents[0].text, batch.documents[0].external_id) == (None, SOURCE7)
    assert [(tag.label, tag.start, tag.end, tag.quote) for tag in batch.tags] == [("loaded/bold", 4, 8, "bold")]
    assert reasons(batch) == ["article text needed"]


def test_w3c_other_selectors_beside_a_text_selector_are_passed_over_and_alone_are_refused():
    range_selector = {"type": "RangeSelector", "startSelector": {"type": "XPathSelector", "value": "/p[1]"}}
    items = [_annotation("a", [range_selector, {"type": "TextPositionSelector", "start": 0, "end": 4}]),
             {**_annotation("b", range_selector), "motivation": ["tagging"]}]
    batch = read_w3c([File("h.json", json.dumps(items).encode())])
    assert [(tag.label, tag.start, tag.end) for tag in batch.tags] == [("loaded/a", 0, 4)]
    assert [(r.reason, r.detail) for r in batch.refused] == [
        ("unsupported selector", "only TextPositionSelector and TextQuoteSelector are read, this target has "
                                 "RangeSelector")]


def test_w3c_bodies_give_label_layer_attributes_note_and_document_targets():
    item = _annotation("flag", None)
    item["body"] += [{"type": "TextualBody", "purpose": "describing", "format": "application/json",
                      "value": '{"stakeholder": "us_government"}'},
                     {"type": "TextualBody", "purpose": "commenting", "value": "US reasons absent"}]
    item["target"] = {"source": "http://testserver/api/documents/3/"}
    page = {"type": "AnnotationPage", "items": [item, {**_annotation("x", None), "motivation": "linking"}]}
    batch = read_w3c([File("p.json", json.dumps(page).encode()), File("3.txt", b"Some text.")])
    [tag] = batch.tags
    assert (tag.label, tag.scope, tag.attributes, tag.note) == (
        "loaded/flag", "document", {"stakeholder": "us_government"}, "US reasons absent")
    assert batch.documents[0].text == "Some text."
    assert reasons(batch) == ["relation not imported"]


@pytest.mark.parametrize("content, message", [
    (b'{"type": "AnnotationCollection", "first": "https://x/page1"}', "c.json: the collection's first page is not"),
    (b'[{"type": "Annotation"}, {"type": "Note"}]', "c.json:item 2: expected an object of type Annotation"),
    (b'{"type": "Thing"}', "c.json: expected an AnnotationCollection"),
    (b'{"type": "Annotation",', "c.json: line 1 column 23: not JSON"),
])  # fmt: skip
def test_w3c_malformed_file_names_the_file_and_item(content, message):
    with pytest.raises(ForeignFormatError, match=message):
        read_w3c([File("c.json", content)])


def _annotation(label, selector):
    target = {"source": SOURCE7} if selector is None else {"source": SOURCE7, "selector": selector}
    return {"type": "Annotation", "motivation": "tagging", "creator": {"type": "Person", "nickname": "kim"},
            "body": [{"type": "TextualBody", "purpose": "tagging", "value": label},
                     {"type": "TextualBody", "purpose": "classifying", "value": "loaded"}],
            "target": target}


# Through the loader: round trips and hand-written samples, on the real database

ARTICLE = (
    "Lifeline to Caracas\n\n"
    "Fans cheered 🎉 and 𝔘 wrote: Iran sent a bold lifeline to Caracas. Critics called it a reckless gamble.\n\n"
    "Officials said the shipment was routine. Nobody asked the drivers."
)


def tag(project, document, annotator, label, words, *, layer="loaded_language", key="loaded_language", through=None,
        **fields):
    """Make a span tag over words (through `through`, when it runs into the next sentences) as annotator."""
    from annotate.spans import place_span
    from tests.api_helpers import create_tag

    start = document.text.index(words)
    end = document.text.index(through) + len(through) if through else start + len(words)
    segment, first, last = place_span(list(document.segments.order_by("index")), start, end, len(document.text))
    attributes = fields.pop("attributes", {"polarity": "negative"} if layer == "loaded_language" else {})
    return create_tag(project=project, document=document, segment=segment, annotator=annotator,
                      label=label(layer, key), start=first, end=last, quote=document.text[start:end],
                      attributes=attributes, **fields)


@pytest.fixture
def source(project, cast, label):
    """A project with spans after an emoji, by two annotators, a relation, a sentence label and an anchored document
    label."""
    from annotate.importing import import_article
    from tests.api_helpers import create_tag

    document = import_article(project=project, name="lifeline.txt", raw=ARTICLE.encode()).document
    ann1, ann2 = cast["ann1"], cast["ann2"]
    tag(project, document, ann1, label, "bold lifeline", attributes={"polarity": "positive", "target": "Iran"})
    tag(project, document, ann2, label, "lifeline", note="a loaded metaphor")
    tag(project, document, ann1, label, "reckless gamble", key="exaggeration_minimisation")
    ends = {role: tag(project, document, ann2, label, words, layer="attribution", key=role)
            for role, words in (("source", "Officials"), ("cue", "said"), ("content", "the shipment was routine"))}
    create_tag(project=project, document=document, annotator=ann2, label=label("attribution_relation", "attributed_to"),
               relation_content=ends["content"], relation_source=ends["source"], relation_cue=ends["cue"],
               attributes={"form": "paraphrase", "alignment": "supports"})
    bold = document.segments.get(text__contains="bold lifeline")
    create_tag(project=project, document=document, segment=bold, annotator=ann1,
               label=label("framing", "external_relations"))
    create_tag(project=project, document=document, segment=bold, annotator=ann2,
               label=label("missing_perspectives", "independent_expert_missing"),
               attributes={"stakeholder": "independent_analysts"}, note="Who counted?")
    return document


def fresh_project(codebook, cast, slug="copy"):
    from annotate.models import Project

    copy = Project.objects.create(slug=slug, name="Copy", codebook=codebook)
    for name, role in (("manager", "manager"), ("ann1", "annotator"), ("ann2", "annotator")):
        copy.memberships.create(user=cast[name], role=role)
    return copy


def export_of(project, fmt, user):
    from tests.api_helpers import client_for

    response = client_for(user).get(f"/api/projects/{project.pk}/export/?format={fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def import_into(project, fmt, files, user, **options):
    from annotate.interchange.inputs import InputFile
    from annotate.interchange.load import import_files

    files = [InputFile(name, data) for name, data in files]
    return import_files(project=project, format_key=fmt, files=files, user=user, **options)


def saved_tags(project):
    """Return every tag of a project as (label, document offsets, quote, annotator, note, anchor), sorted."""
    from annotate.models import Annotation

    rows = []
    for a in Annotation.objects.filter(project=project).select_related("label__layer", "segment", "annotator"):
        offsets = (a.segment.start + a.start, a.segment.start + a.end) if a.start is not None else None
        anchor = (a.segment.start, a.segment.end) if a.segment_id else None
        rows.append((f"{a.label.layer.key}/{a.label.key}", offsets, a.quote, a.annotator.username, a.note, anchor))
    return sorted(rows, key=repr)


def test_doccano_round_trip_keeps_spans_after_an_emoji(project, codebook, cast, source):
    first = export_of(project, "doccano", cast["manager"])
    copy = fresh_project(codebook, cast)
    report = import_into(copy, "doccano", [("export.jsonl", first)], cast["manager"])
    assert report["result"] == "imported", report
    assert report["tags"] == {"read": 6, "imported": 6, "skipped": 0, "refused": 0}  # doccano has no relations
    again = export_of(copy, "doccano", cast["manager"])
    strip = [({**json.loads(line), "id": None}) for line in (first, again)]
    assert strip[0] == strip[1]
    # doccano carries no annotator: the spans are the importing manager's, at the same places
    spans_of = [row[:3] for row in saved_tags(project) if row[1]]
    assert sorted(set(spans_of)) == [row[:3] for row in saved_tags(copy)]
    assert {row[3] for row in saved_tags(copy)} == {"manager"}


def test_labelstudio_round_trip_keeps_spans_sentence_and_document_labels_annotators_and_notes(
        project, codebook, cast, source):
    first = export_of(project, "labelstudio", cast["manager"])
    copy = fresh_project(codebook, cast)
    report = import_into(copy, "labelstudio", [("tasks.json", first)], cast["manager"])
    assert report["result"] == "imported", report
    # a choices result has no place: a document label's anchor sentence is not carried
    unanchored = [(*row[:5], None if row[0].startswith("missing_perspectives/") else row[5])
                  for row in saved_tags(project)]
    assert saved_tags(copy) == unanchored
    # a relation comes back between the same spans, without its cue (Label Studio relations have two ends)
    assert saved_relations(copy) == [("ann2", "the shipment was routine", "Officials", None)]
    assert saved_relations(project) == [("ann2", "the shipment was routine", "Officials", "said")]
    assert copy.documents.get().title == source.title
    assert normal_labelstudio(export_of(copy, "labelstudio", cast["manager"])) == normal_labelstudio(first)


def test_w3c_round_trip_with_the_article_file_keeps_everything_it_carries(project, codebook, cast, source):
    from annotate.models import Annotation

    first = export_of(project, "w3c", cast["manager"])
    copy = fresh_project(codebook, cast)
    report = import_into(copy, "w3c", [("export.jsonld", first), (f"{source.pk}.txt", ARTICLE.encode())],
                         cast["manager"])
    assert report["result"] == "imported", report
    assert report["documents"]["created"] == 1
    assert saved_tags(copy) == saved_tags(project)
    assert saved_relations(copy) == saved_relations(project)
    attributes = sorted(map(repr, Annotation.objects.filter(project=copy).values_list("attributes", flat=True)))
    assert attributes == sorted(map(repr, Annotation.objects.filter(project=project)
                                    .values_list("attributes", flat=True)))
    assert normal_w3c(export_of(copy, "w3c", cast["manager"])) == normal_w3c(first)
    # the source IRI is the document's external id: a second import of the same file finds it, adds nothing
    document = copy.documents.get()
    assert document.external_id == f"http://testserver/api/documents/{source.pk}/"
    report = import_into(copy, "w3c", [("export.jsonld", first)], cast["manager"])
    assert (report["result"], report["documents"]["matched"], report["tags"]["skipped"]) == ("imported", 1, 9)


def test_span_across_sentences_survives_each_round_trip(project, codebook, cast, label):
    from django.core.exceptions import ValidationError

    from annotate.importing import import_article

    raw = b"What happened?\nAre they for real? Yes."
    document = import_article(project=project, name="doubt.txt", raw=raw).document
    try:
        tag(project, document, cast["ann1"], label, "happened?", through="for real?", key="doubt_reputation")
    except ValidationError as error:
        pytest.skip(f"spans may not yet cross a sentence boundary here (validation of the spans part): {error}")
    for fmt, name in (("doccano", "x.jsonl"), ("labelstudio", "x.json"), ("w3c", "x.jsonld")):
        copy = fresh_project(codebook, cast, slug=f"copy-{fmt}")
        files = [(name, export_of(project, fmt, cast["manager"]))]
        if fmt == "w3c":
            files.append((f"{document.pk}.txt", document.text.encode()))
        report = import_into(copy, fmt, files, cast["manager"])
        assert report["result"] == "imported", report
        [row] = saved_tags(copy)
        assert row[1:3] == ((5, 33), "happened?\nAre they for real?")


def saved_relations(project):
    """Return every relation of a project as (annotator, content, source, cue quotes), sorted."""
    from annotate.models import Annotation

    relations = Annotation.objects.filter(project=project, label__layer__scope="relation").select_related(
        "annotator", "relation_content", "relation_source", "relation_cue")
    return sorted((a.annotator.username, a.relation_content.quote, a.relation_source.quote,
                   a.relation_cue.quote if a.relation_cue else None) for a in relations)


def normal_labelstudio(raw):
    """Return the tasks without ids (database ids differ between projects): a relation names its ends' regions."""
    tasks = json.loads(raw)
    for task in tasks:
        task["id"] = None
        for annotation in task["annotations"]:
            regions = {r["id"]: (r["value"].get("start"), r["value"].get("labels"))
                       for r in annotation["result"] if "id" in r}
            for result in annotation["result"]:
                result.pop("id", None)
                for end in ("from_id", "to_id"):
                    if end in result:
                        result[end] = regions[result[end]]
            annotation["result"].sort(key=repr)
        task["annotations"].sort(key=repr)
    return tasks


def normal_w3c(raw):
    """Return the items without ids, times and sources (they name the exporting project), sorted; a linking
    annotation names its ends by their targets."""
    items = json.loads(raw)["first"]["items"]
    targets = {item["id"]: repr(item["target"]["selector"]) for item in items if isinstance(item["target"], dict)}
    for item in items:
        for field in ("id", "created", "modified"):
            item.pop(field)
        target = item["target"]
        if isinstance(target, dict):
            target.pop("source")
        else:
            item["target"] = sorted(targets[iri] for iri in target)
            roles = item["body"][-1]
            roles["value"] = {role: targets.get(iri) for role, iri in json.loads(roles["value"]).items()}
    return sorted(items, key=repr)


def sample_files(*names):
    return [(name, (DATA / name).read_bytes()) for name in names]


def test_doccano_entities_sample_imports_spans_and_the_relation_as_one_dataset_account(project, cast):
    from annotate.models import Annotation

    report = import_into(project, "doccano", sample_files("doccano_entities.jsonl"), cast["manager"],
                         annotator="doccano-gold")
    assert report["result"] == "imported", report
    assert report["tags"] == {"read": 9, "imported": 9, "skipped": 0, "refused": 0}
    assert report["imported_by_label"] == {
        "attribution:content": 1, "attribution:cue": 1, "attribution:source": 1,
        "attribution_relation:attributed_to": 1, "loaded_language:loaded_language": 3,
        "loaded_language:name_calling": 1, "loaded_language:slanted_word_choice": 1,
    }
    bold = Annotation.objects.get(quote="bold move")
    assert (bold.annotator.username, bold.import_source, bold.import_file) == (
        "doccano-gold", "doccano", "doccano_entities.jsonl")
    relation = Annotation.objects.get(label__key="attributed_to")
    assert (relation.relation_content.quote, relation.relation_source.quote) == ("the shipment was routine",
                                                                                 "Officials")


def test_doccano_one_unknown_label_saves_nothing_and_partial_keeps_the_rest(project, cast):
    from annotate.models import Annotation

    lines = (DATA / "doccano_entities.jsonl").read_text().replace('"Name_Calling-Labeling"', '"Smear"')
    report = import_into(project, "doccano", [("smear.jsonl", lines.encode())], cast["manager"])
    assert (report["result"], report["saved"]) == ("refused: nothing saved", False)
    [(reason, entry)] = report["refused_by_reason"].items()
    assert (reason, entry["count"], entry["examples"][0]["where"]) == ("unknown label", 1, "smear.jsonl:1")
    assert "'Smear'" in entry["examples"][0]["detail"]
    assert not Annotation.objects.exists() and not project.documents.exists()
    report = import_into(project, "doccano", [("smear.jsonl", lines.encode())], cast["manager"], partial=True)
    assert (report["result"], report["tags"]["imported"], report["tags"]["refused"]) == ("imported in part", 8, 1)
    assert project.documents.count() == 3


def test_doccano_labels_sample_imports_spans_and_a_document_label(project, cast):
    from annotate.models import Annotation

    report = import_into(project, "doccano", sample_files("doccano_labels.jsonl"), cast["manager"])
    assert report["result"] == "imported", report
    assert report["imported_by_label"] == {"loaded_language:exaggeration_minimisation": 1,
                                           "missing_perspectives:counter_perspective_missing": 1}
    document_label = Annotation.objects.get(label__layer__key="missing_perspectives")
    assert (document_label.segment_id, document_label.start) == (None, None)


def test_labelstudio_sample_with_one_unknown_label_saves_nothing_and_names_it(project, cast):
    from annotate.models import Annotation

    report = import_into(project, "labelstudio", sample_files("labelstudio_export.json"), cast["manager"])
    assert report["saved"] is False
    assert list(report["refused_by_reason"]) == ["unknown label"]
    [example] = report["refused_by_reason"]["unknown label"]["examples"]
    assert example["where"] == "labelstudio_export.json:item 1 prediction 1 result 2"
    assert "'label/Place_Name'" in example["detail"]
    assert not Annotation.objects.exists()


def test_labelstudio_sample_with_a_mapping_imports_annotations_and_marked_predictions(project, cast):
    from annotate.models import Annotation

    mapping = json.dumps({"label/Place_Name": None}).encode()
    report = import_into(project, "labelstudio", sample_files("labelstudio_export.json"), cast["manager"],
                         mapping=mapping, partial=True)
    assert report["tags"] == {"read": 7, "imported": 6, "skipped": 0, "refused": 1}
    assert list(report["refused_by_reason"]) == ["dropped by mapping"]
    predicted = Annotation.objects.get(quote="reckless gamble")
    assert (predicted.label.key, predicted.note) == ("exaggeration_minimisation", "prediction of tagger-v2")
    note = Annotation.objects.get(quote="rogue regimes").note
    assert note == "labels both states"
    frame = Annotation.objects.get(label__layer__key="article_frame")
    assert (frame.label.key, frame.segment_id) == ("external_relations", None)


def test_w3c_quote_only_sample_places_what_it_can_find_exactly_once(project, cast):
    from annotate.models import Annotation

    files = sample_files("w3c_quotes.jsonld", "article7.txt")
    report = import_into(project, "w3c", files, cast["manager"])
    assert report["saved"] is False
    assert {reason: entry["count"] for reason, entry in report["refused_by_reason"].items()} == {
        "quote is ambiguous": 1, "quote not found": 1}
    report = import_into(project, "w3c", files, cast["manager"], partial=True)
    assert report["tags"] == {"read": 5, "imported": 3, "skipped": 0, "refused": 2}
    document = project.documents.get()
    assert (document.filename, document.external_id) == ("article7.txt", SOURCE7)
    assert sorted(Annotation.objects.values_list("quote", "label__key")) == [
        ("lifeline", "loaded_language"), ("officials said", "appeal_to_authority"),
        ("rogue regimes", "name_calling")]


def test_w3c_source_the_project_lacks_without_its_article_file_is_refused(project, cast):
    report = import_into(project, "w3c", sample_files("w3c_quotes.jsonld"), cast["manager"], partial=True)
    assert report["documents"]["refused"] == 1
    assert report["refused_by_reason"]["unknown document"]["count"] == 1
    assert report["tags"]["imported"] == 0


@pytest.mark.parametrize("fmt, name, content, message", [
    ("doccano", "bad.jsonl", b'{"id": 1, "text": "ok"}\n{"id": 2,', "bad.jsonl: line 2: not JSON"),
    ("labelstudio", "bad.json", b'[{"id": 1, "data": {"n": 1}}]', "bad.json:item 1: data holds no text"),
    ("w3c", "bad.jsonld", b'{"type": "AnnotationPage", "items": [{"type": "Note"}]}',
     "bad.jsonld:item 1: expected an object of type Annotation"),
])  # fmt: skip
def test_malformed_file_is_an_option_error_naming_file_and_place(project, cast, fmt, name, content, message):
    from annotate.interchange.report import ImportOptionError
    from annotate.models import Document

    with pytest.raises(ImportOptionError, match=message) as error:
        import_into(project, fmt, [(name, content)], cast["manager"])
    assert error.value.field == "files"
    assert not Document.objects.exists()


def test_labelstudio_region_whose_text_differs_from_the_document_is_refused(project, cast):
    task = [{"id": 1, "data": {"text": "Plain words here."}, "annotations": [{"result": [
        {"id": "a", "from_name": "loaded_language", "type": "labels",
         "value": {"start": 6, "end": 11, "text": "world", "labels": ["loaded_language"]}}]}]}]
    report = import_into(project, "labelstudio", [("ls.json", json.dumps(task).encode())], cast["manager"])
    assert report["saved"] is False
    [example] = report["refused_by_reason"]["quote mismatch"]["examples"]
    assert example["where"] == "ls.json:item 1 annotation 1 result 1"
    assert "'world'" in example["detail"] and "'words'" in example["detail"]


def test_w3c_position_and_quote_that_disagree_are_refused(project, cast):
    item = _annotation("loaded_language", [{"type": "TextQuoteSelector", "exact": "lifeline"},
                                           {"type": "TextPositionSelector", "start": 0, "end": 8}])
    item["body"][1]["value"] = "loaded_language"
    files = [("one.json", json.dumps(item).encode()), ("article7.txt", (DATA / "article7.txt").read_bytes())]
    report = import_into(project, "w3c", files, cast["manager"])
    assert list(report["refused_by_reason"]) == ["quote mismatch"]
    item["target"]["selector"][1].update(start=12, end=20)
    report = import_into(project, "w3c", [("one.json", json.dumps(item).encode()), files[1]], cast["manager"])
    assert report["result"] == "imported"


def test_command_imports_a_directory_of_w3c_annotations_and_article_files(project, cast, tmp_path, capsys):
    from django.core.management import call_command

    folder = tmp_path / "collection"
    folder.mkdir()
    for name in ("w3c_quotes.jsonld", "article7.txt", "labelstudio_export.json"):
        (folder / name).write_bytes((DATA / name).read_bytes())
    (folder / "notes.csv").write_text("ignored,by,name\n")
    call_command("import_annotations", str(folder), fmt="w3c", project=project.slug, user="manager", partial=True)
    out = capsys.readouterr().out
    assert "w3c: imported in part" in out
    assert "refused, quote is ambiguous: 1" in out and "refused, quote not found: 1" in out
    assert project.annotations.count() == 3


def test_api_imports_doccano_and_answers_a_malformed_labelstudio_file_with_a_400_naming_it(project, cast):
    from tests.api_helpers import client_for

    client = client_for(cast["manager"])
    url = f"/api/projects/{project.pk}/imports/"
    with (DATA / "doccano_labels.jsonl").open("rb") as upload:
        response = client.post(url, {"format": "doccano", "files": [upload]}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["tags"]["imported"] == 2
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("tasks.json", b'[{"id": 1, "data": {}}]')
    response = client.post(url, {"format": "labelstudio", "files": [bad]}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"files": ["tasks.json:item 1: data holds no text"]}
    response = client_for(cast["ann1"]).post(url, {"format": "doccano", "files": [bad]}, format="multipart")
    assert response.status_code == 403
