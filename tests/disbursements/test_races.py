"""Two staff members pressing the same button at the same moment, on PostgreSQL (real row locks): exactly one
approval, one payment, one letter with one number. Each thread has its own app context (its own connection);
a barrier starts them together and the first holds its transaction open a moment before committing, so the
second surely runs meanwhile and must wait for the lock."""
import threading
from functools import partial

import pytest
from sqlalchemy import func, select

from grants.disbursements import services
from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import (
    AuditEntry, Grant, Letter, LetterCounter, OutboxMessage, PaymentMethod, Tranche, TrancheStatus, User,
)

from ..fixtures.disbursements import make_grant
from ..fixtures.races import at_once, at_once_when_ready
from ..fixtures.routes import post, signed_in_client
from .test_staff_routes import advance, call, tranche_ids, url  # noqa: F401

pytestmark = pytest.mark.postgres_only


def at_the_same_moment(app, verb, actor_ids, tranche_id):
    """Run verb(actor, tranche) in one thread per actor, all at once; returns each one's "done" or "refused"."""
    def run(actor_id, go):
        with app.app_context():
            actor = db.session.get(User, actor_id)
            tranche = db.session.get(Tranche, tranche_id)
            tranche.grant.tranches  # loaded before the race, as a request would have them
            go()
            try:
                verb(actor, tranche)
                threading.Event().wait(0.3)  # hold the lock: the other thread is waiting for it now
                db.session.commit()
                return "done"
            except ActionRefused:
                db.session.rollback()
                return "refused"

    return at_once_when_ready(*(partial(run, actor_id) for actor_id in actor_ids), timeout=30)


def count(app, query):
    with app.app_context():
        return db.session.scalar(query)


def audit_count(app, action):
    return count(app, select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_two_staff_approving_the_same_tranche_make_one_approval(app, make_user, call):  # noqa: F811
    requester, one, two = make_user("staff"), make_user("staff"), make_user("admin")
    _, grant_id = make_grant(app, make_user, call)
    first = tranche_ids(app, grant_id)[0]
    advance(app, first, TrancheStatus.REQUESTED, requester.id, one.id)

    outcomes = at_the_same_moment(app, services.approve_tranche, [one.id, two.id], first)
    assert sorted(outcomes) == ["done", "refused"]
    with app.app_context():
        tranche = db.session.get(Tranche, first)
        assert tranche.status == TrancheStatus.APPROVED and tranche.approved_by_id in (one.id, two.id)
    assert audit_count(app, "disbursements.approve") == 1
    assert count(app, select(func.count()).select_from(OutboxMessage)
                 .where(OutboxMessage.template == "tranche_approved")) == 1


def test_two_staff_recording_the_same_payment_pay_once(app, make_user, call):  # noqa: F811
    requester, approver, one, two = make_user("staff"), make_user("admin"), make_user("staff"), make_user("staff")
    _, grant_id = make_grant(app, make_user, call)
    first = tranche_ids(app, grant_id)[0]
    advance(app, first, TrancheStatus.LETTER_ISSUED, requester.id, approver.id)
    with app.app_context():
        today = services.program_today()

    def pay(actor, tranche):
        services.record_payment(actor, tranche, method=PaymentMethod.BANK_TRANSFER, reference=f"BT-{actor.id}",
                                paid_on=today)

    outcomes = at_the_same_moment(app, pay, [one.id, two.id], first)
    assert sorted(outcomes) == ["done", "refused"]
    with app.app_context():
        grant, tranche = db.session.get(Grant, grant_id), db.session.get(Tranche, first)
        assert tranche.status == TrancheStatus.PAID and grant.paid_total == tranche.amount == 500_000
    assert audit_count(app, "disbursements.pay") == 1


def test_two_letters_issued_at_once_make_one_letter_with_one_number(app, make_user, call):  # noqa: F811
    requester, approver, one, two = make_user("staff"), make_user("admin"), make_user("staff"), make_user("staff")
    _, grant_id = make_grant(app, make_user, call)
    first = tranche_ids(app, grant_id)[0]
    advance(app, first, TrancheStatus.APPROVED, requester.id, approver.id)

    outcomes = at_the_same_moment(app, services.issue_letter, [one.id, two.id], first)
    assert sorted(outcomes) == ["done", "refused"]
    with app.app_context():
        letters = db.session.scalars(select(Letter).where(Letter.tranche_id == first)).all()
        assert len(letters) == 1 and letters[0].sequence == 1
        # The refused issue took no number: the next letter of the year is number 2, no gap.
        assert db.session.scalar(select(LetterCounter.last_number).where(LetterCounter.year == letters[0].year)) == 1
    assert audit_count(app, "disbursements.letter") == 1


def test_two_payment_forms_sent_at_once_through_the_routes(app, make_user, call):  # noqa: F811
    """The same race end to end: two staff send the payment form together; one payment, no error page."""
    requester, approver = make_user("staff", locale="en"), make_user("admin", locale="en")
    _, grant_id = make_grant(app, make_user, call)
    first = tranche_ids(app, grant_id)[0]
    advance(app, first, TrancheStatus.LETTER_ISSUED, requester.id, approver.id)
    clients = [signed_in_client(app, requester), signed_in_client(app, approver)]
    path = url(app, "disbursements.pay", tranche_id=first)
    with app.app_context():
        today = services.program_today().isoformat()
    responses = at_once(*(partial(post, client, path, data={"method": "cash", "paid_on": today}) for client in clients),
                        timeout=30)
    assert [response.status_code for response in responses] == [302, 302]
    with app.app_context():
        assert db.session.get(Grant, grant_id).paid_total == 500_000
    assert audit_count(app, "disbursements.pay") == 1
