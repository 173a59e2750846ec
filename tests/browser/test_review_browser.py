"""In Chromium: the reviewer's workspace, used by keyboard: decisions, edits, filters, links, stale versions."""

import re

import pytest
from playwright.sync_api import expect

from annotate.gold import assert_gold_consistent
from annotate.models import Annotation, SegmentComment, SegmentProgress
from annotate.tags import do_edit_tag
from tests.api_helpers import create_tag, link_across, make_span

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIFELINE = "In 2020, when U.S."
ECHOED = "Iranian officials"


def open_review(page, document, where=""):
    page.goto(f"/projects/{document.project.slug}/documents/{document.pk}/review/{where}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def status(page):
    return page.locator("#rv-status")


def wait_saved(page, text):
    expect(status(page)).to_contain_text(text)
    expect(status(page)).to_have_attribute("data-state", "saved")


@pytest.fixture
def disputed(project, document, cast, label):
    """ann1 marks 'lifeline', ann2 marks 'crippled' in the same sentence: they disagree."""
    lifeline = make_span(project, document, cast["ann1"], label, "lifeline")
    crippled = make_span(project, document, cast["ann2"], label, "crippled",
                         attributes={"polarity": "negative", "voice": "quoted_source"})
    for annotator in (cast["ann1"], cast["ann2"]):
        SegmentProgress.objects.create(segment=lifeline.segment, annotator=annotator)
    return lifeline, crippled


@pytest.fixture
def linked(project, document, cast, label):
    """ann1 links content in one sentence to its source in the next; ann2 tags the content only."""
    content, source, relation = link_across(project, document, cast["ann1"], label, words=2,
                                            attributes={"form": "paraphrase", "affiliation": "government_own"})
    other = make_span(project, document, cast["ann2"], label, content.quote, layer="attribution", key="content",
                      startswith=content.segment.text[:30])
    return content, source, relation, other


def test_reviewer_accepts_and_rejects_by_keys_without_reloading_and_gold_html_shows_it(login, project, document,
                                                                                      disputed):
    lifeline, crippled = disputed
    page = login("reviewer")
    open_review(page, document, f"#s{lifeline.segment.index + 1}")
    expect(page.locator("#rv-position")).to_have_text(f"Sentence {lifeline.segment.index + 1} of "
                                                      f"{document.segments.count()}")
    expect(page.locator(".rv-card.differs")).to_have_count(2)
    expect(page.locator(".rv-card.differs .rv-differs").first).to_have_text("1 of 2")
    expect(page.locator("#rv-state")).to_contain_text("disagreement 1.00")
    # Attributes by their declared names and values, never raw keys.
    expect(page.locator(f'.rv-card[data-id="{crippled.pk}"] .rv-attrs')).to_contain_text("Voice")
    expect(page.locator(f'.rv-card[data-id="{crippled.pk}"] .rv-attrs')).to_contain_text("quoted source")
    page.evaluate("window.notReloaded = true")

    expect(page.locator(f'.rv-card[data-id="{lifeline.pk}"]')).to_be_focused()
    expect(page.locator(".rv-flag")).to_have_text("Loaded language · ann1")
    page.keyboard.press("Shift+N")
    page.keyboard.type("the clearer loaded word")
    page.keyboard.press("Enter")
    page.keyboard.press("a")
    wait_saved(page, "Accepted: Loaded language by ann1")
    expect(page.locator(f'.rv-card[data-id="{crippled.pk}"]')).to_be_focused()
    page.keyboard.press("r")
    wait_saved(page, "Rejected: Loaded language by ann2")
    gold = page.locator(".rv-goldcard")
    expect(gold).to_contain_text("lifeline")
    expect(gold).to_contain_text("from ann1 · accepted by reviewer")
    expect(gold).to_contain_text("the clearer loaded word")
    assert page.evaluate("window.notReloaded") is True
    assert Annotation.objects.get(pk=lifeline.pk).status == "accepted"
    assert Annotation.objects.get(pk=crippled.pk).status == "rejected"
    expect(page.locator("#rv-list a[aria-current]")).to_contain_text("✓")

    page.keyboard.press("n")  # back to the first tag, then un-accept it
    page.keyboard.press("p")
    expect(page.locator(f'.rv-card[data-id="{lifeline.pk}"]')).to_be_focused()
    page.keyboard.press("u")
    wait_saved(page, "Un-accepted")
    assert Annotation.objects.get(pk=lifeline.pk).status == "pending"
    assert not Annotation.objects.filter(gold=True).exists()
    page.keyboard.press("a")
    wait_saved(page, "Accepted")

    page.get_by_role("link", name="Gold version (HTML export)").click()
    page.wait_for_load_state()
    marks = page.locator("mark").all_inner_texts()
    assert "lifeline" in marks and "crippled" not in marks
    assert page.errors == []


def test_a_whole_article_is_reviewed_with_the_keyboard_alone(login, project, document, disputed, linked, label,
                                                            cast, screenshots):
    frame = create_tag(project=project, document=document, annotator=cast["ann2"], label=label("framing", "economic"),
                       segment=disputed[0].segment, attributes={})
    missing = create_tag(project=project, document=document, annotator=cast["ann1"],
                         label=label("missing_perspectives", "counter_perspective_missing"),
                         segment=document.segments.get(index=3), attributes={"stakeholder": "venezuelan_opposition"})
    page = login("reviewer")
    open_review(page, document)
    screenshots(page, "review-start")
    keys = 0
    # Shift+J goes to the next sentence with undecided tags; accept every tag there, in order. A link waits for
    # its ends (its source is in a later sentence): a later pass (from Home) accepts it.
    pending = Annotation.objects.filter(project=project, gold=False, status="pending")
    for _ in range(3):
        if not pending.exists():
            break
        page.keyboard.press("Home")
        keys += 1
        for _ in range(12):
            page.keyboard.press("Shift+J")
            keys += 1
            if "No more sentences with undecided tags" in status(page).inner_text():
                break
            expect(page.locator(".rv-card:focus")).to_have_count(1)
            for _ in range(page.locator(".rv-card:not(.rv-goldcard)").count()):
                focused = page.locator(".rv-card:focus")
                tag = Annotation.objects.get(pk=int(focused.get_attribute("data-id")))
                if tag.status != "pending":
                    page.keyboard.press("n")
                    continue
                page.keyboard.press("a")
                keys += 1
                expect(page.locator("#rv-status[data-state=saved], #rv-status[data-state=error]")).to_have_count(1)
                if page.locator("#rv-error").is_visible():
                    expect(page.locator("#rv-error")).to_contain_text(re.compile(r"accept its (content|source) span"))
                    page.keyboard.press("n")
        else:
            raise AssertionError("the review never ended")
    assert not pending.exists(), list(pending.values_list("pk", "quote"))
    assert Annotation.objects.get(pk=frame.pk).status == "accepted"
    assert Annotation.objects.get(pk=missing.pk).status == "accepted"
    # lifeline, crippled, the frame, the content both annotators gave (one gold tag), the source, the link, the gap
    assert Annotation.objects.filter(gold=True).count() == 7
    assert_gold_consistent(project)
    assert page.errors == [] and keys < 40


def test_edit_then_accept_sets_the_span_by_selecting_words(login, project, document, disputed, label):
    lifeline, crippled = disputed
    page = login("reviewer")
    open_review(page, document, f"#s{lifeline.segment.index + 1}")
    page.keyboard.press("n")
    expect(page.locator(f'.rv-card[data-id="{crippled.pk}"]')).to_be_focused()
    page.keyboard.press("e")
    expect(page.locator("#rv-pick")).to_be_focused()
    expect(page.locator(".rv-pick-quote")).to_have_text("Span: “crippled”")
    page.keyboard.press("ArrowLeft")  # the start moves back a word: "sanctions crippled"
    expect(page.locator(".rv-pick-quote")).to_have_text("Span: “sanctions crippled”")
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator(".rv-pick-quote")).to_have_text("Span: “sanctions crippled Venezuela’s”")
    page.keyboard.press("Shift+ArrowLeft")
    page.select_option("#rv-edit-label", label=label("loaded_language", "exaggeration_minimisation").name)
    page.select_option("#rv-attr-voice", label="author")
    page.fill("#rv-edit-note", "wider span")
    page.locator("#rv-edit-label").focus()
    page.keyboard.press("Enter")
    wait_saved(page, "Accepted with edits")
    expect(page.locator("#rv-edit")).not_to_be_visible()
    gold = Annotation.objects.get(gold=True)
    assert (gold.quote, gold.label.key, gold.attributes["voice"], gold.review_note) == (
        "sanctions crippled", "exaggeration_minimisation", "author", "wider span")
    assert list(gold.provenance.all()) == [Annotation.objects.get(pk=crippled.pk)]
    expect(page.locator(".rv-goldcard")).to_contain_text("edited")

    # A selection with the mouse snaps to whole words.
    page.keyboard.press("p")
    page.keyboard.press("e")
    pick = page.locator("#rv-pick")
    box = pick.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 70, box["y"] + box["height"] / 2)
    page.mouse.up()
    quote = page.locator(".rv-pick-quote").inner_text()
    chosen = quote.removeprefix("Span: “").removesuffix("”")
    assert chosen and chosen in lifeline.segment.text
    start = lifeline.segment.text.index(chosen)
    assert start == 0 or not lifeline.segment.text[start - 1].isalnum()
    page.keyboard.press("Escape")
    expect(page.locator("#rv-edit")).not_to_be_visible()
    assert page.errors == []


def test_a_stale_version_is_refused_with_a_message_and_the_sentence_reloaded(login, project, document, disputed):
    lifeline, _ = disputed
    page = login("reviewer")
    open_review(page, document, f"#s{lifeline.segment.index + 1}")
    do_edit_tag(annotation=lifeline, changes={"note": "changed meanwhile"}, user=lifeline.annotator,
                expected_version=1)
    page.keyboard.press("a")
    expect(page.locator("#rv-error")).to_contain_text("was changed by someone else since you loaded it")
    expect(page.locator(f'.rv-card[data-id="{lifeline.pk}"] .rv-note')).to_have_text("Note: changed meanwhile")
    assert Annotation.objects.get(pk=lifeline.pk).status == "pending"
    page.locator(f'.rv-card[data-id="{lifeline.pk}"]').focus()
    page.keyboard.press("a")
    wait_saved(page, "Accepted")
    assert Annotation.objects.get(pk=lifeline.pk).status == "accepted"
    assert page.errors == []


def test_filters_and_position_survive_a_reload(login, project, document, disputed, linked):
    lifeline, _ = disputed
    content = linked[0]
    page = login("reviewer")
    open_review(page, document)
    page.check("#rv-f-disputed")
    expect(page.locator("#rv-list a")).to_have_count(2)  # the two sentences where ann1 and ann2 differ
    page.select_option("#rv-f-annotator", "ann2")
    page.locator("#rv-list a").nth(1).click()
    page.locator("#rv-list a").nth(0).click()
    expect(page.locator("#rv-position")).to_have_text(f"Sentence {lifeline.segment.index + 1} of "
                                                      f"{document.segments.count()}")
    expect(page.locator(".rv-row:not(.rv-goldrow)")).to_have_count(1)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#rv-position")).to_have_text(f"Sentence {lifeline.segment.index + 1} of "
                                                      f"{document.segments.count()}")
    expect(page.locator("#rv-f-disputed")).to_be_checked()
    expect(page.locator("#rv-f-annotator")).to_have_value("ann2")
    page.keyboard.press("j")
    expect(page.locator("#rv-position")).to_have_text(f"Sentence {content.segment.index + 1} of "
                                                      f"{document.segments.count()}")
    page.keyboard.press("j")
    expect(status(page)).to_contain_text("No more sentences that way")

    page.uncheck("#rv-f-disputed")
    page.select_option("#rv-f-annotator", "")
    page.select_option("#rv-f-layer", "attribution_relation")  # a layer: only the sentence with the link
    expect(page.locator("#rv-list a")).to_have_count(1)
    expect(page.locator("#rv-position")).to_have_text(f"Sentence {content.segment.index + 1} of "
                                                      f"{document.segments.count()}")
    expect(page.locator(".rv-card:not(.rv-goldcard)")).to_have_count(1)  # and only that layer's tags
    expect(page.locator('.rv-row[data-person="ann1"] .lk-path.lk-source')).to_have_count(1)
    page.select_option("#rv-f-layer", "")
    page.select_option("#rv-f-label", label="Content")  # a label: the sentence where both marked the content
    expect(page.locator("#rv-list a")).to_have_count(1)
    expect(page.locator(".rv-card:not(.rv-goldcard)")).to_have_count(2)
    assert "label=" in page.url
    assert page.errors == []


def test_attribution_is_drawn_as_links_across_sentences(login, project, document, linked, screenshots):
    content, source, relation, other = linked
    page = login("reviewer")
    open_review(page, document, f"#s{content.segment.index + 1}")
    row = page.locator('.rv-row[data-person="ann1"]')
    expect(row.locator(".rv-context")).to_contain_text(f"Sentence {source.segment.index + 1}:")
    expect(row.locator(".lk-layer .lk-path.lk-source")).to_have_count(1)
    expect(row.locator(".lk-label")).to_have_text("Attributed to")
    card = page.locator(f'.rv-card[data-id="{relation.pk}"]')
    expect(card).to_contain_text(f"(sentence {source.segment.index + 1})")
    expect(card.locator(".rv-attrs")).to_contain_text("Affiliation")
    expect(card.locator(".rv-attrs")).to_contain_text("government own")
    card.focus()
    expect(page.locator(".rv-flag")).to_have_text("Attributed to · ann1")
    expect(row.locator(".rv-hl")).to_have_count(2)
    screenshots(page, "review-links")
    assert page.errors == []


def test_discussion_on_the_review_page(login, cast, project, document, disputed):
    lifeline, _ = disputed
    SegmentComment.objects.create(segment=lifeline.segment, author=cast["ann1"], text="Is <b>this</b> loaded?")
    page = login("reviewer")
    open_review(page, document, f"#s{lifeline.segment.index + 1}")
    expect(page.locator("#rv-discussion summary")).to_have_text("Discussion (1) m")
    page.keyboard.press("m")
    expect(page.locator("#rv-comment-text")).to_be_focused()
    expect(page.locator("#rv-comments .rv-comment-text")).to_have_text("Is <b>this</b> loaded?")
    page.keyboard.type("Yes, keep it.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#rv-comments .rv-comment-text")).to_have_text(["Is <b>this</b> loaded?", "Yes, keep it."])
    assert SegmentComment.objects.filter(author=cast["reviewer"]).get().text == "Yes, keep it."
    page.keyboard.press("Escape")
    expect(page.locator(".rv-card").first).to_be_focused()
    assert page.errors == []


def test_the_queue_leads_to_the_sentence(login, project, document, disputed):
    lifeline, _ = disputed
    page = login("reviewer")
    page.goto(f"/projects/{project.slug}/review/queue/")
    link = page.locator(".rv-queue tbody a")
    expect(link).to_contain_text(f"{lifeline.segment.index + 1}")
    link.click()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#rv-position")).to_have_text(f"Sentence {lifeline.segment.index + 1} of "
                                                      f"{document.segments.count()}")
    assert page.errors == []
