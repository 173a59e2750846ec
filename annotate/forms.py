"""Log-in forms that slow down password guessing."""

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError


class ThrottledLoginMixin:
    """Refuse further tries for a username from one address after too many failures in a window."""

    def failures_key(self):
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return f"login-failures:{address}:{(self.data.get('username') or '').lower()}"

    def clean(self):
        key = self.failures_key()
        if cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT:
            minutes = settings.LOGIN_FAILURE_WINDOW // 60
            raise ValidationError(
                f"Too many failed log-ins for this account from your address: try again in {minutes} minutes.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
            cache.incr(key)
            raise
        cache.delete(key)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
