"""Import time and memory by article size: ordinary and pathological text from 10 KB to the size limit.

Run: .venv/bin/python bench/bench_import_sizes.py [--sizes 10000,100000,1000000,limit] [--runs 5]

Each case runs in its own process, so its peak RSS is its own: it generates the article, measures the
baseline (decode, sha256 and a plain regex split of the same bytes), then imports it through
annotate.importing.import_article. One more process uploads an ordinary article at the size limit
through POST /api/documents/ with Django's test client, then times GET /api/documents/ and the
document list page for a project holding one tiny document and for one holding that huge one.
"""

import argparse
import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import time

from bench_import import article
from common import peak_rss_mb, setup_django

PATTERNS = {
    # One paragraph without line breaks, as in the reports that timed out.
    "abbreviations": "Dr. J. R. R. Smith of the U.S. Dept. of St. etc. met Mr. A. B. Jones.... "
                     "Then e.g. the U.K. Ltd. Co. said no. ",
    "initials": "J. R. R. T. A. B. C. D. E. F. G. H. ",
    "dots": "Well.... so .... and ...... then. . . . . ",
    # Sure sentence ends between the abbreviations, so pysbd still splits it, in small pieces.
    "dense-sentences": "Dr. Smith went home. The U.S. Dept. of St. Louis said no. Mr. J. R. Jones agreed. ",
}
PLAIN_SPLIT = re.compile(r"(?<=[.!?])\s+")


def ordinary(size):
    """Return articles in the seed's layout, joined as one article of size bytes."""
    rng, parts, length, n = random.Random(7), [], 0, 0
    while length < size:
        parts.append(article(rng, n))
        length += len(parts[-1].encode()) + 2
        n += 1
    return "\n\n".join(parts).encode()[:size].decode(errors="ignore")


def text_of(kind, size):
    if kind == "ordinary":
        return ordinary(size)
    pattern = PATTERNS[kind]
    return "A pathological article\n\n" + (pattern * (size // len(pattern) + 1))[: size - 24].rstrip()


def run_case(kind, size):
    """Import one article; print its figures as JSON."""
    setup_django()
    from annotate.codebooks import load_codebook_file
    from annotate.importing import ArticleImportError, import_article
    from annotate.models import Project

    project = Project.objects.create(slug="bench", name="Bench", codebook=load_codebook_file()[0])
    raw = text_of(kind, size).encode()
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    text = raw.decode()
    hashlib.sha256(raw).hexdigest()
    PLAIN_SPLIT.split(text)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    try:
        document = import_article(project=project, name=f"{kind}.txt", raw=raw).document
    except ArticleImportError as error:
        document, refused = None, str(error)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "kind": kind, "bytes": len(raw), "seconds": seconds, "baseline": baseline,
        "segments": document.segments.count() if document else 0,
        "warnings": len(document.import_warnings) if document else 0, "refused": None if document else refused,
        "rss_growth": peak_rss_mb() - rss_before, "rss": peak_rss_mb(),
    }))


def timed(client, url, runs):
    """Return the median seconds of runs GET requests to url, after one warm-up."""
    assert client.get(url).status_code == 200
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times)


def run_api(size, runs):
    """Upload an ordinary article of size bytes through the API; time the document list for tiny and huge."""
    setup_django()
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from annotate.codebooks import load_codebook_file
    from annotate.importing import import_article
    from annotate.models import Membership, Project

    codebook = load_codebook_file()[0]
    user = User.objects.create_user("bench", password="bench-password")
    projects = [Project.objects.create(slug=slug, name=slug, codebook=codebook) for slug in ("tiny", "huge")]
    for project in projects:
        Membership.objects.create(project=project, user=user, role=Membership.Role.MANAGER)
    import_article(project=projects[0], name="tiny.txt", raw=b"Tiny\n\nOne sentence. Another one.")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    raw = ordinary(size).encode()
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    response = client.post("/api/documents/", {"project": projects[1].pk, "file": SimpleUploadedFile("huge.txt", raw)})
    seconds = time.perf_counter() - started
    assert response.status_code == 201, response.content[:500]
    figures = {"bytes": len(raw), "seconds": seconds, "segments": response.json()["segment_count"],
               "rss_growth": peak_rss_mb() - rss_before, "rss": peak_rss_mb()}
    for name, project in (("tiny", projects[0]), ("huge", projects[1])):
        figures[f"api_{name}"] = timed(client, f"/api/documents/?project={project.pk}", runs)
        figures[f"page_{name}"] = timed(client, f"/projects/{project.slug}/", runs)
    print(json.dumps(figures))


def child(*args):
    out = subprocess.run([sys.executable, __file__, *map(str, args)], capture_output=True, text=True, check=True,
                         timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,limit")
    parser.add_argument("--runs", type=int, default=5, help="timed GET requests per list")
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--api", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        return run_case(args.case[0], int(args.case[1]))
    if args.api:
        return run_api(args.api, args.runs)
    sys.path.insert(0, str(__import__("common").ROOT))
    from project.settings import ARTICLE_MAX_BYTES

    sizes = [ARTICLE_MAX_BYTES if s == "limit" else int(s) for s in args.sizes.split(",")]
    print("| text | bytes | sentences | seconds | sentences/s | x baseline | simple-rule warnings "
          "| RSS growth MB | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for kind in ["ordinary", *PATTERNS]:
        for size in sizes:
            f = child("--case", kind, size)
            if f["refused"]:
                why = f["refused"].split(": ", 1)[-1]
                print(f"| {kind} | {f['bytes']:,} | refused after {f['seconds']:.2f} s: {why} | | | | | "
                      f"{f['rss_growth']:.0f} | {f['rss']:.0f} |", flush=True)
                continue
            print(f"| {kind} | {f['bytes']:,} | {f['segments']:,} | {f['seconds']:.2f} | "
                  f"{f['segments'] / f['seconds']:,.0f} | {f['seconds'] / f['baseline']:,.0f} | {f['warnings']} | "
                  f"{f['rss_growth']:.0f} | {f['rss']:.0f} |", flush=True)
    f = child("--api", sizes[-1], "--runs", args.runs)
    print(f"\nPOST /api/documents/ (ordinary, {f['bytes']:,} bytes): {f['seconds']:.2f} s, {f['segments']:,} "
          f"segments, RSS growth {f['rss_growth']:.0f} MB, peak RSS {f['rss']:.0f} MB")
    print("\n| request (median) | one tiny document | one huge document | huge / tiny |\n|---|---|---|---|")
    for key, name in (("api", "GET /api/documents/?project="), ("page", "GET /projects/<slug>/")):
        tiny, huge = f[f"{key}_tiny"], f[f"{key}_huge"]
        print(f"| {name} | {tiny * 1000:.1f} ms | {huge * 1000:.1f} ms | {huge / tiny:.1f} |")


if __name__ == "__main__":
    main()
