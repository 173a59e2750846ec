"""In Chromium: an annotator who follows a reviewer's link is told why it is refused and finds the way on."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_annotator_on_a_review_link_reads_why_and_goes_on_to_annotate(login, cast, project, document, screenshots):
    page = login("ann1")
    response = page.goto(f"/projects/{project.slug}/documents/{document.pk}/review/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You can’t open this page")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Only reviewers and managers of this project may review tags.")
    expect(page.get_by_role("navigation", name="Account")).to_be_visible()
    screenshots(page, "refused-review-link")
    page.get_by_role("link", name=f"Annotate “{document.title}”").click()
    page.wait_for_selector(".seg.focus")
    assert urlsplit(page.url).path == f"/projects/{project.slug}/documents/{document.pk}/"


def test_a_missing_page_keeps_the_navigation_and_leads_back(login, cast, project):
    page = login("ann1")
    assert page.goto("/projects/no-such-project/").status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="Your projects").click()
    expect(page.get_by_role("link", name=project.name)).to_be_visible()
