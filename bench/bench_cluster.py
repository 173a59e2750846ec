"""The local cluster under load and failure: nginx, two app servers, PostgreSQL and Redis, next to one server.

Run: .venv/bin/python bench/bench_cluster.py [--paced-seconds 60] [--saturation-seconds 30] [--clients 8]

Brings the cluster up with deploy/local-cluster (in a temporary $CLUSTER_DIR, on free ports unless the
CLUSTER_*_PORT variables are set), always brings it down at the end, even on an error or Ctrl-C, and runs:

- paced: --annotators simulated annotators through nginx (https, keep-alive), each making a tag every 2-5 s,
  and now and then reading the annotation page or their tags, editing a tag (If-Match) or deleting one;
- saturation: --clients clients creating tags without a pause through nginx, for --saturation-seconds;
- baseline: the same saturation load sent directly to one 4-worker gunicorn running the code of
  --baseline-commit (a temporary git worktree, the same venv, DJANGO_CONN_MAX_AGE unset, its own database
  on the cluster's PostgreSQL, no Redis), as the app was run before the cluster;
- failure: saturation again, and a third of the way in app server 1 is killed (stop-app 1 --kill); every
  create carries a unique client_key, and afterwards the database must hold each acknowledged key exactly
  once and no key twice; then app server 1 is started again;
- lockout: 10 failed log-ins for one account through nginx (round robin over both servers), then the right
  password through nginx and directly on each app server: each must get the lockout's 429.

Every request has a timeout and every phase a fixed length, so the script stops by itself.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import ssl
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
SEED = ROOT / "fixtures" / "telesur-iran-venezuela-2025-06-09.txt"
LOCKED_USER, RIGHT_PASSWORD = "lockme", "the-right-password-for-the-bench-9"
BENCH_ENV = {"DJANGO_TOKEN_RATE": "100000/min", "DJANGO_LOG_LEVEL": "CRITICAL",
             "DJANGO_SETTINGS_MODULE": "project.settings"}

# Run inside the app's code tree (the cluster's or the baseline's): migrate, one project with the TeleSUR
# article, one annotator a client (token and session), and the account the lockout phase locks.
PREPARE = f"""
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django.test import Client
from annotate.codebooks import load_codebook_file
from annotate.importing import import_article
from annotate.models import Membership, Project
from annotate.tokens import issue_token
codebook, _ = load_codebook_file()
project = Project.objects.create(slug="load", name="Load", codebook=codebook, blind=True)
document = import_article(project=project, name="telesur.txt", raw=open({str(SEED)!r}, "rb").read()).document
users = []
for i in range(int(sys.argv[1])):
    user = get_user_model().objects.create_user(f"load{{i}}")
    Membership.objects.create(project=project, user=user, role="annotator")
    client = Client()
    client.force_login(user)
    users.append({{"token": issue_token(user=user, name="load")[1], "session": client.cookies["sessionid"].value}})
get_user_model().objects.create_user({LOCKED_USER!r}, password={RIGHT_PASSWORD!r})
label = codebook.layers.get(key="loaded_language").labels.get(key="loaded_language")
segments = [[segment.pk, segment.text] for segment in document.segments.order_by("index")]
print(json.dumps({{"users": users, "segments": segments, "label": label.pk,
                  "document": document.pk, "page": f"/projects/load/documents/{{document.pk}}/"}}))
"""

# Count how often each client_key given on stdin is stored.
COUNT_KEYS = """
import json, sys
import django
django.setup()
from django.db.models import Count
from annotate.models import Annotation
keys = json.load(sys.stdin)
counts = {}
for i in range(0, len(keys), 5000):
    rows = (Annotation.objects.filter(client_key__in=keys[i:i + 5000]).values("client_key")
            .annotate(n=Count("id")).values_list("client_key", "n"))
    counts.update({str(key): n for key, n in rows})
print(json.dumps(counts))
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def last_json_line(text):
    return json.loads(text.strip().splitlines()[-1])


class Cluster:
    """deploy/local-cluster in a directory and on ports of this run's own."""

    def __init__(self, script):
        self.script = Path(script).resolve()
        self.code = self.script.parent.parent
        self.dir = Path(os.environ.get("CLUSTER_DIR") or tempfile.mkdtemp(prefix="bench-cluster-"))
        self.env = {**os.environ, **BENCH_ENV, "CLUSTER_DIR": str(self.dir)}
        for name in ("CLUSTER_PG_PORT", "CLUSTER_REDIS_PORT", "CLUSTER_HTTPS_PORT", "CLUSTER_HTTP_PORT"):
            self.env.setdefault(name, str(free_port()))
        if "CLUSTER_APP_PORT_BASE" not in self.env:
            base = free_port()
            while any(not self.port_free(base + n) for n in (1, 2)):
                base = free_port()
            self.env["CLUSTER_APP_PORT_BASE"] = str(base)
        self.up = False

    @staticmethod
    def port_free(port):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return True
            except OSError:
                return False

    def run(self, *args, timeout=300):
        done = subprocess.run([str(self.script), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"local-cluster {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self):
        self.up = True  # from here on `down` must run, even if `up` stops half way
        self.run("up", "--empty", timeout=600)
        self.conf = dict(line.split("=", 1) for line in (self.dir / "cluster.conf").read_text().split())
        self.https_port = int(self.conf["HTTPS_PORT"])
        self.pg_port = int(self.conf["PG_PORT"])

    def app_port(self, n):
        return int(self.conf["APP_PORT_BASE"]) + n

    def django(self, code, *args, stdin=None):
        """Run Python code with the app servers' environment (sourced from $CLUSTER_DIR/env)."""
        done = subprocess.run(
            ["bash", "-c", 'set -a; . "$0"; set +a; exec "$1" -c "$2" "${@:3}"', str(self.dir / "env"),
             sys.executable, code, *args],
            cwd=self.code, env=self.env, input=stdin, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return last_json_line(done.stdout)

    def access_log_lines(self, n, needle):
        path = self.dir / f"app{n}.access.log"
        return sum(needle in line for line in path.read_text().splitlines()) if path.exists() else 0

    def down(self):
        if self.up:
            self.up = False
            self.run("down", timeout=120)


class Baseline:
    """One 4-worker gunicorn on the code of an earlier commit, straight on loopback, its own database."""

    def __init__(self, commit, pg_port, workers, clients):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
        self.code = self.dir / "code"
        self.process = None
        subprocess.run(["git", "worktree", "add", "--detach", str(self.code), commit], cwd=ROOT, check=True,
                       capture_output=True)
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{pg_port}/postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE baseline")
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("DJANGO_") and name != "DATABASE_URL"}
        self.env = {**env, **BENCH_ENV, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg_port}/baseline",
                    "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "baseline-" + "x" * 60,
                    "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        done = subprocess.run([sys.executable, "-c", PREPARE, str(clients)], cwd=self.code, env=self.env,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        self.setup = with_spans(last_json_line(done.stdout))
        self.port = free_port()
        self.log = open(self.dir / "gunicorn.log", "w")  # closed in stop()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "project.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--timeout", "60", "--log-level", "warning",
             "--access-logfile", str(self.dir / "access.log"), "--access-logformat", '"%(r)s" %(s)s %(M)sms'],
            cwd=self.code, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log)
        # Ready when every worker has booted and answers, not when the master has bound its port.
        probe = Connection(self.port, False, {"Authorization": f"Token {self.setup['users'][0]['token']}"}, [])
        deadline, answered = time.monotonic() + 120, 0
        while answered < 2 * workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the baseline gunicorn did not start: see {self.dir / 'gunicorn.log'}")
            if probe.request("probe", "GET", "/api/projects/")[0] == 200:
                answered += 1
            else:
                time.sleep(0.5)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.log.close()
        subprocess.run(["git", "worktree", "remove", "--force", str(self.code)], cwd=ROOT, capture_output=True)
        subprocess.run(["rm", "-rf", str(self.dir)])


class Connection:
    """One client's keep-alive connection; every answer is recorded as (kind, status, ms, started, ended)."""

    def __init__(self, port, tls, headers, records):
        self.port, self.tls, self.headers, self.records = port, tls, headers, records
        self.connection = None

    def open(self):
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the cluster's certificate is self-signed
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def request(self, kind, method, path, body=None, headers=None):
        started = time.monotonic()
        status, data = "error", None
        try:
            if self.connection is None:
                self.connection = self.open()
            self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                    headers={"Content-Type": "application/json", **self.headers, **(headers or {})})
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
            if raw and response.getheader("Content-Type", "").startswith("application/json"):
                data = json.loads(raw)
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = None
        except (OSError, http.client.HTTPException, ValueError):
            if self.connection is not None:
                self.connection.close()
            self.connection = None
        ended = time.monotonic()
        self.records.append((kind, status, (ended - started) * 1000, started, ended))
        return status, data


def spans(setup, seed):
    """Yield every span of one to three words of the article once, in an order of the annotator's own.

    An annotator may not make the same span twice (a 400), so each create asks for one not made before."""
    choices = []
    for segment, text in setup["segments"]:
        words = [match.span() for match in re.finditer(r"\w+", text)]
        choices += [(segment, text, words[i][0], words[j][1]) for i in range(len(words))
                    for j in range(i, min(i + 3, len(words)))]
    random.Random(seed).shuffle(choices)
    yield from choices


def with_spans(setup):
    """Give each annotator of the set-up the spans they will make, one after another."""
    for i, user in enumerate(setup["users"]):
        user["spans"] = spans(setup, i)
    return setup


def tag_body(setup, span, n):
    segment, text, start, end = span
    return {"segment": segment, "label": setup["label"], "start": start, "end": end, "quote": text[start:end],
            "attributes": {"polarity": "negative"}, "note": f"n{n}", "client_key": str(uuid.uuid4())}


def paced_annotator(port, tls, user, setup, stop_at, records, seed):
    """Make a tag every 2-5 s; now and then read the page or the tags, edit one or delete one."""
    rng = random.Random(seed)
    api = Connection(port, tls, {"Authorization": f"Token {user['token']}"}, records)
    page = Connection(port, tls, {"Cookie": f"sessionid={user['session']}"}, records)
    tags, n = [], 0
    wake = time.monotonic() + rng.uniform(0, 5)
    while wake < stop_at:
        time.sleep(max(0.0, wake - time.monotonic()))
        wake += rng.uniform(2, 5)
        if n % 10 == 0:
            page.request("page", "GET", setup["page"])
        n += 1
        status, data = api.request("create", "POST", "/api/annotations/", tag_body(setup, next(user["spans"]), n))
        if status == 201:
            tags.append((data["id"], data["version"]))
        roll = rng.random()
        if roll < 0.3:
            api.request("read", "GET", f"/api/annotations/?document={setup['document']}")
        elif roll < 0.6 and tags:
            tag, version = tags.pop()
            status, data = api.request("edit", "PATCH", f"/api/annotations/{tag}/", {"note": f"edited {n}"},
                                       {"If-Match": f'"{tag}.{version}"'})
            if status == 200:
                tags.append((tag, data["version"]))
        elif roll < 0.75 and len(tags) > 1:
            tag, version = tags.pop(0)
            api.request("delete", "DELETE", f"/api/annotations/{tag}/", headers={"If-Match": f'"{tag}.{version}"'})


def saturating_client(port, tls, user, setup, stop_at, records, keys):
    """Create tags one after another without a pause; remember every client_key and whether it was acknowledged."""
    api = Connection(port, tls, {"Authorization": f"Token {user['token']}"}, records)
    n = 0
    while time.monotonic() < stop_at:
        n += 1
        body = tag_body(setup, next(user["spans"]), n)
        status, _ = api.request("create", "POST", "/api/annotations/", body)
        keys.append((body["client_key"], status, records[-1][3], records[-1][4]))


def run_threads(target, arguments):
    threads = [threading.Thread(target=target, args=args, daemon=True) for args in arguments]
    for thread in threads:
        thread.start()
    return threads


def join(threads, seconds):
    for thread in threads:
        thread.join(timeout=seconds + 30)


class ServerTimes:
    """Read the creates' times inside the app servers (gunicorn's access log, %(M)s) written since the last read."""

    def __init__(self, *paths):
        self.offsets = {Path(path): 0 for path in paths}

    def creates(self):
        times = []
        for path, offset in self.offsets.items():
            if not path.exists():
                continue
            with open(path, "rb") as log:
                log.seek(offset)
                lines = log.read().decode(errors="replace").splitlines()
                self.offsets[path] = log.tell()
            times += [int(line.rsplit(" ", 1)[1][:-2]) for line in lines
                      if '"POST /api/annotations/' in line and line.endswith("ms")]
        times.sort()
        return {"server_p50": times[len(times) // 2] if times else float("nan"),
                "server_p95": times[min(len(times) - 1, int(len(times) * 0.95))] if times else float("nan")}


def summary(name, records, seconds, kinds=None, server=None):
    chosen = [r for r in records if kinds is None or r[0] in kinds]
    answered = sorted(ms for _, status, ms, _, _ in chosen if status != "error")
    errors = sum(status == "error" or status >= 500 for _, status, _, _, _ in chosen)

    def pct(p):
        return answered[min(len(answered) - 1, int(len(answered) * p))] if answered else float("nan")

    statuses = Counter(str(status) for _, status, _, _, _ in chosen)
    return {"name": name, "requests": len(chosen), "per_s": len(chosen) / seconds, "p50": pct(0.50),
            "p95": pct(0.95), "p99": pct(0.99), "errors": errors,
            "statuses": ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items())),
            "mean": statistics.fmean(answered) if answered else float("nan"),
            **(server or {"server_p50": float("nan"), "server_p95": float("nan")})}


def saturation(port, tls, setup, clients, seconds, fault=None):
    records, keys = [], []
    stop_at = time.monotonic() + seconds
    started = time.monotonic()
    threads = run_threads(saturating_client, [(port, tls, setup["users"][i], setup, stop_at, records, keys)
                                              for i in range(clients)])
    window = None
    if fault is not None:
        time.sleep(seconds / 3)
        begun = time.monotonic()
        fault()
        window = {"begun": begun, "ended": time.monotonic(), "offset": begun - started}
    join(threads, seconds)
    return records, keys, time.monotonic() - started, window


def paced(port, setup, annotators, seconds):
    records = []
    stop_at = time.monotonic() + seconds
    started = time.monotonic()
    join(run_threads(paced_annotator, [(port, True, setup["users"][i], setup, stop_at, records, i)
                                       for i in range(annotators)]), seconds)
    return records, time.monotonic() - started


def lockout(cluster):
    """Fail 10 log-ins through nginx, then try the right password through nginx and on each app server."""
    records = []
    proxy = Connection(cluster.https_port, True, {}, records)
    wrong = [proxy.request("login", "POST", "/api/token/", {"username": LOCKED_USER, "password": f"wrong{i}"})[0]
             for i in range(10)]
    time.sleep(1)  # gunicorn writes the access log line after the answer has left
    per_server = {n: cluster.access_log_lines(n, "POST /api/token/") for n in (1, 2)}
    right = {"nginx": proxy.request("login", "POST", "/api/token/",
                                    {"username": LOCKED_USER, "password": RIGHT_PASSWORD})[0]}
    for n in (1, 2):
        # As nginx would send it: the app trusts one proxy hop and takes the client's address from it.
        direct = Connection(cluster.app_port(n), False, {"X-Forwarded-Proto": "https",
                                                          "X-Forwarded-For": "127.0.0.1"}, records)
        right[f"app server {n} directly"] = direct.request(
            "login", "POST", "/api/token/", {"username": LOCKED_USER, "password": RIGHT_PASSWORD})[0]
    return wrong, per_server, right


def check_keys(cluster, keys):
    """Return (acknowledged, acknowledged stored once, acknowledged missing, keys stored twice or more,
    unanswered but stored)."""
    counts = cluster.django(COUNT_KEYS, stdin=json.dumps([key for key, _, _, _ in keys]))
    acknowledged = [key for key, status, _, _ in keys if status == 201]
    return {"acknowledged": len(acknowledged),
            "once": sum(counts.get(key) == 1 for key in acknowledged),
            "missing": sum(key not in counts for key in acknowledged),
            "twice": sum(n > 1 for n in counts.values()),
            "unacknowledged_stored": sum(key in counts for key, status, _, _ in keys if status != 201)}


def print_row(row, base=None):
    ratio = f"{row['per_s'] / base['per_s']:.2f}" if base else "-"
    in_server = "-" if row["server_p50"] != row["server_p50"] else f"{row['server_p50']:.0f} / {row['server_p95']:.0f}"
    print(f"| {row['name']} | {row['requests']} | {row['per_s']:.1f} | {ratio} | {row['p50']:.0f} | {row['p95']:.0f} "
          f"| {row['p99']:.0f} | {in_server} | {row['errors']} | {row['statuses']} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--paced-seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--saturation-seconds", type=float, default=30)
    parser.add_argument("--baseline-commit", default="00ffe03")
    parser.add_argument("--baseline-workers", type=int, default=4)
    parser.add_argument("--script", default=str(ROOT / "deploy" / "local-cluster"),
                        help="the cluster script; the app code is the tree it lives in")
    args = parser.parse_args()

    # Ctrl-C and kill end the run through the finally clauses below, which bring everything down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    cluster, baseline = Cluster(args.script), None
    try:
        started = time.monotonic()
        cluster.start()
        setup = with_spans(cluster.django(PREPARE, str(max(args.annotators, args.clients))))
        print(f"cluster up and prepared in {time.monotonic() - started:.0f} s ({cluster.dir}); "
              f"nginx https :{cluster.https_port}, app servers :{cluster.app_port(1)} :{cluster.app_port(2)}")
        sys.stdout.flush()

        times = ServerTimes(cluster.dir / "app1.access.log", cluster.dir / "app2.access.log")
        times.creates()
        records, seconds = paced(cluster.https_port, setup, args.annotators, args.paced_seconds)
        server = times.creates()
        paced_rows = [summary("paced, all requests", records, seconds),
                      *(summary(f"paced, {kind}", records, seconds, {kind})
                        for kind in ("edit", "delete", "read", "page"))]
        paced_rows.insert(1, summary("paced, create", records, seconds, {"create"}, server))

        records, _, seconds, _ = saturation(cluster.https_port, True, setup, args.clients, args.saturation_seconds)
        cluster_row = summary("saturation, cluster through nginx", records, seconds, server=times.creates())

        baseline = Baseline(args.baseline_commit, cluster.pg_port, args.baseline_workers, args.clients)
        baseline_times = ServerTimes(baseline.dir / "access.log")
        baseline_times.creates()
        records, _, seconds, _ = saturation(baseline.port, False, baseline.setup, args.clients,
                                            args.saturation_seconds)
        baseline_row = summary(f"saturation, baseline {args.baseline_commit} ({args.baseline_workers} workers, "
                               "direct)", records, seconds, server=baseline_times.creates())
        baseline.stop()
        baseline = None

        records, keys, seconds, window = saturation(
            cluster.https_port, True, setup, args.clients, args.saturation_seconds,
            fault=lambda: cluster.run("stop-app", "1", "--kill"))
        failure_row = summary("failure: app server 1 killed", records, seconds, server=times.creates())
        failed = [(status, begun, ended) for _, status, begun, ended in keys if status == "error" or status >= 500]
        in_flight = sum(begun < window["begun"] < ended for _, _, begun, ended in keys)
        started_before = sum(begun < window["ended"] for _, begun, _ in failed)
        stored = check_keys(cluster, keys)
        cluster.run("start-app", "1")

        wrong, per_server, right = lockout(cluster)
    finally:
        if baseline is not None:
            baseline.stop()
        cluster.down()

    print(f"\n{args.annotators} paced annotators for {args.paced_seconds:.0f} s through nginx (https, keep-alive)")
    print("| phase | requests | per s | x baseline | p50 ms | p95 ms | p99 ms | create in server p50 / p95 ms | errors "
          "| answers by status |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in paced_rows:
        print_row(row)
    print(f"\nsaturation: {args.clients} clients creating tags without a pause for {args.saturation_seconds:.0f} s")
    print("| phase | creates | creates/s | x baseline | p50 ms | p95 ms | p99 ms | create in server p50 / p95 ms "
          "| errors | answers by status |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print_row(baseline_row)
    print_row(cluster_row, baseline_row)
    print_row(failure_row, baseline_row)
    print(f"\nfailure: app server 1 killed {window['offset']:.1f} s in; stop-app took "
          f"{window['ended'] - window['begun']:.1f} s; requests in flight (to either server) at the kill: "
          f"{in_flight}; failed requests: {len(failed)}, of which started before the kill was over: {started_before}")
    print(f"acknowledged creates: {stored['acknowledged']}; stored exactly once: {stored['once']}; missing: "
          f"{stored['missing']}; client_keys stored twice or more: {stored['twice']}; unanswered but stored: "
          f"{stored['unacknowledged_stored']}")
    print(f"\nlockout: 10 wrong passwords through nginx -> {wrong}; reached app server 1: {per_server[1]}, "
          f"app server 2: {per_server[2]}")
    print("then the right password: " + "; ".join(f"{where} -> {status}" for where, status in right.items()))
    problems = []
    if stored["missing"] or stored["twice"]:
        problems.append("acknowledged writes missing or stored twice")
    if any(status != 429 for status in right.values()):
        problems.append("the lockout did not hold on every server")
    if problems:
        sys.exit("; ".join(problems))


if __name__ == "__main__":
    main()
