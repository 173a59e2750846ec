"""Codebook drafts: start, each edit, each check, publish, immutability of published versions, JSON import."""

import pytest

from annotate.codebook_drafts import (
    DraftError,
    StaleDraft,
    add_label,
    add_layer,
    check_draft,
    discard_draft,
    export_data,
    import_draft,
    merge_labels,
    publish,
    remove_label,
    remove_layer,
    split_label,
    start_draft,
    update_label,
    update_layer,
)
from annotate.codebooks import export_codebook, label_successors, load_codebook
from annotate.models import AuditEntry, Codebook, Label, Layer, PublishedCodebookError
from tests.codebook_versions import draft_label

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(cast):
    return cast["manager"]




def paths(problems):
    return [path for path, _ in problems]


def clear_reserved_hotkeys(draft, manager):
    """Give the default codebook's labels on the annotation page's own keys another key."""
    for label in Label.objects.filter(layer__codebook=draft, hotkey="n").select_related("layer"):
        update_label(draft=draft, revision=draft.revision, user=manager, label=label, hotkey="")


def test_start_draft_copies_the_codebook_with_origins(project, codebook, draft, manager):
    assert draft.status == "draft" and draft.key == codebook.key and draft.version == codebook.version + 1
    assert draft.based_on == codebook and draft.made_for == project and draft.created_by == manager
    assert [layer.key for layer in draft.layers.all()] == [layer.key for layer in codebook.layers.all()]
    assert all(layer.origin.codebook == codebook for layer in draft.layers.all())
    successors = label_successors(codebook, draft)
    assert len(successors) == Label.objects.filter(layer__codebook=codebook).count()
    assert all(len(targets) == 1 for targets in successors.values())
    assert AuditEntry.objects.filter(project=project, action="codebook.draft", actor=manager).count() == 1


def test_start_draft_returns_the_open_draft(project, draft, manager):
    assert start_draft(project=project, user=manager) == draft
    assert Codebook.objects.filter(status="draft").count() == 1


def test_renaming_a_label_keeps_its_origin_and_counts_the_edit(codebook, draft, manager, label):
    loaded = draft_label(draft, "loaded_language", "loaded_language")
    update_label(draft=draft, revision=1, user=manager, label=loaded, key="loaded_words", name="Loaded words")
    draft.refresh_from_db()
    assert draft.revision == 2
    renamed = draft_label(draft, "loaded_language", "loaded_words")
    assert list(renamed.origins.all()) == [label("loaded_language", "loaded_language")]
    assert AuditEntry.objects.filter(action="codebook.edit", summary__contains="to loaded_words").exists()


def test_a_renamed_merged_or_removed_label_takes_its_references_along(draft, manager):
    loaded = draft_label(draft, "loaded_language", "loaded_language")
    update_label(draft=draft, revision=1, user=manager, label=loaded, key="loaded_words")
    content = draft_label(draft, "attribution", "content")
    update_label(draft=draft, revision=2, user=manager, label=content, key="said")
    slanted = draft_label(draft, "loaded_language", "slanted_word_choice")
    merge_labels(draft=draft, revision=3, user=manager, label=slanted, into=draft_label(
        draft, "loaded_language", "loaded_words"))
    required = {spec["key"]: spec.get("required_for") for spec in draft.layers.get(key="loaded_language").attributes}
    assert required["polarity"] == ["loaded_words"]
    assert required["neutral_alternative"] == ["loaded_words"]
    assert draft.layers.get(key="attribution_relation").relation_endpoints["content"] == "said"
    remove_label(draft=draft, revision=4, user=manager, label=draft_label(draft, "loaded_language", "loaded_words"))
    layer = draft.layers.get(key="loaded_language")
    assert all(spec.get("required_for", []) == [] for spec in layer.attributes)
    assert not [path for path, _ in check_draft(draft) if "required_for" in path or "relation_endpoints" in path]


def test_a_stale_revision_is_refused_and_nothing_changes(draft, manager):
    loaded = draft_label(draft, "loaded_language", "loaded_language")
    update_label(draft=draft, revision=1, user=manager, label=loaded, name="First")
    with pytest.raises(StaleDraft, match="changed by someone else: reload"):
        update_label(draft=draft, revision=1, user=manager, label=loaded, name="Second")
    assert draft_label(draft, "loaded_language", "loaded_language").name == "First"


def test_a_bad_field_is_refused_naming_it(draft, manager):
    loaded = draft_label(draft, "loaded_language", "loaded_language")
    with pytest.raises(DraftError, match="color"):
        update_label(draft=draft, revision=1, user=manager, label=loaded, color="red")
    loaded = draft_label(draft, "loaded_language", "loaded_language")
    with pytest.raises(DraftError, match="key: 'slogan' is already used"):
        update_label(draft=draft, revision=1, user=manager, label=loaded, key="slogan")
    draft.refresh_from_db()
    assert draft.revision == 1 and draft_label(draft, "loaded_language", "loaded_language").color != "red"


def test_adding_and_removing_labels_and_layers(codebook, draft, manager):
    layer = add_layer(draft=draft, revision=1, user=manager, key="tone", name="Tone", scope="segment")
    add_label(draft=draft, revision=2, user=manager, layer=layer, key="calm", name="Calm", hotkey="c")
    assert [label.key for label in layer.labels.all()] == ["calm"]
    remove_label(draft=draft, revision=3, user=manager, label=draft_label(draft, "attribution", "cue"))
    remove_layer(draft=draft, revision=4, user=manager, layer=draft.layers.get(key="claim_sourcing"))
    successors = label_successors(codebook, draft)
    removed = Label.objects.filter(pk__in=[pk for pk, targets in successors.items() if not targets])
    assert sorted(removed.values_list("key", flat=True)) == ["cue", "unattributed_claim"]
    update_layer(draft=draft, revision=5, user=manager, layer=layer, description="How it sounds", multiple=False)
    assert Layer.objects.get(pk=layer.pk).description == "How it sounds"


def test_merging_two_labels_joins_their_origins(codebook, draft, manager, label):
    doubt = draft_label(draft, "loaded_language", "doubt_reputation")
    questioning = draft_label(draft, "loaded_language", "questioning_the_reputation")
    merge_labels(draft=draft, revision=1, user=manager, label=questioning, into=doubt)
    assert not Label.objects.filter(pk=questioning.pk).exists()
    assert set(doubt.origins.all()) == {label("loaded_language", "doubt_reputation"),
                                        label("loaded_language", "questioning_the_reputation")}
    successors = label_successors(codebook, draft)
    assert successors[label("loaded_language", "questioning_the_reputation").pk] == [doubt.pk]


def test_merging_across_layers_is_refused(draft, manager):
    with pytest.raises(DraftError, match="into: merge into another label of the same layer"):
        merge_labels(draft=draft, revision=1, user=manager, label=draft_label(draft, "attribution", "cue"),
                     into=draft_label(draft, "loaded_language", "slogan"))


def test_splitting_a_label_gives_the_new_one_the_same_origins(codebook, draft, manager, label):
    loaded = draft_label(draft, "loaded_language", "loaded_language")
    new = split_label(draft=draft, revision=1, user=manager, label=loaded, key="loaded_positive", name="Positive")
    assert list(new.origins.all()) == [label("loaded_language", "loaded_language")]
    assert label_successors(codebook, draft)[label("loaded_language", "loaded_language").pk] == sorted(
        [loaded.pk, new.pk])


def test_edits_to_a_label_of_another_codebook_are_refused(draft, manager, label):
    with pytest.raises(DraftError, match="not part of the draft"):
        update_label(draft=draft, revision=1, user=manager, label=label("attribution", "cue"), name="x")


@pytest.mark.parametrize("change, path", [
    ({"layers": [{"key": "a", "name": "A", "scope": "segment"}] * 2}, "a.key"),
    ({"layers": [{"key": "a b", "name": "A", "scope": "segment"}]}, "a b.key"),
    ({"layers": [{"key": "a", "name": "A", "scope": "sentence"}]}, "a.scope"),
    ({"layers": [{"key": "a", "name": "A", "scope": "span", "origin_scope": "segment"}]}, "a.scope"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment",
                  "labels": [{"key": "x", "name": "X"}, {"key": "x", "name": "X2"}]}]}, "a.x.key"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment",
                  "labels": [{"key": "x", "name": "X", "hotkey": "1"}, {"key": "y", "name": "Y", "hotkey": "1"}]}]},
     "a.y.hotkey"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment", "labels": [{"key": "x", "name": "X", "hotkey": "j"}]}]},
     "a.x.hotkey"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment", "labels": [{"key": "x", "name": "X", "hotkey": "ab"}]}]},
     "a.x.hotkey"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment", "labels": [{"key": "x", "name": "X", "color": "red"}]}]},
     "a.x.color"),
    ({"layers": [{"key": "a", "name": "A", "scope": "span",
                  "labels": [{"key": "x", "name": "X", "technique": "Spin"}]}]}, "a.x.technique"),
    ({"layers": [{"key": "a", "name": "A", "scope": "relation", "relation_endpoints": {"source": "speaker"}}]},
     "a.relation_endpoints.source"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment", "attributes": [{"key": "k", "name": "K"}]}]},
     "a.attributes[0]"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment",
                  "attributes": [{"key": "k", "name": "K", "type": "number"}]}]}, "a.attributes[0].type"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment",
                  "attributes": [{"key": "k", "name": "K", "type": "choice"}]}]}, "a.attributes[0].choices"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment", "labels": [{"key": "x", "name": "X"}],
                  "attributes": [{"key": "k", "name": "K", "type": "text", "required_for": ["y"]}]}]},
     "a.attributes[0].required_for"),
    ({"layers": [{"key": "a", "name": "A", "scope": "segment", "origin_lineage": 1,
                  "labels": [{"key": "x", "name": "X", "origin_layers": [2]}]}]}, "a.x.origins"),
])
def test_each_check_names_the_field(change, path):
    from annotate.codebook_checks import check_codebook_data

    assert path in paths(check_codebook_data(change))


def test_a_scope_change_and_a_clash_are_found_on_a_draft(draft, manager):
    update_layer(draft=draft, revision=1, user=manager, layer=draft.layers.get(key="framing"), scope="span")
    update_label(draft=draft, revision=2, user=manager, label=draft_label(draft, "attribution", "cue"), hotkey="s")
    problems = check_draft(draft)
    assert "framing.scope" in paths(problems) and "attribution.cue.hotkey" in paths(problems)


def test_publish_refuses_a_draft_with_problems_and_lists_them(draft, manager):
    assert "loaded_language.name_calling.hotkey" in paths(check_draft(draft))
    with pytest.raises(DraftError, match="name_calling.hotkey: 'n' is the annotation page's key"):
        publish(draft=draft, revision=1, user=manager)
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.published_at is None


def test_publish_makes_the_version_immutable_everywhere(project, draft, manager):
    clear_reserved_hotkeys(draft, manager)
    assert check_draft(draft) == []
    publish(draft=draft, revision=draft.revision, user=manager)
    assert draft.status == "published" and draft.published_at is not None
    assert AuditEntry.objects.filter(project=project, action="codebook.publish").count() == 1
    cue = draft_label(draft, "attribution", "cue")
    with pytest.raises(DraftError, match="published"):
        update_label(draft=draft, revision=draft.revision, user=manager, label=cue, name="x")
    cue.name = "x"
    with pytest.raises(PublishedCodebookError):
        cue.save()
    with pytest.raises(PublishedCodebookError):
        cue.delete()
    with pytest.raises(PublishedCodebookError):
        cue.layer.save()
    with pytest.raises(PublishedCodebookError):
        draft.save()
    assert draft_label(draft, "attribution", "cue").name != "x"


def test_published_rows_can_still_be_created_by_the_loader(codebook):
    data = {**export_codebook(codebook), "version": 99}
    loaded, created = load_codebook(data)
    assert created and loaded.layers.count() == codebook.layers.count()


def test_export_import_round_trip_lines_up_with_the_project(project, codebook, manager, label):
    data = export_data(codebook)
    for layer in data["layers"]:
        for described in layer["labels"]:
            described["hotkey"] = "" if described["hotkey"] == "n" else described["hotkey"]
    data["layers"][0]["labels"][0]["name"] = "Economy"
    imported = import_draft(project=project, user=manager, data=data)
    assert imported.status == "draft" and imported.based_on == codebook and imported.made_for == project
    assert [layer["labels"] for layer in export_codebook(imported)["layers"]] == \
        [layer["labels"] for layer in data["layers"]]
    successors = label_successors(codebook, imported)
    assert all(len(targets) == 1 for targets in successors.values())
    assert AuditEntry.objects.filter(action="codebook.import").count() == 1


@pytest.mark.parametrize("data, message", [
    ("not a dict", "not a codebook"),
    ({"name": "x"}, "layers: a list of layers is needed"),
    ({"name": "x", "layers": [{"key": "a", "scope": "segment"}]}, "a.name: a layer needs a name"),
    ({"name": "x", "layers": [{"key": "a", "name": "A", "scope": "segment", "multiple": "perhaps"}]}, "a.multiple"),
    ({"name": "x", "layers": [{"key": "framing", "name": "F", "scope": "span"}]}, "framing.scope"),
])
def test_a_bad_import_is_refused_naming_the_problem_and_saves_nothing(project, manager, data, message):
    before = Codebook.objects.count(), Layer.objects.count(), Label.objects.count()
    with pytest.raises(DraftError, match=message.replace(".", r"\.")):
        import_draft(project=project, user=manager, data=data)
    assert (Codebook.objects.count(), Layer.objects.count(), Label.objects.count()) == before


@pytest.mark.parametrize("layer", [
    {"key": ["a"], "name": "A", "scope": "segment"},
    {"key": "a", "name": "A", "scope": ["segment"], "attributes": "x", "relation_endpoints": {"s": ["x"]}},
    {"key": "a", "name": "A", "scope": "segment", "labels": [{"key": {"k": 1}, "name": "X", "hotkey": ["x"]}]},
    {"key": "a", "name": "A", "scope": "segment", "labels": "x"},
    {"key": "a", "name": {"n": 1}, "scope": "segment", "labels": [None, 3, {"key": "x", "name": "X", "color": 7}]},
])
def test_a_malformed_import_is_refused_not_crashed(project, manager, layer):
    with pytest.raises(DraftError, match="not imported"):
        import_draft(project=project, user=manager, data={"name": "x", "layers": [layer]})
    assert not Codebook.objects.filter(status="draft").exists()


def test_import_is_refused_while_a_draft_is_open(project, draft, codebook, manager):
    with pytest.raises(DraftError, match="already has a draft"):
        import_draft(project=project, user=manager, data=export_data(codebook))


def test_discarding_the_draft_removes_it_and_a_new_one_can_start(project, draft, manager):
    discard_draft(draft=draft, revision=1, user=manager)
    assert not Codebook.objects.filter(status="draft").exists()
    assert AuditEntry.objects.filter(project=project, action="codebook.discard").count() == 1
    assert start_draft(project=project, user=manager).status == "draft"


def test_publishing_writes_one_audit_entry(project, draft, manager):
    clear_reserved_hotkeys(draft, manager)
    publish(draft=draft, revision=draft.revision, user=manager)
    assert list(AuditEntry.objects.filter(project=project).values_list("action", flat=True).order_by("pk")) == [
        "codebook.draft", "codebook.edit", "codebook.edit", "codebook.publish"]
