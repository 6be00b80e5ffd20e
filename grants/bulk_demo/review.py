"""Peer review and decisions: three submitted reviews by distinct reviewers for every screened eligible
application, then the funding decisions, released, with the applicants' answers.

Each business has a true merit; each reviewer is a little harsh or lenient and scores each criterion around the
merit. Review scores (0-100) and the selection come from the app's own functions (grants.reviews.scoring and
grants.decisions.selection), so ranks, the budget rule and waiting-list positions are those the app would give.
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import fmean

from ..decisions.selection import Candidate, propose_funding
from ..decisions.services import decision_columns
from ..models import (
    ApplicationStatus, Decision, Outcome, Recommendation, Response, Review, ReviewerProfile, ReviewStatus, Role, Score,
    ScreeningStatus, reviewer_sectors,
)
from ..reviews.ranking import scoring_criteria
from ..reviews.scoring import review_score
from . import names
from .applications import Applicant
from .program import Program

REVIEWERS_PER_APPLICATION = 3
MEAN_LOAD = 40
ACCEPT_SHARE, DECLINE_SHARE = 0.86, 0.07


@dataclass(slots=True)
class Award:
    """An accepted award: what the grant stage needs."""
    applicant: Applicant
    decision_id: int
    amount: int
    accepted_at: datetime


def review_and_decide(program: Program, applicants: list[Applicant]) -> list[Award]:
    reviewed = [a for a in applicants
                if a.status == ApplicationStatus.SUBMITTED and a.screening_status == ScreeningStatus.SCREENED]
    scores = _reviews(program, reviewed) if reviewed else {}
    return _decisions(program, reviewed, scores)


def _reviewers(program: Program, reviewed_count: int) -> list[int]:
    rng = program.rng
    count = max(REVIEWERS_PER_APPLICATION * 2, math.ceil(REVIEWERS_PER_APPLICATION * reviewed_count / MEAN_LOAD))
    users = []
    for number in range(1, count + 1):
        first, _ = rng.choice(names.MALE_FIRST + names.FEMALE_FIRST)
        family, _ = rng.choice(names.FAMILIES)
        users.append(program.user_row(f"{program.prefix}reviewer{number:04d}@example.org", f"{first} {family}",
                                      None, program.days_ago(380)))
    return program.add_users(users, Role.REVIEWER)


def _reviews(program: Program, reviewed: list[Applicant]) -> dict[int, tuple[float, bool]]:
    """Insert the reviews and scores; returns each application's mean review score and whether it fails a
    criterion's threshold."""
    rng, call = program.rng, program.call
    criteria = scoring_criteria(call)
    reviewer_ids = _reviewers(program, len(reviewed))
    bias = {reviewer_id: rng.gauss(0, 0.35) for reviewer_id in reviewer_ids}
    load = dict.fromkeys(reviewer_ids, 0)
    review_rows, score_values, results = [], [], {}
    for applicant in reviewed:
        values_by_criterion = {criterion.id: [] for criterion in criteria}
        review_scores = []
        for reviewer_id in rng.sample(reviewer_ids, REVIEWERS_PER_APPLICATION):
            load[reviewer_id] += 1
            values = {c.id: min(int(c.hi), max(int(c.lo), round(applicant.quality + bias[reviewer_id]
                                                                    + rng.gauss(0, 0.6))))
                      for c in criteria}
            for criterion_id, value in values.items():
                values_by_criterion[criterion_id].append(value)
            score = review_score(values, criteria)
            review_scores.append(score)
            submitted_at = program.days_ago(rng.uniform(291, 310))
            review_rows.append(dict(
                call_id=call.id, application_id=applicant.id, reviewer_id=reviewer_id, status=ReviewStatus.SUBMITTED,
                assigned_at=program.days_ago(312), assigned_by_id=program.officer_id, due_at=call.review_due_at,
                submitted_at=submitted_at, updated_at=submitted_at, overall_comment=rng.choice(names.REVIEW_COMMENTS),
                recommendation=_recommendation(score)))
            score_values.append(values)
        fails = any(c.threshold is not None and fmean(values_by_criterion[c.id]) < c.threshold for c in criteria)
        results[applicant.id] = (fmean(review_scores), fails)
    review_ids = program.rows.add_returning_ids(Review, review_rows)
    program.rows.add(Score, [dict(review_id=review_id, criterion_id=criterion_id, value=value, comment="")
                             for review_id, values in zip(review_ids, score_values)
                             for criterion_id, value in values.items()])
    program.rows.add(ReviewerProfile, [dict(user_id=reviewer_id, load_cap=max(load[reviewer_id], MEAN_LOAD),
                                            expertise="")
                                       for reviewer_id in reviewer_ids])
    sector_ids = [sector.id for sector in program.sectors]
    program.rows.add(reviewer_sectors, [dict(user_id=reviewer_id, sector_id=sector_id) for reviewer_id in reviewer_ids
                                        for sector_id in rng.sample(sector_ids, min(2, len(sector_ids)))])
    return results


def _recommendation(score: float) -> Recommendation:
    if score >= 70:
        return Recommendation.FUND
    if score >= 50:
        return Recommendation.FUND_WITH_CHANGES
    return Recommendation.DO_NOT_FUND


def _decisions(program: Program, reviewed: list[Applicant], scores: dict) -> list[Award]:
    call = program.call
    ranked = sorted(reviewed, key=lambda a: (-round(scores[a.id][0], 2), a.id))
    candidates = [Candidate(id=a.id, requested=a.requested) for a in ranked
                  if not scores[a.id][1] and Decimal(str(round(scores[a.id][0], 2))) >= call.min_overall_score]
    chosen = {o.candidate_id: o for o in propose_funding(candidates, call.budget, None, call.fit_policy).outcomes}
    decided_at, released_at = program.days_ago(285), program.days_ago(280)
    rows, answers = [], []
    for rank, applicant in enumerate(ranked, start=1):
        proposal = chosen.get(applicant.id)
        outcome, amount, funded_from, position = decision_columns(proposal)
        response, responded_at = _answer(program, outcome, released_at)
        feedback_ar, feedback_en = names.FEEDBACK[outcome.value]
        rows.append(dict(
            call_id=call.id, application_id=applicant.id, outcome=outcome, awarded_amount=amount,
            proposed_outcome=outcome, proposed_amount=amount, change_reason=None, rank=rank,
            score=Decimal(str(round(scores[applicant.id][0], 2))), funded_from=funded_from,
            waitlist_position=position, feedback_ar=feedback_ar, feedback_en=feedback_en,
            decided_by_id=program.officer_id, decided_at=decided_at, released_at=released_at, response=response,
            response_deadline=released_at + timedelta(days=call.response_days), responded_at=responded_at))
        answers.append((applicant, amount, response, responded_at))
    decision_ids = program.rows.add_returning_ids(Decision, rows)
    return [Award(applicant, decision_id, amount, responded_at)
            for decision_id, (applicant, amount, response, responded_at) in zip(decision_ids, answers)
            if response == Response.ACCEPTED]


def _answer(program: Program, outcome: Outcome, released_at: datetime) -> tuple[Response, datetime | None]:
    """Most awards are accepted within the answer period, a few declined, a few never answered."""
    if outcome != Outcome.APPROVED:
        return Response.PENDING, None
    draw = program.rng.random()
    responded_at = released_at + timedelta(days=program.rng.uniform(0.2, program.call.response_days - 1))
    if draw < ACCEPT_SHARE:
        return Response.ACCEPTED, responded_at
    if draw < ACCEPT_SHARE + DECLINE_SHARE:
        return Response.DECLINED, responded_at
    return Response.PENDING, None
