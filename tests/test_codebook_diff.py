"""The diff between two codebook versions: each kind of change, and across several versions."""

import pytest

from annotate.codebook_diff import count_changes, diff_codebooks
from annotate.codebook_drafts import (
    add_label,
    add_layer,
    merge_labels,
    publish,
    remove_label,
    remove_layer,
    split_label,
    start_draft,
    update_label,
    update_layer,
)
from annotate.codebooks import export_codebook, load_codebook
from annotate.models import Label
from tests.codebook_versions import draft_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(cast):
    return cast["manager"]




def keys(entries):
    return [getattr(entry, "key", None) or entry for entry in entries]


def test_an_untouched_draft_has_no_changes(codebook, draft):
    assert count_changes(diff_codebooks(codebook, draft)) == 0


def test_each_label_change_is_listed(codebook, draft, manager):
    edit = {"draft": draft, "user": manager}
    update_label(**edit, revision=1, label=draft_label(draft, "loaded_language", "loaded_language"), key="loaded_words")
    update_label(**edit, revision=2, label=draft_label(draft, "attribution", "cue"), color="#123456",
                 definition="A verb")
    merge_labels(**edit, revision=3, label=draft_label(draft, "loaded_language", "questioning_the_reputation"),
                 into=draft_label(draft, "loaded_language", "doubt_reputation"))
    split_label(**edit, revision=4, label=draft_label(draft, "sentence_bias", "biased"), key="slanted", name="Slanted")
    remove_label(**edit, revision=5, label=draft_label(draft, "loaded_language", "slogan"))
    add_label(**edit, revision=6, layer=draft.layers.get(key="attribution"), key="hedge", name="Hedge")
    labels = diff_codebooks(codebook, draft)["labels"]
    assert [(old.key, new.key) for old, new in labels["renamed"]] == [("loaded_language", "loaded_words")]
    assert [(old.key, [c[0] for c in changes]) for old, _, changes in labels["changed"]] == [
        ("cue", ["definition", "color"])]
    assert [(sorted(o.key for o in olds), new.key) for olds, new in labels["merged"]] == [
        (["doubt_reputation", "questioning_the_reputation"], "doubt_reputation")]
    assert [(old.key, sorted(n.key for n in news)) for old, news in labels["split"]] == [
        ("biased", ["biased", "slanted"])]
    assert keys(labels["removed"]) == ["slogan"]
    assert keys(labels["added"]) == ["hedge"]


def test_each_layer_change_is_listed(codebook, draft, manager):
    edit = {"draft": draft, "user": manager}
    update_layer(**edit, revision=1, layer=draft.layers.get(key="framing"), key="frames", name="Frames")
    remove_layer(**edit, revision=2, layer=draft.layers.get(key="claim_sourcing"))
    add_layer(**edit, revision=3, key="tone", name="Tone", scope="segment")
    layers = diff_codebooks(codebook, draft)["layers"]
    assert [(old.key, new.key) for old, new in layers["renamed"]] == [("framing", "frames")]
    assert [(old.key, [c[0] for c in changes], new.name) for old, new, changes in layers["changed"]] == [
        ("framing", ["name"], "Frames")]
    assert keys(layers["removed"]) == ["claim_sourcing"] and keys(layers["added"]) == ["tone"]
    assert keys(diff_codebooks(codebook, draft)["labels"]["removed"]) == ["unattributed_claim"]


def test_a_diff_spans_several_versions(codebook, project, manager):
    first = start_draft(project=project, user=manager)
    for revision, label in enumerate(Label.objects.filter(layer__codebook=first, hotkey="n"), start=1):
        update_label(draft=first, revision=revision, user=manager, label=label, hotkey="")
    update_label(draft=first, revision=3, user=manager,
                 label=draft_label(first, "sentence_bias", "biased"), key="leaning")
    publish(draft=first, revision=4, user=manager)
    project.codebook = first
    project.save()
    second = start_draft(project=project, user=manager)
    update_label(draft=second, revision=1, user=manager,
                 label=draft_label(second, "sentence_bias", "leaning"), key="slanted")
    labels = diff_codebooks(codebook, second)["labels"]
    assert [(old.key, new.key) for old, new in labels["renamed"]] == [("biased", "slanted")]


def test_an_unrelated_codebook_is_matched_by_key(codebook):
    data = export_codebook(codebook)
    data.update(key="shared", version=1)
    data["layers"][4]["labels"] = data["layers"][4]["labels"][:2]
    other, _ = load_codebook(data)
    labels = diff_codebooks(codebook, other)["labels"]
    assert keys(labels["removed"]) == ["content"] and labels["renamed"] == []


def test_attributes_and_relation_ends_are_listed_entry_by_entry(codebook, draft, manager):
    edit = {"draft": draft, "user": manager}
    update_label(**edit, revision=1, label=draft_label(draft, "loaded_language", "loaded_language"),
                 key="loaded_words")
    update_label(**edit, revision=2, label=draft_label(draft, "attribution", "content"), key="said")
    layers = {old.key: changes for old, _, changes in diff_codebooks(codebook, draft)["layers"]["changed"]}
    assert layers["loaded_language"] == [("attributes.polarity.required_for", "loaded_language, slanted_word_choice",
                                          "loaded_words, slanted_word_choice")]
    assert layers["attribution_relation"] == [("relation_endpoints.content", "content", "said")]
