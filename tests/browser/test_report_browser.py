"""The annotated report in Chromium: served under its no-script policy, laid out with side notes, printable on A4."""

import pytest
from django.contrib.auth import get_user_model

from tests.report_demo import demo_with_gold

pytestmark = pytest.mark.browser

A4_TEXT_WIDTH = 702  # 210 mm less the 12 mm side margins of the print stylesheet, at 96 px to the inch


@pytest.fixture
def report_url(db):
    project = demo_with_gold()
    reviewer = get_user_model().objects.get(username="reviewer")
    reviewer.set_password("pw-reviewer")
    reviewer.save()
    return f"/api/projects/{project.pk}/export/?format=html"


def boxes(page, selector):
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getBoundingClientRect().toJSON())")


def test_report_reads_as_summary_then_text_with_notes_beside_it(login, report_url, screenshots):
    page = login("reviewer")
    response = page.goto(report_url)
    assert response.status == 200 and "script-src" not in response.headers["content-security-policy"]
    assert page.locator("script").count() == 0
    assert page.locator("h2").all_inner_texts() == ["Summary", "The article, annotated", "Key"]
    assert page.locator(".card h3").all_inner_texts() == [
        "DOMINANT FRAMES", "WHO IS QUOTED", "LOADED TERMS", "CLAIMS WITHOUT ATTRIBUTION", "MISSING PERSPECTIVES",
        "THE OUTLET", "AGREEMENT"]
    screenshots(page, "report-summary")
    for width, height in ((1440, 900), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        text, notes = boxes(page, ".text>.para")[0], boxes(page, ".text>.side")[0]
        assert notes["x"] >= text["x"] + text["width"], (width, text, notes)
    page.locator(".para:has(.lk)").first.evaluate("el => el.scrollIntoView({block: 'center'})")
    screenshots(page, "report-links")
    # Each link is drawn in the margin, left of the text, tall enough to see, with its number showing.
    text_left = min(box["x"] for box in boxes(page, ".text>.para"))
    for box in boxes(page, ".lk"):
        assert box["height"] >= 16 and box["x"] < text_left
    assert page.locator(".lk>b").first.is_visible()
    assert page.locator("sup.lkm").count() >= 2 * page.locator(".lk").count()
    assert page.errors == []


def test_report_prints_on_a4_with_notes_beside_the_text(login, report_url, artifacts):
    page = login("reviewer")
    page.goto(report_url)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_TEXT_WIDTH, "height": 1000})
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_TEXT_WIDTH
    text, notes = boxes(page, ".text>.para")[0], boxes(page, ".text>.side")[0]
    assert notes["x"] >= text["x"] + text["width"] and notes["x"] + notes["width"] <= A4_TEXT_WIDTH
    pdf = page.pdf(format="A4", print_background=True)
    (artifacts / "report-a4.pdf").write_bytes(pdf)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pdf.startswith(b"%PDF") and 3 <= pages <= 40, pages


def test_report_on_a_narrow_screen_puts_the_notes_under_each_paragraph(login, report_url):
    page = login("reviewer")
    page.set_viewport_size({"width": 600, "height": 900})
    page.goto(report_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 600
    text, notes = boxes(page, ".text>.para")[0], boxes(page, ".text>.side")[0]
    assert notes["y"] >= text["y"] + text["height"]
