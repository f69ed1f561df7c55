"""Request bodies, read once and bounded, for both faces (issue 13 item 11).

- Every body is at most MAX_CONTENT_LENGTH (20 MB: Werkzeug answers 413 past it); any body that is
  not a multipart upload is at most JSON_MAX_BYTES (1 MB), so JSON and page forms stay small while
  attachments and Excel imports keep their own limits (ATTACHMENT_MAX_BYTES, EXCEL_IMPORT_*).
- A JSON body is parsed once per request (the sign-in limiter reads the username from it before the
  view does); a UTF-8 byte-order mark before it is skipped; nesting too deep for the parser (1,000
  levels) is a 400, never a 500."""

import json
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import BadRequest, PayloadTooLarge

BOM = b"\xef\xbb\xbf"
_UNREAD = object()
_CACHE = "projectmgr.json_body"  # in the request's environ: one parse per request


def bound_body() -> None:
    """before_request, ahead of every other hook: a body that is not an upload is capped at
    JSON_MAX_BYTES before anything reads it."""
    if request.mimetype != "multipart/form-data":
        request.max_content_length = min(
            current_app.config["JSON_MAX_BYTES"], current_app.config["MAX_CONTENT_LENGTH"] or 2**63
        )


def raw_json() -> bytes:
    """The body's bytes without a leading byte-order mark; 413 past JSON_MAX_BYTES."""
    limit = current_app.config["JSON_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(_("The request body is larger than %(limit)s bytes.", limit=limit))
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise PayloadTooLarge(_("The request body is larger than %(limit)s bytes.", limit=limit)) from None
    if len(raw) > limit:
        raise PayloadTooLarge(_("The request body is larger than %(limit)s bytes.", limit=limit))
    return raw[len(BOM) :] if raw.startswith(BOM) else raw


def json_body() -> Any:
    """The body parsed as JSON (whatever the Content-Type says), cached for the request;
    BadRequest when it is not JSON."""
    cached = request.environ.get(_CACHE, _UNREAD)
    if isinstance(cached, Exception):
        raise cached
    if cached is not _UNREAD:
        return cached
    try:
        data = json.loads(raw_json() or b"")
    except (ValueError, RecursionError):
        request.environ[_CACHE] = BadRequest(_("The body is not valid JSON."))
        raise request.environ[_CACHE] from None
    except PayloadTooLarge as exc:
        request.environ[_CACHE] = exc
        raise
    request.environ[_CACHE] = data
    return data


def json_field(name: str) -> Any:
    """One top-level field of a JSON object body, or None (never raises: for the limiter's key)."""
    try:
        data = json_body()
    except (BadRequest, PayloadTooLarge):
        return None
    return data.get(name) if isinstance(data, dict) else None
