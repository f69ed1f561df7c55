"""Domain errors. Services raise them; the API turns them into the documented error bodies,
the web pages into messages beside the fields. Raising one means nothing is written: the
request's transaction is rolled back."""

from flask_babel import gettext


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class InvalidTransition(DomainError):
    status, code = 409, "invalid_transition"


class StaleVersion(DomainError):
    status, code = 409, "stale_version"


class Conflict(DomainError):
    status, code = 409, "conflict"


class ValidationFailed(DomainError):
    """Field errors: details = [{"field", "message"}]."""

    status, code = 422, "validation_error"

    def __init__(self, details: list[dict], message: str | None = None):
        super().__init__(message or gettext("The input is not valid."), details)

    @classmethod
    def one(cls, field: str, message: str) -> "ValidationFailed":
        return cls([{"field": field, "message": message}])


class GuardFailed(DomainError):
    """A guard refused: details = [{"check", "message"}], one per failed check."""

    status, code = 422, "guard_failed"

    def __init__(self, details: list[dict], message: str | None = None):
        super().__init__(message or gettext("The action is not allowed now."), details)


class RateLimited(DomainError):
    status, code = 429, "rate_limited"
