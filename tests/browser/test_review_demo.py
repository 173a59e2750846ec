"""In Chromium: the demo article with the sample tags on the review page, read the way an editor reviews it."""

import pytest
from playwright.sync_api import expect

from annotate.demo import create_demo
from annotate.models import Segment
from annotate.sample_annotations import add_sample_annotations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ECHOED = "Iranian officials, including"


@pytest.fixture
def demo(db):
    project, passwords = create_demo(reset_passwords=True)
    add_sample_annotations(project)
    return project, passwords


def test_demo_review_page_names_overlapping_spans_and_draws_links(login, demo, screenshots):
    project, passwords = demo
    document = project.documents.get()
    sentence = Segment.objects.get(document=document, text__startswith=ECHOED)
    page = login("reviewer", passwords["reviewer"])
    response = page.goto(f"/projects/{project.slug}/documents/{document.pk}/review/#s{sentence.index + 1}")
    assert len(response.body()) < 60_000  # the old one-table page was 293 KB for this article
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#rv-position")).to_have_text(f"Sentence {sentence.index + 1} of "
                                                      f"{document.segments.count()}")
    expect(page.locator(".rv-row")).to_have_count(3)  # annotator1, annotator2, gold
    row = page.locator('.rv-row[data-person="annotator1"]')
    # Attribution links drawn in place, readable without hovering, one per end.
    expect(row.locator(".lk-path.lk-source")).to_have_count(2)
    expect(row.locator(".lk-path.lk-cue")).to_have_count(2)
    # Overlapping spans of different layers: a piece under two spans names both, and no abbreviation chips.
    overlapped = row.locator(".rv-piece[data-ids*=' ']").first
    assert len(overlapped.get_attribute("title").splitlines()) >= 2
    assert "·" not in row.locator(".rv-line").first.inner_text()
    # Every span is named in the per-sentence list of tags, with attributes by their names.
    expect(page.locator('.rv-column[aria-label="Tags by annotator1"] .rv-card')).not_to_have_count(0)
    expect(page.locator(".rv-card .rv-attrs").first).to_be_visible()
    expect(page.locator(".rv-card").first).to_be_focused()
    expect(page.locator(".rv-pill.rv-hl")).not_to_have_count(0)  # a sentence label: its pill is outlined
    for _ in range(4):  # on to a span: its name is written over its words while the tag has the focus
        if page.locator(".rv-flag").count():
            break
        page.keyboard.press("n")
    expect(page.locator(".rv-flag")).to_contain_text("annotator1")
    expect(page.locator(".rv-piece.rv-hl")).not_to_have_count(0)
    screenshots(page, "review-page")
    page.keyboard.press("e")
    expect(page.locator("#rv-pick")).to_be_focused()
    screenshots(page, "review-edit")
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.locator("#rv-keys")).to_be_visible()
    screenshots(page, "review-keys")
    page.keyboard.press("Escape")
    assert page.errors == []
