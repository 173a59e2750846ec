"""Server-side latency of tag writes through gunicorn, next to a trivial authenticated GET in the same run.

Run: .venv/bin/python bench/bench_write.py [--rounds 200] [--database-url postgres://postgres@127.0.0.1:55440/x]
     .venv/bin/python bench/bench_write.py --profile [--creates 300] [--batches]

Builds a throwaway database (a SQLite file, or a new PostgreSQL database named after --database-url's, dropped at
the end), loads the seed article, and runs gunicorn (2 workers, production settings) on loopback. Each round sends,
one after the other: GET /api/projects/ (the baseline), a span create, an edit of it (PATCH with If-Match), its
delete, and one batch of two spans and the attribution link between them (then deletes them, uncounted). The time
of each request is gunicorn's own (%(D)s in the access log: from reading the request to writing the response).
On PostgreSQL the server runs twice, with DJANGO_CONN_MAX_AGE=0 (a new connection per request) and with the
default (persistent connections).

--profile prints the top of a cProfile of N span creates (and deletes) in-process, through the test client; with
--batches, of N batches of two spans and their link (and the deletes of the spans).
"""

import argparse
import cProfile
import json
import os
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "telesur-iran-venezuela-2025-06-09.txt"
SENTENCE = "Iranian officials"
ACCESS_FORMAT = "%(m)s %(U)s %(q)s %(s)s %(D)s"
PRODUCTION = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "bench-" + "k" * 60, "DJANGO_SECURE_SSL_REDIRECT": "false",
              "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}


def throwaway_database(url):
    """Return the URL of a new empty database: a SQLite file, or a PostgreSQL database created for this run."""
    if not url:
        return f"sqlite:///{Path(tempfile.mkdtemp(prefix='annotate-bench-')) / 'bench.sqlite3'}"
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'bench'}_{os.getpid()}"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url):
    if url.startswith("sqlite"):
        return
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def setup(url):
    """Migrate, load the seed article into a project, make an annotator and a token; return what requests need."""
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="project.settings", **PRODUCTION)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotate.codebooks import load_codebook_file
    from annotate.importing import import_article
    from annotate.models import Label, Membership, Project
    from annotate.tokens import issue_token

    call_command("migrate", verbosity=0)
    codebook = load_codebook_file()[0]
    project = Project.objects.create(slug="bench", name="Bench", codebook=codebook, blind=True)
    document = import_article(project=project, name=SEED.name, raw=SEED.read_bytes()).document
    user = get_user_model().objects.create_user("bench")
    Membership.objects.create(project=project, user=user, role="annotator")
    segment = document.segments.get(text__startswith=SENTENCE)
    labels = {(label.layer.key, label.key): label.pk
              for label in Label.objects.filter(layer__codebook=codebook).select_related("layer")}
    return {"token": issue_token(user=user, name="bench")[1], "segment": segment.pk, "text": segment.text,
            "labels": labels}


def span(context, layer, key, words, **extra):
    start = context["text"].index(words)
    return {"segment": context["segment"], "label": context["labels"][layer, key], "start": start,
            "end": start + len(words), "quote": words, **extra}


def unit(context):
    """Return the batch of one gesture: a content span, its source span and the attribution link."""
    return {"operations": [
        {"op": "create", "data": span(context, "attribution", "content", "this sentiment")},
        {"op": "create", "data": span(context, "attribution", "source", "Mohammad Bagher Ghalibaf")},
        {"op": "create", "data": {"label": context["labels"]["attribution_relation", "attributed_to"],
                                  "relation_content": {"ref": 0}, "relation_source": {"ref": 1},
                                  "attributes": {"form": "paraphrase"}}},
    ]}


def send(base, method, path, token, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Token {token}", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = response.read()
        return (json.loads(payload) if payload else None), response.headers.get("ETag")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_and_measure(url, context, rounds, extra_env, batch=True):
    """Run gunicorn with extra_env, send the rounds, and return {request: [server-side ms]} from its access log."""
    port, log = free_port(), Path(tempfile.mkdtemp(prefix="bench-write-")) / "access.log"
    env = {**os.environ, "DATABASE_URL": url, **PRODUCTION, **extra_env}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "project.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
         "--access-logfile", str(log), "--access-logformat", ACCESS_FORMAT, "--log-level", "warning"],
        cwd=ROOT, env=env)
    base, token = f"http://127.0.0.1:{port}/api", context["token"]
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/schema/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        for i in range(rounds + 10):  # the first 10 rounds warm both workers up and are not counted
            warm = "?warm=1" if i < 10 else ""
            send(base, "GET", f"/projects/{warm}", token)
            tag, etag = send(base, "POST", f"/annotations/{warm}", token,
                             span(context, "loaded_language", "loaded_language", "this sentiment",
                                  attributes={"polarity": "negative"}))
            _, etag = send(base, "PATCH", f"/annotations/{tag['id']}/{warm}", token, {"note": f"round {i}"},
                           {"If-Match": etag})
            send(base, "DELETE", f"/annotations/{tag['id']}/{warm}", token, headers={"If-Match": etag})
            if not batch:
                continue
            made, _ = send(base, "POST", f"/annotations/batch/{warm}", token, unit(context))
            content, source, _ = (result["annotation"] for result in made["results"])
            send(base, "POST", "/annotations/batch/?cleanup=1", token, {"operations": [
                {"op": "delete", "id": content["id"], "version": 1},
                {"op": "delete", "id": source["id"], "version": 1}]})
    finally:
        server.terminate()
        server.wait(10)
    names = {("GET", "/api/projects/"): "GET /api/projects/ (baseline)", ("POST", "/api/annotations/"): "create",
             ("PATCH", "/api/annotations/{id}/"): "edit (PATCH, If-Match)",
             ("DELETE", "/api/annotations/{id}/"): "delete",
             ("POST", "/api/annotations/batch/"): "batch: 2 spans + link"}
    timings = {name: [] for name in names.values()}
    for line in log.read_text().splitlines():
        method, path, query, status, micros = line.split(" ")
        if query or not status.startswith("2"):
            continue
        shape = "/".join("{id}" if part.isdigit() else part for part in path.split("/"))
        if (method, shape) in names:
            timings[names[method, shape]].append(int(micros) / 1000)
    return {name: values for name, values in timings.items() if values}


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def report(title, timings):
    base = statistics.median(timings["GET /api/projects/ (baseline)"])
    create = statistics.median(timings["create"])
    print(f"\n{title}\n\n| request | n | p50 ms | p95 ms | p50 / GET | p50 / create |\n|---|---|---|---|---|---|")
    for name, values in timings.items():
        p50 = statistics.median(values)
        print(f"| {name} | {len(values)} | {p50:.1f} | {percentile(values, 0.95):.1f} | {p50 / base:.2f} "
              f"| {p50 / create:.2f} |")


def profile(context, creates, batches=False):
    """Print the top of a cProfile of span creates (or batches) and deletes through the test client, in-process."""
    from rest_framework.test import APIClient

    client = APIClient(SERVER_NAME="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {context['token']}")
    body = span(context, "loaded_language", "loaded_language", "this sentiment", attributes={"polarity": "negative"})

    def run(n):
        for _ in range(n):
            if batches:
                made = client.post("/api/annotations/batch/", unit(context), format="json").json()["results"]
                client.post("/api/annotations/batch/", {"operations": [
                    {"op": "delete", "id": result["annotation"]["id"], "version": 1} for result in made[:2]]},
                    format="json")
                continue
            response = client.post("/api/annotations/", body, format="json")
            client.delete(f"/api/annotations/{response.json()['id']}/", HTTP_IF_MATCH=response["ETag"])

    run(10)
    profiler = cProfile.Profile()
    profiler.enable()
    run(creates)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(15)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database-url", help="a PostgreSQL server to create the throwaway database on")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--batches", action="store_true", help="with --profile: profile batches, not creates")
    parser.add_argument("--no-batch", action="store_true", help="leave out the batch (for a version without one)")
    args = parser.parse_args()
    url = throwaway_database(args.database_url)
    try:
        context = setup(url)
        if args.profile:
            profile(context, args.creates, args.batches)
            return
        from django.db import connections

        connections.close_all()
        print(f"database: {url.split(':')[0]}; {args.rounds} rounds; gunicorn, 2 workers; server-side times")
        runs = [("DJANGO_CONN_MAX_AGE=0", {"DJANGO_CONN_MAX_AGE": "0"}), ("default (persistent)", {})]
        if url.startswith("sqlite"):
            runs = runs[1:]
        for title, extra in runs:
            report(title, serve_and_measure(url, context, args.rounds, extra, batch=not args.no_batch))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(url)


if __name__ == "__main__":
    main()
