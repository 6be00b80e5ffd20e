"""Demo reviews for `seed-demo`: assign the demo reviewers to a closed call and submit their reviews.

reviewer1 is harsh (low scores, strong opinions), reviewer2 lenient (high scores, all alike), reviewer3 in
between; so the calibrated ranking visibly differs from the raw one.
"""
import random

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from ..accounts.services import find_user_by_email
from ..extensions import db
from ..models import Call, Review, Role, User, UserRole
from . import scoring, services
from .ranking import scoring_criteria

HARSH = "reviewer1@example.org"
LENIENT = "reviewer2@example.org"
DEMO_REVIEWERS = (HARSH, LENIENT, "reviewer3@example.org")

# A reviewer's style as (centre, spread) of S on 0-100. Under full overlap, raw means weigh reviewers by their
# spread while calibrated means weigh them alike: the harsh reviewer's wide spread outweighs the other two in
# the raw ranking only, so where they disagree the two rankings differ.
STYLES = {HARSH: (35.0, 30.0), LENIENT: (80.0, 8.0)}
NEUTRAL = (60.0, 12.0)

COMMENTS = {
    "low": "الفكرة تحتاج إلى عمل كثير قبل التمويل.",
    "middle": "مقبول، مع بعض النقاط التي تحتاج إلى توضيح.",
    "high": "نقطة قوة واضحة في الطلب.",
}


def _answers_for(target: float, criteria: list) -> dict:
    """Whole-number raw scores whose S is as close to target as the rubric allows (greedy from the bottom)."""
    level = min(1.0, max(0.0, target / 100))
    raw = {c.id: int(c.lo + level * (c.hi - c.lo)) for c in criteria}
    while True:
        best, best_gap = None, abs(scoring.review_score(raw, criteria) - target)
        for c in criteria:
            if raw[c.id] < c.hi:
                gap = abs(scoring.review_score({**raw, c.id: raw[c.id] + 1}, criteria) - target)
                if gap < best_gap - 1e-9:
                    best, best_gap = c.id, gap
        if best is None:
            return raw
        raw[best] += 1


def _plan(reviews: list, quality: dict, emails: dict, criteria: list, swap: int) -> dict:
    """review id -> raw answers. The harsh reviewer swaps the applications at quality positions swap, swap+1."""
    ranked = sorted(quality, key=quality.get, reverse=True)
    harsh_quality = dict(quality)
    if len(ranked) > swap + 1:
        a, b = ranked[swap], ranked[swap + 1]
        harsh_quality[a], harsh_quality[b] = quality[b], quality[a]
    plan = {}
    for review in reviews:
        email = emails.get(review.reviewer_id)
        centre, spread = STYLES.get(email, NEUTRAL)
        q = (harsh_quality if email == HARSH else quality)[review.application_id]
        plan[review.id] = _answers_for(centre + spread * q, criteria)
    return plan


def _orders(reviews: list, plan: dict, criteria: list) -> tuple[list, list]:
    rows = [(r.application_id, r.application.submitted_at, r.id, r.reviewer_id, cid, x)
            for r in reviews for cid, x in plan[r.id].items()]
    return tuple([result.application_id for result in scoring.rank_call(rows, criteria, by=by)]
                 for by in ("raw", "calibrated"))


def _recommendation(score: float) -> str:
    return "fund" if score >= 70 else ("fund_with_changes" if score >= 45 else "do_not_fund")


def _comment(value: int, lo: int, hi: int) -> str:
    position = (value - lo) / (hi - lo)
    return COMMENTS["low" if position < 0.4 else ("high" if position > 0.7 else "middle")]


def seed_reviews_demo(call: Call, actor: User | None = None) -> int:
    """Assign reviewers to the closed call and submit a review for every assignment; returns how many.

    Does nothing (returns 0) when the call already has reviews or the demo reviewers do not exist.
    Flushes; the caller commits."""
    if db.session.scalar(select(exists().where(Review.call_id == call.id))):
        return 0
    people = {email: find_user_by_email(email) for email in DEMO_REVIEWERS}
    if any(user is None for user in people.values()):
        return 0
    actor = actor or find_user_by_email("admin@example.org") or db.session.scalar(
        select(User).join(UserRole).where(UserRole.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.id))
    if not services.assign_automatically(actor, call, seed=0).ok:
        return 0
    reviews = db.session.scalars(select(Review).where(Review.call_id == call.id)
                                 .options(joinedload(Review.application))
                                 .order_by(Review.application_id, Review.id)).all()
    emails = {user.id: email for email, user in people.items()}
    reviewers = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({r.reviewer_id for r in reviews})))}

    # Each application's quality in [-1, 1], in a fixed shuffled order so the ranking is not the filing order.
    application_ids = sorted({r.application_id for r in reviews})
    random.Random(call.code).shuffle(application_ids)
    n = len(application_ids)
    quality = {a: 1.0 - 2.0 * i / (n - 1) if n > 1 else 0.0 for i, a in enumerate(application_ids)}

    criteria = scoring_criteria(call)
    plan = _plan(reviews, quality, emails, criteria, 0)
    for swap in range(max(n - 1, 1)):  # the first disagreement that makes calibration change the order
        candidate = _plan(reviews, quality, emails, criteria, swap)
        raw_order, calibrated_order = _orders(reviews, candidate, criteria)
        if raw_order != calibrated_order:
            plan = candidate
            break

    rubric = {c.id: c for c in call.criteria}
    for review in reviews:
        answers = plan[review.id]
        score = scoring.review_score(answers, criteria)
        services.save_review(
            reviewers[review.reviewer_id], review,
            answers={cid: {"value": x, "comment": _comment(x, rubric[cid].min_score, rubric[cid].max_score)}
                     for cid, x in answers.items()},
            overall_comment="تقييم تجريبي لأغراض العرض.", recommendation=_recommendation(score), submit=True)
    return len(reviews)

