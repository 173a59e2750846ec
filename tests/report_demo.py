"""The demo article with both sample annotators' tags and a gold version, as the report tests read it."""

from annotate.demo import create_demo
from annotate.models import Annotation, Layer
from annotate.reviewing import review_annotations
from annotate.sample_annotations import add_sample_annotations


def demo_with_gold():
    """Return the demo project after the reviewer accepted annotator1's tags and annotator2's sentence labels.

    Where both gave the same sentence label, one gold tag comes from both; the rest of annotator2's tags
    are rejected, so the export holds pending-free annotator work, rejections and gold.
    """
    project, _ = create_demo()
    add_sample_annotations(project)
    reviewer = project.memberships.get(user__username="reviewer").user
    tags = Annotation.objects.filter(project=project, gold=False)
    first = list(tags.filter(annotator__username="annotator1").values_list("pk", "version"))
    second = tags.filter(annotator__username="annotator2")
    fields = ("label_id", "segment_id", "attributes")
    given = {_key(row) for row in tags.filter(annotator__username="annotator1").values(*fields)}
    agreeing = [row["pk"] for row in second.filter(label__layer__scope=Layer.Scope.SEGMENT).values("pk", *fields)
                if _key(row) in given]
    review_annotations(reviewer=reviewer, items=first, action="accept")
    review_annotations(reviewer=reviewer, items=list(second.filter(pk__in=agreeing).values_list("pk", "version")),
                       action="accept")
    rest = second.exclude(pk__in=agreeing).values_list("pk", "version")
    review_annotations(reviewer=reviewer, items=list(rest), action="reject")
    return project


def _key(row):
    return row["label_id"], row["segment_id"], tuple(sorted(row["attributes"].items()))
