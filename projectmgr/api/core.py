"""The API's one path for every request: authenticate → parse → call the service → commit once →
serialize; any DomainError rolls back and becomes the documented error body. Every route is
declared through `route`, which also records it for the OpenAPI document."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import partial, wraps
from inspect import getdoc, signature
from typing import get_type_hints

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from ..audit.log import record_refusal
from ..bodies import json_body, raw_json
from ..errors import BadRequest, DomainError, Forbidden, Unauthorized, ValidationFailed
from ..extensions import csrf, db
from ..i18n import pydantic_message
from ..models import User
from ..permissions import Roles
from ..services.registry import user_for_token
from ..unit_of_work import committing

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: CSRF does not apply


@dataclass
class Endpoint:
    rule: str
    method: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    query: dict[str, str]
    auth: bool
    status: int
    roles: Roles | str  # Roles are enforced; a string only describes who may (anyone, any signed-in user)
    responses: dict = field(default_factory=dict)
    upload: str | None = None  # a multipart/form-data file field instead of a JSON body
    media_type: str = "application/json"  # what a success answers with (application/pdf for documents)


ENDPOINTS: list[Endpoint] = []


# An error names at most this many fields; `details_total` then says how many there were.
MAX_DETAILS = 50


def error_response(exc: DomainError):
    """The documented error body (at most MAX_DETAILS fields, then `details_total`); a 403 is also
    recorded in the security log (in its own transaction: the caller has rolled back)."""
    if isinstance(exc, Forbidden):
        record_refusal("forbidden", actor=g.get("api_user"), target=f"{request.method} {request.path}")
    error = {"code": exc.code, "message": exc.message, "details": exc.details[:MAX_DETAILS]}
    if len(exc.details) > MAX_DETAILS:
        error["details_total"] = len(exc.details)
    return jsonify({"error": error}), exc.status


def _field_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def parse_body(model: type[BaseModel]) -> BaseModel:
    """400 unless the body is a JSON object sent as JSON; unknown fields are refused before pydantic
    sees the body (a body of 60,000 unknown keys costs one pass over them)."""
    if not request.is_json:
        raise BadRequest(_("Send the body as JSON (Content-Type: application/json)."))
    data = json_body()
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object."))
    known = model.model_fields.keys()
    unknown = [key for key in data if key not in known]
    if unknown:
        message = _("Unknown field.")
        raise ValidationFailed([{"field": key, "message": message} for key in unknown])
    try:
        return model.model_validate_json(raw_json())
    except PydanticError as exc:
        details = []
        for e in exc.errors(include_url=False):
            message = pydantic_message(e)
            loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            details.append({"field": _field_path(loc) or "body", "message": message})
        raise ValidationFailed(details) from None


def bearer_user() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_("Send 'Authorization: Bearer <token>'."))
    user = user_for_token(token.strip())
    if user is None:
        raise Unauthorized(_("The token is unknown or revoked."))
    return user


def route(
    rule: str,
    method: str = "GET",
    *,
    tag: str,
    summary: str | None = None,
    query: dict[str, str] | None = None,
    auth: bool = True,
    status: int = 200,
    roles: Roles | str = "any signed-in user",
    decorators: tuple = (),
):
    """Register an API view. The view gets `user` (and `data`, the body parsed as the model its
    annotation names, when it takes one) and returns a JSON-able value; this wrapper commits it
    through `committing()` (any error rolls back). The summary is the view's (see view_summary)."""

    def decorate(fn: Callable):
        body = get_type_hints(fn).get("data")
        if body is None and "data" in signature(fn).parameters:
            raise TypeError(f"{fn.__name__}: annotate `data` with the body's model")

        @wraps(fn)
        def view(**kwargs):
            try:
                if auth:
                    g.api_user = kwargs["user"] = bearer_user()
                    # The role before the body: a refused caller learns nothing about the fields.
                    if isinstance(roles, Roles) and not roles.admits(kwargs["user"]):
                        raise Forbidden(str(roles.refusal))
                if body is not None:
                    kwargs["data"] = parse_body(body)
                with committing():
                    result = fn(**kwargs)
            except DomainError as exc:
                db.session.rollback()  # authentication and parsing run before the unit of work
                return error_response(exc)
            if isinstance(result, Response):  # a view that answers itself (304 Not Modified)
                return result
            return jsonify(result), status

        for decorator in decorators:
            view = decorator(view)
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        ENDPOINTS.append(Endpoint(rule, method, view_summary(fn, summary), tag, body, query or {}, auth, status, roles))
        return view

    return decorate


def view_summary(fn: Callable, summary: str | None = None) -> str:
    """A route's OpenAPI summary: `summary` when given, else the first paragraph of the view's
    docstring with its lines joined (what follows it is for the reader of the code)."""
    summary = summary or " ".join((getdoc(fn) or "").split("\n\n")[0].split())
    if not summary:
        raise TypeError(f"{fn.__name__}: an API view needs a summary (its docstring)")
    return summary


def tagged_route(tag: str) -> Callable:
    """`route` for a module whose routes share one OpenAPI tag (a route may still name another)."""
    return partial(route, tag=tag)


# --- query-string parsing: every bad value is a 422 naming the parameter ----------------------


# Ids and page numbers are 32-bit integers in the database; a larger one can name nothing.
INT_MAX = 2**31 - 1
# Dates the rules can compute with (as projectmgr.schemas.Day).
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2200, 12, 31)


def q_int(name: str, default: int | None = None, minimum: int = 1, maximum: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationFailed.one(name, _("Must be a whole number."))
    value = int(raw)
    maximum = INT_MAX if maximum is None else maximum
    if value < minimum or value > maximum:
        raise ValidationFailed.one(
            name,
            _("Must be between %(min)s and %(max)s.", min=minimum, max=maximum)
            if maximum
            else _("Must be at least %(min)s.", min=minimum),
        )
    return value


def q_year(default: int | None = None) -> int | None:
    """The `year` parameter of a yearly read (2000 to 2100); `default` when it is not given."""
    return q_int("year", default, minimum=2000, maximum=2100)


def q_enum(name: str, enum: type[StrEnum]):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return enum(raw)
    except ValueError:
        raise ValidationFailed.one(name, _("One of %(values)s.", values=", ".join(e.value for e in enum))) from None


def q_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        value = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.one(name, _("A date as YYYY-MM-DD.")) from None
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValidationFailed.one(name, _("Must be between %(min)s and %(max)s.", min=DATE_MIN, max=DATE_MAX))
    return value


def as_of() -> date:
    return q_date("as_of") or date.today()


def page_args() -> tuple[int, int]:
    return q_int("page", 1), q_int("per_page", 50, maximum=200)


def paginate(query, serialize: Callable, count_query=None) -> dict:
    """A page of a select(); `total` from a COUNT over the same filters."""
    from sqlalchemy import func, select

    page, per_page = page_args()
    total = db.session.scalar(
        count_query if count_query is not None else select(func.count()).select_from(query.order_by(None).subquery())
    )
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = [serialize(row) for row in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def encoded_json(body) -> bytes:
    """`body` encoded as jsonify would: what cached answers keep, so no request encodes it again."""
    return (current_app.json.dumps(body) + "\n").encode()


def json_answer(data: bytes, etag: str | None = None) -> Response:
    response = current_app.response_class(data, mimetype="application/json")
    if etag:
        response.headers["ETag"] = etag
    return response


# --- keyset cursors: opaque, signed, bound to the filters they were issued under -----------------


def _cursor_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="projectmgr.api.cursor")


def make_cursor(filters: tuple, key: tuple) -> str:
    return _cursor_serializer().dumps({"f": repr(filters), "k": list(key)})


def read_cursor(filters: tuple) -> tuple | None:
    """The position named by `cursor`, None without one; a cursor that was altered or issued for
    other filters is a 400 naming `cursor`."""
    raw = request.args.get("cursor")
    if raw is None or raw == "":
        return None
    try:
        data = _cursor_serializer().loads(raw)
    except BadSignature:
        data = None
    key = data.get("k") if isinstance(data, dict) and data.get("f") == repr(filters) else None
    if not isinstance(key, list) or not all(isinstance(part, bool | int) for part in key):
        message = _("The cursor is not one this list issued for these filters.")
        raise BadRequest(message, [{"field": "cursor", "message": message}])
    return tuple(key)


def app_config(key: str):
    return current_app.config[key]
