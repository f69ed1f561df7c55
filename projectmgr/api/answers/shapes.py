"""The notation of the answer schemas: an object is one string of its fields, in order, read into JSON Schema.

`obj("id:int guide?:str? fields:[str] panels:[seat]", seat=SEAT)`: each field is `name:type`, where the type is
- one of SCALARS, or a schema the call passes by keyword (`seat` above);
- `[type]`, an array of it; `{fields}`, an object of those fields; `a|b|c`, one of these strings;
- `type?`: that, or null.
Every field is required (the client may rely on it, API.md) unless marked `name?:`, which may be absent."""

import re

SCALARS = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "obj": {"type": "object"},
    "any": {},
    "day": {"type": "string", "format": "date"},
    "money": {"type": "string", "pattern": r"^\d+\.\d{2}$"},
    # A figure with two decimals that is not money: scores, aggregates, leniency (which may be negative).
    "figure": {"type": "string", "pattern": r"^-?\d+\.\d{2}$"},
    "number": {"type": ["number", "string"]},
}


def obj(spec: str, **named: dict) -> dict:
    """The object whose fields `spec` lists; `named` are the schemas it names as types."""
    return _Reader(spec, named).fields()


def extend(base: dict, spec: str, **named: dict) -> dict:
    """An object of `base`'s fields, then those of `spec`."""
    more = obj(spec, **named)
    return {
        "type": "object",
        "properties": {**base["properties"], **more["properties"]},
        "required": [*base["required"], *more["required"]],
    }


def page(item: dict, more: str = "") -> dict:
    """A page of `item`s (api.core's pagination), then the fields `more` lists."""
    return obj(f"items:[item] total:int page:int per_page:int {more}", item=item)


class _Reader:
    """Reads a spec token by token: names, and the marks ? : | [ ] { }."""

    def __init__(self, spec: str, named: dict[str, dict]):
        self.spec = spec
        self.named = named
        self.tokens = re.findall(r"\w+|\S", spec)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ValueError(f"{self.spec!r} ends too early")
        self.at += 1
        return token

    def skip(self, mark: str) -> bool:
        """Whether the next token is `mark`, taking it if so."""
        if self.peek() != mark:
            return False
        self.at += 1
        return True

    def expect(self, mark: str) -> None:
        if not self.skip(mark):
            raise ValueError(f"{self.spec!r}: {mark!r} expected at {self.peek()!r}")

    def name(self) -> str:
        token = self.take()
        if not re.fullmatch(r"\w+", token):
            raise ValueError(f"{self.spec!r}: a name expected at {token!r}")
        return token

    def fields(self, end: str | None = None) -> dict:
        """The fields up to `end` (None: the end of the spec)."""
        properties, required = {}, []
        while self.peek() != end:
            name = self.name()
            if name in properties:
                raise ValueError(f"{self.spec!r}: {name} twice")
            may_be_absent = self.skip("?")
            self.expect(":")
            properties[name] = self.type()
            if not may_be_absent:
                required.append(name)
        return {"type": "object", "properties": properties, "required": required}

    def type(self) -> dict:
        if self.skip("["):
            schema = {"type": "array", "items": self.type()}
            self.expect("]")
        elif self.skip("{"):
            schema = self.fields("}")
            self.expect("}")
        else:
            names = [self.name()]
            while self.skip("|"):
                names.append(self.name())
            schema = {"type": "string", "enum": names} if len(names) > 1 else self.known(names[0])
        if self.skip("?"):
            schema = {"anyOf": [schema, {"type": "null"}]}
        return schema

    def known(self, name: str) -> dict:
        if name in self.named:
            return self.named[name]
        if name in SCALARS:
            return SCALARS[name]
        raise ValueError(f"{self.spec!r}: no type {name!r}")
