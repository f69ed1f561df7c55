"""GET /api/v1/openapi.json, built from the routes as they are declared (api.core.route)."""

import re

from pydantic.json_schema import models_json_schema

from ..converters import ID_MAX
from ..models import DueKind, Flag, Level, Role, State
from .answers import RESPONSES
from .core import DATE_MAX, DATE_MIN, ENDPOINTS, MAX_DETAILS, Endpoint, route

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}, "maxItems": MAX_DETAILS},
                "details_total": {"type": "integer", "description": "how many details there were, when cut"},
            },
            "required": ["code", "message", "details"],
        }
    },
    "required": ["error"],
}
ERROR_STATUSES = {
    "400": "The body is not a JSON object (or not sent as JSON)",
    "401": "No, a bad or a revoked token",
    "403": "The caller's role or relation to the object does not allow it",
    "404": "No such object, or the caller may not know it exists",
    "405": "Method not allowed (with Allow)",
    "409": "Invalid transition, stale version or conflict",
    "413": "The body is too large",
    "422": "Field errors, or a guard refused",
    "429": "Too many failed sign-ins",
}
ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100}
# Query parameters by name, typed as api.core's q_* parsers accept them.
QUERY_TYPES = {
    "page": ID,
    "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
    "plan_id": ID,
    "organization_id": ID,
    "year": YEAR,
    "as_of": {"type": "string", "format": "date", "formatMinimum": str(DATE_MIN), "formatMaximum": str(DATE_MAX)},
    "state": {"type": "string", "enum": [s.value for s in State]},
    "level": {"type": "string", "enum": [v.value for v in Level]},
    "flag": {"type": "string", "enum": [v.value for v in Flag]},
    "kind": {"type": "string", "enum": [v.value for v in DueKind]},
    "role": {"type": "string", "enum": [v.value for v in Role]},
    "lang": {"type": "string", "enum": ["zh", "en"]},
    "unread": {"type": "string", "enum": ["0", "1"]},
    "q": {"type": "string", "maxLength": 100},
}
# File answers by the rule's extension.
MEDIA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def repl(m):
        params.append(
            {
                "name": m.group(2),
                "in": "path",
                "required": True,
                "schema": ID if m.group(1) == "int" else {"type": "string"},
            }
        )
        return "{" + m.group(2) + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


def media_type(rule: str) -> str:
    return next((media for ext, media in MEDIA_TYPES.items() if rule.endswith(ext)), "application/json")


def _success(e: Endpoint) -> dict:
    media = e.media_type if e.media_type != "application/json" else media_type(e.rule)
    binary = {"type": "string", "format": "binary"}
    schema = RESPONSES.get((e.method, e.rule), {"type": "object"} if media == "application/json" else binary)
    return {"description": "Success", "content": {media: {"schema": schema}}}


def _errors(e: Endpoint) -> dict:
    """The error statuses this operation can answer, each with the one error shape."""
    statuses = {"404", "405", "422"}
    if e.auth:
        statuses |= {"401", "403"}
    if e.body is not None or e.upload is not None:
        statuses |= {"400", "413"}
    if e.method != "GET":
        statuses |= {"409"}
    if e.rule == "/auth/token" and e.method == "POST":
        statuses |= {"429", "401"}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        **{status: {"description": ERROR_STATUSES[status], **error} for status in sorted(statuses)},
        "default": {"description": "An error (API.md)", **error},
    }


def document() -> dict:
    models = [e.body for e in ENDPOINTS if e.body is not None]
    refs, defs = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for e in ENDPOINTS:
        path, params = _path("/api/v1" + e.rule)
        params += [
            {
                "name": k,
                "in": "query",
                "required": False,
                "schema": QUERY_TYPES.get(k, {"type": "string"}),
                **({"description": v} if v else {}),
            }
            for k, v in e.query.items()
        ]
        op = {
            "summary": e.summary,
            "tags": [e.tag],
            "description": f"Who: {e.roles}.",
            "parameters": params,
            "responses": {str(e.status): _success(e), **_errors(e)},
        }
        if e.auth:
            op["security"] = [{"bearer": []}]
        if e.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(e.body, "validation")]}},
            }
        if e.upload is not None:
            upload = {"type": "object", "properties": {e.upload: {"type": "string", "format": "binary"}}}
            op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": upload}}}
        paths.setdefault(path, {})[e.method.lower()] = op
    schemas = dict(defs.get("$defs", {}))
    schemas["Error"] = ERROR
    return {
        "openapi": "3.1.0",
        "info": {"title": "projectmgr API", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@route("/openapi.json", tag="meta", auth=False, roles="anyone")
def get_openapi():
    """This document"""
    return document()
