"""Progress report verbs on the database: the schedule the first payment makes, due dates at month ends, drafts and
submission, staff review, the tranche that waits for an approved report, photos and receipts."""
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from grants.applications.uploads import Upload
from grants.disbursements import services as disbursements
from grants.disbursements.services import program_today
from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import (
    AuditEntry, BusinessStatus, MonitoringFile, OutboxMessage, PaymentMethod, ProgressReport, ReportStatus,
    RevenueBand, User,
)
from grants.monitoring import services
from grants.storage import storage

from ..disbursements.test_services import pay, staff_pair, to_letter
from ..fixtures.disbursements import grant, make_grant
from ..fixtures.monitoring import COMPLETE, paid_grant, report_of
from ..fixtures.training import decided_call

PDF = b"%PDF-1.4 receipt\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def user(user_id) -> User:
    return db.session.get(User, user_id)


def audit_actions(prefix="monitoring.") -> list[str]:
    return db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like(f"{prefix}%"))
                              .order_by(AuditEntry.id)).all()


def refusal_text(refusal) -> str:
    with force_locale("en"):
        return str(refusal.value.message)


@pytest.fixture
def report_world(ctx, make_user):
    """A grantee with report 1 of their paid grant due, and a staff member."""
    call = decided_call(ctx)
    grantee_id, grant_id = paid_grant(ctx, make_user, call)
    return {"grantee": user(grantee_id), "report": report_of(grant_id), "staff": user(make_user("staff").id),
            "grant": grant_id}


# --- the schedule ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),   # February is shorter: its last day
    (date(2028, 1, 31), 1, date(2028, 2, 29)),   # ... 29 days in a leap year
    (date(2028, 2, 29), 12, date(2029, 2, 28)),  # a leap day a year later
    (date(2025, 11, 30), 3, date(2026, 2, 28)),  # across the new year
    (date(2025, 12, 31), 1, date(2026, 1, 31)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 3, 31), 3, date(2026, 6, 30)),
    (date(2026, 10, 15), 3, date(2027, 1, 15)),
    (date(2026, 5, 20), 0, date(2026, 5, 20)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(start, months, expected):
    assert services.add_months(start, months) == expected


def test_the_first_payment_schedules_the_reports_once(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call)
    requester, approver = staff_pair(make_user)
    first, second = grant(grant_id).tranches[:2]
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 0  # nothing before any payment
    to_letter(first, requester, approver)
    paid_on = program_today() - timedelta(days=40)
    disbursements.record_payment(approver, first, method=PaymentMethod.CASH, reference="R-1", paid_on=paid_on)
    db.session.commit()
    reports = db.session.scalars(select(ProgressReport).where(ProgressReport.grant_id == grant_id)
                                 .order_by(ProgressReport.number)).all()
    assert [(r.number, r.months_after_payment, r.due_on, r.status) for r in reports] == [
        (1, 3, services.add_months(paid_on, 3), ReportStatus.DUE),
        (2, 6, services.add_months(paid_on, 6), ReportStatus.DUE)]
    # Asking again schedules nothing more.
    assert services.schedule_reports(grant(grant_id), program_today()) == []

    # Tranche 2 waits for report 1 to be approved ...
    assert [c.key for c in disbursements.conditions(second) if not c.met] == ["report:1"]
    with force_locale("en"), pytest.raises(ActionRefused) as refusal:
        disbursements.request_tranche(requester, second)
    assert "Progress report 1 approved" in refusal_text(refusal)
    report = reports[0]
    grantee = report.grant.application.applicant
    services.save_report(grantee, report, COMPLETE)
    services.submit_report(grantee, report)
    with pytest.raises(ActionRefused):  # submitted is not approved yet
        disbursements.request_tranche(requester, second)
    services.review_report(approver, report, approve=True)
    db.session.commit()
    # ... then it may go, and its payment (not the first) schedules nothing new.
    to_letter(second, requester, approver)
    pay(second, approver)
    db.session.commit()
    assert db.session.scalars(select(ProgressReport.due_on).where(ProgressReport.grant_id == grant_id)
                              .order_by(ProgressReport.number)).all() == [r.due_on for r in reports]


def test_a_call_without_follow_up_schedules_nothing_and_tranches_do_not_wait(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = paid_grant(ctx, make_user, call, followup=())
    assert db.session.scalar(select(func.count(ProgressReport.id))) == 0
    second = grant(grant_id).tranches[1]
    assert [c.key for c in disbursements.conditions(second)] == ["previous_paid"]


# --- drafts and submission -------------------------------------------------------------------------------------

def test_a_draft_keeps_what_was_written_and_submission_needs_the_answers(ctx, report_world):
    grantee, report = report_world["grantee"], report_world["report"]
    services.save_report(grantee, report, {"jobs_women_full": "2", "challenges": "  الكهرباء  "})
    db.session.commit()
    assert (report.jobs_women_full, report.challenges, report.business_status) == (2, "الكهرباء", None)
    assert services.missing_answers(report) == ["business_status", "revenue_band", "money_bought"]
    with pytest.raises(ActionRefused) as refusal:
        services.submit_report(grantee, report)
    assert refusal.value.field == "business_status"
    assert refusal_text(refusal) == "Please answer this question before submitting."
    assert report.status == ReportStatus.DUE and report.jobs_women_full == 2  # nothing lost by the refusal

    services.save_report(grantee, report, {"business_status": "paused", "revenue_band": "none"})
    assert services.missing_answers(report) == ["money_bought"]
    services.save_report(grantee, report, {"money_bought": "ماكينة"})
    services.submit_report(grantee, report)
    db.session.commit()
    assert (report.status, report.business_status, report.revenue_band) == (
        ReportStatus.SUBMITTED, BusinessStatus.PAUSED, RevenueBand.NONE)
    assert report.submitted_at is not None and report.jobs_total == 2
    # Submitted: no second submission, no more changes; one audit row.
    for attempt in (lambda: services.submit_report(grantee, report),
                    lambda: services.save_report(grantee, report, {"challenges": "x"})):
        with pytest.raises(ActionRefused) as refusal:
            attempt()
        assert "can no longer be changed" in refusal_text(refusal)
    assert audit_actions() == ["monitoring.submit_report"]


@pytest.mark.parametrize("values, field", [
    ({"jobs_men_full": "-1"}, "jobs_men_full"), ({"jobs_men_part": "10001"}, "jobs_men_part"),
    ({"jobs_women_part": "two"}, "jobs_women_part"),
])
def test_job_counts_must_be_whole_numbers_in_range(ctx, report_world, values, field):
    with pytest.raises(ActionRefused) as refusal:
        services.save_report(report_world["grantee"], report_world["report"], values)
    assert refusal.value.field == field


def test_only_the_grantee_writes_the_report(ctx, report_world, make_user):
    other = user(make_user("applicant").id)
    for actor in (other, report_world["staff"]):
        with pytest.raises(ActionRefused):
            services.save_report(actor, report_world["report"], COMPLETE)


# --- review --------------------------------------------------------------------------------------------------

def test_review_asks_for_changes_with_a_comment_then_approves(ctx, report_world):
    grantee, report, staff = report_world["grantee"], report_world["report"], report_world["staff"]
    with pytest.raises(ActionRefused) as refusal:  # not submitted yet
        services.review_report(staff, report, approve=True)
    assert "Only a submitted report" in refusal_text(refusal)
    services.save_report(grantee, report, COMPLETE)
    services.submit_report(grantee, report)
    db.session.commit()
    with pytest.raises(ActionRefused) as refusal:
        services.review_report(staff, report, approve=False, comment="   ")
    assert refusal.value.field == "comment" and report.status == ReportStatus.SUBMITTED

    services.review_report(staff, report, approve=False, comment="أرفق صورة الفاتورة.")
    db.session.commit()
    assert (report.status, report.review_comment, report.reviewed_by_id) == (
        ReportStatus.CHANGES_REQUESTED, "أرفق صورة الفاتورة.", staff.id)
    # The grantee may change it again and submit it again.
    services.save_report(grantee, report, {"challenges": "أرفقت الفاتورة"})
    services.add_file(grantee, Upload("فاتورة.pdf", PDF), report=report)
    services.submit_report(grantee, report)
    db.session.commit()
    services.review_report(staff, report, approve=True)
    db.session.commit()
    assert report.status == ReportStatus.APPROVED and report.reviewed_at is not None
    with pytest.raises(ActionRefused):  # reviewed already
        services.review_report(staff, report, approve=True)
    assert audit_actions() == ["monitoring.submit_report", "monitoring.request_changes", "monitoring.add_file",
                               "monitoring.submit_report", "monitoring.approve_report"]
    emails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "report_reviewed")
                                .order_by(OutboxMessage.id)).all()
    assert [m.recipient_id for m in emails] == [grantee.id, grantee.id]
    assert "أرفق صورة الفاتورة." in emails[0].body_text
    assert f"http://localhost/reports/{report.id}" in emails[0].body_text


# --- photos and receipts ---------------------------------------------------------------------------------------

def test_upload_rules(ctx, report_world):
    grantee, report = report_world["grantee"], report_world["report"]
    ctx.config["UPLOAD_MAX_BYTES"] = 1024
    cases = [(Upload("empty.pdf", b""), "The file is empty"),
             (Upload("big.pdf", b"%PDF-" + b"0" * 1100), "larger than"),
             (Upload("program.pdf", b"MZ\x90\x00 not a pdf"), "Only PDF, JPEG or PNG")]
    for upload, message in cases:
        with pytest.raises(ActionRefused) as refusal:
            services.add_file(grantee, upload, report=report)
        assert refusal.value.field == "file" and message in refusal_text(refusal)
    stored = services.add_file(grantee, Upload("../../photo.png", PNG), report=report)
    assert (stored.original_name, stored.content_type, stored.size_bytes) == ("photo.png", "image/png", len(PNG))
    assert storage().read(stored.storage_key) == PNG
    for n in range(services.MAX_FILES - 1):
        services.add_file(grantee, Upload(f"r{n}.pdf", PDF), report=report)
    with pytest.raises(ActionRefused) as refusal:
        services.add_file(grantee, Upload("one-too-many.pdf", PDF), report=report)
    assert "At most 10 files" in refusal_text(refusal)
    db.session.commit()
    assert db.session.scalar(select(func.count(MonitoringFile.id))) == services.MAX_FILES


def test_files_are_removed_only_while_the_report_can_change(ctx, report_world, make_user):
    grantee, report = report_world["grantee"], report_world["report"]
    kept = services.add_file(grantee, Upload("a.pdf", PDF), report=report)
    gone = services.add_file(grantee, Upload("b.pdf", PDF), report=report)
    db.session.commit()
    with pytest.raises(ActionRefused):  # somebody else's report
        services.remove_file(user(make_user("applicant").id), report, gone)
    key = services.remove_file(grantee, report, gone)
    db.session.commit()
    assert key and [f.id for f in report.files] == [kept.id]
    services.save_report(grantee, report, COMPLETE)
    services.submit_report(grantee, report)
    db.session.commit()
    with pytest.raises(ActionRefused) as refusal:
        services.remove_file(grantee, report, kept)
    assert "can no longer be changed" in refusal_text(refusal)
    with pytest.raises(ActionRefused):
        services.add_file(grantee, Upload("late.pdf", PDF), report=report)
    assert [f.id for f in report.files] == [kept.id]
    assert audit_actions() == ["monitoring.add_file", "monitoring.add_file", "monitoring.remove_file",
                               "monitoring.submit_report"]
