"""The role predicates of projectmgr.permissions, per role, and the system actor holding none."""

from datetime import date

import pytest

from projectmgr import permissions as p
from projectmgr.models import Panel, Role, User

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
    (p.can_review, {Role.expert}),
    (p.can_see_project_messages, STAFF),
    (p.can_be_responsible, STAFF),
    (p.can_own_projects, {Role.owner}),
    (p.can_flag_project, STAFF),
    (p.can_record_disbursement, STAFF),
    (p.can_decide_extension, STAFF),
    (p.can_form_panel, STAFF),
    (p.can_list_projects, {Role.staff, Role.admin, Role.leader, Role.owner}),
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


# --- the blind-scoring rule: one predicate (can_see_others_scores), the rest derived from it -----

ACTORS = [User(role=r) for r in Role] + [p.SYSTEM, None]


def _name(actor) -> str:
    return "none" if actor is None else getattr(actor.role, "value", "system")


@pytest.mark.parametrize("actor", ACTORS, ids=_name)
def test_before_the_conclusion_only_staff_see_other_members_scores(actor):
    role = getattr(actor, "role", None)
    assert p.can_see_others_scores(actor, concluded=False) is (role in STAFF)
    # After it, everyone who holds a role sees the aggregate; the system and nobody never do.
    assert p.can_see_others_scores(actor, concluded=True) is (role is not None)


@pytest.mark.parametrize("actor", ACTORS, ids=_name)
@pytest.mark.parametrize("concluded", [False, True])
def test_named_sheets_are_the_bureaus_once_the_rule_lets_them(actor, concluded):
    role = getattr(actor, "role", None)
    expected = role in STAFF or (role == Role.leader and concluded)
    assert p.can_see_all_scores(actor, concluded) is expected
    # Owners and experts never see who scored what, not even after the conclusion.
    if role in (Role.owner, Role.expert):
        assert p.can_see_all_scores(actor, True) is False


@pytest.mark.parametrize("actor", ACTORS, ids=_name)
def test_the_integrity_count_follows_the_blind_rule(actor):
    role = getattr(actor, "role", None)
    scoring = Panel(formed_on=date(2026, 5, 1), concluded=False)
    concluded = Panel(formed_on=date(2026, 5, 1), concluded=True)
    draft = Panel(formed_on=None, concluded=False)
    assert p.can_see_integrity_count(actor, scoring) is (role in STAFF)  # leaders too wait
    assert p.can_see_integrity_count(actor, concluded) is (role is not None)
    assert p.can_see_integrity_count(actor, draft) is (role is not None)  # nobody scores yet
    assert p.can_see_integrity_count(actor, None) is (role is not None)


@pytest.mark.parametrize("actor", ACTORS, ids=_name)
def test_who_sits_on_the_panel(actor):
    role = getattr(actor, "role", None)
    assert p.can_see_panel_members(actor) is (role in READERS)
    assert p.can_see_panel(actor, None) is (role is not None and role != Role.owner)
    assert p.can_see_history_details(actor) is (role in STAFF)


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_account_creation(role):
    assert p.can_create_account(User(role=role), Role.owner) is (role in STAFF)
    assert p.can_create_account(User(role=role), Role.admin) is (role == Role.admin)
    assert p.can_create_account(p.SYSTEM, Role.admin)
