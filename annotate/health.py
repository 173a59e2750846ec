"""GET /health/: is this app server able to serve (its database and its cache answer)?"""

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_cache():
    # A key of its own per call: two app servers probed at once never read each other's value.
    key, value = f"health:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    try:
        return cache.get(key) == value
    finally:
        cache.delete(key)


@require_GET
def health(request):
    """Answer 200 "ok" when the database and the cache answer, 503 naming the one that does not."""
    failing = []
    for name, check in (("database", check_database), ("cache", check_cache)):
        try:
            if not check():
                failing.append(name)
        except Exception:  # any failure of a backing service makes this server unhealthy, never a 500
            logger.exception("health check: %s unavailable", name)
            failing.append(name)
    if failing:
        return HttpResponse(f"unavailable: {', '.join(failing)}\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
