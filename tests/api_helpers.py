"""Helpers for API tests: clients per user and annotations made directly in the database."""

import threading

from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from annotate.models import Annotation
from annotate.tags import do_create_tag, write_path


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
    return create_tag(
        project=project, document=document, segment=segment, annotator=annotator, label=label(layer, key),
        start=start, end=start + len(words), quote=words, attributes=attributes or {},
    )


def create_tag(**fields):
    """Create a tag through the write path, as its annotator."""
    return do_create_tag(annotation=Annotation(**fields), user=fields["annotator"])


def bulk_create_tags(tags):
    """Save many well-formed tags in one query, for tests that need volume rather than the checks."""
    with write_path():
        return Annotation.objects.bulk_create(tags)


def at_once(calls):
    """Run the calls on threads of their own, released together, each on its own connection; return the answers."""
    barrier, answers = threading.Barrier(len(calls)), []

    def run(call):
        barrier.wait()
        try:
            answers.append(call())
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def link_across(project, document, annotator, label, *, words=1, attributes=None):
    """Link content (the first words after the opening one of the sentence before "Iranian officials") to its
    source, "Mohammad Bagher Ghalibaf", in that next sentence; return (content, source, relation)."""
    source_sentence = document.segments.get(text__startswith="Iranian officials")
    content_sentence = document.segments.get(index=source_sentence.index - 1)
    quote = " ".join(content_sentence.text.split()[1:1 + words])
    content = make_span(project, document, annotator, label, quote, layer="attribution", key="content",
                        startswith=content_sentence.text[:30])
    source = make_span(project, document, annotator, label, "Mohammad Bagher Ghalibaf", layer="attribution",
                       key="source", startswith="Iranian officials")
    relation = create_tag(project=project, document=document, annotator=annotator,
                          label=label("attribution_relation", "attributed_to"), relation_content=content,
                          relation_source=source, attributes=attributes or {"form": "paraphrase"})
    return content, source, relation
