"""A JSON parser that refuses bodies over the configured size before parsing them."""

import io

from django.conf import settings
from rest_framework.parsers import JSONParser

from annotate.api.exceptions import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BYTES
        request = parser_context["request"]
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        body = stream.read(limit + 1) if stream is not None else b""
        if declared > limit or len(body) > limit:
            raise PayloadTooLarge(f"JSON body is over the {limit:,}-byte limit")
        return super().parse(io.BytesIO(body), media_type, parser_context)
