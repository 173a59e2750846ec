"""The enforced Content-Security-Policy, the endpoint its reports go to, and Cache-Control: no-store."""

import json
import logging

import pytest
from django.test import Client

from tests.api_helpers import client_for

pytestmark = pytest.mark.django_db

REPORT = {"csp-report": {
    "document-uri": "http://testserver/projects/telesur/documents/1/",
    "violated-directive": "script-src-elem", "effective-directive": "script-src-elem",
    "blocked-uri": "inline", "source-file": "http://testserver/projects/telesur/documents/1/", "line-number": 12,
}}


def directives(response):
    """Return the enforced policy as {directive: [values]}."""
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def assert_site_policy(response):
    assert "Content-Security-Policy-Report-Only" not in response
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["report-uri"] == ["/csp-report/"]
    header = response["Content-Security-Policy"]
    assert "unsafe-eval" not in header
    assert "'unsafe-inline'" not in " ".join(policy["script-src"] + policy["style-src"])


@pytest.mark.parametrize("url", ["/", "/projects/telesur/", "/projects/telesur/documents/{doc}/",
                                 "/projects/telesur/documents/{doc}/review/", "/admin/",
                                 "/admin/annotate/annotation/", "/api/", "/api/docs/", "/api/docs/?script=",
                                 "/api/projects/", "/api/documents/{doc}/"])
def test_every_page_admin_and_api_answer_carries_the_enforced_policy(cast, document, url):
    cast["manager"].is_staff = cast["manager"].is_superuser = True
    cast["manager"].save()
    response = logged_in(cast["manager"]).get(url.format(doc=document.pk))
    assert response.status_code == 200, url
    assert_site_policy(response)


def test_the_login_page_carries_the_enforced_policy(client):
    assert_site_policy(client.get("/accounts/login/"))
    assert_site_policy(client.get("/admin/login/"))


def test_swagger_page_loads_its_start_script_from_a_file_not_inline(cast):
    page = logged_in(cast["manager"]).get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in page
    assert "<script>" not in page and "<style" not in page
    script = logged_in(cast["manager"]).get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_html_export_keeps_its_own_stricter_policy(cast, project, document):
    response = client_for(cast["manager"]).get(f"/api/projects/{project.pk}/export/?format=html")
    assert directives(response)["default-src"] == ["'none'"]
    assert "script-src" not in directives(response)
    assert directives(response)["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("content_type", ["application/csp-report", "application/json"])
def test_a_report_is_logged_as_one_warning_line(client, caplog, content_type):
    with caplog.at_level(logging.WARNING, logger="annotate.csp"):
        response = client.post("/csp-report/", json.dumps(REPORT), content_type=content_type)
    assert response.status_code == 204
    [record] = caplog.records
    line = record.getMessage()
    assert "\n" not in line
    assert "directive='script-src-elem'" in line and "blocked='inline'" in line and "line='12'" in line


def test_reporting_api_batches_log_one_line_per_violation(client, caplog):
    batch = [{"type": "csp-violation", "body": {"documentURL": "http://testserver/", "effectiveDirective": "img-src",
                                                "blockedURL": f"https://evil.example/{n}.png"}} for n in range(2)]
    batch.append({"type": "deprecation", "body": {"message": "not a CSP report"}})
    with caplog.at_level(logging.WARNING, logger="annotate.csp"):
        response = client.post("/csp-report/", json.dumps(batch), content_type="application/reports+json")
    assert response.status_code == 204
    assert [("img-src" in r.getMessage(), f"/{n}.png" in r.getMessage()) for n, r in enumerate(caplog.records)] == [
        (True, True), (True, True)]


def test_a_report_needs_no_csrf_token_or_log_in():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/csp-report/", json.dumps(REPORT), content_type="application/csp-report").status_code == 204


def test_an_oversized_report_is_refused_unread(client, caplog):
    body = json.dumps({"csp-report": {"blocked-uri": "x" * 70_000}})
    with caplog.at_level(logging.WARNING, logger="annotate.csp"):
        response = client.post("/csp-report/", body, content_type="application/csp-report")
    assert response.status_code == 413
    assert [r for r in caplog.records if r.name == "annotate.csp"] == []


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[" * 60_000, b"null", b"42", b'"text"',
                                  b'{"csp-report": "not an object"}', b'{"csp-report": {"blocked-uri": {"a": [1]}}}',
                                  b'[1, {"type": "csp-violation", "body": 3}]'])
def test_garbage_is_answered_204_never_500(client, body):
    assert client.post("/csp-report/", body, content_type="application/csp-report").status_code == 204


def test_a_report_of_another_type_or_method_is_refused(client):
    assert client.post("/csp-report/", {"csp-report": "x"}).status_code == 415
    assert client.post("/csp-report/", "x", content_type="text/plain").status_code == 415
    assert client.get("/csp-report/").status_code == 405


def test_pages_and_api_answers_are_not_stored(cast, project, document):
    page = logged_in(cast["ann1"]).get(f"/projects/telesur/documents/{document.pk}/")
    assert "no-store" in page["Cache-Control"]
    answer = client_for(cast["ann1"]).get(f"/api/documents/{document.pk}/")
    assert "no-store" in answer["Cache-Control"]
    export = client_for(cast["ann1"]).get(f"/api/projects/{project.pk}/export/?format=json")
    assert "no-store" in export["Cache-Control"]
