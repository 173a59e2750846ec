"""The gold invariant holds after any sequence of writes by several users (a randomised stateful test)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from annotate.gold import GoldInconsistent, assert_gold_consistent, gold_problems
from annotate.models import Annotation, Membership
from annotate.reviewing import review_annotations
from annotate.tags import TagError, do_create_tag, do_delete_tag, do_edit_tag, write_path

# Sentences of the seed article and words in them that spans can mark.
SENTENCES = {
    "In 2020, when U.S.": ["lifeline", "crippled", "U.S. sanctions", "Iran"],
    "Iranian officials": ["Iranian officials", "echoed", "true allies stand together in hardship"],
}
SPAN_LABELS = [("loaded_language", "loaded_language"), ("loaded_language", "name_calling"),
               ("attribution", "source"), ("attribution", "content"), ("attribution", "cue")]
SENTENCE_LABELS = [("framing", "economic"), ("framing", "political"), ("sentence_bias", "biased"),
                   ("sentence_bias", "non_biased")]
ACTIONS = ["accept", "reject", "dispute", "unaccept"]
REFUSED = (ValidationError, TagError)


def refused_or_done(write):
    """Run a write; a refusal is a fine outcome, as long as it names its reason and leaves gold intact."""
    try:
        write()
    except REFUSED as error:
        assert str(error)


class GoldMachine(RuleBasedStateMachine):
    """Annotators and reviewers create, edit, delete and review tags in any order."""

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def tags(self, **filters):
        return list(Annotation.objects.filter(project=self.project, gold=False, **filters).order_by("pk"))

    def pick(self, index, **filters):
        tags = self.tags(**filters)
        return tags[index % len(tags)] if tags else None

    @rule(user=st.sampled_from(["ann1", "ann2", "reviewer"]), sentence=st.sampled_from(sorted(SENTENCES)),
          word=st.integers(0, 10), label=st.sampled_from(SPAN_LABELS))
    def create_span(self, user, sentence, word, label):
        segment = self.document.segments.get(text__startswith=sentence)
        words = SENTENCES[sentence][word % len(SENTENCES[sentence])]
        start = segment.text.index(words)
        attributes = {"polarity": "negative"} if label[0] == "loaded_language" else {}
        tag = Annotation(project=self.project, document=self.document, segment=segment, annotator=self.users[user],
                         label=self.labels[label], start=start, end=start + len(words), quote=words,
                         attributes=attributes)
        refused_or_done(lambda: do_create_tag(annotation=tag, user=self.users[user]))

    @rule(user=st.sampled_from(["ann1", "ann2"]), sentence=st.sampled_from(sorted(SENTENCES)),
          label=st.sampled_from(SENTENCE_LABELS))
    def create_sentence_tag(self, user, sentence, label):
        segment = self.document.segments.get(text__startswith=sentence)
        tag = Annotation(project=self.project, document=self.document, segment=segment, annotator=self.users[user],
                         label=self.labels[label])
        refused_or_done(lambda: do_create_tag(annotation=tag, user=self.users[user]))

    @rule(user=st.sampled_from(["ann1", "ann2"]), content=st.integers(0, 50), source=st.integers(0, 50),
          cue=st.integers(0, 50))
    def create_relation(self, user, content, source, cue):
        mine = {"annotator": self.users[user], "label__layer__key": "attribution"}
        ends = [self.pick(index, label__key=key, **mine)
                for index, key in ((content, "content"), (source, "source"), (cue, "cue"))]
        if ends[0] is None or ends[1] is None:
            return
        relation = Annotation(project=self.project, document=self.document, segment=ends[0].segment,
                              annotator=self.users[user], label=self.labels["attribution_relation", "attributed_to"],
                              relation_content=ends[0], relation_source=ends[1], relation_cue=ends[2],
                              attributes={"form": "paraphrase"})
        refused_or_done(lambda: do_create_tag(annotation=relation, user=self.users[user]))

    @precondition(lambda self: self.tags())
    @rule(index=st.integers(0, 100), change=st.sampled_from(["note", "attributes", "shorter", "label"]))
    def edit(self, index, change):
        tag = self.pick(index)
        changes = {"note": {"note": f"edited at version {tag.version}"}}.get(change, {})
        if change == "attributes" and tag.label.layer.key == "loaded_language":
            changes = {"attributes": {"polarity": "positive" if tag.attributes.get("polarity") == "negative"
                                      else "negative"}}
        elif change == "shorter" and tag.start is not None and tag.end - tag.start > 1:
            changes = {"end": tag.end - 1, "quote": tag.quote[:-1]}
        elif change == "label":
            siblings = [label for key, label in self.labels.items() if key[0] == tag.label.layer.key]
            changes = {"label": siblings[(siblings.index(tag.label) + 1) % len(siblings)]}
        refused_or_done(lambda: do_edit_tag(annotation=tag, changes=changes, user=tag.annotator,
                                            expected_version=tag.version))

    @precondition(lambda self: self.tags())
    @rule(index=st.integers(0, 100))
    def delete(self, index):
        tag = self.pick(index)
        refused_or_done(lambda: do_delete_tag(annotation=tag, user=tag.annotator, expected_version=tag.version))

    @precondition(lambda self: self.tags())
    @rule(reviewer=st.sampled_from(["reviewer", "manager"]), action=st.sampled_from(ACTIONS),
          indexes=st.lists(st.integers(0, 100), min_size=1, max_size=3, unique=True))
    def review(self, reviewer, action, indexes):
        tags = {tag.pk: tag for tag in (self.pick(index) for index in indexes)}
        items = [(tag.pk, tag.version) for tag in tags.values()]
        refused_or_done(lambda: review_annotations(reviewer=self.users[reviewer], items=items, action=action))

    @precondition(lambda self: self.tags(status="accepted"))
    @rule(index=st.integers(0, 100))
    def edit_then_accept_again(self, index):
        tag = self.pick(index, status="accepted")
        edits = {"attributes": {"polarity": "positive"}} if tag.label.layer.key == "loaded_language" else {}
        refused_or_done(lambda: review_annotations(reviewer=self.users["reviewer"], items=[(tag.pk, tag.version)],
                                                   action="accept", edits=edits))

    @invariant()
    def gold_is_consistent(self):
        assert_gold_consistent(self.project)


@pytest.mark.django_db
def test_gold_stays_consistent_through_any_sequence_of_writes(project, document, cast, label):
    Membership.objects.filter(user=cast["manager"]).update(role="manager")
    GoldMachine.project, GoldMachine.document = project, document
    GoldMachine.users = cast
    GoldMachine.labels = {key: label(*key) for key in [*SPAN_LABELS, *SENTENCE_LABELS,
                                                       ("attribution_relation", "attributed_to")]}
    run_state_machine_as_test(GoldMachine, settings=settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))


def test_the_invariant_check_names_a_gold_tag_without_provenance_and_an_unadopted_accepted_tag(
    project, document, cast, label
):
    from tests.api_helpers import make_span

    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    (result,) = review_annotations(reviewer=cast["reviewer"], items=[(tag.pk, 1)], action="accept")
    assert gold_problems(project) == []
    with write_path():
        result.gold.provenance.clear()
    with pytest.raises(GoldInconsistent) as error:
        assert_gold_consistent(project)
    assert set(error.value.problems) == {
        f"gold annotation {result.gold.pk} has no provenance",
        f"accepted annotation {tag.pk} is in the provenance of 0 gold annotations",
    }
