"""Import throughput: generated articles of ~60 sentences through the real importer.

Run: .venv/bin/python bench/bench_import.py [--articles 1000]
"""

import argparse
import random
import time
import tracemalloc

import pysbd
from common import peak_rss_mb, setup_django

WORDS = ("sanctions oil partnership alliance refinery gold barrels cooperation minister officials energy "
         "sovereignty pressure imports technology agreement vaccines bank currency shipment tractor").split()
OPENERS = ["In 2020,", "The U.S. Treasury", "Dr. Ahmadi", "According to officials,", "By 2023", "Iran's",
           "Venezuela\u2019s", "Analysts (e.g. at the I.M.F.)"]


def sentence(rng):
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 22)))
    end = rng.choice([".", ".", ".", "?", "!", ".\u201d"])
    quote = "\u201c" if end.endswith("\u201d") else ""
    return f"{rng.choice(OPENERS)} {quote}{body}{end}"


def article(rng, number):
    """Return one article of about 60 sentences in the seed's layout."""
    parts = [f"Article {number}: {' '.join(rng.choice(WORDS) for _ in range(6))}", sentence(rng),
             "June 9, 2025 Hour: 10:01 am"]
    for section in range(4):
        parts.append(f"Section {section} on {rng.choice(WORDS)}")
        for _ in range(4):
            parts.append(" ".join(sentence(rng) for _ in range(rng.randint(2, 5))).replace(" the", "\u00a0the", 1))
    parts += ["Author: Bench Writer", "Source: Bench Wire"]
    return "\n\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    url = setup_django()
    from annotate.codebooks import load_codebook_file
    from annotate.importing import import_article
    from annotate.models import Project, Segment

    project = Project.objects.create(slug="bench", name="Bench", codebook=load_codebook_file()[0])
    rng = random.Random(7)
    texts = [article(rng, n).encode() for n in range(args.articles)]
    # Baseline in the same run: pysbd alone, once per paragraph of the same articles, nothing stored.
    segmenter = pysbd.Segmenter(language="en", clean=False)
    started = time.perf_counter()
    for raw in texts:
        for paragraph in raw.decode().split("\n\n"):
            segmenter.segment(paragraph)
    baseline = time.perf_counter() - started

    tracemalloc.start()
    started = time.perf_counter()
    for n, raw in enumerate(texts):
        import_article(project=project, name=f"article-{n}.txt", raw=raw)
    seconds = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    sentences = Segment.objects.filter(document__project=project).count()
    print(f"database: {url.split(':')[0]}")
    print(f"articles: {args.articles}, segments: {sentences} ({sentences / args.articles:.1f} per article)")
    print(f"time: {seconds:.1f} s; {args.articles / seconds:.1f} articles/s; {sentences / seconds:,.0f} segments/s")
    print(f"baseline (pysbd segment() per paragraph, no database): {baseline:.1f} s; "
          f"import / baseline = {seconds / baseline:.2f}")
    print(f"peak traced Python memory: {traced_peak / 2**20:.1f} MB; peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
