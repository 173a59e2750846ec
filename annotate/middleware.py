"""Response headers every page and API answer carries."""

from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Ask browsers and proxies not to store pages and API answers: they carry annotation data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
