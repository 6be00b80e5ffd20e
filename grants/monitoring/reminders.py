"""remind_reports(): an email to every grantee whose progress report is due within 7 days or overdue and still not
submitted, at most once a week per report.

Run by `flask --app grants reports remind` (for example daily from cron or a systemd timer). The messages go to the
outbox in the caller's transaction; the outbox sender (`flask mail send`) delivers them. Two rules keep it weekly:
a dedupe key per report and ISO week (a second run in the same week queues nothing), and no reminder while one for
the same report was queued in the last 7 days (so a run on Sunday and another on Monday, two ISO weeks, still send
one). Each reminder is stamped with the run's clock, which is what the 7-day rule compares.
"""
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..formatting import to_program_time
from ..mail.outbox import absolute_url, queue_email
from ..models import Application, Grant, OutboxMessage, ProgressReport, User
from .queries import is_overdue
from ..models.monitoring import EDITABLE_REPORT_STATUSES as EDITABLE

TEMPLATE = "report_due"
DUE_SOON = timedelta(days=7)
QUIET_PERIOD = timedelta(days=7)


def reports_to_remind(today: date) -> list[tuple[ProgressReport, Application, User]]:
    """(report, application, grantee) for every report still to be written that is due by today + 7 days, for
    active grantees (one query)."""
    return list(db.session.execute(
        select(ProgressReport, Application, User)
        .join(Grant, Grant.id == ProgressReport.grant_id)
        .join(Application, Application.id == Grant.application_id)
        .join(User, User.id == Application.applicant_id)
        .where(ProgressReport.status.in_(EDITABLE), ProgressReport.due_on <= today + DUE_SOON,
               User.active.is_(True))
        .order_by(ProgressReport.due_on, ProgressReport.id)).all())


def recently_reminded(report_ids: list[int], now: datetime) -> set[int]:
    """The reports among these that had a reminder queued in the last 7 days (one query)."""
    return set(db.session.scalars(
        select(OutboxMessage.subject_id)
        .where(OutboxMessage.template == TEMPLATE, OutboxMessage.subject_type == ProgressReport.__tablename__,
               OutboxMessage.subject_id.in_(report_ids), OutboxMessage.created_at > now - QUIET_PERIOD)))


def dedupe_key(report: ProgressReport, today: date) -> str:
    year, week, _ = today.isocalendar()
    return f"report-due:{report.id}:{year}-W{week:02d}"


def remind_reports(now: datetime) -> int:
    """Queue this week's reminder for every report that needs one and has had none lately; returns how many."""
    today = to_program_time(now).date()
    rows = reports_to_remind(today)
    if not rows:
        return 0
    skip = recently_reminded([report.id for report, _, _ in rows], now)
    queued = 0
    for report, application, grantee in rows:
        if report.id in skip:
            continue
        message = queue_email(
            TEMPLATE, to=grantee, subject_object=report, dedupe_key=dedupe_key(report, today), report=report,
            application=application, overdue=is_overdue(report.status, report.due_on, today),
            url=absolute_url("monitoring.report", report_id=report.id))
        if message is not None:
            message.created_at = now
            queued += 1
    db.session.flush()
    return queued
