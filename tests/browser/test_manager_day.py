"""A manager's day in Chromium: a new project, its members, their work, a codebook rename and merge, the move."""

import pytest
from playwright.sync_api import expect

from annotate.dashboard import agreement_figures, fetch_rows
from annotate.demo import make_staff_manager
from annotate.models import Annotation, AuditEntry, Codebook, Label, Project, SegmentProgress
from tests.api_helpers import create_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = """Talks in Caracas

Officials met in Caracas on Monday. The minister praised the heroic resistance of the people.
Critics called the deal a dangerous gamble. Trade between the two countries grew last year.
"""


def framing_alpha(project, user):
    """Return the framing layer's alpha as the dashboard computes it, to three places."""
    figures = agreement_figures(fetch_rows(project, user))
    return next(f"{layer['alpha']:.3f}" for layer in figures["segment_layers"] if layer["key"] == "framing")


def save_label(page, label, **values):
    form = page.locator(f'form[data-label="{label}"]')
    for name, value in values.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Label saved.")


def create_project(page, codebook, tmp_path):
    page.get_by_role("link", name="New project").click()
    page.fill("#id_slug", "caracas-talks")
    page.fill("#id_name", "Caracas talks")
    page.select_option("#id_codebook", str(codebook.pk))
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url("**/projects/caracas-talks/**")
    page.goto("/projects/caracas-talks/")
    article = tmp_path / "caracas.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    page.set_input_files("#import-files", str(article))
    page.locator("#import-files").evaluate("input => input.form.requestSubmit()")
    expect(page.get_by_role("link", name="Talks in Caracas").first).to_be_visible()
    return Project.objects.get(slug="caracas-talks")


def add_members(page, names):
    page.get_by_role("link", name="Settings").first.click()
    page.get_by_role("link", name="Members").click()
    for name in names:
        page.fill("#h-add ~ form #id_username", name)
        page.get_by_role("button", name="Add member").click()
        expect(page.locator(f"tr[data-member={name}]")).to_be_visible()


def assign_round_robin(page):
    page.get_by_role("link", name="Assignment").click()
    page.select_option("#id_assigning", "round_robin")
    page.click("text=Save strategy")
    page.click("#auto-assign")
    expect(page.locator(".messages")).to_contain_text("2 new document assignments.")


def tag_the_article(project, cast):
    """Two annotators tag the first three sentences: they differ on one frame and agree on loaded words."""
    document = project.documents.get()
    framing = {key: Label.objects.get(layer__codebook=project.codebook, layer__key="framing", key=key)
               for key in ("morality", "fairness_equality", "political")}
    loaded = Label.objects.get(layer__codebook=project.codebook, layer__key="loaded_language", key="loaded_language")
    segments = list(document.segments.order_by("index"))[1:4]
    frames = {"ann1": ("morality", "political", "political"), "ann2": ("fairness_equality", "political", "political")}
    for who, keys in frames.items():
        for segment, key in zip(segments, keys, strict=True):
            SegmentProgress.objects.create(segment=segment, annotator=cast[who])
            create_tag(project=project, document=document, segment=segment, annotator=cast[who], label=framing[key])
        start = segments[1].text.index("heroic resistance")
        create_tag(project=project, document=document, segment=segments[1], annotator=cast[who], label=loaded,
                   start=start, end=start + len("heroic resistance"), quote="heroic resistance",
                   attributes={"polarity": "positive"})


def draft_rename_merge_publish(page, project):
    page.get_by_role("link", name="Codebook").click()
    page.get_by_role("button", name="Start a draft of the next version").click()
    save_label(page, "loaded_language:loaded_language", key="loaded_words", name="Loaded words")
    merging = page.locator('form[data-label="framing:morality"]')
    merging.locator('select[name="into"]').select_option(label="fairness_equality")
    merging.get_by_role("button", name="Merge").click()
    expect(page.locator(".messages")).to_contain_text("Labels merged.")
    # The shipped codebook gives two labels the annotation page's "next sentence" key.
    save_label(page, "loaded_language:name_calling", hotkey="z")
    save_label(page, "sentence_bias:non_biased", hotkey="x")
    expect(page.locator("#no-problems")).to_be_visible()
    page.get_by_role("button", name=f"Publish v{project.codebook.version + 1}").click()
    expect(page.locator(".messages")).to_contain_text("Published")


def test_a_managers_day_from_a_new_project_to_a_codebook_move(login, cast, codebook, tmp_path, screenshots):
    make_staff_manager(cast["manager"])
    page = login("manager")
    project = create_project(page, codebook, tmp_path)
    add_members(page, ["ann1", "ann2"])
    screenshots(page, "day-members", full_page=True)
    assign_round_robin(page)
    screenshots(page, "day-assignment", full_page=True)
    tag_the_article(project, cast)
    tags = dict(Annotation.objects.filter(project=project).values_list("pk", "label__key"))
    before = framing_alpha(project, cast["manager"])

    draft_rename_merge_publish(page, project)
    screenshots(page, "day-codebook", full_page=True)
    target = Codebook.objects.get(key=codebook.key, version=codebook.version + 1)
    page.goto(f"/projects/{project.slug}/settings/codebook/move/{target.pk}/")
    expect(page.locator('#move-plan tr[data-layer="framing"][data-label="morality"]')).to_contain_text("merged")
    expect(page.locator('#move-plan tr[data-layer="loaded_language"][data-label="loaded_language"]')).to_contain_text(
        "renamed")
    impact = page.locator('#move-impact tr[data-layer="framing"]')
    expect(impact.locator(".impact-before")).to_have_text(before)
    after = impact.locator(".impact-after").inner_text()
    assert float(after) > float(before)
    screenshots(page, "day-move-plan", full_page=True)
    page.click("#move-confirm")
    expect(page.locator(".messages")).to_contain_text(f"now uses {target}")

    project.refresh_from_db()
    moved = dict(Annotation.objects.filter(project=project).values_list("pk", "label__key"))
    assert project.codebook == target and moved.keys() == tags.keys()
    renames = {"morality": "fairness_equality", "loaded_language": "loaded_words"}
    assert moved == {pk: renames.get(key, key) for pk, key in tags.items()}
    assert not Annotation.objects.filter(project=project).exclude(label__layer__codebook=target).exists()
    assert framing_alpha(project, cast["manager"]) == after

    page.goto(f"/projects/{project.slug}/dashboard/")
    framing_row = page.get_by_role("row", name="Framing", exact=False).first
    expect(framing_row).to_contain_text(f"{float(after):.2f}")
    screenshots(page, "day-dashboard", full_page=True)

    renamed = Annotation.objects.get(project=project, label__key="loaded_words", annotator=cast["ann1"])
    reasons = list(renamed.history.values_list("history_change_reason", flat=True))
    assert reasons[0] == f"codebook {codebook.key} v{codebook.version} -> v{target.version}: " \
                         "renamed 'loaded_language' to 'loaded_words'"
    page.goto(f"/admin/annotate/annotation/{renamed.pk}/history/")
    expect(page.locator("#change-history")).to_contain_text("renamed 'loaded_language' to 'loaded_words'")
    page.goto(f"/projects/{project.slug}/settings/audit/")
    expect(page.locator("table.audit tbody tr").first).to_contain_text(f"v{target.version}")
    assert AuditEntry.objects.filter(project=project, action="codebook.moved").count() == 1
    screenshots(page, "day-audit", full_page=True)
    assert page.errors == []
