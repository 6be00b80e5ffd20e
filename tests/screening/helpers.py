"""Helpers for the screening tests: applicants in bulk, changing an application's columns, reading pages."""
import html
import re

from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, AuditEntry, DuplicateFlag

from ..fixtures.program import make_application
from ..fixtures.routes import counting_statements  # noqa: F401  (screening tests import it from here)
from ..fixtures.rows import detached


def submit(app, make_user, call_id, **answers) -> int:
    """A submitted application by a new applicant; returns its id."""
    applicant = make_user("applicant")
    return make_application(app, applicant.id, call_id, submit=True, **answers)


def update(app, application_id, **columns) -> None:
    with app.app_context():
        application = db.session.get(Application, application_id)
        for key, value in columns.items():
            setattr(application, key, value)
        db.session.commit()


def reference(app, application_id) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).reference


def listed(response) -> list[str]:
    """The references on a list page, in the order shown."""
    return re.findall(r'<td dir="ltr"><a href="/staff/applications/\d+">([A-Z0-9]+-\d+)</a>',
                      response.get_data(as_text=True))


def error_beside(response, field_id) -> str | None:
    """The error text the field() macro prints beside a field, or None."""
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)).strip() if match else None


def flashes(response) -> str:
    return html.unescape(" ".join(re.findall(r'<div class="notice notice-\w+" role="\w+">(.*?)</div>',
                                             response.get_data(as_text=True), re.S)))


def audit_rows(app, subject_type="applications", subject_id=None, action=None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.subject_type == subject_type).order_by(AuditEntry.id)
    if subject_id is not None:
        query = query.where(AuditEntry.subject_id == subject_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return detached(app, query)


def flags(app, call_id=None) -> list[tuple]:
    """(application_id, other_id, kind, status, similarity) of every flag, in id order."""
    with app.app_context():
        query = select(DuplicateFlag).order_by(DuplicateFlag.id)
        if call_id is not None:
            query = query.where(DuplicateFlag.call_id == call_id)
        return [(f.application_id, f.other_id, f.kind.value, f.status.value, f.similarity)
                for f in db.session.scalars(query)]


