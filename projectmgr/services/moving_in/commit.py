"""The commit: every project of the preview enters at its state, all or nothing (the caller's
one unit of work). Organizations and owners the preview did not find are created; a project whose
code exists already is skipped (the code is the key), so the same file twice creates nothing."""

import hashlib
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import insert

from ...extensions import db
from ...lifecycle import CONCLUDED, OWES_ACCEPTANCE_APPLICATION
from ...lifecycle.migrate import enter_migrated
from ...models import (
    BudgetLine,
    Disbursement,
    DueItem,
    DueKind,
    Expenditure,
    Organization,
    OrgKind,
    Project,
    Role,
    SelfRaisedArrival,
    State,
    User,
)
from ...models.base import utcnow
from ...rules.deadlines import acceptance_due, annual_evaluation_due, rectification_due
from ...rules.settings import RuleSettings
from ..credit import record_failure
from .preview import Preview, Row

# What an organization's name says it is; anything else is "other" for staff to correct.
ORG_KINDS = {
    OrgKind.university: ("大学", "学院"),
    OrgKind.institute: ("研究院", "研究所", "研究中心"),
    OrgKind.enterprise: ("公司", "厂"),
    OrgKind.government: ("局", "委员会"),
}
# Without a password hash nobody signs in with a password: staff invite the owner to set one.
NO_PASSWORD = "!"


@dataclass
class Created:
    projects: list[str]
    organizations: list[dict]
    owners: list[dict]
    skipped_existing: int

    def as_json(self) -> dict:
        return {
            "created": {"projects": self.projects, "organizations": self.organizations, "owners": self.owners},
            "skipped_existing": self.skipped_existing,
        }


def org_kind(name: str) -> OrgKind:
    return next((kind for kind, words in ORG_KINDS.items() if any(word in name for word in words)), OrgKind.other)


def _username(organization: Organization, name: str) -> str:
    digest = hashlib.sha1(f"{organization.id}/{name}".encode()).hexdigest()[:10]
    return f"owner-{digest}"


def write(user: User, preview: Preview, filename: str, as_of: date, settings: RuleSettings, responsible_staff_id):
    """Write what the (error-free) preview would create; only flushes."""
    orgs: dict = {}
    new_orgs = []
    for key, spec in preview.new_organizations.items():
        org = Organization(name=spec["name"], credit_code=spec["credit_code"], kind=org_kind(spec["name"]))
        db.session.add(org)
        orgs[key] = org
        new_orgs.append(org)
    db.session.flush()
    org_ids = {**preview.organizations, **{k: o.id for k, o in orgs.items()}}
    owner_ids = dict(preview.owners)
    new_owners = []
    for okey, spec in preview.new_owners.items():
        org = db.session.get(Organization, org_ids[okey[0]])
        owner = User(
            username=_username(org, spec["name"]),
            display_name=spec["name"],
            password_hash=NO_PASSWORD,
            role=Role.owner,
            organization_id=org.id,
            active=False,
        )
        db.session.add(owner)
        new_owners.append((owner, org, spec.get("phone")))
    db.session.flush()
    for okey, (owner, _org, _phone) in zip(preview.new_owners, new_owners, strict=True):
        owner_ids[okey] = owner.id

    comment = _("Moved in from the file %(file)s.", file=filename)
    created = []
    for row in preview.rows:
        if row.existing:
            continue
        project = _project(row, org_ids[row.org_key], owner_ids[row.owner_key], as_of, comment, responsible_staff_id)
        db.session.add(project)
        created.append((row, project))
    db.session.flush()
    owed: list[dict] = []
    balances: dict[type, list[dict]] = {Disbursement: [], SelfRaisedArrival: [], Expenditure: []}
    for row, project in created:
        enter_migrated(project, row.state, user, comment)
        if row.state == State.failed:
            record_failure(project, project.concluded_on, comment)
        owed += _due_items(project, row, as_of, settings)
        _opening_balances(user, project, row, as_of, balances)
    # Plain rows in bulk: a thousand projects owe thousands of items and balances.
    if owed:
        db.session.execute(insert(DueItem), owed)
    for model, rows in balances.items():
        if rows:
            db.session.execute(insert(model), rows)
    db.session.flush()
    return Created(
        projects=[p.code for _row, p in created],
        organizations=[{"id": o.id, "name": o.name, "credit_code": o.credit_code} for o in new_orgs],
        owners=[
            {"id": o.id, "name": o.display_name, "username": o.username, "organization": org.name, "phone": phone}
            for o, org, phone in new_owners
        ],
        skipped_existing=sum(1 for r in preview.rows if r.existing),
    )


def _project(row: Row, org_id: int, owner_id: int, as_of: date, comment: str, staff_id) -> Project:
    d = row.data
    state = row.state
    project = Project(
        code=d["code"],
        title=d["title"],
        plan_id=d["plan"].id,
        organization_id=org_id,
        owner_id=owner_id,
        responsible_staff_id=staff_id,
        industry=d.get("industry"),
        start_date=d["start_date"],
        end_date=d["end_date"],
        original_end_date=d["end_date"],
        special_funds=d["special_funds"],
        self_raised_committed=d["self_raised_committed"],
        # By category where the sheet has them, the rest in "other" (budget.py).
        budget_lines=[BudgetLine(category=c, special=sp, self_raised=sr) for c, sp, sr in d["budget_lines"]],
    )
    project.flags = []
    if state in CONCLUDED:
        project.concluded_on = min(d["end_date"], as_of)
    if state == State.rectifying:
        project.rectification_started_on = as_of
        project.rectification_count = 1
    if state == State.terminated:
        project.termination_reason = d.get("note") or comment
    return project


def _due(project: Project, row: Row, kind: DueKind, due: date, year: int | None = None) -> dict:
    return {
        "project_id": project.id,
        "kind": kind,
        "due_date": due,
        "year": year,
        "closed_on": None,
        "level": row.data["plan"].level,
        "key_tracking": project.key_tracking,
        "created_at": utcnow(),
    }


def _due_items(project: Project, row: Row, as_of: date, settings: RuleSettings) -> list[dict]:
    """What the project still owes, from its dates: a running project its acceptance application
    (overdue at once when its end date + 3 months has passed) and the annual evaluations from this
    year on; a rectifying one its rectification; one concluded this year this year's evaluation.
    Evaluations due before the move (earlier years', this year's after 30 November) were the
    bureau's business before it moved in."""
    state = row.state
    items = []
    if state in OWES_ACCEPTANCE_APPLICATION:
        due = acceptance_due(project.end_date, settings)
        items.append(_due(project, row, DueKind.acceptance_application, due))
        last = max(due.year, as_of.year)
    elif state == State.rectifying:
        due = rectification_due(project.rectification_started_on, settings)
        items.append(_due(project, row, DueKind.rectification, due))
        last = as_of.year
    elif state == State.acceptance_applied:
        last = as_of.year
    elif state in CONCLUDED:
        last = as_of.year if project.concluded_on.year == as_of.year else as_of.year - 1
    else:
        return items
    for year in range(max(project.start_date.year, as_of.year), last + 1):
        if annual_evaluation_due(year) >= as_of:
            items.append(_due(project, row, DueKind.annual_evaluation, annual_evaluation_due(year), year))
    return items


def _opening_balances(user: User, project: Project, row: Row, as_of: date, out: dict) -> None:
    """The sums recorded before moving in, each one row flagged as an opening balance, dated the
    day of the move; spending by category where the sheet has them, else in "other"."""
    d = row.data
    common = {
        "project_id": project.id,
        "date": as_of,
        "recorded_by_id": user.id,
        "opening_balance": True,
        "created_at": utcnow(),
    }

    def given(key):
        value = d.get(key)
        return value if value is not None and value > 0 else None

    if amount := given("special_disbursed"):
        out[Disbursement].append({"amount": amount, **common})
    if amount := given("self_raised_arrived"):
        out[SelfRaisedArrival].append({"amount": amount, "note": _("Opening balance"), **common})
    for category, source, amount in d["spending"]:
        out[Expenditure].append({"amount": amount, "category": category, "source": source, "voucher": None, **common})
