"""The layers run one way (STYLE): web/ and api/ are two faces over services/, neither imports the
other, and services/ know nothing of HTTP. Read from the source, so a stray import fails here
rather than as a cycle at some later import."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "projectmgr"
# Flask's request and response side; current_app (configuration) is not HTTP.
HTTP_NAMES = {"request", "Response", "jsonify", "abort", "make_response", "send_file", "redirect", "g", "session"}


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    """(absolute module, names imported from it) for every import in the file, at any depth."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, set()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level + (1 if path.name == "__init__.py" else 0)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = {alias.name for alias in node.names}
            found.append((module, names))
            # "from .. import api" names the subpackage through the names imported
            found += [(f"{module}.{name}", set()) for name in names]
    return found


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def test_relative_imports_resolve_to_packages():
    # The resolution the checks below rely on: api/projects.py's "..services" is projectmgr.services.
    modules = {m for m, _ in _imports(PACKAGE / "api" / "projects.py")}
    assert "projectmgr.services" in modules
    assert "projectmgr.api.core" in modules


@pytest.mark.parametrize(
    ("layer", "forbidden"), [("web", "api"), ("api", "web"), ("services", "api"), ("services", "web")]
)
def test_a_layer_does_not_import_the_face_above_or_beside_it(layer, forbidden):
    prefix = f"projectmgr.{forbidden}"
    wrong = [
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in _modules(layer)
        for module, _ in _imports(path)
        if module == prefix or module.startswith(prefix + ".")
    ]
    assert wrong == []


def test_services_know_nothing_of_http():
    wrong = [
        f"{path.relative_to(PACKAGE)}: {sorted(names & HTTP_NAMES)}"
        for path in _modules("services")
        for module, names in _imports(path)
        if module == "flask" and names & HTTP_NAMES
    ]
    assert wrong == []
