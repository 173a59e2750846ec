"""Assignment in Chromium: the manager assigns round-robin, an annotator follows their queue with the n key."""

import pytest
from playwright.sync_api import expect

from annotate.models import Assignment, SegmentProgress
from tests.browser.pages import focused_text, wait_saved
from tests.test_dashboard import make_document

pytestmark = pytest.mark.browser


@pytest.fixture
def three(project):
    project.annotators_per_segment = 1
    project.save()
    return [make_document(project, [f"{title} {n}." for n in range(size)], title=title)[0]
            for title, size in (("A", 3), ("B", 2), ("C", 2))]


def press_n_and_expect(page, text):
    page.keyboard.press("n")
    expect(page.locator(".seg.focus .seg-text")).to_have_text(text)


def test_an_annotator_follows_the_round_robin_assignment_with_next_sentence_and_n(login, cast, project, three,
                                                                                  screenshots):
    a, b, c = three
    manager = login("manager")
    manager.goto(f"/projects/{project.slug}/settings/assignment/")
    manager.select_option("#id_assigning", "round_robin")
    manager.click("text=Save strategy")
    expect(manager.locator(".messages")).to_contain_text("whole documents, round-robin")
    manager.click("#auto-assign")
    expect(manager.locator(".messages")).to_contain_text("3 new document assignments.")

    def cell(title, name):
        header = manager.get_by_role("rowheader", name=title, exact=True)
        row = manager.locator(".assignment-table tbody tr", has=header)
        return row.locator(f'[data-annotator="{name}"]')

    expect(cell("A", "ann1")).to_contain_text("0 / 3")
    expect(cell("A", "ann2")).to_have_text("—")
    expect(cell("B", "ann2")).to_contain_text("0 / 2")
    expect(cell("C", "ann1")).to_contain_text("0 / 2")
    screenshots(manager, "assignment", full_page=True)
    assert sorted(Assignment.objects.values_list("document__title", "annotator__username")) == [
        ("A", "ann1"), ("B", "ann2"), ("C", "ann1")]

    page = login("ann1")
    page.goto(f"/projects/{project.slug}/")
    expect(page.locator("#queue-count")).to_have_text("0 of 5 assigned sentences done, 5 left.")
    screenshots(page, "assignment-queue")
    page.click("text=Next sentence")
    page.wait_for_url(f"**/documents/{a.pk}/#s1")
    expect(page.locator(".seg.focus .seg-text")).to_have_text("A 0.")

    press_n_and_expect(page, "A 1.")
    page.keyboard.press("Enter")  # done, on to A 2
    press_n_and_expect(page, "A 0.")  # the first one left, before this one
    page.keyboard.press("Enter")  # done, on to A 1 (done already)
    press_n_and_expect(page, "A 2.")
    page.keyboard.press("Enter")
    wait_saved(page)
    page.keyboard.press("n")  # nothing left here: B is ann2's, so C
    page.wait_for_url(f"**/documents/{c.pk}/#s1")
    expect(page.locator(".seg.focus .seg-text")).to_have_text("C 0.")
    assert focused_text(page) == "C 0."
    assert SegmentProgress.objects.filter(annotator=cast["ann1"], segment__document=a).count() == 3
    assert page.errors == []

    page.goto(f"/projects/{project.slug}/")
    expect(page.locator("#queue-count")).to_have_text("3 of 5 assigned sentences done, 2 left.")


def test_in_next_free_the_button_asks_for_work_and_n_asks_for_more(login, cast, project, three, monkeypatch):
    monkeypatch.setattr("annotate.assignment.ASK_FOR", 3)
    a, b, c = three
    project.assigning = "next_free"
    project.save()
    page = login("ann2")
    page.goto(f"/projects/{project.slug}/")
    expect(page.locator("#queue-count")).to_have_text("0 of 0 assigned sentences done, 0 left.")
    page.click("text=Next sentence")
    page.wait_for_url(f"**/documents/{a.pk}/#s1")
    assert Assignment.objects.filter(annotator=cast["ann2"]).count() == 3
    for _ in range(3):
        page.keyboard.press("Enter")
    wait_saved(page)
    page.keyboard.press("n")
    page.wait_for_url(f"**/documents/{b.pk}/#s1")
    expect(page.locator(".seg.focus .seg-text")).to_have_text("B 0.")
    assert Assignment.objects.filter(annotator=cast["ann2"]).count() == 6  # asked again: B 0, B 1, C 0
    expect(page.locator("#progress-text")).to_have_text("0 / 2 done")
    page.goto(f"/projects/{project.slug}/documents/{c.pk}/")
    expect(page.locator("#progress-text")).to_have_text("0 / 1 assigned done")  # C 1 is not missing
    assert page.errors == []
