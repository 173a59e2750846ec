"""In Chromium: gold tags on the annotation page are shown as gold and no key, button or form changes them."""

import re

import pytest
from playwright.sync_api import expect

from annotate.gold import assert_gold_consistent
from annotate.models import Annotation
from annotate.reviewing import review_annotations
from tests.api_helpers import create_tag, make_span
from tests.browser.pages import choose_layer, open_document, wait_saved

pytestmark = pytest.mark.browser

SENTENCE = "In 2020, when U.S."
ACCEPTED = re.compile(r"Gold · accepted by reviewer on \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d")


def accepted(project, document, cast, label, layer, key):
    """Return the gold copy of a sentence tag that ann1 gave and the reviewer accepted."""
    segment = document.segments.get(text__startswith=SENTENCE)
    tag = create_tag(project=project, document=document, segment=segment, annotator=cast["ann1"],
                     label=label(layer, key), attributes={})
    return accept(tag, cast)


def accept(tag, cast):
    review_annotations(reviewer=cast["reviewer"], items=[(tag.pk, tag.version)], action="accept")
    return Annotation.objects.get(gold=True, provenance=tag)


def gold_item(page, name):
    return page.locator("#sentence-anns .ann.gold", has_text=name)


def assert_unchanged(gold, project):
    kept = Annotation.objects.get(pk=gold.pk)
    assert (kept.gold, kept.status, kept.label_id, kept.version) == (True, "accepted", gold.label_id, gold.version)
    assert (kept.annotator.username, kept.reviewer.username, kept.reviewed_at) == ("reviewer", "reviewer",
                                                                                  gold.reviewed_at)
    assert list(kept.provenance.values_list("annotator__username", flat=True)) == ["ann1"]
    assert_gold_consistent(project)


def test_reviewer_sees_gold_sentence_tags_as_gold_and_their_label_keys_leave_them_alone(
        login, cast, project, document, label):
    economic = accepted(project, document, cast, label, "framing", "economic")
    biased = accepted(project, document, cast, label, "sentence_bias", "biased")
    page = login("reviewer")
    open_document(page, document, sentence=economic.segment.index)

    item = gold_item(page, "Economic")
    expect(item).to_be_visible()
    expect(item.locator(".gold-badge")).to_have_text("Gold")
    expect(item.locator(".provenance")).to_contain_text(ACCEPTED)
    expect(item.locator(".provenance")).to_contain_text("read-only")
    expect(item.get_by_role("button")).to_have_count(0)
    expect(page.locator(".seg.focus .seg-tags .mini.gold")).to_have_count(2)
    expect(page.get_by_role("button", name=re.compile("Economic", re.I)).and_(
        page.locator("[aria-pressed]"))).to_have_attribute("aria-pressed", "false")

    page.keyboard.press("1")  # Framing: Economic, given in gold but not by the reviewer
    wait_saved(page)
    choose_layer(page, "Sentence bias")
    page.keyboard.press("n")  # Not biased: one label a sentence, but the gold "Biased" is not the reviewer's
    wait_saved(page)

    assert_unchanged(economic, project)
    assert_unchanged(biased, project)
    own = Annotation.objects.filter(annotator=cast["reviewer"], gold=False)
    assert sorted(own.values_list("label__key", "status")) == [("economic", "pending"), ("non_biased", "pending")]
    expect(page.locator("#sentence-anns .ann.gold")).to_have_count(2)
    expect(page.locator("#sentence-anns .ann:not(.gold)").get_by_role("button", name="Delete")).to_have_count(2)
    expect(page.locator("#save-status")).to_have_text("All changes saved")
    assert not page.errors


def test_a_gold_span_is_listed_as_gold_and_its_highlight_differs_from_an_own_span(
        login, cast, project, document, label):
    gold = accept(make_span(project, document, cast["ann1"], label, "lifeline"), cast)
    make_span(project, document, cast["reviewer"], label, "crippled", attributes={"polarity": "negative"})
    page = login("reviewer")
    open_document(page, document, sentence=gold.segment.index)

    item = gold_item(page, "Loaded language")
    expect(item).to_contain_text("“lifeline”")
    expect(item.locator(".provenance")).to_contain_text(ACCEPTED)
    expect(item.get_by_role("button")).to_have_count(0)
    marked = page.locator(f".seg.focus .piece[data-ann='{gold.pk}']")
    own = page.locator(".seg.focus .piece", has_text="crippled")
    expect(marked).to_have_class(re.compile(r"\bgold\b"))
    expect(own).not_to_have_class(re.compile(r"\bgold\b"))
    assert marked.get_attribute("data-tag").startswith("★")
    assert not own.get_attribute("data-tag").startswith("★")
    assert "accepted by reviewer" in marked.get_attribute("title")
    shadow = "el => getComputedStyle(el).boxShadow"
    assert marked.evaluate(shadow) != own.evaluate(shadow)
    assert_unchanged(gold, project)
    assert not page.errors


def test_an_annotator_in_an_open_project_sees_gold_as_gold_and_cannot_change_it(
        login, cast, project, document, label):
    project.blind = False
    project.save()
    economic = accepted(project, document, cast, label, "framing", "economic")
    page = login("ann2")
    open_document(page, document, sentence=economic.segment.index)
    page.check("#show-all")
    page.keyboard.press("Escape")

    item = gold_item(page, "Economic")
    expect(item.locator(".provenance")).to_contain_text(ACCEPTED)
    expect(item.get_by_role("button")).to_have_count(0)
    page.keyboard.press("1")
    wait_saved(page)
    page.keyboard.press("1")  # toggles ann2's own tag off again, never the gold one
    wait_saved(page)

    assert_unchanged(economic, project)
    assert not Annotation.objects.filter(annotator=cast["ann2"]).exists()
    expect(gold_item(page, "Economic")).to_have_count(1)
    assert not page.errors


def test_a_refused_save_keeps_the_header_on_not_saved_after_a_later_save_succeeds(login, cast, document):
    page = login("ann1")
    refusals = []

    def refuse_first_create(route):
        if route.request.method == "POST" and not refusals:
            refusals.append(route.request.url)
            return route.fulfill(status=403, content_type="application/json",
                                 body='{"detail": "You do not have permission to perform this action."}')
        return route.continue_()

    page.route("**/api/annotations/", refuse_first_create)
    open_document(page, document)
    page.keyboard.press("1")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "failed")
    page.keyboard.press("2")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "failed")
    expect(page.locator("#save-status")).to_contain_text("“Economic” was not saved: You do not have permission")
    assert list(Annotation.objects.values_list("label__key", flat=True)) == ["capacity_resources"]

    page.get_by_role("button", name="Dismiss the unsaved changes notice").click()
    wait_saved(page)
