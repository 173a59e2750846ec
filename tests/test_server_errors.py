"""Server errors: JSON with a stable shape on the API, never a traceback; a database outage is a 503."""

import uuid

import pytest
from django.db import OperationalError, connection
from django.db.utils import InterfaceError

from annotate import views
from annotate.api.views import ProjectViewSet
from annotate.models import Annotation
from tests.api_helpers import at_once, client_for


def fail_with(monkeypatch, target, name, error):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(target, name, broken)


def test_unexpected_api_error_is_json_without_a_traceback(cast, monkeypatch):
    fail_with(monkeypatch, ProjectViewSet, "get_queryset", RuntimeError("secret internals at line 42"))
    response = client_for(cast["ann1"]).get("/api/projects/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "the server met an unexpected error; it has been logged",
                               "code": "server_error"}
    assert b"secret" not in response.content and b"Traceback" not in response.content


@pytest.mark.parametrize("error", [OperationalError("connection refused"), InterfaceError("connection already closed")])
def test_database_outage_on_the_api_is_a_503_with_retry_after(cast, monkeypatch, error):
    fail_with(monkeypatch, ProjectViewSet, "get_queryset", error)
    response = client_for(cast["ann1"]).get("/api/projects/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "service_unavailable"
    assert b"refused" not in response.content and b"closed" not in response.content


def test_database_outage_on_a_page_is_a_plain_503_with_retry_after(cast, monkeypatch, client):
    fail_with(monkeypatch, views, "projects_for", OperationalError("connection refused"))
    client.force_login(cast["ann1"])
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/plain")
    assert b"try again" in response.content and b"refused" not in response.content


def test_validation_errors_keep_their_shape(cast, document):
    response = client_for(cast["ann1"]).post("/api/annotations/", {"label": 999_999, "segment": 999_999},
                                             format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"label", "segment"}


def answer(response):
    return response.status_code, response.json().get("id")


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="SQLite's in-memory test database (shared cache) answers a busy table with "
                           "'table is locked' at once instead of waiting, so this race is flaky there")
def test_simultaneous_retries_with_one_client_key_all_get_the_first_annotation(transactional_db, cast, document,
                                                                                label):
    sentence = document.segments.get(text__startswith="In 2020, when U.S.")
    start = sentence.text.index("lifeline")
    body = {"segment": sentence.pk, "label": label("loaded_language", "loaded_language").pk, "start": start,
            "end": start + len("lifeline"), "quote": "lifeline", "attributes": {"polarity": "positive"},
            "client_key": str(uuid.uuid4())}
    def retry():
        return answer(client_for(cast["ann1"]).post("/api/annotations/", body, format="json"))

    answers = []
    for _round in range(3):
        answers += at_once([retry] * 8)
    assert len(answers) == 24
    assert {status for status, _ in answers} <= {200, 201}, answers
    assert [status for status, _ in answers].count(201) == 1
    assert len({pk for _, pk in answers}) == 1
    assert Annotation.objects.count() == 1
