"""Steps on the annotation page, done the way a user does them: keys, clicks, reading the page."""

from playwright.sync_api import expect


def open_document(page, document, sentence=None):
    """Open a document's annotation page, optionally at a sentence's stored index, and wait until it is ready.

    The page's links count sentences from 1, as it shows them: the sentence stored at index 0 is #s1.
    """
    anchor = f"#s{sentence + 1}" if sentence is not None else ""
    page.goto(f"/projects/{document.project.slug}/documents/{document.pk}/{anchor}")
    page.wait_for_selector(".seg.focus")


def focused_text(page):
    return page.inner_text(".seg.focus .seg-text")


def go_to(page, start):
    """Press j until the focused sentence starts with the given words."""
    for _ in range(100):
        if focused_text(page).startswith(start):
            return
        page.keyboard.press("j")
    raise AssertionError(f"no sentence starts with {start!r}")


def choose_layer(page, name):
    """Press ] until the layer's tab is selected."""
    for _ in range(12):
        if page.inner_text("[role=tab][aria-selected=true]") == name:
            return
        page.keyboard.press("]")
    raise AssertionError(f"no layer named {name!r}")


def select_words(page, phrase):
    """Select a phrase of the focused sentence with the arrow keys (Shift extends)."""
    first = phrase.split()[0]
    for _ in range(120):
        page.keyboard.press("ArrowRight")
        if page.inner_text("#selection") == f"Selected: “{first}”":
            break
    else:
        raise AssertionError(f"the caret never reached {first!r}")
    for _ in range(12):
        if page.inner_text("#selection") == f"Selected: “{phrase}”":
            return
        page.keyboard.press("Shift+ArrowRight")
    raise AssertionError(f"could not select {phrase!r}")


def wait_saved(page):
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
