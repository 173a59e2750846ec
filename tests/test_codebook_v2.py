"""Codebook v2: every SemEval-2023 technique a label, loaded beside v1, categories and 2020 names served."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from annotate import techniques
from annotate.codebooks import DEFAULT_CODEBOOK, SHIPPED_CODEBOOKS, label_groups, load_codebook_file
from annotate.models import Codebook, Label, Project
from annotate.sample_annotations import add_sample_annotations
from tests.api_helpers import client_for, create_tag
from tests.conftest import ROOT

V1 = ROOT / "fixtures" / "codebook-default-v1.json"
V2 = ROOT / "fixtures" / "codebook-default-v2.json"
MOVING_KEYS = set("jk")  # the annotation page moves between sentences with these, before any label key


def fixture(path):
    return json.loads(path.read_text(encoding="utf-8"))


def layer_of(data, key):
    return next(layer for layer in data["layers"] if layer["key"] == key)


def technique_labels(codebook):
    return Label.objects.filter(layer__codebook=codebook, layer__key="loaded_language").order_by("order")


def test_the_default_codebook_is_v2_and_v1_is_still_shipped():
    assert SHIPPED_CODEBOOKS == (V1, V2) and DEFAULT_CODEBOOK == V2
    assert (fixture(V2)["key"], fixture(V2)["version"]) == (fixture(V1)["key"], 2)


def test_v2_has_a_label_for_each_of_the_23_published_techniques(codebook):
    labels = technique_labels(codebook)
    assert codebook.version == 2
    assert {label.technique for label in labels} == set(techniques.SEMEVAL_2023)
    # Every technique once, but Loaded_Language twice: slanted word choice is its milder form.
    assert sorted(label.technique for label in labels) == sorted([*techniques.SEMEVAL_2023, "Loaded_Language"])
    assert labels.get(key="slanted_word_choice").technique == "Loaded_Language"


def test_v2_keeps_every_v1_label_key_but_other_technique(codebook):
    v1 = {label["key"]: label["technique"] for label in layer_of(fixture(V1), "loaded_language")["labels"]}
    v2 = dict(technique_labels(codebook).values_list("key", "technique"))
    assert set(v1) - set(v2) == {"other_technique"}
    assert {key: v2[key] for key in v1 if key != "other_technique"} == {
        key: technique for key, technique in v1.items() if key != "other_technique"}
    assert v2["doubt_reputation"] == "Doubt"


def test_v2_labels_are_ordered_by_the_six_categories(codebook):
    order = list(dict.fromkeys(technique.category for technique in techniques.INVENTORY))
    categories = [label.category for label in technique_labels(codebook)]
    assert len(order) == 6
    assert categories == sorted(categories, key=order.index)
    assert list(dict.fromkeys(categories)) == order


def test_the_fixture_does_not_repeat_the_inventory_table():
    for layer in fixture(V2)["layers"]:
        for label in layer["labels"]:
            assert not {"category", "technique_2020", "semeval2020"} & set(label), label["key"]


@pytest.mark.parametrize("path", [V1, V2])
def test_hotkeys_are_unique_in_each_layer_or_blank(path):
    for layer in fixture(path)["layers"]:
        keys = [label["hotkey"] for label in layer["labels"] if label.get("hotkey")]
        assert len(keys) == len(set(keys)), layer["key"]
        assert all(len(key) == 1 for key in keys)
    assert not MOVING_KEYS & {label["hotkey"] for label in layer_of(fixture(V2), "loaded_language")["labels"]}


def test_every_new_technique_has_a_definition_and_an_example():
    for label in layer_of(fixture(V2), "loaded_language")["labels"]:
        assert label["definition"].strip() and label["example"].strip(), label["key"]
        assert label["color"].startswith("#") and len(label["color"]) == 7


def test_v2_loads_beside_v1_and_leaves_v1_projects_alone(db):
    v1, _ = load_codebook_file(V1)
    old = Project.objects.create(slug="old", name="Old", codebook=v1)
    v2, created = load_codebook_file()
    assert created and v2.version == 2
    assert list(Codebook.objects.order_by("version").values_list("key", "version")) == [
        ("source-bias-framing", 1), ("source-bias-framing", 2)]
    old.refresh_from_db()
    assert old.codebook == v1
    assert technique_labels(v1).filter(key="other_technique").exists()
    assert technique_labels(v1).count() == 12 and technique_labels(v2).count() == 24


def test_the_v1_file_is_unchanged():
    data = fixture(V1)
    assert data["version"] == 1
    polarity = next(a for a in layer_of(data, "loaded_language")["attributes"] if a["key"] == "polarity")
    assert polarity["required"] is True
    assert [label["key"] for label in layer_of(data, "loaded_language")["labels"]][-1] == "other_technique"


def test_load_codebook_command_loads_v2_by_default(db):
    out = io.StringIO()
    call_command("load_codebook", stdout=out)
    assert out.getvalue().strip() == "loaded codebook 'source-bias-framing' version 2"
    call_command("load_codebook", str(V1), stdout=out)
    assert Codebook.objects.count() == 2


def test_the_codebook_api_serves_category_and_2020_name(project, cast):
    data = client_for(cast["ann1"]).get(f"/api/projects/{project.pk}/codebook/").json()
    labels = {(layer["key"], label["key"]): label for layer in data["layers"] for label in layer["labels"]}
    assert {key: (labels["loaded_language", key]["category"], labels["loaded_language", key]["technique_2020"])
            for key in ("guilt_by_association", "straw_man", "false_dilemma", "conversation_killer", "appeal_to_time",
                        "flag_waving")} == {
        "guilt_by_association": ("attack on reputation", "Bandwagon,Reductio_ad_hitlerum"),
        "straw_man": ("distraction", "Whataboutism,Straw_Men,Red_Herring"),
        "false_dilemma": ("simplification", "Black-and-White_Fallacy"),
        "conversation_killer": ("call", "Thought-terminating_Cliches"),
        "appeal_to_time": ("call", None),
        "flag_waving": ("justification", "Flag-Waving"),
    }
    assert (labels["framing", "economic"]["category"], labels["framing", "economic"]["technique_2020"]) == (None, None)
    served = {label["technique"]: label["technique_2020"] for (layer, _), label in labels.items()
              if layer == "loaded_language"}
    assert served == {t.name: t.semeval2020 for t in techniques.INVENTORY}


def test_the_export_codebook_carries_category_and_2020_name(project, cast):
    response = client_for(cast["reviewer"]).get(f"/api/projects/{project.pk}/export/", {"format": "json"})
    layers = json.loads(b"".join(response.streaming_content))["codebook"]["layers"]
    layer = next(layer for layer in layers if layer["key"] == "loaded_language")
    whataboutism = next(label for label in layer["labels"] if label["key"] == "whataboutism")
    assert (whataboutism["category"], whataboutism["technique_2020"]) == (
        "distraction", "Whataboutism,Straw_Men,Red_Herring")


def test_the_guidelines_panel_groups_techniques_by_category(project, document, cast, client):
    client.force_login(cast["ann1"])
    page = client.get(f"/projects/{project.slug}/documents/{document.pk}/").content.decode()
    headings = [page.index(f'<h4 class="gl-category">{name}</h4>') for name in (
        "Attack on reputation", "Justification", "Distraction", "Simplification", "Call", "Manipulative wording")]
    assert headings == sorted(headings)
    assert headings[2] < page.index("Straw man") < headings[3]


def test_label_groups_put_a_v1_layer_in_category_order(db):
    v1, _ = load_codebook_file(V1)
    groups = label_groups(technique_labels(v1))
    assert [category for category, _ in groups] == [
        "attack on reputation", "justification", "simplification", "call", "manipulative wording", None]
    assert [label.key for label in groups[-1][1]] == ["other_technique"]


def test_polarity_is_required_only_where_the_charge_can_go_either_way(project, document, cast, label):
    segment = document.segments.get(text__startswith="In 2020, when U.S.")
    words = "crippled"
    start = segment.text.index(words)
    span = {"project": project, "document": document, "segment": segment, "annotator": cast["ann1"],
            "start": start, "end": start + len(words), "quote": words}
    assert create_tag(**span, label=label("loaded_language", "straw_man")).attributes == {}
    with pytest.raises(ValidationError, match="attributes.polarity"):
        create_tag(**span, label=label("loaded_language", "loaded_language"))
    with pytest.raises(ValidationError, match="attributes.polarity"):
        create_tag(**span, label=label("loaded_language", "slanted_word_choice"),
                   attributes={"neutral_alternative": "hurt"})


def test_the_demo_loads_both_versions_and_uses_v2(db, settings):
    settings.DEBUG = True
    call_command("load_demo", "--with-sample-annotations", stdout=io.StringIO())
    project = Project.objects.get(slug="telesur-iran-venezuela")
    assert project.codebook.version == 2
    assert set(Codebook.objects.values_list("version", flat=True)) == {1, 2}
    assert project.annotations.count() > 0
    assert add_sample_annotations(project) == 0
