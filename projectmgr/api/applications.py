"""Calls, applications, the approval review, the public notice and recommendations upward."""

from datetime import date

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..models import ApplicationState, Level, Outcome
from ..permissions import EXPERTS, OWNERS, READERS, STAFF, can_check_applications, can_read_public_notice, require
from ..schemas import ApplicationIn, ApplicationPatchIn, CallIn, RecommendationIn
from ..services import settings
from ..services.applications import calls, forms, lists, machine, notice, review, upward, view
from ..services.applications.export import call_workbook
from ..services.attachments import storage_dir
from ..services.project_view import day
from . import application_schemas as bodies
from .core import ENDPOINTS, paginate, q_enum, q_int, q_year, tagged_route
from .exports import _lang as export_lang
from .exports import file_route
from .projects import registration_input
from .schemas import ConflictIn, PanelIn, ScoresIn
from .serialize import conflict_json, panel_members_json, score_json

route = tagged_route("applications")

APPLICANT = OWNERS.refusing(_l("Only project owners apply, for their own organization.")).noting(
    "an owner of the applying organization"
)
CHECKERS = STAFF.refusing(_l("Only bureau staff check, review and approve applications."))


# --- calls ----------------------------------------------------------------------------------


@route("/calls", "POST", status=201, roles=STAFF.refusing(_l("Only bureau staff publish calls.")))
def post_call(user, data: CallIn):
    """Publish a call for a municipal plan, with its window"""
    call = calls.create_call(user, data)
    return view.call_json(call, date.today())


@route("/calls", query={"page": "", "per_page": ""})
def list_calls(user):
    """Calls (owners: the open ones)"""
    today = date.today()
    return paginate(calls.call_query(user, today), lambda row: view.call_json(row[0], today))


@route("/calls/<int:call_id>")
def get_call(user, call_id: int):
    """A call"""
    return view.call_json(calls.find_call(user, call_id), date.today())


@route("/calls/<int:call_id>/ranking", roles=CHECKERS)
def get_ranking(user, call_id: int):
    """The call's applications by aggregate score, with requested and suggested funds"""
    call = calls.find_call(user, call_id)
    return {
        "call": view.call_json(call, date.today()),
        "items": [view.ranked_json(r) for r in notice.ranking(user, call)],
    }


@file_route("/calls/<int:call_id>/export.xlsx", tag="applications", roles=CHECKERS)
def export_call(user, call_id: int):
    """The call's applications and its ranking as an Excel workbook"""
    call = calls.find_call(user, call_id)
    return call_workbook(user, call, export_lang()), f"call-{call.id}.xlsx"


# --- applications ---------------------------------------------------------------------------


@route("/applications", "POST", status=201, roles=APPLICANT)
def post_application(user, data: ApplicationIn):
    """Apply to a call (a draft); the same field rules as POST /projects"""
    application = forms.create_application(user, data)
    return view.application_detail(application, user, settings(), date.today())


@route("/applications/<int:application_id>", "PATCH", roles=APPLICANT)
def patch_application(user, application_id: int, data: ApplicationPatchIn):
    """Edit a draft (or returned) application; the whole is validated again"""
    application = forms.find_application(user, application_id)
    forms.update_application(user, application, data)
    return view.application_detail(application, user, settings(), date.today())


@route(
    "/applications",
    query={"call_id": "call id", "state": "application state", "organization_id": "", "page": "", "per_page": ""},
)
def list_applications(user):
    """Applications (staff: all; owners: their organization's; experts: their review panels')"""
    query, count = lists.application_query(
        user,
        call_id=q_int("call_id"),
        state=q_enum("state", ApplicationState),
        organization_id=q_int("organization_id"),
    )
    return paginate(query, lambda row: view.application_summary(row[0]), count)


@route("/applications/<int:application_id>")
def get_application(user, application_id: int):
    """An application with its history"""
    return view.application_detail(forms.find_application(user, application_id), user, settings(), date.today())


@route(
    "/applications/<int:application_id>/transitions",
    "POST",
    roles="per trigger: staff, or an owner of the applying organization",
)
def post_application_transition(user, application_id: int, data: bodies.ApplicationTransitionIn):
    """Fire an application trigger"""
    application = forms.find_application(user, application_id)
    params = data.model_dump(exclude={"trigger", "version"}, exclude_none=True)
    when = date.today()
    outcome = machine.transition(application, data.trigger, user, settings(), when, params, data.version)
    result = view.application_detail(application, user, settings(), when)
    if outcome.project is not None:
        result["project_id"] = outcome.project.id
    return result


@route("/applications/<int:application_id>/attachments", "POST", status=201, roles=APPLICANT)
def post_application_attachment(user, application_id: int):
    """Attach a file (multipart fields `file` and `kind`: application_form, business_licence, audit_report)"""
    application = forms.find_application(user, application_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed.one("file", _("Send the file as multipart/form-data field 'file'."))
    row = forms.add_attachment(
        user,
        application,
        request.form.get("kind"),
        upload.filename,
        upload.stream,
        max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"],
        directory=storage_dir(),
    )
    return {"id": row.id, "kind": row.kind.value, "filename": row.filename, "type": row.file_type, "size": row.size}


# --- the approval review --------------------------------------------------------------------


@route("/applications/<int:application_id>/panel", "PUT", roles=STAFF.refusing(_l("Only bureau staff form panels.")))
def put_application_panel(user, application_id: int, data: PanelIn):
    """Choose or draw the approval-review panel (the acceptance panel rules)"""
    application = forms.find_application(user, application_id)
    panel, seed = review.set_review_panel(user, application, settings(), date.today(), **data.choice())
    result = {
        "year": panel.year,
        "formed_on": day(panel.formed_on),
        "scoring_due": day(panel.scoring_due),
        "concluded": panel.concluded,
        "members": panel_members_json(panel),
    }
    if seed is not None:
        result["seed"] = seed
    return result


@route("/applications/<int:application_id>/panel/conflict", "POST", roles="review panel members")
def post_application_conflict(user, application_id: int, data: ConflictIn):
    """A review panel member declares a conflict of interest (回避)"""
    application = forms.find_application(user, application_id)
    return conflict_json(review.declare_conflict(user, application, data.reason))


@route(
    "/applications/<int:application_id>/scores/me",
    "PUT",
    roles=EXPERTS.refusing(_l("Only panel members score.")).noting("review panel members"),
)
def put_application_scores(user, application_id: int, data: ScoresIn):
    """Submit or edit my approval-review scores (until the review is concluded)"""
    application = forms.find_application(user, application_id)
    score = review.submit_score(
        user, application, data.scores, data.recommendation, data.integrity_concern, data.comment
    )
    return score_json(score)


@route("/applications/<int:application_id>/scores")
def get_application_scores(user, application_id: int):
    """Review scores, blind per role (staff: all; member: own; applicant: aggregate after the review)"""
    return review.scores_view(user, forms.find_application(user, application_id))


# --- the public notice and objections -------------------------------------------------------


@route("/notice")
def get_notice(user):
    """Applications on public notice (公示), for every signed-in user"""
    require(can_read_public_notice(user), _("Sign in to read the public notice."))
    today = date.today()
    return paginate(notice.notice_query(today), lambda row: view.application_summary(row[0]))


@route("/applications/<int:application_id>/objections", "POST", status=201)
def post_objection(user, application_id: int, data: bodies.ObjectionIn):
    """Raise an objection during the public notice"""
    application = notice.find_for_objection(user, application_id)
    row = notice.raise_objection(user, application, data.text, date.today())
    return view.objection_json(row, can_check_applications(user))


@route(
    "/objections/<int:objection_id>/resolve",
    "POST",
    roles=STAFF.refusing(_l("Only bureau staff resolve objections.")),
)
def post_resolve(user, objection_id: int, data: bodies.ResolveIn):
    """Resolve an objection (upheld or not, with a comment)"""
    row = notice.resolve_objection(user, objection_id, data.upheld, data.comment)
    return view.objection_json(row, True)


# --- recommendations upward -----------------------------------------------------------------


@route("/recommendations", "POST", status=201, roles=STAFF.refusing(_l("Only bureau staff recommend upward.")))
def post_recommendation(user, data: RecommendationIn):
    """Recommend an application (or a project directly) to a provincial or national programme"""
    return view.recommendation_json(upward.recommend(user, data))


@route(
    "/recommendations/<int:recommendation_id>/outcome",
    "POST",
    roles=STAFF.refusing(_l("Only bureau staff record outcomes.")),
)
def post_outcome(user, recommendation_id: int, data: bodies.OutcomeIn):
    """Record the higher authority's outcome; a win with a plan registers the project (from the application, or from
    `project`)"""
    row = upward.find_recommendation(recommendation_id)
    registration = None
    if data.project is not None:
        # The title and organization are the recommendation's, the plan the outcome's plan_id.
        registration = registration_input(
            data.project, title=row.title, organization_id=row.organization_id, plan_id=data.plan_id
        )
    upward.record_outcome(
        user,
        row,
        Outcome(data.outcome),
        data.document_no,
        settings(),
        date.today(),
        plan_id=data.plan_id,
        special_funds=data.special_funds,
        code=data.code,
        registration=registration,
    )
    return view.recommendation_json(row)


@route(
    "/recommendations",
    query={"year": "", "level": "national|provincial", "outcome": "won|not_won|pending", "page": "", "per_page": ""},
    roles=READERS,
)
def list_recommendations(user):
    """Recommendations upward"""
    outcome = request.args.get("outcome") or None
    if outcome not in (None, "won", "not_won", "pending"):
        raise ValidationFailed.one("outcome", _("One of %(values)s.", values="won, not_won, pending"))
    query = upward.recommendation_query(q_year(), q_enum("level", Level), outcome)
    return paginate(query, lambda row: view.recommendation_json(row[0]))


for _endpoint in ENDPOINTS:
    if _endpoint.rule == "/applications/<int:application_id>/attachments":
        _endpoint.upload = "file"
