"""A client posting tags from another dataset marks them imported: attributes the dataset never had may be left out."""

import pytest

from annotate.models import Annotation
from tests.api_helpers import client_for


@pytest.fixture
def ann1(cast):
    return client_for(cast["ann1"])


@pytest.fixture
def lifeline(document):
    start = document.text.index("lifeline")
    return {"document": document.pk, "doc_start": start, "doc_end": start + len("lifeline")}


def post(client, body):
    return client.post("/api/annotations/", body, format="json")


def test_a_span_without_its_required_attribute_is_refused_and_the_error_says_how_to_post_dataset_tags(
    ann1, lifeline, label
):
    response = post(ann1, {**lifeline, "label": label("loaded_language", "loaded_language").pk})
    assert response.status_code == 400
    message = response.json()["attributes.polarity"][0]
    assert message.startswith("required for label 'loaded_language'") and "import_source" in message
    assert not Annotation.objects.exists()


def test_a_tag_posted_with_its_source_is_imported_without_the_attribute(ann1, lifeline, label, document):
    response = post(ann1, {**lifeline, "label": label("loaded_language", "loaded_language").pk,
                           "import_source": "semeval-2020", "import_file": "article1.task2-TC.labels"})
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["import_source"], data["import_file"], data["attributes"]) == (
        "semeval-2020", "article1.task2-TC.labels", {})
    tag = Annotation.objects.get(pk=data["id"])
    assert (tag.import_source, tag.quote, tag.status) == ("semeval-2020", "lifeline", "pending")


def test_where_a_tag_came_from_is_set_only_when_it_is_created(ann1, lifeline, label):
    created = post(ann1, {**lifeline, "label": label("loaded_language", "loaded_language").pk,
                          "import_source": "semeval-2020"}).json()
    url = f"/api/annotations/{created['id']}/"
    changed = ann1.patch(url, {"import_source": "", "version": created["version"]}, format="json")
    assert changed.status_code == 400
    assert changed.json() == {"import_source": ["set only when the tag is created"]}
    same = ann1.patch(url, {"import_source": "semeval-2020", "note": "seen", "version": created["version"]},
                      format="json")
    assert same.status_code == 200, same.json()
    assert Annotation.objects.get(pk=created["id"]).import_source == "semeval-2020"


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"import_file": "a.labels"}, "import_file", "give import_source with it"),
    ({"import_source": "x" * 101}, "import_source", "no more than 100 characters"),
    ({"import_source": "semeval\x002020"}, "import_source", "Null characters are not allowed"),
    ({"import_source": 7, "import_file": ["a"]}, "import_file", "Not a valid string"),
])
def test_bad_origins_are_400s_naming_the_field(ann1, lifeline, label, extra, field, words):
    response = post(ann1, {**lifeline, "label": label("loaded_language", "loaded_language").pk,
                           "attributes": {"polarity": "positive"}, **extra})
    assert response.status_code == 400
    assert words in str(response.json()[field])
    assert not Annotation.objects.exists()
