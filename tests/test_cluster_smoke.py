"""The cluster of deploy/local-cluster (PostgreSQL, Redis, two app servers, nginx with TLS), driven over HTTPS.

It starts its own cluster (its own directory and ports), once per run: it is skipped when DATABASE_URL
is set, so CI's PostgreSQL run leaves it to the SQLite run. Without nginx, Redis or PostgreSQL it is
skipped, unless REQUIRE_CLUSTER=1 (CI), where that is a failure.
"""

import http.client
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
SCRIPT = ROOT / "deploy" / "local-cluster"
PORTS = {"CLUSTER_PG_PORT": 55481, "CLUSTER_REDIS_PORT": 56381, "CLUSTER_HTTPS_PORT": 8543,
         "CLUSTER_HTTP_PORT": 8180, "CLUSTER_APP_PORT_BASE": 8200}
APP_PORTS = (8201, 8202)
TOKEN_RATE = 15  # a minute per client address, DJANGO_TOKEN_RATE passed through `up`
FORGED = "203.0.113.7"


def missing_services():
    tools = ["nginx", "redis-server", "openssl", "curl"]
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not (PGBIN / "initdb").exists():
        missing.append("postgresql-15")
    return missing


def skip_or_fail_without_cluster():
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the cluster smoke test runs once, in the SQLite run")
    missing = missing_services()
    if missing:
        message = f"the cluster needs {', '.join(missing)}"
        if os.environ.get("REQUIRE_CLUSTER") == "1":
            pytest.fail(f"{message} (REQUIRE_CLUSTER=1)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def cluster():
    skip_or_fail_without_cluster()
    # Not pytest's tmp_path: PostgreSQL runs as its own user and must reach its data directory.
    parent = Path(tempfile.mkdtemp(prefix="cluster-smoke-", dir="/tmp"))
    parent.chmod(0o755)
    directory = parent / "state"
    env = {**os.environ, "CLUSTER_DIR": str(directory), "DJANGO_TOKEN_RATE": f"{TOKEN_RATE}/min",
           "DJANGO_LOGIN_FAILURE_LIMIT": "10",
           **{name: str(port) for name, port in PORTS.items()}}
    try:
        subprocess.run([SCRIPT, "up"], env=env, check=True, timeout=300, capture_output=True, text=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        subprocess.run([SCRIPT, "down"], env=env, timeout=120)
        pytest.fail(f"local-cluster up failed:\n{error.stdout}\n{error.stderr}")
    try:
        yield directory
    finally:
        subprocess.run([SCRIPT, "down"], env=env, check=True, timeout=120)
        parent.rmdir()


def call(method, path, *, app=None, source="127.0.0.1", body=None, headers=None, cluster_dir=None):
    """Send one request through nginx over HTTPS (from source), or to app server 1 or 2 as nginx would."""
    headers = dict(headers or {})
    if app is None:
        context = ssl.create_default_context(cafile=str(cluster_dir / "tls" / "cert.pem"))
        connection = http.client.HTTPSConnection("127.0.0.1", PORTS["CLUSTER_HTTPS_PORT"], context=context,
                                                 source_address=(source, 0), timeout=30)
        host = f"127.0.0.1:{PORTS['CLUSTER_HTTPS_PORT']}"
    else:
        # What nginx sends: the client's address appended, the scheme it was reached by.
        connection = http.client.HTTPConnection("127.0.0.1", APP_PORTS[app - 1], timeout=30)
        headers.setdefault("X-Forwarded-For", source)
        headers.setdefault("X-Forwarded-Proto", "https")
        host = f"127.0.0.1:{APP_PORTS[app - 1]}"
    if isinstance(body, dict):
        body = json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    headers.setdefault("Host", host)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def demo_password(cluster_dir, username):
    text = (cluster_dir / "demo-accounts").read_text()
    return re.search(rf"^\s*{username}\s+\S+\s+password: (\S+)$", text, re.M).group(1)


def cookies_set(headers):
    cookies = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return cookies


def access_lines(cluster_dir, app):
    return (cluster_dir / f"app{app}.access.log").read_text().splitlines()


def test_health_answers_through_nginx_and_plain_http_is_redirected_to_https(cluster):
    status, _, body = call("GET", "/health/", cluster_dir=cluster)
    assert (status, body) == (200, b"ok\n")
    connection = http.client.HTTPConnection("127.0.0.1", PORTS["CLUSTER_HTTP_PORT"], timeout=10)
    connection.request("GET", "/projects/?page=2")
    response = connection.getresponse()
    assert response.status == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{PORTS['CLUSTER_HTTPS_PORT']}/projects/?page=2"
    # Each app server answers a probe over plain HTTP; anything else it sends to HTTPS.
    for port in APP_PORTS:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/health/")
        assert connection.getresponse().status == 200
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/projects/")
        assert connection.getresponse().status == 301
        connection.close()


def test_nginx_serves_hashed_static_files_itself_compressed_and_cached_for_a_year(cluster):
    manifest = json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())
    hashed = manifest["paths"]["annotate/annotate.js"]
    status, headers, body = call("GET", f"/static/{hashed}", headers={"Accept-Encoding": "gzip"}, cluster_dir=cluster)
    assert status == 200 and body
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # The app would have added its Content-Security-Policy; neither app server saw the request.
    assert "Content-Security-Policy" not in headers
    assert not any(hashed in line for app in (1, 2) for line in access_lines(cluster, app))


def test_both_app_servers_answer_through_nginx(cluster):
    before = [len(access_lines(cluster, app)) for app in (1, 2)]
    for _ in range(6):
        assert call("GET", "/health/", cluster_dir=cluster)[0] == 200
    after = [len(access_lines(cluster, app)) for app in (1, 2)]
    assert after[0] > before[0] and after[1] > before[1]
    assert sum(after) - sum(before) == 6


def test_demo_annotator_logs_in_with_csrf_over_https_and_creates_a_tag(cluster):
    origin = f"https://127.0.0.1:{PORTS['CLUSTER_HTTPS_PORT']}"
    status, headers, body = call("GET", "/accounts/login/", cluster_dir=cluster)
    assert status == 200
    csrf_cookie = cookies_set(headers)["csrftoken"]
    assert csrf_cookie["secure"]  # the app sees the request as HTTPS
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"username": "annotator1", "password": demo_password(cluster, "annotator1"),
                      "csrfmiddlewaretoken": token})
    form_headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
                    "Cookie": f"csrftoken={csrf_cookie.value}"}
    status, headers, _ = call("POST", "/accounts/login/", body=form, headers=form_headers, cluster_dir=cluster)
    assert status == 302, "log-in refused"
    session = cookies_set(headers)["sessionid"]
    assert session["secure"] and session["httponly"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")

    cookies = {"Cookie": f"csrftoken={csrf_cookie.value}; sessionid={session.value}"}
    _, _, body = call("GET", "/api/projects/?slug=telesur-iran-venezuela", headers=cookies, cluster_dir=cluster)
    project = json.loads(body)["results"][0]
    _, _, body = call("GET", f"/api/projects/{project['id']}/codebook/", headers=cookies, cluster_dir=cluster)
    framing = next(layer for layer in json.loads(body)["layers"] if layer["key"] == "framing")
    economic = next(label for label in framing["labels"] if label["key"] == "economic")
    _, _, body = call("GET", f"/api/segments/?document__project={project['id']}", headers=cookies,
                      cluster_dir=cluster)
    segment = json.loads(body)["results"][1]
    tag = {"segment": segment["id"], "label": economic["id"]}

    status, _, body = call("POST", "/api/annotations/", body=tag, headers={**cookies, "Origin": origin},
                           cluster_dir=cluster)
    assert status == 403 and b"CSRF" in body
    status, _, body = call("POST", "/api/annotations/", body=tag, cluster_dir=cluster,
                           headers={**cookies, "Origin": origin, "X-CSRFToken": csrf_cookie.value})
    assert status == 201, body
    created = json.loads(body)
    status, _, body = call("GET", f"/api/annotations/{created['id']}/", headers=cookies, cluster_dir=cluster)
    assert status == 200 and json.loads(body)["label"] == economic["id"]


def token_request(username, password, **where):
    status, _, body = call("POST", "/api/token/", body={"username": username, "password": password}, **where)
    return status, json.loads(body)


def test_ten_failures_across_both_servers_lock_the_account_at_the_real_client_address(cluster):
    # Failures from 127.0.0.2: four through nginx with a forged X-Forwarded-For (nginx appends the real
    # address, the one the app believes), three straight to each app server. Were the forged address
    # believed, only six would count against 127.0.0.2; were the counter per server, five at most.
    attempts = ([{"source": "127.0.0.2", "headers": {"X-Forwarded-For": f"{FORGED[:-1]}{i}"},
                  "cluster_dir": cluster} for i in range(4)]
                + [{"app": 1 + i % 2, "source": "127.0.0.2"} for i in range(6)])
    answers = [token_request("annotator2", "wrong", **where)[0] for where in attempts]
    assert answers == [400] * 9 + [429]
    password = demo_password(cluster, "annotator2")
    for app in (1, 2):
        status, body = token_request("annotator2", password, app=app, source="127.0.0.2")
        assert (status, body["code"]) == (429, "locked_out")
    status, body = token_request("annotator2", password, source="127.0.0.2", cluster_dir=cluster)
    assert (status, body["code"]) == (429, "locked_out")
    # The lock is for that address: the same account from another one still logs in.
    status, body = token_request("annotator2", password, source="127.0.0.3", cluster_dir=cluster)
    assert status == 200 and body["token"]


def test_token_throttle_counts_requests_on_both_servers_together(cluster):
    # Each attempt names a new account, so no lockout comes first: only the per-address throttle counts.
    wheres = [{"app": 1}, {"app": 2}, {"cluster_dir": cluster}]
    statuses = [token_request(f"nobody{i}", "wrong", source="127.0.0.4", **wheres[i % 3])[0]
                for i in range(TOKEN_RATE)]
    assert statuses == [400] * TOKEN_RATE
    for where in wheres:
        status, body = token_request("nobody", "wrong", source="127.0.0.4", **where)
        assert status == 429 and "throttled" in body["detail"]
    assert token_request("nobody", "wrong", source="127.0.0.5", app=1)[0] == 400


def pg_ctl(cluster_dir, *args):
    """Run pg_ctl on the cluster's PostgreSQL, as the user it runs as."""
    command = shlex.join([str(PGBIN / "pg_ctl"), "-D", str(cluster_dir / "pg"), "-w", *args])
    if os.geteuid() == 0:
        command = f"su postgres -s /bin/sh -c {shlex.quote(command)}"
    subprocess.run(command, shell=True, check=True, timeout=60, capture_output=True)


def test_health_is_503_naming_the_database_while_postgresql_is_down_and_ok_once_it_is_back(cluster):
    # postgresql's own record of how the cluster script started it: the same options start it again.
    options = shlex.split((cluster / "pg" / "postmaster.opts").read_text())[1:]
    pg_ctl(cluster, "-m", "fast", "stop")
    try:
        for where in ({"app": 1}, {"app": 2}, {"cluster_dir": cluster}):
            status, _, body = call("GET", "/health/", **where)
            assert (status, body) == (503, b"unavailable: database\n")
    finally:
        pg_ctl(cluster, "-l", str(cluster / "pg" / "server.log"), "-o", shlex.join(options), "start")
    deadline = time.monotonic() + 15
    while call("GET", "/health/", app=1)[0] != 200 or call("GET", "/health/", app=2)[0] != 200:
        assert time.monotonic() < deadline, "the app servers did not reconnect to PostgreSQL"
        time.sleep(0.2)
