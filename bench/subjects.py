"""The rows a benchmark (or the query-growth test) opens: the large generated call, and in it the busiest reviewer,
an applicant with a grant, a letter, a certificate, plus a draft to fill in and a review to score wherever one can
still be changed (a generated call is usually past both phases, so those two may come from the demo's calls).

Everything is looked up once, before any timing, in one app context; the benchmark then signs the chosen people in.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Application, ApplicationStatus, Call, CallStatus, Certificate, Enrolment, EnrolmentStatus, Grant, Letter, Review,
    ReviewStatus, Tranche, User,
)
from grants.training.completion import Progress
from grants.training.queries import progress_of

STAFF_EMAIL = "staff@example.org"          # from the usual demo (grants/demo.py)
REVIEW_PHASE = (CallStatus.CLOSED, CallStatus.REVIEWING)


@dataclass(frozen=True)
class Subjects:
    call_id: int                    # the generated call
    staff_id: int
    reviewer_id: int | None         # the reviewer with the most reviews in the generated call
    applicant_id: int | None        # an applicant of the generated call who got a grant (else any applicant)
    letter_id: int | None
    enrolment_id: int | None        # an enrolment with a certificate
    draft: tuple[int, int] | None   # (application id, applicant id): a draft in an open call
    review: tuple[int, int] | None  # (review id, reviewer id): a review its reviewer may still change


def bulk_call_id(seed: int = 1) -> int:
    """The call generate_program(..., seed=seed) made (its code is BULK<seed>)."""
    call_id = db.session.scalar(select(Call.id).where(Call.code == f"BULK{seed}"))
    if call_id is None:  # the generator names its call after the seed; fall back to the call with most applications
        call_id = db.session.scalar(select(Application.call_id).group_by(Application.call_id)
                                    .order_by(func.count().desc()).limit(1))
    return call_id


def find_subjects(call_id: int) -> Subjects:
    # The staff member who made the call (the generated call's own officer), else the demo's.
    staff_id = db.session.scalar(select(Call.created_by_id).where(Call.id == call_id)) or \
        db.session.scalar(select(User.id).where(User.email == STAFF_EMAIL))
    reviewer_id = db.session.scalar(select(Review.reviewer_id).where(Review.call_id == call_id)
                                    .group_by(Review.reviewer_id).order_by(func.count().desc(), Review.reviewer_id)
                                    .limit(1))
    applicant_id = db.session.scalar(
        select(Application.applicant_id).join(Grant, Grant.application_id == Application.id)
        .where(Application.call_id == call_id).order_by(Application.id).limit(1)) or db.session.scalar(
        select(Application.applicant_id).where(Application.call_id == call_id).order_by(Application.id).limit(1))
    letter_id = _first(select(Letter.id).join(Tranche, Tranche.id == Letter.tranche_id)
                       .join(Grant, Grant.id == Tranche.grant_id)
                       .where(Letter.voided_at.is_(None)), Grant.call_id == call_id, Letter.id)
    enrolment_id = _first(select(Enrolment.id).join(Certificate, Certificate.enrolment_id == Enrolment.id)
                          .join(Application, Application.applicant_id == Enrolment.user_id)
                          .where(Certificate.revoked_at.is_(None)), Application.call_id == call_id, Enrolment.id)
    enrolment_id = enrolment_id or _completed_enrolment(call_id)
    draft = _first_row(select(Application.id, Application.applicant_id).join(Call, Call.id == Application.call_id)
                       .where(Application.status == ApplicationStatus.DRAFT, Call.status == CallStatus.OPEN),
                       Application.call_id == call_id, Application.id)
    # A review still being written; else a submitted one, which its reviewer may still change in the review phase.
    review = _first_row(select(Review.id, Review.reviewer_id).join(Call, Call.id == Review.call_id)
                        .where(Call.status.in_(REVIEW_PHASE)),
                        Review.call_id == call_id, (Review.status == ReviewStatus.SUBMITTED, Review.id))
    return Subjects(call_id, staff_id, reviewer_id, applicant_id, letter_id, enrolment_id, draft, review)


def _completed_enrolment(call_id: int, candidates: int = 200) -> int | None:
    """An enrolment whose course is completed (its certificate is issued on first download), preferring the
    generated call's applicants; progress is worked out per enrolment, so only a bounded number are tried."""
    statement = select(Enrolment).where(Enrolment.status == EnrolmentStatus.ENROLLED).order_by(Enrolment.id)
    of_call = statement.join(Application, Application.applicant_id == Enrolment.user_id) \
        .where(Application.call_id == call_id)
    for query in (of_call, statement):
        for enrolment in db.session.scalars(query.limit(candidates)):
            if progress_of(enrolment).status == Progress.COMPLETED:
                return enrolment.id
    return None


def _first_row(statement, preferred, order):
    """The first row, from the generated call when it has one, else from any call."""
    order = order if isinstance(order, tuple) else (order,)
    row = db.session.execute(statement.where(preferred).order_by(*order).limit(1)).first()
    row = row or db.session.execute(statement.order_by(*order).limit(1)).first()
    return tuple(row) if row else None


def _first(statement, preferred, order):
    row = _first_row(statement, preferred, order)
    return row[0] if row else None
