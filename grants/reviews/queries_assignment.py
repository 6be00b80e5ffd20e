"""Read helpers for the staff assignment pages: reviewers with their caps and loads, a call's assignments.

Each helper is one query (plus at most one batched eager load), whatever the number of rows.
"""
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, lazyload

from ..extensions import db
from ..models import Application, Call, CallStatus, Review, ReviewerProfile, ReviewStatus, Sector, User
from .services import active_reviewers, reviewable_applications

# A reviewer without a profile takes this many reviews per call (as services.profile_for and plan_assignment).
DEFAULT_LOAD_CAP = 20


@dataclass
class ReviewerRow:
    user: User
    cap: int
    profile: ReviewerProfile | None = None
    loads: list = field(default_factory=list)  # [CallLoad], newest call first


@dataclass(frozen=True)
class CallLoad:
    call_id: int
    code: str
    assigned: int
    submitted: int


def reviewer_rows(with_profiles: bool = False) -> list[ReviewerRow]:
    """Active reviewers in id order with their load cap (and their profile with sectors, when asked)."""
    rows = db.session.execute(
        active_reviewers().outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
        .add_columns(ReviewerProfile.load_cap).options(lazyload(User.role_rows))
    ).all()
    result = [ReviewerRow(user, DEFAULT_LOAD_CAP if cap is None else cap) for user, cap in rows]
    if with_profiles and result:
        profiles = {p.user_id: p for p in db.session.scalars(
            select(ReviewerProfile).where(ReviewerProfile.user_id.in_([r.user.id for r in result])))}
        for row in result:
            row.profile = profiles.get(row.user.id)
    return result


def loads_per_call(reviewer_ids) -> dict[int, list[CallLoad]]:
    """Per reviewer: assigned and submitted reviews in each call that is not archived, newest call first."""
    if not reviewer_ids:
        return {}
    loads: dict[int, list[CallLoad]] = {}
    for reviewer_id, call_id, code, assigned, submitted in db.session.execute(
        select(Review.reviewer_id, Call.id, Call.code, func.count(),
               func.count().filter(Review.status == ReviewStatus.SUBMITTED))
        .join(Call, Call.id == Review.call_id)
        .where(Review.reviewer_id.in_(list(reviewer_ids)), Call.status != CallStatus.ARCHIVED)
        .group_by(Review.reviewer_id, Call.id, Call.code)
        .order_by(Review.reviewer_id, Call.id.desc())
    ):
        loads.setdefault(reviewer_id, []).append(CallLoad(call_id, code, assigned, submitted))
    return loads


def reviewable(call_id: int) -> list[Application]:
    """The call's applications that go to review, by reference."""
    # The call is already loaded by the page; joining it again would reload its rubric and lists too.
    return db.session.scalars(reviewable_applications(call_id).options(lazyload(Application.call))
                              .order_by(Application.reference, Application.id)).all()


def call_reviews(call_id: int) -> list[tuple[Review, str | None]]:
    """Every assignment of the call with its reviewer and the application's reference, in one query."""
    return db.session.execute(
        select(Review, Application.reference)
        .join(Application, Application.id == Review.application_id)
        .join(User, User.id == Review.reviewer_id)
        .where(Review.call_id == call_id)
        .options(contains_eager(Review.reviewer).lazyload(User.role_rows), lazyload(Review.scores))
        .order_by(Application.reference, User.full_name, Review.id)
    ).all()


def reviewer_names(user_ids) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(list(user_ids)))).all())


def sectors(keep_ids=()) -> list[Sector]:
    """Active sectors, plus inactive ones a profile already names (so saving does not drop them)."""
    keep = set(keep_ids or ())
    return [s for s in db.session.scalars(select(Sector).order_by(Sector.id)) if s.active or s.id in keep]


def calls_in_review() -> list[Call]:
    """Calls whose reviewers can be assigned now (closed or under review), newest first."""
    return db.session.scalars(select(Call).where(Call.status.in_([CallStatus.CLOSED, CallStatus.REVIEWING]))
                              .order_by(Call.id.desc())).all()
