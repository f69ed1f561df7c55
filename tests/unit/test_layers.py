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
    ("layer", "forbidden"),
    [
        ("web", "api"),
        ("api", "web"),
        ("services", "api"),
        ("services", "web"),
        # The lifecycle and the facts sit below services: the guards read through the facts.
        *[(below, above) for below in ("lifecycle", "facts") for above in ("services", "web", "api")],
    ],
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


# --- the lifecycle and the facts below services ------------------------------------------------


def test_the_lifecycle_has_no_function_level_imports():
    wrong = []
    for path in _modules("lifecycle"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        wrong += [
            f"{path.relative_to(PACKAGE)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top
        ]
    assert wrong == []


def _state_groups(path: Path) -> list[str]:
    """Tuples, lists and sets of two or more `State.<name>` written out in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            states = [
                e for e in node.elts if isinstance(e, ast.Attribute) and getattr(e.value, "id", None) in ("State", "S")
            ]
            if len(states) >= 2:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_only_the_lifecycle_keeps_groups_of_states():
    """Every "is the project in one of these states" asks a named set of projectmgr.lifecycle.states."""
    outside = [p for p in sorted(PACKAGE.rglob("*.py")) if "lifecycle" not in p.relative_to(PACKAGE).parts]
    assert [where for path in outside for where in _state_groups(path)] == []
