"""Load and faults on loopback: gunicorn on PostgreSQL, simulated annotators creating, editing and deleting tags.

Run: .venv/bin/python bench/bench_load.py [--annotators 50] [--seconds 60] [--workers 4]

Starts its own PostgreSQL cluster (Debian's postgresql-15, in a temporary directory, on a free port on
127.0.0.1) and gunicorn with production settings on another free port, then runs three scenarios of
the same length, each on a fresh set of tags:

- steady: the annotators work for the whole run;
- pg-restart: PostgreSQL is restarted (pg_ctl restart -m fast) a third of the way in;
- worker-kill: one gunicorn worker is killed (SIGKILL) a third of the way in.

Each simulated annotator loops: create a span (with a client_key, retried with the same key after a
failure, as the annotation page does), edit it with If-Match, and delete every third one. Every write
the server acknowledged (2xx) is remembered; at the end each tag's row is compared with the last
acknowledged state, so "lost" counts acknowledged writes that are not in the database. A tag whose
last write got no answer is left out of that count (the server may or may not have applied it).
Everything stops by itself: each request has a timeout and each scenario a fixed length.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
WORDS = ["lifeline", "crippled", "sanctions", "Iran"]
SENTENCE = "In 2020, when U.S."


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres(command):
    """Run a shell command as the postgres user when running as root (initdb refuses root)."""
    if os.geteuid() == 0:
        return subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=True,
                              stdout=subprocess.DEVNULL)
    return subprocess.run(command, shell=True, check=True, stdout=subprocess.DEVNULL)


class Postgres:
    """A throwaway PostgreSQL cluster on loopback."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        as_postgres(f"{PGBIN}/initdb -D {self.dir}/data -U postgres -A trust --encoding=UTF8 --locale=C.UTF-8")
        self.start()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/annotate"

    def ctl(self, action, *extra):
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200"
        as_postgres(f"{PGBIN}/pg_ctl -D {self.dir}/data -l {self.dir}/log -w -o '{options}' {action} {' '.join(extra)}")

    def start(self):
        self.ctl("start")

    def restart(self):
        self.ctl("restart", "-m", "fast")

    def stop(self):
        try:
            self.ctl("stop", "-m", "fast")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def prepare(env, annotators):
    """Migrate, load the demo article into a project and make one token per annotator; return (tokens, segment)."""
    script = f"""
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from annotate.codebooks import load_codebook_file
from annotate.importing import import_article
from annotate.models import Membership, Project
from annotate.tokens import issue_token
codebook, _ = load_codebook_file()
project = Project.objects.create(slug="load", name="Load", codebook=codebook, blind=True)
path = "{ROOT / 'fixtures' / 'telesur-iran-venezuela-2025-06-09.txt'}"
document = import_article(project=project, name="telesur.txt", raw=open(path, "rb").read()).document
segment = document.segments.get(text__startswith={SENTENCE!r})
tokens = []
for i in range({annotators}):
    user = get_user_model().objects.create_user(f"load{{i}}")
    Membership.objects.create(project=project, user=user, role="annotator")
    tokens.append(issue_token(user=user, name="load")[1])
print(json.dumps({{"tokens": tokens, "segment": segment.pk, "text": segment.text,
                  "label": codebook.layers.get(key="loaded_language").labels.get(key="loaded_language").pk}}))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


class Gunicorn:
    def __init__(self, env, workers):
        self.port = free_port()
        self.log = open(Path(tempfile.gettempdir()) / "bench-gunicorn.log", "w")  # closed in stop()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "project.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def workers(self):
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Annotator(threading.Thread):
    """One simulated annotator: create, edit, sometimes delete, and remember what the server acknowledged."""

    def __init__(self, port, token, setup, stop_at, results):
        super().__init__(daemon=True)
        self.port, self.token, self.setup, self.stop_at, self.results = port, token, setup, stop_at, results
        self.known = {}  # tag id -> last acknowledged state: {"note", "version"} or None when deleted
        self.unsure = set()  # tag ids whose last write got no answer
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        started = time.perf_counter()
        status = "error"
        data = None
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.connection.request(method, path, body=json.dumps(body) if body is not None else None, headers={
                "Authorization": f"Token {self.token}", "Content-Type": "application/json", **(headers or {})})
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
            if raw and response.getheader("Content-Type", "").startswith("application/json"):
                data = json.loads(raw)
        except (OSError, http.client.HTTPException, ValueError):
            self.connection = None
        self.results.append((method, status, (time.perf_counter() - started) * 1000))
        return status, data

    def run(self):
        text = self.setup["text"]
        rng = random.Random(self.token)
        n = 0
        while time.monotonic() < self.stop_at:
            word = rng.choice(WORDS)
            start = text.index(word)
            body = {"segment": self.setup["segment"], "label": self.setup["label"], "start": start,
                    "end": start + len(word), "quote": word, "attributes": {"polarity": "negative"},
                    "note": f"n{n}", "client_key": str(uuid.uuid4())}
            n += 1
            for _attempt in range(3):
                status, data = self.request("POST", "/api/annotations/", body)
                if status in (200, 201):
                    break
                if time.monotonic() >= self.stop_at:
                    break
                time.sleep(0.2)
            if status not in (200, 201):
                continue
            tag = data["id"]
            self.known[tag] = {"note": body["note"], "version": data["version"]}
            if time.monotonic() >= self.stop_at:
                break
            note = f"edited {n}"
            status, data = self.request("PATCH", f"/api/annotations/{tag}/", {"note": note},
                                        {"If-Match": f'"{tag}.{self.known[tag]["version"]}"'})
            if status == 200:
                self.known[tag] = {"note": note, "version": data["version"]}
            elif status == "error" or status >= 500:
                self.unsure.add(tag)
            if n % 3 == 0 and tag not in self.unsure and time.monotonic() < self.stop_at:
                status, _ = self.request("DELETE", f"/api/annotations/{tag}/",
                                         headers={"If-Match": f'"{tag}.{self.known[tag]["version"]}"'})
                if status == 204:
                    self.known[tag] = None
                elif status == "error" or status >= 500:
                    self.unsure.add(tag)


def stored_tags(env):
    script = """
import django, json
django.setup()
from annotate.models import Annotation
print(json.dumps({a["id"]: [a["note"], a["version"]] for a in Annotation.objects.values("id", "note", "version")}))
"""
    for _attempt in range(20):
        done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode == 0:
            return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}
        time.sleep(1)
    raise RuntimeError(done.stderr)


def scenario(name, *, env, setup, port, seconds, fault):
    results = []
    stop_at = time.monotonic() + seconds
    annotators = [Annotator(port, token, setup, stop_at, results) for token in setup["tokens"]]
    started = time.monotonic()
    for annotator in annotators:
        annotator.start()
    fault_at = None
    if fault is not None:
        time.sleep(seconds / 3)
        fault_at = time.monotonic() - started
        fault()
    for annotator in annotators:
        annotator.join(timeout=seconds + 30)
    elapsed = time.monotonic() - started
    stored = stored_tags(env)
    lost = checked = 0
    for annotator in annotators:
        for tag, state in annotator.known.items():
            if tag in annotator.unsure:
                continue
            checked += 1
            row = stored.get(tag)
            if (state is None and row is not None) or (state is not None and row != [state["note"], state["version"]]):
                lost += 1
    latencies = sorted(ms for _, status, ms in results if status != "error")
    statuses = Counter(str(status) for _, status, _ in results)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")

    return {"scenario": name, "requests": len(results), "rps": len(results) / elapsed, "p50": pct(0.50),
            "p95": pct(0.95), "p99": pct(0.99), "statuses": dict(sorted(statuses.items())), "checked": checked,
            "lost": lost, "fault_at": fault_at,
            "mean": statistics.fmean(latencies) if latencies else float("nan")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--scenarios", default="steady,pg-restart,worker-kill")
    args = parser.parse_args()
    postgres = Postgres()
    gunicorn = None
    try:
        env = {**os.environ, "DATABASE_URL": postgres.url, "DJANGO_SETTINGS_MODULE": "project.settings",
               "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
               "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "false",
               "DJANGO_CONN_MAX_AGE": "60", "DJANGO_LOG_LEVEL": "CRITICAL"}
        as_postgres(f"{PGBIN}/createdb -h 127.0.0.1 -p {postgres.port} -U postgres annotate")
        setup = prepare(env, args.annotators)
        gunicorn = Gunicorn(env, args.workers)

        def kill_worker():
            os.kill(gunicorn.workers()[0], signal.SIGKILL)

        faults = {"steady": None, "pg-restart": postgres.restart, "worker-kill": kill_worker}
        rows = [scenario(name, env=env, setup=setup, port=gunicorn.port, seconds=args.seconds, fault=faults[name])
                for name in args.scenarios.split(",")]
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        postgres.stop()
    print(f"{args.annotators} annotators, {args.seconds:.0f} s per scenario, gunicorn {args.workers} workers, "
          "PostgreSQL 15, loopback")
    print("| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | answers by status "
          "| acknowledged tags checked | lost |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        statuses = ", ".join(f"{status}: {count}" for status, count in row["statuses"].items())
        print(f"| {row['scenario']} | {row['requests']} | {row['rps']:.0f} | {row['p50']:.0f} | {row['p95']:.0f} | "
              f"{row['p99']:.0f} | {statuses} | {row['checked']} | {row['lost']} |")
    if any(row["lost"] for row in rows):
        sys.exit("acknowledged writes were lost")


if __name__ == "__main__":
    main()
