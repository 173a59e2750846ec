"""Moving a project to another codebook version: each operation, all or nothing, history, audit, agreement."""

import csv
import io
import json
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from annotate.codebook_migration import MERGED, REMOVED, SPLIT, MoveError, plan_move
from annotate.codebook_moving import do_move_codebook
from annotate.dashboard import agreement_figures, fetch_rows
from annotate.gold import assert_gold_consistent
from annotate.models import Annotation, AuditEntry, Codebook, Label, Project, SegmentProgress
from annotate.reviewing import review_annotations
from annotate.tags import StaleVersion, do_edit_tag, lock_places
from tests.api_helpers import client_for, create_tag, link_across, make_span
from tests.codebook_versions import next_version

MERGE = {"framing": {"ethics": ["morality", "fairness_equality"]}}


@pytest.fixture
def sentences(document):
    return list(document.segments.order_by("index")[:4])


@pytest.fixture
def tag(project, document, cast, label):
    """Return a function that makes a sentence tag by an annotator through the write path."""

    def make(who, layer, key, segment, **fields):
        return create_tag(project=project, document=document, segment=segment, annotator=cast[who],
                          label=label(layer, key), **fields)

    return make


def accept(cast, project, *tags):
    review_annotations(reviewer=cast["reviewer"], items=[(t.pk, t.version) for t in tags], action="accept",
                       project=project)


def fresh(annotation):
    return Annotation.objects.select_related("label__layer").get(pk=annotation.pk)


def move(project, target, cast, choices=None, expected=None):
    return do_move_codebook(project=project, target=target, choices=choices or {}, user=cast["manager"],
                            expected_codebook=expected or project.codebook_id)


def test_kept_and_renamed_labels_carry_their_tags_with_a_new_version(project, codebook, cast, sentences, tag):
    economic = tag("ann1", "framing", "economic", sentences[0])
    crime = tag("ann1", "framing", "crime_punishment", sentences[1])
    target = next_version(codebook, renames={"framing": {"crime_punishment": "crime"}})
    counts = move(project, target, cast)
    project.refresh_from_db()
    assert project.codebook == target
    assert (fresh(economic).label.key, fresh(economic).label.layer.codebook_id) == ("economic", target.pk)
    assert fresh(crime).label.key == "crime"
    assert fresh(crime).version == crime.version + 1 and fresh(crime).made_under_id == codebook.pk
    assert counts["kept"] == 1 and counts["renamed"] == 1
    assert plan_move(project=project, target=codebook).moves  # moving back is possible


def test_every_moved_tag_gets_a_history_row_with_the_reason(project, codebook, cast, sentences, tag):
    crime = tag("ann1", "framing", "crime_punishment", sentences[1])
    target = next_version(codebook, renames={"framing": {"crime_punishment": "crime"}})
    move(project, target, cast)
    last = fresh(crime).history.order_by("-history_id").first()
    assert last.history_change_reason == "codebook source-bias-framing v2 -> v3: renamed 'crime_punishment' to 'crime'"
    assert last.history_user == cast["manager"] and last.label_id == fresh(crime).label_id


def test_a_move_keeps_an_earlier_codebook_of_origin(project, codebook, cast, sentences, tag):
    economic = tag("ann1", "framing", "economic", sentences[0])
    v3 = next_version(codebook)
    move(project, v3, cast)
    project.refresh_from_db()
    move(project, next_version(v3), cast)
    assert fresh(economic).made_under_id == codebook.pk and fresh(economic).version == economic.version + 2


def test_a_merge_without_duplicates_relabels_every_tag(project, codebook, cast, sentences, tag):
    tags = [tag("ann1", "framing", "morality", sentences[0]), tag("ann2", "framing", "fairness_equality",
                                                                   sentences[0])]
    target = next_version(codebook, merges=MERGE)
    plan = plan_move(project=project, target=target)
    assert {m.label.key: m.kind for m in plan.moves if m.kind == MERGED} == {"morality": MERGED,
                                                                            "fairness_equality": MERGED}
    assert plan.duplicates == 0
    counts = move(project, target, cast)
    assert [fresh(t).label.key for t in tags] == ["ethics", "ethics"]
    assert counts["merged"] == 2 and counts["collapsed"] == 0


def test_merge_duplicates_of_one_annotator_collapse_into_the_oldest(project, codebook, cast, sentences, tag):
    oldest = tag("ann1", "framing", "morality", sentences[0])
    newer = tag("ann1", "framing", "fairness_equality", sentences[0])
    other = tag("ann2", "framing", "fairness_equality", sentences[0])
    before = Annotation.objects.count()
    target = next_version(codebook, merges=MERGE)
    assert plan_move(project=project, target=target).duplicates == 1
    counts = move(project, target, cast)
    assert counts["collapsed"] == 1 and Annotation.objects.count() == before - 1
    assert not Annotation.objects.filter(pk=newer.pk).exists()
    assert fresh(oldest).label.key == fresh(other).label.key == "ethics"
    gone = Annotation.history.filter(id=newer.pk, history_type="-").get()
    assert "merged into annotation" in gone.history_change_reason and gone.history_user == cast["manager"]


def test_relations_on_a_collapsed_span_point_at_the_kept_one(project, codebook, document, cast, label):
    content, source, relation = link_across(project, document, cast["ann1"], label)
    twin = make_span(project, document, cast["ann1"], label, source.quote, layer="attribution", key="cue",
                     startswith="Iranian officials")
    target = next_version(codebook, merges={"attribution": {"source": ["source", "cue"]}})
    counts = move(project, target, cast)
    assert counts["collapsed"] == 1 and not Annotation.objects.filter(pk=twin.pk).exists()
    relation = fresh(relation)
    assert relation.relation_source_id == source.pk and relation.label.layer.codebook_id == target.pk
    assert fresh(source).label.key == "source"


def test_a_relation_whose_end_collapses_into_its_other_span_keeps_both(project, codebook, document, cast, label):
    content, source, relation = link_across(project, document, cast["ann1"], label)
    cue = make_span(project, document, cast["ann1"], label, source.quote, layer="attribution", key="cue",
                    startswith="Iranian officials")
    tags = [content, source, cue]
    do_edit_tag(annotation=relation, changes={"relation_cue": cue}, user=cast["ann1"],
                expected_version=relation.version)
    target = next_version(codebook, merges={"attribution": {"source": ["source", "cue"]}})
    move(project, target, cast)
    relation = fresh(relation)
    assert relation.relation_cue_id == source.pk == relation.relation_source_id
    assert Annotation.objects.filter(pk__in=[t.pk for t in tags]).count() == 2


def test_a_split_sends_tags_to_review_out_of_gold(project, codebook, cast, sentences, tag, gold_checked):
    a = tag("ann1", "framing", "policy", sentences[0])
    b = tag("ann2", "framing", "policy", sentences[0])
    kept = tag("ann1", "framing", "economic", sentences[1])
    accept(cast, project, a, b, kept)
    assert Annotation.objects.filter(gold=True).count() == 2
    target = next_version(codebook, splits={"framing": {"policy": ["policy_home", "policy_abroad"]}})
    plan = plan_move(project=project, target=target)
    split = next(m for m in plan.moves if m.kind == SPLIT)
    assert (split.tags, split.gold) == (3, 1)
    abroad = Label.objects.get(layer__codebook=target, key="policy_abroad")
    counts = move(project, target, cast, {split.label.pk: str(abroad.pk)})
    for t in (a, b):
        t = fresh(t)
        assert (t.label.key, t.status, t.gold_versions.count()) == ("policy_abroad", "pending", 0)
    assert fresh(kept).status == "accepted" and fresh(kept).gold_versions.count() == 1
    assert counts["split"] == 2 and counts["sent_to_review"] == 2 and counts["gold_withdrawn"] == 1
    assert not Annotation.objects.filter(gold=True, label__key__startswith="policy").exists()


def test_a_split_label_lands_on_its_first_successor_by_default(project, codebook, cast, sentences, tag):
    a = tag("ann1", "framing", "policy", sentences[0])
    move(project, next_version(codebook, splits={"framing": {"policy": ["policy_home", "policy_abroad"]}}), cast)
    assert fresh(a).label.key == "policy_home"


def test_a_split_span_reopens_the_relations_that_use_it(project, codebook, document, cast, label, gold_checked):
    content, source, relation = link_across(project, document, cast["ann1"], label)
    accept(cast, project, content, source)
    accept(cast, project, fresh(relation))
    target = next_version(codebook, splits={"attribution": {"source": ["source", "speaker"]}})
    move(project, target, cast)
    assert fresh(relation).status == fresh(source).status == "pending"
    assert fresh(content).status == "accepted"
    assert not Annotation.objects.filter(gold=True, label__layer__key="attribution_relation").exists()


def test_a_removed_label_deletes_its_tags_when_chosen(project, codebook, cast, sentences, tag, gold_checked):
    doomed = tag("ann1", "framing", "legality", sentences[0])
    kept = tag("ann1", "framing", "economic", sentences[0])
    accept(cast, project, doomed)
    before = Annotation.objects.count()
    target = next_version(codebook, removed={"framing": ["legality"]})
    legality = Label.objects.get(layer__codebook=codebook, layer__key="framing", key="legality")
    assert next(m for m in plan_move(project=project, target=target).moves if m.label == legality).kind == REMOVED
    counts = move(project, target, cast, {legality.pk: "delete"})
    assert not Annotation.objects.filter(pk=doomed.pk).exists() and fresh(kept).label.layer.codebook == target
    assert counts["deleted"] == 2 and Annotation.objects.count() == before - 2  # the tag and its gold copy


def test_a_removed_label_moves_its_tags_to_a_chosen_label(project, codebook, cast, sentences, tag):
    moved = tag("ann1", "framing", "legality", sentences[0])
    target = next_version(codebook, removed={"framing": ["legality"]})
    legality = Label.objects.get(layer__codebook=codebook, layer__key="framing", key="legality")
    policy = Label.objects.get(layer__codebook=target, layer__key="framing", key="policy")
    counts = move(project, target, cast, {legality.pk: str(policy.pk)})
    assert fresh(moved).label == policy and counts["moved"] == 1
    history = fresh(moved).history.order_by("-history_id").first()
    assert history.history_change_reason == (
        "codebook source-bias-framing v2 -> v3: removed 'legality': moved to 'policy'")


def test_a_removed_label_cannot_move_to_another_layer(project, codebook, cast, sentences, tag):
    tag("ann1", "framing", "legality", sentences[0])
    target = next_version(codebook, removed={"framing": ["legality"]})
    legality = Label.objects.get(layer__codebook=codebook, layer__key="framing", key="legality")
    biased = Label.objects.get(layer__codebook=target, key="biased")
    with pytest.raises(MoveError, match="framing:legality"):
        move(project, target, cast, {legality.pk: str(biased.pk)})
    project.refresh_from_db()
    assert project.codebook == codebook


def test_a_whole_removed_layer_can_only_be_deleted(project, codebook, cast, sentences, tag):
    unattributed = tag("ann1", "claim_sourcing", "unattributed_claim", sentences[0])
    kept = tag("ann2", "framing", "economic", sentences[0])
    target = next_version(codebook, drop_layers=["claim_sourcing"])
    plan = plan_move(project=project, target=target)
    removed = next(m for m in plan.moves if m.label.pk == unattributed.label_id)
    assert removed.options == [] and removed.needs_choice
    move(project, target, cast, {removed.label.pk: "delete"})
    assert not Annotation.objects.filter(pk=unattributed.pk).exists() and Annotation.objects.get(pk=kept.pk)


def test_a_missing_choice_names_the_label_and_changes_nothing(project, codebook, cast, sentences, tag):
    tags = [tag("ann1", "framing", "legality", sentences[0]), tag("ann1", "framing", "economic", sentences[0])]
    versions = [t.version for t in tags]
    target = next_version(codebook, removed={"framing": ["legality"]})
    with pytest.raises(MoveError, match="'framing:legality' is removed and has 1 tag"):
        move(project, target, cast)
    project.refresh_from_db()
    assert project.codebook == codebook
    assert [fresh(t).version for t in tags] == versions and [fresh(t).label_id for t in tags] == [
        t.label_id for t in tags]
    assert not AuditEntry.objects.exists()


def test_a_stale_expected_codebook_is_refused(project, codebook, cast, sentences, tag):
    economic = tag("ann1", "framing", "economic", sentences[0])
    v3 = next_version(codebook)
    move(project, v3, cast)
    with pytest.raises(MoveError, match="changed"):
        move(project, next_version(v3), cast, expected=codebook.pk)
    project.refresh_from_db()
    assert project.codebook == v3 and fresh(economic).label.layer.codebook == v3


@pytest.mark.parametrize("case", ["draft", "same", "scope"])
def test_a_draft_the_same_version_or_a_changed_scope_is_refused(project, codebook, cast, case):
    if case == "draft":
        target, message = next_version(codebook, status=Codebook.Status.DRAFT), "draft"
    elif case == "same":
        target, message = codebook, "already uses"
    else:
        target, message = next_version(codebook), "scope cannot change"
        target.layers.filter(key="framing").update(scope="document")
    with pytest.raises(MoveError, match=message):
        plan_move(project=project, target=target)
    with pytest.raises(MoveError, match=message):
        move(project, target, cast)


def test_tag_counts_are_equal_after_a_move_but_collapses(project, codebook, document, cast, sentences, tag, label):
    for who in ("ann1", "ann2"):
        tag(who, "framing", "morality", sentences[0])
        tag(who, "framing", "economic", sentences[1])
        link_across(project, document, cast[who], label)
    tag("ann1", "framing", "fairness_equality", sentences[0])
    before = Annotation.objects.count()
    counts = move(project, next_version(codebook, merges=MERGE), cast)
    assert Annotation.objects.count() == before - counts["collapsed"] == before - 1
    assert not Annotation.objects.exclude(label__layer__codebook=project.codebook_id).exclude(
        label__layer__codebook__version=3).exists()


def test_the_move_is_recorded_in_the_audit_log(project, codebook, cast, sentences, tag):
    tag("ann1", "framing", "morality", sentences[0])
    tag("ann1", "framing", "economic", sentences[0])
    target = next_version(codebook, merges=MERGE)
    move(project, target, cast)
    entry = AuditEntry.objects.get(action="codebook.moved")
    assert (entry.actor, entry.project) == (cast["manager"], project)
    assert entry.detail["counts"]["merged"] == 1 and entry.detail["counts"]["kept"] == 1
    assert entry.detail["target"] == target.pk and "v3" in entry.summary


def test_merge_agreement_after_equals_the_dashboard_after_the_move(project, codebook, cast, sentences, tag):
    for segment in sentences:
        for who in ("ann1", "ann2"):
            SegmentProgress.objects.create(segment=segment, annotator=cast[who])
    tag("ann1", "framing", "morality", sentences[0])
    tag("ann2", "framing", "fairness_equality", sentences[0])
    tag("ann1", "framing", "economic", sentences[1])
    tag("ann2", "framing", "economic", sentences[1])
    tag("ann1", "framing", "legality", sentences[2])
    target = next_version(codebook, merges=MERGE)
    plan = plan_move(project=project, target=target, user=cast["manager"])
    impact = next(layer for layer in plan.impact if layer["layer"] == "framing")
    dashboard = {layer["key"]: layer for layer in agreement_figures(fetch_rows(project, cast["manager"]))[
        "segment_layers"]}
    assert impact["before"] == dashboard["framing"]["alpha"]
    assert impact["after"] > impact["before"]
    move(project, target, cast)
    project.refresh_from_db()
    after = {layer["key"]: layer for layer in agreement_figures(fetch_rows(project, cast["manager"]))[
        "segment_layers"]}
    assert impact["after"] == pytest.approx(after["framing"]["alpha"])
    assert ("ethics", after["framing"]["labels"][[lab["key"] for lab in after["framing"]["labels"]].index(
        "ethics")]["alpha"]) in impact["labels_after"]


def test_an_edit_at_the_old_version_after_the_move_gets_a_conflict(project, codebook, cast, sentences, tag):
    crime = tag("ann1", "framing", "crime_punishment", sentences[0])
    move(project, next_version(codebook, renames={"framing": {"crime_punishment": "crime"}}), cast)
    with pytest.raises(StaleVersion):
        do_edit_tag(annotation=fresh(crime), changes={"note": "late"}, user=cast["ann1"],
                    expected_version=crime.version)
    assert fresh(crime).note == ""


def test_gold_stays_consistent_through_a_merge_of_accepted_tags(project, codebook, cast, sentences, tag):
    tags = [tag("ann1", "framing", "morality", sentences[0]), tag("ann2", "framing", "morality", sentences[0]),
            tag("ann1", "framing", "fairness_equality", sentences[0])]
    accept(cast, project, *tags)
    move(project, next_version(codebook, merges=MERGE), cast)
    assert_gold_consistent(project)
    assert Annotation.objects.filter(gold=True).get().label.key == "ethics"


def _export(project, user, fmt):
    response = client_for(user).get(f"/api/projects/{project.pk}/export/?format={fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_exports_say_which_version_each_tag_was_made_under(project, codebook, cast, sentences, tag):
    carried = tag("ann1", "framing", "crime_punishment", sentences[0])
    target = next_version(codebook, renames={"framing": {"crime_punishment": "crime"}})
    move(project, target, cast)
    project.refresh_from_db()
    made_here = create_tag(project=project, document=sentences[1].document, segment=sentences[1],
                           annotator=cast["ann2"], label=Label.objects.get(layer__codebook=target, key="crime"))
    data = json.loads(_export(project, cast["manager"], "json"))
    found = {a["id"]: a for d in data["documents"] for s in d["segments"] for a in s["annotations"]}
    key = codebook.key
    assert (found[carried.pk]["codebook_version"], found[carried.pk]["made_under"]) == (f"{key} v3", f"{key} v2")
    assert (found[made_here.pk]["codebook_version"], found[made_here.pk]["made_under"]) == (f"{key} v3", f"{key} v3")
    lines = [json.loads(line) for line in _export(project, cast["manager"], "jsonl").splitlines()]
    assert {a["made_under"] for line in lines for a in line.get("annotations", [])} == {f"{key} v2", f"{key} v3"}
    rows = {int(row["annotation_id"]): row for row in csv.DictReader(io.StringIO(_export(project, cast["manager"],
                                                                                        "csv")))}
    assert (rows[carried.pk]["codebook_version"], rows[carried.pk]["made_under"]) == (f"{key} v3", f"{key} v2")
    report = _export(project, cast["manager"], "md")
    assert f"Labels of codebook {codebook.name} v3; 1 of these tags were made under an earlier version" in report


def test_an_api_edit_at_the_old_version_after_the_move_is_a_conflict(project, codebook, cast, sentences, tag):
    crime = tag("ann1", "framing", "crime_punishment", sentences[0])
    move(project, next_version(codebook, renames={"framing": {"crime_punishment": "crime"}}), cast)
    response = client_for(cast["ann1"]).patch(f"/api/annotations/{crime.pk}/", {"note": "late"}, format="json",
                                              HTTP_IF_MATCH=f'"{crime.pk}.{crime.version}"')
    assert response.status_code == 412 and fresh(crime).note == ""


def test_a_span_merge_shows_token_alpha_before_and_after(project, codebook, document, cast, label):
    for who, key in (("ann1", "name_calling"), ("ann2", "doubt_reputation")):
        make_span(project, document, cast[who], label, "lifeline", key=key)
    segment = document.segments.get(text__startswith="In 2020, when U.S.")
    for who in ("ann1", "ann2"):
        SegmentProgress.objects.create(segment=segment, annotator=cast[who])
    target = next_version(codebook, merges={"loaded_language": {"attack": ["name_calling", "doubt_reputation"]}})
    plan = plan_move(project=project, target=target, user=cast["manager"])
    impact = next(layer for layer in plan.impact if layer["layer"] == "loaded_language")
    assert impact["figure"] == "token_alpha" and impact["f1_after"] == 1.0 and impact["f1_before"] == 0.0
    move(project, target, cast)
    project.refresh_from_db()
    after = agreement_figures(fetch_rows(project, cast["manager"]))["span_layers"]
    assert next(layer for layer in after if layer["key"] == "loaded_language")["f1"] == impact["f1_after"]


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="SQLite's in-memory test database answers a busy table with 'table is locked' at once "
                           "instead of waiting; SQLite writers are serialised anyway")
def test_a_tag_written_while_a_move_runs_waits_and_is_refused_on_the_old_label(transactional_db, project, codebook,
                                                                             cast, document, label):
    target = next_version(codebook, renames={"framing": {"crime_punishment": "crime"}})
    segment = document.segments.get(index=2)
    old_label = label("framing", "economic")
    project = Project.objects.get(pk=project.pk)  # as a request would hold it, codebook read before the move
    locked, outcome = threading.Event(), {}

    def move_slowly():
        try:
            with transaction.atomic():
                lock_places(project)
                locked.set()
                time.sleep(0.5)
                move(project, target, cast, expected=codebook.pk)
        finally:
            connection.close()

    def create_meanwhile():
        locked.wait()
        try:
            create_tag(project=project, document=document, segment=segment, annotator=cast["ann1"], label=old_label)
            outcome["created"] = True
        except ValidationError as error:
            outcome["refused"] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=move_slowly), threading.Thread(target=create_meanwhile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "created" not in outcome and "not to this project's codebook" in outcome["refused"]
    assert not Annotation.objects.filter(project=project).exclude(label__layer__codebook=target).exists()
