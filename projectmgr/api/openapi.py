"""GET /api/v1/openapi.json, built from the routes as they are declared (api.core.route)."""

import re

from pydantic.json_schema import models_json_schema

from .core import ENDPOINTS, route

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["code", "message", "details"],
        }
    },
}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def repl(m):
        params.append(
            {
                "name": m.group(2),
                "in": "path",
                "required": True,
                "schema": {"type": "integer" if m.group(1) == "int" else "string"},
            }
        )
        return "{" + m.group(2) + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule), params


def _success_schema(media_type: str) -> dict:
    if media_type == "application/json":
        return {"type": "object"}
    return {"type": "string", "format": "binary"}


def document() -> dict:
    models = [e.body for e in ENDPOINTS if e.body is not None]
    refs, defs = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for e in ENDPOINTS:
        path, params = _path("/api/v1" + e.rule)
        params += [
            {"name": k, "in": "query", "required": False, "schema": {"type": "string"}, "description": v}
            for k, v in e.query.items()
        ]
        op = {
            "summary": e.summary,
            "tags": [e.tag],
            "description": f"Who: {e.roles}.",
            "parameters": params,
            "responses": {
                str(e.status): {
                    "description": "Success",
                    "content": {e.media_type: {"schema": _success_schema(e.media_type)}},
                },
                "default": {
                    "description": "An error (API.md)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
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


@route("/openapi.json", summary="This document", tag="meta", auth=False, roles="anyone")
def get_openapi():
    return document()
