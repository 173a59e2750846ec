"""Export throughput and memory per format, and create-annotation latency over HTTP against gunicorn.

Run: .venv/bin/python bench/bench_export.py [--annotations 1000000] [--segments 20000]

Builds a throwaway SQLite database (or uses $BENCH_DATABASE_URL), then measures, in the same run:
- the baseline: a raw SQL select of the same annotation rows, each serialised with orjson;
- every export format, each in its own process so its peak RSS is its own;
- POST /api/annotations/ latency (p50, p95) through gunicorn, next to GET /api/projects/ as baseline.
"""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import ROOT, peak_rss_mb, setup_django

SENTENCE = "In {n}, officials said the lifeline of {k} barrels crippled imports and defied restrictions."


def build(annotations, segments, documents=20):
    """Fill the database: `segments` sentences over `documents` articles, `annotations` tags by 5 annotators."""
    from django.contrib.auth import get_user_model

    from annotate.codebooks import load_codebook_file
    from annotate.models import Annotation, Document, Label, Membership, Project, Segment
    from annotate.tags import write_path

    codebook = load_codebook_file()[0]
    project = Project.objects.create(slug="bench", name="Bench", codebook=codebook, blind=False)
    users = [get_user_model().objects.create_user(f"annotator{i}", password="bench-password") for i in range(5)]
    for user in users:
        Membership.objects.create(project=project, user=user, role="manager")
    per_document = segments // documents
    labels = {(label.layer.key, label.key): label
              for label in Label.objects.filter(layer__codebook=codebook).select_related("layer")}
    span_labels = [labels["loaded_language", "loaded_language"], labels["loaded_language", "slanted_word_choice"],
                   labels["attribution", "source"]]
    segment_labels = [labels["framing", "economic"], labels["framing", "political"],
                      labels["claim_sourcing", "unattributed_claim"]]
    rng = random.Random(11)
    per_segment = annotations // segments
    for d in range(documents):
        sentences = [SENTENCE.format(n=2000 + i, k=i) for i in range(per_document)]
        text = " ".join(sentences)
        document = Document.objects.create(project=project, title=f"Bench article {d}", text=text,
                                           text_sha256=f"{d:064d}")
        rows, offset = [], 0
        for i, sentence in enumerate(sentences):
            rows.append(Segment(document=document, index=i, paragraph=i // 5, start=offset,
                                end=offset + len(sentence), text=sentence))
            offset += len(sentence) + 1
        created = Segment.objects.bulk_create(rows, batch_size=5000)
        batch = []
        for segment in created:
            start = segment.text.index("lifeline")
            for k in range(per_segment):
                user = users[k % 5]
                if k % 2:
                    label = span_labels[k % 3]
                    shift = rng.randint(0, 3)
                    batch.append(Annotation(
                        project=project, document=document, segment=segment, annotator=user, label=label,
                        start=start + shift, end=start + 8, quote=segment.text[start + shift:start + 8],
                        attributes={"polarity": "positive", "target": "Iran", "neutral_alternative": "shipment"},
                        note="bench"))
                else:
                    batch.append(Annotation(project=project, document=document, segment=segment, annotator=user,
                                            label=segment_labels[k % 3], attributes={}))
        # Generated data in bulk: the write path's per-tag checks would dominate the set-up time.
        with write_path():
            Annotation.objects.bulk_create(batch, batch_size=10000)
    return project


def baseline():
    """Time a raw SQL select of the exported annotation rows, each serialised to a JSON line with orjson."""
    import orjson
    from django.db import connection

    sql = """
        SELECT a.id, a.document_id, a.segment_id, s."index", s.start, lb."key", ly."key", ly.scope, a.start, a."end",
               a.quote, a.attributes, a.note, u.username, a.status, a.gold, a.version, a.created_at, a.modified_at
        FROM annotate_annotation a
        JOIN annotate_label lb ON lb.id = a.label_id JOIN annotate_layer ly ON ly.id = lb.layer_id
        JOIN auth_user u ON u.id = a.annotator_id LEFT JOIN annotate_segment s ON s.id = a.segment_id
        ORDER BY a.document_id, s."index", a.start, a.id"""
    names = ["id", "document_id", "segment_id", "segment_index", "segment_start", "label", "layer", "scope",
             "start", "end", "quote", "attributes", "note", "annotator", "status", "gold", "version", "created",
             "modified"]
    started, size, rows = time.perf_counter(), 0, 0
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(2000):
            for row in batch:
                size += len(orjson.dumps(dict(zip(names, row, strict=True)), default=str,
                                         option=orjson.OPT_APPEND_NEWLINE))
                rows += 1
    return {"seconds": time.perf_counter() - started, "bytes": size, "rows": rows, "peak_rss_mb": peak_rss_mb()}


def run_format(fmt):
    """Stream one export format to nowhere and report time, size and peak RSS."""
    from annotate.exporting import export
    from annotate.exporting.rows import export_blocks, export_meta
    from annotate.models import Annotation, Project

    project = Project.objects.get(slug="bench")
    started, size = time.perf_counter(), 0
    blocks = export_blocks(documents=project.documents.all(), annotations=Annotation.objects.all())
    for chunk in export(fmt, blocks, export_meta(project=project, filters={}, base_url="http://127.0.0.1")):
        size += len(chunk)
    return {"seconds": time.perf_counter() - started, "bytes": size, "peak_rss_mb": peak_rss_mb()}


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def latency(url, requests):
    """Measure POST /api/annotations/ and GET /api/projects/ through gunicorn on loopback."""
    from annotate.models import Label, Project, Segment

    project = Project.objects.get(slug="bench")
    segment = Segment.objects.filter(document__project=project).first()
    label = Label.objects.get(layer__codebook=project.codebook, layer__key="framing", key="morality")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "project.wsgi", "-b",
                               f"127.0.0.1:{port}", "-w", "2", "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}/api"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/schema/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        token = json.loads(send(f"{base}/token/", {"username": "annotator0", "password": "bench-password"}))["token"]
        headers = {"Authorization": f"Token {token}"}
        timings = {"POST /api/annotations/": [], "GET /api/projects/ (baseline)": []}
        for i in range(requests):
            started = time.perf_counter()
            send(f"{base}/annotations/", {"segment": segment.pk, "label": label.pk, "note": f"n{i}"}, headers,
                 delete_after=True)
            timings["POST /api/annotations/"].append(time.perf_counter() - started)
            started = time.perf_counter()
            send(f"{base}/projects/", None, headers)
            timings["GET /api/projects/ (baseline)"].append(time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(10)
    return {name: {"p50_ms": 1000 * statistics.median(values), "p95_ms": 1000 * percentile(values, 0.95)}
            for name, values in timings.items()}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send(url, body, headers=None, delete_after=False):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = response.read()
        etag = response.headers.get("ETag")
    if delete_after:
        # Keep the database the same size for every request: a frame is one per sentence and annotator.
        created = json.loads(payload)
        urllib.request.urlopen(urllib.request.Request(
            url + f"{created['id']}/", method="DELETE", headers={**(headers or {}), "If-Match": etag}), timeout=30)
    return payload


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--formats", default="jsonl,w3c,json,csv,semeval,doccano,labelstudio,html,md")
    parser.add_argument("--child-format", help=argparse.SUPPRESS)
    parser.add_argument("--child-db", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child_format:
        os.environ["BENCH_DATABASE_URL"] = args.child_db
        setup_django()
        print(json.dumps(baseline() if args.child_format == "baseline" else run_format(args.child_format)))
        return

    url = setup_django()
    started = time.perf_counter()
    build(args.annotations, args.segments)
    print(f"database: {url.split(':')[0]}; built {args.annotations:,} annotations over {args.segments:,} "
          f"segments in {time.perf_counter() - started:.0f} s")
    results = {}
    for fmt in ["baseline", *args.formats.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--child-format", fmt, "--child-db", url],
                             capture_output=True, text=True, check=True).stdout
        results[fmt] = json.loads(out.strip().splitlines()[-1])
    base = results["baseline"]["seconds"]
    print("\n| format | seconds | annotations/s | x baseline | MB written | peak RSS MB |\n|---|---|---|---|---|---|")
    for fmt, r in results.items():
        print(f"| {fmt} | {r['seconds']:.1f} | {args.annotations / r['seconds']:,.0f} | {r['seconds'] / base:.2f} "
              f"| {r['bytes'] / 2**20:.0f} | {r['peak_rss_mb']:.0f} |")
    print("\n| request | p50 ms | p95 ms |\n|---|---|---|")
    for name, r in latency(url, args.requests).items():
        print(f"| {name} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |")


if __name__ == "__main__":
    main()
