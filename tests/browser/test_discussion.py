"""In Chromium: a sentence's discussion on the annotation page, read by a reviewer there and on the review page."""

import pytest
from playwright.sync_api import expect

from annotate.models import SegmentComment
from tests.browser.pages import open_document

pytestmark = pytest.mark.browser

HOSTILE = "Is “lifeline” the author's word? <img src=x onerror=alert(1)>"


def watch_dialogs(page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def test_an_annotator_comments_and_the_reviewer_reads_it_on_both_pages(login, cast, project, document, artifacts):
    sentence = document.segments.get(text__startswith="In 2020, when U.S. sanctions")
    page = login("ann1")
    dialogs = watch_dialogs(page)
    open_document(page, document, sentence.index)
    expect(page.locator("#discussion summary")).to_have_text("Discussion (0) m")
    assert page.locator("#discussion").evaluate("d => !d.open")

    page.keyboard.press("m")
    expect(page.locator("#comment-text")).to_be_focused()
    expect(page.locator("#comments")).to_have_text("No comments on this sentence yet.")
    page.keyboard.type(HOSTILE)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#comments .comment-text")).to_have_text(HOSTILE)
    expect(page.locator("#comments .comment-head strong")).to_have_text("ann1")
    expect(page.locator("#comment-count")).to_have_text("1")
    expect(page.locator("#comment-text")).to_have_value("")
    comment = SegmentComment.objects.get()
    assert (comment.segment, comment.author, comment.text) == (sentence, cast["ann1"], HOSTILE)

    page.keyboard.press("Escape")  # back to the sentence; the open thread follows the focus
    expect(page.locator(".seg.focus")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator("#comment-count")).to_have_text("0")
    expect(page.locator("#comments")).to_have_text("No comments on this sentence yet.")
    page.keyboard.press("k")
    expect(page.locator("#comments .comment-text")).to_have_text(HOSTILE)

    reviewer = login("reviewer")
    reviewer_dialogs = watch_dialogs(reviewer)
    reviewer.goto(f"/projects/{project.slug}/documents/{document.pk}/review/#s{sentence.index + 1}")
    thread = reviewer.locator("#rv-discussion")
    expect(thread.locator("summary")).to_have_text("Discussion (1) m")
    thread.locator("summary").click()
    expect(thread.locator(".rv-comments")).to_contain_text(HOSTILE)

    open_document(reviewer, document, sentence.index)
    expect(reviewer.locator("#comment-count")).to_have_text("1")
    reviewer.locator("#discussion summary").focus()
    reviewer.keyboard.press("Enter")  # the summary opens the thread from the keyboard too
    expect(reviewer.locator("#comments .comment-text")).to_have_text(HOSTILE)
    reviewer.fill("#comment-text", "Yes: the author's.\nKeep the tag.")
    reviewer.get_by_role("button", name="Post comment").click()
    expect(reviewer.locator("#comments .comment")).to_have_count(2)
    expect(reviewer.locator("#comment-count")).to_have_text("2")
    reviewer.screenshot(path=str(artifacts / "annotation-discussion.png"))

    page.locator("#discussion summary").click()  # closed and opened again: read afresh
    page.locator("#discussion summary").click()
    expect(page.locator("#comments .comment-text")).to_have_text([HOSTILE, "Yes: the author's.\nKeep the tag."])
    for p, seen in ((page, dialogs), (reviewer, reviewer_dialogs)):
        assert p.locator("#discussion img").count() == 0
        assert seen == [] and p.errors == []


def test_an_empty_or_failed_comment_is_not_lost(login, cast, document):
    page = login("ann2")
    offline = [True]
    page.route("**/api/segments/*/comments/", lambda route: route.abort("internetdisconnected")
               if route.request.method == "POST" and offline[0] else route.continue_())
    open_document(page, document)
    page.keyboard.press("m")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#comment-error")).to_have_text("Write a comment first: nothing was sent.")

    page.keyboard.type("Which government is meant here?")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#comment-error")).to_contain_text("Comment not posted: no connection to the server")
    expect(page.locator("#comment-text")).to_have_value("Which government is meant here?")
    assert not SegmentComment.objects.exists()

    offline[0] = False
    page.keyboard.press("Control+Enter")
    expect(page.locator("#comments .comment-text")).to_have_text("Which government is meant here?")
    expect(page.locator("#comment-error")).to_have_text("")
    assert SegmentComment.objects.get().text == "Which government is meant here?"
    assert page.errors == []
