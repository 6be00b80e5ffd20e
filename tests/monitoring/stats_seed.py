"""A seeded program for the dashboard and export tests: two calls (SYP and USD) and a draft call, applicants of every
kind (drafts, withdrawn, ruled out, reviewed, approved or not, accepted, declined, trained, paid), ages at the band
edges, districts and subdistricts, sectors, stages, disability, progress reports with each business status.

Built with the feature fixtures; the applicants' answers are then set to the variety each test needs."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from grants.extensions import db
from grants.formatting import program_timezone
from grants.models import (
    Application, ApplicationStatus, Audience, BusinessStage, BusinessStatus, Call, CallStatus, Currency,
    Decision, Disability, Enrolment, Gender, Outcome, Place, PlaceKind, ProgressReport, ReportStatus, Response,
    ScreeningStatus, utcnow,
)
from grants.screening.queries import years_before
from grants.training import services as training

from ..fixtures.disbursements import make_grant
from ..fixtures.monitoring import paid_grant
from ..fixtures.program import make_application, make_call, sector
from ..fixtures.reviews import make_review, make_reviewer
from ..fixtures.training import decided_call, enrol, make_course, make_grantee, take_attendance


@dataclass
class Person:
    """One applicant of the seeded program: how far they got and what they answered.

    age: (years, days_before_birthday) — born so that they are `years` old on the call's closing date and turn a
    year older `days` later (0: the birthday is the closing day itself); None: no date of birth.
    """

    path: str           # draft, withdrawn, rule_ineligible, screened_out, duplicate, submitted, unreleased,
                        # rejected, waitlisted, pending, declined, accepted, paid
    gender: Gender | None = Gender.FEMALE
    age: tuple[int, int] | None = (25, 100)
    place: str | None = "Al-Busayrah"       # a subdistrict's or (with a "district:" prefix) a district's English name
    sector: str | None = "retail"
    stage: BusinessStage | None = BusinessStage.IDEA
    disability: Disability | None = Disability.NONE
    jobs: tuple[int, int] = (1, 2)          # planned (women, men)
    amount: int = 1_000_000                 # the award, for approved paths
    reviewed: bool = False                  # a submitted review (and a draft one, which must not count)
    overridden: bool = False                # ineligible by the rules, ruled eligible by staff
    training: str = ""                      # "", "completed", "enrolled" (not completed), "waiting", "revoked"
    reports: list = field(default_factory=list)  # per report number: (status, business status, jobs (wf, wp, mf, mp))
    day: int | None = None                  # submitted (or started, for drafts) this many program days ago, at noon
    edge: str = ""                          # "midnight": at the very start of `day`; "late": one second before it


def program_day(days_ago: int) -> date:
    return (utcnow().astimezone(program_timezone()) - timedelta(days=days_ago)).date()


def program_instant(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=program_timezone()).astimezone(timezone.utc)


CALL_A = [
    Person("draft", Gender.FEMALE, (17, 10), "Al-Busayrah", "retail", BusinessStage.IDEA, Disability.NONE, day=90),
    Person("withdrawn", Gender.MALE, (18, 0), "Khasham", "crafts", BusinessStage.EXISTING, Disability.YES, day=80),
    Person("rule_ineligible", Gender.FEMALE, (36, 0), "district:Al-Mayadin", None, BusinessStage.IDEA,
           Disability.UNDISCLOSED, day=76, edge="midnight"),
    Person("screened_out", Gender.MALE, (24, 1), "Dhiban", "retail", BusinessStage.EXISTING, None, day=75,
           edge="late"),
    Person("duplicate", Gender.FEMALE, (25, 0), "Hajin", "tailoring", None, Disability.NONE, day=74),
    Person("rejected", Gender.FEMALE, (29, 5), "Al-Busayrah", "tailoring", BusinessStage.IDEA, Disability.YES,
           reviewed=True, overridden=True, day=73),
    Person("submitted", None, None, None, None, None, None, jobs=(0, 0), day=72),
    Person("submitted", Gender.MALE, (30, 0), "Al-Asharah", "crafts", BusinessStage.EXISTING, Disability.NONE,
           reviewed=True, day=72),
    Person("unreleased", Gender.FEMALE, (35, 1), "Khasham", "retail", BusinessStage.IDEA, Disability.NONE,
           reviewed=True, day=71),
    Person("rejected", Gender.MALE, (25, 30), "Hajin", "crafts", BusinessStage.IDEA, Disability.NONE, reviewed=True,
           day=71),
    Person("waitlisted", Gender.FEMALE, (24, 200), "Dhiban", "retail", BusinessStage.EXISTING, Disability.NONE,
           reviewed=True, day=70),
    Person("pending", Gender.FEMALE, (18, 1), "Al-Busayrah", "retail", BusinessStage.IDEA, Disability.YES,
           reviewed=True, amount=2_000_000, day=70),
    Person("declined", Gender.MALE, (29, 0), "district:Abu Kamal", "tailoring", BusinessStage.EXISTING,
           Disability.NONE, amount=1_500_000, day=70),
    Person("accepted", Gender.FEMALE, (30, 3), "Khasham", "tailoring", BusinessStage.IDEA, Disability.NONE,
           jobs=(2, 0), amount=1_200_000, reviewed=True, training="completed", day=69),
    Person("paid", Gender.FEMALE, (24, 0), "Al-Busayrah", "retail", BusinessStage.IDEA, Disability.NONE,
           jobs=(3, 1), amount=2_000_000, reviewed=True, training="completed", day=69, reports=[
               (ReportStatus.APPROVED, BusinessStatus.OPERATING, (2, 1, 1, 0)),
               (ReportStatus.SUBMITTED, BusinessStatus.PAUSED, (5, 5, 5, 5))]),
    Person("paid", Gender.MALE, (35, 0), "Dhiban", "crafts", BusinessStage.EXISTING, Disability.NONE, jobs=(0, 4),
           amount=3_000_000, reviewed=True, training="enrolled", day=68, reports=[
               (ReportStatus.APPROVED, BusinessStatus.CLOSED, (1, 0, 0, 0)),
               (ReportStatus.APPROVED, BusinessStatus.OPERATING, (0, 0, 3, 1))]),
    Person("paid", Gender.FEMALE, (36, 1), "Hajin", "tailoring", BusinessStage.IDEA, Disability.YES, jobs=(1, 1),
           amount=1_000_000, training="revoked", day=68, reports=[
               (ReportStatus.CHANGES_REQUESTED, BusinessStatus.OPERATING, (4, 0, 0, 0))]),
    Person("paid", Gender.MALE, (17, 0), "district:Al-Mayadin", None, BusinessStage.EXISTING, Disability.UNDISCLOSED,
           jobs=(2, 2), amount=1_000_000, reviewed=True, training="waiting", day=67, reports=[
               (ReportStatus.SUBMITTED, BusinessStatus.OPERATING, (1, 1, 1, 1))]),
]
CALL_B = [
    Person("paid", Gender.FEMALE, (25, 0), "Al-Busayrah", "crafts", BusinessStage.IDEA, Disability.NONE, jobs=(2, 0),
           amount=4_000, reviewed=True, day=40, reports=[
               (ReportStatus.APPROVED, BusinessStatus.OPERATING, (0, 2, 0, 0)),
               (ReportStatus.APPROVED, BusinessStatus.PAUSED, (0, 1, 0, 0))]),
    Person("submitted", Gender.MALE, (29, 10), "Al-Tabni", "retail", BusinessStage.IDEA, Disability.NONE, day=41),
    Person("draft", None, None, None, None, None, None, day=10),
    Person("accepted", Gender.MALE, (30, 0), "Al-Tabni", "crafts", BusinessStage.EXISTING, Disability.NONE,
           jobs=(0, 1), amount=3_000, reviewed=True, training="waiting", day=39),
]


def _place_id(name: str | None) -> int | None:
    if name is None:
        return None
    kind, _, english = name.rpartition(":")
    return db.session.scalar(select(Place.id).where(
        Place.kind == (PlaceKind.DISTRICT if kind == "district" else PlaceKind.SUBDISTRICT), Place.name_en == english))


def _describe(application: Application, person: Person) -> None:
    """Give the application the person's answers and dates."""
    close = application.call.closing_date
    if person.age is None:
        application.date_of_birth = None
    else:
        years, days = person.age
        application.date_of_birth = years_before(close, years + 1) + timedelta(days=days) if days else \
            years_before(close, years)
    application.gender, application.stage, application.disability = person.gender, person.stage, person.disability
    application.place_id = _place_id(person.place)
    application.sector_id = sector(person.sector).id if person.sector else None
    application.jobs_women, application.jobs_men = person.jobs
    if person.day is not None:
        day = program_day(person.day)
        moment = (program_instant(day, time()) if person.edge == "midnight"
                  else program_instant(day, time()) - timedelta(seconds=1) if person.edge == "late"
                  else program_instant(day, time(12)))
        application.created_at = moment - timedelta(hours=1)
        if application.status != ApplicationStatus.DRAFT:
            application.submitted_at = moment


def _decide(application_id: int, outcome: Outcome, released: bool) -> None:
    application = db.session.get(Application, application_id)
    db.session.add(Decision(
        call_id=application.call_id, application_id=application_id, outcome=outcome,
        awarded_amount=1_000_000 if outcome == Outcome.APPROVED else 0, proposed_outcome=outcome,
        proposed_amount=1_000_000 if outcome == Outcome.APPROVED else 0,
        waitlist_position=1 if outcome == Outcome.WAITLISTED else None, released_at=utcnow() if released else None))


def _application_of(applicant_id: int, call_id: int) -> Application:
    return db.session.scalar(select(Application).where(Application.applicant_id == applicant_id,
                                                       Application.call_id == call_id))


def _add_person(app, make_user, call_id: int, person: Person, reviewers, seeded) -> int:
    """Create the person's application through the fixtures for their path; returns the applicant's id."""
    path = person.path
    grant_id = None
    if path in ("pending", "declined"):
        applicant_id = make_grantee(app, make_user, call_id, accepted=False).id
    elif path == "accepted":
        applicant_id, grant_id = make_grant(app, make_user, call_id, amount=person.amount)
    elif path == "paid":
        applicant_id, grant_id = paid_grant(app, make_user, call_id, amount=person.amount, followup=(3, 6))
    else:
        applicant_id = make_user("applicant").id
        make_application(app, applicant_id, call_id, submit=path != "draft")
    with app.app_context():
        application = _application_of(applicant_id, call_id)
        now = utcnow()
        if path == "withdrawn":
            application.status, application.withdrawn_at = ApplicationStatus.WITHDRAWN, now
        elif path == "rule_ineligible":
            application.eligible = False
            application.eligibility_reasons = [{"code": "age_out_of_range", "ar": "العمر", "en": "Age"}]
        elif path in ("screened_out", "duplicate"):
            application.screening_status = (ScreeningStatus.INELIGIBLE if path == "screened_out"
                                             else ScreeningStatus.DUPLICATE)
            application.screening_reason = "السبب"
        if person.overridden:
            application.eligible, application.eligibility_overridden = False, True
            application.override_reason = "قرار اللجنة"
        if path in ("unreleased", "rejected", "waitlisted"):
            outcome = {"unreleased": Outcome.APPROVED, "rejected": Outcome.NOT_SELECTED,
                       "waitlisted": Outcome.WAITLISTED}[path]
            _decide(application.id, outcome, released=path != "unreleased")
        decision = db.session.scalar(select(Decision).where(Decision.application_id == application.id))
        if decision is not None and decision.outcome == Outcome.APPROVED:
            decision.awarded_amount = decision.proposed_amount = person.amount
        if path == "declined":
            decision.response, decision.responded_at = Response.DECLINED, now
        _describe(application, person)
        for number, (status, business, jobs) in enumerate(person.reports, start=1):
            report = db.session.scalar(select(ProgressReport).where(ProgressReport.grant_id == grant_id,
                                                                    ProgressReport.number == number))
            report.status, report.business_status, report.submitted_at = status, business, now
            (report.jobs_women_full, report.jobs_women_part, report.jobs_men_full, report.jobs_men_part) = jobs
            if status == ReportStatus.APPROVED:
                report.reviewed_at = now
        db.session.commit()
        application_id = application.id
    if person.reviewed:
        make_review(app, application_id, reviewers[0], submit=True)
        make_review(app, application_id, reviewers[1], submit=False)
    seeded.setdefault(person.training, []).append(applicant_id)
    return applicant_id


def _train(app, make_user, seeded: dict) -> None:
    """Course 1 (three sessions under way, 60% to complete: two sessions) for everyone with training; course 2,
    full, puts the "waiting" people on its waiting list; a "revoked" person completes course 1 but their
    certificate is revoked."""
    staff = make_user("staff")
    course = make_course(app, sessions=3, starts_in=timedelta(days=-2, minutes=-5), audience=Audience.REGISTERED,
                         completion_percent=60, capacity=50, title_ar="إدارة المشاريع", title_en="Running a business")
    full = make_course(app, sessions=1, starts_in=timedelta(days=5), audience=Audience.REGISTERED, capacity=1,
                       title_ar="التسويق", title_en="Marketing")
    enrol(app, make_user("applicant").id, full)  # takes the only seat: somebody outside the seeded applicants
    enrolments = {}
    for kind in ("completed", "enrolled", "revoked"):
        for user_id in seeded.get(kind, []):
            enrolments[user_id] = (kind, enrol(app, user_id, course))
    for user_id in seeded.get("waiting", []):
        enrol(app, user_id, full)
    done = [e for kind, e in enrolments.values() if kind in ("completed", "revoked")]
    partly = [e for kind, e in enrolments.values() if kind == "enrolled"]
    take_attendance(app, staff.id, course, [done + partly, done, []])
    with app.app_context():
        from grants.models import User

        for kind, enrolment_id in enrolments.values():
            if kind == "revoked":
                certificate = training.certificate_for(db.session.get(Enrolment, enrolment_id))
                training.revoke_certificate(db.session.get(User, staff.id), certificate, reason="خطأ في الحضور")
        db.session.commit()


@dataclass
class Seeded:
    call_a: int
    call_b: int
    draft_call: int


def seed_program(app, make_user) -> Seeded:
    """The program described at the top of this module; returns the calls' ids."""
    call_a = decided_call(app, code="DZ24A")
    call_b = decided_call(app, code="DZ25B")
    draft_call = make_call(app, code="DZ26D", status=CallStatus.DRAFT)
    with app.app_context():
        db.session.get(Call, call_b).currency = Currency.USD
        db.session.get(Call, call_b).min_award = 1_000
        db.session.commit()
    reviewers = [make_reviewer(app, make_user).id for _ in range(2)]
    seeded: dict = {}
    for call_id, people in ((call_a, CALL_A), (call_b, CALL_B)):
        for person in people:
            _add_person(app, make_user, call_id, person, reviewers, seeded)
    make_user("applicant")  # registered, never applied
    _train(app, make_user, seeded)
    return Seeded(call_a, call_b, draft_call)


def add_applicants(app, make_user, call_id: int, count: int) -> None:
    """More of the same: `count` submitted, reviewed and accepted applicants (for query-count tests)."""
    reviewers = [make_reviewer(app, make_user).id for _ in range(2)]
    for index in range(count):
        person = Person("accepted" if index % 2 else "submitted", Gender.MALE if index % 3 else Gender.FEMALE,
                        (20 + index, 3), "Al-Tabni", "crafts", BusinessStage.IDEA, Disability.NONE, reviewed=True)
        _add_person(app, make_user, call_id, person, reviewers, {})
