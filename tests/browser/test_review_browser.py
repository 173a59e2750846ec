"""In Chromium: a reviewer settles a disputed sentence, and the gold HTML export shows the outcome."""

import pytest

from annotate.models import Annotation, SegmentProgress
from tests.api_helpers import make_span

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def disputed(project, document, cast, label):
    """ann1 marks 'lifeline', ann2 marks 'crippled' in the same sentence: they disagree."""
    lifeline = make_span(project, document, cast["ann1"], label, "lifeline")
    crippled = make_span(project, document, cast["ann2"], label, "crippled", attributes={"polarity": "negative"})
    for annotator in (cast["ann1"], cast["ann2"]):
        SegmentProgress.objects.create(segment=lifeline.segment, annotator=annotator)
    return lifeline, crippled


def test_reviewer_accepts_one_tag_rejects_the_other_and_gold_html_shows_it(login, project, document, disputed):
    lifeline, crippled = disputed
    page = login("reviewer")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/review/")
    row = f"tr#s{lifeline.segment.index}"
    assert page.locator(f"{row} .rv-tag.differs").count() == 2
    assert page.locator(f"{row} .rv-score").inner_text().startswith("1.00")

    page.fill(f"{row} input[name=note]", "the clearer loaded word")
    page.locator(row).get_by_role("button", name="Accept Loaded language by ann1").click()
    page.wait_for_load_state()
    assert "accepted" in page.locator(".rv-message").inner_text()
    page.locator(row).get_by_role("button", name="Reject Loaded language by ann2").click()
    page.wait_for_load_state()
    assert "rejected" in page.locator(".rv-message").inner_text()
    gold = page.locator(f"{row} .rv-gold").inner_text()
    assert "lifeline" in gold and "from ann1" in gold and "the clearer loaded word" in gold
    assert Annotation.objects.get(pk=lifeline.pk).status == "accepted"
    assert Annotation.objects.get(pk=crippled.pk).status == "rejected"

    page.get_by_role("link", name="Gold version (HTML export)").click()
    page.wait_for_load_state()
    marks = page.locator("mark").all_inner_texts()
    assert "lifeline" in marks and "crippled" not in marks
    assert page.errors == []
