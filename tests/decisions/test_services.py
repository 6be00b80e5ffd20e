"""Decision verbs on the database: proposal within the budget, changes, release, answers, promotion."""
import pytest
from sqlalchemy import select

from grants.decisions import services
from grants.errors import ActionRefused
from grants.extensions import db
from grants.mail.sender import send_all
from grants.models import Call, CallStatus, Decision, Outcome, OutboxMessage, Response, User

from ..fixtures.decisions import make_reviewed_call

# Five applications, best first; each asks 2,000,000 of a 5,000,000 budget.
SCORES = [[5, 5, 5], [5, 4, 4], [4, 4, 4], [3, 3, 3], [1, 3, 3]]


def decisions_by_application(call_id):
    return {d.application_id: d for d in db.session.scalars(select(Decision).where(Decision.call_id == call_id))}


def test_proposal_funds_in_rank_order_within_the_budget(ctx, make_user):
    call_id, apps = make_reviewed_call(ctx, make_user, SCORES, budget=5_000_000)
    staff = db.session.get(User, make_user("staff").id)
    chosen = services.generate_proposal(staff, db.session.get(Call, call_id))
    db.session.commit()
    assert chosen.total_awarded == 4_000_000
    decisions = decisions_by_application(call_id)
    assert [decisions[a].outcome for a in apps] == [
        Outcome.APPROVED, Outcome.APPROVED, Outcome.WAITLISTED, Outcome.WAITLISTED, Outcome.NOT_SELECTED]
    # The last one fails the first criterion's threshold (mean 1 < 2): never a candidate.
    assert [decisions[a].rank for a in apps] == [1, 2, 3, 4, 5]
    assert decisions[apps[2]].waitlist_position == 1


def test_release_queues_one_email_each_and_never_twice(ctx, make_user, smtp_server):
    call_id, apps = make_reviewed_call(ctx, make_user, SCORES, budget=5_000_000, locales=["ar", "en"])
    staff = db.session.get(User, make_user("staff").id)
    call = db.session.get(Call, call_id)
    services.generate_proposal(staff, call)
    assert services.release_preview(call) == {"approved": 2, "waitlisted": 2, "not_selected": 1}
    assert services.release_decisions(staff, call) == {"approved": 2, "waitlisted": 2, "not_selected": 1}
    db.session.commit()
    assert services.release_decisions(staff, call) == {"approved": 0, "waitlisted": 0, "not_selected": 0}
    db.session.commit()
    assert call.status == CallStatus.DECIDED
    assert send_all().sent == 5
    assert len(smtp_server.messages) == 5
    second = decisions_by_application(call_id)[apps[1]]  # approved; its applicant reads English
    [message] = smtp_server.to(second.application.applicant.email)
    assert message["Subject"] == "Your application DZ26A-00002 is approved"
    body = smtp_server.text_of(message)
    assert "2,000,000 SYP" in body and "Small business grants for youth" in body


def test_changing_a_decision_needs_a_reason_and_respects_the_budget(ctx, make_user):
    call_id, apps = make_reviewed_call(ctx, make_user, SCORES, budget=5_000_000)
    staff = db.session.get(User, make_user("staff").id)
    services.generate_proposal(staff, db.session.get(Call, call_id))
    third = decisions_by_application(call_id)[apps[2]]
    with pytest.raises(ActionRefused):
        services.change_decision(staff, third, outcome=Outcome.APPROVED, amount=None, reason="")
    with pytest.raises(ActionRefused):  # 4,000,000 already awarded + 2,000,000 > 5,000,000
        services.change_decision(staff, third, outcome=Outcome.APPROVED, amount=None, reason="قرار اللجنة")
    services.change_decision(staff, third, outcome=Outcome.APPROVED, amount=1_000_000, reason="تخفيض المبلغ")
    assert third.awarded_amount == 1_000_000 and third.proposed_outcome == Outcome.WAITLISTED


def test_accept_decline_and_promote_from_the_waiting_list(ctx, make_user):
    call_id, apps = make_reviewed_call(ctx, make_user, SCORES, budget=5_000_000)
    staff = db.session.get(User, make_user("staff").id)
    call = db.session.get(Call, call_id)
    services.generate_proposal(staff, call)
    services.release_decisions(staff, call)
    decisions = decisions_by_application(call_id)
    first, second, third = decisions[apps[0]], decisions[apps[1]], decisions[apps[2]]
    first_applicant = first.application.applicant
    with pytest.raises(ActionRefused):
        services.accept_award(first_applicant, first, conditions_accepted=False)
    services.accept_award(first_applicant, first, conditions_accepted=True)
    assert first.response == Response.ACCEPTED
    with pytest.raises(ActionRefused):  # someone else's award
        services.accept_award(first_applicant, second, conditions_accepted=True)
    candidate = services.decline_award(second.application.applicant, second, reason="سافرت")
    assert candidate.id == third.id
    services.promote(staff, third)
    db.session.commit()
    assert third.outcome == Outcome.APPROVED and third.awarded_amount == 2_000_000
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.subject_type == "decisions", OutboxMessage.subject_id == third.id)) == 2


def test_no_proposal_after_release(ctx, make_user):
    call_id, _ = make_reviewed_call(ctx, make_user, SCORES[:2])
    staff = db.session.get(User, make_user("staff").id)
    call = db.session.get(Call, call_id)
    services.generate_proposal(staff, call)
    services.release_decisions(staff, call)
    with pytest.raises(ActionRefused):
        services.generate_proposal(staff, call)
