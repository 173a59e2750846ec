"""Helpers for API tests: clients per user and annotations made directly in the database."""

from rest_framework.test import APIClient

from annotate.models import Annotation


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def make_span(project, document, annotator, label, words, *, layer="loaded_language", key="loaded_language",
              startswith="In 2020, when U.S.", attributes=None):
    segment = document.segments.get(text__startswith=startswith)
    start = segment.text.index(words)
    attributes = {"polarity": "positive"} if attributes is None and layer == "loaded_language" else attributes
    return Annotation.objects.create(
        project=project, document=document, segment=segment, annotator=annotator, label=label(layer, key),
        start=start, end=start + len(words), quote=words, attributes=attributes or {},
    )
