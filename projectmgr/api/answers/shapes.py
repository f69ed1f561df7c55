"""The building blocks of the answer schemas: scalar types, objects, arrays and pages."""

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
OBJ = {"type": "object"}
ANY: dict = {}
DAY = {"type": "string", "format": "date"}
MONEY = {"type": "string", "pattern": r"^\d+\.\d{2}$"}
NUMBER = {"type": ["number", "string"]}


def opt(schema: dict) -> dict:
    """The schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: tuple[str, ...] = (), **props) -> dict:
    """An object with these properties; all of them required unless `required` names the ones that are."""
    return {"type": "object", "properties": props, "required": list(required or props)}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def page(item: dict, **more) -> dict:
    return obj(items=array(item), total=INT, page=INT, per_page=INT, **more)


# A figure with two decimals that is not money: scores, aggregates, leniency (which may be negative).
FIGURE = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}
