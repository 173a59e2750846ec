"""API tokens: issue one, and revoke them all when the password changes."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from annotate.models import ApiToken

# last_used_at is for people reading the token list: a write per minute per token is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def issue_token(*, user, name=""):
    """Create a token for the user and return it with its key, which is never stored."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.filter(user=user).expired().delete()
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + timedelta(days=settings.TOKEN_TTL_DAYS),
    )
    return token, key


def mark_used(token):
    """Record that the token was just used, at most once a minute."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def revoke_tokens_on_password_change(sender, instance, update_fields=None, **kwargs):
    """Delete a user's API tokens when a save changes the password (pre_save on the user model)."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    # set_password() leaves the raw password in _password until save(): every way of changing a
    # password (pages, admin, changepassword, shell) goes through it. Django's own hash upgrade on
    # log-in clears it and saves only the password field: same password, tokens kept.
    if getattr(instance, "_password", None) is None:
        if update_fields is not None and set(update_fields) == {"password"}:
            return
        stored = type(instance)._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
        if stored is None or stored == instance.password:
            return
    ApiToken.objects.filter(user_id=instance.pk).delete()
