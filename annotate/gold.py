"""The gold version's invariant, checked rather than assumed.

The gold version of a project is its Annotation rows with ``gold=True``;
review decisions (annotate.reviewing) are the only writes that make or
change them. At every commit:

- every accepted tag is in the provenance of exactly one gold tag, and that
  gold tag has the tag's label, span and attributes, unless a reviewer
  accepted it with edits (``edited``);
- every gold tag is accepted, has a non-empty provenance, and every tag in a
  provenance is an accepted annotator's tag (never pending, rejected,
  disputed, or itself gold);
- a gold relation's ends are gold spans.
"""

from annotate.models import Annotation, Layer

IDENTITY = ("label_id", "segment_id", "start", "end", "attributes")


class GoldInconsistent(AssertionError):
    """The gold version breaks its invariant; the message lists every problem found."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(problems))


def gold_problems(project):
    """Return a list of sentences, one per breach of the gold invariant in the project (empty when it holds)."""
    tags = Annotation.objects.filter(project=project).select_related("label__layer")
    by_id = {tag.pk: tag for tag in tags}
    links = Annotation.provenance.through.objects.filter(from_annotation__project=project).values_list(
        "from_annotation_id", "to_annotation_id"
    )
    sources, golds_of = {}, {}
    for gold_id, source_id in links:
        sources.setdefault(gold_id, []).append(source_id)
        golds_of.setdefault(source_id, []).append(gold_id)
    problems = []
    for tag in by_id.values():
        if tag.gold:
            problems += _gold_row_problems(tag, sources.get(tag.pk, []), by_id)
        elif tag.status == Annotation.Status.ACCEPTED:
            problems += _accepted_problems(tag, golds_of.get(tag.pk, []), by_id, sources)
        elif golds_of.get(tag.pk):
            problems.append(f"{tag.status} annotation {tag.pk} is in the provenance of gold {golds_of[tag.pk]}")
    return problems


def assert_gold_consistent(project):
    """Raise GoldInconsistent naming every breach of the gold invariant in the project."""
    problems = gold_problems(project)
    if problems:
        raise GoldInconsistent(problems)


def _gold_row_problems(gold, source_ids, by_id):
    problems = []
    if gold.status != Annotation.Status.ACCEPTED:
        problems.append(f"gold annotation {gold.pk} has status {gold.status}")
    if not source_ids:
        problems.append(f"gold annotation {gold.pk} has no provenance")
    for source_id in source_ids:
        source = by_id.get(source_id)
        if source is None:
            problems.append(f"gold annotation {gold.pk} came from annotation {source_id} of another project")
        elif source.gold:
            problems.append(f"gold annotation {gold.pk} lists gold annotation {source_id} as its source")
        elif source.status != Annotation.Status.ACCEPTED:
            problems.append(f"gold annotation {gold.pk} lists {source.status} annotation {source_id}")
    if gold.label.layer.scope == Layer.Scope.RELATION:
        for role in ("content", "source", "cue"):
            end_id = getattr(gold, f"relation_{role}_id")
            end = by_id.get(end_id)
            if end_id is not None and (end is None or not end.gold):
                problems.append(f"gold relation {gold.pk}: its {role} end, annotation {end_id}, is not gold")
    return problems


def _accepted_problems(tag, gold_ids, by_id, sources):
    if len(gold_ids) != 1:
        return [f"accepted annotation {tag.pk} is in the provenance of {len(gold_ids)} gold annotations"]
    gold = by_id.get(gold_ids[0])
    if gold is None or not gold.gold:
        return [f"accepted annotation {tag.pk} is in the provenance of annotation {gold_ids[0]}, not a gold one"]
    if gold.edited:
        return []
    differs = [name.removesuffix("_id") for name in IDENTITY if getattr(tag, name) != getattr(gold, name)]
    if tag.label.layer.scope == Layer.Scope.RELATION:
        differs += _relation_end_differences(tag, gold, sources)
    if differs:
        return [f"accepted annotation {tag.pk} differs from its gold annotation {gold.pk} in {', '.join(differs)}"]
    return []


def _relation_end_differences(tag, gold, sources):
    """Return the ends of an accepted relation whose gold copy does not come from that end."""
    differs = []
    for role in ("content", "source", "cue"):
        end_id, gold_end_id = getattr(tag, f"relation_{role}_id"), getattr(gold, f"relation_{role}_id")
        if (end_id is None) != (gold_end_id is None) or (
            end_id is not None and end_id not in sources.get(gold_end_id, [])
        ):
            differs.append(f"relation_{role}")
    return differs
