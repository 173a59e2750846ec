"""Attribution drawn on the annotation page: links from content to source and cue, and the link form's first choice."""

import re

import pytest
from playwright.sync_api import expect

from annotate.demo import create_demo
from annotate.models import Annotation
from annotate.sample_annotations import add_sample_annotations
from annotate.tags import write_path
from tests.api_helpers import create_tag
from tests.browser.pages import choose_layer, open_document, select_words, wait_saved

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(db):
    project, passwords = create_demo()
    add_sample_annotations(project)
    return project, project.documents.get(), passwords


def paths(page, kind):
    return page.locator(f"#article svg.lk-layer path.lk-path.lk-{kind}")


def test_the_demo_article_draws_every_link_of_mine_with_readable_labels_and_screenshots(login, demo, screenshots):
    project, document, passwords = demo
    relations = Annotation.objects.filter(project=project, annotator__username="annotator1",
                                          label__layer__scope="relation")
    assert relations.count() >= 5
    page = login("annotator1", passwords["annotator1"])
    sentence = document.segments.get(text__startswith="Iranian officials, including")
    open_document(page, document, sentence.index)
    expect(paths(page, "source")).to_have_count(relations.count())
    expect(paths(page, "cue")).to_have_count(relations.exclude(relation_cue=None).count())
    labels = page.locator("#article svg.lk-layer text.lk-label")
    assert set(labels.all_text_contents()) == {"source", "cue"}
    # Readable without hovering: the label is painted, not a tooltip.
    assert labels.first.evaluate("el => getComputedStyle(el).fontSize") == "11px"
    choose_layer(page, "Attribution")
    screenshots(page, "annotate-demo-links")
    assert page.errors == []


def attribution(project, document, annotator, label, words, key, startswith):
    segment = document.segments.get(text__startswith=startswith)
    start = segment.text.index(words)
    return create_tag(project=project, document=document, segment=segment, annotator=annotator,
                      label=label("attribution", key), start=start, end=start + len(words), quote=words)


def test_a_link_between_sentences_runs_in_the_margin_and_goes_with_a_deleted_end(login, cast, project, document,
                                                                                 label):
    source = attribution(project, document, cast["ann1"], label, "Mohammad Bagher Ghalibaf", "source",
                         "Iranian officials, including")
    content = attribution(project, document, cast["ann1"], label, "Their diplomatic coordination", "content",
                          "Their diplomatic coordination")
    create_tag(project=project, document=document, annotator=cast["ann1"],
               label=label("attribution_relation", "attributed_to"), relation_content=content,
               relation_source=source, attributes={"form": "paraphrase"})
    page = login("ann1")
    open_document(page, document, source.segment.index)
    expect(paths(page, "source")).to_have_count(1)
    # Ends on different lines: a curve out into the left margin (a straight run along it), not an arc.
    d = paths(page, "source").get_attribute("d")
    assert min(float(x) for x, _ in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)) < 36  # in the 2.25rem margin
    expect(page.locator("#article text.lk-label")).to_have_text("source")

    page.locator(f"#sentence-anns .ann[data-id='{source.pk}']").get_by_role("button", name="Delete").click()
    wait_saved(page)
    expect(paths(page, "source")).to_have_count(0)
    assert not Annotation.objects.filter(label__layer__scope="relation").exists()
    assert page.errors == []


def chosen(page, role):
    return page.locator(f"#f-{role} option:checked").inner_text()


def test_the_link_form_starts_from_the_spans_just_made_then_from_a_span_clicked(login, cast, document):
    page = login("ann1")
    open_document(page, document, document.segments.get(text__startswith="Iranian officials, including").index)
    choose_layer(page, "Attribution")
    for phrase, key in [("Iranian officials", "s"), ("this sentiment", "t"), ("Mohammad Bagher Ghalibaf", "s"),
                        ("true allies stand together in hardship", "t")]:
        select_words(page, phrase)
        page.keyboard.press(key)
    wait_saved(page)
    choose_layer(page, "Attributed to")
    page.keyboard.press("r")
    expect(page.locator("#form-dialog")).to_be_visible()
    assert chosen(page, "content").endswith("“true allies stand together in hardship”")
    assert chosen(page, "source").endswith("“Mohammad Bagher Ghalibaf”")
    page.keyboard.press("Escape")
    expect(page.locator("#form-dialog")).to_be_hidden()
    expect(paths(page, "source")).to_have_count(0)

    page.locator(".seg.focus .piece", has_text="Iranian officials").first.click()
    page.keyboard.press("r")
    assert chosen(page, "source").endswith("“Iranian officials”")
    assert chosen(page, "content").endswith("“true allies stand together in hardship”")
    page.keyboard.press("d")  # form: direct quote
    page.keyboard.press("Enter")
    wait_saved(page)
    expect(paths(page, "source")).to_have_count(1)
    relation = Annotation.objects.get(label__layer__scope="relation")
    assert (relation.relation_source.quote, relation.relation_content.quote) == (
        "Iranian officials", "true allies stand together in hardship")
    assert page.errors == []


def test_a_source_nested_in_its_content_still_gets_a_link_between_two_points(login, cast, project, document, label):
    start = "Iranian officials, including"
    content = attribution(project, document, cast["ann1"], label,
                          "Mohammad Bagher Ghalibaf, have echoed this sentiment", "content", start)
    source = attribution(project, document, cast["ann1"], label, "Mohammad Bagher Ghalibaf", "source", start)
    create_tag(project=project, document=document, annotator=cast["ann1"],
               label=label("attribution_relation", "attributed_to"), relation_content=content,
               relation_source=source, attributes={"form": "paraphrase"})
    page = login("ann1")
    open_document(page, document, source.segment.index)
    expect(paths(page, "source")).to_have_count(1)
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", paths(page, "source").get_attribute("d"))]
    begin, end = numbers[:2], numbers[-2:]
    assert abs(begin[0] - end[0]) + abs(begin[1] - end[1]) > 20, (begin, end)
    # The source's words carry both spans; the link leaves the content where the source is not.
    assert page.locator(".seg.focus .piece[data-ann]", has_text="have echoed").get_attribute(
        "data-ann") == str(content.pk)
    assert page.errors == []


def link_selected_source(page, document):
    """Select the source's words, open the link form and return the API writes the page sends."""
    writes = []
    page.on("request", lambda request: writes.append(request.url.split("/api/")[-1])
            if "/api/" in request.url and request.method != "GET" else None)
    open_document(page, document, document.segments.get(text__startswith="Iranian officials, including").index)
    choose_layer(page, "Attributed to")
    select_words(page, "Mohammad Bagher Ghalibaf")
    page.keyboard.press("r")
    expect(page.locator("#form-dialog")).to_be_visible()
    assert chosen(page, "source") == "New span: the selected “Mohammad Bagher Ghalibaf”"
    assert chosen(page, "content").endswith("“this sentiment”")
    page.keyboard.press("d")  # form: direct quote
    return writes


def test_linking_selected_words_as_the_source_makes_the_span_and_the_link_in_one_request(login, cast, project,
                                                                                         document, label):
    content = attribution(project, document, cast["ann1"], label, "this sentiment", "content",
                          "Iranian officials, including")
    page = login("ann1")
    writes = link_selected_source(page, document)
    page.keyboard.press("Enter")
    wait_saved(page)
    assert writes == ["annotations/batch/"]
    relation = Annotation.objects.get(label__layer__scope="relation")
    assert (relation.relation_content, relation.relation_source.quote) == (content, "Mohammad Bagher Ghalibaf")
    assert relation.relation_source.label.key == "source"
    expect(paths(page, "source")).to_have_count(1)
    assert page.errors == []


def test_a_refused_link_saves_neither_the_span_nor_the_link_and_says_why(login, cast, project, document, label):
    content = attribution(project, document, cast["ann1"], label, "this sentiment", "content",
                          "Iranian officials, including")
    page = login("ann1")
    writes = link_selected_source(page, document)
    with write_path():  # deleted meanwhile, from another tab
        content.delete()
    page.keyboard.press("Enter")
    status = page.locator("#save-status")
    expect(status).to_have_attribute("data-state", "failed")
    expect(status).to_contain_text(
        "“Source” on “Mohammad Bagher Ghalibaf” and its link were not saved: relation content")
    assert writes == ["annotations/batch/"]
    assert not Annotation.objects.exists()
    expect(page.locator(".seg.focus .piece[data-ann]", has_text="Ghalibaf")).to_have_count(0)
    assert page.errors == []
