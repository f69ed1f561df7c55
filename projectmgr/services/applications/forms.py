"""An application's fields: written by the owner while a draft (or returned), validated as the
registration it becomes (services.projects.registration_errors: one form, one validation), and its
attachments, typed by their content as project attachments are."""

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from ...extensions import db
from ...models import (
    Application,
    ApplicationAttachment,
    ApplicationBudgetLine,
    ApplicationIndicator,
    AttachmentKind,
    Call,
    User,
)
from ...permissions import can_apply, can_edit_application, can_view_application, require
from ...schemas import ApplicationIn, ApplicationPatchIn
from ..attachments import read_upload, store_upload
from ..projects import BudgetInput, IndicatorInput, ProjectInput, registration_errors

FIELDS = ("title", "start_date", "end_date", "industry", "summary", "special_funds", "self_raised_committed")


def _as_registration(application: Application, call: Call) -> ProjectInput:
    return ProjectInput(
        code="",
        title=application.title,
        plan_id=call.plan_id,
        organization_id=application.organization_id,
        owner_id=application.owner_id,
        start_date=application.start_date,
        end_date=application.end_date,
        special_funds=application.special_funds,
        self_raised_committed=application.self_raised_committed,
        industry=application.industry,
        budget=[BudgetInput(b.category, b.special, b.self_raised) for b in application.budget_lines],
        indicators=[IndicatorInput(i.key, i.name, i.unit, i.target, i.weight) for i in application.indicators],
    )


def form_errors(application: Application, call: Call) -> list[dict]:
    errors = registration_errors(_as_registration(application, call))
    if call.max_special_funds is not None and application.special_funds > call.max_special_funds:
        errors.append(
            {
                "field": "special_funds",
                "message": _(
                    "The call grants at most %(max)s of special funds.", max=format(call.max_special_funds, ".2f")
                ),
            }
        )
    return errors


def _set_lines(application: Application, data) -> None:
    if data.budget is not None:
        application.budget_lines = [
            ApplicationBudgetLine(category=b.category, special=b.special, self_raised=b.self_raised)
            for b in data.budget
        ]
    if data.indicators is not None:
        application.indicators = [
            ApplicationIndicator(key=i.key, name=i.name, unit=i.unit, target=i.target, weight=i.weight)
            for i in data.indicators
        ]


def create_application(actor: User, data: ApplicationIn) -> Application:
    require(can_apply(actor), _("Only project owners apply, for their own organization."))
    call = db.session.get(Call, data.call_id)
    if call is None:
        raise ValidationFailed.one("call_id", _("No such call."))
    application = Application(
        call=call,
        organization_id=actor.organization_id,
        owner_id=actor.id,
        **{name: getattr(data, name) for name in FIELDS},
    )
    _set_lines(application, data)
    errors = form_errors(application, call)
    if errors:
        raise ValidationFailed(errors)
    db.session.add(application)
    db.session.flush()
    return application


def update_application(actor: User, application: Application, data: ApplicationPatchIn) -> Application:
    lock(application)
    require(can_edit_application(actor, application), _("Only the applicant edits a draft or returned application."))
    if data.version is not None and data.version != application.version:
        raise StaleVersion(
            _(
                "Version %(version)s is not the current version %(current)s.",
                version=data.version,
                current=application.version,
            )
        )
    with db.session.no_autoflush:
        for name in FIELDS:
            value = getattr(data, name)
            if value is not None:
                setattr(application, name, value)
        _set_lines(application, data)
        errors = form_errors(application, application.call)
    if errors:
        raise ValidationFailed(errors)  # the request's rollback undoes the changes above
    db.session.flush()
    return application


def lock(application: Application) -> None:
    """The application's row lock for the rest of the transaction (PostgreSQL: SELECT … FOR UPDATE):
    transitions, panel changes, scores and edits on one application run one after the other."""
    current = db.session.execute(
        select(Application.version).where(Application.id == application.id).with_for_update()
    ).scalar_one()
    if current != application.version:
        raise StaleVersion(_("Someone else changed this application at the same time; reload and try again."))


def find_application(user: User, application_id: int) -> Application:
    """The application, if the user may see it; 404 otherwise."""
    application = db.session.get(Application, application_id) if 0 < application_id <= 2**31 - 1 else None
    if application is None or not can_view_application(user, application):
        raise NotFound(_("No application %(id)s.", id=application_id))
    return application


# --- attachments ----------------------------------------------------------------------------


def attachments_of(application: Application) -> list[ApplicationAttachment]:
    return list(
        db.session.scalars(
            select(ApplicationAttachment)
            .where(ApplicationAttachment.application_id == application.id)
            .order_by(ApplicationAttachment.id)
        )
    )


def add_attachment(
    user: User, application: Application, kind: str | None, filename: str | None, stream, *, max_bytes: int, directory
) -> ApplicationAttachment:
    """Check one uploaded file by its content and store it with the application (beside project
    attachments: approval carries it over to the project). Flushes, never commits."""
    if not can_edit_application(user, application):
        raise Forbidden(_("Only the applicant attaches files to a draft or returned application."))
    try:
        kind_value = AttachmentKind(kind or "")
    except ValueError:
        raise ValidationFailed.one(
            "kind", _("One of %(values)s.", values=", ".join(k.value for k in AttachmentKind))
        ) from None
    data, file_type = read_upload(stream, max_bytes)
    return store_upload(
        directory,
        data,
        file_type,
        filename,
        user,
        lambda **common: ApplicationAttachment(
            application_id=application.id, kind=kind_value, file_type=file_type.kind, **common
        ),
    )
