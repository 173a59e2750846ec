"""Saving in Chromium: two annotators at once, blind mode, a stale edit, and a connection that drops."""

import pytest
from playwright.sync_api import expect

from annotate.models import Annotation, SegmentProgress
from annotate.tags import do_edit_tag
from tests.api_helpers import make_span
from tests.browser.pages import choose_layer, open_document, select_words, wait_saved

pytestmark = pytest.mark.browser


def test_two_annotators_tag_at_once_and_blind_mode_hides_each_from_the_other(login, cast, document):
    sentence = document.segments.get(text__startswith="In 2020, when U.S. sanctions").index
    first, second = login("ann1"), login("ann2")
    for page in (first, second):
        open_document(page, document, sentence)
    first.keyboard.press("1")  # Economic
    second.keyboard.press("r")  # External regulation and reputation
    for page, words, polarity in ((first, "lifeline", "p"), (second, "crippled", "n")):
        choose_layer(page, "Loaded language")
        select_words(page, words)
        page.keyboard.press("l")
        page.keyboard.press(polarity)
        page.keyboard.press("Enter")
    for page in (first, second):
        page.keyboard.press("Enter")
    for page in (first, second):
        wait_saved(page)

    mine = {name: set(Annotation.objects.filter(annotator=cast[name]).values_list("label__key", "quote"))
            for name in ("ann1", "ann2")}
    assert mine == {"ann1": {("economic", ""), ("loaded_language", "lifeline")},
                    "ann2": {("external_relations", ""), ("loaded_language", "crippled")}}
    assert SegmentProgress.objects.filter(segment__text__startswith="In 2020, when U.S.").count() == 2

    for page, other in ((first, "crippled"), (second, "lifeline")):
        page.reload()
        page.wait_for_selector(".seg.focus")
        page.keyboard.press("k")
        listed = page.inner_text("#sentence-anns")
        assert other not in listed and len(page.locator("#sentence-anns .ann").all()) == 2
        assert page.locator("#view-options").is_hidden()
        seen = page.request.get(f"/api/annotations/?document={document.pk}").json()["results"]
        assert {a["annotator"] for a in seen} == {"ann1" if page is first else "ann2"}

    reviewer = login("reviewer")
    open_document(reviewer, document, sentence)
    assert reviewer.locator("#sentence-anns .ann").count() == 0
    reviewer.check("#show-all")
    reviewer.check("#by-annotator")
    assert sorted(reviewer.locator("#sentence-anns .by").all_inner_texts()) == ["ann1", "ann1", "ann2", "ann2"]
    expect(reviewer.locator("#legend")).to_contain_text("ann1")
    assert reviewer.locator("#sentence-anns button", has_text="Edit").count() == 0


def test_a_stale_edit_shows_the_conflict_and_reloads_the_sentence(login, cast, project, document, label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    page = login("ann1")
    open_document(page, document, sentence=tag.segment.index)
    do_edit_tag(annotation=tag, changes={"note": "changed in another tab"}, user=cast["ann1"], expected_version=1)

    page.locator("#sentence-anns button", has_text="Edit").click()
    page.fill("#f-note", "my edit")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#message")).to_contain_text("Conflict: “Loaded language” was changed elsewhere")
    expect(page.locator("#sentence-anns .note")).to_have_text("changed in another tab")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "failed")
    tag.refresh_from_db()
    assert (tag.note, tag.version) == ("changed in another tab", 2)

    page.locator("#sentence-anns button", has_text="Edit").click()
    page.fill("#f-note", "my edit, on the saved version")
    page.keyboard.press("Control+Enter")
    wait_saved(page)
    tag.refresh_from_db()
    assert (tag.note, tag.version) == ("my edit, on the saved version", 3)


def test_a_change_made_offline_waits_is_shown_unsaved_and_is_sent_when_back(login, cast, document):
    page = login("ann1")
    # Routed before the page loads: a route added just after a navigation was seldom but sometimes skipped.
    page.route("**/api/annotations/", lambda route: route.abort("internetdisconnected"))
    open_document(page, document)
    page.keyboard.press("1")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "offline")
    expect(page.locator("#save-status")).to_contain_text("Not saved yet")
    expect(page.locator("#sentence-anns .state")).to_have_text("not saved yet")
    assert not Annotation.objects.exists()

    page.unroute("**/api/annotations/")
    page.click("#retry")
    wait_saved(page)
    assert Annotation.objects.get().label.key == "economic"
    expect(page.locator("#sentence-anns .state")).to_have_count(0)


@pytest.mark.parametrize("loss", ["bad-gateway", "connection-reset"])
def test_a_create_whose_answer_is_lost_is_retried_and_makes_one_tag(login, cast, document, loss):
    page = login("ann1")
    posts = []

    def lose_the_first_answer(route):
        if route.request.method != "POST":
            return route.continue_()
        posts.append(route.request.post_data_json)
        if len(posts) > 1:
            return route.continue_()
        route.fetch()  # the server makes the tag; its answer never reaches the page
        if loss == "bad-gateway":
            route.fulfill(status=502, body="Bad gateway")
        else:
            route.abort("connectionreset")

    page.route("**/api/annotations/", lose_the_first_answer)
    open_document(page, document)
    page.keyboard.press("1")  # Economic
    expect(page.locator("#save-status")).to_have_attribute("data-state", "offline")
    assert Annotation.objects.count() == 1
    wait_saved(page)  # the queue retries by itself

    assert len(posts) == 2 and posts[0]["client_key"] == posts[1]["client_key"]
    saved = page.request.get(f"/api/annotations/?document={document.pk}").json()["results"]
    assert [a["label_key"] for a in saved] == ["economic"]
    assert Annotation.objects.get().client_key.hex == posts[0]["client_key"].replace("-", "")
    expect(page.locator("#sentence-anns .ann")).to_have_count(1)
    expect(page.locator("#sentence-anns .ann")).to_have_attribute("data-id", str(saved[0]["id"]))
    expect(page.locator("#sentence-anns .state")).to_have_count(0)

    page.keyboard.press("2")  # another tag: another key
    wait_saved(page)
    assert len(posts) == 3 and posts[2]["client_key"] not in (posts[0]["client_key"], None)
    assert Annotation.objects.count() == 2
    assert page.errors == []


def test_a_reviewers_choice_to_see_every_annotator_survives_a_reload(login, cast, project, document, label, codebook):
    from annotate.importing import import_article
    from annotate.models import Membership, Project

    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    page = login("reviewer")
    open_document(page, document, sentence=tag.segment.index)
    assert not page.is_checked("#show-all")
    expect(page.locator("#sentence-anns .ann")).to_have_count(0)
    page.check("#show-all")
    expect(page.locator("#sentence-anns .by")).to_have_text(["ann1"])

    page.reload()
    page.wait_for_selector(".seg.focus")
    assert page.is_checked("#show-all") and not page.is_checked("#by-annotator")
    expect(page.locator("#sentence-anns .by")).to_have_text(["ann1"])

    other = Project.objects.create(slug="other", name="Other", codebook=codebook, blind=True)
    Membership.objects.create(project=other, user=cast["reviewer"], role="reviewer")
    elsewhere = import_article(project=other, name="other.txt", raw=b"Other news\n\nA plain sentence.\n").document
    open_document(page, elsewhere)
    assert not page.is_checked("#show-all")  # each project keeps its own choice

    open_document(page, document, sentence=tag.segment.index)
    page.uncheck("#show-all")
    page.reload()
    page.wait_for_selector(".seg.focus")
    assert not page.is_checked("#show-all")
    expect(page.locator("#sentence-anns .ann")).to_have_count(0)
