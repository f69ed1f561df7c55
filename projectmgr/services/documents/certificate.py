"""验收证书 / the acceptance certificate of a concluded project, and its number
`{plan code}-YS-{year}-{seq}` (README: the plan code is the project code's first segment)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...errors import Conflict, NotFound
from ...extensions import db
from ...facts.figures import project_facts
from ...labels import label
from ...lifecycle import CERTIFIED
from ...models import Certificate, Project, ReportKind
from ...rules.scoring import grade_for
from ...rules.settings import RuleSettings
from ...unit_of_work import committing
from ..conclusion_text import decision_text
from ..project_view import indicator_rows
from .common import bureau, conclusion_record, day, number, outcome, percent, yuan

# Two staff generating the first certificates of a year at once may draw the same next number:
# the unique constraint refuses one, which then takes the next.
ATTEMPTS = 5


def plan_code(project: Project) -> str:
    """The plan's code as the bureau writes it in project codes (JYZD-2026-001 → JYZD)."""
    head = project.code.split("-", 1)[0].strip()
    return head or f"P{project.plan_id}"


def certified(project: Project) -> bool:
    return outcome(project) in CERTIFIED


def require_certified(project: Project) -> None:
    if not certified(project):
        raise NotFound(_("This project has no acceptance certificate: its acceptance has not concluded as passed."))


def existing(project: Project) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.project_id == project.id))


def _insert(project: Project, today: date) -> Certificate:
    prefix, year = plan_code(project), project.concluded_on.year
    last = db.session.scalar(
        select(func.max(Certificate.seq)).where(Certificate.prefix == prefix, Certificate.year == year)
    )
    seq = (last or 0) + 1
    row = Certificate(
        project_id=project.id,
        prefix=prefix,
        year=year,
        seq=seq,
        number=f"{prefix}-YS-{year}-{seq:03d}",
        issued_on=today,
    )
    db.session.add(row)
    db.session.flush()
    return row


def assign_number(project: Project, today: date) -> Certificate:
    """The project's certificate row, created on first use in a transaction of its own: the number
    is kept from then on (a reader's later request, or a failed one, never changes or frees it)."""
    require_certified(project)
    row = existing(project)
    if row is not None:
        return row
    project_id = project.id
    for _attempt in range(ATTEMPTS):
        try:
            with committing():
                row = _insert(db.session.get(Project, project_id), today)
            return row
        except Conflict:
            # Someone else numbered this project, or took the number: read again and retry.
            row = existing(db.session.get(Project, project_id))
            if row is not None:
                return row
    raise Conflict(_("Could not assign a certificate number; try again."))


@dataclass
class CertificateData:
    """Everything the certificate prints, as plain data."""

    number: str
    issued_on: str
    bureau: str
    project: dict
    funds: list[tuple[str, str]]
    indicators: list[dict]
    completion: str
    checks: list[dict]
    score: str
    grade: str
    conclusion: str
    rule: str
    concluded_on: str


def certificate_data(project: Project, cert: Certificate, settings: RuleSettings) -> CertificateData:
    # The figures the conclusion was decided on: acceptance reports, records up to its day.
    facts = project_facts(project, settings, project.concluded_on, ReportKind.acceptance)
    record = conclusion_record(project)
    details = (record.details or {}) if record is not None else {}
    score = details.get("score")
    grade = details.get("grade") or (grade_for(Decimal(score)) if score else None)
    t = facts.totals
    return CertificateData(
        number=cert.number,
        issued_on=day(cert.issued_on),
        bureau=bureau(),
        project=project_parties(project),
        funds=[
            (_("Special funds granted"), yuan(project.special_funds)),
            (_("Special funds disbursed"), yuan(t["special_disbursed"])),
            (_("Special funds spent"), yuan(t["special_spent"])),
            (_("Self-raised funds committed"), yuan(project.self_raised_committed)),
            (_("Self-raised funds arrived"), yuan(t["self_raised_arrived"])),
            (_("Self-raised funds spent"), yuan(t["self_raised_spent"])),
        ],
        indicators=indicator_rows(project, facts.achieved, number, percent),
        completion=percent(facts.indicator_completion),
        checks=[
            {"name": label("binding", c.key), "passed": c.passed, "severity": label("severity", c.severity)}
            for c in facts.binding_checks
        ],
        score=score or "—",
        grade=label("grade", grade) if grade else "—",
        conclusion=label("state", outcome(project)),
        rule=(decision_text(record) if record is not None else None) or project.conclusion_rule or "—",
        concluded_on=day(project.concluded_on),
    )


def project_parties(project: Project) -> dict:
    """The project's heading lines, shared by the documents."""
    return {
        "code": project.code,
        "title": project.title,
        "organization": project.organization.name,
        "owner": project.owner.display_name,
        "plan": project.plan.name,
        "level": label("level", project.plan.level),
        "start": day(project.start_date),
        "original_end": day(project.original_end_date),
        "end": day(project.end_date),
        "extended": project.end_date != project.original_end_date,
    }
