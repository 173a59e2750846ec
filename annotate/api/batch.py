"""Several tag writes in one request: all of them or, if one fails, none.

Each operation goes through the same serializer and write path (annotate.tags) as a single request. A create
may name a tag created earlier in the batch as an end of a relation: {"ref": <index of that operation>}.

What the operations share is done once for the batch: one serializer of each kind (building one costs more than
some queries), one query a model for the labels, sentences, documents and tags the operations name by id, one
lock a place (annotate.tags.lock_place), and one insert for the history rows of the tags created.
"""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.api.annotations import own_tag
from annotate.api.exceptions import as_api_error, as_drf_validation_error
from annotate.api.parsers import JSONField
from annotate.api.serializers import AnnotationSerializer, prefetch_related_ids
from annotate.models import Annotation
from annotate.tags import TagError, do_create_tag, do_delete_tag, do_edit_tag, history_in_bulk, write_path

MAX_OPERATIONS = 100
NOT_SAVED = 424  # this operation was valid, but another one failed, so it was not saved


class BatchOperationSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["create", "edit", "delete"])
    id = serializers.IntegerField(required=False, help_text="The tag to edit or delete.")
    version = serializers.IntegerField(required=False, help_text="Edit and delete: the version you saw.")
    data = JSONField(required=False, help_text=(
        "Create and edit: the annotation's fields, as for POST (create) or PATCH (edit) /api/annotations/. "
        "relation_content, relation_source and relation_cue may be {\"ref\": i}: the tag created by operation i "
        "of this batch."))

    def validate(self, operation):
        if operation["op"] != "create":
            for field in ("id", "version"):
                if field not in operation:
                    raise serializers.ValidationError({field: f"required to {operation['op']} a tag"})
        if operation["op"] != "delete" and not isinstance(operation.get("data"), dict):
            raise serializers.ValidationError({"data": "an object of the annotation's fields is required"})
        return operation


class BatchSerializer(serializers.Serializer):
    operations = BatchOperationSerializer(many=True, allow_empty=False, max_length=MAX_OPERATIONS)


class BatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.IntegerField(help_text=(
        "201 created, 200 edited (or an earlier create with the same client_key), 204 deleted; when the batch "
        "failed: this operation's error status, or 424 for a valid operation that was not saved."))
    annotation = AnnotationSerializer(required=False, help_text="The tag as saved (not for deletes).")
    errors = serializers.DictField(required=False, help_text="Each field (or detail) with what is wrong.")


class BatchResponseSerializer(serializers.Serializer):
    detail = serializers.CharField(required=False)
    results = BatchResultSerializer(many=True)


class Failed(Exception):
    def __init__(self, status, errors):
        super().__init__(status)
        self.status, self.errors = status, errors


class BatchView(APIView):
    """Create, edit and delete several tags atomically, with a result per operation."""

    @extend_schema(request=BatchSerializer, responses={200: BatchResponseSerializer})
    def post(self, request):
        body = BatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        operations = body.validated_data["operations"]
        try:
            results = apply_batch(request, operations)
        except IntegrityError:
            # A simultaneous retry with the same client_keys won the race: this one now replays its tags.
            results = apply_batch(request, operations)
        failed = [result for result in results if result["status"] >= 300 and result["status"] != NOT_SAVED]
        if not failed:
            return Response({"results": results})
        status = 412 if all(result["status"] == 412 for result in failed) else 400
        which = ", ".join(str(result["index"]) for result in failed)
        return Response({"detail": f"operation(s) {which} failed: nothing was saved", "results": results},
                        status=status)


class Serializers:
    """The serializers a batch shares: one reads creates and writes the tags saved, one reads edits.

    A serializer builds its fields when first used, so the one for edits costs nothing in a batch without any.
    """

    def __init__(self, request, operations, created):
        context = {"request": request, "created": created}
        self.create = self.output = AnnotationSerializer(context=context)
        self.edit = AnnotationSerializer(context=context, partial=True)
        items = [operation["data"] for operation in operations if isinstance(operation.get("data"), dict)]
        context["prefetched"] = prefetch_related_ids(self.create, items, RELATED)


RELATED = ("label", "document", "segment", "relation_content", "relation_source", "relation_cue")


def apply_batch(request, operations):
    """Apply the operations in one transaction, rolled back whole if one fails; return a result for each."""
    created, results = {}, []
    with write_path():
        with history_in_bulk():
            shared = Serializers(request, operations, created)
            for index, operation in enumerate(operations):
                try:
                    if operation["op"] == "create":
                        status, annotation = apply_operation(request, operation, created, shared)
                    else:
                        with transaction.atomic():  # an edit takes its new version before its checks
                            status, annotation = apply_operation(request, operation, created, shared)
                except Failed as failure:
                    if operation["op"] == "create":
                        # A create that fails has written nothing (its checks run before its insert, and a database
                        # error is not caught here): the transaction can go on to check the other operations, so it
                        # needs no savepoint of its own. The batch is rolled back below all the same.
                        transaction.set_rollback(False)
                    results.append({"index": index, "status": failure.status, "errors": failure.errors})
                    continue
                if operation["op"] == "create":
                    created[index] = annotation
                result = {"index": index, "status": status}
                if annotation is not None:
                    result["annotation"] = shared.output.to_representation(annotation)
                results.append(result)
        if any(result["status"] >= 300 for result in results):
            transaction.set_rollback(True)
            for result in results:
                if result["status"] < 300:
                    result["status"] = NOT_SAVED
    return results


def apply_operation(request, operation, created, shared):
    """Apply one operation; return (status, the tag or None), or raise Failed naming the fields."""
    try:
        if operation["op"] == "create":
            return create(request, operation["data"], shared)
        annotation = own_tag(request.user, pk=operation["id"])
        if annotation is None:
            if Annotation.objects.visible_to(request.user).filter(pk=operation["id"]).exists():
                raise Failed(403, {"id": "only the annotator who made this annotation may change or delete it"})
            raise Failed(404, {"id": f"no annotation {operation['id']} among those you can see"})
        if operation["op"] == "delete":
            do_delete_tag(annotation=annotation, user=request.user, expected_version=operation["version"])
            return 204, None
        shared.edit.instance = annotation
        changes = shared.edit.run_validation(operation["data"])
        do_edit_tag(annotation=annotation, changes=changes, user=request.user, expected_version=operation["version"])
        return 200, annotation
    except exceptions.ValidationError as error:
        raise Failed(400, error.detail) from None
    except DjangoValidationError as error:
        raise Failed(400, as_drf_validation_error(error).detail) from None
    except TagError as error:
        api = as_api_error(error)
        raise Failed(api.status_code, api.detail) from None


def create(request, data, shared):
    """Create a tag, or return the one an earlier request with the same client_key made."""
    repeated = repeated_create(request.user, data.get("client_key"))
    if repeated is not None:
        return 200, repeated
    fields = shared.create.run_validation(data)
    return 201, do_create_tag(annotation=Annotation(annotator=request.user, **fields), user=request.user)


def repeated_create(user, key):
    """Return the user's tag made with this client_key, if any."""
    try:
        key = uuid.UUID(str(key)) if key else None
    except ValueError:
        return None  # the serializer reports the bad value
    return own_tag(user, client_key=key) if key else None
