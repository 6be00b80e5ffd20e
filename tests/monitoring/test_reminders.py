"""Progress report reminders: to grantees whose report is due within 7 days or overdue and not submitted, at most
once a week per report (also across the Sunday/Monday of two ISO weeks), in the grantee's language."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from grants.disbursements.services import program_today
from grants.extensions import db
from grants.models import OutboxMessage, ProgressReport, User
from grants.monitoring import services
from grants.monitoring.reminders import remind_reports

from ..fixtures.i18n import translated
from ..fixtures.monitoring import COMPLETE, paid_grant, report_of
from ..fixtures.outbox import queued, run_committed
from ..fixtures.training import decided_call

UTC = timezone.utc
DUE = date(2026, 5, 20)  # a Wednesday


def at(day: date) -> datetime:
    """09:00 UTC: noon of the same day in Damascus."""
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def run(app, day: date) -> int:
    return run_committed(app, remind_reports, at(day))


def reminders(app) -> list[OutboxMessage]:
    return queued(app, "report_due")


def reminder_days(app, report_id) -> list[date]:
    return [m.created_at.date() for m in reminders(app) if m.subject_id == report_id]


@pytest.fixture
def call(app):
    return decided_call(app)


def report_due_on(app, make_user, call, due_on, *, locale="ar", **user_fields) -> tuple[int, int]:
    """(grantee id, report id): report 1 of a paid grant, due on `due_on` (report 2 due months later)."""
    grantee_id, grant_id = paid_grant(app, make_user, call, locale=locale)
    with app.app_context():
        report = report_of(grant_id)
        report.due_on = due_on
        report_of(grant_id, 2).due_on = due_on + timedelta(days=92)
        for name, value in user_fields.items():
            setattr(db.session.get(User, grantee_id), name, value)
        db.session.commit()
        return grantee_id, report.id


def submit(app, grantee_id, report_id):
    with app.app_context():
        report, grantee = db.session.get(ProgressReport, report_id), db.session.get(User, grantee_id)
        services.save_report(grantee, report, COMPLETE)
        services.submit_report(grantee, report)
        db.session.commit()


def test_daily_runs_for_three_weeks_remind_once_a_week_until_submitted(app, make_user, call):
    _, silent = report_due_on(app, make_user, call, DUE)
    writer_id, writer = report_due_on(app, make_user, call, DUE)
    first_day = DUE - timedelta(days=10)
    for offset in range(21):
        day = first_day + timedelta(days=offset)
        if day == DUE + timedelta(days=1):
            submit(app, writer_id, writer)
        run(app, day)
    week = timedelta(days=7)
    # Due within 7 days from DUE - 7, then weekly while it stays unsubmitted (overdue after DUE).
    assert reminder_days(app, silent) == [DUE - week, DUE, DUE + week]
    assert reminder_days(app, writer) == [DUE - week, DUE]  # submitted the day after it was due
    # Never two within 7 days, never report 2 (due months later).
    for days in (reminder_days(app, silent), reminder_days(app, writer)):
        assert all(later - earlier >= week for earlier, later in zip(days, days[1:]))
    assert {m.subject_id for m in reminders(app)} == {silent, writer}
    keys = [m.dedupe_key for m in reminders(app) if m.subject_id == silent]
    assert keys == [f"report-due:{silent}:{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}"
                    for d in reminder_days(app, silent)]


def test_a_sunday_and_the_next_monday_send_one_reminder(app, make_user, call):
    sunday = date(2026, 5, 17)
    assert sunday.isoweekday() == 7
    _, report = report_due_on(app, make_user, call, sunday + timedelta(days=3))
    assert run(app, sunday) == 1
    assert run(app, sunday + timedelta(days=1)) == 0  # a new ISO week, but only a day later
    assert run(app, sunday) == 0  # the same day again: nothing
    assert run(app, sunday + timedelta(days=6)) == 0
    assert run(app, sunday + timedelta(days=7)) == 1
    assert reminder_days(app, report) == [sunday, sunday + timedelta(days=7)]


def test_who_is_reminded(app, make_user, call):
    _, far = report_due_on(app, make_user, call, DUE + timedelta(days=8))
    _, soon = report_due_on(app, make_user, call, DUE + timedelta(days=7))
    _, late = report_due_on(app, make_user, call, DUE - timedelta(days=40))
    _, inactive = report_due_on(app, make_user, call, DUE, active=False)
    sent_back_id, sent_back = report_due_on(app, make_user, call, DUE - timedelta(days=1))
    approved_id, approved = report_due_on(app, make_user, call, DUE - timedelta(days=1))
    for grantee_id, report_id in ((sent_back_id, sent_back), (approved_id, approved)):
        submit(app, grantee_id, report_id)
    staff_id = make_user("staff").id
    with app.app_context():
        staff = db.session.get(User, staff_id)
        services.review_report(staff, db.session.get(ProgressReport, sent_back), approve=False, comment="صورة")
        db.session.commit()
        services.review_report(staff, db.session.get(ProgressReport, approved), approve=True)
        db.session.commit()
    assert run(app, DUE) == 3
    # Due within 7 days, long overdue, or sent back for changes; not later, not inactive people, not approved.
    assert sorted(m.subject_id for m in reminders(app)) == sorted([soon, late, sent_back])


def test_the_reminder_says_due_or_overdue_in_the_grantees_language(app, make_user, call):
    english_id, english = report_due_on(app, make_user, call, DUE + timedelta(days=5), locale="en",
                                        full_name="Sara Ahmad")
    arabic_id, arabic = report_due_on(app, make_user, call, DUE - timedelta(days=2))
    assert run(app, DUE) == 2
    by_report = {m.subject_id: m for m in reminders(app)}

    message = by_report[english]
    assert message.locale == "en" and message.recipient_id == english_id
    assert message.subject == "Progress report 1 is due on May 25, 2026"
    body = message.body_text
    assert "Hello Sara Ahmad," in body and "is due on May 25, 2026." in body and "overdue" not in body
    assert f"http://localhost/reports/{english}" in body
    assert f'href="http://localhost/reports/{english}"' in message.body_html

    message = by_report[arabic]
    assert message.locale == "ar" and message.recipient_id == arabic_id
    assert 'lang="ar" dir="rtl"' in message.body_html
    assert message.subject == translated(app, "Progress report %(number)s is overdue", "ar", number=1)
    assert f"http://localhost/reports/{arabic}" in message.body_text
    with app.app_context():
        application = db.session.get(ProgressReport, arabic).grant.application
        assert application.reference in message.body_text


def test_the_command_queues_and_reports(app, make_user, call):
    with app.app_context():
        today = program_today()
    report_due_on(app, make_user, call, today + timedelta(days=3))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reports", "remind"])
    assert first.exit_code == 0 and "queued 1 reminder(s)" in first.output
    assert "MAIL_SERVER is not set" in first.output
    second = runner.invoke(args=["reports", "remind"])
    assert second.exit_code == 0 and "queued 0 reminder(s)" in second.output
    assert len(reminders(app)) == 1


def test_the_outbox_sender_delivers_the_reminder(app, make_user, call, smtp_server):
    with app.app_context():
        today = program_today()
    grantee_id, report_id = report_due_on(app, make_user, call, today - timedelta(days=1), locale="en")
    with app.app_context():
        address = db.session.get(User, grantee_id).email
    runner = app.test_cli_runner()
    assert "queued 1 reminder(s)" in runner.invoke(args=["reports", "remind"]).output
    assert "sent 1, failed 0" in runner.invoke(args=["mail", "send"]).output
    [message] = smtp_server.to(address)
    assert message["Subject"] == "Progress report 1 is overdue"
    body = smtp_server.text_of(message)
    assert "has not been submitted yet" in body and f"http://localhost/reports/{report_id}" in body
