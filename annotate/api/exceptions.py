"""Turn model-level errors into API responses that name the problem."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotate.reviewing import ReviewForbidden, ReviewNotFound
from annotate.tags import GoldReadOnly, StaleVersion, TagError


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "the annotation was changed by someone else since you loaded it"
    default_code = "stale_version"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "send the annotation's ETag in an If-Match header (or its 'version' in the body): "
        "changes without it could overwrite someone else's"
    )
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def as_drf_validation_error(error):
    """Return a DRF ValidationError carrying a Django ValidationError's fields and messages."""
    if hasattr(error, "message_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError({"non_field_errors": error.messages})


def as_api_error(error):
    """Return the API exception for a refused write (404, 403, 412 or 400), naming the item."""
    kind = exceptions.ValidationError
    for refused, exception in ((StaleVersion, PreconditionFailed), (GoldReadOnly, exceptions.PermissionDenied),
                               (ReviewNotFound, exceptions.NotFound), (ReviewForbidden, exceptions.PermissionDenied)):
        if isinstance(error, refused):
            kind = exception
    api = kind()
    # Set after construction: DRF would otherwise turn the item id into a string.
    api.detail = {"detail": str(error), "item": error.annotation_id, **error.fields}
    return api


def exception_handler(exc, context):
    """Answer oversized bodies with 413, model validation errors with 400 and refused writes by their kind."""
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": f"request body is over the size limit: {exc}"}, status=413)
    if isinstance(exc, DjangoValidationError):
        exc = as_drf_validation_error(exc)
    elif isinstance(exc, TagError):
        exc = as_api_error(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, PreconditionFailed) and getattr(exc, "current", None) is not None:
        response.data["current"] = exc.current
    return response
