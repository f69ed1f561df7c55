"""Helpers shared by the model modules."""

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Enum


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def enum_type(enum: type[StrEnum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint listing the values (same on SQLite and PostgreSQL)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
