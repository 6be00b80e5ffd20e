"""The disbursements demo: the decided call has grants with tranches in every state and issued letters, made
through the verbs by two different staff members; running the demo again changes nothing."""
from sqlalchemy import func, select

from grants.disbursements import ledger, services
from grants.disbursements.demo import CALL_CODE, seed_disbursements_demo
from grants.extensions import db
from grants.models import (
    Attendance, AuditEntry, Call, Decision, Enrolment, Grant, Letter, OutboxMessage, PaymentMethod, Response,
    Tranche, TrancheStatus, User,
)

MODELS = (Grant, Tranche, Letter, Decision, Enrolment, Attendance, AuditEntry, OutboxMessage)


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in MODELS}


def test_the_demo_has_tranches_in_every_state_and_letters_and_is_idempotent(app):
    from grants.demo import DEMO_PASSWORD, seed_demo

    with app.app_context():
        assert seed_disbursements_demo() is False  # nothing to build on yet
        seed_demo()
        db.session.commit()
        call = db.session.scalar(select(Call).where(Call.code == CALL_CODE))
        tranches = db.session.scalars(select(Tranche).join(Grant).where(Grant.call_id == call.id)).all()
        assert {t.status for t in tranches} == set(TrancheStatus)

        letters = db.session.scalars(select(Letter).where(Letter.voided_at.is_(None))).all()
        assert letters and {letter.tranche.status for letter in letters} == {
            TrancheStatus.PAID, TrancheStatus.LETTER_ISSUED}
        assert all(services.letter_pdf(letter) for letter in letters)

        staff = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        moved = [t for t in tranches if t.status in (TrancheStatus.APPROVED, TrancheStatus.LETTER_ISSUED,
                                                       TrancheStatus.PAID)]
        assert {(t.requested_by_id, t.approved_by_id) for t in moved} == {(staff.id, admin.id)}  # four eyes
        paid = next(t for t in tranches if t.status == TrancheStatus.PAID)
        assert paid.payment_method == PaymentMethod.HAWALA and paid.grant.paid_total == paid.amount
        cancelled = next(t for t in tranches if t.status == TrancheStatus.CANCELLED)
        assert cancelled.cancel_reason
        # every tranche that moved past pending met its conditions (the required course among them)
        for tranche in tranches:
            if tranche.status in (TrancheStatus.REQUESTED, TrancheStatus.APPROVED):
                assert all(condition.met for condition in services.conditions(tranche))

        # the logins kept for answering an award still have it to answer
        pending = {d.application.applicant.email for d in db.session.scalars(
            select(Decision).where(Decision.call_id == call.id, Decision.response == Response.PENDING))}
        assert {"applicant1@example.org", "applicant4@example.org"} <= pending

        with app.test_request_context():
            summary = ledger.call_summary(call)
        assert summary.paid == paid.amount and summary.grants == 3
        assert all(summary.tranche_counts[status] for status in TrancheStatus)

        first = counts()
        assert seed_disbursements_demo() is False
        seed_demo()
        db.session.commit()
        assert counts() == first
        call_id = call.id

    client = app.test_client()
    client.post("/login", data={"email": "admin@example.org", "password": DEMO_PASSWORD})
    response = client.get(f"/disbursements/calls/{call_id}/ledger")
    assert response.status_code == 200
    assert client.get(f"/disbursements/calls/{call_id}/ledger.xlsx").status_code == 200
