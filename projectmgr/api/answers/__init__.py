"""JSON Schemas of the API's success answers, for the OpenAPI document (issue 13 item 20): one per
operation, keyed by method and rule as the routes declare them. They name the fields a client may
rely on (API.md) and their types; answers may carry more fields. tests/test_schemathesis.py checks
every answer against them. One module per area; RESPONSES merges them."""

from . import accounts, applications, core, moving_in

RESPONSES: dict[tuple[str, str], dict] = {
    **core.RESPONSES,
    **applications.RESPONSES,
    **accounts.RESPONSES,
    **moving_in.RESPONSES,
}
