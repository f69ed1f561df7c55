"""URL converters. Ids are 32-bit integers in the database (SQLite fails on a bound parameter past
64 bits, PostgreSQL refuses one past the column's type): an id past 2**31 − 1 can name nothing, so
its URL does not match and answers 404, like any other unknown id. Registered as `int`, so every
`<int:…>` route of the API and the pages uses it without naming it."""

from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1


def _at_most(limit: int) -> str:
    """A regex for the decimal numbers 0 … limit: the router must refuse a larger one while matching
    the path (a refusal in to_python alone would turn into 405 where another method's rule has the
    same path)."""
    digits = str(limit)
    parts = [rf"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, d in enumerate(digits):
        if d != "0":
            rest = len(digits) - i - 1
            parts.append(digits[:i] + f"[0-{int(d) - 1}]" + (rf"[0-9]{{{rest}}}" if rest else ""))
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<int:name>` for ids and other stored integers: 0 … 2**31 − 1."""

    regex = _at_most(ID_MAX)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = ID_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=ID_MAX if max is None else max, signed=signed)


def register_converters(app) -> None:
    """Before any blueprint adds its rules."""
    app.url_map.converters["int"] = IdConverter
