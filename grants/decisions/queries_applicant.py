"""Read helpers for the applicant's side of decisions: the decision on an application, the dashboard's links."""
import enum
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Application, Decision, Outcome, Response, utcnow


class AnswerState(enum.StrEnum):
    """Where an award stands for its applicant; the page shows the buttons only while it is OPEN."""

    NONE = "none"  # not an award: waiting list or not selected
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


def decision_for(application_id: int) -> Decision | None:
    """The decision on this application, with the application and its call (one query)."""
    return db.session.scalar(select(Decision).where(Decision.application_id == application_id))


def answer_state(decision: Decision, now: datetime | None = None) -> AnswerState:
    """The same rule as services.accept_award/decline_award, read-only, for showing the right part of the page."""
    if decision.outcome != Outcome.APPROVED:
        return AnswerState.NONE
    if decision.response == Response.ACCEPTED:
        return AnswerState.ACCEPTED
    if decision.response == Response.DECLINED:
        return AnswerState.DECLINED
    if decision.response_deadline is not None and (now or utcnow()) > decision.response_deadline:
        return AnswerState.EXPIRED
    return AnswerState.OPEN


def released_decisions(user) -> dict[int, Decision]:
    """application id -> the released decision, for every application of the user (one query): the dashboard
    links to the decision page of these."""
    rows = db.session.scalars(
        select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Application.applicant_id == user.id, Decision.released_at.is_not(None)))
    return {decision.application_id: decision for decision in rows}
