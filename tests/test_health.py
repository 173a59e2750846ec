"""GET /health/: 200 when the database and the cache answer, 503 naming what does not; no log-in needed."""

import pytest
from django.test import override_settings

# Nothing listens on port 1: the Redis client's connection is refused at once.
UNREACHABLE_REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                 "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.mark.django_db
def test_health_answers_ok_to_anyone(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain"


@pytest.mark.django_db
def test_health_is_503_naming_the_cache_when_redis_does_not_answer(client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b"unavailable: cache\n"


@pytest.mark.django_db
def test_health_takes_only_get(client):
    assert client.post("/health/").status_code == 405
