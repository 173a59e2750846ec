"""GET /api/projects/{id}/agreement/: who may read it, its filters, and its place in the schema."""

import json

import pytest
from rest_framework.test import APIClient

from annotate.models import Project
from tests.test_dashboard import SENTENCES, make_document


@pytest.fixture
def api(cast):
    """Return a function giving an API client logged in as one of the cast, or anonymous."""

    def client_for(username=None):
        client = APIClient()
        if username:
            client.force_authenticate(cast[username])
        return client

    return client_for


@pytest.fixture
def small_document(project):
    return make_document(project, SENTENCES)[0]


@pytest.mark.parametrize(("username", "status"), [
    ("manager", 200), ("reviewer", 200), ("ann1", 403), ("ann2", 403), ("outsider", 404), (None, 401),
])
def test_agreement_is_for_reviewers_and_managers(api, project, small_document, username, status):
    assert api(username).get(f"/api/projects/{project.pk}/agreement/").status_code == status


def test_agreement_lists_segment_and_span_layers(api, project, small_document):
    data = api("reviewer").get(f"/api/projects/{project.pk}/agreement/").json()
    assert [layer["key"] for layer in data["segment_layers"]] == ["framing", "sentence_bias", "claim_sourcing"]
    assert [layer["key"] for layer in data["span_layers"]] == ["loaded_language", "attribution"]
    framing = data["segment_layers"][0]
    # Nobody has finished a sentence yet: alpha is undefined, not zero.
    assert (framing["alpha"], framing["units"], framing["pairs"]) == (None, 0, [])
    assert framing["documents"] == [{"document": small_document.pk, "title": "Small", "alpha": None}]


def test_agreement_filters_by_document(api, project, small_document, codebook):
    other_project = Project.objects.create(slug="other", name="Other", codebook=codebook)
    foreign = make_document(other_project, ["Elsewhere."])[0]
    second = make_document(project, ["Another sentence."], title="Second")[0]
    client = api("manager")
    data = client.get(f"/api/projects/{project.pk}/agreement/", {"document": second.pk}).json()
    assert [row["title"] for row in data["segment_layers"][0]["documents"]] == ["Second"]
    response = client.get(f"/api/projects/{project.pk}/agreement/", {"document": foreign.pk})
    assert response.status_code == 400 and "document" in response.json()
    assert client.get(f"/api/projects/{project.pk}/agreement/", {"document": "x"}).status_code == 400


def test_schema_documents_the_agreement_endpoint(api, db):
    response = api().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/projects/{id}/agreement/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Agreement"}
    assert {"annotators", "segment_layers", "span_layers"} <= set(schema["components"]["schemas"]["Agreement"][
        "properties"])
    assert "token_alpha" in schema["components"]["schemas"]["SpanLayer"]["properties"]
