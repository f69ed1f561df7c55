"""The role predicates of projectmgr.permissions, per role, and the system actor holding none."""

import pytest

from projectmgr import permissions as p
from projectmgr.models import Role, User

STAFF = {Role.staff, Role.admin}
READERS = {Role.staff, Role.admin, Role.leader}
ROLE_PREDICATES = [
    (p.can_register_project, STAFF),
    (p.can_run_evaluation, STAFF),
    (p.can_keep_ledger, STAFF),
    (p.can_import_projects, STAFF),
    (p.can_import_ledger, STAFF),
    (p.can_manage_accounts, STAFF),
    (p.can_export, READERS),
    (p.can_read_overdue, READERS),
    (p.can_read_evaluation, READERS),
    (p.can_read_ledger, READERS),
    (p.can_list_organizations, READERS),
    (p.can_review, {Role.expert}),
    (p.can_manage_calls, STAFF),
    (p.can_check_applications, STAFF),
    (p.can_recommend, STAFF),
    (p.can_read_recommendations, READERS),
    (p.can_read_public_notice, set(Role)),
    (p.can_raise_objection, set(Role)),
]


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize(("predicate", "admitted"), ROLE_PREDICATES, ids=lambda v: getattr(v, "__name__", ""))
def test_each_predicate_per_role(predicate, admitted, role):
    assert predicate(User(role=role)) is (role in admitted)


@pytest.mark.parametrize(("predicate", "_admitted"), ROLE_PREDICATES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_system_and_nobody_hold_no_role(predicate, _admitted):
    assert predicate(p.SYSTEM) is False
    assert predicate(None) is False


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_the_sweep_runs_for_staff_and_the_system(role):
    assert p.can_run_sweep(User(role=role)) is (role in STAFF)
    assert p.can_run_sweep(p.SYSTEM)


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("concluded", [False, True])
def test_blind_scoring_all_sheets(role, concluded):
    expected = role in STAFF or (role == Role.leader and concluded)
    assert p.can_see_all_scores(User(role=role), concluded) is expected


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_account_creation(role):
    assert p.can_create_account(User(role=role), Role.owner) is (role in STAFF)
    assert p.can_create_account(User(role=role), Role.admin) is (role == Role.admin)
    assert p.can_create_account(p.SYSTEM, Role.admin)
