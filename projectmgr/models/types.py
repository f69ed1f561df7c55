"""Column types shared by the models."""

from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeDecorator


class Fixed(TypeDecorator):
    """An exact decimal: NUMERIC(p, s) on PostgreSQL, a scaled integer on SQLite.

    SQLite has no decimal type (it would round-trip through float), so there the value is
    stored as an integer count of the smallest unit; sums in SQL stay exact on both databases.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int):
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)
        self._factor = 10**scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(self._unit)
        if dialect.name == "sqlite":
            return int(value * self._factor)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / self._factor).quantize(self._unit)
        return Decimal(value).quantize(self._unit)

    @property
    def python_type(self):
        return Decimal


def Money() -> Fixed:  # noqa: N802 - reads as a type in model declarations
    """Yuan with two decimals."""
    return Fixed(14, 2)
