"""API tokens: hashed, expiring, listed and revoked by their owner, gone when the password changes."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from annotate.models import ApiToken
from annotate.tokens import issue_token


def token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def get_token(username, **extra):
    response = APIClient().post("/api/token/", {"username": username, "password": "pw-" + username, **extra},
                                format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_token_endpoint_shows_the_key_once_and_stores_only_its_hash(cast):
    body = get_token("ann1", name="nightly export")
    token = ApiToken.objects.get()
    assert body["id"] == token.pk and body["name"] == "nightly export"
    assert token.key_hash == ApiToken.hash_key(body["token"]) and body["token"] not in token.key_hash
    assert token_client(body["token"]).get("/api/projects/").status_code == 200
    listed = token_client(body["token"]).get("/api/tokens/").json()["results"]
    assert [row["id"] for row in listed] == [token.pk]
    assert "token" not in listed[0] and "key_hash" not in listed[0]
    assert listed[0]["last_used_at"] is not None


def test_a_token_expires_after_the_configured_number_of_days(cast, settings):
    settings.TOKEN_TTL_DAYS = 2
    body = get_token("ann1")
    expires = ApiToken.objects.get().expires_at
    assert timedelta(days=2) - timedelta(minutes=1) < expires - timezone.now() <= timedelta(days=2)
    assert body["expires_at"] == expires.isoformat().replace("+00:00", "Z")


def test_an_expired_token_is_refused_with_401_and_a_message(cast):
    token, key = issue_token(user=cast["ann1"])
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = token_client(key).get("/api/projects/")
    assert response.status_code == 401
    assert "Token expired" in response.json()["detail"] and "POST /api/token/" in response.json()["detail"]


def test_an_unknown_token_is_refused_with_401(cast):
    assert token_client("not-a-token").get("/api/projects/").status_code == 401


def test_a_token_of_an_inactive_user_is_refused(cast):
    _, key = issue_token(user=cast["ann1"])
    cast["ann1"].is_active = False
    cast["ann1"].save()
    assert token_client(key).get("/api/projects/").status_code == 401


def test_users_list_only_their_own_tokens(cast):
    mine = [issue_token(user=cast["ann1"], name=name)[0] for name in ("laptop", "server")]
    issue_token(user=cast["ann2"], name="theirs")
    client = APIClient()
    client.force_authenticate(cast["ann1"])
    rows = client.get("/api/tokens/").json()["results"]
    assert sorted(row["name"] for row in rows) == ["laptop", "server"]
    assert {row["id"] for row in rows} == {token.pk for token in mine}


def test_owner_revokes_one_token_and_outsider_gets_404_for_it(cast):
    token, key = issue_token(user=cast["ann1"])
    kept, kept_key = issue_token(user=cast["ann1"])
    outsider = APIClient()
    outsider.force_authenticate(cast["outsider"])
    assert outsider.delete(f"/api/tokens/{token.pk}/").status_code == 404
    assert outsider.get(f"/api/tokens/{token.pk}/").status_code == 404
    assert token_client(kept_key).delete(f"/api/tokens/{token.pk}/").status_code == 204
    assert token_client(key).get("/api/projects/").status_code == 401
    assert list(ApiToken.objects.all()) == [kept]


def test_delete_on_the_token_endpoint_revokes_only_the_token_sent(cast):
    _, used = issue_token(user=cast["ann1"])
    other, _ = issue_token(user=cast["ann1"])
    assert token_client(used).delete("/api/token/").status_code == 204
    assert token_client(used).get("/api/projects/").status_code == 401
    assert list(ApiToken.objects.all()) == [other]


def test_delete_on_the_token_endpoint_without_a_token(cast):
    issue_token(user=cast["ann1"])
    assert APIClient().delete("/api/token/").status_code == 401
    session = APIClient()
    session.force_login(cast["ann1"])
    assert session.delete("/api/token/").status_code == 400
    assert ApiToken.objects.count() == 1


def change_by_set_password(user):
    user.set_password("a-new-long-passphrase")
    user.save()


def change_on_the_password_page(user):
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/password_change/", {
        "old_password": f"pw-{user.username}", "new_password1": "a-new-long-passphrase",
        "new_password2": "a-new-long-passphrase"})
    assert response.status_code == 302


def change_in_the_admin(user):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="pw-root")
    client = Client()
    client.force_login(root)
    response = client.post(f"/admin/auth/user/{user.pk}/password/", {
        "password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase", "usable_password": "true"})
    assert response.status_code == 302


def change_with_the_command(user, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-new-long-passphrase")
    call_command("changepassword", user.username, stdout=io.StringIO())


@pytest.mark.parametrize("change", [change_by_set_password, change_on_the_password_page, change_in_the_admin,
                                    change_with_the_command])
def test_a_password_change_revokes_the_users_tokens(cast, change, monkeypatch):
    _, key = issue_token(user=cast["ann1"])
    issue_token(user=cast["ann1"])
    _, other_key = issue_token(user=cast["ann2"])
    if change is change_with_the_command:
        change(cast["ann1"], monkeypatch)
    else:
        change(cast["ann1"])
    cast["ann1"].refresh_from_db()
    assert cast["ann1"].check_password("a-new-long-passphrase")
    assert not ApiToken.objects.filter(user=cast["ann1"]).exists()
    assert token_client(key).get("/api/projects/").status_code == 401
    assert token_client(other_key).get("/api/projects/").status_code == 200


def test_a_password_hash_written_directly_also_revokes_the_tokens(cast):
    from django.contrib.auth.hashers import make_password

    issue_token(user=cast["ann1"])
    cast["ann1"].password = make_password("a-new-long-passphrase")
    cast["ann1"].save()
    assert not ApiToken.objects.exists()


def test_saves_that_keep_the_password_keep_the_tokens(cast, client):
    issue_token(user=cast["ann1"])
    cast["ann1"].email = "ann1@example.org"
    cast["ann1"].save()
    assert client.post("/accounts/login/", {"username": "ann1", "password": "pw-ann1"}).status_code == 302
    assert ApiToken.objects.count() == 1


def test_a_hash_upgrade_on_log_in_keeps_the_tokens(cast, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    issue_token(user=cast["ann1"])
    assert client.post("/accounts/login/", {"username": "ann1", "password": "pw-ann1"}).status_code == 302
    cast["ann1"].refresh_from_db()
    assert cast["ann1"].password.startswith("pbkdf2_sha256$")
    assert ApiToken.objects.count() == 1


def test_the_schema_documents_the_token_endpoints_and_their_status_codes(db):
    import yaml

    schema = yaml.safe_load(APIClient().get("/api/schema/").content)
    paths = schema["paths"]
    # The views name these; the schema hooks add the statuses every operation of their kind can answer.
    assert {"200", "400", "429"} <= set(paths["/api/token/"]["post"]["responses"])
    assert {"204", "400", "401"} <= set(paths["/api/token/"]["delete"]["responses"])
    assert {"200", "401"} <= set(paths["/api/tokens/"]["get"]["responses"])
    assert {"204", "401", "404"} <= set(paths["/api/tokens/{id}/"]["delete"]["responses"])
