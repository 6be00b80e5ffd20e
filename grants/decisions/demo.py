"""Demo decisions for `seed-demo`: a decided call with released decisions, and a reviewed call ready to decide.

- DZ24C (made here: an earlier round with a tight budget, a set-aside and a minimum score) is reviewed,
  decided and released: approved awards, a waiting list and applications not selected, each with feedback in
  both languages. One grantee has accepted and one has declined (so the staff proposal page offers a promotion
  from the waiting list); the other awards, among them those of applicant1 (Arabic) and applicant4 (English),
  wait for an answer. Its decision emails sit in the outbox.
- DZ25B (made by grants.demo, reviewed here through grants.reviews.demo when nobody has yet) is left under
  review with every review submitted: ready for staff to generate the funding proposal.

Needs the demo accounts and calls of grants.demo.seed_demo first (does nothing without them). Every step is
skipped when already done, so running it again changes nothing. Everything but the feedback texts goes through
the service verbs; flushes, the caller commits.
"""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import exists, select

from ..accounts.services import find_user_by_email
from ..extensions import db
from ..models import Application, Call, CallStatus, Decision, Group, Outcome, Response, Review, User
from . import services

DECIDED_CODE = "DZ24C"
READY_CODE = "DZ25B"
DECIDED_BUDGET = 15_000_000  # about half of what the eleven applicants ask: a real choice and a waiting list
DECIDED_SET_ASIDES = [(Group.WOMEN_LED, 40)]
DECIDED_MIN_SCORE = Decimal("46")  # the two weakest demo applications score below it: not selected

FEEDBACK = {
    Outcome.APPROVED: (
        "مشروع واضح بموازنة واقعية. ننصحك بالتركيز على التسويق في الأشهر الأولى وبمسك دفاتر المصروفات من اليوم الأول.",
        ("A clear project with a realistic budget. Focus on marketing in the first months, and keep a record of "
         "your spending from day one.")),
    Outcome.WAITLISTED: (
        "طلب جيد، لكن الموازنة لم تكفِ لكل الطلبات الجيدة. سنتواصل معك إن توفر تمويل.",
        ("A good application, but the budget did not cover every good one. We will contact you if funds "
         "become available.")),
    Outcome.NOT_SELECTED: (
        "تحتاج دراسة السوق والموازنة إلى تفصيل أكثر. نشجعك على التقديم في الدورة القادمة.",
        "The market study and the budget need more detail. We encourage you to apply to the next call."),
}
DECLINE_REASON = "حصلت على عمل خارج المحافظة ولن أتمكن من تنفيذ المشروع."


def seed_decisions_demo() -> dict[str, str | None]:
    """Add whatever part of the decisions demo is missing; returns {"decided": code, "ready": code} (None for a
    call that could not be made, e.g. before seed_demo)."""
    staff = find_user_by_email("staff@example.org")
    if staff is None:
        return {"decided": None, "ready": None}
    ready = _ready_call(staff)
    decided = _decided_call(staff)
    return {"decided": decided.code if decided else None, "ready": ready.code if ready else None}


def _call(code: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.code == code))


def _reviewed(call: Call, staff: User) -> bool:
    """Every reviewable application reviewed (by the demo reviewers) and the call under review or later."""
    from ..calls import services as calls
    from ..reviews.demo import seed_reviews_demo

    reviewed = db.session.scalar(select(exists().where(Review.call_id == call.id)))
    if not reviewed and (call.status != CallStatus.CLOSED or not seed_reviews_demo(call, staff)):
        return False
    if call.status == CallStatus.CLOSED:
        calls.start_review(staff, call)
    return call.status in services.PROPOSAL_STATES


def _ready_call(staff: User) -> Call | None:
    """DZ25B reviewed and under review, without decisions: the call staff decide in the demo."""
    call = _call(READY_CODE)
    if call is None or not _reviewed(call, staff):
        return None
    return call


def _decided_call(staff: User) -> Call | None:
    from ..calls import services as calls
    from ..demo import DEMO_PEOPLE, EXTRA_APPLICANTS, PROFILES, _fill_application, _make_call
    from .services_staff import save_settings

    call = _call(DECIDED_CODE)
    applicants = [p[0] for p in DEMO_PEOPLE if p[0].startswith("applicant")] + [e for e, _ in EXTRA_APPLICANTS]
    if call is None:
        call = _make_call(DECIDED_CODE, "منح التعافي الاقتصادي 2024", "Economic recovery grants 2024",
                          opens_in=timedelta(days=-90), closes_in=timedelta(minutes=5))
        calls.update_call(staff, call, budget=DECIDED_BUDGET)
        for index, email in enumerate(applicants):
            applicant = find_user_by_email(email)
            if applicant is not None:
                _fill_application(applicant, call, PROFILES[index], submit=True)
        calls.close_call(staff, call)
        save_settings(staff, call, set_asides=DECIDED_SET_ASIDES, fit_policy=call.fit_policy,
                      min_overall_score=DECIDED_MIN_SCORE, response_days=call.response_days)
    if not _reviewed(call, staff):
        return None
    if not db.session.scalar(select(exists().where(Decision.call_id == call.id))):
        services.generate_proposal(staff, call)
        # The committee's feedback is written with the proposal; the staff change form writes feedback only
        # together with a reason for changing the decision, which these are not.
        for decision in db.session.scalars(select(Decision).where(Decision.call_id == call.id)):
            decision.feedback_ar, decision.feedback_en = FEEDBACK[decision.outcome]
        db.session.flush()
    if any(services.release_preview(call).values()):
        services.release_decisions(staff, call)
    _answer_awards(call, logins={find_user_by_email(e).id for e in applicants[:5] if find_user_by_email(e)})
    return call


def _answer_awards(call: Call, logins: set[int]) -> None:
    """The best-ranked grantee who is not a demo login accepts, the next declines; the rest wait for an answer."""
    if db.session.scalar(select(exists().where(Decision.call_id == call.id, Decision.response != Response.PENDING))):
        return
    awards = [d for d in db.session.scalars(
        select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Decision.call_id == call.id, Decision.outcome == Outcome.APPROVED).order_by(Decision.rank))
        if d.application.applicant_id not in logins]
    if awards:
        services.accept_award(awards[0].application.applicant, awards[0], conditions_accepted=True)
    if len(awards) > 1:
        services.decline_award(awards[1].application.applicant, awards[1], reason=DECLINE_REASON)
