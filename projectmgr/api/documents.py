"""The official documents as PDF (API.md: documents). A document is generated in memory for each
request and nothing is written to disk; a certificate's number is assigned the first time."""

from datetime import date
from functools import wraps

from flask import Response, g
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, Forbidden
from ..extensions import db
from ..permissions import READERS, Roles
from ..services import documents, settings
from ..services.projects import find_project
from .core import ENDPOINTS, Endpoint, bearer_user, bp, error_response

PDF = "application/pdf"
ANY = "any signed-in user (per document: staff and leaders; owners their certificate and opinion copy)"


def pdf_response(doc: documents.Document) -> Response:
    response = Response(doc.pdf, mimetype=PDF)
    response.headers["Content-Disposition"] = f'inline; filename="{doc.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def pdf_route(rule: str, *, summary: str, roles: Roles | str):
    """A GET answering with a PDF, or the documented error body."""

    def decorate(fn):
        @wraps(fn)
        def view(**kwargs):
            try:
                g.api_user = user = bearer_user()
                if isinstance(roles, Roles) and not roles.admits(user):
                    raise Forbidden(str(roles.refusal))
                doc = fn(user=user, **kwargs)
            except DomainError as exc:
                db.session.rollback()
                return error_response(exc)
            db.session.rollback()  # reading a document writes nothing (a new number commits itself)
            return pdf_response(doc)

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=["GET"])
        ENDPOINTS.append(Endpoint(rule, "GET", summary, "documents", None, {}, True, 200, roles, media_type=PDF))
        return view

    return decorate


@pdf_route(
    "/projects/<int:project_id>/documents/<kind>.pdf",
    summary="An official document of the project as PDF: `kind` is acceptance-certificate, panel-opinion "
    "or task-book; 404 before it exists (a certificate before the conclusion)",
    roles=ANY,
)
def get_project_document(user, project_id: int, kind: str):
    project = find_project(user, project_id)
    return documents.project_document(user, project, kind, settings(), date.today())


@pdf_route(
    "/evaluations/<int:year>/notice.pdf",
    summary="The annual evaluation notice of a year as PDF: the confirmed grades by level",
    roles=READERS.refusing(_l("The evaluation notice is for bureau staff and leaders.")),
)
def get_evaluation_notice(user, year: int):
    return documents.evaluation_notice(user, year, date.today())
