"""Compression on the wire: the annotation page and the json export through gunicorn, with and without gzip.

Run: .venv/bin/python bench/bench_compression.py [--tags 20000] [--small 5000] [--repeats 3]

Builds a throwaway SQLite database (or uses $BENCH_DATABASE_URL) with two projects, one of --tags tags and one
of --small tags (10 a sentence, 5 annotators), then, each request against a fresh one-worker gunicorn on
loopback so that the worker's peak RSS (VmHWM) is the request's own:
- the annotation page of a 100-sentence article with 1,000 tags, plain and gzipped (bytes on the wire);
- the json export of each project, plain and gzipped: bytes on the wire, seconds to the first byte and to
  the last, Transfer-Encoding, and the worker's peak RSS before and after the export.
Each request is made --repeats times; the run with the median time is shown.
"""

import argparse
import http.client
import os
import random
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

from common import ROOT, setup_django

SENTENCE = "In {n}, officials said the lifeline of {k} barrels crippled imports and defied restrictions."
PER_SENTENCE = 10


def build(slug, tags, users, documents=20):
    """Make a project of `tags` tags, 10 a sentence over `documents` articles, by the given annotators."""
    from annotate.codebooks import load_codebook_file
    from annotate.models import Annotation, Document, Label, Membership, Project, Segment
    from annotate.tags import write_path

    codebook = load_codebook_file()[0]
    project = Project.objects.create(slug=slug, name=slug, codebook=codebook, blind=False)
    for user in users:
        Membership.objects.create(project=project, user=user, role="manager")
    labels = {(label.layer.key, label.key): label
              for label in Label.objects.filter(layer__codebook=codebook).select_related("layer")}
    spans = [labels["loaded_language", "loaded_language"], labels["loaded_language", "slanted_word_choice"]]
    sentences_each = tags // PER_SENTENCE // documents
    rng = random.Random(7)
    for d in range(documents):
        sentences = [SENTENCE.format(n=2000 + i, k=rng.randint(1, 10**6)) for i in range(sentences_each)]
        document = Document.objects.create(project=project, title=f"{slug} article {d}", text=" ".join(sentences),
                                           text_sha256=f"{slug}{d:060d}"[-64:])
        rows, offset = [], 0
        for i, sentence in enumerate(sentences):
            rows.append(Segment(document=document, index=i, paragraph=i // 5, start=offset,
                                end=offset + len(sentence), text=sentence))
            offset += len(sentence) + 1
        batch = []
        for segment in Segment.objects.bulk_create(rows):
            start = segment.text.index("lifeline")
            for k in range(PER_SENTENCE):
                shift = rng.randint(0, 3)
                batch.append(Annotation(
                    project=project, document=document, segment=segment, annotator=users[k % len(users)],
                    label=spans[k % 2], start=start + shift, end=start + 8,
                    quote=segment.text[start + shift:start + 8], note=f"note {rng.random():.6f}",
                    attributes={"polarity": "negative", "target": "Iran", "neutral_alternative": "shipment"}))
        # Generated data in bulk: the write path's per-tag checks would dominate the set-up time.
        with write_path():
            Annotation.objects.bulk_create(batch, batch_size=5000)
    return project


def page_project(users):
    """Make a project with one 100-sentence article, tagged, for the annotation page."""
    project = build("page", 1000, users, documents=1)
    return project, project.documents.order_by("pk").first()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """One sync worker on loopback, so its peak RSS is what the requests sent to it cost."""

    def __init__(self, url):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true", "DJANGO_TOKEN_RATE": "100000/min"}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "project.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1",
             "--timeout", "300", "--log-level", "warning"], cwd=ROOT, env=env)
        for _ in range(150):
            try:
                self.get("/api/schema/", {})
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def worker_peak_mb(self):
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        worker = children.split()[0]
        status = Path(f"/proc/{worker}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024

    def get(self, path, headers):
        """GET path; return (status, headers, bytes on the wire, seconds to first byte, seconds in all)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            first = response.read(1)
            first_at = time.perf_counter() - started
            size = len(first)
            decoder = zlib.decompressobj(wbits=31) if response.getheader("Content-Encoding") == "gzip" else None
            unzipped = len(decoder.decompress(first)) if decoder else size
            while chunk := response.read(65536):
                size += len(chunk)
                unzipped += len(decoder.decompress(chunk)) if decoder else len(chunk)
            return response.status, response.headers, size, unzipped, first_at, time.perf_counter() - started
        finally:
            connection.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(15)


def measure(url, path, headers, repeats):
    """Serve the request `repeats` times, each from a fresh worker; return the median run's figures."""
    rows = []
    for _ in range(repeats):
        server = Gunicorn(url)
        try:
            before = server.worker_peak_mb()
            status, response_headers, size, unzipped, first_at, total = server.get(path, headers)
            assert status == 200, (path, status)
            rows.append({"bytes": size, "unzipped": unzipped, "first_s": first_at, "seconds": total,
                         "encoding": response_headers.get("Content-Encoding", "-"),
                         "transfer": response_headers.get("Transfer-Encoding", "-"),
                         "rss_before": before, "rss_after": server.worker_peak_mb()})
        finally:
            server.stop()
    return sorted(rows, key=lambda row: row["seconds"])[len(rows) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    url = setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from annotate.tokens import issue_token

    users = [get_user_model().objects.create_user(f"annotator{i}") for i in range(5)]
    started = time.perf_counter()
    page, document = page_project(users)
    projects = {args.small: build("small", args.small, users), args.tags: build("large", args.tags, users)}
    print(f"database: {url.split(':')[0]}; built in {time.perf_counter() - started:.0f} s")
    token = {"Authorization": f"Token {issue_token(user=users[0], name='bench')[1]}"}
    client = Client()
    client.force_login(users[0])
    cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    plain, gzipped = {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip"}

    page_path = f"/projects/{page.slug}/documents/{document.pk}/"
    print(f"\nannotation page, {document.segments.count()} sentences, {document.annotations.count()} tags")
    print("| request | bytes on the wire | x plain | seconds |\n|---|---|---|---|")
    base = None
    for name, headers in [("plain", plain), ("gzip", gzipped)]:
        row = measure(url, page_path, {**cookie, **headers}, args.repeats)
        base = base or row["bytes"]
        print(f"| page, {name} | {row['bytes']:,} | {row['bytes'] / base:.2f} | {row['seconds']:.3f} |")

    print("\njson export (GET /api/projects/<id>/export/?format=json), one fresh gunicorn worker a request")
    print("| tags | encoding | MB on the wire | x plain | MB decoded | first byte s | seconds | x plain "
          "| Transfer-Encoding | worker peak RSS MB (before -> after) |\n|---|---|---|---|---|---|---|---|---|---|")
    for tags, project in projects.items():
        base = None
        for headers in (plain, gzipped):
            row = measure(url, f"/api/projects/{project.pk}/export/?format=json", {**token, **headers}, args.repeats)
            base = base or row
            print(f"| {tags:,} | {row['encoding']} | {row['bytes'] / 2**20:.2f} | {row['bytes'] / base['bytes']:.3f} "
                  f"| {row['unzipped'] / 2**20:.2f} | {row['first_s']:.3f} | {row['seconds']:.2f} "
                  f"| {row['seconds'] / base['seconds']:.2f} | {row['transfer']} "
                  f"| {row['rss_before']:.0f} -> {row['rss_after']:.0f} |")


if __name__ == "__main__":
    main()
