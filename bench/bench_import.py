"""Import speed: 2,000 and 20,000 sentences in the seed's layout through the importer, next to the previous one.

Run: .venv/bin/python bench/bench_import.py [--sentences 2000,20000] [--runs 3]

Each case runs in its own process with its own throwaway database, so its peak RSS is its own. The same
articles (the seed's layout: title, standfirst, dateline, four headed sections of 2-5 sentence paragraphs
with abbreviations, initials, curly quotes and NBSP, author and source lines) go through
annotate.importing.import_article end to end (decode, checks, sha256, splitting, writing, one transaction
per article), either as files of about 62 sentences (a directory import) or joined as one article. The
baselines in the same run: the previous importer (importing.py and segmentation.py as they were at
common.PREVIOUS_COMMIT, read from git, writing to the same database) and pysbd's Segmenter.segment() alone
over the same paragraphs, storing nothing. One untimed import of a small article warms each process up.
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import time

from common import current_rss_mb, peak_rss_mb, previous_module, setup_django

WORDS = ("sanctions oil partnership alliance refinery gold barrels cooperation minister officials energy "
         "sovereignty pressure imports technology agreement vaccines bank currency shipment tractor").split()
OPENERS = ["In 2020,", "The U.S. Treasury", "Dr. Ahmadi", "According to officials,", "By 2023", "Iran's",
           "Venezuela\u2019s", "Analysts (e.g. at the I.M.F.)"]
IMPORTERS = ("current", "previous", "pysbd")
LAYOUTS = ("articles", "one article")


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


def files(sentences, layout):
    """Return the article files holding about this many sentences: (name, bytes) pairs."""
    from annotate.segmentation import parse_article

    rng, texts, count = random.Random(7), [], 0
    while count < sentences:
        texts.append(article(rng, len(texts)))
        count += len(parse_article(texts[-1]).segments)
    if layout == "one article":
        texts = ["\n\n".join(texts)]
    return [(f"article-{n}.txt", text.encode()) for n, text in enumerate(texts)]


def run_case(importer, sentences, layout):
    """Import (or, for pysbd, split) the files of one case; print its figures as JSON."""
    setup_django()
    from annotate.codebooks import load_codebook_file
    from annotate.models import Project, Segment

    codebook = load_codebook_file()[0]
    batch = files(sentences, layout)
    if importer == "pysbd":
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False)
        segmenter.segment("Warm up. Dr. Smith came.")
        before, started = current_rss_mb(), time.perf_counter()
        count = sum(len(segmenter.segment(paragraph)) for _, raw in batch for paragraph in raw.decode().split("\n\n"))
        seconds, warnings = time.perf_counter() - started, 0
    else:
        if importer == "current":
            from annotate.importing import import_article
        else:
            previous_module("segmentation")
            import_article = previous_module("importing").import_article
        warm = Project.objects.create(slug="warm-up", name="Warm-up", codebook=codebook)
        import_article(project=warm, name="warm.txt", raw=article(random.Random(1), 0).encode())
        project = Project.objects.create(slug="bench", name="Bench", codebook=codebook)
        before, started = current_rss_mb(), time.perf_counter()
        for name, raw in batch:
            import_article(project=project, name=name, raw=raw)
        seconds = time.perf_counter() - started
        count = Segment.objects.filter(document__project=project).count()
        warnings = sum(len(document.import_warnings) for document in project.documents.all())
    print(json.dumps({"importer": importer, "layout": layout, "files": len(batch), "sentences": count,
                      "seconds": seconds, "warnings": warnings, "rss_growth": max(0.0, peak_rss_mb() - before),
                      "peak_rss": peak_rss_mb()}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", default="2000,20000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        return run_case(args.case[0], int(args.case[1]), args.case[2])
    print("| sentences | layout | importer | files | sentences/s | seconds | x current | simple-rule warnings "
          "| RSS growth MB | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in map(int, args.sentences.split(",")):
        for layout in LAYOUTS:
            runs = {importer: [] for importer in IMPORTERS}
            # Interleaved, so that a busy spell on the machine falls on every importer alike.
            for _ in range(args.runs):
                for importer in IMPORTERS:
                    out = subprocess.run([sys.executable, __file__, "--case", importer, str(size), layout],
                                         check=True, capture_output=True, text=True).stdout
                    runs[importer].append(json.loads(out.splitlines()[-1]))
            current = statistics.median(run["seconds"] for run in runs["current"])
            for importer, results in runs.items():
                seconds = statistics.median(run["seconds"] for run in results)
                last = results[-1]
                print(f"| {last['sentences']:,} | {layout} | {importer} | {last['files']} "
                      f"| {last['sentences'] / seconds:,.0f} | {seconds:.3f} | {seconds / current:.1f} "
                      f"| {max(run['warnings'] for run in results)} | {max(run['rss_growth'] for run in results):.0f} "
                      f"| {max(run['peak_rss'] for run in results):.0f} |", flush=True)


if __name__ == "__main__":
    main()
