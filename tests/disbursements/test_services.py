"""Disbursement verbs on the database: grants from accepted awards, schedules, the four-eyes lifecycle, letters."""
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from grants.disbursements import services
from grants.errors import ActionRefused
from grants.monitoring import services as monitoring
from grants.extensions import db
from grants.models import (
    AuditEntry, Call, Grant, Letter, PaymentMethod, Tranche, TrancheStatus, User,
)

from ..fixtures.disbursements import grant, make_grant
from ..fixtures.monitoring import COMPLETE, report_of
from ..fixtures.training import decided_call, make_course


def staff_pair(make_user):
    return db.session.get(User, make_user("staff").id), db.session.get(User, make_user("admin").id)


def to_letter(tranche, requester, approver):
    services.request_tranche(requester, tranche)
    services.approve_tranche(approver, tranche)
    return services.issue_letter(requester, tranche)


def pay(tranche, actor, on=None):
    services.record_payment(actor, tranche, method=PaymentMethod.HAWALA, reference="HW-1", paid_on=on or date.today())


def test_accepting_an_award_creates_the_grant_with_the_default_schedule(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call, amount=1_000_001)
    tranches = grant(grant_id).tranches
    assert [(t.number, t.percentage, t.amount) for t in tranches] == [
        (1, "50", 500_000), (2, "30", 300_000), (3, "20", 200_001)]
    assert all(t.status == TrancheStatus.PENDING for t in tranches)


def test_accept_award_through_the_decision_verb_makes_one_grant(ctx, make_user):
    from grants.decisions import services as decisions
    from grants.models import Decision, Response

    from ..fixtures.training import make_grantee

    call = decided_call(ctx)
    applicant = make_grantee(ctx, make_user, call, accepted=False)
    decision = db.session.scalar(select(Decision).where(Decision.call_id == call))
    decisions.accept_award(db.session.get(User, applicant.id), decision, conditions_accepted=True)
    db.session.commit()
    assert decision.response == Response.ACCEPTED
    grants = db.session.scalars(select(Grant)).all()
    assert [(g.amount, len(g.tranches)) for g in grants] == [(1_000_000, 3)]
    with pytest.raises(IntegrityError):  # a second grant for the same decision is impossible
        db.session.add(Grant(decision_id=decision.id, application_id=decision.application_id, call_id=call,
                             amount=5))
        db.session.flush()


@pytest.mark.parametrize("text, expected", [
    ("50, 30, 20", [50, 30, 20]), ("٥٠، ٣٠، ٢٠", [50, 30, 20]), ("100", [100]),
    ("33.33, 33.33, 33.34", None), ("25%, 25%, 50%", [25, 25, 50]),
])
def test_schedules_are_parsed_from_what_staff_type(text, expected):
    values = services.parse_schedule(text)
    if expected is not None:
        assert values == expected
    else:
        assert [str(v) for v in values] == ["33.33", "33.33", "33.34"]


@pytest.mark.parametrize("text", ["", "50, 30", "50, 60, -10", "abc", "0, 100", ",".join(["5"] * 20)])
def test_bad_schedules_are_refused_beside_the_field(text):
    with pytest.raises(ActionRefused) as refusal:
        services.parse_schedule(text)
    assert refusal.value.field == "schedule"


def test_editing_the_schedule_before_the_first_payment(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call, amount=999_999)
    requester, approver = staff_pair(make_user)
    g = grant(grant_id)
    first = g.tranches[0]
    letter = to_letter(first, requester, approver)
    services.edit_schedule(requester, g, "60, 40")
    db.session.commit()
    assert letter.voided_at is not None
    active = services.active_tranches(g)
    assert [(t.number, t.amount) for t in active] == [(2, 599_999), (3, 400_000)]  # numbered after the kept one
    assert sum(t.amount for t in active) == 999_999
    assert first.status == TrancheStatus.CANCELLED  # kept: a letter was issued for it
    assert services.position_of(active[0]) == (1, 2)
    letter2 = to_letter(active[0], requester, approver)
    pay(active[0], requester)
    db.session.commit()
    with pytest.raises(ActionRefused):
        services.edit_schedule(requester, g, "50, 50")
    assert letter2.number != letter.number


def test_four_eyes_and_the_order_of_steps(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call)
    requester, approver = staff_pair(make_user)
    first, second = grant(grant_id).tranches[:2]
    with pytest.raises(ActionRefused):
        services.approve_tranche(approver, first)  # not requested yet
    with pytest.raises(ActionRefused):
        services.issue_letter(requester, first)
    services.request_tranche(requester, first)
    db.session.commit()
    with pytest.raises(ActionRefused) as refusal:
        services.approve_tranche(requester, first)
    with force_locale("en"):
        assert "Another staff member" in str(refusal.value.message)
    # Even bypassing the service, the database refuses the requester as approver.
    first.approved_by_id, first.approved_at, first.status = requester.id, first.requested_at, TrancheStatus.APPROVED
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    first = grant(grant_id).tranches[0]
    services.approve_tranche(approver, first)
    with pytest.raises(ActionRefused):
        pay(first, approver)  # no letter yet
    services.issue_letter(requester, first)
    with pytest.raises(ActionRefused):
        services.request_tranche(requester, second)  # the previous tranche is not paid
    with pytest.raises(ActionRefused):
        pay(first, approver, on=date.today() + timedelta(days=2))
    pay(first, approver)
    with pytest.raises(ActionRefused) as refusal:
        pay(first, approver)
    with force_locale("en"):
        assert "already been paid" in str(refusal.value.message)
    db.session.commit()
    assert grant(grant_id).paid_total == first.amount
    with force_locale("en"), pytest.raises(ActionRefused) as refusal:
        services.request_tranche(requester, second)  # the first payment scheduled report 1, not yet approved
    with force_locale("en"):
        assert "Progress report 1 approved" in str(refusal.value.message)
    report = report_of(grant_id)
    grantee = report.grant.application.applicant
    monitoring.save_report(grantee, report, COMPLETE)
    monitoring.submit_report(grantee, report)
    monitoring.review_report(approver, report, approve=True)
    services.request_tranche(requester, second)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("disbursements.%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["disbursements.grant", "disbursements.request", "disbursements.approve",
                       "disbursements.letter", "disbursements.pay", "disbursements.request"]


def test_required_courses_are_a_condition(ctx, make_user):
    call = decided_call(ctx)
    make_course(ctx, calls=[call], required_for_payment=True)
    _, grant_id = make_grant(ctx, make_user, call)
    requester, _ = staff_pair(make_user)
    first = grant(grant_id).tranches[0]
    [condition] = services.conditions(first)
    assert condition.key.startswith("course:") and not condition.met
    with pytest.raises(ActionRefused, match="التخطيط لمشروع صغير"):
        services.request_tranche(requester, first)


def test_the_paid_total_can_never_exceed_the_award(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call)
    g = grant(grant_id)
    g.paid_total = g.amount + 1
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_letter_numbers_are_sequential_per_year_and_reissue_voids(ctx, make_user):
    call = decided_call(ctx)
    requester, approver = staff_pair(make_user)
    letters = []
    for _ in range(3):
        _, grant_id = make_grant(ctx, make_user, call)
        letters.append(to_letter(grant(grant_id).tranches[0], requester, approver))
        db.session.commit()
    year = letters[0].year
    assert [letter.number for letter in letters] == [f"DL-{year}-{n:06d}" for n in (1, 2, 3)]
    new = services.reissue_letter(requester, letters[1], reason="Wrong payment office")
    db.session.commit()
    assert new.number == f"DL-{year}-000004" and letters[1].voided_at is not None
    assert services.valid_letter(letters[1].tranche).id == new.id
    assert services.letter_from_token(services.letter_token(letters[1])).voided_at is not None
    assert services.letter_from_token("forged.token") is None
    # A rolled-back issue gives its number back: no gaps.
    _, grant_id = make_grant(ctx, make_user, call)
    to_letter(grant(grant_id).tranches[0], requester, approver)
    db.session.rollback()
    _, grant_id = make_grant(ctx, make_user, call)
    assert to_letter(grant(grant_id).tranches[0], requester, approver).number == f"DL-{year}-000005"


def test_cancelling_needs_a_reason_and_voids_the_letter(ctx, make_user):
    call = decided_call(ctx)
    _, grant_id = make_grant(ctx, make_user, call)
    requester, approver = staff_pair(make_user)
    first = grant(grant_id).tranches[0]
    letter = to_letter(first, requester, approver)
    with pytest.raises(ActionRefused):
        services.cancel_tranche(requester, first, reason=" ")
    services.cancel_tranche(requester, first, reason="The business closed")
    db.session.commit()
    assert first.status == TrancheStatus.CANCELLED and letter.voided_at is not None
    with pytest.raises(ActionRefused):
        services.cancel_tranche(requester, first, reason="again")


def test_the_call_schedule_applies_to_new_grants(ctx, make_user):
    call_id = decided_call(ctx)
    staff, _ = staff_pair(make_user)
    services.set_call_schedule(staff, db.session.get(Call, call_id), "40, 60")
    db.session.commit()
    _, grant_id = make_grant(ctx, make_user, call_id, amount=1_000)
    assert [t.amount for t in grant(grant_id).tranches] == [400, 600]
    assert db.session.scalar(select(func.count()).select_from(Tranche)) == 2
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0
