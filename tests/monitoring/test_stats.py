"""Every dashboard figure on a seeded program equals the same figure computed here in Python from the ORM objects,
with and without filters; the number of queries does not grow with the data."""
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from grants.extensions import db
from grants.formatting import to_program_time
from grants.models import (
    Application, ApplicationStatus, Attendance, Call, CallStatus, Certificate, Course, Decision, Enrolment,
    EnrolmentStatus, Grant, Outcome, Place, PlaceKind, ProgressReport, ReportStatus, Response, Review, ReviewStatus,
    Role, ScreeningStatus, TrancheStatus, User,
)
from grants.monitoring.stats import Filters, dashboard, headline, percent, summary_tables
from grants.training.completion import is_complete

from ..fixtures.routes import counting_statements
from .stats_seed import add_applicants, program_day, seed_program

GENDERS = {"female": "Female", "male": "Male"}
STAGE_LABELS = {"idea": "New business (idea)", "existing": "Existing business"}
DISABILITY_LABELS = {"none": "No disability", "yes": "With a disability", "undisclosed": "Preferred not to say"}
BANDS = ((18, 24, "18–24"), (25, 29, "25–29"), (30, 35, "30–35"))
STAGES = ("started", "submitted", "eligible", "reviewed", "approved", "accepted", "trained", "paid")


# --- the same figures, computed in Python from the objects -------------------------------------------------

class Program:
    """Everything loaded as objects, with each definition of stats.py written again in plain Python."""

    def __init__(self):
        self.applications = list(db.session.scalars(select(Application)))
        self.calls = {call.id: call for call in db.session.scalars(select(Call))}
        self.decisions = {d.application_id: d for d in db.session.scalars(select(Decision))}
        self.grants = {g.application_id: g for g in db.session.scalars(select(Grant))}
        self.reviewed = {r.application_id for r in db.session.scalars(select(Review))
                         if r.status == ReviewStatus.SUBMITTED}
        self.enrolments = list(db.session.scalars(select(Enrolment)))
        self.completed = {e.id for e in self.enrolments if self._completed(e)}
        self.reports = list(db.session.scalars(select(ProgressReport)))
        self.users = list(db.session.scalars(select(User)))

    @staticmethod
    def _completed(enrolment) -> bool:
        sessions = enrolment.course.sessions
        attended = db.session.scalars(select(Attendance).where(Attendance.enrolment_id == enrolment.id)).all()
        certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
        return (enrolment.status == EnrolmentStatus.ENROLLED
                and is_complete(sum(a.present for a in attended), len(sessions), enrolment.course.completion_percent)
                and not (certificate and certificate.revoked_at))

    @staticmethod
    def district_of(place):
        if place is None:
            return None
        return {PlaceKind.DISTRICT: place, PlaceKind.SUBDISTRICT: place.parent}.get(place.kind)

    def in_scope(self, application, filters: Filters) -> bool:
        day = to_program_time(application.submitted_at or application.created_at).date()
        district = self.district_of(application.place)
        return ((filters.call_id is None or application.call_id == filters.call_id)
                and (filters.start is None or day >= filters.start) and (filters.end is None or day <= filters.end)
                and (filters.district_id is None or (district is not None and district.id == filters.district_id)))

    def stages(self, application) -> dict[str, bool]:
        decision, grant = self.decisions.get(application.id), self.grants.get(application.id)
        submitted = application.status == ApplicationStatus.SUBMITTED
        approved = bool(submitted and decision and decision.outcome == Outcome.APPROVED and decision.released_at)
        accepted = approved and decision.response == Response.ACCEPTED
        completed_people = {e.user_id for e in self.enrolments if e.id in self.completed}
        return {
            "started": True, "submitted": submitted,
            "eligible": submitted and application.is_eligible and application.screening_status not in (
                ScreeningStatus.INELIGIBLE, ScreeningStatus.DUPLICATE),
            "reviewed": submitted and application.id in self.reviewed,
            "approved": approved, "accepted": accepted,
            "trained": accepted and application.applicant_id in completed_people,
            "paid": accepted and grant is not None and any(t.status == TrancheStatus.PAID for t in grant.tranches),
        }

    def paid_amount(self, application) -> int:
        grant = self.grants.get(application.id)
        if grant is None or not self.stages(application)["accepted"]:
            return 0
        return sum(t.amount for t in grant.tranches if t.status == TrancheStatus.PAID)

    def scope(self, filters):
        return [a for a in self.applications if self.in_scope(a, filters)]

    def registered(self, filters) -> int:
        def day(user):
            return to_program_time(user.created_at).date()
        return sum(1 for u in self.users if Role.APPLICANT in u.roles
                   and (filters.start is None or day(u) >= filters.start)
                   and (filters.end is None or day(u) <= filters.end))


def _count_by(program, applications, label_of) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for application in applications:
        flags = program.stages(application)
        row = rows.setdefault(label_of(application), [0] * len(STAGES))
        for index, stage in enumerate(STAGES):
            row[index] += int(flags[stage])
    return rows


def _with_not_stated(rows: dict, fixed_labels=()) -> dict:
    """Listed labels always appear (zeros too), as does "Not stated"."""
    for label in (*fixed_labels, "Not stated"):
        rows.setdefault(label, [0] * len(STAGES))
    return rows


def _band(application) -> str:
    age = application.age_at_close
    if age is None:
        return "Not stated"
    return next((label for low, high, label in BANDS if low <= age <= high), "Other ages")


def expected_tables(program: Program, filters: Filters) -> dict[str, dict[str, list]]:
    apps = program.scope(filters)
    totals = _count_by(program, apps, lambda a: "all").get("all", [0] * len(STAGES))
    funnel = dict(zip(STAGES, totals))
    tables = {"funnel": {
        "Registered (applicant accounts)": [program.registered(filters), None],
        "Started": [funnel["started"], None],
        **{stage.capitalize(): [funnel[stage], percent(funnel[stage], funnel["submitted"])] for stage in STAGES[1:]},
    }}

    def name(place):
        return place.name_en

    tables["by_gender"] = _with_not_stated(_count_by(
        program, apps, lambda a: GENDERS[a.gender.value] if a.gender else "Not stated"), GENDERS.values())
    tables["by_age_band"] = _with_not_stated(_count_by(program, apps, _band),
                                             ["18–24", "25–29", "30–35", "Other ages"])
    tables["by_district"] = _with_not_stated(_count_by(
        program, apps, lambda a: name(program.district_of(a.place)) if program.district_of(a.place) else "Not stated"))
    tables["by_subdistrict"] = _with_not_stated(_count_by(
        program, apps, lambda a: f"{a.place.name_en} ({a.place.parent.name_en})"
        if a.place and a.place.kind == PlaceKind.SUBDISTRICT else "Not stated"))
    tables["by_sector"] = _with_not_stated(_count_by(
        program, apps, lambda a: a.sector.name_en if a.sector else "Not stated"))
    tables["by_stage"] = _with_not_stated(_count_by(
        program, apps, lambda a: STAGE_LABELS[a.stage.value] if a.stage else "Not stated"), STAGE_LABELS.values())
    tables["by_disability"] = _with_not_stated(_count_by(
        program, apps, lambda a: DISABILITY_LABELS[a.disability.value] if a.disability else "Not stated"),
        DISABILITY_LABELS.values())
    tables["by_call"] = _with_not_stated(_count_by(program, apps, lambda a: a.call.code))

    money, per_currency = {}, {}
    limited = filters.start is not None or filters.end is not None or filters.district_id is not None
    for call in program.calls.values():
        if filters.call_id is not None and call.id != filters.call_id:
            continue
        mine = [a for a in apps if a.call_id == call.id]
        if filters.call_id is None and call.status == CallStatus.DRAFT and not mine:
            continue
        requested = sum(a.requested_amount for a in mine if a.status == ApplicationStatus.SUBMITTED)
        awarded = sum(program.grants[a.id].amount for a in mine
                      if program.stages(a)["accepted"] and a.id in program.grants)
        paid = sum(program.paid_amount(a) for a in mine)
        budget = None if limited else call.budget
        row = [budget, requested, awarded, paid, None if limited else call.budget - paid]
        money[f"{call.code} ({call.currency.value})"] = row
        total = per_currency.setdefault(f"Total in {call.currency.value}", [0] * 5)
        per_currency[f"Total in {call.currency.value}"] = [None if t is None or v is None else t + v
                                                           for t, v in zip(total, row)]
    tables["money"] = {**money, **per_currency}

    people = {a.applicant_id for a in apps}
    mine = [e for e in program.enrolments if e.user_id in people]
    training = {}
    for course_id in sorted({e.course_id for e in mine}):
        of_course = [e for e in mine if e.course_id == course_id]
        training[db.session.get(Course, course_id).title_en] = [
            sum(e.status == EnrolmentStatus.ENROLLED for e in of_course),
            sum(e.status == EnrolmentStatus.WAITLISTED for e in of_course),
            sum(e.id in program.completed for e in of_course)]
    training["Any course (each person once)"] = [
        len({e.user_id for e in mine if e.status == EnrolmentStatus.ENROLLED}),
        len({e.user_id for e in mine if e.status == EnrolmentStatus.WAITLISTED}),
        len({e.user_id for e in mine if e.id in program.completed})]
    tables["training"] = training

    grants = [program.grants[a.id] for a in apps if a.id in program.grants]
    latest = {}
    for report in program.reports:
        if report.status == ReportStatus.APPROVED and report.grant_id in {g.id for g in grants}:
            if report.grant_id not in latest or report.number > latest[report.grant_id].number:
                latest[report.grant_id] = report
    reporting = [g for g in grants if g.id in latest]

    def jobs_row(women, men):
        return [women, men, women + men]

    def reported(attribute):
        return sum(getattr(r, attribute) for r in latest.values())

    tables["jobs"] = {
        "Planned by all grants": jobs_row(sum(g.application.jobs_women for g in grants),
                                          sum(g.application.jobs_men for g in grants)),
        "Planned by the grants that reported": jobs_row(sum(g.application.jobs_women for g in reporting),
                                                        sum(g.application.jobs_men for g in reporting)),
        "Reported, full time": jobs_row(reported("jobs_women_full"), reported("jobs_men_full")),
        "Reported, part time": jobs_row(reported("jobs_women_part"), reported("jobs_men_part")),
        "Reported, all": jobs_row(reported("jobs_women_full") + reported("jobs_women_part"),
                                  reported("jobs_men_full") + reported("jobs_men_part")),
    }

    survival = {}
    grant_ids = {g.id for g in grants}
    for number in sorted({r.number for r in program.reports if r.grant_id in grant_ids}):
        of_number = [r for r in program.reports if r.grant_id in grant_ids and r.number == number]
        counted = [r for r in of_number if r.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)]
        survival[f"Follow-up {number}"] = [len(of_number), len(counted)] + [
            sum(r.business_status.value == status for r in counted) for status in ("operating", "paused", "closed")]
    tables["survival"] = survival
    return tables


def expected_headline(program: Program, filters: Filters) -> list[tuple[str, int]]:
    apps = program.scope(filters)
    flags = [program.stages(a) for a in apps]

    def count(stage):
        return sum(f[stage] for f in flags)

    approved = [a for a, f in zip(apps, flags) if f["approved"]]
    values = [("Registered (applicant accounts)", program.registered(filters)),
              ("Applications started", count("started")), ("Applications submitted", count("submitted")),
              ("Eligible", count("eligible")), ("Approved", count("approved")), ("Awards accepted", count("accepted")),
              ("Grants paid", count("paid")),
              ("Women approved", sum(a.gender is not None and a.gender.value == "female" for a in approved)),
              ("Approved aged 18 to 35", sum(_band(a) in ("18–24", "25–29", "30–35") for a in approved))]
    if count("submitted"):
        values.append(("Approval rate: approved / submitted (%)", percent(count("approved"), count("submitted"))))
    if count("reviewed"):
        values.append(("Approval rate: approved / reviewed (%)", percent(count("approved"), count("reviewed"))))
    table = expected_tables(program, filters)["jobs"]["Reported, all"]
    values.append(("Jobs reported", table[2]))
    return values


def as_dicts(tables) -> dict[str, dict[str, list]]:
    result = {}
    for table in tables:
        labels = [row[0] for row in table.rows]
        assert len(labels) == len(set(labels)), f"{table.key} repeats a row label"
        assert all(len(row) == len(table.columns) for row in table.rows), table.key
        result[table.key] = {row[0]: list(row[1:]) for row in table.rows}
    return result


# --- the tests ---------------------------------------------------------------------------------------------

def days_ago_in(app):
    """program_day, usable outside an application context."""
    def day(days_ago):
        with app.app_context():
            return program_day(days_ago)
    return day


@pytest.fixture
def seeded(app, make_user):
    return seed_program(app, make_user)


def _check(app, filters: Filters):
    with app.app_context(), force_locale("en"):
        program = Program()
        actual = as_dicts(summary_tables(filters))
        expected = expected_tables(program, filters)
        assert list(actual) == list(expected)  # every table, in display order
        for key, rows in expected.items():
            assert actual[key] == rows, key
        assert headline(filters) == expected_headline(program, filters)
        return actual


def test_every_figure_matches_an_independent_count(app, seeded):
    actual = _check(app, Filters())
    # A few figures by hand, so the test does not only compare two computations of the same mistake.
    funnel = actual["funnel"]
    assert funnel["Started"] == [22, None]
    # 22 started, minus 2 drafts and 1 withdrawn
    assert funnel["Submitted"] == [19, 100]
    # ruled ineligible by the rules, screened out, duplicate
    assert funnel["Eligible"] == [16, 84]
    # paid: 4 grants in call A and one in call B; accepted adds one accepted-not-paid grant in each call
    assert funnel["Accepted"][0] == 7 and funnel["Paid"][0] == 5
    # trained: the accepted and the first paid grantee of call A (the revoked certificate does not count)
    assert funnel["Trained"][0] == 2
    # ages on the closing date: 18 (birthday that day) and 24 (a day before 25) are in 18–24, 35 (a day before
    # 36) in 30–35; 17 and 36 are other ages
    bands = actual["by_age_band"]
    assert [bands[band][0] for band in ("18–24", "25–29", "30–35", "Other ages", "Not stated")] == [5, 6, 5, 4, 2]
    assert actual["by_disability"]["Not stated"][0] == 3
    # Al-Mayadin: two applications naming only the district, one in Dhiban, one in Al-Asharah (each subdistrict)
    assert actual["by_district"]["Al-Mayadin"][0] == 2 + 3 + 1
    # three submitted requests of 1,800,000; awards of 4,000 and 3,000, the first tranche (half) of 4,000 paid
    assert actual["money"]["Total in USD"] == [50_000_000, 3 * 1_800_000, 7_000, 2_000, 50_000_000 - 2_000]
    assert actual["survival"]["Follow-up 1"] == [5, 4, 3, 0, 1]


def test_table_columns(app, seeded):
    with app.app_context(), force_locale("en"):
        tables = {table.key: table for table in summary_tables(Filters())}
    stages = ["Started", "Submitted", "Eligible", "Reviewed", "Approved", "Accepted", "Trained", "Paid"]
    assert tables["by_gender"].columns == ["Gender", *stages]
    assert tables["by_gender"].keys == ["female", "male", None]
    assert tables["by_age_band"].keys == ["18-24", "25-29", "30-35", "other", None]
    assert tables["funnel"].columns == ["Stage", "Number", "Percent of submitted"]
    assert tables["money"].columns == ["Call", "Budget", "Requested", "Awarded (accepted awards)", "Paid",
                                       "Remaining (budget minus paid)"]
    assert tables["money"].keys == [("call", seeded.call_a, "SYP"), ("call", seeded.call_b, "USD"),
                                    ("total", None, "SYP"), ("total", None, "USD")]
    assert tables["survival"].columns[3:] == ["Operating", "Paused", "Closed down"]
    assert all(table.note for key, table in tables.items() if key in ("funnel", "money", "jobs", "survival"))


def test_filters_by_call_period_and_district(app, seeded):
    with app.app_context():
        mayadin = db.session.scalar(select(Place.id).where(Place.kind == PlaceKind.DISTRICT,
                                                           Place.name_en == "Al-Mayadin"))
        program_day = days_ago_in(app)
    only_a = _check(app, Filters(call_id=seeded.call_a))
    assert "DZ25B (USD)" not in only_a["money"] and only_a["funnel"]["Started"] == [18, None]
    # the first day holds a midnight submission and one a second before the next day's midnight
    period = _check(app, Filters(start=program_day(76), end=program_day(70)))
    assert period["funnel"]["Started"] == [11, None]
    assert period["money"]["DZ24A (SYP)"][0] is None  # a period counts part of a call: no budget
    later = _check(app, Filters(start=program_day(75), end=program_day(70)))
    assert later["funnel"]["Started"] == [9, None]
    district = _check(app, Filters(district_id=mayadin))
    assert district["funnel"]["Started"] == [6, None]
    _check(app, Filters(call_id=seeded.call_b, start=program_day(41), district_id=mayadin))
    _check(app, Filters(call_id=seeded.draft_call))


def test_empty_program(app):
    with app.app_context(), force_locale("en"):
        tables = as_dicts(summary_tables(Filters()))
        assert tables["funnel"]["Submitted"] == [0, None]
        assert tables["training"] == {"Any course (each person once)": [0, 0, 0]}
        assert [label for label, _ in headline(Filters())][-1] == "Jobs reported"


def test_percent_rounds_half_up():
    assert percent(1, 8) == 13 and percent(1, 3) == 33 and percent(2, 3) == 67 and percent(0, 5) == 0
    assert percent(1, 0) is None


def test_query_count_does_not_grow_with_the_data(app, make_user, seeded):
    program_day = days_ago_in(app)

    def statements_for(filters):
        with counting_statements(app) as statements, app.app_context():
            dashboard(filters)
        return len(statements)

    small = statements_for(Filters()), statements_for(Filters(call_id=seeded.call_a, start=program_day(80)))
    add_applicants(app, make_user, seeded.call_b, 8)
    large = statements_for(Filters()), statements_for(Filters(call_id=seeded.call_a, start=program_day(80)))
    assert small == large
    assert small[0] <= 17
    _check(app, Filters())


def test_headline_and_tables_use_the_locale(app, seeded):
    with app.app_context(), force_locale("ar"):
        tables = summary_tables(Filters())
    by_call = next(t for t in tables if t.key == "by_call")
    assert [row[0] for row in by_call.rows][:2] == ["DZ24A", "DZ25B"]
    assert next(t for t in tables if t.key == "by_district").rows[0][0] == "دير الزور"


def test_dashboard_and_summary_agree(app, seeded):
    with app.app_context(), force_locale("en"):
        together = dashboard(Filters())
        assert together.tables == summary_tables(Filters())
        assert together.headline == headline(Filters())
        assert together.table("jobs").key == "jobs"
