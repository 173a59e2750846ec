"""In Chromium: a manager drafts the next codebook version, renames and merges labels, fixes a clash, publishes."""

import pytest
from playwright.sync_api import expect

from annotate.codebooks import label_successors
from annotate.models import AuditEntry, Codebook, Label

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row(page, label):
    return page.locator(f'form[data-label="{label}"]')


def save_row(page, label, **values):
    form = row(page, label)
    for name, value in values.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Label saved.")


def test_manager_drafts_renames_merges_fixes_a_clash_and_publishes(login, project, codebook, cast, label,
                                                                   screenshots):
    page = login("manager")
    page.goto(f"/projects/{project.slug}/settings/codebook/")
    expect(page.locator(".cb-current")).to_contain_text("Source bias and framing v2")
    page.get_by_role("button", name="Start a draft of the next version").click()
    expect(page.locator("h1")).to_have_text("Draft of Source bias and framing v3")

    save_row(page, "loaded_language:loaded_language", key="loaded_words", name="Loaded words")
    merging = row(page, "loaded_language:questioning_the_reputation")
    merging.locator('select[name="into"]').select_option(label="doubt_reputation")
    merging.get_by_role("button", name="Merge").click()
    expect(page.locator(".messages")).to_contain_text("Labels merged.")
    diff = page.locator(".cb-changes")
    expect(diff).to_contain_text("Label renamed: loaded_language:loaded_language → loaded_words")
    expect(diff).to_contain_text("Labels merged: doubt_reputation + questioning_the_reputation → "
                                 "loaded_language:doubt_reputation")

    save_row(page, "attribution:cue", hotkey="s")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("attribution.cue.hotkey: 's' is also the hotkey of 'source'")
    expect(problems).to_contain_text("loaded_language.name_calling.hotkey: 'n' is the annotation page's key")
    publish = page.get_by_role("button", name="Publish v3")
    expect(publish).to_be_disabled()
    screenshots(page, "codebook-editor")

    save_row(page, "attribution:cue", hotkey="u")
    save_row(page, "loaded_language:name_calling", hotkey="z")
    save_row(page, "sentence_bias:non_biased", hotkey="x")
    expect(page.locator("#no-problems")).to_be_visible()
    publish.click()
    expect(page.locator(".messages")).to_contain_text("Published")

    published = Codebook.objects.get(key=codebook.key, version=3)
    assert published.status == "published" and published.published_at is not None
    successors = label_successors(codebook, published)
    renamed = Label.objects.get(pk=successors[label("loaded_language", "loaded_language").pk][0])
    assert renamed.key == "loaded_words"
    assert successors[label("loaded_language", "questioning_the_reputation").pk] == \
        successors[label("loaded_language", "doubt_reputation").pk]
    assert AuditEntry.objects.filter(project=project, action="codebook.publish", actor=cast["manager"]).count() == 1
    versions = page.locator(".cb-versions")
    expect(versions).to_contain_text("Source bias and framing v3")
    expect(versions.locator("tr", has_text="v3")).to_contain_text("published")
    screenshots(page, "codebook-versions")
    page.get_by_role("button", name="Show the changes").click()
    expect(page.locator("h1")).to_have_text("Changes from v2 to v3")
    expect(page.locator(".cb-diff")).to_contain_text("Label renamed: loaded_language:loaded_language → loaded_words")
    assert page.errors == []
