"""Importing SemEval span files: readers, the loader (all or nothing, partial, dry run), mapping, the command, the
round trip through the semeval export."""

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from annotate.codebooks import SHIPPED_CODEBOOKS, load_codebook_file
from annotate.importing import import_article
from annotate.interchange.inputs import InputFile
from annotate.interchange.load import import_files
from annotate.interchange.report import ImportOptionError
from annotate.interchange.semeval import read_2020, read_2023
from annotate.models import Annotation, Document, Membership, Project
from annotate.tags import do_create_tag
from tests.api_helpers import client_for

DATA = Path(__file__).parent / "data" / "interchange"
TC_2020 = DATA / "semeval2020"
SI_2020 = DATA / "semeval2020-si" / "article333333333.task1-SI.labels"
SPANS_2023 = DATA / "semeval2023"
MIXED = DATA / "semeval2020-mixed"  # six good lines and four bad ones
# Articles 2 and 3 only: no span there crosses a sentence boundary.
WITHIN = [TC_2020 / name for name in ("article222222222.txt", "article222222222.task2-TC.labels",
                                      "article333333333.txt", "train-task2-TC.labels")]
NOT_IN_V1 = 7  # their TC lines whose 2020 class has no label in codebook v1 (repetition, false dilemma, ...)


def files_in(*paths):
    """Return InputFiles for files, and the files of directories, as the command reads them."""
    found = []
    for path in paths:
        for file in sorted(path.iterdir()) if path.is_dir() else [path]:
            found.append(InputFile(file.name, file.read_bytes()))
    return found


def label_lines(*paths):
    """Return the lines of the label files among these paths, sorted."""
    lines = []
    for file in files_in(*paths):
        if not file.name.startswith("article") or not file.name.endswith(".txt") or "labels" in file.name:
            lines += file.data.decode().splitlines(keepends=True)
    return sorted(lines)


def run(project, user, *paths, fmt="semeval-2020", **options):
    return import_files(project=project, format_key=fmt, files=files_in(*paths), user=user, **options)


@pytest.fixture
def needs_crossing(codebook, cast, label):
    """Skip unless the write path accepts a span that runs from one sentence into the next (a probe project)."""
    from django.core.exceptions import ValidationError

    from annotate.validation import check_annotation

    probe = Project.objects.create(slug="probe", name="Probe", codebook=codebook)
    document = import_article(project=probe, name="probe.txt", raw=b"Title\n\nOne here. Two here.\n").document
    first, second = document.segments.filter(kind="body").order_by("index")[:2]
    span = Annotation(project=probe, document=document, segment=first, annotator=cast["ann1"],
                      label=label("loaded_language", "doubt_reputation"), start=0, end=second.end - first.start,
                      quote=document.text[first.start:second.end], import_source="test")
    try:
        check_annotation(span)
        crossing = True
    except ValidationError as error:
        if not {"end", "quote"} & set(error.message_dict):
            raise
        crossing = False
    probe.delete()
    if not crossing:
        pytest.skip("spans across sentences are accepted once the spans-across-sentences change is merged")


@pytest.fixture
def v1_project(db, cast):
    """A project on codebook v1, which lacks labels for 5 of the 14 SemEval-2020 classes."""
    codebook = load_codebook_file(SHIPPED_CODEBOOKS[0])[0]
    project = Project.objects.create(slug="v1", name="On v1", codebook=codebook)
    Membership.objects.create(project=project, user=cast["manager"], role="manager")
    return project


def test_reader_2020_reads_articles_and_per_article_and_concatenated_labels():
    batch = read_2020(files_in(TC_2020, SI_2020))
    assert batch.source == "semeval-2020" and batch.refused == []
    assert sorted((d.key, d.external_id, d.filename) for d in batch.documents) == [
        ("111111111", "111111111", "article111111111.txt"), ("222222222", "222222222", "article222222222.txt"),
        ("333333333", "333333333", "article333333333.txt")]
    assert len(batch.tags) == len(label_lines(TC_2020)) + 6
    first = next(tag for tag in batch.tags if tag.where == "article111111111.task2-TC.labels:3")
    text = (TC_2020 / "article111111111.txt").read_text(encoding="utf-8")
    assert (first.document, first.label) == ("111111111", "Doubt")
    assert text[first.start:first.end] == "What really happened?\nAre they for real?"
    si = [tag for tag in batch.tags if tag.where.startswith("article333333333.task1-SI")]
    assert len(si) == 6 and {tag.label for tag in si} == {""}


def test_reader_refuses_malformed_lines_by_file_and_line_and_reads_the_rest():
    labels = b"1\tDoubt\t0\t4\n1\tDoubt\tx\t4\n\n1\t0\t4\textra\tfield\nabc\tDoubt\t0\t4\n1\t\t0\t4\n1\tSlogans\t5\t9\n"
    batch = read_2020([InputFile("train-task2-TC.labels", labels), InputFile("article1.txt", b"Word word word.\n")])
    assert [(r.where, r.reason) for r in batch.refused] == [
        ("train-task2-TC.labels:2", "malformed line"), ("train-task2-TC.labels:4", "malformed line"),
        ("train-task2-TC.labels:5", "malformed line"), ("train-task2-TC.labels:6", "malformed line")]
    assert "start 'x' is not a non-negative integer" in batch.refused[0].detail
    assert "5 tab-separated fields" in batch.refused[1].detail
    assert [(t.label, t.start, t.end) for t in batch.tags] == [("Doubt", 0, 4), ("Slogans", 5, 9)]


def test_reader_refuses_a_file_of_no_known_kind_and_text_that_is_not_utf8():
    from annotate.interchange.records import ForeignFormatError

    with pytest.raises(ForeignFormatError, match="notes.md: neither an article"):
        read_2020([InputFile("notes.md", b"hello")])
    with pytest.raises(ForeignFormatError, match="article1.txt: not UTF-8"):
        read_2020([InputFile("article1.txt", b"\xff\xfe")])


def test_reader_keeps_the_text_exactly():
    raw = "Title\r\n\r\nCaf\u00e9 \u2014 the end.\r\n".encode()
    batch = read_2020([InputFile("article7.txt", raw)])
    assert batch.documents[0].text == raw.decode("utf-8")


def test_reader_2023():
    batch = read_2023(files_in(SPANS_2023))
    assert batch.source == "semeval-2023" and batch.refused == []
    assert [d.key for d in batch.documents] == ["444444444"]
    assert len(batch.tags) == 15 and batch.tags[0].where == "article444444444-labels-subtask-3.txt:1"
    assert read_2023([InputFile("x-labels-subtask-3.txt", b"1\t0\t4\n")]).refused[0].reason == "malformed line"


def test_all_techniques_imported_as_one_dataset_account(project, cast, needs_crossing):
    report = run(project, cast["manager"], TC_2020, annotator="semeval-gold")
    lines = label_lines(TC_2020)
    assert report["result"] == "imported" and report["refused_by_reason"] == {}
    assert report["documents"] == {"created": 3, "matched": 0, "refused": 0}
    assert report["tags"] == {"read": len(lines), "imported": len(lines), "skipped": 0, "refused": 0}
    assert report["users_created"] == ["semeval-gold"]
    gold = get_user_model().objects.get(username="semeval-gold")
    assert not gold.is_active and not gold.has_usable_password()
    assert Membership.objects.get(project=project, user=gold).role == "annotator"
    tags = Annotation.objects.filter(project=project).select_related("label", "segment", "document")
    assert tags.count() == len(lines)
    for tag in tags:
        assert (tag.annotator, tag.status, tag.gold, tag.import_source) == (gold, "pending", False, "semeval-2020")
        assert tag.import_file in ("article111111111.task2-TC.labels", "article222222222.task2-TC.labels",
                                   "train-task2-TC.labels")
        start = tag.segment.start + tag.start
        assert tag.quote == tag.document.text[start:tag.segment.start + tag.end]
    by_label = report["imported_by_label"]
    assert by_label["loaded_language:whataboutism"] == 1  # Whataboutism,Straw_Men,Red_Herring
    assert by_label["loaded_language:false_dilemma"] == 2  # Black-and-White_Fallacy
    assert by_label["loaded_language:conversation_killer"] == 2  # Thought-terminating_Cliches
    assert by_label["loaded_language:guilt_by_association"] == 2  # Bandwagon,Reductio_ad_hitlerum
    assert by_label["loaded_language:repetition"] == 1
    assert by_label["loaded_language:loaded_language"] == 4  # the first Loaded_Language label, not slanted_word_choice
    assert sum(by_label.values()) == len(lines)
    documents = {d.external_id: d for d in Document.objects.filter(project=project)}
    assert documents["111111111"].filename == "article111111111.txt"
    assert documents["111111111"].text == (TC_2020 / "article111111111.txt").read_text(encoding="utf-8")


def test_a_span_across_sentences_and_paragraphs_is_stored_on_its_first_sentence(project, cast, needs_crossing):
    run(project, cast["manager"], TC_2020, annotator="semeval-gold")
    document = Document.objects.get(project=project, external_id="111111111")
    doubt = Annotation.objects.get(document=document, label__key="doubt_reputation")
    assert doubt.quote == "What really happened?\nAre they for real?"
    assert doubt.segment.text == "What really happened?" and doubt.end > len(doubt.segment.text)
    slogan = Annotation.objects.get(document=document, label__key="slogan")
    assert slogan.quote == " Make America safe again!"
    assert slogan.segment.text.endswith("measure.") and slogan.start == len(slogan.segment.text)


def test_one_refused_line_saves_nothing_and_the_report_names_it(v1_project, cast):
    report = run(v1_project, cast["manager"], *WITHIN, annotator="semeval-gold")
    assert report["result"] == "refused: nothing saved" and not report["saved"]
    refused = report["refused_by_reason"]
    assert set(refused) == {"no codebook label for the technique"}
    assert refused["no codebook label for the technique"]["count"] == NOT_IN_V1
    examples = refused["no codebook label for the technique"]["examples"]
    assert [e["where"] for e in examples] == [f"article222222222.task2-TC.labels:{n}" for n in range(1, 6)]
    assert "'Black-and-White_Fallacy' (False_Dilemma-No_Choice)" in examples[0]["detail"]
    assert report["tags"]["refused"] == NOT_IN_V1
    assert not Document.objects.filter(project=v1_project).exists()
    assert not Annotation.objects.exists()
    assert not get_user_model().objects.filter(username="semeval-gold").exists()


def test_partial_imports_what_maps_and_reports_the_rest(v1_project, cast):
    lines = label_lines(*WITHIN)
    report = run(v1_project, cast["manager"], *WITHIN, partial=True)
    assert report["result"] == "imported in part" and report["saved"]
    assert report["tags"]["imported"] == len(lines) - NOT_IN_V1 == Annotation.objects.count()
    assert report["tags"]["refused"] == NOT_IN_V1
    # No annotator option and no names in the files: the importing manager's tags.
    assert set(Annotation.objects.values_list("annotator__username", flat=True)) == {"manager"}
    assert report["imported_by_annotator"] == {"manager": len(lines) - NOT_IN_V1}


def test_dry_run_reports_the_same_and_saves_nothing(project, cast, needs_crossing):
    dry = run(project, cast["manager"], TC_2020, annotator="semeval-gold", dry_run=True)
    assert dry["result"] == "dry run: nothing saved" and not dry["saved"]
    assert not Annotation.objects.exists() and not Document.objects.filter(project=project).exists()
    real = run(project, cast["manager"], TC_2020, annotator="semeval-gold")
    assert {key: dry[key] for key in ("documents", "tags", "imported_by_label")} == {
        key: real[key] for key in ("documents", "tags", "imported_by_label")}


def test_mapping_file_comes_first_and_null_drops_on_purpose(v1_project, cast):
    mapping = {"Repetition": "loaded_language:exaggeration_minimisation", "Black-and-White_Fallacy": None,
               "Thought-terminating_Cliches": "loaded_language/slogan", "Bandwagon,Reductio_ad_hitlerum": None,
               "Whataboutism,Straw_Men,Red_Herring": "loaded_language:other_technique",
               "Doubt": "loaded_language:loaded_language"}
    report = run(v1_project, cast["manager"], *WITHIN, mapping=json.dumps(mapping).encode(), partial=True)
    assert report["refused_by_reason"]["dropped by mapping"]["count"] == 4
    assert set(report["refused_by_reason"]) == {"dropped by mapping"}
    by_label = report["imported_by_label"]
    assert by_label["loaded_language:slogan"] == 1 + 1  # a Slogans line, a cliché
    assert by_label["loaded_language:other_technique"] == 1
    assert "loaded_language:doubt_reputation" not in by_label


@pytest.mark.parametrize(("mapping", "message"), [
    (b"[1]", "must be a JSON object"),
    (b"{not json", "not a JSON object"),
    (b'{"Doubt": "loaded_language:nope"}', "'loaded_language:nope' is not a label"),
    (b'{"Doubt": 3}', "target must be"),
])
def test_a_bad_mapping_is_refused_by_field(project, cast, mapping, message):
    with pytest.raises(ImportOptionError, match=message) as refused:
        run(project, cast["manager"], TC_2020, mapping=mapping)
    assert refused.value.field == "mapping"
    assert not Annotation.objects.exists()


def test_si_spans_need_a_span_label(project, cast):
    article = TC_2020 / "article333333333.txt"
    report = run(project, cast["manager"], article, SI_2020)
    assert report["refused_by_reason"]["span without a technique"]["count"] == 6 and not report["saved"]
    report = run(project, cast["manager"], article, SI_2020, span_label="loaded_language:loaded_language")
    assert report["imported_by_label"] == {"loaded_language:loaded_language": 6}
    with pytest.raises(ImportOptionError) as refused:
        run(project, cast["manager"], article, SI_2020, span_label="loaded_language")
    assert refused.value.field == "span_label"


def test_importing_the_same_files_again_adds_nothing(project, cast, needs_crossing):
    run(project, cast["manager"], TC_2020, annotator="semeval-gold")
    before = Annotation.objects.count()
    again = run(project, cast["manager"], TC_2020, annotator="semeval-gold")
    assert again["documents"] == {"created": 0, "matched": 3, "refused": 0}
    assert again["tags"]["skipped"] == before and again["tags"]["imported"] == 0
    assert Annotation.objects.count() == before


def test_label_files_alone_match_documents_by_external_id(project, cast):
    import_article(project=project, name="article222222222.txt",
                   raw=(TC_2020 / "article222222222.txt").read_bytes())
    report = run(project, cast["manager"], TC_2020 / "article222222222.task2-TC.labels")
    assert report["documents"] == {"created": 0, "matched": 1, "refused": 0}
    assert report["tags"]["imported"] == 7
    unknown = run(project, cast["manager"], TC_2020 / "train-task2-TC.labels")
    assert unknown["documents"]["refused"] == 1 and not unknown["saved"]
    assert unknown["refused_by_reason"]["unknown document"]["examples"][0]["where"] == "333333333"
    assert unknown["refused_by_reason"]["document not imported"]["count"] == 10


def test_an_article_with_another_text_under_the_same_id_is_refused(project, cast):
    import_article(project=project, name="article111111111.txt", raw=b"Another title\n\nAnother text.\n")
    report = run(project, cast["manager"], TC_2020 / "article111111111.txt",
                 TC_2020 / "article111111111.task2-TC.labels")
    assert "text differs from the project's document" in report["refused_by_reason"] and not report["saved"]


def test_spans_outside_the_text_are_refused(project, cast):
    files = [InputFile("article5.txt", b"A title\n\nOne sentence here.\n"),
             InputFile("article5.task2-TC.labels", b"5\tDoubt\t9\t12\n5\tDoubt\t12\t99\n5\tDoubt\t4\t4\n")]
    report = import_files(project=project, format_key="semeval-2020", files=files, user=cast["manager"],
                          partial=True)
    assert {reason: [e["where"] for e in entry["examples"]] for reason, entry in report["refused_by_reason"].items()} \
        == {"span outside the text": ["article5.task2-TC.labels:2"], "empty span": ["article5.task2-TC.labels:3"]}
    assert report["tags"]["imported"] == 1


def test_the_importing_user_and_the_annotator_are_checked(project, cast):
    with pytest.raises(ImportOptionError, match="only a manager") as refused:
        run(project, cast["ann1"], TC_2020)
    assert refused.value.field == "user"
    with pytest.raises(ImportOptionError, match="a person's account") as refused:
        run(project, cast["manager"], TC_2020, annotator="outsider")
    assert refused.value.field == "annotator"
    with pytest.raises(ImportOptionError, match="not a valid username"):
        run(project, cast["manager"], TC_2020, annotator="semeval gold")
    report = run(project, cast["manager"], TC_2020 / "article222222222.txt",
                 TC_2020 / "article222222222.task2-TC.labels", annotator="ann1")
    assert report["imported_by_annotator"] == {"ann1": 7} and report["users_created"] == []


def test_required_attributes_are_waived_for_imported_tags_only(project, cast, needs_crossing, label):
    run(project, cast["manager"], TC_2020, annotator="semeval-gold")
    imported = Annotation.objects.filter(label__key="loaded_language").first()
    assert imported.attributes == {}  # "imported, attribute not given"
    made_here = Annotation(project=project, document=imported.document, segment=imported.segment,
                           annotator=cast["ann1"], label=imported.label, start=imported.start, end=imported.end,
                           quote=imported.quote)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="polarity"):
        do_create_tag(annotation=made_here, user=cast["ann1"])


def export(project, user, **params):
    query = "&".join(f"{key}={value}" for key, value in {"format": "semeval", **params}.items())
    response = client_for(user).get(f"/api/projects/{project.pk}/export/?{query}")
    assert response.status_code == 200
    return sorted(b"".join(response.streaming_content).decode().splitlines(keepends=True))


def test_round_trip_semeval_2020_tc_within_sentences(project, cast):
    run(project, cast["manager"], *WITHIN, annotator="semeval-gold")
    assert export(project, cast["manager"], scheme="2020", task="tc") == label_lines(*WITHIN)


def test_round_trip_semeval_2020_tc(project, cast, needs_crossing):
    run(project, cast["manager"], TC_2020, annotator="semeval-gold")
    assert export(project, cast["manager"], scheme="2020", task="tc") == label_lines(TC_2020)


def test_round_trip_semeval_2020_si(project, cast):
    run(project, cast["manager"], TC_2020 / "article333333333.txt", SI_2020,
        span_label="loaded_language:loaded_language", annotator="semeval-gold")
    assert export(project, cast["manager"], scheme="2020", task="si") == label_lines(SI_2020)


def test_round_trip_semeval_2023(project, cast, needs_crossing):
    report = run(project, cast["manager"], SPANS_2023, fmt="semeval-2023", annotator="semeval-gold")
    assert report["tags"]["imported"] == 15
    assert export(project, cast["manager"], scheme="2023") == label_lines(SPANS_2023)


def test_command_prints_the_report_and_fails_with_it_when_refused(project, v1_project, cast, needs_crossing, capsys):
    call_command("import_annotations", str(TC_2020), "--format", "semeval-2020", "--project", project.slug,
                 "--user", "manager", "--annotator", "semeval-gold")
    out = capsys.readouterr().out
    assert "semeval-2020: imported" in out and f"imported {len(label_lines(TC_2020))}" in out
    with pytest.raises(CommandError, match=r"(?s)refused: nothing saved.*no codebook label for the technique: 8"
                                           r".*article111111111.task2-TC.labels:10"):
        call_command("import_annotations", str(TC_2020), "--format", "semeval-2020", "--project", "v1",
                     "--user", "manager")
    with pytest.raises(CommandError, match="dry run: would be refused, nothing saved"):
        call_command("import_annotations", str(TC_2020), "--format", "semeval-2020", "--project", "v1",
                     "--user", "manager", "--dry-run")
    call_command("import_annotations", str(TC_2020), "--format", "semeval-2020", "--project", "v1",
                 "--user", "manager", "--dry-run", "--partial")
    assert "dry run: nothing saved" in capsys.readouterr().out
    assert not Annotation.objects.filter(project=v1_project).exists()


def test_command_names_a_bad_option(project, cast, tmp_path):
    with pytest.raises(CommandError, match="--span-label 'nope'"):
        call_command("import_annotations", str(SI_2020), "--format", "semeval-2020", "--project", project.slug,
                     "--user", "manager", "--span-label", "nope")
    mapping = tmp_path / "mapping.json"
    mapping.write_text("[]")
    with pytest.raises(CommandError, match="--mapping must be a JSON object"):
        call_command("import_annotations", str(TC_2020), "--format", "semeval-2020", "--project", project.slug,
                     "--user", "manager", "--mapping", str(mapping))
    with pytest.raises(CommandError, match="--annotator not used by the json format"):
        call_command("import_annotations", str(mapping), "--project", project.slug, "--user", "manager",
                     "--annotator", "x")


def test_a_sample_with_bad_lines_counts_each_reason(project, cast):
    report = run(project, cast["manager"], MIXED)
    assert not report["saved"] and report["tags"] == {"read": 10, "imported": 6, "skipped": 0, "refused": 4}
    assert not Annotation.objects.exists()
    partial = run(project, cast["manager"], MIXED, partial=True)
    assert partial["tags"] == {"read": 10, "imported": 6, "skipped": 0, "refused": 4}
    assert Annotation.objects.count() == 6
    refused = {reason: [e["where"] for e in entry["examples"]]
               for reason, entry in partial["refused_by_reason"].items()}
    assert refused == {
        "malformed line": ["article555555555.task2-TC.labels:3"],
        "unknown label": ["article555555555.task2-TC.labels:5"],
        "span outside the text": ["article555555555.task2-TC.labels:7"],
        "empty span": ["article555555555.task2-TC.labels:10"],
    }


def test_round_trip_semeval_2020_si_with_overlapping_gold_spans(project, cast, tmp_path):
    # The corpus's SI label files may overlap (the SI scorer merges the gold itself): kept, they come back as they
    # were; merged (the default, as the scorer wants a submission), they come back as their union.
    article = TC_2020 / "article333333333.txt"
    (tmp_path / article.name).write_bytes(article.read_bytes())
    lines = SI_2020.read_text().splitlines(keepends=True)
    (first, start, end), (_, second_start, second_end) = (line.split("\t") for line in lines[:2])
    start, end, second_start, second_end = int(start), int(end), int(second_start), int(second_end)
    extra = [f"{first}\t{start}\t{start + 9}\n", f"{first}\t{end - 5}\t{second_start + 3}\n"]
    gold = tmp_path / "article333333333.task1-SI.labels"
    gold.write_text("".join(lines + extra))
    run(project, cast["manager"], tmp_path, span_label="loaded_language:loaded_language", annotator="semeval-gold")
    assert export(project, cast["manager"], scheme="2020", task="si", overlaps="keep") == sorted(lines + extra)
    merged = export(project, cast["manager"], scheme="2020", task="si")
    assert f"{first}\t{start}\t{second_end}\n" in merged
    assert len(merged) == len(lines) - 1
