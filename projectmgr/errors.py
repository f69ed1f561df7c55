"""Domain errors. Services raise them; the API turns them into the documented error bodies,
the web pages into messages beside the fields. Raising one means nothing is written: the
request's transaction is rolled back.

Each error class names its HTTP status and error code as class keywords:
`class NotFound(DomainError, status=404, code="not_found")`."""

from flask_babel import gettext


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init_subclass__(cls, status: int | None = None, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class BadRequest(DomainError, status=400, code="bad_request"): ...


class Unauthorized(DomainError, status=401, code="unauthorized"): ...


class Forbidden(DomainError, status=403, code="forbidden"): ...


class NotFound(DomainError, status=404, code="not_found"): ...


class InvalidTransition(DomainError, status=409, code="invalid_transition"): ...


class StaleVersion(DomainError, status=409, code="stale_version"): ...


class Conflict(DomainError, status=409, code="conflict"): ...


class PayloadTooLarge(DomainError, status=413, code="payload_too_large"): ...


class RateLimited(DomainError, status=429, code="rate_limited"): ...


class ValidationFailed(DomainError, status=422, code="validation_error"):
    """Field errors: details = [{"field", "message"}]."""

    def __init__(self, details: list[dict], message: str | None = None):
        super().__init__(message or gettext("The input is not valid."), details)

    @classmethod
    def one(cls, field: str, message: str) -> "ValidationFailed":
        return cls([{"field": field, "message": message}])


class GuardFailed(DomainError, status=422, code="guard_failed"):
    """A guard refused: details = [{"check", "message"}], one per failed check."""

    def __init__(self, details: list[dict], message: str | None = None):
        super().__init__(message or gettext("The action is not allowed now."), details)
