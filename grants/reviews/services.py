"""Review verbs: plan and apply assignments, declare conflicts, save and submit reviews.

Each verb checks its rule, changes rows, writes the audit entry and flushes; the route commits.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..models import (
    Application, ApplicationStatus, Call, CallStatus, Conflict, ConflictKind, Recommendation, Review,
    ReviewerProfile, ReviewRevision, ReviewStatus, Role, ScreeningStatus, Score, Sector, User, UserRole, utcnow,
)
from . import assignment as planner

ASSIGNABLE_CALL_STATES = (CallStatus.CLOSED, CallStatus.REVIEWING)


class InvalidReview(ActionRefused):
    """A review that cannot be saved as asked; `errors` maps form field names to messages."""

    def __init__(self, errors: dict):
        super().__init__(_l("Please correct the fields marked below."))
        self.errors = errors


def reviewable_applications(call_id: int):
    """Submitted applications of the call that are eligible (or ruled so) and not rejected at screening."""
    return select(Application).where(
        Application.call_id == call_id,
        Application.status == ApplicationStatus.SUBMITTED,
        (Application.eligible.is_(True)) | (Application.eligibility_overridden.is_(True)),
        Application.screening_status.in_([ScreeningStatus.PENDING, ScreeningStatus.SCREENED]),
    )


def active_reviewers():
    return (select(User).join(UserRole).where(UserRole.role == Role.REVIEWER, User.active.is_(True))
            .order_by(User.id))


def profile_for(user: User) -> ReviewerProfile:
    return db.session.get(ReviewerProfile, user.id) or ReviewerProfile(user_id=user.id, load_cap=20, expertise="")


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def plan_assignment(call: Call, seed=0) -> planner.AssignmentResult:
    """What automatic assignment would do now, without changing anything."""
    applications = db.session.scalars(reviewable_applications(call.id)).all()
    applicants = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([a.applicant_id for a in applications])))}
    reviewers = db.session.scalars(active_reviewers()).all()
    profiles = {p.user_id: p for p in db.session.scalars(select(ReviewerProfile))}
    kept: dict[int, set] = {}
    for reviewer_id, application_id in db.session.execute(
            select(Review.reviewer_id, Review.application_id).where(Review.call_id == call.id)):
        kept.setdefault(reviewer_id, set()).add(application_id)
    conflicts = set(db.session.execute(
        select(Conflict.reviewer_id, Conflict.application_id)
        .join(Application, Application.id == Conflict.application_id).where(Application.call_id == call.id)
    ).all())
    sector_codes = dict(db.session.execute(select(Sector.id, Sector.code)).all())
    return planner.assign_reviewers(
        [planner.Application(id=a.id, sector=sector_codes.get(a.sector_id), applicant_id=a.applicant_id,
                             applicant_domain=_domain(applicants[a.applicant_id].email)) for a in applications],
        [planner.Reviewer(
            id=r.id, user_id=r.id, cap=profiles[r.id].load_cap if r.id in profiles else 20,
            sectors=frozenset(s.code for s in profiles[r.id].sectors) if r.id in profiles else frozenset(),
            domain=_domain(r.email), kept=frozenset(kept.get(r.id, ()))) for r in reviewers],
        k=call.reviewers_per_application, conflicts=conflicts, seed=seed,
    )


def assign_automatically(actor: User, call: Call, seed=0) -> planner.AssignmentResult:
    """Give every reviewable application k reviewers; nothing is written when the plan is incomplete."""
    if call.status not in ASSIGNABLE_CALL_STATES:
        raise ActionRefused(_l("Reviewers can be assigned once the call is closed."))
    result = plan_assignment(call, seed)
    if not result.ok:
        return result
    for reviewer_id, application_id in result.assignments:
        db.session.add(Review(call_id=call.id, application_id=application_id, reviewer_id=reviewer_id,
                              assigned_by_id=actor.id, due_at=call.review_due_at))
    record(actor, "reviews.assign_automatically", call, new_assignments=len(result.assignments),
           method=result.method, seed=str(seed))
    db.session.flush()
    return result


def add_assignment(actor: User, application: Application, reviewer: User, due_at: datetime | None = None) -> Review:
    """Staff assign one reviewer by hand: the same hard rules as automatic assignment, caps aside."""
    if application.call.status not in ASSIGNABLE_CALL_STATES:
        raise ActionRefused(_l("Reviewers can be assigned once the call is closed."))
    if not (reviewer.active and reviewer.has_role(Role.REVIEWER)):
        raise ActionRefused(_l("This person is not an active reviewer."), field="reviewer")
    if reviewer.id == application.applicant_id:
        raise ActionRefused(_l("Nobody reviews their own application."), field="reviewer")
    if db.session.scalar(select(Conflict.id).where(Conflict.reviewer_id == reviewer.id,
                                                  Conflict.application_id == application.id)):
        raise ActionRefused(_l("This reviewer declared a conflict of interest with this application."),
                            field="reviewer")
    applicant_domain = _domain(application.applicant.email)
    if _domain(reviewer.email) == applicant_domain and not planner.is_webmail(applicant_domain):
        raise ActionRefused(_l("This reviewer's email domain is the applicant's: a likely conflict."),
                            field="reviewer")
    if db.session.scalar(select(Review.id).where(Review.application_id == application.id,
                                                Review.reviewer_id == reviewer.id)):
        raise ActionRefused(_l("This reviewer is already assigned to this application."), field="reviewer")
    review = Review(call_id=application.call_id, application=application, reviewer=reviewer,
                    assigned_by_id=actor.id, due_at=due_at or application.call.review_due_at)
    db.session.add(review)
    db.session.flush()
    record(actor, "reviews.assign", application, reviewer_id=reviewer.id, review_id=review.id)
    return review


def remove_assignment(actor: User, review: Review) -> None:
    if review.status == ReviewStatus.SUBMITTED:
        raise ActionRefused(_l("A submitted review is never removed."))
    record(actor, "reviews.unassign", review.application, reviewer_id=review.reviewer_id, review_id=review.id)
    db.session.delete(review)
    db.session.flush()


def set_due_date(actor: User, reviews: list[Review], due_at: datetime | None) -> int:
    changed = [r for r in reviews if r.status != ReviewStatus.SUBMITTED and r.due_at != due_at]
    for review in changed:
        review.due_at = due_at
    if changed:
        record(actor, "reviews.set_due_date", changed[0].application.call, count=len(changed),
               due_at=due_at.isoformat() if due_at else None)
    return len(changed)


def declare_conflict(reviewer: User, application: Application, kind: ConflictKind, reason: str) -> Conflict:
    """The reviewer steps away: the assignment (and any review written) goes at once, and stays gone."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_l("Please say briefly what the conflict is."), field="reason")
    conflict = db.session.scalar(select(Conflict).where(Conflict.reviewer_id == reviewer.id,
                                                       Conflict.application_id == application.id))
    if conflict is None:
        conflict = Conflict(reviewer_id=reviewer.id, application_id=application.id, kind=kind, reason=reason)
        db.session.add(conflict)
    review = db.session.scalar(select(Review).where(Review.reviewer_id == reviewer.id,
                                                   Review.application_id == application.id))
    removed = None
    if review is not None:
        removed = {"review_id": review.id, "status": review.status.value}
        db.session.delete(review)
    db.session.flush()
    record(reviewer, "reviews.declare_conflict", application, kind=kind.value, removed_review=removed)
    return conflict


def set_reviewer_profile(actor: User, user: User, *, load_cap: int, sector_ids, expertise: str = "") -> None:
    if load_cap < 0:
        raise ActionRefused(_l("The number of reviews cannot be negative."), field="load_cap")
    profile = db.session.get(ReviewerProfile, user.id)
    if profile is None:
        profile = ReviewerProfile(user_id=user.id)
        db.session.add(profile)
    profile.load_cap = load_cap
    profile.expertise = expertise or ""
    profile.sectors = db.session.scalars(select(Sector).where(Sector.id.in_(list(sector_ids or [])))).all()
    record(actor, "reviews.set_profile", user, load_cap=load_cap, sectors=sorted(int(s) for s in sector_ids or []))


# --- writing a review ----------------------------------------------------------------------------------

NOT_APPLICABLE = "na"


def _snapshot(review: Review) -> dict:
    return {
        "scores": {str(s.criterion_id): {"value": s.value, "comment": s.comment} for s in review.scores},
        "overall_comment": review.overall_comment,
        "recommendation": review.recommendation.value if review.recommendation else None,
        "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None,
    }


def save_review(reviewer: User, review: Review, *, answers: dict, overall_comment: str = "",
                recommendation: str | None = None, submit: bool = False) -> Review:
    """Save the reviewer's scores as a draft, or submit them.

    answers: {criterion_id: {"value": int | "na" | None, "comment": str}}; None means unanswered.
    A draft may be incomplete; a submission needs every criterion scored (or "not applicable" where
    the criterion allows it), a comment for the lowest and the highest score, and a recommendation.
    Editing a submitted review keeps the previous version in its history.
    """
    from ..permissions import can_review

    if not can_review(reviewer, review):
        raise ActionRefused(_l("This review can no longer be changed."))
    was_submitted = review.status == ReviewStatus.SUBMITTED
    submit = submit or was_submitted  # a submitted review stays complete through every edit
    errors: dict[str, str] = {}
    cleaned: dict[int, tuple[int | None, str]] = {}
    for criterion in review.application.call.criteria:
        answer = answers.get(criterion.id) or {}
        value, comment = answer.get("value"), (answer.get("comment") or "").strip()
        field = f"score_{criterion.id}"
        if value == NOT_APPLICABLE:
            if not criterion.allows_not_applicable:
                errors[field] = str(_l("This criterion must be scored."))
                continue
            cleaned[criterion.id] = (None, comment)
            continue
        if value in (None, ""):
            if submit:
                errors[field] = str(_l("Give a score."))
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors[field] = str(_l("Choose a whole number from the scale."))
            continue
        if not criterion.min_score <= value <= criterion.max_score:
            errors[field] = str(_l("Choose a score from %(lo)d to %(hi)d.", lo=criterion.min_score,
                                   hi=criterion.max_score))
            continue
        if submit and value in (criterion.min_score, criterion.max_score) and not comment:
            errors[f"comment_{criterion.id}"] = str(_l("Explain the lowest or highest score in a comment."))
        cleaned[criterion.id] = (value, comment)
    if recommendation not in (None, "") and recommendation not in {r.value for r in Recommendation}:
        errors["recommendation"] = str(_l("Choose a recommendation."))
    elif submit and not recommendation:
        errors["recommendation"] = str(_l("Choose a recommendation."))
    if errors:
        raise InvalidReview(errors)

    if was_submitted:
        db.session.add(ReviewRevision(review_id=review.id, saved_by_id=reviewer.id, snapshot=_snapshot(review)))
    by_criterion = {s.criterion_id: s for s in review.scores}
    for criterion_id, (value, comment) in cleaned.items():
        score = by_criterion.get(criterion_id)
        if score is None:
            review.scores.append(Score(criterion_id=criterion_id, value=value, comment=comment))
        else:
            score.value, score.comment = value, comment
    review.overall_comment = (overall_comment or "").strip()
    review.recommendation = Recommendation(recommendation) if recommendation else None
    if submit:
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = review.submitted_at or utcnow()
    else:
        review.status = ReviewStatus.DRAFT
    db.session.flush()
    action = "reviews.edit_submitted" if was_submitted else ("reviews.submit" if submit else "reviews.save_draft")
    record(reviewer, action, review.application, review_id=review.id)
    return review


# --- staff: due dates for a whole call (assignment pages) -------------------------------------------

def set_call_due_date(actor: User, call: Call, due_at: datetime, *, as_default: bool = True) -> int:
    """Give every unfinished review of the call this due date; as_default also dates reviewers assigned later.

    Returns how many reviews changed. Submitted reviews keep their dates.
    """
    if call.status not in ASSIGNABLE_CALL_STATES:
        raise ActionRefused(_l("Reviewers can be assigned once the call is closed."))
    if as_default and call.review_due_at != due_at:
        call.review_due_at = due_at
        record(actor, "reviews.set_default_due_date", call, due_at=due_at.isoformat())
    reviews = db.session.scalars(select(Review).where(Review.call_id == call.id,
                                                      Review.status != ReviewStatus.SUBMITTED)).all()
    changed = set_due_date(actor, reviews, due_at)
    db.session.flush()
    return changed
