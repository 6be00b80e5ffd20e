"""Program statistics for the dashboards and donor exports: the funnel, its disaggregations, money, training, jobs
and business survival, each as a Table of SQL aggregates.

Definitions (the README repeats them for staff):

* An application belongs to the period by the program day (program timezone) it was submitted on; a draft, never
  submitted, by the day it was started. The district filter keeps applications whose place is the district or one
  of its subdistricts.
* Funnel stages, each counting applications (an applicant counts once per call):
  - registered: applicant accounts created in the period. Accounts belong to no call and no place, so this one
    figure ignores the call and district filters and is never disaggregated.
  - started: every application, draft, submitted or withdrawn.
  - submitted: submitted and not withdrawn (withdrawn applications leave the funnel here).
  - eligible: submitted, eligible by the call's rules or ruled eligible by staff, and not ruled out at screening
    (ineligible or duplicate); not screened yet still counts.
  - reviewed: submitted, with at least one review submitted.
  - approved: submitted, with an approval released to the applicant (proposals not released are not counted).
  - accepted: approved, and the applicant accepted the award.
  - trained: accepted, and the applicant completed a course (any course) by the course's attendance rule, the rule
    certificates are issued on (grants/training/completion.py); a revoked certificate undoes the completion.
  - paid: accepted, and at least one tranche of the grant was paid. Paying does not wait for training unless the
    call requires it, so paid is not always below trained.
* Age is counted on the call's closing date (the day eligibility counts it on): bands 18–24, 25–29, 30–35, other
  ages (under 18 or over 35) and not stated (no date of birth).
* Money: requested sums the requests of submitted applications; awarded the accepted awards (grants); paid what
  the grants have been paid; remaining is the budget minus paid. The budget belongs to a whole call, so with a
  period or district filter budget and remaining are not applicable (None). Calls in different currencies are
  never added together: there is a total row per currency. Draft calls are left out unless chosen in the filter.
* Training counts the people who started an application in scope: per course, those enrolled (now), waiting and
  completed; the last row counts each person once, whatever the number of courses.
* Jobs: planned are the jobs the applications of the grants promised (women, men); reported are those of each
  grant's latest approved progress report (full and part time).
* Survival: per follow-up report number, the reports scheduled, those submitted or approved (a report sent back for
  changes is not counted until submitted again), and among them the businesses operating, paused and closed.
* Rates are percentages rounded half up, and only given when their denominator is not zero.

Every figure is an SQL aggregate (GROUP BY, conditional counts and sums), so the number of queries is fixed
whatever the size of the program.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property

from flask_babel import gettext as _
from sqlalchemy import and_, case, cast, false, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

from ..extensions import db
from ..formatting import program_timezone, to_program_time
from ..models import (
    Application, ApplicationStatus, Attendance, BusinessStage, BusinessStatus, Call, CallStatus, Certificate, Course,
    CourseSession, Currency, Decision, Disability, Enrolment, EnrolmentStatus, Gender, Grant, Outcome, Place,
    PlaceKind, ProgressReport, ReportStatus, Response, Review, ReviewStatus, Role, ScreeningStatus, Sector, User,
    UserRole, localized,
)
from ..screening.queries import AGE_BANDS, years_before

STAGES = ("started", "submitted", "eligible", "reviewed", "approved", "accepted", "trained", "paid")
NOT_STATED = "not_stated"
OTHER_AGES = "other"
# Reports whose answers count: a report sent back for changes is being corrected.
COUNTED_REPORTS = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


@dataclass(frozen=True)
class Filters:
    call_id: int | None = None
    start: date | None = None        # applications submitted on or after this program day
    end: date | None = None          # ... and on or before this day
    district_id: int | None = None   # the applicant's district (its subdistricts included)

    @property
    def limits_scope(self) -> bool:
        """Whether only part of a call is counted, so that the call's whole budget is no measure."""
        return self.start is not None or self.end is not None or self.district_id is not None


@dataclass
class Table:
    key: str              # "funnel", "by_gender", "by_age_band", "by_district", "by_subdistrict", "by_sector",
                          # "by_stage", "by_disability", "by_call", "money", "training", "jobs", "survival"
    title: str            # already translated (str, in the current locale)
    columns: list[str]    # translated headers; the first column labels the rows
    rows: list[list]      # [label: str, value, value, ...]; values are int, or None for "not applicable"
    note: str = ""        # how the figures are counted, in one translated sentence
    # A key per row that does not change with the language: the dimension's value ("female", "18-24", a place,
    # sector or call id, None for "not stated"), the stage name, ("call", id, currency) / ("total", None, currency)
    keys: list = field(default_factory=list)


def percent(part: int, whole: int) -> int | None:
    """part / whole in percent, rounded half up; None when there is nothing to divide by."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


def stage_titles() -> dict[str, str]:
    return {
        "registered": _("Registered (applicant accounts)"), "started": _("Started"), "submitted": _("Submitted"),
        "eligible": _("Eligible"), "reviewed": _("Reviewed"), "approved": _("Approved"),
        "accepted": _("Accepted"), "trained": _("Trained"), "paid": _("Paid"),
    }


def age_band_titles() -> dict[str, str]:
    return {**{band: band.replace("-", "–") for band in AGE_BANDS}, OTHER_AGES: _("Other ages"),
            NOT_STATED: _("Not stated")}


# --- the rows counted: one row per application, with its stage flags and the dimensions it is counted by ---

def _program_midnight(day: date) -> datetime:
    """The instant a program day starts, as aware UTC."""
    return datetime.combine(day, time(), tzinfo=program_timezone()).astimezone(timezone.utc)


def _completed_enrolments():
    """Enrolments completed by the course's attendance rule (see grants/training/completion.is_complete), without a
    revoked certificate."""
    sessions = (select(CourseSession.course_id, func.count().label("total"))
                .group_by(CourseSession.course_id).subquery())
    attended = (select(Attendance.enrolment_id, func.count().label("attended"))
                .where(Attendance.present.is_(True)).group_by(Attendance.enrolment_id).subquery())
    revoked = (select(Certificate.enrolment_id).where(Certificate.revoked_at.is_not(None)))
    return (select(Enrolment.id, Enrolment.user_id)
            .join(Course, Course.id == Enrolment.course_id)
            .join(sessions, sessions.c.course_id == Enrolment.course_id)
            .join(attended, attended.c.enrolment_id == Enrolment.id)
            .where(Enrolment.status == EnrolmentStatus.ENROLLED,
                   attended.c.attended * 100 >= Course.completion_percent * sessions.c.total,
                   Enrolment.id.not_in(revoked)))


@dataclass(frozen=True)
class CallRow:
    id: int
    code: str
    currency: Currency
    budget: int
    status: CallStatus
    closing_date: date  # the program day ages are counted on (Call.closing_date)


def _age_band(calls: list[CallRow]):
    """The age band on each call's closing date: the date bounds are computed per call here, compared in SQL."""
    born = Application.date_of_birth
    whens = [(born.is_(None), NOT_STATED)]
    for band, (low, high) in AGE_BANDS.items():
        in_band = [and_(Application.call_id == call.id, born <= years_before(call.closing_date, low),
                        born > years_before(call.closing_date, high + 1)) for call in calls]
        whens.append((or_(*in_band) if in_band else false(), band))
    return case(*whens, else_=OTHER_AGES)


def _flag(condition):
    return case((condition, 1), else_=0)


def _facts(filters: Filters, calls: list[CallRow]):
    """The applications in scope, as a query to use as a subquery or CTE: stage flags (1/0), amounts and the
    dimensions."""
    place = aliased(Place)
    submitted = Application.status == ApplicationStatus.SUBMITTED
    eligible = and_(submitted, or_(Application.eligible.is_(True), Application.eligibility_overridden.is_(True)),
                    Application.screening_status.not_in([ScreeningStatus.INELIGIBLE, ScreeningStatus.DUPLICATE]))
    reviewed = and_(submitted, Application.id.in_(
        select(Review.application_id).where(Review.status == ReviewStatus.SUBMITTED)))
    approved = and_(submitted, Decision.outcome == Outcome.APPROVED, Decision.released_at.is_not(None))
    accepted = and_(approved, Decision.response == Response.ACCEPTED)
    completed_people = select(_completed_enrolments().subquery().c.user_id)
    trained = and_(accepted, Application.applicant_id.in_(completed_people))
    paid = and_(accepted, Grant.paid_total > 0)

    query = (
        select(
            Application.id.label("id"), Application.call_id.label("call_id"),
            Application.applicant_id.label("applicant_id"),
            Application.gender.label("gender"), Application.disability.label("disability"),
            Application.stage.label("stage"), Application.sector_id.label("sector_id"),
            case((place.kind == PlaceKind.DISTRICT, place.id),
                 (place.kind == PlaceKind.SUBDISTRICT, place.parent_id)).label("district_id"),
            case((place.kind == PlaceKind.SUBDISTRICT, place.id)).label("subdistrict_id"),
            # Only the calls in scope: each call listed adds its date comparisons to every application's row.
            _age_band([call for call in calls if filters.call_id in (None, call.id)]).label("age_band"),
            *[_flag(condition).label(name) for name, condition in (
                ("submitted", submitted), ("eligible", eligible), ("reviewed", reviewed), ("approved", approved),
                ("accepted", accepted), ("trained", trained), ("paid", paid))],
            case((submitted, Application.requested_amount), else_=0).label("requested_amount"),
            case((and_(accepted, Grant.id.is_not(None)), Grant.amount), else_=0).label("awarded_amount"),
            case((accepted, func.coalesce(Grant.paid_total, 0)), else_=0).label("paid_amount"),
        )
        .select_from(Application)
        .outerjoin(place, place.id == Application.place_id)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .outerjoin(Grant, Grant.application_id == Application.id)
    )
    if filters.call_id is not None:
        query = query.where(Application.call_id == filters.call_id)
    day = func.coalesce(Application.submitted_at, Application.created_at)
    if filters.start is not None:
        query = query.where(day >= _program_midnight(filters.start))
    if filters.end is not None:
        query = query.where(day < _program_midnight(filters.end + timedelta(days=1)))
    if filters.district_id is not None:
        query = query.where(or_(Application.place_id == filters.district_id, place.parent_id == filters.district_id))
    return query


@dataclass
class Counts:
    """The stage counts and amounts of one group of applications."""

    started: int = 0
    submitted: int = 0
    eligible: int = 0
    reviewed: int = 0
    approved: int = 0
    accepted: int = 0
    trained: int = 0
    paid: int = 0
    requested_amount: int = 0
    awarded_amount: int = 0
    paid_amount: int = 0
    extra: dict = field(default_factory=dict)

    def stages(self) -> list[int]:
        return [getattr(self, stage) for stage in STAGES]


SUMMED = (*STAGES, "requested_amount", "awarded_amount", "paid_amount")
# The dimensions the breakdowns are counted by, in two tables of cells (see _Figures.breakdowns). Dimensions in one
# table multiply their numbers of values, so the places and sectors, the longest lists, have a table of their own
# (a subdistrict also fixes its district).
CELLS = (("call_id", "gender", "age_band", "stage", "disability"), ("district_id", "subdistrict_id", "sector_id"))
DIMENSIONS = tuple(column for cells in CELLS for column in cells)


def _sums(facts):
    return [func.count().label("started"),
            *[func.coalesce(func.sum(facts.c[name]), 0).label(name) for name in SUMMED[1:]]]


def _counts(row) -> Counts:
    # None only from the total of no applications at all (a SUM over no cells).
    return Counts(**{name: int(getattr(row, name) or 0) for name in SUMMED})


class _Figures:
    """The queries behind the tables, each run once (on first use) for one set of filters."""

    def __init__(self, filters: Filters):
        self.filters = filters

    @cached_property
    def calls(self) -> list[CallRow]:
        # Columns, not Call objects: those would bring their eagerly loaded rubric, documents, places and sectors.
        rows = db.session.execute(select(Call.id, Call.code, Call.currency, Call.budget, Call.status, Call.closes_at)
                                  .order_by(Call.opens_at, Call.id))
        return [CallRow(row.id, row.code, row.currency, row.budget, row.status, to_program_time(row.closes_at).date())
                for row in rows]

    @cached_property
    def places(self) -> dict[int, Place]:
        return {place.id: place for place in db.session.scalars(select(Place).order_by(Place.id))}

    @cached_property
    def sectors(self) -> dict[int, Sector]:
        return {sector.id: sector for sector in db.session.scalars(select(Sector).order_by(Sector.id))}

    @cached_property
    def facts_query(self):
        return _facts(self.filters, self.calls)

    @cached_property
    def facts(self):
        return self.facts_query.subquery("facts")

    @cached_property
    def registered(self) -> int:
        query = (select(func.count(func.distinct(User.id))).join(UserRole, UserRole.user_id == User.id)
                 .where(UserRole.role == Role.APPLICANT))
        if self.filters.start is not None:
            query = query.where(User.created_at >= _program_midnight(self.filters.start))
        if self.filters.end is not None:
            query = query.where(User.created_at < _program_midnight(self.filters.end + timedelta(days=1)))
        return db.session.scalar(query)

    @cached_property
    def funnel(self) -> Counts:
        counts = self.breakdowns[1]
        counts.extra = {
            "approved_women": self.grouped("gender").get(Gender.FEMALE, Counts()).approved,
            "approved_young": sum(self.grouped("age_band").get(band, Counts()).approved for band in AGE_BANDS)}
        return counts

    def grouped(self, column: str) -> dict:
        """{dimension value (None when missing): Counts} for one of the DIMENSIONS."""
        return self.breakdowns[0][column]

    @cached_property
    def breakdowns(self) -> tuple[dict[str, dict], Counts]:
        """({dimension: {value: Counts}}, Counts of all the applications), in one statement.

        The facts are a CTE used twice, so SQLite (3.35+) and PostgreSQL (12+) compute them once: the stage flags
        and their subqueries are the expensive part, which a GROUP BY per dimension used to compute again each time.
        They are first summed into the CELLS, two GROUP BYs over the applications; each breakdown then sums the few
        cells of its dimension, in a UNION ALL whose rows say which dimension they belong to. The key columns not grouped by are NULLs cast to the dimension's type, so
        every row has the types of the first (PostgreSQL resolves a UNION's NULLs pair by pair).
        """
        facts = self.facts_query.cte("facts")

        def summed(cells, dimension=None):
            """The cells summed per value of the dimension (all together when None), keyed by its column."""
            keys = [(cells.c[column] if column == dimension else cast(null(), facts.c[column].type)).label(column)
                    for column in DIMENSIONS]
            query = select(literal(dimension or "all").label("dimension"), *keys,
                           *[func.sum(cells.c[name]).label(name) for name in SUMMED])
            return query.group_by(cells.c[dimension]) if dimension else query

        tables = [select(*[facts.c[column] for column in columns], *_sums(facts))
                  .group_by(*[facts.c[column] for column in columns]).cte(f"cells_{number}")
                  for number, columns in enumerate(CELLS)]
        # Any table of cells holds all the applications: the first gives the total.
        branches = [summed(tables[0]), *[summed(cells, column) for cells, columns in zip(tables, CELLS)
                                         for column in columns]]
        grouped, total = {column: {} for column in DIMENSIONS}, Counts()
        for row in db.session.execute(union_all(*branches)):
            if row.dimension == "all":
                total = _counts(row)
            else:
                grouped[row.dimension][getattr(row, row.dimension)] = _counts(row)
        return grouped, total

    @cached_property
    def training(self) -> tuple[list, object]:
        completed = _completed_enrolments().subquery()
        in_scope = Enrolment.user_id.in_(select(self.facts.c.applicant_id))
        is_completed = Enrolment.id.in_(select(completed.c.id))
        enrolled, waiting = (Enrolment.status == EnrolmentStatus.ENROLLED,
                             Enrolment.status == EnrolmentStatus.WAITLISTED)
        per_course = db.session.execute(
            select(Course.id, Course.title_ar, Course.title_en,
                   func.count().filter(enrolled).label("enrolled"), func.count().filter(waiting).label("waiting"),
                   func.count().filter(is_completed).label("completed"))
            .select_from(Enrolment).join(Course, Course.id == Enrolment.course_id).where(in_scope)
            .group_by(Course.id, Course.title_ar, Course.title_en).order_by(Course.id)).all()
        people = func.distinct(Enrolment.user_id)
        total = db.session.execute(
            select(func.count(people).filter(enrolled).label("enrolled"),
                   func.count(people).filter(waiting).label("waiting"),
                   func.count(people).filter(is_completed).label("completed")).where(in_scope)).one()
        return per_course, total

    @cached_property
    def jobs(self):
        facts = self.facts
        latest = (select(ProgressReport.grant_id, func.max(ProgressReport.number).label("number"))
                  .where(ProgressReport.status == ReportStatus.APPROVED)
                  .group_by(ProgressReport.grant_id).subquery())
        report = aliased(ProgressReport)
        reported = report.id.is_not(None)

        def total(column):
            return func.coalesce(func.sum(column), 0)

        return db.session.execute(
            select(func.count(Grant.id).label("grants"), func.count(report.id).label("reporting"),
                   total(Application.jobs_women).label("planned_women"),
                   total(Application.jobs_men).label("planned_men"),
                   total(case((reported, Application.jobs_women), else_=0)).label("reporting_planned_women"),
                   total(case((reported, Application.jobs_men), else_=0)).label("reporting_planned_men"),
                   total(report.jobs_women_full).label("women_full"), total(report.jobs_women_part).label("women_part"),
                   total(report.jobs_men_full).label("men_full"), total(report.jobs_men_part).label("men_part"))
            .select_from(Grant)
            .join(facts, facts.c.id == Grant.application_id)
            .join(Application, Application.id == Grant.application_id)
            .outerjoin(latest, latest.c.grant_id == Grant.id)
            .outerjoin(report, and_(report.grant_id == latest.c.grant_id, report.number == latest.c.number))).one()

    @cached_property
    def survival(self) -> list:
        counted = ProgressReport.status.in_(COUNTED_REPORTS)

        def with_status(status):
            return func.count().filter(counted, ProgressReport.business_status == status)

        return db.session.execute(
            select(ProgressReport.number, func.count().label("scheduled"),
                   func.count().filter(counted).label("counted"),
                   with_status(BusinessStatus.OPERATING).label("operating"),
                   with_status(BusinessStatus.PAUSED).label("paused"),
                   with_status(BusinessStatus.CLOSED).label("closed"))
            .join(Grant, Grant.id == ProgressReport.grant_id)
            .join(self.facts, self.facts.c.id == Grant.application_id)
            .group_by(ProgressReport.number).order_by(ProgressReport.number)).all()


# --- the tables ---------------------------------------------------------------------------------------------

def _stage_columns(first: str) -> list[str]:
    titles = stage_titles()
    return [first, *[titles[stage] for stage in STAGES]]


def _funnel_table(figures: _Figures) -> Table:
    counts = figures.funnel
    titles = stage_titles()
    rows = [[titles["registered"], figures.registered, None], [titles["started"], counts.started, None]]
    rows += [[titles[stage], getattr(counts, stage), percent(getattr(counts, stage), counts.submitted)]
             for stage in STAGES[1:]]
    return Table("funnel", _("Funnel"), [_("Stage"), _("Number"), _("Percent of submitted")], rows,
                 note=_("Registered counts every applicant account created in the period, whatever the call or "
                        "district."), keys=["registered", *STAGES])


def _dimension_table(key: str, title: str, first: str, counts: dict, labels: list[tuple[object, str]],
                     note: str = "") -> Table:
    """One row per (value, label), in that order, then any value with counts not listed, then "not stated"."""
    listed = {value for value, _label in labels}
    rows = [[label, *counts.get(value, Counts()).stages()] for value, label in labels]
    keys = [getattr(value, "value", value) for value, _label in labels]
    not_stated = Counts()
    for value, group in counts.items():
        if value is None or value == NOT_STATED or value not in listed:
            for name in STAGES:
                setattr(not_stated, name, getattr(not_stated, name) + getattr(group, name))
    if NOT_STATED not in listed:
        rows.append([_("Not stated"), *not_stated.stages()])
        keys.append(None)
    return Table(key, title, _stage_columns(first), rows, note=note,
                 keys=[None if k == NOT_STATED else k for k in keys])


def _enum_labels(enum_class, titles=None) -> list[tuple[object, str]]:
    """(member, label) pairs: grouped enum columns come back from the database as members."""
    return [(member, str((titles or {}).get(member, member.title))) for member in enum_class]


def _place_rows(counts: dict, places: dict[int, Place], subdistricts: bool) -> list[tuple[int, str]]:
    """The places that have applications, in the order of the place list, labelled with their district."""
    labels = []
    for place_id in sorted(key for key in counts if key is not None and key in places):
        place = places[place_id]
        parent = places.get(place.parent_id)
        labels.append((place_id, _("%(place)s (%(district)s)", place=place.name, district=parent.name)
                       if subdistricts and parent else place.name))
    return labels


def _disaggregations(figures: _Figures) -> list[Table]:
    gender = figures.grouped("gender")
    age = figures.grouped("age_band")
    district = figures.grouped("district_id")
    subdistrict = figures.grouped("subdistrict_id")
    sector = figures.grouped("sector_id")
    stage = figures.grouped("stage")
    disability = figures.grouped("disability")
    by_call = figures.grouped("call_id")
    calls = {call.id: call for call in figures.calls}
    disability_titles = {Disability.NONE: _("No disability"), Disability.YES: _("With a disability"),
                         Disability.UNDISCLOSED: _("Preferred not to say")}
    return [
        _dimension_table("by_gender", _("By gender"), _("Gender"), gender, _enum_labels(Gender)),
        _dimension_table("by_age_band", _("By age band"), _("Age"), age, list(age_band_titles().items()),
                         note=_("Age on the call's closing date.")),
        _dimension_table("by_district", _("By district"), _("District"), district,
                         _place_rows(district, figures.places, False)),
        _dimension_table("by_subdistrict", _("By subdistrict"), _("Subdistrict"), subdistrict,
                         _place_rows(subdistrict, figures.places, True),
                         note=_("Applications that give only a district are counted as not stated.")),
        _dimension_table("by_sector", _("By sector"), _("Sector"), sector,
                         [(sid, figures.sectors[sid].name) for sid in sorted(k for k in sector if k is not None)
                          if sid in figures.sectors]),
        _dimension_table("by_stage", _("By business stage"), _("Business stage"), stage, _enum_labels(BusinessStage)),
        _dimension_table("by_disability", _("By disability"), _("Disability"), disability,
                         _enum_labels(Disability, disability_titles)),
        _dimension_table("by_call", _("By call"), _("Call"), by_call,
                         [(call_id, calls[call_id].code) for call_id in calls if call_id in by_call]),
    ]


def _money_table(figures: _Figures) -> Table:
    by_call = figures.grouped("call_id")
    filters = figures.filters
    shown = [call for call in figures.calls
             if (call.id == filters.call_id if filters.call_id is not None
                 else call.status != CallStatus.DRAFT or call.id in by_call)]
    rows, keys, totals = [], [], {}
    for call in shown:
        counts = by_call.get(call.id, Counts())
        budget = None if filters.limits_scope else call.budget
        values = [budget, counts.requested_amount, counts.awarded_amount, counts.paid_amount,
                  None if budget is None else budget - counts.paid_amount]
        rows.append([f"{call.code} ({call.currency.value})", *values])
        keys.append(("call", call.id, call.currency.value))
        total = totals.setdefault(call.currency.value, [0] * len(values))
        totals[call.currency.value] = [None if t is None or v is None else t + v for t, v in zip(total, values)]
    for currency, values in sorted(totals.items()):
        rows.append([_("Total in %(currency)s", currency=currency), *values])
        keys.append(("total", None, currency))
    return Table("money", _("Money"), [_("Call"), _("Budget"), _("Requested"), _("Awarded (accepted awards)"),
                                       _("Paid"), _("Remaining (budget minus paid)")], rows,
                 note=_("Amounts in whole units of each call's currency. The budget is the whole call's: it is not "
                        "shown when the figures are limited to a period or a district."), keys=keys)


def _training_table(figures: _Figures) -> Table:
    per_course, total = figures.training
    rows = [[localized(row, "title"), row.enrolled, row.waiting, row.completed] for row in per_course]
    rows.append([_("Any course (each person once)"), total.enrolled, total.waiting, total.completed])
    return Table("training", _("Training"), [_("Course"), _("Enrolled"), _("On the waiting list"), _("Completed")],
                 rows, note=_("People who started an application in scope; completed means the course's "
                              "attendance rule was met."), keys=[row.id for row in per_course] + [None])


def _jobs_table(figures: _Figures) -> Table:
    jobs = figures.jobs
    women_reported, men_reported = jobs.women_full + jobs.women_part, jobs.men_full + jobs.men_part

    def row(label, women, men):
        return [label, int(women), int(men), int(women) + int(men)]

    return Table("jobs", _("Jobs planned and reported"), [_("Jobs"), _("Women"), _("Men"), _("Total")], [
        row(_("Planned by all grants"), jobs.planned_women, jobs.planned_men),
        row(_("Planned by the grants that reported"), jobs.reporting_planned_women, jobs.reporting_planned_men),
        row(_("Reported, full time"), jobs.women_full, jobs.men_full),
        row(_("Reported, part time"), jobs.women_part, jobs.men_part),
        row(_("Reported, all"), women_reported, men_reported),
    ], note=_("Reported jobs come from each grant's latest approved progress report."),
        keys=["planned", "planned_by_reporting", "reported_full", "reported_part", "reported"])


def _survival_table(figures: _Figures) -> Table:
    rows = [[_("Follow-up %(number)s", number=row.number), row.scheduled, row.counted, row.operating, row.paused,
             row.closed] for row in figures.survival]
    return Table("survival", _("Business survival at each follow-up"),
                 [_("Follow-up report"), _("Scheduled"), _("Submitted or approved"),
                  *[str(status.title) for status in BusinessStatus]], rows,
                 note=_("Business status as given in reports submitted or approved."),
                 keys=[row.number for row in figures.survival])


def _tables(figures: _Figures) -> list[Table]:
    return [_funnel_table(figures), *_disaggregations(figures), _money_table(figures), _training_table(figures),
            _jobs_table(figures), _survival_table(figures)]


def _headline(figures: _Figures) -> list[tuple[str, int]]:
    counts = figures.funnel
    titles = stage_titles()
    figures_list = [(titles["registered"], figures.registered), (_("Applications started"), counts.started),
                    (_("Applications submitted"), counts.submitted), (titles["eligible"], counts.eligible),
                    (titles["approved"], counts.approved), (_("Awards accepted"), counts.accepted),
                    (_("Grants paid"), counts.paid), (_("Women approved"), counts.extra["approved_women"]),
                    (_("Approved aged 18 to 35"), counts.extra["approved_young"])]
    rates = [(_("Approval rate: approved / submitted (%)"), percent(counts.approved, counts.submitted)),
             (_("Approval rate: approved / reviewed (%)"), percent(counts.approved, counts.reviewed))]
    figures_list += [(label, value) for label, value in rates if value is not None]
    jobs = figures.jobs
    figures_list.append((_("Jobs reported"), int(jobs.women_full + jobs.women_part + jobs.men_full + jobs.men_part)))
    return figures_list


def summary_tables(filters: Filters) -> list[Table]:
    """Every table the dashboard shows, in display order."""
    return _tables(_Figures(filters))


def headline(filters: Filters) -> list[tuple[str, int]]:
    """Headline figures: (translated label, value)."""
    return _headline(_Figures(filters))


@dataclass
class Dashboard:
    headline: list[tuple[str, int]]
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def dashboard(filters: Filters) -> Dashboard:
    """Headline and tables together, each query run once."""
    figures = _Figures(filters)
    return Dashboard(_headline(figures), _tables(figures))
