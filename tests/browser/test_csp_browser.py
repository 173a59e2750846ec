"""In Chromium, under the enforced Content-Security-Policy: pages, the admin and the API docs load and work."""

import pytest
from playwright.sync_api import expect

from annotate.models import Annotation, Document
from tests.api_helpers import make_span
from tests.browser.conftest import watch_csp
from tests.browser.pages import open_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_manager(cast):
    cast["manager"].is_staff = cast["manager"].is_superuser = True
    cast["manager"].save()
    return cast["manager"]


def test_annotation_page_runs_its_script_with_no_violation(login, cast, document):
    page = login("ann1")
    open_document(page, document)
    page.keyboard.press("j")
    expect(page.locator(".seg.focus")).to_have_count(1)
    assert page.csp == [] and page.errors == []


def test_review_page_loads_with_no_violation(login, project, document, cast, label):
    make_span(project, document, cast["ann1"], label, "lifeline")
    page = login("reviewer")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/review/#s21")
    expect(page.locator(".rv-card").first).to_be_visible()
    page.keyboard.press("e")
    expect(page.locator("#rv-pick")).to_be_focused()
    assert page.csp == [] and page.errors == []


def test_admin_change_list_and_change_form_work_with_no_violation(login, staff_manager, project, document, cast, label):
    make_span(project, document, cast["ann1"], label, "lifeline")
    page = login("manager")
    page.goto("/admin/annotate/annotation/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    page.goto(f"/admin/annotate/document/{document.pk}/change/")
    page.fill("#id_url", "https://example.org/article")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Document.objects.get(pk=document.pk).url == "https://example.org/article"
    assert Annotation.objects.count() == 1
    assert page.csp == [] and page.errors == []


def test_admin_login_page_has_no_violation(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    watch_csp(page)
    page.goto("/admin/login/")
    expect(page.locator("#id_username")).to_be_visible()
    assert page.csp == []
    context.close()


def test_api_docs_render_the_schema_with_no_violation(login, staff_manager):
    page = login("manager")
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    page.locator(".opblock-summary-path", has_text="/api/projects/").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert page.csp == [] and page.errors == []


def test_an_inline_script_is_blocked_and_reported(login, live_server, cast, document):
    page = login("ann1")
    open_document(page, document)
    with page.expect_request(f"{live_server.url}/csp-report/") as report:
        page.evaluate("""() => { const s = document.createElement('script');
                                 s.textContent = 'window.injected = true'; document.body.append(s); }""")
    assert report.value.method == "POST"
    assert page.evaluate("window.injected === undefined")
    assert any("script-src" in text for text in page.csp)
    page.csp.clear()
