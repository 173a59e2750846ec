"""Agreement over ~100,000 annotations by 5 annotators: the dashboard's database path and the pure functions.

Run: .venv/bin/python bench/bench_agreement.py [--annotations 100000] [--annotators 5]
"""

import argparse
import random
import re
import time
import tracemalloc
from collections import defaultdict

from common import peak_rss_mb, setup_django

WORDS = ("sanctions oil partnership alliance refinery gold barrels cooperation minister officials energy "
         "sovereignty pressure imports technology agreement vaccines bank currency shipment tractor").split()
FRAMES = ["external_relations", "economic", "political", "capacity_resources", "cultural_identity", "no_frame"]
TECHNIQUES = ["loaded_language", "slanted_word_choice", "appeal_to_values", "name_calling"]
SEGMENTS_PER_DOCUMENT = 200


def plan(rng, text, annotators):
    """Return each annotator's tags on one sentence: a shared 'true' reading, followed with some noise."""
    words = [match.span() for match in re.finditer(r"\S+", text)]
    frames = rng.sample(FRAMES, rng.choice([1, 2]))
    biased = rng.random() < 0.5
    spans = []
    for _ in range(rng.choice([1, 1, 2])):
        first = rng.randrange(len(words) - 3)
        spans.append((words[first][0], words[first + rng.randint(0, 2)][1], rng.choice(TECHNIQUES)))
    tags = {}
    for annotator in annotators:
        mine = [("framing", f) for f in frames if rng.random() < 0.8]
        mine += [("framing", rng.choice(FRAMES))] if rng.random() < 0.25 else []
        mine.append(("sentence_bias", "biased" if biased != (rng.random() < 0.2) else "non_biased"))
        for start, end, technique in spans:
            if rng.random() < 0.8:
                # Boundaries drift by a word now and then, labels change sometimes.
                shift = rng.choice([0, 0, 0, -1, 1])
                label = technique if rng.random() < 0.8 else rng.choice(TECHNIQUES)
                mine.append(("loaded_language", label, max(0, start + shift * 2), end))
        tags[annotator] = list(dict.fromkeys(mine))
    return tags


def generate(project, users, total, rng):
    """Create documents, sentences, progress marks and about `total` annotations with bulk_create."""
    from annotate.models import Annotation, Document, Label, Segment, SegmentProgress
    from annotate.tags import write_path

    labels = {(label.layer.key, label.key): label for label in
              Label.objects.filter(layer__codebook=project.codebook).select_related("layer")}
    annotations = progress = n_segments = 0
    while annotations < total:
        # Documents of 200 sentences; the last one is cut short once the total is reached.
        texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 28))) + "."
                 for _ in range(SEGMENTS_PER_DOCUMENT)]
        text = " ".join(texts)
        document = Document.objects.create(project=project, title=f"Document {n_segments // SEGMENTS_PER_DOCUMENT}",
                                           text=text, text_sha256=f"{n_segments:064d}")
        segments, start = [], 0
        for index, sentence in enumerate(texts):
            segments.append(Segment(document=document, index=index, start=start, end=start + len(sentence),
                                    text=sentence))
            start += len(sentence) + 1
        segments = Segment.objects.bulk_create(segments)
        rows, done = [], []
        for segment in segments:
            if annotations + len(rows) >= total:
                break
            n_segments += 1
            for user, tags in plan(rng, segment.text, users).items():
                done.append(SegmentProgress(segment=segment, annotator=user))
                for layer, key, *span in tags:
                    fields = {}
                    if span:
                        fields = {"start": span[0], "end": span[1], "quote": segment.text[span[0]:span[1]],
                                  "attributes": {"polarity": "negative"}}
                    rows.append(Annotation(project=project, document=document, segment=segment, annotator=user,
                                           label=labels[layer, key], **fields))
        # Generated data in bulk: the write path's per-tag checks would dominate the set-up time.
        with write_path():
            Annotation.objects.bulk_create(rows, batch_size=2000)
        SegmentProgress.objects.bulk_create(done, batch_size=2000)
        annotations += len(rows)
        progress += len(done)
    return n_segments, annotations, progress


def plain_data(rows):
    """Return the pure functions' inputs for framing and loaded language, built from fetched rows."""
    frames, spans = defaultdict(set), defaultdict(list)
    for tag in rows.tags:
        if tag.layer == "framing":
            frames[tag.annotator, tag.segment].add(tag.key)
        elif tag.layer == "loaded_language":
            offset = rows.segments[tag.segment][2]
            spans[tag.annotator].append((tag.segment, offset + tag.start, offset + tag.end, tag.key))
    texts = {segment: (offset, text) for segment, (_, _, offset, text) in rows.segments.items()}
    return frames, dict(spans), texts


def measure(label, work, *, before=None, baseline=None):
    """Run work once for time, once under tracemalloc for peak memory (each after before()); print and return
    (result, seconds, peak MB), with the ratios to a baseline's (seconds, peak MB) when given."""
    if before:
        before()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    if before:
        before()
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak /= 2**20
    ratios = ""
    if baseline:
        ratios = f" ({seconds / baseline[0]:.3f}x the time, {peak / baseline[1]:.3f}x the memory of the baseline)"
    print(f"{label}: {seconds:.3f} s; peak traced Python memory {peak:.1f} MB{ratios}")
    return result, seconds, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=5)
    args = parser.parse_args()
    url = setup_django()
    import agreement_before
    from django.contrib.auth import get_user_model

    from annotate import agreement
    from annotate.codebooks import load_codebook_file
    from annotate.dashboard import (
        agreement_figures,
        attribution_figures,
        fetch_rows,
        label_distribution,
        missing_perspectives,
        progress_figures,
    )
    from annotate.models import Label, Membership, Project

    project = Project.objects.create(slug="bench", name="Bench", codebook=load_codebook_file()[0])
    users = [get_user_model().objects.create(username=f"annotator{n}") for n in range(1, args.annotators + 1)]
    reviewer = get_user_model().objects.create(username="reviewer")
    Membership.objects.bulk_create([Membership(project=project, user=user) for user in users] +
                                   [Membership(project=project, user=reviewer, role="reviewer")])
    started = time.perf_counter()
    segments, annotations, progress = generate(project, users, args.annotations, random.Random(11))
    print(f"database: {url.split(':')[0]}")
    print(f"generated {annotations:,} annotations and {progress:,} progress marks by {len(users)} annotators "
          f"on {segments:,} sentences in {time.perf_counter() - started:.1f} s (bulk_create)")

    from django.core.cache import cache
    from django.test import Client

    from annotate import agreement_cache
    from annotate.dashboard_views import add_charts, add_links, dashboard_figures
    from annotate.models import Annotation, Segment
    from annotate.tags import do_create_tag

    rows, *_ = measure("fetch_rows (7 queries)", lambda: fetch_rows(project, reviewer))
    _, *old = measure("baseline: fetch_rows + agreement_figures as before the cache (bench/agreement_before.py)",
                      lambda: agreement_before.agreement_figures(fetch_rows(project, reviewer)))
    figures, *_ = measure("cold: stamps + fetch_rows + every document's part + sum (empty cache)",
                          lambda: agreement_cache.agreement_figures(project, reviewer), before=cache.clear,
                          baseline=old)
    assert figures == agreement_figures(rows)
    measure("warm: stamps + cached figures (what a second view costs)",
            lambda: agreement_cache.agreement_figures(project, reviewer), baseline=old)
    changes = iter(Segment.objects.filter(document__project=project).order_by("-id")[:6])

    def change_one_tag():
        """Give one sentence a frame its first annotator had not given it, through the write path."""
        segment = next(changes)
        given = set(Annotation.objects.filter(segment=segment, annotator=users[0]).values_list("label__key",
                                                                                                flat=True))
        label = Label.objects.get(layer__codebook=project.codebook, layer__key="framing",
                                  key=next(key for key in FRAMES if key not in given))
        do_create_tag(annotation=Annotation(project=project, document_id=segment.document_id, segment=segment,
                                            annotator=users[0], label=label), user=users[0])

    measure("after one tag changes: stamps + one document read and computed + sum",
                            lambda: agreement_cache.agreement_figures(project, reviewer), before=change_one_tag,
                            baseline=old)
    assert agreement_cache.agreement_figures(project, reviewer) == agreement_figures(fetch_rows(project, reviewer))

    def dashboard_page():
        """Return the dashboard's figures and charts as its view does: from the cache, or computed and kept."""
        stamps = agreement_cache.read_stamps(project)
        return agreement_cache.cached(project, "dashboard", stamps,
                                      lambda: dashboard_figures(project, reviewer, stamps))

    dashboard_page()
    measure("dashboard page figures, warm", dashboard_page, baseline=old)
    measure("dashboard page figures after one tag changes: stamps + one document read, its parts computed + sums",
            dashboard_page, before=change_one_tag, baseline=old)

    def page_view():
        """GET the dashboard page through Django's test client: the view, its figures and the template."""
        response = browser.get("/projects/bench/dashboard/", HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code
        return len(response.content)

    browser = Client()
    browser.force_login(reviewer)
    size, *_ = measure("dashboard page, whole GET with the template, after one tag changes", page_view,
                       before=change_one_tag, baseline=old)
    print(f"dashboard page: {size / 1024:.0f} KB of HTML")
    rows_now = fetch_rows(project, reviewer)
    expected = add_links({"progress": progress_figures(rows_now), "agreement": agreement_figures(rows_now),
                          "distribution": label_distribution(rows_now), "attribution": attribution_figures(rows_now),
                          "missing": missing_perspectives(rows_now)}, project, rows_now.segments)
    assert dashboard_page() == (expected, add_charts(expected))
    measure("progress and label distribution", lambda: (progress_figures(rows), label_distribution(rows)))

    frames, spans, texts = plain_data(rows)
    framing = list(Label.objects.filter(layer__codebook=project.codebook, layer__key="framing")
                   .values_list("key", flat=True))
    techniques = list(Label.objects.filter(layer__codebook=project.codebook, layer__key="loaded_language")
                      .values_list("key", flat=True))
    measure("pure segment_label_alpha + pairwise_alpha (framing)", lambda: (
        agreement.segment_label_alpha(rows.finished, frames, framing),
        agreement.pairwise_alpha(rows.finished, frames, framing)))
    measure("pure token_alpha + pairwise_span_f1 (loaded language)", lambda: (
        agreement.token_alpha(texts, spans, rows.finished, techniques),
        agreement.pairwise_span_f1(spans, finished=rows.finished)))

    framing_figures = next(layer for layer in figures["segment_layers"] if layer["key"] == "framing")
    loaded = next(layer for layer in figures["span_layers"] if layer["key"] == "loaded_language")
    print(f"framing alpha {framing_figures['alpha']:.3f} over {framing_figures['units']:,} sentences; "
          f"loaded language token alpha {loaded['token_alpha']:.3f} over {loaded['units']:,} tokens, "
          f"mean pairwise F1 {loaded['f1']:.3f}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
