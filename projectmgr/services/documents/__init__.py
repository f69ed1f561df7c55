"""The official documents as PDF (GB/T 9704-2012 layout): the acceptance certificate, the panel's
opinion, the task book and the annual evaluation notice. One module per document builds plain
data; `render` turns a template and that data into PDF bytes in memory."""

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...errors import NotFound
from ...extensions import db
from ...lifecycle import AFTER_CONCLUSION
from ...models import Project
from ...permissions import (
    can_read_certificate,
    can_read_evaluation_notice,
    can_read_panel_opinion,
    can_read_task_book,
    can_see_opinion_names,
    require,
)
from ...rules.settings import RuleSettings
from . import certificate, opinion
from .notice import notice_data
from .render import render_pdf
from .task_book import task_book_data

CERTIFICATE, OPINION, TASK_BOOK = "acceptance-certificate", "panel-opinion", "task-book"
KINDS = (CERTIFICATE, OPINION, TASK_BOOK)

READS = {
    CERTIFICATE: (can_read_certificate, _l("The acceptance certificate is for the bureau and the project's owner.")),
    OPINION: (can_read_panel_opinion, _l("The panel's opinion is for the bureau and the project's owner.")),
    TASK_BOOK: (can_read_task_book, _l("The task book is for bureau staff and leaders.")),
}


@dataclass(frozen=True)
class Document:
    filename: str
    pdf: bytes


def _exists(project: Project, kind: str) -> bool:
    if kind == CERTIFICATE:
        return certificate.certified(project)
    if kind == OPINION:
        try:
            opinion.concluded_panel(project)
        except NotFound:
            return False
        return True
    return True  # every registered project has its task book


def available(user, project: Project) -> list[str]:
    """The documents this user may open for this project now (the project page's links)."""
    return [k for k in KINDS if READS[k][0](user, project) and _exists(project, k)]


def project_document(user, project: Project, kind: str, settings: RuleSettings, today: date) -> Document:
    """403 for a role that may not have it, 404 for an unknown kind or one that does not exist yet.
    A certificate's number is assigned (and committed) the first time it is generated."""
    if kind not in KINDS:
        raise NotFound(_("No document '%(kind)s'. Known: %(known)s.", kind=kind, known=", ".join(KINDS)))
    allowed, refusal = READS[kind]
    require(allowed(user, project), refusal)
    with force_locale("zh"):
        if kind == CERTIFICATE:
            cert = certificate.assign_number(project, today)
            project = db.session.get(Project, project.id)
            data = certificate.certificate_data(project, cert, settings)
            return Document(f"{cert.number}.pdf", render_pdf("certificate.html", d=data))
        if kind == OPINION:
            named = can_see_opinion_names(user, project)
            data = opinion.opinion_data(project, named)
            suffix = "" if named else "-owner"
            return Document(f"{project.code}-panel-opinion{suffix}.pdf", render_pdf("opinion.html", d=data))
        return Document(f"{project.code}-task-book.pdf", render_pdf("task_book.html", d=task_book_data(project)))


def evaluation_notice(user, year: int, today: date) -> Document:
    require(can_read_evaluation_notice(user), _("The evaluation notice is for bureau staff and leaders."))
    with force_locale("zh"):
        data = notice_data(year, today)
        return Document(f"evaluation-notice-{year}.pdf", render_pdf("notice.html", d=data))


def year_certificates(year: int, settings: RuleSettings, today: date) -> list[Document]:
    """Every certificate of the projects concluded as passed in `year` (the command line)."""
    projects = db.session.scalars(
        select(Project)
        .where(
            Project.concluded_on >= date(year, 1, 1),
            Project.concluded_on <= date(year, 12, 31),
            Project.state.in_(AFTER_CONCLUSION),  # certificate.certified keeps the passed ones
        )
        .order_by(Project.code)
    ).all()
    ids = [p.id for p in projects if certificate.certified(p)]
    result = []
    with force_locale("zh"):
        for project_id in ids:
            project = db.session.get(Project, project_id)
            cert = certificate.assign_number(project, today)
            project = db.session.get(Project, project_id)
            data = certificate.certificate_data(project, cert, settings)
            result.append(Document(f"{cert.number}.pdf", render_pdf("certificate.html", d=data)))
    return result
