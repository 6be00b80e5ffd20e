"""After the awards: training cohorts with attendance, grants with their tranches, and progress reports.

The call requires its course before any payment, so only grantees who completed their cohort's course (4 of 5
sessions, the 80 percent rule) are paid; the funnel therefore narrows from accepted to trained to paid. A tranche
after the first is paid only once the report before it is approved, as the tranche conditions require.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..disbursements.schedule import split_award
from ..disbursements.services import percentages_text
from ..formatting import program_timezone
from ..models import (
    Attendance, Audience, BusinessStatus, Course, CourseCall, CourseSession, Enrolment, EnrolmentStatus, Grant,
    PaymentMethod, ProgressReport, ReportStatus, RevenueBand, Topic, Tranche, TrancheStatus,
)
from ..monitoring.services import add_months
from . import names
from .letters import add_letters
from .program import Program
from .review import Award

COHORT_SIZE, COURSE_CAPACITY, SESSIONS, COMPLETION_PERCENT = 25, 30, 5, 80


@dataclass
class GrantPlan:
    award: Award
    trained: bool
    tranches: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)


def follow_up(program: Program, awards: list[Award]) -> None:
    if not awards:
        return
    trained = _training(program, awards)
    plans = [_plan(program, award, award.applicant.user_id in trained) for award in awards]
    grant_ids = program.rows.add_returning_ids(Grant, [_grant_row(program, plan) for plan in plans])
    tranches = [dict(row, grant_id=grant_id) for plan, grant_id in zip(plans, grant_ids) for row in plan.tranches]
    tranche_ids = program.rows.add_returning_ids(Tranche, tranches)
    add_letters(program, [(tranche_id, row["approved_at"] + timedelta(hours=1))
                          for tranche_id, row in zip(tranche_ids, tranches)
                          if row["status"] in (TrancheStatus.LETTER_ISSUED, TrancheStatus.PAID)])
    program.rows.add(ProgressReport, [dict(row, grant_id=grant_id) for plan, grant_id in zip(plans, grant_ids)
                                      for row in plan.reports])


# --- training ---------------------------------------------------------------------------------------------------

def _training(program: Program, awards: list[Award]) -> set[int]:
    """One course per cohort of grantees, all sessions held; returns the users who completed their course."""
    rng = program.rng
    cohorts = [awards[start:start + COHORT_SIZE] for start in range(0, len(awards), COHORT_SIZE)]
    course_ids = program.rows.add_returning_ids(Course, [
        dict(title_ar=f"إدارة المشاريع الصغيرة - المجموعة {number}",
             title_en=f"Running a small business - cohort {number}",
             description_ar="خطة العمل، مسك الدفاتر، التسويق.", description_en="Business plan, bookkeeping, marketing.",
             trainer="أ. ريم العبدالله", topic=Topic.BUSINESS_PLANNING, capacity=COURSE_CAPACITY,
             seats_taken=len(cohort), audience=Audience.GRANTEES, completion_percent=COMPLETION_PERCENT,
             enrolment_open=False, created_by_id=program.officer_id, created_at=program.days_ago(275))
        for number, cohort in enumerate(cohorts, start=1)])
    # Linked to the call (its grantees may enrol) but not required for payment: a required course must be
    # completed by every grantee of the call, and each cohort takes only its own course.
    program.rows.add(CourseCall, [dict(course_id=course_id, call_id=program.call.id, required_for_payment=False)
                                  for course_id in course_ids])
    session_rows = []
    for index, course_id in enumerate(course_ids):
        first = program.days_ago(262 - index % 10).replace(hour=7, minute=0, second=0)
        session_rows.extend(dict(course_id=course_id, starts_at=first + timedelta(days=2 * n),
                                 ends_at=first + timedelta(days=2 * n, hours=3), place="مركز التدريب المهني، دير الزور",
                                 online_url="", attendance_taken_at=first + timedelta(days=2 * n, hours=3))
                            for n in range(SESSIONS))
    session_ids = program.rows.add_returning_ids(CourseSession, session_rows)

    enrolment_rows, presence = [], []
    for index, (course_id, cohort) in enumerate(zip(course_ids, cohorts)):
        sessions = list(zip(session_ids[index * SESSIONS:(index + 1) * SESSIONS],
                            session_rows[index * SESSIONS:(index + 1) * SESSIONS]))
        for award in cohort:
            enrolled_at = award.accepted_at
            row = dict(course_id=course_id, user_id=award.applicant.user_id, status=EnrolmentStatus.ENROLLED,
                       queued_at=enrolled_at, enrolled_at=enrolled_at, left_at=None,
                       enrolled_by_id=program.officer_id)
            attended = _sessions_attended(rng)
            if attended is None:
                row.update(status=EnrolmentStatus.LEFT, left_at=sessions[0][1]["starts_at"] - timedelta(days=1))
            enrolment_rows.append(row)
            presence.append((sessions, attended, award.applicant.user_id))
    enrolment_ids = program.rows.add_returning_ids(Enrolment, enrolment_rows)
    attendance, completed = [], set()
    for enrolment_id, (sessions, attended, user_id) in zip(enrolment_ids, presence):
        if attended is None:
            continue
        present = set(rng.sample(range(SESSIONS), attended))
        attendance.extend(dict(session_id=session_id, enrolment_id=enrolment_id, present=n in present,
                               recorded_by_id=program.officer_id, recorded_at=row["attendance_taken_at"])
                          for n, (session_id, row) in enumerate(sessions))
        if attended * 100 >= COMPLETION_PERCENT * SESSIONS:
            completed.add(user_id)
    program.rows.add(Attendance, attendance)
    return completed


def _sessions_attended(rng) -> int | None:
    """How many of the sessions a grantee attended; None when they left the course before it started."""
    draw = rng.random()
    if draw < 0.04:
        return None
    if draw < 0.86:
        return rng.choice((4, 5, 5))
    return rng.randrange(0, 4)


# --- grants, tranches and reports -------------------------------------------------------------------------------

def _at(day: date, hour: int = 10) -> datetime:
    """A program-day date at an office hour, as an aware datetime."""
    return datetime.combine(day, time(hour), tzinfo=program_timezone())


def _plan(program: Program, award: Award, trained: bool) -> GrantPlan:
    rng, call, today = program.rng, program.call, program.today
    plan = GrantPlan(award, trained)
    shares = percentages_text(call.tranche_schedule)
    amounts = split_award(award.amount, call.tranche_schedule)
    plan.tranches = [dict(_pending(), number=n, percentage=share, amount=amount)
                     for n, (share, amount) in enumerate(zip(shares, amounts), start=1)]
    if not trained:
        return plan
    draw = rng.random()
    if draw < 0.08:  # the first tranche approved recently, some with their letter issued, not paid yet
        plan.tranches[0].update(_approved(program, today - timedelta(days=rng.randrange(2, 6))))
        if draw < 0.04:
            plan.tranches[0].update(status=TrancheStatus.LETTER_ISSUED)
        return plan
    first_paid = today - timedelta(days=rng.randrange(40, 226))
    plan.tranches[0].update(_paid(program, first_paid))
    plan.reports = _reports(program, first_paid)
    for report, tranche in zip(plan.reports, plan.tranches[1:]):
        previous = plan.tranches[tranche["number"] - 2]
        if report["status"] != ReportStatus.APPROVED or previous["status"] != TrancheStatus.PAID:
            break
        paid_on = report["reviewed_at"].date() + timedelta(days=rng.randrange(3, 16))
        paid_already = rng.random() < 0.85
        if paid_on < today and paid_already:
            tranche.update(_paid(program, paid_on))
        else:
            tranche.update(_approved(program, min(today, paid_on)))
    last = plan.tranches[-1]
    if len(plan.tranches) > 1 and last["status"] == TrancheStatus.PENDING and rng.random() < 0.03:
        last.update(status=TrancheStatus.CANCELLED, cancelled_at=program.days_ago(rng.uniform(1, 30)),
                    cancelled_by_id=program.officer_id, cancel_reason=names.CANCEL_REASON)
    return plan


def _pending() -> dict:
    return dict(status=TrancheStatus.PENDING, requested_by_id=None, requested_at=None, approved_by_id=None,
                approved_at=None, payment_method=None, payment_reference=None, paid_on=None, paid_at=None,
                paid_recorded_by_id=None, cancelled_at=None, cancelled_by_id=None, cancel_reason=None)


def _approved(program: Program, day: date) -> dict:
    """Requested by the officer, approved by the administrator (never the same person)."""
    return dict(status=TrancheStatus.APPROVED, requested_by_id=program.officer_id,
                requested_at=_at(day - timedelta(days=2), 9), approved_by_id=program.approver_id,
                approved_at=min(_at(day, 9), program.now))


def _paid(program: Program, day: date) -> dict:
    rng = program.rng
    method = rng.choices(list(PaymentMethod), (15, 25, 45, 15))[0]
    return dict(_approved(program, day - timedelta(days=3)), status=TrancheStatus.PAID, payment_method=method,
                payment_reference=f"PAY-{rng.randrange(10**6, 10**7)}", paid_on=day, paid_at=_at(day, 12),
                paid_recorded_by_id=program.approver_id)


def _reports(program: Program, first_paid: date) -> list[dict]:
    """The follow-up reports: those due in the past mostly approved, some awaiting review or changes, some
    overdue; the later ones stay due while an earlier one has not come in."""
    rng, today = program.rng, program.today
    reports, came_in = [], True
    for number, months in enumerate(program.call.followup_months, start=1):
        due_on = add_months(first_paid, months)
        row = dict(number=number, months_after_payment=months, due_on=due_on, status=ReportStatus.DUE,
                   business_status=None, revenue_band=None, jobs_women_full=0, jobs_women_part=0, jobs_men_full=0,
                   jobs_men_part=0, money_bought="", challenges="", submitted_at=None, reviewed_by_id=None,
                   reviewed_at=None, review_comment="", updated_at=program.now)
        draw = rng.random()
        if came_in and due_on < today and draw < 0.82:
            submitted_at = min(_at(due_on + timedelta(days=rng.randrange(-10, 6)), 11), program.now)
            row.update(_answers(rng), submitted_at=submitted_at, updated_at=submitted_at,
                       status=ReportStatus.SUBMITTED)
            reviewed_at = submitted_at + timedelta(days=rng.uniform(1, 10))
            if draw < 0.72 and reviewed_at < program.now:
                row.update(status=ReportStatus.APPROVED, reviewed_by_id=program.officer_id, reviewed_at=reviewed_at,
                           updated_at=reviewed_at)
            elif draw < 0.77 and reviewed_at < program.now:
                row.update(status=ReportStatus.CHANGES_REQUESTED, reviewed_by_id=program.officer_id,
                           reviewed_at=reviewed_at, updated_at=reviewed_at,
                           review_comment="أرفق صور الفواتير من فضلك.")
        came_in = row["status"] != ReportStatus.DUE
        reports.append(row)
    return reports


def _answers(rng) -> dict:
    status = rng.choices(list(BusinessStatus), (82, 11, 7))[0]
    revenue = RevenueBand.NONE if status == BusinessStatus.CLOSED else rng.choice(list(RevenueBand)[1:])
    return dict(business_status=status, revenue_band=revenue, jobs_women_full=rng.randrange(0, 2),
                jobs_women_part=rng.randrange(0, 2), jobs_men_full=rng.randrange(0, 3), jobs_men_part=rng.randrange(0, 2),
                money_bought=rng.choice(names.MONEY_BOUGHT), challenges=rng.choice(names.CHALLENGES))


def _grant_row(program: Program, plan: GrantPlan) -> dict:
    award = plan.award
    signed = award.accepted_at + timedelta(days=program.rng.randrange(1, 8))
    return dict(decision_id=award.decision_id, application_id=award.applicant.id, call_id=program.call.id,
                amount=award.amount, created_at=award.accepted_at,
                paid_total=sum(t["amount"] for t in plan.tranches if t["status"] == TrancheStatus.PAID),
                agreement_key=None, agreement_sha256=None, agreement_signed_on=signed.date(),
                agreement_filed_by_id=program.officer_id)
