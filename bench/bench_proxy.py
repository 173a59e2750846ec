"""What nginx in front costs: GET /health/ through the local cluster's nginx (TLS) against the same request
sent straight to one app server, in interleaved rounds.

Run: .venv/bin/python bench/bench_proxy.py [--requests 300] [--rounds 3]

Brings up deploy/local-cluster --empty in a temporary directory on ports of its own, and always brings it
down again. /health/ reads PostgreSQL once and Redis three times, so it is a small but real request.
Through nginx one keep-alive TLS connection is reused (as a browser does); the app server closes each
connection (gunicorn's sync workers), so the direct client reconnects every time, as nginx itself does.
"""

import argparse
import http.client
import os
import shutil
import ssl
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "deploy" / "local-cluster"
PORTS = {"CLUSTER_PG_PORT": 55476, "CLUSTER_REDIS_PORT": 56376, "CLUSTER_HTTPS_PORT": 8453,
         "CLUSTER_HTTP_PORT": 8090, "CLUSTER_APP_PORT_BASE": 8110}


def timings(connect, requests):
    """Return the milliseconds of each GET /health/, reconnecting when the server closes."""
    spent, connection = [], connect()
    try:
        for _ in range(requests):
            started = time.perf_counter()
            connection.request("GET", "/health/")
            response = connection.getresponse()
            response.read()
            spent.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise SystemExit(f"/health/ answered {response.status}")
            if response.will_close:
                connection.close()
                connection = connect()
    finally:
        connection.close()
    return spent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    parent = Path(tempfile.mkdtemp(prefix="bench-proxy-", dir="/tmp"))
    parent.chmod(0o755)
    cluster = parent / "state"
    env = {**os.environ, "CLUSTER_DIR": str(cluster), **{name: str(port) for name, port in PORTS.items()}}
    try:
        subprocess.run([SCRIPT, "up", "--empty"], env=env, check=True, timeout=600, stdout=subprocess.DEVNULL)
        context = ssl.create_default_context(cafile=str(cluster / "tls" / "cert.pem"))
        app_port = PORTS["CLUSTER_APP_PORT_BASE"] + 1

        def direct():
            return http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)

        def proxied():
            return http.client.HTTPSConnection("127.0.0.1", PORTS["CLUSTER_HTTPS_PORT"], context=context, timeout=30)

        print("| round | direct p50 ms | direct p95 ms | nginx p50 ms | nginx p95 ms | nginx / direct (p50) |")
        print("|---|---|---|---|---|---|")
        for number in range(1, args.rounds + 1):
            row = []
            for connect in (direct, proxied):
                spent = sorted(timings(connect, args.requests))
                row.append((statistics.median(spent), spent[int(len(spent) * 0.95) - 1]))
            print(f"| {number} | {row[0][0]:.1f} | {row[0][1]:.1f} | {row[1][0]:.1f} | {row[1][1]:.1f} "
                  f"| {row[1][0] / row[0][0]:.2f} |")
    finally:
        subprocess.run([SCRIPT, "down"], env=env, timeout=120, stdout=subprocess.DEVNULL)
        shutil.rmtree(parent, ignore_errors=True)


if __name__ == "__main__":
    main()
