"""Reviewer workspace server time: the page and its sentence windows, next to the document API.

Run: .venv/bin/python bench/bench_review_page.py [--sentences 500] [--annotators 10] [--per-sentence 5] [--runs 30]

Builds a throwaway SQLite database (or uses $BENCH_DATABASE_URL): one article, every annotator tags
every sentence (sentence labels and spans that partly agree), a tenth of the tags adjudicated into
gold, a comment on every third sentence. Then times, in the same run and through Django's test
client (no network), the requests the review page makes: the page itself (the outline of every
sentence), the window of 10 sentences it fetches on opening and the one sentence it fetches again after
each decision, next to the plain document API (GET /api/documents/{id}/). With --segments-api it also
times the same sentences with all their annotations from the segments API, a second baseline.
"""

import argparse
import random
import statistics
import time

from common import setup_django

WORDS = ("Officials said the lifeline of gasoline crippled imports while allies defied restrictions "
         "and praised the historic alliance against hegemony").split()


def build(sentences, annotators, per_sentence):
    """Create the article, the tags, some gold and some discussion; return (project, document, reviewer)."""
    from django.contrib.auth import get_user_model

    from annotate.codebooks import load_codebook_file
    from annotate.models import (
        Annotation,
        Document,
        Label,
        Membership,
        Project,
        Segment,
        SegmentComment,
        SegmentProgress,
    )
    from annotate.reviewing import ReviewError, review_annotations
    from annotate.tags import write_path

    codebook = load_codebook_file()[0]
    project = Project.objects.create(slug="bench-review", name="Bench review", codebook=codebook)
    User = get_user_model()
    reviewer = User.objects.create_user("reviewer", password="bench-password")
    Membership.objects.create(project=project, user=reviewer, role="reviewer")
    users = [User.objects.create_user(f"annotator{i}", password="bench-password") for i in range(annotators)]
    Membership.objects.bulk_create([Membership(project=project, user=u, role="annotator") for u in users])
    rng = random.Random(7)
    texts = [" ".join(rng.sample(WORDS, 12)) + "." for _ in range(sentences)]
    document = Document.objects.create(project=project, title="Bench article", text=" ".join(texts),
                                       text_sha256="b" * 64)
    offset, rows = 0, []
    for i, text in enumerate(texts):
        rows.append(Segment(document=document, index=i, start=offset, end=offset + len(text), text=text))
        offset += len(text) + 1
    segments = Segment.objects.bulk_create(rows)
    labels = list(Label.objects.filter(layer__codebook=codebook, layer__key="loaded_language"))
    frames = list(Label.objects.filter(layer__codebook=codebook, layer__key="framing"))
    batch = []
    for user in users:
        for segment in segments:
            for k in range(per_sentence):
                if k % 2:
                    # Spans drawn from a few words, so annotators agree on some and differ on others.
                    word = rng.choice(WORDS[:6])
                    start = segment.text.find(word)
                    if start < 0:
                        word, start = segment.text[:5], 0
                    batch.append(Annotation(project=project, document=document, segment=segment, annotator=user,
                                            label=rng.choice(labels[:3]), start=start, end=start + len(word),
                                            quote=word, attributes={"polarity": "negative", "target": "Iran"}))
                else:
                    batch.append(Annotation(project=project, document=document, segment=segment, annotator=user,
                                            label=frames[(k + rng.randint(0, 1)) % len(frames)], attributes={}))
    # Generated data in bulk: the write path's per-tag checks would dominate the set-up time.
    with write_path():
        Annotation.objects.bulk_create(batch, batch_size=5000)
    SegmentProgress.objects.bulk_create([SegmentProgress(segment=s, annotator=u) for s in segments for u in users])
    SegmentComment.objects.bulk_create([SegmentComment(segment=s, author=users[0], text="Is this loaded?")
                                        for s in segments[::3]])
    for pk, version in Annotation.objects.filter(document=document).values_list("pk", "version")[::10]:
        try:
            review_annotations(reviewer=reviewer, items=[(pk, version)], action="accept")
        except ReviewError:
            pass  # e.g. a second gold label on a one-label sentence: refused by design
    return project, document, reviewer


def timed(client, url, runs):
    """Return the per-request times in milliseconds of `runs` GETs, after one warm-up."""
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return times


def summary(times):
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--annotators", type=int, default=10)
    parser.add_argument("--per-sentence", type=int, default=5, help="tags per annotator and sentence")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--segments-api", action="store_true", help="also time the segments API (slow)")
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from annotate.models import Annotation

    project, document, reviewer = build(args.sentences, args.annotators, args.per_sentence)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(reviewer)
    review = f"/projects/{project.slug}/documents/{document.pk}/review/"
    middle = args.sentences // 2
    urls = {
        "review page (outline)": review,
        "window of 10 sentences": f"{review}sentences/?from={middle}&to={middle + 9}",
        "window of 1 sentence": f"{review}sentences/?from={middle}&to={middle}",
        "document API (baseline)": f"/api/documents/{document.pk}/",
    }
    if args.segments_api:
        urls["segments API with annotations"] = f"/api/segments/?document={document.pk}&page_size=1000"
    tags = Annotation.objects.filter(document=document, gold=False).count()
    gold = Annotation.objects.filter(document=document, gold=True).count()
    print(f"{args.sentences} sentences, {args.annotators} annotators, {tags} tags, {gold} gold; {args.runs} runs each")
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            size = len(client.get(url).content)
        print(f"  {name}: {size / 1024:.0f} KB in {len(queries)} queries")
    results = {name: timed(client, url, args.runs) for name, url in urls.items()}
    base = statistics.median(results["document API (baseline)"])
    print(f"{'':32} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for name, times in results.items():
        median, p95 = summary(times)
        print(f"{name:32} {median:10.1f} {p95:8.1f} {median / base:11.1f}")


if __name__ == "__main__":
    main()
