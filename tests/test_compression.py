"""Compression on the wire over real HTTP: pages, API answers and streamed exports are gzipped when accepted."""

import gzip
import http.client
import json
import os
import re
import urllib.parse
import zlib

import pytest
from django.test import Client

from annotate.exporting import FORMATS
from annotate.models import Annotation
from annotate.tokens import issue_token
from tests.api_helpers import bulk_create_tags, make_span

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


class Server:
    """A keep-alive-free HTTP client for the live server that never decodes what it receives."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port

    def open(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        data = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        return connection, connection.getresponse()

    def call(self, method, path, body=None, headers=None):
        connection, response = self.open(method, path, body, headers)
        try:
            return response.status, response.headers, response.read()
        finally:
            connection.close()


@pytest.fixture
def server(live_server):
    return Server(live_server.url)


@pytest.fixture
def tagged(transactional_db, project, document, cast, label):
    """Give every sentence three tags by the first annotator, enough for an export of several hundred KB."""
    tag = label("loaded_language", "loaded_language")
    bulk_create_tags([
        Annotation(project=project, document=document, segment=segment, annotator=cast["ann1"], label=tag,
                   start=0, end=len(segment.text.split()[0]), quote=segment.text.split()[0],
                   attributes={"polarity": "negative"}, note=f"note {segment.index} {n}")
        for segment in document.segments.all() for n in range(3)
    ])
    return document


def token(user):
    return {"Authorization": f"Token {issue_token(user=user, name='wire')[1]}"}


def session(user):
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def test_annotation_page_is_gzipped_when_accepted_and_plain_otherwise(server, tagged, cast):
    path = f"/projects/{tagged.project.slug}/documents/{tagged.pk}/"
    cookie = session(cast["ann1"])

    status, headers, plain = server.call("GET", path, headers={**cookie, **PLAIN})
    assert status == 200 and b"<html" in plain.lower()
    assert "Content-Encoding" not in headers
    assert "Accept-Encoding" in headers["Vary"]

    status, headers, body = server.call("GET", path, headers={**cookie, **GZIP})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert int(headers["Content-Length"]) == len(body) < len(plain) / 3
    # The page carries a fresh CSRF token each time; everything else is the same page.
    assert len(gzip.decompress(body)) == len(plain)


def test_api_answer_is_gzipped_when_accepted_and_plain_otherwise(server, tagged, cast):
    auth = token(cast["ann1"])
    path = f"/api/annotations/?document={tagged.pk}"

    status, headers, plain = server.call("GET", path, headers={**auth, **PLAIN})
    assert status == 200 and "Content-Encoding" not in headers
    status, headers, body = server.call("GET", path, headers={**auth, **GZIP})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert len(body) < len(plain) / 3
    assert json.loads(gzip.decompress(body)) == json.loads(plain)


def test_if_match_takes_the_weak_etag_a_compressed_answer_carries(server, transactional_db, project, document, cast,
                                                                    label):
    tag = make_span(project, document, cast["ann1"], label, "lifeline")
    auth = token(cast["ann1"])
    path = f"/api/annotations/{tag.pk}/"

    status, headers, _ = server.call("GET", path, headers={**auth, **GZIP})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    etag = headers["ETag"]
    assert etag == f'W/"{tag.pk}.{tag.version}"'

    status, headers, body = server.call("PATCH", path, {"note": "through gzip"}, {**auth, **GZIP, "If-Match": etag})
    assert status == 200, body
    assert headers["ETag"] == f'W/"{tag.pk}.{tag.version + 1}"'
    assert json.loads(gzip.decompress(body))["note"] == "through gzip"

    status, _, body = server.call("PATCH", path, {"note": "stale"}, {**auth, **GZIP, "If-Match": etag})
    assert status == 412
    assert json.loads(gzip.decompress(body))["current"]["note"] == "through gzip"

    status, _, _ = server.call("DELETE", path, headers={**auth, **GZIP, "If-Match": f'W/"{tag.pk}.{tag.version + 1}"'})
    assert status == 204
    assert not Annotation.objects.filter(pk=tag.pk).exists()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_export_streams_gzipped_and_decompresses_to_the_plain_export(server, tagged, cast, fmt):
    auth = token(cast["reviewer"])
    path = f"/api/projects/{tagged.project_id}/export/?format={fmt}"

    status, headers, plain = server.call("GET", path, headers={**auth, **PLAIN})
    assert status == 200 and "Content-Encoding" not in headers
    assert "Content-Length" not in headers

    connection, response = server.open("GET", path, headers={**auth, **GZIP})
    try:
        assert response.status == 200
        assert response.getheader("Content-Encoding") == "gzip"
        assert response.getheader("Content-Length") is None
        assert response.getheader("Content-Type") == FORMATS[fmt].content_type
        body = response.read()
    finally:
        connection.close()
    assert undated(gzip.decompress(body)) == undated(plain)
    assert len(body) < len(plain)


def undated(export):
    """Return an export without the moment it was made (the json header's generated_at, the reports' "generated
    <day>, <time> UTC"): two requests may fall in two minutes."""
    export = re.sub(rb'"generated_at": ?"[^"]*"', b'"generated_at":""', export)
    return re.sub(rb"generated \d{1,2} \w+ \d{4}, \d\d:\d\d UTC", b"generated", export)


def test_gzipped_export_comes_in_many_pieces_not_one_buffered_body(tagged, cast, label):
    tag = label("loaded_language", "loaded_language")
    # Notes that do not compress well, so that zlib fills its buffers and writes out data before the end.
    bulk_create_tags([
        Annotation(project=tagged.project, document=tagged, segment=segment, annotator=cast["ann2"], label=tag,
                   start=0, end=len(segment.text.split()[0]), quote=segment.text.split()[0],
                   attributes={"polarity": "negative"}, note=os.urandom(300).hex())
        for segment in tagged.segments.all() for _ in range(10)
    ])
    client = Client(headers=GZIP)
    client.force_login(cast["reviewer"])
    response = client.get(f"/api/projects/{tagged.project_id}/export/?format=jsonl")
    assert response.streaming and response["Content-Encoding"] == "gzip"
    pieces = [piece for piece in response.streaming_content if piece]

    plain = Client()
    plain.force_login(cast["reviewer"])
    whole = b"".join(plain.get(f"/api/projects/{tagged.project_id}/export/?format=jsonl").streaming_content)
    assert len(whole) > 500_000
    # The gzip header, then compressed data while the rows are still being written: the first data piece
    # decodes on its own to the start of the export, long before its end.
    assert len(pieces) > 3
    decoder = zlib.decompressobj(wbits=31)
    head = decoder.decompress(b"".join(pieces[:2]))
    assert head and whole.startswith(head) and len(head) < len(whole) / 2
    assert head + decoder.decompress(b"".join(pieces[2:])) + decoder.flush() == whole
