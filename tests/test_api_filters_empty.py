"""A list filter given with no value is a 400 naming it, never silently "no filter"."""

import pytest

from tests.api_helpers import client_for


@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/annotations/?gold=", "gold"),
    ("/api/annotations/?scope=", "scope"),
    ("/api/annotations/?document=", "document"),
    ("/api/annotations/?annotator=", "annotator"),
    ("/api/progress/?annotator__username=", "annotator__username"),
    ("/api/relations/?scope=", "scope"),
    ("/api/documents/?external_id=", "external_id"),
    ("/api/segments/?document=", "document"),
    ("/api/projects/?slug=", "slug"),
])
def test_an_empty_filter_is_a_400_naming_it(cast, document, url, parameter):
    response = client_for(cast["ann1"]).get(url)
    assert response.status_code == 400, response.content[:200]
    assert response.json() == {parameter: ["must not be empty: leave the parameter out to list everything"]}


@pytest.mark.parametrize("parameter", ["document", "status", "annotator", "layer", "label"])
def test_an_empty_export_filter_is_a_400_naming_it(cast, document, parameter):
    response = client_for(cast["reviewer"]).get(f"/api/projects/{document.project_id}/export/?{parameter}=")
    assert response.status_code == 400
    assert response.json() == {parameter: ["must not be empty: leave the parameter out to export everything"]}


@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/documents/?project={project}&project=", "project"),
    ("/api/documents/?project={project}&project={project}", "project"),
    ("/api/annotations/?gold=true&gold=false", "gold"),
    ("/api/segments/?document={document}&document=x", "document"),
])
def test_a_filter_given_twice_is_a_400_naming_it(cast, document, url, parameter):
    url = url.format(project=document.project_id, document=document.pk)
    response = client_for(cast["ann1"]).get(url)
    assert response.status_code == 400, response.content[:200]
    assert response.json() == {parameter: ["give this parameter once: a filter takes one value"]}


def test_an_export_filter_given_twice_is_a_400_naming_it(cast, document):
    response = client_for(cast["reviewer"]).get(
        f"/api/projects/{document.project_id}/export/?status=gold&status=")
    assert response.status_code == 400
    assert response.json() == {"status": ["give this parameter once: a filter takes one value"]}


def test_filters_with_values_and_unfiltered_lists_still_work(cast, document):
    client = client_for(cast["ann1"])
    assert client.get(f"/api/annotations/?document={document.pk}&gold=false").status_code == 200
    assert client.get("/api/annotations/").status_code == 200
    assert client.get("/api/annotations/?ordering=").status_code == 200  # not a filter: the default order
