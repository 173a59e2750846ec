"""Chromium: a manager reads the plan of moving to the next codebook version, confirms, and the tags follow."""

import pytest
from playwright.sync_api import expect

from annotate.dashboard import agreement_figures, fetch_rows
from annotate.models import Annotation, AuditEntry, SegmentProgress
from tests.api_helpers import create_tag
from tests.browser.pages import open_document
from tests.codebook_versions import next_version

pytestmark = pytest.mark.browser


def test_a_manager_moves_the_project_with_a_rename_and_a_merge(login, cast, project, codebook, document, label,
                                                                 screenshots):
    first, second = document.segments.order_by("index")[:2]
    for segment in (first, second):
        for who in ("ann1", "ann2"):
            SegmentProgress.objects.create(segment=segment, annotator=cast[who])
    for who, segment, key in [("ann1", first, "morality"), ("ann2", first, "fairness_equality"),
                              ("ann1", second, "crime_punishment"), ("ann2", second, "crime_punishment")]:
        create_tag(project=project, document=document, segment=segment, annotator=cast[who],
                   label=label("framing", key))
    before = Annotation.objects.count()
    target = next_version(codebook, renames={"framing": {"crime_punishment": "crime"}},
                          merges={"framing": {"ethics": ["morality", "fairness_equality"]}})

    page = login("manager")
    page.goto(f"/projects/{project.slug}/settings/codebook/move/{target.pk}/")
    row = '#move-plan tr[data-layer="framing"][data-label="{}"]'.format
    expect(page.locator(row("morality"))).to_contain_text("merged")
    expect(page.locator(row("fairness_equality"))).to_contain_text("ethics")
    expect(page.locator(row("crime_punishment"))).to_contain_text("renamed")
    impact = page.locator('#move-impact tr[data-layer="framing"]')
    expect(impact).to_be_visible()
    now, after = impact.locator(".impact-before").inner_text(), impact.locator(".impact-after").inner_text()
    assert float(after) > float(now)
    screenshots(page, "codebook-move", full_page=True)
    page.click("#move-confirm")
    page.wait_for_url(f"**/projects/{project.slug}/settings/codebook/")
    expect(page.locator(".messages")).to_contain_text(f"now uses {target}")
    expect(page.locator(".messages")).to_contain_text("2 merged")

    project.refresh_from_db()
    assert project.codebook == target and Annotation.objects.count() == before
    assert sorted(Annotation.objects.values_list("label__key", flat=True)) == ["crime", "crime", "ethics", "ethics"]
    framing = next(layer for layer in agreement_figures(fetch_rows(project, cast["manager"]))["segment_layers"]
                   if layer["key"] == "framing")
    assert f"{framing['alpha']:.3f}" == after
    history = Annotation.history.filter(history_change_reason__contains="renamed 'crime_punishment' to 'crime'")
    assert history.count() == 2 and AuditEntry.objects.filter(action="codebook.moved").count() == 1

    annotator = login("ann1")
    open_document(annotator, document, sentence=first.index)
    expect(annotator.locator("#sentence-anns")).to_contain_text("ethics")
    annotator.keyboard.press("j")
    expect(annotator.locator(".seg.focus .seg-text")).to_have_text(second.text)
    expect(annotator.locator("#sentence-anns")).to_contain_text("crime")
    screenshots(annotator, "codebook-move-after")
    assert page.errors == [] and annotator.errors == []
