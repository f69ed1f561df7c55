"""The OpenAPI document is a contract a client can check (issue 13 item 20): schemathesis generates
requests for every operation from the document, sends each as a staff member and as a project
owner, and fails on any 5xx, an undocumented status or media type, or an answer that does not match
its schema. The number of examples is bounded so that the whole run stays under a minute."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from projectmgr.extensions import db
from projectmgr.models import Role
from projectmgr.services import registry

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def tokens(make):
    """New tokens of a staff member and an owner for each example (DELETE /auth/token revokes the
    one it is sent with), over a little data for the ids to find."""
    staff = make.user(Role.staff)
    owner = make.user(Role.owner)
    make.project(owner=owner, staff=staff)

    def issue():
        result = [registry.issue_token(staff), registry.issue_token(owner)]
        db.session.commit()
        return result

    return issue


SETTINGS = settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_every_operation_keeps_the_contract(app, tokens):
    """One test over all operations (schemathesis's own pytest loader does not run under this
    pytest): each operation's examples, first as staff, then as an owner."""
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations, succeeded = [], 0, set()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @SETTINGS
        @given(case=operation.as_strategy())
        def run(case):
            for token in tokens():
                response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
                if response.status_code < 300:
                    succeeded.add(case.operation.label)

        try:
            run()
        except Exception as exc:  # noqa: BLE001  (every operation is tried; all failures are reported)
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 50
    assert len(succeeded) >= 20, sorted(succeeded)  # the answers checked include real successes
    assert not failures, "\n\n".join(failures)
