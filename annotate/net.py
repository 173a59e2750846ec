"""The client's address, as far as the configured proxies vouch for it."""

from django.conf import settings


def client_address(request):
    """Return the client's IP address: REMOTE_ADDR, or the one the trusted proxies vouch for."""
    # Each proxy appends the address it received the request from, so with N trusted proxies the
    # client is the N-th address from the right; anything further left was written by the client
    # and proves nothing. A header with fewer entries than proxies did not come through them all.
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
