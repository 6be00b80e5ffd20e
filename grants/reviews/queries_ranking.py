"""Read helpers for the stored ranking: the fingerprint of what a call's ranking is computed from, the stored rows,
and the names shown beside them (read live, never stored)."""
from sqlalchemy import func, select, true

from ..extensions import db
from ..models import Application, ApplicationStatus, RankingEntry, Review, ReviewRevision, ReviewStatus, User


def ranking_inputs(call_id: int) -> tuple:
    """What the call's ranking is computed from, summed up in ONE aggregate query that reads indexes only
    (see the indexes in grants.models.rankings), never the rows themselves.

    Submitted applications and submitted reviews: how many, and their latest change. Every change that can move a
    ranking (screening, eligibility, withdrawal, submitting or reopening a review, reassigning it) updates the row's
    updated_at or the count. Editing a submitted review's scores may leave the review row as it was, but each edit
    keeps the previous version as a ReviewRevision: their count and last id."""
    applications = (select(func.count().label("applications"),
                           func.max(Application.updated_at).label("applications_changed"))
                    .where(Application.call_id == call_id, Application.status == ApplicationStatus.SUBMITTED)
                    .subquery())
    reviews = (select(func.count().label("reviews"), func.max(Review.updated_at).label("reviews_changed"))
               .where(Review.call_id == call_id, Review.status == ReviewStatus.SUBMITTED).subquery())
    revisions = (select(func.count().label("revisions"), func.max(ReviewRevision.id).label("last_revision"))
                 .join(Review, Review.id == ReviewRevision.review_id).where(Review.call_id == call_id).subquery())
    return tuple(db.session.execute(
        select(applications, reviews, revisions)
        .select_from(applications).join(reviews, true()).join(revisions, true())
    ).one())


def ranking_entries(call_id: int, by: str):
    """The stored ranking of the call, best first (for db.paginate, or read whole by the exports)."""
    return (select(RankingEntry).where(RankingEntry.call_id == call_id, RankingEntry.rank_by == by)
            .order_by(RankingEntry.rank))


def _names_columns():
    return (Application.reference, Application.business_name, Application.full_name_ar, Application.full_name_latin,
            User.full_name)


def application_names(application_ids) -> dict:
    """Application id -> (reference, business name, Arabic name, Latin name, account name), in one query."""
    return {row[0]: tuple(row[1:]) for row in db.session.execute(
        select(Application.id, *_names_columns()).join(User, User.id == Application.applicant_id)
        .where(Application.id.in_(sorted(application_ids))))}


def ranking_entries_with_names(call_id: int, by: str):
    """The whole stored ranking, best first, each entry with application_names' five columns: one query."""
    return db.session.execute(
        select(RankingEntry, *_names_columns())
        .join(Application, Application.id == RankingEntry.application_id)
        .join(User, User.id == Application.applicant_id)
        .where(RankingEntry.call_id == call_id, RankingEntry.rank_by == by)
        .order_by(RankingEntry.rank))


def reviewer_names(reviewer_ids) -> dict:
    """User id -> full name, in one query."""
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(sorted(reviewer_ids)))).all())
