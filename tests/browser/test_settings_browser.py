"""A manager runs a project from its settings area in Chromium: guidelines, members, a one-time link, the audit log."""

import pytest
from playwright.sync_api import expect

from annotate.models import Annotation, AuditEntry
from tests.api_helpers import make_span

pytestmark = pytest.mark.browser


def test_a_manager_edits_guidelines_and_members_then_reads_the_audit_log(
        login, browser, live_server, project, document, cast, label, screenshots):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    page = login("manager")
    page.get_by_role("link", name=project.name).click()
    page.get_by_role("link", name="Settings").first.click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()

    page.fill("#id_guidelines", "# Read twice\n\nTag **loaded** words. <script>window.pwned = 1</script>")
    page.get_by_role("button", name="Preview guidelines").click()
    preview = page.locator(".preview .guidelines")
    expect(preview.locator("strong")).to_have_text("loaded")
    assert preview.locator("script").count() == 0 and page.evaluate("window.pwned") is None
    screenshots(page, "settings-preview", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved: guidelines changed")

    page.get_by_role("link", name="Members").click()
    page.fill("#h-new ~ form #id_username", "newbie")
    page.get_by_role("button", name="Create and add").click()
    link = page.locator("#set-password-link").input_value()
    assert link.startswith(live_server.url + "/accounts/reset/")
    screenshots(page, "settings-members-link")

    fresh = browser.new_context(base_url=live_server.url)
    newcomer = fresh.new_page()
    newcomer.goto(link)
    newcomer.fill("#id_new_password1", "a long new secret 42")
    newcomer.fill("#id_new_password2", "a long new secret 42")
    newcomer.get_by_role("button", name="Set password").click()
    expect(newcomer.get_by_role("heading", name="Password set")).to_be_visible()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="This link no longer works")).to_be_visible()
    newcomer.goto("/accounts/login/")
    newcomer.fill("#id_username", "newbie")
    newcomer.fill("#id_password", "a long new secret 42")
    newcomer.click("button[type=submit]")
    expect(newcomer.get_by_role("link", name=project.name)).to_be_visible()
    fresh.close()

    page.reload()
    assert "/accounts/reset/" not in page.content()
    page.fill("#h-add ~ form #id_username", "outsider")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("tr[data-member=outsider]")).to_be_visible()
    page.select_option(f"#role-{cast['ann2'].pk}", "reviewer")
    page.get_by_role("button", name="Change the role of ann2").click()
    expect(page.locator(f"#role-{cast['ann2'].pk}")).to_have_value("reviewer")
    expect(page.locator("tr[data-member=ann1] td.num")).to_have_text("1")
    page.get_by_role("button", name="Remove ann1").click()
    expect(page.locator(".messages")).to_contain_text("Removed ann1; their tags stay")
    expect(page.locator("tr[data-member=ann1]")).to_have_count(0)
    expect(page.locator("[data-former=ann1]")).to_have_text("ann1 (1 tag)")
    page.fill("#h-add ~ form #id_username", "nobody-here")
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("#h-add ~ form .error")).to_contain_text("no user is called “nobody-here”")
    screenshots(page, "settings-members", full_page=True)
    assert Annotation.objects.get(pk=tag.pk).annotator == cast["ann1"]

    page.get_by_role("link", name="Audit log").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("removed ann1 (annotator); their 1 tags stay")
    expect(rows.nth(1)).to_contain_text("changed ann2's role from annotator to reviewer")
    expect(rows.nth(2)).to_contain_text("added outsider as annotator")
    expect(rows.nth(3)).to_contain_text("created the account newbie")
    expect(rows.nth(4)).to_contain_text("guidelines changed")
    assert set(AuditEntry.objects.values_list("actor__username", flat=True)) == {"manager"}
    screenshots(page, "settings-audit")
    assert page.errors == []
