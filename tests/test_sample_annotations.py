"""The demo's sample annotations: valid, on every layer, disagreeing, and loaded once."""

import pytest
from django.core.management import call_command

from annotate.dashboard import agreement_figures, fetch_rows
from annotate.demo import create_demo
from annotate.models import Annotation, Layer, SegmentProgress
from annotate.sample_annotations import add_sample_annotations
from annotate.validation import check_annotation


@pytest.fixture
def demo(db):
    project, _ = create_demo()
    return project, add_sample_annotations(project)


def test_sample_annotations_cover_every_layer_and_pass_validation(demo):
    project, created = demo
    annotations = Annotation.objects.filter(project=project).select_related("label__layer", "segment", "document")
    assert created == annotations.count() > 100
    assert set(annotations.values_list("label__layer__key", flat=True)) == set(
        Layer.objects.filter(codebook=project.codebook).values_list("key", flat=True))
    for annotation in annotations:
        check_annotation(annotation)
        if annotation.start is not None:
            assert annotation.segment.text[annotation.start:annotation.end] == annotation.quote
    assert set(annotations.values_list("annotator__username", flat=True)) == {"annotator1", "annotator2"}


def test_sample_annotators_finished_the_same_sentences(demo):
    project, _ = demo
    done = SegmentProgress.objects.filter(segment__document__project=project)
    by_annotator = {name: set(done.filter(annotator__username=name).values_list("segment_id", flat=True))
                    for name in ("annotator1", "annotator2")}
    assert len(by_annotator["annotator1"]) == 19 and by_annotator["annotator1"] == by_annotator["annotator2"]


def test_sample_annotators_disagree_in_places(demo):
    project, _ = demo
    reviewer = project.memberships.get(role="reviewer").user
    figures = agreement_figures(fetch_rows(project, reviewer))
    for layer in figures["segment_layers"]:
        assert layer["alpha"] is not None and layer["alpha"] < 1, layer["key"]
        assert layer["disagreement_segment_ids"], layer["key"]
    for layer in figures["span_layers"]:
        assert 0 < layer["f1"] < 1, layer["key"]
    # A sentence one annotator tags and the other finishes with nothing in the layer.
    heading = Annotation.objects.filter(project=project, label__layer__key="loaded_language",
                                        segment__text__startswith="Historical Foundations")
    assert list(heading.values_list("annotator__username", flat=True)) == ["annotator2"]


def test_adding_sample_annotations_again_adds_nothing(demo):
    project, _ = demo
    count = Annotation.objects.count()
    assert add_sample_annotations(project) == 0
    assert Annotation.objects.count() == count


def test_load_demo_with_sample_annotations(db, settings, capsys):
    settings.DEBUG = True
    call_command("load_demo", "--with-sample-annotations")
    call_command("load_demo", "--with-sample-annotations")
    out = capsys.readouterr().out
    assert "sample annotations: 0 added" in out
    assert Annotation.objects.filter(label__layer__key="attribution_relation").count() == 12
