"""Complete the generated OpenAPI schema with what introspection cannot see: errors, content types, nulls.

drf-spectacular documents the success response of each view from its serializer. The error
responses come from places it does not read (authentication, permission classes, the exception
handler, the parsers, the throttle), so they are added here, by rule, to every operation they
can happen on. Registered in SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"].
"""

import re

from annotate.exporting import FORMATS, JSON_LD

ERROR = {
    "type": "object",
    "description": "Most errors carry a human-readable `detail`; refused writes also name the `item`.",
    "properties": {"detail": {"type": "string"}, "item": {"type": "integer"}},
}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each field (or `non_field_errors`, or `detail`) with what is wrong with it.",
    "additionalProperties": {},
}
STALE = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "item": {"type": "integer"},
        "current": {
            "allOf": [{"$ref": "#/components/schemas/Annotation"}],
            "nullable": True,
            "description": "The annotation as it is now, when it still exists.",
        },
    },
}

REASONS = {
    400: ("ValidationError", "The request is malformed, or a value does not name something in the project."),
    401: ("Error", "No credentials, or a token that is unknown or revoked."),
    403: ("Error", "Your role in the project does not allow this (or, with a session, the CSRF check failed)."),
    404: ("Error", "No such object among those you can see (or no such page of results). A path that "
                   "matches no route at all, such as one with a non-numeric id, gets Django's HTML page."),
    409: ("Error", "The same article text was imported already."),
    412: ("PreconditionFailed", "The annotation changed since you loaded it; nothing was saved."),
    413: ("Error", "The request body is over the size limit."),
    415: ("Error", "The request body's Content-Type is not one this operation reads."),
    428: ("Error", "Send the annotation's ETag in If-Match (or its `version` in the body)."),
    429: ("Error", "Too many requests from your address; retry after the Retry-After seconds."),
}

# Reads that a member may still be refused by role: agreement figures are for reviewers and managers.
ROLE_CHECKED_READS = {("get", "/api/projects/{id}/agreement/")}
DUPLICATE_CHECKED = {("post", "/api/documents/")}
THROTTLED_PATHS = {"/api/token/"}
# Changing or deleting an annotation needs its current version (If-Match or `version`): 412/428.
VERSIONED = re.compile(r"^/api/(annotations|relations)/\{id\}/$")
VERSIONED_METHODS = {"put", "patch", "delete"}
# A batch whose only failures are stale versions answers 412.
BATCH = ("post", "/api/annotations/batch/")

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The annotation\'s ETag, "<id>.<version>", or "*"; or send `version` in the body.',
}

# What the serializers' introspection gets wrong: fields that are null or blank in real rows,
# and JSON fields that only take an object.
NULLABLE = {"Annotation": ["reviewer"], "ReviewedAnnotation": ["reviewer"]}
URL_OR_BLANK = {"Document": ["url"], "DocumentList": ["url"], "Source": ["url"]}
OBJECTS = {"AnnotationRequest": ["attributes"], "PatchedAnnotationRequest": ["attributes"]}

EXPORT_PATH = "/api/projects/{id}/export/"
EXPORT_ID = "projects_export_retrieve"
# Django and DRF refuse a NUL character in any text field or filter (PostgreSQL cannot store one).
NO_NUL = "^[^\\u0000]*$"
# ?ordering= ignores what it does not know, NUL included: it has no such limit.
UNCHECKED_QUERY = {"ordering"}


def error_statuses(path, method, operation):
    """Return the error statuses an operation can answer with, by the rules of the API's layers."""
    query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    has_body = "requestBody" in operation
    statuses = {401}
    if method != "get" or (method, path) in ROLE_CHECKED_READS:
        statuses.add(403)
    if "{" in path or any(p["name"] == "page" for p in query):
        statuses.add(404)
    if has_body or query:
        statuses.add(400)
    if has_body:
        statuses |= {413, 415}
    if (method, path) in DUPLICATE_CHECKED:
        statuses.add(409)
    if VERSIONED.match(path) and method in VERSIONED_METHODS:
        statuses |= {400, 412, 428}
    if (method, path) == BATCH:
        statuses.add(412)
    if path in THROTTLED_PATHS:
        statuses.add(429)
    return statuses


def add_error_responses(result, generator, request, public):
    """Document every error status each operation can return, with the shape of its body."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    schemas.setdefault("PreconditionFailed", STALE)
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in sorted(error_statuses(path, method, operation)):
                component, reason = REASONS[status]
                documented = responses.setdefault(str(status), {"description": reason})
                documented.setdefault("content", {"application/json": {
                    "schema": {"$ref": f"#/components/schemas/{component}"}
                }})
                if status == 404 and "{" in path:
                    documented["content"].setdefault("text/html", {"schema": {"type": "string"}})
            if VERSIONED.match(path) and method in VERSIONED_METHODS:
                parameters = operation.setdefault("parameters", [])
                if not any(p["name"] == "If-Match" for p in parameters):
                    parameters.append(IF_MATCH)
    return result


def fix_field_schemas(result, generator, request, public):
    """Mark the fields that introspection reads as always set but can be null or blank."""
    schemas = result.get("components", {}).get("schemas", {})
    for component, fields in NULLABLE.items():
        for field in fields:
            if component in schemas:
                schemas[component]["properties"][field]["nullable"] = True
    for component, fields in URL_OR_BLANK.items():
        for field in fields:
            if component in schemas:
                prop = schemas[component]["properties"][field]
                prop.pop("format", None)
                prop["description"] = "A URL, or empty when unknown."
    for component, fields in OBJECTS.items():
        for field in fields:
            if component in schemas:
                schemas[component]["properties"][field].update(type="object", additionalProperties={})
    # POST marks a sentence done (201 the first time); DELETE only ever answers 200.
    done = result["paths"].get("/api/segments/{id}/done/", {}).get("delete")
    if done is not None:
        done["responses"].pop("201", None)
    return result


def forbid_nul(schema):
    """Add the no-NUL pattern to a free-text string schema, and to those nested in an object schema."""
    if schema.get("type") == "string" and not ({"format", "enum", "pattern"} & schema.keys()):
        schema["pattern"] = NO_NUL
    for prop in schema.get("properties", {}).values():
        forbid_nul(prop)
    if isinstance(schema.get("items"), dict):
        forbid_nul(schema["items"])


def document_text_limits(result, generator, request, public):
    """Say that text in requests (bodies and query filters) may not contain NUL characters."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            forbid_nul(component)
    for operations in result["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] not in UNCHECKED_QUERY:
                    forbid_nul(parameter["schema"])
    return result


def document_filled_filters(result, generator, request, public):
    """Say that a text filter of a list, when given, may not be empty (an empty one is a 400, not "no filter")."""
    for operations in result["paths"].values():
        for operation in operations.values():
            if not operation.get("operationId", "").endswith("_list") and operation.get("operationId") != EXPORT_ID:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                if (parameter["in"] == "query" and parameter["name"] not in UNCHECKED_QUERY
                        and schema.get("type") == "string" and "enum" not in schema):
                    schema["minLength"] = 1
    return result


def document_export_types(result, generator, request, public):
    """List each export format's Content-Type on the export's 200 response."""
    operation = result["paths"].get(EXPORT_PATH, {}).get("get")
    if operation is not None:
        content = {export_format.content_type: {"schema": {"type": "string"}} for export_format in FORMATS.values()}
        content["application/json"] = {"schema": {
            "description": "format=json: one object, the backup format; format=labelstudio: a list of tasks."
        }}
        content[JSON_LD] = {"schema": {"type": "object", "description": "A W3C Web Annotation collection."}}
        operation["responses"]["200"]["content"] = content
        operation["responses"]["200"]["description"] = "The export, in the Content-Type of the chosen format."
    return result
