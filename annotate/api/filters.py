"""Filtering API lists: related objects by id, matched against what the user may see."""

import django_filters
from django import forms
from django.db import models
from django_filters import rest_framework as drf_filters
from drf_spectacular.utils import extend_schema_field

# The largest id a BigAutoField holds; a larger number overflows the database driver.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """Match a related object by id; an id the user cannot see, or that does not exist, matches nothing."""

    field_class = IdField


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.TypedChoiceFilter):
    """Match a yes/no field on "true" or "false"; anything else is a 400, not a filter left out."""

    def __init__(self, *args, **kwargs):
        kwargs.update(choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true")
        super().__init__(*args, **kwargs)


class NoEmptyValues(forms.Form):
    """Refuse a filter parameter given with no value (`?gold=` is a mistake, not "no filter"), or more than once.

    Every filter takes one value: `?project=1&project=` would otherwise be read as its last value and list
    everything.
    """

    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            if name not in self.data:
                continue  # no parameter
            values = self.data.getlist(name)
            if len(values) > 1:
                self._errors.pop(name, None)
                self.add_error(name, "give this parameter once: a filter takes one value")
            elif name not in self._errors and all(value == "" for value in values):
                self.add_error(name, "must not be empty: leave the parameter out to list everything")
        return cleaned


class FilterSet(drf_filters.FilterSet):
    # django-filter's default for a foreign key checks the id against every row in the table, so a
    # list filter would answer 400 for an id that does not exist and an empty page for someone
    # else's: a way to learn which ids exist. The lists are scoped already; filter by plain id.
    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
    }


    def get_form_class(self):
        form = super().get_form_class()
        return type(form.__name__, (NoEmptyValues, form), {})


class FilterBackend(drf_filters.DjangoFilterBackend):
    filterset_base = FilterSet
