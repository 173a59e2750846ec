"""What a locked-out log-in sees, on the pages, in the admin and on the token endpoint."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render


def lockout_message():
    """Return the sentence that names the lockout and how long it lasts."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed log-ins for this account from your address: "
        f"log-in is locked, try again in {minutes} minutes."
    )


def lockout_response(request, original_response=None, credentials=None):
    """Answer a locked-out log-in: JSON for the API, a page for people (django-axes calls this)."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = str(seconds)
    return response
