"""Review verbs on the database: automatic assignment, conflicts, saving and submitting, history."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.errors import ActionRefused
from grants.extensions import db
from grants.models import (
    Application, AuditEntry, Call, CallStatus, ConflictKind, Review, ReviewRevision, ReviewStatus, User,
)
from grants.permissions import can_view_application, can_view_document
from grants.calls.services import rubric_locked
from grants.reviews import services

from ..fixtures.program import make_application, make_call
from ..fixtures.reviews import make_review, make_reviewer


@pytest.fixture
def closed_call(app, make_user):
    """A closed call with four submitted applications and four reviewers."""
    call_id = make_call(app, status=CallStatus.CLOSED, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
    applications = [make_application(app, make_user("applicant").id, call_id, submit=True) for _ in range(4)]
    reviewers = [make_reviewer(app, make_user, cap=3) for _ in range(4)]
    return call_id, applications, reviewers


def test_automatic_assignment_gives_every_application_k_reviewers_within_caps(ctx, closed_call, make_user):
    call_id, applications, reviewers = closed_call
    call, staff = db.session.get(Call, call_id), db.session.get(User, make_user("staff").id)
    result = services.assign_automatically(staff, call, seed=1)
    db.session.commit()
    assert result.ok and len(result.assignments) == 12
    rows = db.session.execute(select(Review.application_id, Review.reviewer_id)).all()
    per_application = {a: {r for x, r in rows if x == a} for a in applications}
    assert all(len(reviewers_of) == 3 for reviewers_of in per_application.values())
    loads = [sum(1 for _, r in rows if r == reviewer.id) for reviewer in reviewers]
    assert max(loads) <= 3 and max(loads) - min(loads) <= 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reviews.assign_automatically"))
    again = services.assign_automatically(staff, call, seed=1)  # nothing left to do, nothing removed
    assert again.ok and again.assignments == []


def test_assignment_reports_what_cannot_be_covered_and_writes_nothing(ctx, app, make_user):
    call_id = make_call(app, status=CallStatus.CLOSED, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
    for _ in range(3):
        make_application(app, make_user("applicant").id, call_id, submit=True)
    make_reviewer(app, make_user, cap=2)
    make_reviewer(app, make_user, cap=2)
    call, staff = db.session.get(Call, call_id), db.session.get(User, make_user("staff").id)
    result = services.assign_automatically(staff, call)
    assert not result.ok and result.problems
    assert db.session.scalar(select(db.func.count()).select_from(Review)) == 0


def test_assignment_needs_a_closed_call(ctx, app, make_user):
    call = db.session.get(Call, make_call(app))
    with pytest.raises(ActionRefused):
        services.assign_automatically(db.session.get(User, make_user("staff").id), call)


def test_a_declared_conflict_removes_the_assignment_and_access(ctx, closed_call, make_user):
    call_id, applications, reviewers = closed_call
    review_id = make_review(ctx, applications[0], reviewers[0].id, submit=False)
    reviewer = db.session.get(User, reviewers[0].id)
    application = db.session.get(Application, applications[0])
    assert can_view_application(reviewer, application)
    services.declare_conflict(reviewer, application, ConflictKind.FAMILY, "ابن عمي")
    db.session.commit()
    assert db.session.get(Review, review_id) is None
    assert not can_view_application(reviewer, application)
    staff = db.session.get(User, make_user("staff").id)
    with pytest.raises(ActionRefused):
        services.add_assignment(staff, application, reviewer)


def test_a_conflict_needs_a_reason(ctx, closed_call):
    _, applications, reviewers = closed_call
    with pytest.raises(ActionRefused):
        services.declare_conflict(db.session.get(User, reviewers[0].id), db.session.get(Application, applications[0]),
                                  ConflictKind.OTHER, "  ")


def test_manual_assignment_refuses_own_application_and_shared_company_domain(ctx, app, make_user):
    call_id = make_call(app, status=CallStatus.CLOSED, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
    applicant = make_user("applicant", "reviewer", email="sami@sy-ngo.org")
    colleague = make_reviewer(app, make_user, email="rana@sy-ngo.org")
    webmail_applicant = make_user("applicant", email="ali@gmail.com")
    webmail_reviewer = make_reviewer(app, make_user, email="huda@gmail.com")
    own = db.session.get(Application, make_application(app, applicant.id, call_id, submit=True))
    other = db.session.get(Application, make_application(app, webmail_applicant.id, call_id, submit=True))
    staff = db.session.get(User, make_user("staff").id)
    with pytest.raises(ActionRefused):
        services.add_assignment(staff, own, db.session.get(User, applicant.id))
    with pytest.raises(ActionRefused):
        services.add_assignment(staff, own, db.session.get(User, colleague.id))
    assert services.add_assignment(staff, other, db.session.get(User, webmail_reviewer.id)).id


def test_saving_a_draft_then_submitting_with_the_rules(ctx, closed_call):
    _, applications, reviewers = closed_call
    review = db.session.get(Review, make_review(ctx, applications[0], reviewers[0].id, submit=False))
    reviewer = db.session.get(User, reviewers[0].id)
    first, second, third = (c.id for c in review.application.call.criteria)
    services.save_review(reviewer, review, answers={first: {"value": "3"}})
    assert review.status == ReviewStatus.DRAFT
    with pytest.raises(services.InvalidReview) as refused:
        services.save_review(reviewer, review, answers={first: {"value": 5}, second: {"value": 7},
                                                        third: {"value": "na"}}, submit=True)
    assert set(refused.value.errors) == {f"comment_{first}", f"score_{second}", f"score_{third}", "recommendation"}
    services.save_review(reviewer, review, answers={first: {"value": 5, "comment": "ممتاز"}, second: {"value": 3},
                                                    third: {"value": 2}}, recommendation="fund", submit=True)
    db.session.commit()
    assert review.status == ReviewStatus.SUBMITTED and review.submitted_at
    assert rubric_locked(review.application.call)


def test_editing_a_submitted_review_keeps_the_previous_version(ctx, closed_call):
    _, applications, reviewers = closed_call
    review = db.session.get(Review, make_review(ctx, applications[0], reviewers[0].id, [3, 3, 3]))
    reviewer = db.session.get(User, reviewers[0].id)
    first, second, third = (c.id for c in review.application.call.criteria)
    services.save_review(reviewer, review, answers={first: {"value": 4}, second: {"value": 3}, third: {"value": 3}},
                         recommendation="fund_with_changes")
    db.session.commit()
    [revision] = db.session.scalars(select(ReviewRevision)).all()
    assert revision.snapshot["scores"][str(first)]["value"] == 3
    assert review.status == ReviewStatus.SUBMITTED


def test_reviews_freeze_once_the_call_is_decided(ctx, closed_call):
    _, applications, reviewers = closed_call
    review = db.session.get(Review, make_review(ctx, applications[0], reviewers[0].id, [3, 3, 3]))
    review.application.call.status = CallStatus.DECIDED
    with pytest.raises(ActionRefused):
        services.save_review(db.session.get(User, reviewers[0].id), review, answers={}, recommendation="fund")


def test_blind_reviewers_get_no_documents(ctx, closed_call):
    call_id, applications, reviewers = closed_call
    make_review(ctx, applications[0], reviewers[0].id, submit=False)
    reviewer, application = db.session.get(User, reviewers[0].id), db.session.get(Application, applications[0])
    document = application.documents[0]
    assert can_view_document(reviewer, document)
    application.call.blind_review = True
    assert can_view_application(reviewer, application) and not can_view_document(reviewer, document)
