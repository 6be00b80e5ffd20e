"""The donor workbook: one sheet each for applications, decisions, grants and tranches, training and progress
reports of the filtered applications, and a summary sheet with the headline figures and every dashboard table.

Every sheet is one SQL query (joins and aggregate subqueries, read row by row) written straight into a write-only
workbook, so the export costs the same few queries whatever the number of applications. Rows are keyed by the
application reference, a pseudonym only staff can resolve; names, e-mail, phone, national ID and the free-text
answers that may name people are columns marked `personal` and written only when staff ask for personal data.
"""
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from ..audit import record
# The ledger's reading of a tranche's percentage ("33.33") as a number the spreadsheet can add up.
from ..disbursements.ledger import _percentage as percentage_number
from ..extensions import db
from ..formatting import from_program_time, to_program_time
from ..i18n import text_direction
from ..models import (
    Application, Attendance, Call, Certificate, Course, CourseSession, Decision, Enrolment, Grant, Place, PlaceKind,
    ProgressReport, Sector, Tranche, User, localized,
)
from ..screening.exports import XLSX_TYPE  # noqa: F401  (the routes send the workbook with it)
from ..screening.queries import AGE_BANDS
from ..training.completion import CourseProgress
from . import stats

Row = Any  # a SQLAlchemy result row of one sheet's query


# --- which applications ----------------------------------------------------------------------------------------

def application_conditions(filters: stats.Filters) -> list:
    """WHERE clauses on Application for the filters: applications once submitted (withdrawn ones too, their status
    says so; drafts are nobody's business but the applicant's), of the call, submitted within the period (program
    days), of applicants living in the district or one of its subdistricts, as the dashboard counts them."""
    conditions = [Application.submitted_at.is_not(None)]
    if filters.call_id is not None:
        conditions.append(Application.call_id == filters.call_id)
    if filters.start is not None:
        conditions.append(Application.submitted_at >= from_program_time(datetime.combine(filters.start, time.min)))
    if filters.end is not None:
        next_day = datetime.combine(filters.end + timedelta(days=1), time.min)
        conditions.append(Application.submitted_at < from_program_time(next_day))
    if filters.district_id is not None:
        in_district = select(Place.id).where(or_(Place.id == filters.district_id,
                                                 Place.parent_id == filters.district_id))
        conditions.append(Application.place_id.in_(in_district))
    return conditions


# --- cell values -----------------------------------------------------------------------------------------------

def title_of(value) -> str:
    """An enum's translated title, or an empty cell."""
    return str(value.title) if value is not None else ""


def yes_no(value) -> str:
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def program_day(moment: datetime | None) -> date | None:
    return to_program_time(moment).date() if moment else None


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int | None) -> str:
    """The dashboard's age band of an age (its bands and labels, grants.monitoring.stats)."""
    titles = stats.age_band_titles()
    if age is None:
        return titles[stats.NOT_STATED]
    for band, (low, high) in AGE_BANDS.items():
        if low <= age <= high:
            return titles[band]
    return titles[stats.OTHER_AGES]


# --- sheets ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    header: Any                      # a lazy msgid: translated when the workbook is written
    value: Callable[[Row], Any]
    width: int = 14
    personal: bool = False           # written only when personal data is asked for


@dataclass(frozen=True)
class Sheet:
    key: str
    title: Any
    columns: list[Column]
    query: Callable[[stats.Filters], Any]


def _reference_columns() -> list[Column]:
    """The columns every data sheet starts with: the pseudonymous key, the call, then (when asked) who it is."""
    return [
        Column(_l("Reference"), lambda r: r.reference, 16),
        Column(_l("Call"), lambda r: r.call_code, 10),
        Column(_l("Name in Arabic"), lambda r: r.full_name_ar or "", 28, personal=True),
        Column(_l("Name in Latin letters"), lambda r: r.full_name_latin or "", 28, personal=True),
    ]


def _with_applicant(statement, *, contact: bool = False):
    """The reference, call code and (read, written only when asked) names of the application in each row."""
    columns = [Application.reference, Call.code.label("call_code"), Application.full_name_ar,
               Application.full_name_latin]
    if contact:
        columns += [User.email, Application.phone, Application.national_id, Application.business_name]
    return statement.add_columns(*columns)


def _applications_query(filters):
    place, parent = aliased(Place), aliased(Place)
    statement = (select(Application.id, Application.status, Application.submitted_at, Application.gender,
                        Application.date_of_birth, Application.disability, Application.education, Application.stage,
                        Application.women_led, Application.jobs_women, Application.jobs_men,
                        Application.budget_total, Application.requested_amount, Application.own_contribution,
                        Application.eligible, Application.eligibility_overridden, Application.screening_status,
                        Call.closes_at, Call.currency, place.kind.label("place_kind"),
                        place.name_ar.label("place_name_ar"), place.name_en.label("place_name_en"),
                        parent.name_ar.label("parent_name_ar"), parent.name_en.label("parent_name_en"),
                        Sector.name_ar.label("sector_name_ar"), Sector.name_en.label("sector_name_en")))
    return (_with_applicant(statement, contact=True)
            .select_from(Application)
            .join(Call, Call.id == Application.call_id)
            .join(User, User.id == Application.applicant_id)
            .outerjoin(place, place.id == Application.place_id)
            .outerjoin(parent, parent.id == place.parent_id)
            .outerjoin(Sector, Sector.id == Application.sector_id)
            .where(*application_conditions(filters))
            .order_by(Application.reference))


def _district(row) -> str:
    if row.place_kind == PlaceKind.SUBDISTRICT:
        return localized(row, "parent_name")
    return localized(row, "place_name") if row.place_kind == PlaceKind.DISTRICT else ""


def _subdistrict(row) -> str:
    return localized(row, "place_name") if row.place_kind == PlaceKind.SUBDISTRICT else ""


def _age(row) -> int | None:
    return age_on(row.date_of_birth, program_day(row.closes_at))


def _eligible(row) -> str:
    if row.eligibility_overridden:
        return _("Yes (ruled by staff)")
    return yes_no(row.eligible)


APPLICATIONS = Sheet("applications", _l("Applications"), [
    *_reference_columns(),
    Column(_l("Email"), lambda r: r.email, 28, personal=True),
    Column(_l("Phone"), lambda r: r.phone or "", 16, personal=True),
    Column(_l("National ID"), lambda r: r.national_id or "", 16, personal=True),
    Column(_l("Business name"), lambda r: r.business_name or "", 28, personal=True),
    Column(_l("Status"), lambda r: title_of(r.status)),
    Column(_l("Submitted on"), lambda r: program_day(r.submitted_at), 12),
    Column(_l("Gender"), lambda r: title_of(r.gender), 10),
    Column(_l("Age at the closing date"), _age, 10),
    Column(_l("Age band"), lambda r: age_band(_age(r)), 10),
    Column(_l("District"), _district, 16),
    Column(_l("Subdistrict"), _subdistrict, 16),
    Column(_l("Sector"), lambda r: localized(r, "sector_name"), 24),
    Column(_l("Stage"), lambda r: title_of(r.stage), 18),
    Column(_l("Women-led business"), lambda r: yes_no(r.women_led), 10),
    Column(_l("Disability"), lambda r: title_of(r.disability), 12),
    Column(_l("Education"), lambda r: title_of(r.education), 18),
    Column(_l("Jobs planned for women"), lambda r: r.jobs_women, 10),
    Column(_l("Jobs planned for men"), lambda r: r.jobs_men, 10),
    Column(_l("Currency"), lambda r: r.currency.value, 8),
    Column(_l("Budget total"), lambda r: r.budget_total),
    Column(_l("Amount requested"), lambda r: r.requested_amount),
    Column(_l("Own contribution"), lambda r: r.own_contribution),
    Column(_l("Eligible"), _eligible, 12),
    Column(_l("Screening status"), lambda r: title_of(r.screening_status), 18),
], _applications_query)


def _decisions_query(filters):
    statement = select(Decision.outcome, Decision.awarded_amount, Decision.rank, Decision.score,
                       Decision.waitlist_position, Decision.decided_at, Decision.released_at, Decision.response,
                       Decision.responded_at, Call.currency)
    return (_with_applicant(statement)
            .select_from(Decision)
            .join(Application, Application.id == Decision.application_id)
            .join(Call, Call.id == Application.call_id)
            .where(*application_conditions(filters))
            .order_by(Application.reference))


DECISIONS = Sheet("decisions", _l("Decisions"), [
    *_reference_columns(),
    Column(_l("Outcome"), lambda r: title_of(r.outcome)),
    Column(_l("Rank"), lambda r: r.rank, 8),
    Column(_l("Score"), lambda r: float(r.score) if r.score is not None else None, 8),
    Column(_l("Waiting list position"), lambda r: r.waitlist_position, 10),
    Column(_l("Currency"), lambda r: r.currency.value, 8),
    Column(_l("Amount awarded"), lambda r: r.awarded_amount),
    Column(_l("Decided on"), lambda r: program_day(r.decided_at), 12),
    Column(_l("Released on"), lambda r: program_day(r.released_at), 12),
    Column(_l("Answer"), lambda r: title_of(r.response) if r.released_at else "", 16),
    Column(_l("Answered on"), lambda r: program_day(r.responded_at), 12),
], _decisions_query)


def _tranches_query(filters):
    statement = select(Grant.amount.label("grant_amount"), Grant.paid_total, Grant.created_at, Tranche.number,
                       Tranche.percentage, Tranche.amount, Tranche.status, Tranche.requested_at, Tranche.approved_at,
                       Tranche.paid_on, Tranche.payment_method, Tranche.payment_reference, Call.currency)
    return (_with_applicant(statement)
            .select_from(Grant)
            .join(Application, Application.id == Grant.application_id)
            .join(Call, Call.id == Application.call_id)
            .outerjoin(Tranche, Tranche.grant_id == Grant.id)
            .where(*application_conditions(filters))
            .order_by(Application.reference, Tranche.number))


GRANTS = Sheet("grants", _l("Grants and tranches"), [
    *_reference_columns(),
    Column(_l("Currency"), lambda r: r.currency.value, 8),
    Column(_l("Grant amount"), lambda r: r.grant_amount),
    Column(_l("Paid to date"), lambda r: r.paid_total),
    Column(_l("Grant made on"), lambda r: program_day(r.created_at), 12),
    Column(_l("Tranche"), lambda r: r.number, 8),
    Column(_l("Percentage"), lambda r: percentage_number(r.percentage) if r.percentage else None, 10),
    Column(_l("Tranche amount"), lambda r: r.amount),
    Column(_l("Tranche status"), lambda r: title_of(r.status), 14),
    Column(_l("Requested on"), lambda r: program_day(r.requested_at), 12),
    Column(_l("Approved on"), lambda r: program_day(r.approved_at), 12),
    Column(_l("Paid on"), lambda r: r.paid_on, 12),
    Column(_l("Payment method"), lambda r: title_of(r.payment_method), 14),
    Column(_l("Payment reference"), lambda r: r.payment_reference or "", 18, personal=True),
], _tranches_query)


def _training_query(filters):
    # A person may have applied to several of the filtered calls: each enrolment is listed once, under the
    # person's latest application among them.
    latest = (select(Application.applicant_id, func.max(Application.id).label("application_id"))
              .where(*application_conditions(filters)).group_by(Application.applicant_id).subquery())
    sessions = (select(CourseSession.course_id, func.count().label("total"),
                       func.count(CourseSession.attendance_taken_at).label("held"))
                .group_by(CourseSession.course_id).subquery())
    attended = (select(Attendance.enrolment_id,
                       func.sum(case((Attendance.present.is_(True), 1), else_=0)).label("attended"))
                .group_by(Attendance.enrolment_id).subquery())
    statement = select(Course.title_ar.label("course_title_ar"), Course.title_en.label("course_title_en"),
                       Course.topic, Course.completion_percent, Enrolment.status.label("enrolment_status"),
                       Enrolment.enrolled_at, Enrolment.left_at,
                       func.coalesce(attended.c.attended, 0).label("attended"),
                       func.coalesce(sessions.c.held, 0).label("held"),
                       func.coalesce(sessions.c.total, 0).label("total"),
                       Certificate.number.label("certificate_number"), Certificate.issued_at.label("certified_at"),
                       Certificate.revoked_at)
    return (_with_applicant(statement)
            .select_from(Enrolment)
            .join(latest, latest.c.applicant_id == Enrolment.user_id)
            .join(Application, Application.id == latest.c.application_id)
            .join(Call, Call.id == Application.call_id)
            .join(Course, Course.id == Enrolment.course_id)
            .outerjoin(sessions, sessions.c.course_id == Enrolment.course_id)
            .outerjoin(attended, attended.c.enrolment_id == Enrolment.id)
            .outerjoin(Certificate, Certificate.enrolment_id == Enrolment.id)
            .order_by(Application.reference, Course.id))


def _progress(row) -> CourseProgress:
    return CourseProgress(attended=int(row.attended), held=int(row.held), total=int(row.total),
                          percent=row.completion_percent)


def _certified_on(row) -> date | None:
    return program_day(row.certified_at) if row.certificate_number and not row.revoked_at else None


TRAINING = Sheet("training", _l("Training"), [
    *_reference_columns(),
    Column(_l("Course"), lambda r: localized(r, "course_title"), 28),
    Column(_l("Topic"), lambda r: title_of(r.topic), 16),
    Column(_l("Enrolment"), lambda r: title_of(r.enrolment_status), 16),
    Column(_l("Enrolled on"), lambda r: program_day(r.enrolled_at), 12),
    Column(_l("Left on"), lambda r: program_day(r.left_at), 12),
    Column(_l("Sessions attended"), lambda r: int(r.attended), 10),
    Column(_l("Sessions held"), lambda r: int(r.held), 10),
    Column(_l("Sessions in the course"), lambda r: int(r.total), 10),
    Column(_l("Progress"), lambda r: title_of(_progress(r).status), 14),
    Column(_l("Certificate issued on"), _certified_on, 12),
    # The public verification page shows the holder's name: the number identifies the person.
    Column(_l("Certificate number"), lambda r: r.certificate_number or "", 20, personal=True),
], _training_query)


def _reports_query(filters):
    statement = select(ProgressReport.number, ProgressReport.months_after_payment, ProgressReport.due_on,
                       ProgressReport.status.label("report_status"), ProgressReport.business_status,
                       ProgressReport.revenue_band, ProgressReport.jobs_women_full, ProgressReport.jobs_women_part,
                       ProgressReport.jobs_men_full, ProgressReport.jobs_men_part, ProgressReport.money_bought,
                       ProgressReport.challenges, ProgressReport.submitted_at, ProgressReport.reviewed_at)
    return (_with_applicant(statement)
            .select_from(ProgressReport)
            .join(Grant, Grant.id == ProgressReport.grant_id)
            .join(Application, Application.id == Grant.application_id)
            .join(Call, Call.id == Application.call_id)
            .where(*application_conditions(filters))
            .order_by(Application.reference, ProgressReport.number))


REPORTS = Sheet("reports", _l("Progress reports"), [
    *_reference_columns(),
    Column(_l("Report"), lambda r: r.number, 8),
    Column(_l("Months after the first payment"), lambda r: r.months_after_payment, 10),
    Column(_l("Due on"), lambda r: r.due_on, 12),
    Column(_l("Report status"), lambda r: title_of(r.report_status), 16),
    Column(_l("Submitted on"), lambda r: program_day(r.submitted_at), 12),
    Column(_l("Reviewed on"), lambda r: program_day(r.reviewed_at), 12),
    Column(_l("Business status"), lambda r: title_of(r.business_status), 12),
    Column(_l("Monthly revenue"), lambda r: title_of(r.revenue_band), 20),
    Column(_l("Jobs: women, full time"), lambda r: r.jobs_women_full, 10),
    Column(_l("Jobs: women, part time"), lambda r: r.jobs_women_part, 10),
    Column(_l("Jobs: men, full time"), lambda r: r.jobs_men_full, 10),
    Column(_l("Jobs: men, part time"), lambda r: r.jobs_men_part, 10),
    Column(_l("Jobs in total"), lambda r: r.jobs_women_full + r.jobs_women_part + r.jobs_men_full + r.jobs_men_part,
           10),
    # Free text: grantees write names of suppliers, relatives and workers in it.
    Column(_l("What the money bought"), lambda r: r.money_bought or "", 40, personal=True),
    Column(_l("Challenges"), lambda r: r.challenges or "", 40, personal=True),
], _reports_query)

DATA_SHEETS = [APPLICATIONS, DECISIONS, GRANTS, TRAINING, REPORTS]


# --- writing ---------------------------------------------------------------------------------------------------

BOLD = Font(bold=True)
STREAM = {"yield_per": 500}  # rows are read in batches (a server-side cursor on PostgreSQL), never all at once


def _sheet_title(title) -> str:
    """Excel refuses sheet names over 31 characters or with []:*?/\\ in them."""
    return "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31]


def cell(sheet, value, *, bold: bool = False):
    """A cell whose text is always text: openpyxl would store an answer starting with "=" as a formula for the
    spreadsheet to run. Typed as a string it is shown exactly as written (a phone's "+" included)."""
    if not isinstance(value, str) and not bold:
        return value
    written = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        written.data_type = "s"
    if bold:
        written.font = BOLD
    return written


def _bold_row(sheet, values) -> list:
    return [cell(sheet, value, bold=True) for value in values]


def _new_sheet(workbook: Workbook, title, widths: list[int], *, freeze: str | None):
    sheet = workbook.create_sheet(_sheet_title(title))
    sheet.sheet_view.rightToLeft = text_direction(str(get_locale() or "ar")) == "rtl"
    if freeze:
        sheet.freeze_panes = freeze
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _write_data_sheet(workbook: Workbook, spec: Sheet, filters, personal: bool) -> int:
    """The sheet's header row and one row per result row; returns how many rows it holds."""
    columns = [c for c in spec.columns if personal or not c.personal]
    sheet = _new_sheet(workbook, spec.title, [c.width for c in columns], freeze="B2")
    sheet.append(_bold_row(sheet, [str(c.header) for c in columns]))
    count = 0
    for row in db.session.execute(spec.query(filters).execution_options(**STREAM)):
        sheet.append([cell(sheet, column.value(row)) for column in columns])
        count += 1
    return count


def _write_summary_sheet(workbook: Workbook, filters, description: list[tuple[str, str]]) -> None:
    """What the workbook covers, the headline figures, then every dashboard table: a gap, its title, header and
    rows, and how its figures are counted. Empty cells are figures that do not apply."""
    figures = stats.dashboard(filters)
    widest = max([len(t.columns) for t in figures.tables] + [2])
    sheet = _new_sheet(workbook, _("Summary"), [34] + [14] * (widest - 1), freeze=None)
    sheet.append(_bold_row(sheet, [_("Donor workbook")]))
    for label, value in description:
        sheet.append([cell(sheet, label), cell(sheet, value)])
    sheet.append([])
    sheet.append(_bold_row(sheet, [_("Headline figures")]))
    for label, value in figures.headline:
        sheet.append([cell(sheet, label), value])
    for table in figures.tables:
        sheet.append([])
        sheet.append(_bold_row(sheet, [table.title]))
        sheet.append(_bold_row(sheet, table.columns))
        for values in table.rows:
            sheet.append([cell(sheet, value) for value in values])
        if table.note:
            sheet.append([cell(sheet, table.note)])


@dataclass(frozen=True)
class Export:
    data: bytes
    rows: dict[str, int]  # sheet key -> data rows written


def build_workbook(filters: stats.Filters, *, personal: bool, description: list[tuple[str, str]]) -> Export:
    """The workbook in the current locale: its sheets' names, headers, titles and right-to-left view follow it."""
    workbook = Workbook(write_only=True)
    _write_summary_sheet(workbook, filters, description)
    rows = {spec.key: _write_data_sheet(workbook, spec, filters, personal) for spec in DATA_SHEETS}
    out = io.BytesIO()
    workbook.save(out)
    return Export(out.getvalue(), rows)


def filename(call: Call | None, day: date) -> str:
    return f"donor-{call.code if call else 'program'}-{day.isoformat()}.xlsx"


def record_export(actor, filters: stats.Filters, call: Call | None, *, personal: bool, rows: dict[str, int]) -> None:
    """Every donor export is audited, with its filters; personal=True marks the ones that hold names and contacts."""
    chosen = {"call_id": filters.call_id, "district_id": filters.district_id,
              "start": filters.start.isoformat() if filters.start else None,
              "end": filters.end.isoformat() if filters.end else None}
    record(actor, "monitoring.donor_export", call, personal=personal, rows=rows,
           filters={key: value for key, value in chosen.items() if value is not None})
