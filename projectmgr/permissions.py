"""Who may do what (DESIGN §11). Every "who may" question is a `can_<action>(user, obj)` here;
pages, the API and the services only ask these questions (and `require` to refuse)."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, true

from .errors import Forbidden
from .extensions import db
from .models import Application, ApplicationState, Panel, PanelMember, Project, Role, User


@dataclass(frozen=True)
class SystemActor:
    """The daily sweep and the command line: it fires the system's own transitions (expire) and
    holds no role, so no staff or owner check lets it through."""

    username: str = "system"
    id: None = None  # history rows record no user for it
    role: None = None
    organization_id: None = None
    is_staff: bool = False
    can_read_all: bool = False


SYSTEM = SystemActor()

Actor = User | SystemActor


@dataclass(frozen=True)
class Roles:
    """The roles an API route admits, as data: enforced before the body is read, described in the
    OpenAPI document; `refusal` is what a refused user reads."""

    members: tuple[Role, ...]
    refusal: str
    note: str = ""

    def admits(self, user: Actor) -> bool:
        return user.role in self.members

    def refusing(self, refusal: str) -> "Roles":
        return Roles(self.members, refusal, self.note)

    def noting(self, note: str) -> "Roles":
        return Roles(self.members, self.refusal, note)

    def __str__(self) -> str:
        names = ", ".join(r.value for r in self.members)
        return f"{names} ({self.note})" if self.note else names


STAFF = Roles((Role.staff, Role.admin), _l("Only bureau staff may do this."))
READERS = Roles((Role.staff, Role.leader, Role.admin), _l("This is for bureau staff and leaders."))
OWNERS = Roles((Role.owner,), _l("Only the project's owner records this."), "the project's owner")
EXPERTS = Roles((Role.expert,), _l("Only expert reviewers have reviews."))
ACCOUNT_KEEPERS = Roles(
    (Role.staff, Role.admin, Role.security_officer), _l("Only staff, admins and the security officer unlock accounts.")
)
SECURITY_OFFICERS = Roles((Role.security_officer,), _l("Only the security officer resets a second factor."))
AUDITORS = Roles((Role.auditor,), _l("Only the security auditor reads the audit log."))


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(str(message))


def _is_staff(user: Actor | None) -> bool:
    return user is not None and user.is_staff


def _reads_all(user: Actor | None) -> bool:
    return user is not None and user.can_read_all


def is_panel_member(user: User, project: Project) -> bool:
    return (
        db.session.scalar(
            select(PanelMember.id)
            .join(Panel, Panel.id == PanelMember.panel_id)
            .where(Panel.project_id == project.id, PanelMember.expert_id == user.id)
            .limit(1)
        )
        is not None
    )


def can_view_project(user: User, project: Project) -> bool:
    if user.can_read_all:
        return True
    if user.role == Role.owner:
        return project.organization_id == user.organization_id
    if user.role == Role.expert:
        return is_panel_member(user, project)
    return False


def is_project_owner(user: Actor | None, project: Project) -> bool:
    """Owners act for their organization's projects (DESIGN §11: 'own organization's')."""
    return user is not None and user.role == Role.owner and project.organization_id == user.organization_id


# --- staff's work -----------------------------------------------------------------------------


def can_register_project(user: Actor | None) -> bool:
    return _is_staff(user)


def can_flag_project(user: Actor | None, project: Project | None = None) -> bool:
    return _is_staff(user)


def can_record_disbursement(user: Actor | None, project: Project | None = None) -> bool:
    return _is_staff(user)


def can_decide_extension(user: Actor | None, project: Project | None = None) -> bool:
    return _is_staff(user)


def can_form_panel(user: Actor | None, project: Project | None = None) -> bool:
    return _is_staff(user)


def can_run_evaluation(user: Actor | None) -> bool:
    return _is_staff(user)


def can_keep_ledger(user: Actor | None) -> bool:
    return _is_staff(user)


def can_import_projects(user: Actor | None) -> bool:
    return _is_staff(user)


def can_import_ledger(user: Actor | None) -> bool:
    return can_keep_ledger(user)


def can_run_sweep(user: Actor | None) -> bool:
    """Staff start the sweep by hand; the scheduled one runs as SYSTEM."""
    return _is_staff(user) or user is SYSTEM


# Who may create which roles (DESIGN §11: staff create owners and experts, admins everyone).
CREATABLE_ROLES = {
    Role.admin: set(Role),
    Role.staff: {Role.owner, Role.expert},
}


def can_create_account(actor: Actor, role: Role) -> bool:
    """The command line (SYSTEM) installs the first accounts, so it may create any role."""
    return actor is SYSTEM or role in CREATABLE_ROLES.get(actor.role, set())


def can_manage_accounts(user: Actor | None) -> bool:
    return _is_staff(user)


def can_see_project_messages(user: Actor | None, project: Project | None = None) -> bool:
    """The reminders and messages sent about a project."""
    return _is_staff(user)


# --- accounts and the audit log (三员分立, issue 13 item 6) -----------------------------------


def _has_role(user: Actor | None, *roles: Role) -> bool:
    return user is not None and user.role in roles


def can_view_accounts(user: Actor | None) -> bool:
    """Staff and admins manage accounts; the security officer sees them (no project data)."""
    return _is_staff(user) or _has_role(user, Role.security_officer)


def can_change_account_status(user: Actor | None, target: User | None = None) -> bool:
    """Deactivate, reactivate, reset a password: staff and admins (staff only for the accounts
    they may create); nobody for their own account."""
    if not _is_staff(user) or (target is not None and target.id == user.id):
        return False
    return target is None or target.role in CREATABLE_ROLES.get(user.role, set())


def can_unlock_account(user: Actor | None, target: User | None = None) -> bool:
    return _is_staff(user) or _has_role(user, Role.security_officer)


def can_reset_second_factor(user: Actor | None, target: User | None = None) -> bool:
    return _has_role(user, Role.security_officer) and (target is None or target.id != user.id)


def can_see_security_settings(user: Actor | None) -> bool:
    return _has_role(user, Role.security_officer)


def can_read_audit_log(user: Actor | None) -> bool:
    """The auditor alone: the administrator keeps accounts and plans but never reads the log."""
    return _has_role(user, Role.auditor)


def can_read_project_history(user: Actor | None) -> bool:
    return _has_role(user, Role.auditor)
def can_be_responsible(user: User | None) -> bool:
    """Who may be named the staff member responsible for a project or a ledger target."""
    return _is_staff(user)


def can_own_projects(user: User | None) -> bool:
    """Who may be named a project's owner (of their organization's projects)."""
    return user is not None and user.role == Role.owner


# --- reading the bureau's records -------------------------------------------------------------


def can_export(user: Actor | None) -> bool:
    return _reads_all(user)


def can_read_overdue(user: Actor | None) -> bool:
    """The overdue radar (the bureau's dashboard)."""
    return _reads_all(user)


def can_read_evaluation(user: Actor | None) -> bool:
    return _reads_all(user)


def can_read_ledger(user: Actor | None) -> bool:
    return _reads_all(user)


def can_list_projects(user: Actor | None) -> bool:
    """The project list: everyone but experts, who reach their projects through their reviews, and
    the security officer and auditor, who see no project data (三员分立)."""
    return user is not None and user.role is not None and user.role not in (Role.expert, Role.auditor, Role.security_officer)


# --- official documents (PDF) -----------------------------------------------------------------


def can_read_task_book(user: Actor | None, project: Project) -> bool:
    return _reads_all(user)


def can_read_certificate(user: Actor | None, project: Project) -> bool:
    """The bureau, and the owner (the certificate is theirs)."""
    return _reads_all(user) or is_project_owner(user, project)


def can_read_panel_opinion(user: Actor | None, project: Project) -> bool:
    """The bureau, and the owner: their copy carries no member names (can_see_opinion_names)."""
    return _reads_all(user) or is_project_owner(user, project)


def can_see_opinion_names(user: Actor | None, project: Project) -> bool:
    """Who sat on the panel is the bureau's to see; the owner's copy of the opinion has blank lines."""
    return _reads_all(user)


def can_read_evaluation_notice(user: Actor | None) -> bool:
    return _reads_all(user)


# --- the expert pool --------------------------------------------------------------------------


def can_read_expert_pool(user: Actor | None) -> bool:
    return _is_staff(user)


def can_manage_expert_pool(user: Actor | None, expert: User | None = None) -> bool:
    """Staff take experts out of the pool for draws and back."""
    return _is_staff(user)


# --- the owner's work -------------------------------------------------------------------------


def can_record_for_project(user: Actor | None, project: Project) -> bool:
    """Expenditures, reports, extension requests, attachments."""
    return is_project_owner(user, project)


# --- experts and the blind scoring ------------------------------------------------------------


def can_review(user: Actor | None) -> bool:
    return user is not None and user.role == Role.expert


def can_score(user: Actor | None, member: PanelMember | None) -> bool:
    """A member of the current panel who has not stepped aside."""
    return can_review(user) and member is not None and member.conflict_declared_at is None


def can_see_panel(user: Actor | None, project: Project) -> bool:
    """Who the panel's members are is hidden from the project's owner."""
    return user is not None and user.role is not None and user.role != Role.owner


def can_see_panel_members(user: Actor | None, project: Project | None = None) -> bool:
    """The whole list of members (and who has scored): the bureau; an expert sees only their seat."""
    return _reads_all(user)


# The blind-scoring rule (DESIGN §6), in one place. Before a panel concludes, nobody but bureau staff
# sees anything of the other members' scoring: their sheets, totals, recommendations, names beside
# scores, or how many flagged the materials. After the conclusion everyone who sees the project sees
# the aggregate and the comments; who scored what stays with the bureau (staff and leaders).


def scoring_open(panel: Panel | None) -> bool:
    """A formed panel that has not concluded: the scoring is blind."""
    return panel is not None and panel.formed_on is not None and not panel.concluded


def can_see_others_scores(user: Actor | None, concluded: bool) -> bool:
    """May `user` see what the other members of a panel scored (`concluded`: has it concluded)?"""
    return _is_staff(user) or (user is not None and user.role is not None and concluded)


def can_see_draw_seed(user: Actor | None) -> bool:
    """A draw's seed is the bureau's audit record: staff see it; panel members and leaders do not
    (with it and the pool, a member could work out who else was drawn)."""
    return _is_staff(user)


def can_see_all_scores(user: Actor | None, concluded: bool) -> bool:
    """Every member's sheet under their name: the bureau, once the blind rule lets them see it."""
    return _reads_all(user) and can_see_others_scores(user, concluded)


def can_see_integrity_count(user: Actor | None, panel: Panel | None) -> bool:
    """How many members flagged the materials (the integrity check's figures)."""
    return can_see_others_scores(user, not scoring_open(panel))


def can_see_history_details(user: Actor | None) -> bool:
    """The per-member totals a conclusion records in the project's history. A history row does not
    say whether a later round is still scoring, so they go to those who may see other members'
    scores at any time: staff (leaders read the named sheets in the scores view instead)."""
    return can_see_others_scores(user, concluded=False)


def visible_projects(user: User):
    """A WHERE clause limiting a project query to what the user may see."""
    if user.can_read_all:
        return true()
    if user.role == Role.owner:
        return Project.organization_id == user.organization_id
    if user.role == Role.expert:
        return Project.id.in_(
            select(Panel.project_id)
            .join(PanelMember, PanelMember.panel_id == Panel.id)
            .where(PanelMember.expert_id == user.id)
        )
    return Project.id.is_(None)


# --- calls, applications and recommendations (DESIGN §13) -------------------------------------

# An owner edits an application until it is submitted, and again when the formal check returns it.
EDITABLE_APPLICATION_STATES = (ApplicationState.draft, ApplicationState.returned)


def can_manage_calls(user: Actor | None) -> bool:
    return _is_staff(user)


def can_apply(user: Actor | None) -> bool:
    """Owners apply for their own organization."""
    return user is not None and user.role == Role.owner and user.organization_id is not None


def is_application_owner(user: Actor | None, application: Application) -> bool:
    return user is not None and user.role == Role.owner and application.organization_id == user.organization_id


def can_edit_application(user: Actor | None, application: Application) -> bool:
    return is_application_owner(user, application) and application.state in EDITABLE_APPLICATION_STATES


def is_review_member(user: User, application: Application) -> bool:
    return (
        db.session.scalar(
            select(PanelMember.id)
            .join(Panel, Panel.id == PanelMember.panel_id)
            .where(Panel.application_id == application.id, PanelMember.expert_id == user.id)
            .limit(1)
        )
        is not None
    )


def can_view_application(user: Actor | None, application: Application) -> bool:
    if user is None:
        return False
    if user.can_read_all:
        return True
    if user.role == Role.owner:
        return application.organization_id == user.organization_id
    if user.role == Role.expert:
        return is_review_member(user, application)
    return False


def visible_applications(user: User):
    """A WHERE clause limiting an application query to what the user may see."""
    if user.can_read_all:
        return true()
    if user.role == Role.owner:
        return Application.organization_id == user.organization_id
    if user.role == Role.expert:
        return Application.id.in_(
            select(Panel.application_id)
            .join(PanelMember, PanelMember.panel_id == Panel.id)
            .where(PanelMember.expert_id == user.id)
        )
    return Application.id.is_(None)


def can_check_applications(user: Actor | None, application: Application | None = None) -> bool:
    """The formal check, review panels, ranking, the notice's objections and approval."""
    return _is_staff(user)


def can_read_public_notice(user: Actor | None) -> bool:
    """The public notice (公示) is for every signed-in user."""
    return user is not None and user.role is not None


def can_raise_objection(user: Actor | None) -> bool:
    return can_read_public_notice(user)


def can_recommend(user: Actor | None) -> bool:
    return _is_staff(user)


def can_read_recommendations(user: Actor | None) -> bool:
    return _reads_all(user)
