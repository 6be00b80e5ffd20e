"""The disbursements demo: grants of the decided call (DZ24C) with tranches in every state and issued letters.

What it builds, through the same verbs as real use, with the demo staff member (staff@example.org) and the demo
admin (admin@example.org) as the two pairs of eyes:

- Two more awards of DZ24C are accepted, so the call has three grants. Applicants who are not demo logins are
  chosen first; the decisions demo leaves only one of those with an award to answer, so the second is the
  best-ranked login other than applicant1 (Arabic) and applicant4 (English), whose awards stay unanswered for
  trying the acceptance page (and the waiting-list promotion the decisions demo offers staff stays on offer).
- DZ24C requires the planning course before any payment, and the training demo's only grantee (the first to
  accept) has completed it. The two new grantees are enrolled by staff and marked present at the sessions already
  held (as if they had joined the course from its first day), so they complete it too and their first tranche
  can be requested; the grantees' conditions page shows the course as met.
- The first grantee: tranche 1 requested by staff, approved by the admin, letter issued and paid by hawala;
  tranche 2 requested, approved and its letter issued (waiting for payment); tranche 3 pending.
- The second grantee: tranche 1 approved (its letter is for staff to issue); the last tranche cancelled, the
  grantee having been given part of the equipment elsewhere; tranche 2 pending.
- The third grantee: tranche 1 requested by staff, waiting for the admin's approval (staff cannot approve it:
  four eyes); the others pending.

Needs the decisions and training demos first (does nothing without the decided call). It runs only while no
tranche of the call has moved: running it again changes nothing. Flushes; the caller commits.
"""
from datetime import timedelta

from sqlalchemy import exists, func, select

from ..accounts.services import find_user_by_email
from ..extensions import db
from ..models import (
    Application, Attendance, Call, Decision, EnrolmentStatus, Grant, Letter, Outcome, PaymentMethod, ProgressReport, Response,
    Tranche, TrancheStatus, User, utcnow,
)
from . import services

CALL_CODE = "DZ24C"
GRANTS_WANTED = 3
# Demo logins: applicant1..5. The decisions demo keeps these two awards unanswered for trying the acceptance page.
LOGINS = tuple(f"applicant{n}@example.org" for n in range(1, 6))
KEEP_UNANSWERED = ("applicant1@example.org", "applicant4@example.org")
HAWALA_REFERENCE = "HW-DZ-0118"
# Paid long enough ago that the first follow-up report (3 months) is in and the second (6 months) overdue.
FIRST_PAID_DAYS_AGO = 200
FIRST_REPORT = {
    "business_status": "operating", "revenue_band": "500k_1m", "jobs_women_full": "1", "jobs_men_part": "1",
    "money_bought": "ماكينة خياطة صناعية وطاولة قص وأقمشة للطلبيات الأولى.",
    "challenges": "انقطاع الكهرباء لساعات طويلة يؤخر الطلبيات.",
}
CANCEL_REASON = "طلب المستفيد الاكتفاء بالدفعتين الأوليين بعد أن حصل على جزء من المعدات من منظمة أخرى."


def seed_disbursements_demo() -> bool:
    """Drive the decided call's grants through the tranche states; returns whether anything was added."""
    staff, admin = find_user_by_email("staff@example.org"), find_user_by_email("admin@example.org")
    call = db.session.scalar(select(Call).where(Call.code == CALL_CODE))
    if staff is None or admin is None or call is None or _already_driven(call):
        return False
    _accept_awards(call)
    grants = list(db.session.scalars(select(Grant).where(Grant.call_id == call.id).order_by(Grant.id)))
    if not grants:
        return False
    for grant in grants[:GRANTS_WANTED]:
        _complete_required_courses(staff, grant)
    plans = [_paid_and_letter, _approved_and_cancelled, _requested]
    for grant, plan in zip(grants, plans):
        plan(staff, admin, grant)
    return True


def _already_driven(call: Call) -> bool:
    moved = exists().where(Tranche.grant_id == Grant.id, Grant.call_id == call.id,
                           Tranche.status != TrancheStatus.PENDING)
    lettered = exists().where(Letter.tranche_id == Tranche.id, Tranche.grant_id == Grant.id, Grant.call_id == call.id)
    return bool(db.session.scalar(select(moved))) or bool(db.session.scalar(select(lettered)))


def _accept_awards(call: Call) -> None:
    """Accept released, unanswered awards until the call has GRANTS_WANTED grants: non-logins first, by rank."""
    from ..decisions import services as decisions

    have = db.session.scalar(select(func.count(Grant.id)).where(Grant.call_id == call.id)) or 0
    if have >= GRANTS_WANTED:
        return
    now = utcnow()
    awards = [d for d in db.session.scalars(
        select(Decision).join(Application, Application.id == Decision.application_id)
        .join(User, User.id == Application.applicant_id)
        .where(Decision.call_id == call.id, Decision.outcome == Outcome.APPROVED, Decision.released_at.is_not(None),
               Decision.response == Response.PENDING, User.email.not_in(KEEP_UNANSWERED))
        .order_by(Decision.rank, Decision.id))
        if d.response_deadline is None or d.response_deadline > now]
    awards.sort(key=lambda d: d.application.applicant.email in LOGINS)  # stable: rank order within each kind
    for decision in awards[:GRANTS_WANTED - have]:
        decisions.accept_award(decision.application.applicant, decision, conditions_accepted=True)


def _complete_required_courses(staff: User, grant: Grant) -> None:
    """Enrol the grantee in the call's required courses still running and mark them present at every session
    held so far (keeping everyone else's attendance as it was)."""
    from ..training import queries
    from ..training import services as training

    grantee = grant.application.applicant
    for course, done in queries.required_courses(grantee.id, grant.call_id):
        if done or queries.has_ended(course):
            continue
        enrolment = training.enrol(grantee, course, actor=staff)
        if enrolment.status != EnrolmentStatus.ENROLLED:
            continue
        for session in course.sessions:
            if session.attendance_taken_at is None:
                continue
            present = set(db.session.scalars(select(Attendance.enrolment_id).where(
                Attendance.session_id == session.id, Attendance.present.is_(True))))
            training.record_attendance(staff, session, present | {enrolment.id})


def _ready(tranche: Tranche) -> bool:
    return all(condition.met for condition in services.conditions(tranche))


def _to_approved(requester: User, approver: User, tranche: Tranche) -> bool:
    if not _ready(tranche):
        return False
    services.request_tranche(requester, tranche)
    services.approve_tranche(approver, tranche)
    return True


def _paid_and_letter(staff: User, admin: User, grant: Grant) -> None:
    first, second = grant.tranches[0], grant.tranches[1] if len(grant.tranches) > 1 else None
    if not _to_approved(staff, admin, first):
        return
    services.issue_letter(staff, first)
    services.record_payment(admin, first, method=PaymentMethod.HAWALA, reference=HAWALA_REFERENCE,
                            paid_on=utcnow().date() - timedelta(days=FIRST_PAID_DAYS_AGO))
    _first_report_approved(staff, grant)
    if second is not None and _to_approved(staff, admin, second):
        services.issue_letter(staff, second)


def _first_report_approved(staff: User, grant: Grant) -> None:
    """The grantee's first progress report, submitted and approved: the condition of the second tranche."""
    from ..monitoring import services as monitoring

    report = db.session.scalar(select(ProgressReport).where(ProgressReport.grant_id == grant.id,
                                                            ProgressReport.number == 1))
    if report is None:
        return
    grantee = grant.application.applicant
    monitoring.save_report(grantee, report, FIRST_REPORT)
    monitoring.submit_report(grantee, report)
    monitoring.review_report(staff, report, approve=True)


def _approved_and_cancelled(staff: User, admin: User, grant: Grant) -> None:
    _to_approved(staff, admin, grant.tranches[0])
    if len(grant.tranches) > 2:
        services.cancel_tranche(staff, grant.tranches[-1], reason=CANCEL_REASON)


def _requested(staff: User, admin: User, grant: Grant) -> None:
    if _ready(grant.tranches[0]):
        services.request_tranche(staff, grant.tranches[0])

