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


def test_doccano_entities_file_gives_documents_spans_in_code_points_and_refuses_the_relation():
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
    assert [(r.reason, r.where) for r in batch.refused] == [("relation not imported", "doccano_entities.jsonl:3")]


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
        ("101", "label/Loaded_Language", "lifeline", "3"),
        ("101", "label/Name_Calling-Labeling", "rogue regimes", "3"),
        ("101", "label/Exaggeration-Minimisation", "reckless gamble", "tagger-v2"),
        ("101", "label/Place_Name", "Caracas", "tagger-v2"),
        ("102", "label/Exaggeration-Minimisation", "routine", "3"),
        ("102", "label/Loaded_Language", "routine", "3"),
    ]
    located = [tag for tag in batch.tags if tag.start is not None]
    assert [tag.quote for tag in located] == [text for _, _, text, _ in spans(batch)]
    notes = {tag.label: tag.note for tag in batch.tags if tag.note}
    assert notes == {"label/Name_Calling-Labeling": "labels both states"}
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


def test_labelstudio_relations_and_other_result_types_are_refused_by_name():
    results = [_region("Plain", 0, 5), {"type": "relation", "from_id": "a", "to_id": "b", "labels": []},
               {"type": "rating", "value": {"rating": 3}}, {"type": "labels", "value": {"start": "/p[1]", "end": 3}},
               {"id": "zz", "type": "textarea", "value": {"text": ["orphan"]}}]
    task = [{"id": 1, "data": {"text": "Plain words."}, "annotations": [{"result": results}]}]
    batch = read_labelstudio([File("ls.json", json.dumps(task).encode())])
    assert len(batch.tags) == 1
    assert [(r.reason, r.where) for r in batch.refused] == [
        ("relation result not imported", "ls.json:item 1 annotation 1 result 2"),
        ("rating result not imported", "ls.json:item 1 annotation 1 result 3"),
        ("not a text region", "ls.json:item 1 annotation 1 result 4"),
        ("note without a region", "ls.json:item 1 annotation 1 result 5"),
    ]


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
    batch = read_w3c([sample("w3c_quotes.jsonld")], texts={"article7.txt": text})
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
    assert batch.documents[0].text is None
    assert [(tag.label, tag.start, tag.end, tag.quote) for tag in batch.tags] == [("loaded/bold", 4, 8, "bold")]
    assert reasons(batch) == ["article text needed"]


def test_w3c_bodies_give_label_layer_attributes_note_and_document_targets():
    item = _annotation("flag", None)
    item["body"] += [{"type": "TextualBody", "purpose": "describing", "format": "application/json",
                      "value": '{"stakeholder": "us_government"}'},
                     {"type": "TextualBody", "purpose": "commenting", "value": "US reasons absent"}]
    item["target"] = {"source": "http://testserver/api/documents/3/"}
    page = {"type": "AnnotationPage", "items": [item, {**_annotation("x", None), "motivation": "linking"}]}
    batch = read_w3c([File("p.json", json.dumps(page).encode())], texts={"3": "Some text."})
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
