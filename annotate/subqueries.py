"""Counting related rows in a subquery, so a list page reads its counts in its one query."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_of(queryset, outer_field):
    """Return a subquery counting the rows of queryset that point to the outer row (0 when none)."""
    counted = queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field)
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)
