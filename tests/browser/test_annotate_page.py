"""The annotation page's own ways: sentence links from 1, the layer kept, article tags seen, guidelines readable."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import choose_layer, go_to, open_document, wait_saved

pytestmark = pytest.mark.browser


def test_sentence_links_count_from_one_as_the_page_does(login, cast, document):
    page = login("ann1")
    page.goto(f"/projects/{document.project.slug}/documents/{document.pk}/#s1")
    page.wait_for_selector(".seg.focus")
    first = document.segments.order_by("index").first()
    assert page.inner_text(".seg.focus .seg-text") == first.text
    expect(page.locator("#position")).to_contain_text("Sentence 1 of")
    page.keyboard.press("j")
    expect(page.locator("#position")).to_contain_text("Sentence 2 of")
    assert page.evaluate("location.hash") == "#s2"
    page.goto(f"/projects/{document.project.slug}/documents/{document.pk}/#s5")
    page.reload()
    page.wait_for_selector(".seg.focus")
    expect(page.locator("#position")).to_contain_text("Sentence 5 of")
    assert page.inner_text(".seg.focus .seg-text") == document.segments.get(index=4).text
    assert page.errors == []


def test_the_chosen_layer_survives_a_reload(login, cast, document):
    page = login("ann1")
    open_document(page, document)
    choose_layer(page, "Attribution")
    page.reload()
    page.wait_for_selector(".seg.focus")
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Attribution")
    expect(page.locator("#layer-panel")).to_contain_text("Source")
    assert page.errors == []


def in_view(page, selector):
    """Whether the element is wholly inside the window and inside the scrolled panel."""
    return page.evaluate("""(selector) => {
      const el = document.querySelector(selector);
      const box = el.getBoundingClientRect();
      const panel = document.querySelector('.panel').getBoundingClientRect();
      return box.top >= Math.max(0, panel.top) && box.bottom <= Math.min(innerHeight, panel.bottom);
    }""", selector)


def test_an_article_tag_added_is_shown_at_once_where_the_user_is(login, cast, document, screenshots):
    page = login("ann1")
    open_document(page, document)
    go_to(page, "Iranian officials, including")
    choose_layer(page, "Missing perspectives")
    # On an article layer the article's tags come right after its labels, before the sentence's.
    order = page.evaluate("[...document.querySelectorAll('.panel h2')].map((h) => h.id)")
    assert order.index("h-document") < order.index("h-sentence")
    page.keyboard.press("1")  # Counter-perspective missing
    page.keyboard.press("u")  # stakeholder: us government
    page.keyboard.press("Control+Enter")
    wait_saved(page)
    added = "#document-anns .ann.fresh"
    expect(page.locator(added)).to_contain_text("Counter-perspective missing")
    assert in_view(page, added)
    screenshots(page, "annotate-article-tag-added")
    expect(page.locator(added)).to_have_count(0, timeout=8000)  # marked as new for a moment only
    choose_layer(page, "Framing")
    order = page.evaluate("[...document.querySelectorAll('.panel h2')].map((h) => h.id)")
    assert order.index("h-sentence") < order.index("h-document")
    assert page.errors == []


def test_the_guidelines_scroll_to_the_layer_with_its_heading_in_sight(login, cast, document):
    page = login("ann1")
    open_document(page, document)
    for layer in ("Attribution", "Missing perspectives"):
        choose_layer(page, layer)
        page.keyboard.press("g")
        dialog = page.locator("#guidelines")
        expect(dialog).to_be_visible()
        heading = dialog.locator(".gl-layer h3", has_text=re.compile(f"^{layer}"))
        head = dialog.locator(".dialog-head").bounding_box()
        box = heading.bounding_box()
        frame = dialog.bounding_box()
        assert box["y"] >= head["y"] + head["height"], (layer, box, head)
        assert box["y"] + box["height"] <= frame["y"] + frame["height"]
        assert dialog.evaluate("el => el.scrollTop") > 0
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
    assert page.errors == []


@pytest.mark.parametrize(("username", "shown"), [("reviewer", True), ("manager", True), ("ann1", False)])
def test_the_review_link_is_offered_only_to_those_who_may_review(login, cast, document, username, shown):
    page = login(username)
    open_document(page, document)
    link = page.get_by_role("link", name="Review this article")
    if not shown:
        expect(link).to_have_count(0)
        return
    link.click()
    page.wait_for_url(re.compile(rf"/documents/{document.pk}/review/"))
    assert page.title() and page.errors == []
