"""Read API bodies: JSON nested too deeply is bad input (400), not a crash.

The size of a body is capped before it is read, for every content type, by
annotate.middleware.RequestBodyLimitMiddleware.
"""

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

# An annotation body nests 3 deep; a restore's user_map 2.
MAX_DEPTH = 20


def nesting_problem(value):
    """Return a message if a parsed JSON value nests deeper than MAX_DEPTH, else None."""
    stack = [(value, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_DEPTH} levels deep") from None
        problem = nesting_problem(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return data


class CountedFormParsing:
    """Answer a form with more fields or files than Django reads (DATA_UPLOAD_MAX_NUMBER_*) with 400, not 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except TooManyFilesSent:
            raise ParseError(f"more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files in one request: send them "
                             "in parts") from None
        except TooManyFieldsSent:
            raise ParseError(f"more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields in one request") from None


class LimitedMultiPartParser(CountedFormParsing, MultiPartParser):
    pass


class LimitedFormParser(CountedFormParsing, FormParser):
    pass


class JSONField(serializers.JSONField):
    """A JSON value, also when it arrives as text in a form or multipart field; nesting is limited."""

    def to_internal_value(self, data):
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            value = None
            problem = f"nested more than {MAX_DEPTH} levels deep"
        else:
            problem = nesting_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

