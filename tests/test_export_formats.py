"""Format writers on plain records: each output parses, offsets hold, nothing unsafe leaks, output streams."""

import csv
import io
import itertools
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotate.exporting import FORMATS, UnknownFormat, export
from annotate.exporting.csv import COLUMNS
from annotate.exporting.labelstudio import labelstudio_config
from annotate.exporting.readable import pieces


@pytest.fixture(autouse=True)
def fast_password_hashing():
    """Stand in for the suite-wide fixture of that name, which needs Django settings these tests never load."""


EVIL_NOTE = "check <img src=x onerror=alert(1)> &amp; more"
SCRIPT = "<script>alert(1)</script>"

CODEBOOK = {
    "key": "default",
    "name": "Default",
    "version": 1,
    "layers": [
        {
            "key": "framing",
            "name": "Framing",
            "scope": "segment",
            "labels": [{"key": "economic", "name": "Economic", "definition": "money", "color": "#1f77b4",
                        "technique": "Economic"}],
        },
        {
            "key": "loaded_language",
            "name": "Loaded language",
            "scope": "span",
            "labels": [
                {"key": "loaded_language", "name": "Loaded language", "definition": "emotive", "color": "#ff7f0e",
                 "technique": "Loaded_Language"},
                {"key": "slanted_word_choice", "name": "Slanted word choice", "definition": "tilts",
                 "color": "red;}</style><script>alert(1)</script>", "technique": "Loaded_Language"},
            ],
        },
        {
            "key": "attribution",
            "name": "Attribution",
            "scope": "span",
            "labels": [
                {"key": "source", "name": "Source", "definition": "who", "color": "#00695c", "technique": None},
                {"key": "cue", "name": "Cue", "definition": "said", "color": "#6a1b9a", "technique": None},
                {"key": "content", "name": "Content", "definition": "what", "color": "#ef6c00", "technique": None},
            ],
        },
        {
            "key": "attribution_relation",
            "name": "Attribution relation",
            "scope": "relation",
            "labels": [{"key": "attributed_to", "name": "Attributed to", "definition": "link", "color": "#455a64",
                        "technique": None}],
        },
        {
            "key": "missing_perspectives",
            "name": "Missing perspectives",
            "scope": "document",
            "labels": [{"key": "counter_perspective_missing", "name": "Counter-perspective missing",
                        "definition": "one side", "color": "#1f77b4", "technique": None}],
        },
        {
            "key": "article_frame",
            "name": "Article frame",
            "scope": "document",
            "labels": [{"key": "economic", "name": "Economic", "definition": "money", "color": "#1f77b4",
                        "technique": "Economic"}],
        },
    ],
}  # fmt: skip

META = {
    "project": {"id": 7, "slug": "telesur", "name": "TeleSUR <review>"},
    "codebook": CODEBOOK,
    "filters": {"status": "accepted"},
    "generated_at": "2025-06-10T12:00:00+00:00",
    "base_url": "http://testserver/",
}

# Text before the spans holds an emoji and an astral letter, so code-point
# offsets differ from UTF-16 and UTF-8 ones.
SEGMENT_TEXTS = [
    ("title", 0, "Sanctions & Solidarity: The Untold Story"),
    ("heading", 1, "Historical *Foundations*"),
    ("body", 2, "Fans cheered 🎉 and 𝔘 wrote: Iran sent a bold lifeline to Caracas."),
    ("body", 2, f"{SCRIPT} officials said."),
    ("body", 3, "# Nothing to tag here | really."),
]


def _annotation(id, layer, label, *, scope, segment=None, quote="", **fields):
    record = {
        "id": id, "layer": layer, "scope": scope, "label": label, "label_name": label.replace("_", " ").title(),
        "technique": None, "segment_id": None, "segment_index": None, "start": None, "end": None,
        "doc_start": None, "doc_end": None, "quote": "", "attributes": {}, "note": "", "annotator": "alice",
        "status": "pending", "reviewer": None, "reviewed_at": None, "review_note": "", "gold": False,
        "provenance": [], "created": "2025-06-10T10:00:00+00:00", "modified": "2025-06-10T10:05:00+00:00",
        "version": 1, "relation": None,
    }  # fmt: skip
    if segment is not None:
        record["segment_id"], record["segment_index"] = segment["id"], segment["index"]
    if quote:
        start = segment["text"].index(quote)
        record.update(
            start=start, end=start + len(quote), quote=quote,
            doc_start=segment["start"] + start, doc_end=segment["start"] + start + len(quote),
        )  # fmt: skip
    record.update(fields)
    return record


def build_document(document_id=1):
    """Return (document, segments, document annotations, relations) as lists."""
    text, segments = "", []
    for index, (kind, paragraph, sentence) in enumerate(SEGMENT_TEXTS):
        if segments:
            text += "\n\n" if paragraph != segments[-1]["paragraph"] else " "
        start = len(text)
        text += sentence
        segments.append({
            "id": document_id * 100 + index, "index": index, "kind": kind, "paragraph": paragraph,
            "start": start, "end": len(text), "text": sentence, "annotations": [],
        })  # fmt: skip
    title, _heading, lifeline, officials, _empty = segments
    title["annotations"] = [_annotation(10, "loaded_language", "loaded_language", scope="span", segment=title,
                                        quote="Untold Story", technique="Loaded_Language")]  # fmt: skip
    lifeline["annotations"] = [
        _annotation(11, "loaded_language", "loaded_language", scope="span", segment=lifeline, quote="bold lifeline",
                    technique="Loaded_Language", attributes={"polarity": "positive", "target": "Iran"}),
        _annotation(12, "loaded_language", "slanted_word_choice", scope="span", segment=lifeline, quote="lifeline",
                    technique="Loaded_Language", annotator="bob", note=EVIL_NOTE,
                    attributes={"polarity": "positive", "neutral_alternative": "shipment"}),
        _annotation(13, "attribution", "content", scope="span", segment=lifeline, quote="lifeline to Caracas"),
        _annotation(14, "framing", "economic", scope="segment", segment=lifeline, status="accepted",
                    reviewer="rita", reviewed_at="2025-06-11T09:00:00+00:00", review_note="ok"),
        _annotation(15, "framing", "economic", scope="segment", segment=lifeline, annotator="bob"),
    ]  # fmt: skip
    officials["annotations"] = [
        _annotation(16, "attribution", "source", scope="span", segment=officials, quote="officials"),
        _annotation(17, "attribution", "cue", scope="span", segment=officials, quote="said"),
    ]
    document_annotations = [
        _annotation(20, "missing_perspectives", "counter_perspective_missing", scope="document", segment=lifeline,
                    attributes={"stakeholder": "us_government"}, note="US reasons absent"),
        _annotation(21, "article_frame", "economic", scope="document", gold=True, provenance=[30, 31]),
    ]  # fmt: skip
    relations = [
        _annotation(22, "attribution_relation", "attributed_to", scope="relation",
                    relation={"content": 13, "source": 16, "cue": 17},
                    attributes={"form": "paraphrase", "affiliation": "government_foreign", "alignment": "supports"}),
    ]  # fmt: skip
    document = {
        "id": document_id, "title": f"Sanctions & Solidarity {SCRIPT}", "standfirst": "", "author": "Staff",
        "source": {"name": "TeleSUR", "country": "Venezuela", "funding_note": "Majority state-funded",
                   "url": "javascript:alert(1)"},
        "published_at": "2025-06-09T10:01:00+00:00", "url": "https://www.telesurenglish.net/story/",
        "language": "en", "text_sha256": "0" * 64, "text": text,
    }  # fmt: skip
    return document, segments, document_annotations, relations


def blocks(lazy=False, documents=2):
    """Return export blocks; lazy ones hand out single-pass generators."""
    out = []
    for document_id in range(1, documents + 1):
        document, segments, document_annotations, relations = build_document(document_id)
        wrap = (lambda items: (item for item in items)) if lazy else list
        out.append({
            "document": document, "segments": wrap(segments),
            "document_annotations": wrap(document_annotations), "relations": wrap(relations),
        })  # fmt: skip
    return (block for block in out) if lazy else out


def run(fmt, source=None):
    return b"".join(export(fmt, blocks() if source is None else source, META)).decode()


class TagCollector(HTMLParser):
    """Collect start tags, check nesting, and remember the depth of <mark> around each text."""

    VOID = {"meta", "br", "hr", "img", "link", "input", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.stack, self.marked = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        self.marked.append((data, self.stack.count("mark")))


def parse_html(page):
    parser = TagCollector()
    parser.feed(page)
    parser.close()
    return parser


def test_registry_has_the_formats_with_content_types_and_extensions():
    assert list(FORMATS) == ["json", "jsonl", "csv", "w3c", "semeval", "doccano", "labelstudio", "html", "md"]
    for key, fmt in FORMATS.items():
        assert fmt.key == key and callable(fmt.writer) and fmt.content_type and fmt.description
        assert not fmt.extension.startswith(".")


def test_unknown_format_lists_the_valid_ones_before_reading_anything():
    source = blocks(lazy=True)
    with pytest.raises(UnknownFormat) as raised:
        export("xml", source, META)
    assert isinstance(raised.value, ValueError)
    for key in FORMATS:
        assert key in str(raised.value)
    assert next(source)["document"]["id"] == 1


def test_json_keeps_every_record_for_restore():
    data = json.loads(run("json"))
    assert data["format"] == "annotate-export" and data["format_version"] == 1
    assert (
        data["codebook"] == CODEBOOK
        and data["project"] == META["project"]
        and data["filters"] == {"status": "accepted"}
    )
    document, segments, document_annotations, relations = build_document(1)
    exported = data["documents"][0]
    assert {k: v for k, v in exported.items() if k in document} == document
    assert exported["segments"] == segments
    assert exported["document_annotations"] == document_annotations
    assert exported["relations"] == relations
    assert [d["id"] for d in data["documents"]] == [1, 2]


def test_jsonl_lines_parse_and_carry_a_type():
    lines = [json.loads(line) for line in run("jsonl").splitlines()]
    types = [line["type"] for line in lines if line["document_id"] == 1]
    assert types == ["document"] + ["segment"] * 5 + ["document_annotation"] * 2 + ["relation"]
    head = lines[0]
    assert "text" not in head and head["source"]["name"] == "TeleSUR" and head["document_title"].endswith(SCRIPT)
    segment = lines[3]
    assert segment["text"].startswith("Fans cheered 🎉") and [a["id"] for a in segment["annotations"]] == [
        11,
        12,
        13,
        14,
        15,
    ]
    assert lines[-1]["relation"] == {"content": 13, "source": 16, "cue": 17}


def test_csv_has_the_header_and_a_row_per_annotation():
    rows = list(csv.DictReader(io.StringIO(run("csv"))))
    assert list(rows[0]) == COLUMNS
    first = [row for row in rows if row["document_id"] == "1"]
    assert [row["annotation_id"] for row in first] == ["10", "11", "12", "13", "14", "15", "16", "17", "20", "21", "22"]
    by_id = {row["annotation_id"]: row for row in first}
    assert by_id["12"]["note"] == EVIL_NOTE and by_id["12"]["technique"] == "Loaded_Language"
    assert json.loads(by_id["11"]["attributes"]) == {"polarity": "positive", "target": "Iran"}
    assert by_id["14"]["start"] == "" and by_id["14"]["segment_text"].startswith("Fans cheered 🎉")
    assert by_id["20"]["segment_kind"] == "body" and by_id["20"]["segment_text"].startswith("Fans")
    assert by_id["21"]["segment_id"] == "" and by_id["21"]["gold"] == "true" and by_id["21"]["provenance"] == "30 31"
    relation = by_id["22"]
    assert (relation["relation_content"], relation["relation_source"], relation["relation_cue"]) == ("13", "16", "17")


def test_csv_writes_the_header_for_an_empty_export():
    assert run("csv", []).splitlines() == [",".join(COLUMNS)]


def _w3c_items():
    data = json.loads(run("w3c"))
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld" and data["type"] == "AnnotationCollection"
    assert data["id"] == "http://testserver/api/projects/7/export/?format=w3c"
    assert data["first"]["type"] == "AnnotationPage" and data["first"]["startIndex"] == 0
    return data["first"]["items"]


def test_w3c_selectors_quote_the_document_text_they_point_at():
    text = build_document(1)[0]["text"]
    items = [i for i in _w3c_items() if isinstance(i["target"], dict) and i["target"]["source"].endswith("/1/")]
    selected = [item for item in items if "selector" in item["target"]]
    assert len(selected) == 9
    for item in selected:
        quote, position = item["target"]["selector"]
        start, end = position["start"], position["end"]
        assert quote["exact"] == text[start:end]
        assert quote.get("prefix", "") == text[max(0, start - 32) : start]
        assert quote.get("suffix", "") == text[end : end + 32]


def test_w3c_offsets_are_code_points_after_an_emoji():
    text = build_document(1)[0]["text"]
    item = next(i for i in _w3c_items() if i["id"] == "http://testserver/api/annotations/11/")
    position = item["target"]["selector"][1]
    assert (position["start"], position["end"]) == (text.index("bold lifeline"), text.index(" to Caracas"))
    assert item["creator"] == {"type": "Person", "nickname": "alice"} and item["motivation"] == "tagging"
    assert [(b["purpose"], b["value"]) for b in item["body"][:2]] == [("tagging", "loaded_language"),
                                                                      ("classifying", "loaded_language")]  # fmt: skip


def test_w3c_segment_document_and_relation_targets():
    text = build_document(1)[0]["text"]
    items = {item["id"].rsplit("/", 2)[-2]: item for item in _w3c_items()[:12]}
    sentence = items["14"]["target"]["selector"][1]
    assert text[sentence["start"] : sentence["end"]] == SEGMENT_TEXTS[2][2]
    assert items["20"]["target"]["selector"][0]["exact"] == SEGMENT_TEXTS[2][2]
    assert items["21"]["target"] == {"source": "http://testserver/api/documents/1/"}
    link = items["22"]
    assert link["motivation"] == "linking"
    assert link["target"] == [f"http://testserver/api/annotations/{i}/" for i in (13, 16, 17)]
    assert json.loads(link["body"][-1]["value"])["source"] == "http://testserver/api/annotations/16/"
    assert any(body["purpose"] == "commenting" and body["value"] == EVIL_NOTE for body in items["12"]["body"])


def test_semeval_lists_loaded_language_techniques_with_document_offsets():
    text = build_document(1)[0]["text"]
    lines = [line.split("\t") for line in run("semeval").splitlines()]
    assert all(len(fields) == 4 for fields in lines)
    first = [(technique, int(start), int(end)) for doc, technique, start, end in lines if doc == "1"]
    assert first == [
        ("Loaded_Language", text.index("Untold Story"), text.index("Untold Story") + 12),
        ("Loaded_Language", text.index("bold lifeline"), text.index(" to Caracas")),
        ("Loaded_Language", text.index("lifeline"), text.index(" to Caracas")),
    ]


def test_doccano_offsets_are_utf16_code_units():
    lines = [json.loads(line) for line in run("doccano").splitlines()]
    assert [line["id"] for line in lines] == [1, 2]
    line = lines[0]
    units = line["text"].encode("utf-16-le")
    spans = {label: units[2 * start : 2 * end].decode("utf-16-le") for start, end, label in line["label"]}
    assert spans["loaded_language/slanted_word_choice"] == "lifeline"
    assert spans["attribution/content"] == "lifeline to Caracas"
    assert len(line["label"]) == 6


def test_labelstudio_groups_results_per_annotator_with_code_point_offsets():
    tasks = json.loads(run("labelstudio"))
    assert [task["id"] for task in tasks] == [1, 2]
    task = tasks[0]
    text = task["data"]["text"]
    assert task["predictions"] == [] and task["data"]["title"].endswith(SCRIPT)
    by_annotator = {(a["annotator"], a["ground_truth"]): a["result"] for a in task["annotations"]}
    assert set(by_annotator) == {("alice", False), ("bob", False), ("alice", True)}
    alice = by_annotator["alice", False]
    regions = {r["id"]: r for r in alice if r["type"] == "labels"}
    for region in regions.values():
        assert region["value"]["text"] == text[region["value"]["start"] : region["value"]["end"]]
    assert regions["11"]["value"]["start"] == text.index("bold lifeline")
    relation = next(r for r in alice if r["type"] == "relation")
    assert (relation["from_id"], relation["to_id"], relation["direction"]) == ("13", "16", "right")
    assert relation["from_id"] in regions and relation["to_id"] in regions
    choices = next(r for r in alice if r["type"] == "choices")
    assert choices["from_name"] == "missing_perspectives" and choices["value"]["choices"] == [
        "counter_perspective_missing"
    ]
    bob = by_annotator["bob", False]
    assert next(r for r in bob if r["id"] == "12")["meta"] == {"text": [EVIL_NOTE]}


def test_labelstudio_config_names_every_result_source():
    config = ET.fromstring(labelstudio_config(CODEBOOK))
    names = {element.get("name") for element in config.iter() if element.get("toName") == "text"}
    results = [r for task in json.loads(run("labelstudio")) for a in task["annotations"] for r in a["result"]]
    assert {r["from_name"] for r in results if "from_name" in r} <= names


def reading(fmt, gold=False):
    """Return the html or md report of the sample blocks; without gold, every annotator's tags are shown."""
    source = blocks()
    for block in source:
        for a in block["document_annotations"]:
            a["gold"] = a["gold"] and gold
    return run(fmt, source)


def test_html_is_complete_nested_and_safe():
    page = reading("html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    parser = parse_html(page)
    assert parser.stack == []
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags and "img" not in tags and "link" not in tags and "style" in tags
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), tag
        assert "src" not in attrs
        assert not (attrs.get("href") or "").startswith("javascript:")
        # Inline styles carry grid positions and bar widths only: numbers, never record text.
        assert re.fullmatch(r"(grid-row:\d+|grid-column:\d+;grid-row:\d+/\d+|--lanes:\d+|left:-[\d.]+rem|width:\d+%)",
                            attrs.get("style", "grid-row:1")), attrs["style"]
    assert "&lt;img src=x onerror=alert(1)&gt; &amp;amp; more" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "</style><script>" not in page and ".lb1-1{background-color:#99999933" in page
    assert tags.count("article") == 2 and tags.count("h2") == 2 * 3  # summary, text, key


def test_html_keeps_overlapping_spans_distinguishable():
    parser = parse_html(reading("html"))
    depth = {}
    for data, marks in parser.marked:  # the side notes quote the same words, unmarked
        depth[data] = max(marks, depth.get(data, 0))
    assert depth["bold "] == 1 and depth["lifeline"] == 3 and depth[" to Caracas"] == 1
    mark_classes = [attrs["class"] for tag, attrs in parser.tags if tag == "mark"]
    assert "ly1 lb1-1" in mark_classes and "ly2 lb2-2" in mark_classes


def test_html_opens_with_the_summary_then_the_text_with_side_notes_then_the_key():
    page = reading("html")
    order = [page.index(text) for text in ('class="summary"', "The article, annotated", '<aside class="side"',
                                           "Key</h2>", 'class="colophon"')]
    assert order == sorted(order)
    for heading in ("Dominant frames", "Who is quoted", "Loaded terms", "Claims without attribution",
                    "Missing perspectives", "The outlet", "Agreement"):
        assert f"<h3>{heading}</h3>" in page
    assert "Mostly economic: 1 of 5 sentences (20%)." in page
    assert "The one attributed source is affiliated with a foreign government." in page
    assert "in the voice of officials: <q>bold lifeline</q>" in page
    assert "US reasons absent" in page and 'href="#d1-s2"' in page
    assert "published 9 June 2025, 10:01 UTC" in page and "generated 10 June 2025, 12:00 UTC" in page
    assert "2025-06-09T10:01" not in page and "2025-06-11T09:00" not in page
    # The link: markers close its content, source and cue in the text, and a bracket joins them.
    assert '<sup class="lkm" title="Content of link 1">1▸</sup>' in page
    assert '<sup class="lkm lks" title="Source of link 1">▸1</sup>' in page
    assert '<span class="lk in down"' in page
    assert "<h3 class=\"para heading\" style=\"grid-row:2\">" in page


def test_md_escapes_record_text_and_renders_safely():
    page = reading("md")
    assert "&lt;img src=x onerror=alert(1)> &amp;amp; more" in page
    assert "&lt;script>alert(1)&lt;/script>" in page
    assert r"Historical \*Foundations\*" in page and r"\# Nothing to tag here \| really." in page
    assert r"**bold lifeline to Caracas**\[1▸\]." in page and r"**officials**\[▸1\] **said**\[1 cue\]." in page
    html = markdown.markdown(page, extensions=["tables"])
    tags = [tag for tag, _ in parse_html(html).tags]
    assert "script" not in tags and "img" not in tags
    assert "&lt;img src=x onerror=alert(1)&gt; &amp;amp; more" in html.replace(">", "&gt;")
    assert "<h1>Nothing" not in html and "Nothing to tag here | really." in html


def test_md_keeps_the_html_reports_structure():
    page = reading("md")
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    assert headings[:4] == ["## Summary", "## The article, annotated", "## Attribution links", "## Key"]
    for section in ("Dominant frames", "Who is quoted", "Loaded terms", "Claims without attribution",
                    "Missing perspectives", "The outlet", "Agreement"):
        assert f"### {section}\n" in page
    assert "The one attributed source is affiliated with a foreign government." in page
    assert "> - **3** Framing: **Economic** — alice, accepted by rita; bob\n" in page
    assert "1. “lifeline to Caracas” → **officials**, cue “said” (sentence 3, sentence 4)" in page
    assert "published 9 June 2025, 10:01 UTC" in page


def test_html_and_md_fall_back_to_the_document_title_without_a_headline_segment():
    document = build_document(1)[0]
    source = [{"document": document, "segments": [], "document_annotations": [], "relations": []}]
    page = run("html", source)
    assert parse_html(page).stack == []
    assert "<h1>Sanctions &amp; Solidarity &lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "Nobody has tagged this article in this export yet." in page
    assert "# Sanctions & Solidarity &lt;script>alert(1)&lt;/script>\n" in run("md", source)


def test_every_format_reads_generators_in_order():
    order = []

    def tracked(name, items):
        order.append(f"{name} start")
        yield from items
        order.append(f"{name} end")

    document, segments, document_annotations, relations = build_document(1)
    for fmt in FORMATS:
        order.clear()
        source = iter([{
            "document": document, "segments": tracked("segments", segments),
            "document_annotations": tracked("document", document_annotations),
            "relations": tracked("relations", relations),
        }])  # fmt: skip
        out = b"".join(export(fmt, source, META))
        assert out, fmt
        assert order == ["segments start", "segments end", "document start", "document end",
                         "relations start", "relations end"], fmt  # fmt: skip


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_lazy_blocks_give_the_same_output(fmt):
    assert run(fmt, blocks(lazy=True)) == run(fmt)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_an_empty_export_is_still_valid(fmt):
    out = run(fmt, [])
    if fmt in ("json", "w3c", "labelstudio"):
        json.loads(out)
    elif fmt == "html":
        assert parse_html(out).stack == []


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "w3c"])
def test_writer_streams_without_reading_every_segment(fmt):
    document, segments, _, _ = build_document(1)
    template = segments[2]
    produced = 0

    def many():
        nonlocal produced
        for index in range(10_000):
            produced += 1
            yield {**template, "id": 10_000 + index, "index": index}

    source = [{"document": document, "segments": many(), "document_annotations": [], "relations": []}]
    chunks = list(itertools.islice(export(fmt, source, META), 5))
    assert len(chunks) == 5 and produced < 10


@given(
    st.text(alphabet="ab 🎉𝔘<&", min_size=1, max_size=20),
    st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=5),
)
def test_pieces_cover_the_text_and_carry_the_spans_covering_them(text, bounds):
    spans = [(min(a, b), max(a, b)) for a, b in bounds]
    annotations = [
        {"id": i, "scope": "span", "start": s, "end": e, "doc_start": None, "doc_end": None}
        for i, (s, e) in enumerate(spans)
    ]
    segment = {"text": text, "start": 0, "annotations": annotations}
    cut = pieces(segment)
    assert "".join(piece for piece, _ in cut) == text
    position = 0
    for piece, covering in cut:
        for a in annotations:
            start, end = min(a["start"], len(text)), min(a["end"], len(text))
            inside = start < end and start <= position and position + len(piece) <= end
            assert (a in covering) == inside
        position += len(piece)


@pytest.mark.parametrize(("printed", "iso"), [
    ("2026-11-30 06:35:07.70238+00", "2026-11-30T06:35:07.702380+00:00"),
    ("2026-11-30 06:35:07.5+00", "2026-11-30T06:35:07.500000+00:00"),
    ("2026-11-30 06:35:07+00", "2026-11-30T06:35:07+00:00"),
    ("2026-11-30 06:35:07.702380", "2026-11-30T06:35:07.702380+00:00"),
])
def test_database_timestamps_are_written_as_isoformat_writes_them(printed, iso):
    from annotate.exporting.rows import _iso_text

    assert _iso_text(printed) == iso
