"""The official documents for signed-in users (the same services as the API): links on the
project page for those allowed, the PDF itself, and the evaluation notice."""

from datetime import date

from flask import Response, abort
from flask_login import current_user, login_required

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..services import documents, settings
from . import bp
from .pages import load_project


def _pdf(doc: documents.Document) -> Response:
    response = Response(doc.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{doc.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _serve(make) -> Response:
    try:
        doc = make()
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    finally:
        db.session.rollback()  # reading writes nothing (a new certificate number commits itself)
    return _pdf(doc)


@bp.route("/projects/<int:project_id>/documents/<kind>.pdf")
@login_required
def project_document(project_id: int, kind: str):
    project = load_project(project_id)
    return _serve(lambda: documents.project_document(current_user, project, kind, settings(), date.today()))


@bp.route("/evaluation/<int:year>/notice.pdf")
@login_required
def evaluation_notice(year: int):
    return _serve(lambda: documents.evaluation_notice(current_user, year, date.today()))
