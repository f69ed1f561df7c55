"""The JSON API v1 (API.md)."""

from . import admin, applications, evaluation, exports, ledger, notifications, openapi, overdue, projects, reviews  # noqa: F401  (routes register on import)
from .core import bp  # noqa: F401
