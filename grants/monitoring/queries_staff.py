"""Read helpers for the staff monitoring pages: the list of progress reports (program-wide or one call's, one
mechanism), a grant's reports and site visits, and what the review page shows besides the report itself.

Every page costs a fixed number of queries whatever the number of reports: the rows come from one query with the
grantee and call joined in (columns, not entities, so nothing loads lazily afterwards), and the counts per filter
from one aggregate query.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, select

from ..disbursements.queries import grantee_name
from ..disbursements.services import program_today
from ..extensions import db
from ..paging import PAGE_SIZE, Page, clamp, requested_page, small_int
from ..models import Application, Call, Grant, MonitoringFile, ProgressReport, ReportStatus, SiteVisit, localized
from .queries import is_overdue
from ..models.monitoring import EDITABLE_REPORT_STATUSES as EDITABLE

DUE_SOON_DAYS = 30
# Waiting for the grantee: not submitted yet, or sent back for changes. Past its due date such a report is overdue.
OPEN = EDITABLE

# The list's filters, in the order of the links above it: key → title.
STANDINGS = {
    "overdue": _l("Overdue"),
    "due_soon": _l("Due within %(days)d days", days=DUE_SOON_DAYS),
    "submitted": _l("Awaiting review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
}


def _standing_conditions(today: date) -> dict:
    """The SQL condition of each filter, for the program's day `today`."""
    waiting = ProgressReport.status.in_(OPEN)
    return {
        "overdue": and_(waiting, ProgressReport.due_on < today),
        "due_soon": and_(waiting, ProgressReport.due_on >= today,
                         ProgressReport.due_on <= today + timedelta(days=DUE_SOON_DAYS)),
        "submitted": ProgressReport.status == ReportStatus.SUBMITTED,
        "changes_requested": ProgressReport.status == ReportStatus.CHANGES_REQUESTED,
        "approved": ProgressReport.status == ReportStatus.APPROVED,
    }


def days_overdue(status: ReportStatus, due_on: date, today: date) -> int | None:
    """Days past the due date of a report still waiting for the grantee; None when it is not overdue."""
    return (today - due_on).days if is_overdue(status, due_on, today) else None


@dataclass(frozen=True)
class ReportFilters:
    """Read leniently from the query string: an unknown status, a call id that is not a number, a page past the end
    all mean "no filter" (or the last page) rather than an error."""

    standing: str = ""
    call_id: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args, *, call_id: int | None = None) -> "ReportFilters":
        """`call_id` fixes the call (the call's own reports page); otherwise the `call` argument chooses it."""
        standing = args.get("status", "")
        return cls(standing=standing if standing in STANDINGS else "",
                   call_id=call_id if call_id is not None else small_int(args.get("call")),
                   page=requested_page(args))


@dataclass(frozen=True)
class ReportRow:
    id: int
    number: int
    months_after_payment: int
    due_on: date
    status: ReportStatus
    days_overdue: int | None
    grant_id: int
    reference: str
    name: str
    business: str
    call_id: int
    call_code: str
    call_title: str


def _in_call(query, call_id: int | None):
    return query.where(Grant.call_id == call_id) if call_id is not None else query


def _counts(call_id: int | None, conditions: dict) -> dict:
    """How many reports each filter shows (and all of them under ""), in one aggregate query."""
    columns = [func.count(ProgressReport.id).label("all")] + [
        func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(key) for key, condition in conditions.items()]
    query = _in_call(select(*columns).select_from(ProgressReport)
                     .join(Grant, Grant.id == ProgressReport.grant_id), call_id)
    row = db.session.execute(query).one()._mapping
    return {"": int(row["all"]), **{key: int(row[key]) for key in conditions}}


def reports_page(filters: ReportFilters) -> Page:
    """The filtered reports, overdue first (the longest overdue at the top), then those awaiting review, those
    still to come, and the approved ones; within each by due date."""
    today = program_today()
    conditions = _standing_conditions(today)
    counts = _counts(filters.call_id, conditions)
    total = counts[filters.standing]
    page = clamp(filters.page, total, PAGE_SIZE)
    order = case((conditions["overdue"], 0), (ProgressReport.status == ReportStatus.SUBMITTED, 1),
                 (ProgressReport.status == ReportStatus.APPROVED, 3), else_=2)
    query = (select(ProgressReport.id, ProgressReport.number, ProgressReport.months_after_payment,
                    ProgressReport.due_on, ProgressReport.status, ProgressReport.grant_id, Application.reference,
                    Application.full_name_ar, Application.full_name_latin, Application.business_name,
                    Call.id.label("call_id"), Call.code, Call.title_ar, Call.title_en)
             .join(Grant, Grant.id == ProgressReport.grant_id)
             .join(Application, Application.id == Grant.application_id)
             .join(Call, Call.id == Grant.call_id)
             .order_by(order, ProgressReport.due_on, ProgressReport.id)
             .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    query = _in_call(query, filters.call_id)
    if filters.standing:
        query = query.where(conditions[filters.standing])
    rows = [ReportRow(id=row.id, number=row.number, months_after_payment=row.months_after_payment,
                      due_on=row.due_on, status=ReportStatus(row.status),
                      days_overdue=days_overdue(ReportStatus(row.status), row.due_on, today),
                      grant_id=row.grant_id, reference=row.reference or "",
                      name=grantee_name(row),  # the row carries full_name_ar and full_name_latin as the rule needs
                      business=row.business_name or "", call_id=row.call_id, call_code=row.code,
                      call_title=localized(row, "title"))
            for row in db.session.execute(query)]
    return Page(rows, page, total, PAGE_SIZE, counts)


@dataclass(frozen=True)
class CallChoice:
    id: int
    code: str
    title: str


def calls_with_reports() -> list[CallChoice]:
    """The calls whose grants have progress reports: the choices of the list's call filter."""
    has_reports = exists().where(Grant.call_id == Call.id, ProgressReport.grant_id == Grant.id)
    return [CallChoice(row.id, row.code, localized(row, "title"))
            for row in db.session.execute(select(Call.id, Call.code, Call.title_ar, Call.title_en)
                                          .where(has_reports).order_by(Call.code))]


# --- one grant -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportLine:
    report: ProgressReport
    days_overdue: int | None


@dataclass(frozen=True)
class VisitLine:
    visit: SiteVisit
    photos: int


def report_lines(grant_id: int) -> list[ReportLine]:
    """The grant's progress reports in order, each with its days overdue."""
    today = program_today()
    return [ReportLine(report, days_overdue(report.status, report.due_on, today))
            for report in db.session.scalars(select(ProgressReport).where(ProgressReport.grant_id == grant_id)
                                             .order_by(ProgressReport.number))]


def visit_lines(grant_id: int) -> list[VisitLine]:
    """The grant's site visits, the latest first, each with its number of photos (counted in the same query)."""
    photos = (select(func.count(MonitoringFile.id)).where(MonitoringFile.visit_id == SiteVisit.id)
              .correlate(SiteVisit).scalar_subquery())
    return [VisitLine(visit, int(count)) for visit, count in db.session.execute(
        select(SiteVisit, photos).where(SiteVisit.grant_id == grant_id)
        .order_by(SiteVisit.visited_on.desc(), SiteVisit.id.desc()))]
