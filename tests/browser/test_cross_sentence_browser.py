"""A span from one sentence into the next, made on the annotation page with the mouse and with Shift+arrows."""

import pytest
from playwright.sync_api import expect

from annotate.models import Annotation
from tests.api_helpers import create_tag
from tests.browser.pages import choose_layer, open_document, wait_saved
from tests.test_cross_sentence_spans import ACROSS, make_article, stored

pytestmark = pytest.mark.browser


@pytest.fixture
def article(project):
    return make_article(project)

WORD_BOX = """([index, word, edge]) => {
  const el = document.querySelector(`#sentence-${index} .seg-text`);
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let offset = el.textContent.indexOf(word);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (offset < node.data.length) {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, Math.min(node.data.length, offset + word.length));
      const box = range.getBoundingClientRect();
      return { x: edge === 'start' ? box.left + 1 : box.right - 1, y: box.top + box.height / 2 };
    }
    offset -= node.data.length;
  }
  return null;
}"""


def point(page, index, word, edge):
    found = page.evaluate(WORD_BOX, [index, word, edge])
    assert found, f"no {word!r} in sentence {index}"
    return found["x"], found["y"]


def marked(page, index):
    return "".join(page.locator(f"#sentence-{index} .piece[data-ann]").all_inner_texts())


def test_a_mouse_drag_from_one_sentence_into_the_next_makes_one_span_shown_on_both(login, cast, project, article):
    page = login("ann1")
    open_document(page, article, 1)
    choose_layer(page, "Attribution")
    page.mouse.move(*point(page, 1, "happened?", "start"))
    page.mouse.down()
    page.mouse.move(*point(page, 2, "they", "end"), steps=8)
    page.mouse.up()
    expect(page.locator("#selection")).to_have_text(f"Selected: “{ACROSS}” (runs on to sentence 3)")
    page.keyboard.press("t")  # Content
    wait_saved(page)

    tag = Annotation.objects.get()
    assert (tag.segment.index, tag.quote, tag.annotator.username) == (1, ACROSS, "ann1")
    assert tag.segment.start + tag.end == article.text.index(ACROSS) + len(ACROSS)
    assert marked(page, 1) == "happened?" and marked(page, 2) == "Are they"
    expect(page.locator("#sentence-anns")).to_contain_text("runs on to sentence 3")

    page.keyboard.press("j")
    expect(page.locator("#sentence-anns .ann.continued")).to_contain_text("continues from sentence 2")
    page.reload()
    page.wait_for_selector(".seg.focus")
    assert marked(page, 1) == "happened?" and marked(page, 2) == "Are they"
    assert page.errors == []


def test_shift_arrows_extend_a_selection_past_the_sentence_end_into_the_next_paragraph(login, cast, project,
                                                                                        article):
    page = login("ann1")
    open_document(page, article, 3)
    choose_layer(page, "Attribution")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#selection")).to_have_text("Selected: “Nobody”")
    for _ in range(4):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#selection")).to_have_text("Selected: “Nobody knows. A second” (runs on to sentence 5)")
    page.keyboard.press("Shift+ArrowLeft")
    expect(page.locator("#selection")).to_have_text("Selected: “Nobody knows. A” (runs on to sentence 5)")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("t")  # Content
    wait_saved(page)

    tag = Annotation.objects.get()
    assert (tag.segment.index, tag.quote) == (3, "Nobody knows.\n\nA second")
    assert marked(page, 3) == "Nobody knows." and marked(page, 4) == "A second"
    assert marked(page, 5) == ""
    page.keyboard.press("j")
    expect(page.locator("#sentence-anns .ann.continued")).to_contain_text("continues from sentence 4")
    assert page.errors == []


def test_an_imported_tag_says_where_it_came_from_and_which_attributes_were_not_given(login, cast, project, article,
                                                                                      label):
    create_tag(project=project, document=article, annotator=cast["ann1"],
               label=label("loaded_language", "doubt_reputation"), attributes={"polarity": "negative"},
               import_source="semeval-2020", import_file="article1.labels",
               **stored(article, ACROSS))
    page = login("ann1")
    open_document(page, article, 1)
    origin = page.locator("#sentence-anns .ann .origin")
    expect(origin).to_contain_text("imported from semeval-2020")
    expect(origin).to_contain_text("Target: not given")
    expect(origin).not_to_contain_text("Polarity")
    assert page.errors == []
