"""The single validation function: every rule rejected with a message naming the field."""

import pytest
from django.core.exceptions import ValidationError

from annotate.models import Annotation, Codebook, Label, Layer, Project
from annotate.validation import check_annotation
from tests.api_helpers import create_tag


@pytest.fixture
def ann1(cast):
    return cast["ann1"]


@pytest.fixture
def sentence(document):
    return document.segments.get(text__startswith="In 2020, when U.S. sanctions crippled")


def build(project, document, annotator, label, **fields):
    return Annotation(project=project, document=document, annotator=annotator, label=label, **fields)


def errors_of(annotation):
    with pytest.raises(ValidationError) as error:
        check_annotation(annotation)
    return {field: " ".join(messages) for field, messages in error.value.message_dict.items()}


def test_valid_span_passes(project, document, ann1, label, sentence):
    start = sentence.text.index("lifeline")
    annotation = build(
        project, document, ann1, label("loaded_language", "loaded_language"), segment=sentence,
        start=start, end=start + 8, quote="lifeline",
        attributes={"polarity": "positive", "target": "Iran", "neutral_alternative": "shipment"},
    )
    check_annotation(annotation)


def test_span_past_the_sentence_end_must_quote_the_document_text(project, document, ann1, label, sentence):
    n = len(sentence.text)
    errors = errors_of(build(project, document, ann1, label("attribution", "source"), segment=sentence,
                             start=n - 2, end=n + 3, quote="x"))
    assert "quote" in errors and "does not match the document text" in errors["quote"]


def test_span_past_the_document_end_is_rejected(project, document, ann1, label, sentence):
    past = len(document.text) - sentence.start + 1
    errors = errors_of(build(project, document, ann1, label("attribution", "source"), segment=sentence,
                             start=0, end=past, quote="x"))
    assert "end" in errors and "past the end of the document" in errors["end"]


def test_quote_must_equal_the_text_slice(project, document, ann1, label, sentence):
    errors = errors_of(build(project, document, ann1, label("attribution", "source"), segment=sentence,
                             start=0, end=7, quote="In 2021"))
    assert "does not match the sentence text at 0:7 ('In 2020')" in errors["quote"]


@pytest.mark.parametrize(("start", "end", "field", "message"), [
    (-1, 4, "start", "must not be negative"),
    ("3", 4, "start", "must be an integer"),
    (1.5, 4, "start", "must be an integer"),
    (None, 4, "start", "required for a span"),
    (5, 5, "end", "must be greater than start (5)"),
])
def test_offsets_must_be_non_negative_integers_in_order(project, document, ann1, label, sentence,
                                                        start, end, field, message):
    errors = errors_of(build(project, document, ann1, label("attribution", "cue"), segment=sentence,
                             start=start, end=end, quote=""))
    assert message in errors[field]


def test_label_from_another_codebook_is_rejected(project, document, ann1, sentence):
    other = Codebook.objects.create(key="other", name="Other", version=1)
    layer = Layer.objects.create(codebook=other, key="framing", name="Framing", scope="segment")
    foreign = Label.objects.create(layer=layer, key="economic", name="Economic")
    errors = errors_of(build(project, document, ann1, foreign, segment=sentence))
    assert "belongs to codebook 'Other v1', not to this project's codebook" in errors["label"]


def test_segment_label_without_a_segment_is_rejected(project, document, ann1, label):
    errors = errors_of(build(project, document, ann1, label("framing", "economic")))
    assert "labels whole sentences: a segment is required" in errors["segment"]


def test_segment_label_with_span_offsets_is_the_wrong_shape(project, document, ann1, label, sentence):
    errors = errors_of(build(project, document, ann1, label("framing", "economic"), segment=sentence,
                             start=0, end=2, quote="In"))
    assert errors["start"] == "must be empty for a sentence-level label"
    assert errors["quote"] == "must be empty for a sentence-level label"


def test_document_label_may_be_anchored_but_has_no_span(project, document, ann1, label, sentence):
    mp = label("missing_perspectives", "counter_perspective_missing")
    check_annotation(build(project, document, ann1, mp, segment=sentence, attributes={"stakeholder": "us_government"}))
    errors = errors_of(build(project, document, ann1, mp, segment=sentence, start=0, end=2, quote="In",
                             attributes={"stakeholder": "us_government"}))
    assert errors["start"] == "must be empty for a document-level label"


def test_unknown_attribute_is_rejected(project, document, ann1, label, sentence):
    errors = errors_of(build(project, document, ann1, label("framing", "economic"), segment=sentence,
                             attributes={"colour": "red"}))
    assert errors["attributes.colour"] == "unknown attribute for layer 'framing' (allowed: frame_function)"


def test_attribute_value_outside_the_choices_is_rejected(project, document, ann1, label, sentence):
    errors = errors_of(build(project, document, ann1, label("framing", "economic"), segment=sentence,
                             attributes={"frame_function": "vibes"}))
    assert "'vibes' is not one of: problem_definition" in errors["attributes.frame_function"]


def test_text_attribute_must_be_text(project, document, ann1, label, sentence):
    errors = errors_of(build(project, document, ann1, label("loaded_language", "loaded_language"),
                             segment=sentence, start=0, end=2, quote="In",
                             attributes={"polarity": "negative", "target": 42}))
    assert errors["attributes.target"] == "must be text"


def test_attributes_must_be_an_object(project, document, ann1, label, sentence):
    errors = errors_of(build(project, document, ann1, label("framing", "economic"), segment=sentence,
                             attributes=["frame_function"]))
    assert "must be an object" in errors["attributes"]


def test_required_attribute_is_enforced(project, document, ann1, label, sentence):
    errors = errors_of(build(project, document, ann1, label("loaded_language", "loaded_language"),
                             segment=sentence, start=0, end=2, quote="In"))
    assert errors["attributes.polarity"].startswith("required for label 'loaded_language' (a tag taken from a dataset")


def test_attribute_required_for_one_label_only(project, document, ann1, label, sentence):
    errors = errors_of(build(project, document, ann1, label("loaded_language", "slanted_word_choice"),
                             segment=sentence, start=0, end=2, quote="In", attributes={"polarity": "negative"}))
    assert list(errors) == ["attributes.neutral_alternative"]
    assert errors["attributes.neutral_alternative"].startswith("required for label 'slanted_word_choice' (")


def test_single_label_layer_takes_one_label_per_sentence(project, document, ann1, label, sentence):
    create_tag(project=project, document=document, annotator=ann1, segment=sentence,
                              label=label("sentence_bias", "biased"))
    errors = errors_of(build(project, document, ann1, label("sentence_bias", "non_biased"), segment=sentence))
    assert "takes one label per unit; this annotator already gave 'biased'" in errors["label"]


def test_same_segment_label_twice_is_rejected(project, document, ann1, label, sentence):
    create_tag(project=project, document=document, annotator=ann1, segment=sentence,
                              label=label("framing", "economic"))
    errors = errors_of(build(project, document, ann1, label("framing", "economic"), segment=sentence))
    assert "already on this sentence" in errors["label"]


def test_segment_of_another_document_is_rejected(project, document, ann1, label, codebook):
    from annotate.importing import import_article

    other = import_article(project=project, name="other.txt", raw=b"Other title\n\nAnother sentence.").document
    errors = errors_of(build(project, document, ann1, label("framing", "economic"),
                             segment=other.segments.first()))
    assert errors["segment"] == "segment does not belong to this document"


def test_document_of_another_project_is_rejected(project, document, ann1, label, codebook, sentence):
    elsewhere = Project.objects.create(slug="elsewhere", name="Elsewhere", codebook=codebook)
    errors = errors_of(Annotation(project=elsewhere, document=document, annotator=ann1,
                                  label=label("framing", "economic"), segment=sentence))
    assert errors["document"] == "document does not belong to this project"


def span(project, document, annotator, label, segment, words, key):
    start = segment.text.index(words)
    return create_tag(project=project, document=document, annotator=annotator, segment=segment,
                                     label=label("attribution", key), start=start, end=start + len(words),
                                     quote=words)


def test_relation_links_content_to_source(project, document, ann1, label):
    segment = document.segments.get(text__startswith="Iranian officials, including")
    content = span(project, document, ann1, label, segment, "this sentiment", "content")
    source = span(project, document, ann1, label, segment, "Mohammad Bagher Ghalibaf", "source")
    cue = span(project, document, ann1, label, segment, "have echoed", "cue")
    relation = build(project, document, ann1, label("attribution_relation", "attributed_to"),
                     relation_content=content, relation_source=source, relation_cue=cue,
                     attributes={"form": "allusion_no_content", "alignment": "supports"})
    check_annotation(relation)

    reversed_ends = build(project, document, ann1, label("attribution_relation", "attributed_to"),
                          relation_content=source, relation_source=content, attributes={"form": "paraphrase"})
    errors = errors_of(reversed_ends)
    assert errors["relation_content"] == "must be a 'content' span, not 'source'"
    assert errors["relation_source"] == "must be a 'source' span, not 'content'"


def test_relation_needs_both_ends(project, document, ann1, label):
    errors = errors_of(build(project, document, ann1, label("attribution_relation", "attributed_to"),
                             attributes={"form": "paraphrase"}))
    assert errors["relation_content"] == "required for a relation"
    assert errors["relation_source"] == "required for a relation"


def test_relation_across_documents_is_rejected(project, document, ann1, label):
    from annotate.importing import import_article

    other = import_article(project=project, name="o.txt", raw=b"T\n\nSomeone said this.").document
    segment = document.segments.get(text__startswith="Iranian officials, including")
    content = span(project, document, ann1, label, segment, "this sentiment", "content")
    source = span(project, other, ann1, label, other.segments.get(kind="body"), "Someone", "source")
    errors = errors_of(build(project, document, ann1, label("attribution_relation", "attributed_to"),
                             relation_content=content, relation_source=source, attributes={"form": "paraphrase"}))
    assert errors["relation_source"] == "must be an annotation in the same document"


def test_relation_end_must_be_a_span(project, document, ann1, label, sentence):
    frame = create_tag(project=project, document=document, annotator=ann1, segment=sentence,
                                      label=label("framing", "economic"))
    errors = errors_of(build(project, document, ann1, label("attribution_relation", "attributed_to"),
                             relation_content=frame, relation_source=frame, attributes={"form": "paraphrase"}))
    assert errors["relation_content"] == "must be a span annotation"


def test_admin_form_uses_the_same_rules(project, document, ann1, label, sentence):
    annotation = build(project, document, ann1, label("attribution", "source"), segment=sentence,
                       start=0, end=7, quote="wrong")
    with pytest.raises(ValidationError) as error:
        annotation.full_clean()
    assert "quote" in error.value.message_dict
