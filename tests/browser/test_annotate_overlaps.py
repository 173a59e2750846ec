"""Overlapping spans on the annotation page: told apart in the text, named on hover and on focus, never repeated."""

import re

import pytest
from playwright.sync_api import expect

from annotate.models import Annotation
from tests.api_helpers import make_span
from tests.browser.pages import choose_layer, open_document, select_words, wait_saved

pytestmark = pytest.mark.browser

SENTENCE = "In 2020, when U.S."


@pytest.fixture
def overlapping(project, document, cast, label):
    """Three spans of ann1 over "lifeline": two layers, one nested in the other, and a third label inside."""
    return [
        make_span(project, document, cast["ann1"], label, "lifeline"),
        make_span(project, document, cast["ann1"], label, "a lifeline", key="appeal_to_values"),
        make_span(project, document, cast["ann1"], label, "lifeline, 2.35 million barrels", layer="attribution",
                  key="content"),
    ]


def test_each_span_is_numbered_and_named_in_the_list_with_no_abbreviation_chips(login, document, overlapping,
                                                                                screenshots):
    page = login("ann1")
    open_document(page, document, overlapping[0].segment.index)
    entries = page.locator("#sentence-anns .ann")
    expect(entries).to_have_count(3)
    assert entries.locator(".num").all_inner_texts() == ["1", "2", "3"]
    first = entries.nth(0)  # by layer, then by where the words start
    expect(first.locator("strong")).to_have_text("Appeal to values")
    expect(first.locator(".quote")).to_have_text("“a lifeline”")
    expect(first.locator(".you")).to_have_text("by you")
    # In the text each span ends in its number; labels are never abbreviated into chips.
    tags = page.locator(".seg.focus .piece[data-tag]").evaluate_all("ps => ps.map((p) => p.dataset.tag)")
    assert sorted(" ".join(tags).split()) == ["1", "2", "3"]
    assert all(re.fullmatch(r"★?\d+( ★?\d+)*", tag) for tag in tags)
    # Different layers keep different underlines, nested spans each their own lane.
    lifeline = page.locator(".seg.focus .piece", has_text=re.compile(r"^lifeline$"))
    assert lifeline.evaluate("el => getComputedStyle(el).backgroundImage").count("gradient") == 3
    assert page.locator(".seg:not(.focus) .piece[data-tag]").count() == 0
    screenshots(page, "annotate-overlapping-spans")
    assert page.errors == []


def test_labels_are_named_on_hover_over_the_words_and_on_keyboard_focus_in_the_list(login, document, overlapping):
    page = login("ann1")
    open_document(page, document, overlapping[0].segment.index)
    tip = page.locator("#mark-tip")
    expect(tip).to_be_hidden()
    page.locator(".seg.focus .piece", has_text=re.compile(r"^lifeline$")).hover()
    expect(tip).to_be_visible()
    assert sorted(tip.locator("strong").all_inner_texts()) == ["Appeal to values", "Content", "Loaded language"]
    page.mouse.move(5, 5)
    expect(tip).to_be_hidden()

    page.keyboard.press("Escape")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#sentence-anns .ann')"):
            break
    else:
        raise AssertionError("Tab never reached the sentence's list")
    expect(tip).to_be_visible()
    expect(tip.locator("strong")).to_have_text("Appeal to values")
    expect(page.locator(".seg.focus .piece.hl")).to_have_count(2)  # "a " and "lifeline"
    page.keyboard.press("Tab")  # the entry's Edit button: still inside the entry
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the next entry
    expect(tip.locator("strong")).to_have_text("Loaded language")
    # A save that lands redraws the list; the keyboard user stays on the same entry.
    page.keyboard.press("1")  # Framing: Economic, on the sentence
    wait_saved(page)
    expect(page.locator("#sentence-anns .ann", has_text="Economic")).to_have_count(1)
    assert page.evaluate("document.activeElement.dataset.id") == str(overlapping[0].pk)
    assert page.errors == []


def test_the_same_span_again_is_refused_with_a_message_and_saved_once(login, cast, document):
    page = login("ann1")
    open_document(page, document, document.segments.get(text__startswith="Iranian officials, including").index)
    choose_layer(page, "Attribution")
    select_words(page, "Mohammad Bagher Ghalibaf")
    page.keyboard.press("s")
    wait_saved(page)
    page.keyboard.press("Escape")
    select_words(page, "Mohammad Bagher Ghalibaf")
    page.keyboard.press("s")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "failed")
    expect(page.locator("#message")).to_contain_text("“Source” on “Mohammad Bagher Ghalibaf” was not saved")
    expect(page.locator("#message")).to_contain_text("already tagged these words")
    expect(page.locator("#sentence-anns .ann")).to_have_count(1)
    assert Annotation.objects.filter(annotator=cast["ann1"]).count() == 1
    assert page.errors == []
