"""Read helpers for reviews: a reviewer's queue with progress, and the rows the ranking is computed from."""
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Application, Review, ReviewStatus, Score
from .services import reviewable_applications


def reviewer_queue(reviewer_id: int):
    """The reviewer's assignments, newest call first, with the application and call loaded in one query."""
    return db.session.scalars(
        select(Review).where(Review.reviewer_id == reviewer_id)
        .options(joinedload(Review.application).joinedload(Application.call),
                 joinedload(Review.application).joinedload(Application.sector))
        .order_by(Review.call_id.desc(), Review.due_at.asc().nulls_last(), Review.id)
    ).all()


def reviewer_progress(reviewer_id: int) -> tuple[int, int]:
    """(submitted, assigned) counts for "7 of 12 done"."""
    done, total = db.session.execute(
        select(func.count().filter(Review.status == ReviewStatus.SUBMITTED), func.count())
        .where(Review.reviewer_id == reviewer_id)
    ).one()
    return done, total


def ranking_rows(call_id: int):
    """Flat rows for grants.reviews.scoring.rank_call: one query over applications, submitted reviews, scores."""
    applications = reviewable_applications(call_id).subquery()
    return db.session.execute(
        select(applications.c.id, applications.c.submitted_at, Review.id, Review.reviewer_id,
               Score.criterion_id, Score.value)
        .select_from(applications)
        .outerjoin(Review, and_(Review.application_id == applications.c.id,
                                Review.status == ReviewStatus.SUBMITTED))
        .outerjoin(Score, Score.review_id == Review.id)
        .order_by(applications.c.id, Review.id, Score.criterion_id)
    )


def late_reviewers(call_id: int, now):
    """Per reviewer: unfinished reviews of the call and how many are past their due date."""
    return db.session.execute(
        select(Review.reviewer_id, func.count(),
               func.sum(case((Review.due_at < now, 1), else_=0)))
        .where(Review.call_id == call_id, Review.status != ReviewStatus.SUBMITTED)
        .group_by(Review.reviewer_id)
    ).all()
