"""Decision verbs: propose within the budget, change with a reason, release by email, accept or decline, promote.

Each verb checks its rule, changes rows, writes the audit entry and queues mail; the route commits.
"""
from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..mail.outbox import absolute_url, queue_email
from ..models import (
    Application, Call, CallStatus, Decision, Disability, Gender, Group, Outcome, Response, SetAside, User, utcnow,
)
from . import selection
from .conditions import AWARD_CONDITIONS
from .messages import decision_message

PROPOSAL_STATES = (CallStatus.REVIEWING, CallStatus.DECIDED)


def groups_of(application: Application) -> frozenset[str]:
    """The set-aside groups an application belongs to (age counted on the call's closing date)."""
    groups = set()
    if application.women_led:
        groups.add(Group.WOMEN_LED.value)
    if application.gender == Gender.FEMALE:
        groups.add(Group.WOMEN.value)
    age = application.age_at_close
    if age is not None and age < 25:
        groups.add(Group.UNDER_25.value)
    if application.disability == Disability.YES:
        groups.add(Group.DISABILITY.value)
    return frozenset(groups)


def set_asides_of(call: Call) -> list[tuple[str, int]]:
    rows = db.session.scalars(select(SetAside).where(SetAside.call_id == call.id)
                              .order_by(SetAside.position, SetAside.id))
    return [(row.group.value, row.percentage) for row in rows]


def released_any(call: Call) -> bool:
    return db.session.scalar(select(func.count()).select_from(Decision).where(
        Decision.call_id == call.id, Decision.released_at.is_not(None))) > 0


def compute_proposal(call: Call):
    """Rank, filter by thresholds, and select within the budget: (ranking results, SelectionResult, applications)."""
    from ..reviews.queries import ranking_rows
    from ..reviews.ranking import default_rank_by, scoring_criteria
    from ..reviews.scoring import rank_call
    from ..reviews.services import reviewable_applications

    results = rank_call(ranking_rows(call.id), scoring_criteria(call), by=default_rank_by(call),
                        disagreement_range=call.disagreement_range, disagreement_sd=call.disagreement_sd)
    applications = {a.id: a for a in db.session.scalars(reviewable_applications(call.id))}
    minimum = call.min_overall_score
    candidates = [
        selection.Candidate(id=r.application_id, requested=applications[r.application_id].requested_amount,
                            groups=groups_of(applications[r.application_id]))
        for r in results
        if r.score is not None and not r.failed_criteria
        and (minimum is None or Decimal(str(round(r.score, 2))) >= minimum)
        and applications[r.application_id].requested_amount > 0
    ]
    chosen = selection.propose_funding(candidates, call.budget, set_asides_of(call) or None, call.fit_policy)
    return results, chosen, applications


def decision_columns(proposed) -> tuple[Outcome, int, object, int | None]:
    """(outcome, amount, funded from, waiting-list position) of one candidate's place in a funding proposal
    (None: not chosen)."""
    if proposed is None:
        return Outcome.NOT_SELECTED, 0, None, None
    if proposed.approved:
        return Outcome.APPROVED, proposed.awarded, proposed.funded_from, None
    return Outcome.WAITLISTED, 0, None, proposed.waitlist_position


def generate_proposal(actor: User, call: Call) -> selection.SelectionResult:
    """Write a decision for every reviewable application from the ranking; replaces an unreleased proposal."""
    if call.status not in PROPOSAL_STATES:
        raise ActionRefused(_l("A funding proposal can be made once the call is under review."))
    if released_any(call):
        raise ActionRefused(_l("Decisions have been released: change them one by one instead."))
    results, chosen, applications = compute_proposal(call)
    db.session.execute(Decision.__table__.delete().where(Decision.call_id == call.id))
    now = utcnow()
    for result in results:
        outcome_of = chosen.outcome_for(result.application_id) if result.application_id in {
            o.candidate_id for o in chosen.outcomes} else None
        outcome, amount, funded_from, position = decision_columns(outcome_of)
        db.session.add(Decision(
            call_id=call.id, application_id=result.application_id, outcome=outcome, awarded_amount=amount,
            proposed_outcome=outcome, proposed_amount=amount, rank=result.rank,
            score=Decimal(str(round(result.score, 2))) if result.score is not None else None,
            funded_from=funded_from, waitlist_position=position, decided_by_id=actor.id, decided_at=now))
    db.session.flush()
    record(actor, "decisions.propose", call, approved=len(chosen.approved), waitlisted=len(chosen.waitlist),
           total_awarded=chosen.total_awarded, budget=call.budget)
    return chosen


def change_decision(actor: User, decision: Decision, *, outcome: Outcome, amount: int | None, reason: str,
                    feedback_ar: str | None = None, feedback_en: str | None = None) -> None:
    """Staff override the proposal for one application, always with a written reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_l("Write the reason for this change."), field="reason")
    if decision.response != Response.PENDING:
        raise ActionRefused(_l("The applicant has already answered this award."))
    application, call = decision.application, decision.application.call
    if outcome == Outcome.APPROVED:
        amount = application.requested_amount if amount is None else amount
        if not 0 < amount <= application.requested_amount:
            raise ActionRefused(_l("The award must be more than zero and at most the amount requested."),
                                field="amount")
        others = db.session.scalar(select(func.coalesce(func.sum(Decision.awarded_amount), 0)).where(
            Decision.call_id == call.id, Decision.id != decision.id, Decision.outcome == Outcome.APPROVED,
            Decision.response != Response.DECLINED))
        if others + amount > call.budget:
            raise ActionRefused(_l("This award would take the call over its budget."), field="amount")
    else:
        amount = 0
    before = {"outcome": decision.outcome.value, "amount": decision.awarded_amount}
    decision.outcome, decision.awarded_amount, decision.change_reason = outcome, amount, reason
    decision.waitlist_position = decision.waitlist_position if outcome == Outcome.WAITLISTED else None
    if feedback_ar is not None:
        decision.feedback_ar = feedback_ar
    if feedback_en is not None:
        decision.feedback_en = feedback_en
    decision.decided_by_id, decision.decided_at = actor.id, utcnow()
    if decision.released_at is not None:
        # The applicant was told something else: tell them again, once, under a new key.
        decision.released_at = None
    db.session.flush()
    record(actor, "decisions.change", application, before=before,
           after={"outcome": outcome.value, "amount": amount}, reason=reason)


def release_decisions(actor: User, call: Call) -> dict[str, int]:
    """Queue exactly one email for every decided, not yet notified application of the call.

    The call row is locked first, so two staff pressing the button at once release one after the
    other and the second finds nothing left; each email also carries a unique outbox key, so even
    a retried request cannot queue it twice.
    """
    db.session.refresh(call, with_for_update=True)
    pending = db.session.scalars(select(Decision).where(Decision.call_id == call.id, Decision.released_at.is_(None))
                                 .order_by(Decision.id)).all()
    counts = {outcome.value: 0 for outcome in Outcome}
    now = utcnow()
    for decision in pending:
        decision.released_at = now
        if decision.outcome == Outcome.APPROVED and decision.response_deadline is None:
            decision.response_deadline = now + timedelta(days=call.response_days)
        if decision_message(decision, key=f"decision:{decision.id}:{decision.outcome.value}:{decision.awarded_amount}"):
            counts[decision.outcome.value] += 1
    if call.status == CallStatus.REVIEWING:
        call.status = CallStatus.DECIDED
    db.session.flush()
    record(actor, "decisions.release", call, **counts)
    return counts


def release_preview(call: Call) -> dict[str, int]:
    """How many emails of each outcome a release would queue now."""
    rows = db.session.execute(select(Decision.outcome, func.count()).where(
        Decision.call_id == call.id, Decision.released_at.is_(None)).group_by(Decision.outcome)).all()
    counts = {outcome.value: 0 for outcome in Outcome}
    counts.update({outcome.value: n for outcome, n in rows})
    return counts


def accept_award(applicant: User, decision: Decision, *, conditions_accepted: bool) -> None:
    """The applicant accepts the award before the deadline and becomes a grantee."""
    _check_answerable(applicant, decision)
    if not conditions_accepted:
        raise ActionRefused(_l("Please tick the conditions to accept the award."), field="conditions")
    decision.response, decision.responded_at = Response.ACCEPTED, utcnow()
    db.session.flush()
    record(applicant, "decisions.accept", decision.application, amount=decision.awarded_amount)
    from ..disbursements.services import create_grant

    create_grant(decision)
    application = decision.application
    # About the application, not the decision: the release's progress counts only the decision emails.
    queue_email("award_accepted", to=application.applicant, subject_object=application,
                dedupe_key=f"award-accepted:{decision.id}", decision=decision, application=application,
                call=application.call, conditions=AWARD_CONDITIONS,
                url=absolute_url("decisions.mine", application_id=application.id))


def decline_award(applicant: User, decision: Decision, *, reason: str = "") -> Decision | None:
    """The applicant declines; returns the waitlisted decision staff may now promote, if one fits."""
    _check_answerable(applicant, decision)
    decision.response, decision.responded_at = Response.DECLINED, utcnow()
    db.session.flush()
    record(applicant, "decisions.decline", decision.application, reason=(reason or "").strip() or None)
    return promotion_candidate(decision.application.call)


def _check_answerable(applicant: User, decision: Decision) -> None:
    # Lock the decision and read it again: a double click, a retried request or two open tabs answer one after
    # the other, and the second finds the first answer instead of overwriting it.
    db.session.execute(select(Decision.id).where(Decision.id == decision.id).with_for_update())
    db.session.refresh(decision)
    if decision.application.applicant_id != applicant.id:
        raise ActionRefused(_l("This award is not yours."))
    if decision.outcome != Outcome.APPROVED or decision.released_at is None:
        raise ActionRefused(_l("There is no award to answer."))
    if decision.response == Response.ACCEPTED:
        raise ActionRefused(_l("You have already accepted this award."))
    if decision.response == Response.DECLINED:
        raise ActionRefused(_l("You have already declined this award."))
    if decision.response_deadline is not None and utcnow() > decision.response_deadline:
        raise ActionRefused(_l("The deadline to answer has passed. Please contact the program team."))


def committed_budget(call: Call) -> int:
    """What approved awards that were not declined take from the budget."""
    return db.session.scalar(select(func.coalesce(func.sum(Decision.awarded_amount), 0)).where(
        Decision.call_id == call.id, Decision.outcome == Outcome.APPROVED, Decision.response != Response.DECLINED))


def promotion_candidate(call: Call) -> Decision | None:
    """The best-ranked waitlisted application whose full request fits what the budget has left."""
    room = call.budget - committed_budget(call)
    return db.session.scalar(
        select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Decision.call_id == call.id, Decision.outcome == Outcome.WAITLISTED,
               Application.requested_amount <= room)
        .order_by(Decision.waitlist_position.asc().nulls_last(), Decision.rank, Decision.id).limit(1))


def promote(actor: User, decision: Decision) -> None:
    """Staff move a waitlisted application up to an award; the applicant is emailed at once."""
    if decision.outcome != Outcome.WAITLISTED:
        raise ActionRefused(_l("Only an application on the waiting list can be promoted."))
    call = decision.application.call
    amount = decision.application.requested_amount
    if committed_budget(call) + amount > call.budget:
        raise ActionRefused(_l("The budget left is not enough for this request."))
    decision.outcome, decision.awarded_amount, decision.waitlist_position = Outcome.APPROVED, amount, None
    decision.change_reason = str(_l("Promoted from the waiting list"))
    decision.decided_by_id, decision.decided_at = actor.id, utcnow()
    decision.released_at = utcnow()
    decision.response_deadline = decision.released_at + timedelta(days=call.response_days)
    db.session.flush()
    decision_message(decision, key=f"decision:{decision.id}:approved:{amount}")
    record(actor, "decisions.promote", decision.application, amount=amount)
