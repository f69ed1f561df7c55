"""GET /api/v1/openapi.json documents every endpoint the app serves (API.md: "document every one
in the OpenAPI document"): each route and method, its request body schema, the error schema."""

import re

import pytest

# API.md names these; the document must keep them (path parameters compared by position only).
DOCUMENTED = [
    ("post", "/auth/token"),
    ("delete", "/auth/token"),
    ("post", "/organizations"),
    ("post", "/users"),
    ("post", "/plans"),
    ("post", "/projects"),
    ("get", "/projects"),
    ("get", "/projects/{}"),
    ("post", "/projects/{}/transitions"),
    ("get", "/projects/{}/history"),
    ("post", "/projects/{}/disbursements"),
    ("post", "/projects/{}/self-raised"),
    ("post", "/projects/{}/expenditures"),
    ("post", "/projects/{}/reports"),
    ("post", "/projects/{}/extension"),
    ("post", "/projects/{}/extension/decision"),
    ("put", "/projects/{}/panel"),
    ("get", "/scoresheet"),
    ("put", "/projects/{}/scores/me"),
    ("get", "/projects/{}/scores"),
    ("get", "/reviews"),
    ("get", "/overdue"),
    ("post", "/sweep"),
    ("get", "/openapi.json"),
]
# Operations that take no JSON body (their input is the path and the query string).
BODYLESS = {
    ("post", "/api/v1/sweep"),
    ("post", "/api/v1/notifications/{notification_id}/read"),
    ("post", "/api/v1/notifications/read-all"),
    ("post", "/api/v1/imports/workbooks/{workbook_id}/commit"),
    *(("post", f"/api/v1/users/{{user_id}}/{action}") for action in ("deactivate", "reactivate", "unlock", "reset-second-factor")),
}
# File uploads: a multipart/form-data body with its file field, not JSON.
MULTIPART = {
    ("post", "/api/v1/imports/projects"),
    ("post", "/api/v1/imports/ledger"),
    ("post", "/api/v1/imports/workbooks"),
    ("post", "/api/v1/applications/{application_id}/attachments"),
}


@pytest.fixture
def doc(client):
    r = client.get("/api/v1/openapi.json")  # no token: the document is public
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    return r.json


def served_operations(app) -> set[tuple[str, str]]:
    ops = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            ops.add((method.lower(), path))
    return ops


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield method, path, op


def resolve(doc, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def refs_in(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs_in(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs_in(v)


def test_it_is_an_openapi_3_1_document(doc):
    assert doc["openapi"].startswith("3.1.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert isinstance(doc["paths"], dict) and doc["paths"]
    assert all(path.startswith("/api/v1/") for path in doc["paths"])
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    for method, path, op in operations(doc):
        assert method in {"get", "post", "put", "patch", "delete"}, (method, path)
        assert op["responses"], (method, path)
        assert all(re.fullmatch(r"[1-5]\d\d|default", status) for status in op["responses"]), (method, path)


def test_every_served_route_and_method_is_documented(app, doc):
    served = served_operations(app)
    assert len(served) >= len(DOCUMENTED)
    documented = {(method, path) for method, path, _ in operations(doc)}
    assert served - documented == set()
    assert documented - served == set()  # and the document names nothing the app does not serve


def test_the_paths_api_md_names_are_there(doc):
    shapes = {(method, re.sub(r"\{[^}]+\}", "{}", path)) for method, path, _ in operations(doc)}
    missing = [(m, p) for m, p in DOCUMENTED if (m, "/api/v1" + p) not in shapes]
    assert missing == []


def test_every_path_parameter_is_declared(doc):
    for method, path, op in operations(doc):
        names = set(re.findall(r"\{([^}]+)\}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert names == declared, (method, path)
        assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path"), (method, path)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/projects", {"state", "level", "plan_id", "organization_id", "flag", "q", "page", "per_page"}),
        ("/api/v1/overdue", {"as_of", "level", "kind", "flag", "page", "per_page"}),
        ("/api/v1/projects/{project_id}", {"as_of"}),
    ],
)
def test_list_queries_are_documented(doc, path, params):
    declared = {p["name"] for p in doc["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    assert params <= declared


def test_every_body_has_a_schema_that_resolves(app, doc):
    with_body = [
        (m, p) for m, p in served_operations(app) if m in ("post", "put") and (m, p) not in BODYLESS | MULTIPART
    ]
    assert len(with_body) >= 15
    for method, path in with_body:
        op = doc["paths"][path][method]
        assert "requestBody" in op, (method, path)
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        target = resolve(doc, schema["$ref"])
        assert schema["$ref"].startswith("#/components/schemas/")
        assert target.get("type") == "object" and target.get("properties"), (method, path)
    for method, path in BODYLESS:
        assert "requestBody" not in doc["paths"][path][method]
    for method, path in MULTIPART:
        schema = doc["paths"][path][method]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert schema["properties"]["file"]["format"] == "binary"


def test_every_ref_in_the_document_resolves(doc):
    refs = set(refs_in(doc))
    assert refs
    for ref in refs:
        resolve(doc, ref)


@pytest.mark.parametrize(
    ("path", "method", "required"),
    [
        ("/api/v1/auth/token", "post", {"username", "password"}),
        (
            "/api/v1/projects",
            "post",
            {
                "code",
                "title",
                "plan_id",
                "organization_id",
                "owner_id",
                "start_date",
                "end_date",
                "special_funds",
                "self_raised_committed",
                "budget",
                "indicators",
            },
        ),
        ("/api/v1/projects/{project_id}/transitions", "post", {"trigger"}),
        ("/api/v1/projects/{project_id}/disbursements", "post", {"date", "amount"}),
        ("/api/v1/projects/{project_id}/expenditures", "post", {"date", "category", "source", "amount"}),
        ("/api/v1/users", "post", {"username", "password", "role", "display_name"}),
    ],
)
def test_request_schemas_name_the_required_fields(doc, path, method, required):
    schema = resolve(doc, doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert set(schema["required"]) == required
    assert required <= set(schema["properties"])


def test_money_is_documented_as_a_two_decimal_string(doc):
    schema = resolve(
        doc, doc["paths"]["/api/v1/projects"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    )
    money = schema["properties"]["special_funds"]
    assert money["type"] == "string" and re.fullmatch(money["pattern"], "1200000.00")
    assert not re.fullmatch(money["pattern"], "1.234")


def test_the_error_schema_exists_and_every_operation_refers_to_it(doc):
    error = doc["components"]["schemas"]["Error"]
    inner = error["properties"]["error"]
    assert set(inner["required"]) == {"code", "message", "details"}
    assert inner["properties"]["details"]["type"] == "array"
    for method, path, op in operations(doc):
        default = op["responses"]["default"]["content"]["application/json"]["schema"]
        assert default == {"$ref": "#/components/schemas/Error"}, (method, path)


def test_secured_operations_say_so(doc):
    public = {("post", "/api/v1/auth/token"), ("get", "/api/v1/openapi.json")}
    for method, path, op in operations(doc):
        if (method, path) in public:
            assert "security" not in op, (method, path)
        else:
            assert op["security"] == [{"bearer": []}], (method, path)


def test_every_success_answer_has_its_schema_and_media_type(doc):
    """Issue 13 item 20: no success answer is a bare object; files declare their real media type;
    every error status refers to the error schema."""
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            success = [s for s in op["responses"] if s.startswith("2")]
            assert len(success) == 1, (method, path)
            content = op["responses"][success[0]]["content"]
            if path.endswith(".xlsx"):
                assert list(content) == ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
            elif path.endswith(".pdf"):
                assert list(content) == ["application/pdf"], (method, path)
                assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
            else:
                assert list(content) == ["application/json"], (method, path)
                assert content["application/json"]["schema"] != {"type": "object"}, (method, path)
            errors = [s for s in op["responses"] if s[0] in "45"]
            assert {"404", "422"} <= set(errors), (method, path)
            for status in errors:
                assert op["responses"][status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }


def test_query_and_path_parameters_are_typed(doc):
    projects = doc["paths"]["/api/v1/projects"]["get"]["parameters"]
    types = {p["name"]: p["schema"] for p in projects}
    assert types["page"]["type"] == "integer" and types["per_page"]["maximum"] == 200
    assert "approved" in types["state"]["enum"] and types["plan_id"]["type"] == "integer"
    overdue = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/overdue"]["get"]["parameters"]}
    assert overdue["as_of"]["format"] == "date"
    path = doc["paths"]["/api/v1/projects/{project_id}"]["get"]["parameters"][0]
    assert path["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
