"""One log-in lockout for the site, the admin and the token endpoint, counted in the database."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from annotate.models import ApiToken

SITE, ADMIN, TOKEN = "/accounts/login/", "/admin/login/", "/api/token/"


@pytest.fixture(autouse=True)
def limit_of_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


@pytest.fixture
def staff(cast):
    user = cast["manager"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def log_in(client, door, username, password, **extra):
    """Post credentials to one log-in door the way its own client would."""
    if door == TOKEN:
        return APIClient(**extra).post(TOKEN, {"username": username, "password": password}, format="json")
    return client.post(door, {"username": username, "password": password}, **extra)


def test_failures_on_the_site_the_token_endpoint_and_the_admin_add_up_to_one_lockout(client, staff):
    assert log_in(client, SITE, "manager", "wrong").status_code == 200
    assert log_in(client, TOKEN, "manager", "wrong").status_code == 400
    locked = log_in(client, ADMIN, "manager", "wrong")
    assert locked.status_code == 429
    assert AccessAttempt.objects.get(username="manager").failures_since_start == 3

    for door in (SITE, ADMIN, TOKEN):
        response = log_in(Client(), door, "manager", "pw-manager")
        assert response.status_code == 429, door
        assert "try again in 15 minutes" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_failures_from_two_clients_count_together_because_they_are_in_the_database(cast):
    first, second = Client(), Client()
    log_in(first, SITE, "ann1", "wrong")
    log_in(first, SITE, "ann1", "wrong")
    cache.clear()  # nothing of the count lives in a worker's memory or cache
    assert log_in(second, SITE, "ann1", "wrong").status_code == 429
    third = Client()
    assert log_in(third, SITE, "ann1", "pw-ann1").status_code == 429
    assert "_auth_user_id" not in third.session


@pytest.mark.parametrize("door", [SITE, ADMIN])
def test_a_locked_log_in_page_names_the_lockout_and_the_wait(client, staff, door):
    for _ in range(3):
        log_in(client, door, "manager", "wrong")
    response = log_in(client, door, "manager", "pw-manager")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "Log-in locked" in page and "Too many failed log-ins for this account from your address" in page
    assert "try again in 15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_a_locked_token_request_gets_429_json_and_no_token_even_with_the_right_password(cast):
    for _ in range(3):
        log_in(None, TOKEN, "ann1", "wrong")
    response = log_in(None, TOKEN, "ann1", "pw-ann1")
    assert response.status_code == 429
    body = response.json()
    assert "token" not in body
    assert "locked" in body["detail"] and "15 minutes" in body["detail"]
    assert not ApiToken.objects.exists()


def test_the_limit_counts_failures_before_the_lockout(cast, settings):
    settings.AXES_FAILURE_LIMIT = 10
    codes = [log_in(None, TOKEN, "ann1", "wrong").status_code for _ in range(10)]
    assert codes == [400] * 9 + [429]


def test_a_successful_log_in_clears_the_count(client, cast):
    for _ in range(2):
        log_in(client, SITE, "ann1", "wrong")
    assert log_in(client, SITE, "ann1", "pw-ann1").status_code == 302
    client.logout()
    for _ in range(2):
        log_in(client, SITE, "ann1", "wrong")
    assert log_in(client, SITE, "ann1", "pw-ann1").status_code == 302


def test_a_token_issued_clears_the_count(client, cast):
    for _ in range(2):
        log_in(client, SITE, "ann1", "wrong")
    assert log_in(None, TOKEN, "ann1", "pw-ann1").status_code == 200
    for _ in range(2):
        log_in(client, SITE, "ann1", "wrong")
    assert log_in(client, SITE, "ann1", "pw-ann1").status_code == 302


def test_other_accounts_and_other_addresses_are_not_locked(client, cast):
    for _ in range(3):
        log_in(client, SITE, "ann1", "wrong")
    assert log_in(Client(), SITE, "ann2", "pw-ann2").status_code == 302
    assert log_in(Client(), SITE, "ann1", "pw-ann1", REMOTE_ADDR="198.51.100.4").status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(client, cast):
    from django.utils import timezone

    for _ in range(3):
        log_in(client, SITE, "ann1", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client, SITE, "ann1", "pw-ann1").status_code == 302
