"""The API over real HTTP (live server): a script's token flow, optimistic locking and a streamed export."""

import json
import urllib.error
import urllib.request

import pytest


def call(url, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def api(live_server):
    return live_server.url + "/api"


def test_script_gets_a_token_tags_and_meets_a_conflict(api, transactional_db, cast, document, label):
    status, _, body = call(f"{api}/token/", "POST", {"username": "ann1", "password": "wrong"})
    assert status == 400 and b"wrong password" in body
    status, _, body = call(f"{api}/token/", "POST", {"username": "ann1", "password": "pw-ann1"})
    assert status == 200
    auth = {"Authorization": f"Token {json.loads(body)['token']}"}

    segment = document.segments.get(text__startswith="This bold move")
    start = segment.text.index("bold move")
    status, headers, body = call(f"{api}/annotations/", "POST", {
        "segment": segment.pk, "label": label("loaded_language", "loaded_language").pk, "start": start,
        "end": start + 9, "quote": "bold move", "attributes": {"polarity": "positive", "voice": "author"},
    }, auth)
    assert status == 201, body
    annotation = json.loads(body)
    url = f"{api}/annotations/{annotation['id']}/"
    etag = headers["ETag"]

    assert call(url, "PATCH", {"note": "no precondition"}, auth)[0] == 428
    status, headers, _ = call(url, "PATCH", {"note": "first"}, {**auth, "If-Match": etag})
    assert status == 200
    status, _, body = call(url, "PATCH", {"note": "second"}, {**auth, "If-Match": etag})
    assert status == 412 and json.loads(body)["current"]["note"] == "first"

    status, _, _ = call(f"{api}/projects/", headers={})
    assert status == 401


def test_export_streams_over_http(api, transactional_db, cast, document, label):
    _, _, body = call(f"{api}/token/", "POST", {"username": "reviewer", "password": "pw-reviewer"})
    auth = {"Authorization": f"Token {json.loads(body)['token']}"}
    status, headers, body = call(f"{api}/projects/{document.project_id}/export/?format=jsonl", headers=auth)
    assert status == 200
    assert headers["Content-Type"] == "application/x-ndjson"
    assert "Content-Length" not in headers
    lines = [json.loads(line) for line in body.splitlines()]
    assert sum(line["type"] == "segment" for line in lines) == document.segments.count()
