"""Read helpers for the grantee's side of monitoring: a grant's reports, and the reports a grantee should write soon.

Each is one query whatever the number of reports; templates get plain lines and run no queries.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Application, Grant, ProgressReport, ReportStatus
from ..models.monitoring import EDITABLE_REPORT_STATUSES as EDITABLE

DASHBOARD_NOTICE = timedelta(days=14)  # the applicant dashboard mentions a report this long before it is due


def is_overdue(status: ReportStatus, due_on: date, today: date) -> bool:
    """Past its due date and still waiting for the grantee (never submitted, or sent back for changes)."""
    return status in EDITABLE and due_on < today


@dataclass(frozen=True)
class ReportLine:
    """A report as lists show it."""

    id: int
    application_id: int
    number: int
    due_on: date
    status: ReportStatus
    overdue: bool


def _lines(query, today: date) -> list[ReportLine]:
    rows = db.session.execute(query.order_by(Grant.application_id, ProgressReport.number))
    return [ReportLine(row.id, row.application_id, row.number, row.due_on, row.status,
                       is_overdue(row.status, row.due_on, today)) for row in rows]


def _report_lines():
    return (select(ProgressReport.id, Grant.application_id, ProgressReport.number, ProgressReport.due_on,
                   ProgressReport.status)
            .join(Grant, Grant.id == ProgressReport.grant_id))


def grant_reports(grant_id: int, today: date) -> list[ReportLine]:
    """Every progress report of the grant, first to last."""
    return _lines(_report_lines().where(ProgressReport.grant_id == grant_id), today)


def reports_to_write(user_id: int, today: date) -> dict[int, list[ReportLine]]:
    """application id → the user's reports still to be written that are due within 14 days or overdue."""
    query = (_report_lines().join(Application, Application.id == Grant.application_id)
             .where(Application.applicant_id == user_id, ProgressReport.status.in_(EDITABLE),
                    ProgressReport.due_on <= today + DASHBOARD_NOTICE))
    by_application: dict[int, list[ReportLine]] = {}
    for line in _lines(query, today):
        by_application.setdefault(line.application_id, []).append(line)
    return by_application
