"""Proxy trust is configured: X-Forwarded-For and X-Forwarded-Proto count only behind DJANGO_TRUSTED_PROXIES."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from rest_framework.test import APIClient

from annotate.api.tokens import AddressRateThrottle
from annotate.net import client_address
from tests.test_demo_and_settings import run_manage


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "", "192.0.2.1"),
    (0, "203.0.113.9", "192.0.2.1"),
    (1, "", "192.0.2.1"),
    (1, "198.51.100.7", "198.51.100.7"),
    (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
    (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
    (2, "10.0.0.2", "192.0.2.1"),
])
def test_client_address_believes_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def fail_log_in(forwarded):
    return APIClient().post("/api/token/", {"username": "ann1", "password": "wrong"}, format="json",
                            REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)


def test_with_no_proxy_a_spoofed_forwarded_for_does_not_escape_the_lockout(cast, settings):
    settings.AXES_FAILURE_LIMIT = 3
    codes = [fail_log_in(f"203.0.113.{n}").status_code for n in range(3)]
    assert codes == [400, 400, 429]
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.1"]


def test_behind_one_proxy_the_right_most_forwarded_address_is_the_client(cast, settings):
    settings.TRUSTED_PROXIES = 1
    fail_log_in("6.6.6.6, 203.0.113.5")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]


def test_token_throttle_counts_the_same_address(settings):
    request = RequestFactory().post("/api/token/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert AddressRateThrottle().get_ident(request) == "192.0.2.1"
    settings.TRUSTED_PROXIES = 1
    assert AddressRateThrottle().get_ident(request) == "203.0.113.9"


def test_with_no_proxy_a_spoofed_forwarded_proto_is_not_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_behind_a_proxy_its_forwarded_proto_is_believed(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, "None 0 10 30"),
    ({"DJANGO_TRUSTED_PROXIES": "1", "DJANGO_LOGIN_FAILURE_LIMIT": "5", "DJANGO_TOKEN_TTL_DAYS": "7"},
     "('HTTP_X_FORWARDED_PROTO', 'https') 1 5 7"),
])
def test_settings_read_proxies_limit_and_token_lifetime_from_the_environment(environment, expected):
    code = ("from django.conf import settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None), "
            "s.REST_FRAMEWORK['NUM_PROXIES'], s.AXES_FAILURE_LIMIT, s.TOKEN_TTL_DAYS)")
    for debug in ("true", "false"):
        result = run_manage("shell", "--no-imports", "-c", code, DJANGO_DEBUG=debug, DJANGO_SECRET_KEY="x" * 60,
                            **environment)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
