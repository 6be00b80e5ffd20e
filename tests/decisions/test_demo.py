"""The decisions demo: a decided call with released decisions and answers, a reviewed call ready to decide; twice
changes nothing."""
from sqlalchemy import func, select

from grants.decisions import services
from grants.decisions.demo import DECIDED_CODE, READY_CODE, seed_decisions_demo
from grants.extensions import db
from grants.models import (
    AuditEntry,
    Call,
    CallStatus,
    Decision,
    OutboxMessage,
    Outcome,
    Response,
    Review,
    ReviewStatus,
    User,
)


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Call, Decision, Review, OutboxMessage, AuditEntry, User)}


def test_the_demo_has_a_decided_call_and_a_call_ready_to_decide_and_is_idempotent(app):
    from grants.demo import DEMO_PASSWORD, seed_demo

    with app.app_context():
        assert seed_decisions_demo() == {"decided": None, "ready": None}  # nothing to build on yet
        seed_demo()
        db.session.commit()
        assert seed_decisions_demo() == {"decided": DECIDED_CODE, "ready": READY_CODE}
        db.session.commit()
        first = counts()

        decided = db.session.scalar(select(Call).where(Call.code == DECIDED_CODE))
        assert decided.status == CallStatus.DECIDED
        decisions = db.session.scalars(select(Decision).where(Decision.call_id == decided.id)
                                       .order_by(Decision.rank)).all()
        assert decisions and all(d.released_at is not None and d.feedback_ar and d.feedback_en for d in decisions)
        outcomes = {d.outcome for d in decisions}
        assert outcomes == {Outcome.APPROVED, Outcome.WAITLISTED, Outcome.NOT_SELECTED}
        approved = [d for d in decisions if d.outcome == Outcome.APPROVED]
        assert sum(d.awarded_amount for d in approved) <= decided.budget
        # one accepted here; the disbursements demo (grants.disbursements.demo) accepts two more for its grants
        assert [d.response for d in approved].count(Response.ACCEPTED) == 3
        assert [d.response for d in approved].count(Response.DECLINED) == 1
        assert all(d.response_deadline is not None for d in approved)
        # one decision email per decision, and the grantee's confirmation
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.template == "decision")) == len(decisions)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.template == "award_accepted")) == 3
        # the decline freed budget that a waiting-list application fits: staff are offered a promotion
        assert services.promotion_candidate(decided) is not None
        # the demo logins have an award to answer (applicant1 reads Arabic, applicant4 English)
        pending = {d.application.applicant.email for d in approved if d.response == Response.PENDING}
        assert {"applicant1@example.org", "applicant4@example.org"} <= pending

        ready = db.session.scalar(select(Call).where(Call.code == READY_CODE))
        assert ready.status == CallStatus.REVIEWING
        assert db.session.scalar(select(func.count()).select_from(Decision).where(Decision.call_id == ready.id)) == 0
        statuses = set(db.session.scalars(select(Review.status).where(Review.call_id == ready.id)))
        assert statuses == {ReviewStatus.SUBMITTED}
        assert services.compute_proposal(ready)[1].approved  # a proposal can be made from it

        assert seed_decisions_demo() == {"decided": DECIDED_CODE, "ready": READY_CODE}
        seed_demo()
        db.session.commit()
        assert counts() == first

        application_id = next(d.application_id for d in approved
                              if d.application.applicant.email == "applicant1@example.org")

    # applicant1 sees the award in the portal, with the conditions to accept
    client = app.test_client()
    client.post("/login", data={"email": "applicant1@example.org", "password": DEMO_PASSWORD})
    response = client.get(f"/my/applications/{application_id}/decision")
    assert response.status_code == 200 and 'name="conditions"' in response.get_data(as_text=True)
