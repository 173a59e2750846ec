"""Request bodies capped before anything reads them, server errors answered without a stack trace, no-store."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

# Seconds a client should wait before it retries while the database is unavailable.
RETRY_AFTER = 30
# Room for the multipart envelope and form fields around an uploaded file.
UPLOAD_MARGIN = 1024 * 1024


def body_limit(view_class):
    """Return the largest body an API view takes: its own upload limit (a setting's name), else one tag's."""
    setting = getattr(view_class, "body_limit_setting", None)
    if setting is None:
        return settings.API_MAX_JSON_BYTES
    return getattr(settings, setting) + UPLOAD_MARGIN


def is_api(request):
    return request.path_info.startswith("/api/")


class RequestBodyLimitMiddleware:
    """Answer 413 to an API request whose declared body is over its view's limit, whatever its content type.

    Placed before CsrfViewMiddleware: that one reads form bodies (request.POST), so a limit in a
    parser alone would come too late for them. The WSGI stream never yields more than Content-Length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if view_class is None:
            return None
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number", "code": "parse_error"}, status=400)
        limit = body_limit(view_class)
        if declared > limit:
            return JsonResponse({"detail": f"request body is over the {limit:,}-byte limit ({declared:,} bytes)",
                                 "code": "too_large"}, status=413)
        return None


class ServerErrorMiddleware:
    """Answer a database outage with 503 and Retry-After, and an API crash with JSON that has no traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            logger.error("database unavailable on %s %s", request.method, request.path, exc_info=exception)
            detail = "the database is not available at the moment: try again shortly"
            if is_api(request):
                response = JsonResponse({"detail": detail, "code": "service_unavailable"}, status=503)
            else:
                response = HttpResponse(f"Service unavailable: {detail}.\n", status=503,
                                        content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(RETRY_AFTER)
            return response
        if is_api(request):
            logger.error("unexpected error on %s %s", request.method, request.path, exc_info=exception)
            return JsonResponse({"detail": "the server met an unexpected error; it has been logged",
                                 "code": "server_error"}, status=500)
        return None


class NoStoreMiddleware:
    """Ask browsers and proxies not to store pages and API answers: they carry annotation data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
