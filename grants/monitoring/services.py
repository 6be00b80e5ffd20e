"""Monitoring verbs: schedule a grant's follow-up reports, save and submit them, review them, record site visits.

The first payment of a grant schedules its reports (the call's follow-up months after the payment
date). An approved report is a condition of the next tranche: tranche n+1 waits for report n when
the call schedules that many reports.
"""
import hashlib
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..applications.uploads import Upload, display_name, max_upload_bytes, megabytes, sniff_content_type
from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..mail.outbox import absolute_url, queue_email
from ..models import (
    BusinessStatus, Call, Grant, MonitoringFile, ProgressReport, ReportStatus, RevenueBand, SiteVisit, Tranche, User,
    utcnow,
)
from ..models.monitoring import EDITABLE_REPORT_STATUSES
from ..storage import storage

EDITABLE = EDITABLE_REPORT_STATUSES
MAX_FILES = 10
TEXT_LIMIT = 5000


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer days (31 Jan + 1 = 28/29 Feb)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule_reports(grant: Grant, first_paid_on: date) -> list[ProgressReport]:
    """The grant's follow-up reports, due the call's follow-up months after its first payment; once only."""
    if db.session.scalar(select(ProgressReport.id).where(ProgressReport.grant_id == grant.id).limit(1)):
        return []
    months = sorted({int(m) for m in (grant.call.followup_months or []) if int(m) > 0})
    reports = [ProgressReport(grant_id=grant.id, number=number, months_after_payment=m,
                              due_on=add_months(first_paid_on, m))
               for number, m in enumerate(months, start=1)]
    db.session.add_all(reports)
    db.session.flush()
    return reports


def _editable(actor: User, report: ProgressReport) -> None:
    if report.grant.application.applicant_id != actor.id:
        raise ActionRefused(_l("Only the grantee writes this report."))
    if report.status not in EDITABLE:
        raise ActionRefused(_l("This report has been submitted and can no longer be changed."))


def _count(value, field: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise ActionRefused(_l("Write a whole number."), field=field) from None
    if not 0 <= number <= 10_000:
        raise ActionRefused(_l("Write a number between 0 and 10,000."), field=field)
    return number


def save_report(actor: User, report: ProgressReport, values: dict) -> None:
    """Keep what the grantee wrote so far (a draft): nothing typed is lost, even before it is complete."""
    _editable(actor, report)
    if values.get("business_status"):
        report.business_status = BusinessStatus(values["business_status"])
    if values.get("revenue_band"):
        report.revenue_band = RevenueBand(values["revenue_band"])
    for field in ("jobs_women_full", "jobs_women_part", "jobs_men_full", "jobs_men_part"):
        if field in values:
            setattr(report, field, _count(values[field], field))
    for field in ("money_bought", "challenges"):
        if field in values:
            setattr(report, field, (values[field] or "").strip()[:TEXT_LIMIT])
    db.session.flush()


def missing_answers(report: ProgressReport) -> list[str]:
    """The fields a report needs before it can be submitted."""
    missing = []
    if report.business_status is None:
        missing.append("business_status")
    if report.revenue_band is None:
        missing.append("revenue_band")
    if not report.money_bought:
        missing.append("money_bought")
    return missing


def submit_report(actor: User, report: ProgressReport) -> None:
    db.session.refresh(report, with_for_update=True)
    _editable(actor, report)
    missing = missing_answers(report)
    if missing:
        raise ActionRefused(_l("Please answer this question before submitting."), field=missing[0])
    report.status, report.submitted_at = ReportStatus.SUBMITTED, utcnow()
    record(actor, "monitoring.submit_report", report.grant.application, report=report.number)
    # Flushed now: a review in the same transaction starts with refresh(), which expires the report before it
    # autoflushes, and would otherwise drop the submission (the disbursements demo submits and approves at once).
    db.session.flush()


def review_report(actor: User, report: ProgressReport, *, approve: bool, comment: str = "") -> None:
    """Staff approve a submitted report, or send it back asking for changes (with a comment the grantee reads)."""
    comment = (comment or "").strip()
    db.session.refresh(report, with_for_update=True)
    if report.status != ReportStatus.SUBMITTED:
        raise ActionRefused(_l("Only a submitted report can be reviewed."))
    if not approve and not comment:
        raise ActionRefused(_l("Write what the grantee should change."), field="comment")
    # Who and when first, the status last: reading actor.id may autoflush, and an approved report must have
    # its review time (a CHECK) whenever it is flushed.
    report.reviewed_by_id, report.reviewed_at, report.review_comment = actor.id, utcnow(), comment
    report.status = ReportStatus.APPROVED if approve else ReportStatus.CHANGES_REQUESTED
    application = report.grant.application
    record(actor, "monitoring.approve_report" if approve else "monitoring.request_changes", application,
           report=report.number, comment=comment or None)
    queue_email("report_reviewed", to=application.applicant, subject_object=application,
                dedupe_key=f"report-reviewed:{report.id}:{report.reviewed_at.isoformat()}", report=report,
                approved=approve, comment=comment, application=application,
                url=absolute_url("monitoring.report", report_id=report.id))


def check_upload(upload: Upload, *, existing: int = 0, field: str = "file") -> str:
    """The upload rules (the application ones: PDF, JPEG or PNG by content, within the size limit; at most
    MAX_FILES with the `existing` ones): the content type, or a refusal beside `field`. Forms that attach
    several files check them all with this before changing anything."""
    size = len(upload.data)
    if size == 0:
        raise ActionRefused(_l("The file is empty. Please choose the file again."), field=field)
    if size > max_upload_bytes():
        raise ActionRefused(_l("The file is larger than %(size)s MB. Please upload a smaller file, for example a "
                               "photo at a lower resolution.", size=megabytes(max_upload_bytes())), field=field)
    content_type = sniff_content_type(upload.data)
    if content_type is None:
        raise ActionRefused(_l("Only PDF, JPEG or PNG files can be uploaded, and this file is none of them."),
                            field=field)
    if existing >= MAX_FILES:
        raise ActionRefused(_l("At most %(num)d files can be attached.", num=MAX_FILES), field=field)
    return content_type


def add_file(actor: User, upload: Upload, *, report: ProgressReport | None = None, visit: SiteVisit | None = None,
             field: str = "file") -> MonitoringFile:
    """A photo or receipt for a report (by its grantee, while editable) or a visit (by staff): the application
    upload rules — PDF, JPEG or PNG by content, within the size limit."""
    if report is not None:
        _editable(actor, report)
        existing = len(report.files)
    else:
        existing = len(visit.files)
    content_type = check_upload(upload, existing=existing, field=field)
    size = len(upload.data)
    stored = MonitoringFile(report_id=getattr(report, "id", None), visit_id=getattr(visit, "id", None),
                            original_name=display_name(upload.filename, content_type),
                            storage_key=storage().save(upload.data), content_type=content_type, size_bytes=size,
                            sha256=hashlib.sha256(upload.data).hexdigest(), uploaded_by_id=actor.id)
    db.session.add(stored)
    db.session.flush()
    db.session.expire(report or visit, ["files"])
    grant = (report or visit).grant
    record(actor, "monitoring.add_file", grant.application, file=stored.id, report=getattr(report, "id", None),
           visit=getattr(visit, "id", None), sha256=stored.sha256)
    return stored


def remove_file(actor: User, report: ProgressReport, file: MonitoringFile) -> str:
    """Take a photo or receipt off a report while the grantee may still change it; returns its storage key for
    the caller to delete once the transaction is committed (a rolled-back removal must still find its file)."""
    if file.report_id != report.id:
        raise ActionRefused(_l("This file is not attached to this report."))
    db.session.refresh(report, with_for_update=True)  # not while a submission of the report is under way
    _editable(actor, report)
    key = file.storage_key
    record(actor, "monitoring.remove_file", report.grant.application, file=file.id, report=report.id,
           sha256=file.sha256)
    db.session.delete(file)
    db.session.flush()
    db.session.expire(report, ["files"])
    return key


def record_visit(actor: User, grant: Grant, *, visited_on: date, findings: str,
                 business_status: BusinessStatus | None = None, visitor_name: str = "") -> SiteVisit:
    findings = (findings or "").strip()
    if not findings:
        raise ActionRefused(_l("Write what the visit found."), field="findings")
    from ..disbursements.services import program_today

    if visited_on > program_today():  # the program's day, as staff type it (not UTC's, a day behind at night)
        raise ActionRefused(_l("The visit date cannot be in the future."), field="visited_on")
    visit = SiteVisit(grant_id=grant.id, visited_on=visited_on, visitor_id=actor.id,
                      visitor_name=(visitor_name or "").strip()[:200] or actor.full_name,
                      business_status=business_status, findings=findings[:TEXT_LIMIT])
    db.session.add(visit)
    db.session.flush()
    record(actor, "monitoring.visit", grant.application, visit=visit.id, visited_on=visited_on.isoformat())
    return visit


# --- the call's follow-up schedule ---------------------------------------------------------------------------

MAX_FOLLOWUP_MONTH = 60


def parse_followup_months(text: str) -> list[int]:
    """"3, 6, 12" (or "3 6 12", Arabic digits and commas too) as sorted, distinct whole months from 1 to 60."""
    cleaned = (text or "").translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹،؛;", "01234567890123456789,,,"))
    parts = cleaned.replace(",", " ").split()
    if not parts or not all(part.isascii() and part.isdigit() for part in parts):
        raise ActionRefused(_l("Write the months after the first payment when reports are due, as whole numbers "
                               "separated by commas, for example 3, 6, 12."), field="followup_months")
    months = sorted({int(part) for part in parts})
    if months[0] < 1 or months[-1] > MAX_FOLLOWUP_MONTH:
        raise ActionRefused(_l("Each month must be between 1 and %(most)d.", most=MAX_FOLLOWUP_MONTH),
                            field="followup_months")
    return months


def set_followup_months(actor: User, call: Call, text: str) -> list[int]:
    """The months after the first payment when the call's grants report. Grants whose reports are already
    scheduled (paid at least once) keep their reports; grants paid from now on follow the new months."""
    months = parse_followup_months(text)
    before = list(call.followup_months or [])
    call.followup_months = months
    db.session.flush()
    record(actor, "monitoring.followup_months", call, before=before, after=months)
    return months


# --- the tranche condition -----------------------------------------------------------------------------------

def report_conditions(tranche: Tranche):
    """Tranche i+1 waits for progress report i to be approved, when the call schedules that report."""
    from ..disbursements.services import Condition, active_tranches

    ids = [t.id for t in active_tranches(tranche.grant)]
    if tranche.id not in ids or ids.index(tranche.id) == 0:
        return []
    number = ids.index(tranche.id)
    months = sorted({int(m) for m in (tranche.grant.call.followup_months or []) if int(m) > 0})
    if number > len(months):
        return []
    report = db.session.scalar(select(ProgressReport).where(ProgressReport.grant_id == tranche.grant_id,
                                                            ProgressReport.number == number))
    return [Condition(f"report:{number}", str(_l("Progress report %(number)d approved", number=number)),
                      report is not None and report.status == ReportStatus.APPROVED)]

