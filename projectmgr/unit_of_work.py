"""The one commit path. Every entry point — API route, page, command line, the sweep — runs its
writes inside `committing()`, which commits once at the end and rolls back on any error. Services
only flush; what the database refuses at the flush or the commit becomes the documented 409:
a row changed since it was read (StaleDataError, the project's version column) is
`stale_version`, a duplicate or a vanished reference (IntegrityError) is `conflict`."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .errors import Conflict, StaleVersion
from .extensions import db

log = logging.getLogger(__name__)


@contextmanager
def committing() -> Iterator[None]:
    """`with committing(): ...` (or `@committing()` on a function): the block is one transaction."""
    try:
        yield
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleVersion(_("Someone else changed this project at the same time; reload and try again.")) from exc
    except IntegrityError as exc:
        db.session.rollback()
        # Logged: a constraint a service should have checked first is a bug to fix, not only a 409.
        log.warning("integrity error mapped to 409 conflict: %s", exc.orig)
        raise Conflict(_("This conflicts with a record saved at the same time; reload and try again.")) from exc
    except BaseException:
        db.session.rollback()
        raise
