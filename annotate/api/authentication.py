"""Token authentication against annotate.models.ApiToken: hashed keys with an expiry."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from annotate.models import ApiToken
from annotate.tokens import mark_used


class ApiTokenAuthentication(TokenAuthentication):
    """Accept `Authorization: Token <key>` for a live token of an active user."""

    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expired:
            raise exceptions.AuthenticationFailed(
                f"Token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC: get a new one with POST /api/token/."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        mark_used(token)
        return token.user, token
