"""Read helpers for the reviewer's pages: the application with what scoring needs, history, others' reviews."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Application, Comment, Document, Review, ReviewRevision, ReviewStatus
from . import scoring


def application_for_review(application_id: int) -> Application:
    """The application with its budget lines, documents, place and sector, in a fixed number of queries."""
    return db.session.scalars(
        select(Application).where(Application.id == application_id)
        .options(selectinload(Application.budget_lines),
                 selectinload(Application.documents).selectinload(Document.requirement),
                 selectinload(Application.place), selectinload(Application.sector))
        .execution_options(populate_existing=True)
    ).one()


def revisions(review_id: int) -> list[ReviewRevision]:
    """Earlier versions of a submitted review, newest first."""
    return db.session.scalars(
        select(ReviewRevision).where(ReviewRevision.review_id == review_id)
        .order_by(ReviewRevision.saved_at.desc(), ReviewRevision.id.desc())
    ).all()


def other_submitted_reviews(review: Review) -> list[Review]:
    """The other reviewers' submitted reviews of the same application, in a stable order (for "Reviewer A, B")."""
    return db.session.scalars(
        select(Review).where(Review.application_id == review.application_id, Review.id != review.id,
                             Review.status == ReviewStatus.SUBMITTED)
        .order_by(Review.submitted_at, Review.id)
    ).all()


def comments(application_id: int) -> list[Comment]:
    """Internal comments on the application, oldest first (authors are joined in the same query)."""
    return db.session.scalars(
        select(Comment).where(Comment.application_id == application_id).order_by(Comment.created_at, Comment.id)
    ).all()


def score_on_100(criteria, values: dict) -> float | None:
    """A review's S on 0-100 from {criterion id: raw value or None}, as the ranking computes it."""
    rubric = [scoring.Criterion(id=c.id, weight=float(c.weight), lo=c.min_score, hi=c.max_score) for c in criteria]
    try:
        return scoring.review_score({k: v for k, v in values.items() if v is not None}, rubric)
    except ValueError:  # a value outside a scale that changed since: show no total rather than fail
        return None
