"""The JSON API v1 (API.md)."""

from . import (  # noqa: F401  (routes register on import)
    admin,
    applications,
    auth,
    documents,
    evaluation,
    experts,
    exports,
    ledger,
    moving_in,
    notifications,
    openapi,
    overdue,
    projects,
    reviews,
)
from .core import bp  # noqa: F401
