"""Disbursements, self-raised arrivals, expenditures, reports and extension requests."""

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..lifecycle import EXTENDABLE, FINAL, REPORT_WINDOWS, REPORTS_FROZEN, Context, record_event
from ..models import (
    Category,
    Disbursement,
    Expenditure,
    ExtensionRequest,
    ExtensionStatus,
    FundSource,
    Indicator,
    IndicatorValue,
    Project,
    Report,
    ReportKind,
    SelfRaisedArrival,
    User,
)
from ..models.base import utcnow
from ..permissions import (
    can_decide_extension,
    can_record_disbursement,
    can_record_for_project,
    require,
)
from ..rules.deadlines import max_extension_end
from ..rules.settings import RuleSettings
from .due_items import move_acceptance_deadline
from .locking import lock_project


def _open_for_records(project: Project) -> None:
    """Funds and reports are closed once the project is final (evaluated or terminated)."""
    if project.state in FINAL:
        raise Conflict(_("The project is %(state)s; its records are closed.", state=project.state.value))


def _owner_only(user: User, project: Project) -> None:
    require(can_record_for_project(user, project), _("Only the project's owner records this."))


def record_disbursement(user: User, project: Project, on: date, amount: Decimal) -> Disbursement:
    require(can_record_disbursement(user, project), _("Only bureau staff record disbursements."))
    lock_project(project)
    _open_for_records(project)
    row = Disbursement(project_id=project.id, date=on, amount=amount, recorded_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    return row


def record_self_raised(user: User, project: Project, on: date, amount: Decimal, note: str | None):
    _owner_only(user, project)
    lock_project(project)
    _open_for_records(project)
    row = SelfRaisedArrival(project_id=project.id, date=on, amount=amount, note=note, recorded_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    return row


def record_expenditure(
    user: User,
    project: Project,
    on: date,
    category: Category,
    source: FundSource,
    amount: Decimal,
    voucher: str | None,
    today: date | None = None,
) -> Expenditure:
    """Recorded as it happened, even when it breaks a binding indicator: the indicator shows it.
    `today` is the calendar's (the demo builds its story on another day)."""
    _owner_only(user, project)
    lock_project(project)  # the state it checks holds until the commit
    _open_for_records(project)
    # Spent on the project: not before it started, and not in the future (a day's grace for time zones).
    latest = (today or date.today()) + timedelta(days=1)
    if on < project.start_date or on > latest:
        raise ValidationFailed.one(
            "date",
            _(
                "Must be between the project's start (%(start)s) and %(latest)s.",
                start=project.start_date,
                latest=latest,
            ),
        )
    row = Expenditure(
        project_id=project.id,
        date=on,
        category=category,
        source=source,
        amount=amount,
        voucher=voucher,
        recorded_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def report_window_closed(project: Project, kind: ReportKind) -> str | None:
    """Why a report of this kind cannot be submitted now, or None when it can. What decides the
    conclusion is fixed while the application is examined: no report then."""
    if project.state in REPORTS_FROZEN:
        return _(
            "The project is %(state)s: reports are frozen while the acceptance is examined.",
            state=project.state.value,
        )
    if project.state not in REPORT_WINDOWS[kind]:
        return _(
            "A %(kind)s report cannot be submitted in state '%(state)s'.",
            kind=kind.value,
            state=project.state.value,
        )
    return None


def _report_window(project: Project, kind: ReportKind) -> None:
    closed = report_window_closed(project, kind)
    if closed:
        raise Conflict(closed)


def submit_report(
    user: User,
    project: Project,
    kind: ReportKind,
    summary: str,
    achieved: list[tuple[str, Decimal]],
    separate_account: bool | None,
) -> Report:
    _owner_only(user, project)
    # Under the row lock: a report never lands while a transition freezes the reports.
    lock_project(project)
    _open_for_records(project)
    kind = ReportKind(kind)
    _report_window(project, kind)
    errors = []
    indicators = {i.key: i for i in db.session.scalars(select(Indicator).where(Indicator.project_id == project.id))}
    seen: set[str] = set()
    values = []
    for n, (key, value) in enumerate(achieved):
        if key not in indicators:
            errors.append(
                {"field": f"indicators[{n}].key", "message": _("The project has no indicator '%(key)s'.", key=key)}
            )
        elif key in seen:
            errors.append(
                {"field": f"indicators[{n}].key", "message": _("Indicator '%(key)s' appears twice.", key=key)}
            )
        else:
            values.append(IndicatorValue(indicator_id=indicators[key].id, achieved=value))
        seen.add(key)
    if kind == ReportKind.survey and separate_account is not None:
        errors.append({"field": "separate_account", "message": _("Only an acceptance report declares it.")})
    if kind == ReportKind.acceptance and separate_account is None:
        separate_account = False
    if errors:
        raise ValidationFailed(errors)
    report = Report(
        project_id=project.id,
        kind=kind,
        summary=summary,
        separate_account=separate_account,
        submitted_by_id=user.id,
        submitted_at=utcnow(),
        values=values,
    )
    db.session.add(report)
    db.session.flush()
    return report


def request_extension(
    user: User, project: Project, new_end_date: date, reason: str, settings: RuleSettings, as_of: date
) -> ExtensionRequest:
    _owner_only(user, project)
    lock_project(project)
    if project.state not in EXTENDABLE:
        raise Conflict(_("An extension cannot be requested in state '%(state)s'.", state=project.state.value))
    if db.session.scalar(select(ExtensionRequest.id).where(ExtensionRequest.project_id == project.id)):
        raise Conflict(_("An extension has been requested already; a project is extended at most once."))
    errors = []
    if as_of > project.end_date:
        errors.append(
            {
                "field": "new_end_date",
                "message": _("Requests are made before the end date (%(end)s).", end=project.end_date),
            }
        )
    if new_end_date <= project.end_date:
        errors.append({"field": "new_end_date", "message": _("The new end date must be after the current end date.")})
    limit = max_extension_end(project.original_end_date, settings)
    if new_end_date > limit:
        errors.append(
            {
                "field": "new_end_date",
                "message": _(
                    "At most %(months)s months: no later than %(limit)s.",
                    months=settings.extension_max_months,
                    limit=limit,
                ),
            }
        )
    if not reason.strip():
        errors.append({"field": "reason", "message": _("Required.")})
    if errors:
        raise ValidationFailed(errors)
    row = ExtensionRequest(
        project_id=project.id, new_end_date=new_end_date, reason=reason.strip(), requested_by_id=user.id
    )
    db.session.add(row)
    db.session.flush()
    return row


def decide_extension(
    user: User, project: Project, approve: bool, settings: RuleSettings, as_of: date
) -> ExtensionRequest:
    """Approve or refuse the pending request, on as_of. An approval moves the end date and the
    acceptance deadline; either way the decision is in the project's history."""
    require(can_decide_extension(user, project), _("Only bureau staff decide extension requests."))
    lock_project(project)
    row = db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.project_id == project.id))
    if row is None or row.status != ExtensionStatus.pending:
        raise Conflict(_("There is no pending extension request."))
    if project.state not in EXTENDABLE:
        raise Conflict(_("An extension cannot be decided in state '%(state)s'.", state=project.state.value))
    row.status = ExtensionStatus.approved if approve else ExtensionStatus.refused
    row.decided_by_id = user.id
    row.decided_at = utcnow()
    details = {"from_end_date": project.end_date.isoformat(), "new_end_date": row.new_end_date.isoformat()}
    if approve:
        project.end_date = row.new_end_date
        move_acceptance_deadline(project, settings, as_of)
    ctx = Context(project=project, user=user, as_of=as_of, settings=settings, comment=row.reason, details=details)
    record_event("approve_extension" if approve else "refuse_extension", ctx)
    db.session.flush()
    return row


def refuse_pending_extension(project: Project) -> None:
    """A terminated or concluded project is not extended: its pending request is refused."""
    row = extension_of(project)
    if row is not None and row.status == ExtensionStatus.pending:
        row.status = ExtensionStatus.refused
        row.decided_at = utcnow()


def extension_of(project: Project) -> ExtensionRequest | None:
    return db.session.scalar(select(ExtensionRequest).where(ExtensionRequest.project_id == project.id))
