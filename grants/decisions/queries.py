"""Read helpers for the staff decision pages: the proposal table and its totals, mail progress, audiences."""
from dataclasses import dataclass

from flask_babel import get_locale
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, lazyload

from ..extensions import db
from ..models import (
    Application, ApplicationStatus, Call, Decision, DecisionTemplate, Group, GroupMessage, MessageStatus, Outcome,
    OutboxMessage, Response, SetAside, User,
)

DECISION_SUBJECT = Decision.__tablename__  # outbox subject_type of decision emails
GROUP_MESSAGE_SUBJECT = GroupMessage.__tablename__  # ... and of messages to a group
FAILED_SHOWN = 100


# --- the proposal ---------------------------------------------------------------------------------

def set_asides(call_id: int) -> list[SetAside]:
    return list(db.session.scalars(select(SetAside).where(SetAside.call_id == call_id)
                                   .order_by(SetAside.position, SetAside.id)))


def call_decisions(call_id: int) -> list[Decision]:
    """Every decision of the call with its application, in rank order, in one query."""
    return list(db.session.scalars(
        select(Decision).join(Decision.application)
        .options(contains_eager(Decision.application).lazyload(Application.call),  # the call is loaded already
                 lazyload(Decision.decided_by))
        .where(Decision.call_id == call_id)
        .order_by(Decision.rank.asc().nulls_last(), Decision.id)))


def applicant_name(application: Application) -> str:
    """The applicant's name as written in the application, in the reader's script when there is one."""
    english = str(get_locale() or "ar").startswith("en")
    first, second = ((application.full_name_latin, application.full_name_ar) if english
                     else (application.full_name_ar, application.full_name_latin))
    return first or second or ""


@dataclass
class Totals:
    """The proposal against the budget: counts per outcome, what awards take, what is left."""

    budget: int
    approved: int = 0
    waitlisted: int = 0
    not_selected: int = 0
    awarded: int = 0  # approved awards not declined: what the budget is committed to
    declined: int = 0  # awards the applicant declined
    declined_amount: int = 0
    released: int = 0
    unreleased: int = 0
    changed: int = 0  # decisions staff changed from the proposal

    @property
    def decided(self) -> int:
        return self.approved + self.waitlisted + self.not_selected

    @property
    def remaining(self) -> int:
        return self.budget - self.awarded


def proposal_totals(call: Call) -> Totals:
    """All totals of the call's decisions in one aggregate query."""
    approved = Decision.outcome == Outcome.APPROVED
    declined = Decision.response == Response.DECLINED
    row = db.session.execute(select(
        func.count().filter(approved),
        func.count().filter(Decision.outcome == Outcome.WAITLISTED),
        func.count().filter(Decision.outcome == Outcome.NOT_SELECTED),
        func.coalesce(func.sum(case((and_(approved, ~declined), Decision.awarded_amount), else_=0)), 0),
        func.count().filter(declined),
        func.coalesce(func.sum(case((declined, Decision.awarded_amount), else_=0)), 0),
        func.count().filter(Decision.released_at.is_not(None)),
        func.count().filter(Decision.released_at.is_(None)),
        func.count().filter(or_(Decision.outcome != Decision.proposed_outcome,
                                Decision.awarded_amount != Decision.proposed_amount)),
    ).where(Decision.call_id == call.id)).one()
    return Totals(call.budget, *(int(value or 0) for value in row))


@dataclass
class SetAsideTotals:
    """One reserve against the decisions as they stand now (after any change staff made)."""

    group: Group
    percentage: int
    reserve: int
    candidates_requested: int = 0  # what the group's candidates (approved or waitlisted) asked for in all
    awarded: int = 0  # awarded to the group's members, from any pot
    from_reserve: int = 0  # awarded from this reserve itself (funded_from)
    members_approved: int = 0

    @property
    def met(self) -> bool:
        return self.awarded >= self.reserve

    @property
    def too_few_candidates(self) -> bool:
        return self.candidates_requested < self.reserve

    @property
    def shortfall(self) -> int:
        return max(0, self.reserve - self.awarded)


def set_aside_totals(call: Call, reserves: list[SetAside], decisions: list[Decision]) -> list[SetAsideTotals]:
    """Per set-aside totals from the decisions already loaded for the table: no query per row or per group."""
    from .services import groups_of

    totals = [SetAsideTotals(s.group, s.percentage, call.budget * s.percentage // 100) for s in reserves]
    if not totals:
        return totals
    for decision in decisions:
        groups = groups_of(decision.application)
        counts = decision.response != Response.DECLINED
        for total in totals:
            if total.group.value not in groups:
                continue
            if decision.proposed_outcome != Outcome.NOT_SELECTED or decision.outcome != Outcome.NOT_SELECTED:
                total.candidates_requested += decision.application.requested_amount
            if decision.outcome == Outcome.APPROVED and counts:
                total.awarded += decision.awarded_amount
                total.members_approved += 1
                if decision.funded_from == total.group.value:
                    total.from_reserve += decision.awarded_amount
    return totals


def has_template(call_id: int) -> set[tuple[str, str]]:
    """(outcome, locale) pairs staff saved their own text for."""
    return {(outcome.value, locale) for outcome, locale in db.session.execute(
        select(DecisionTemplate.outcome, DecisionTemplate.locale).where(DecisionTemplate.call_id == call_id))}


def preview_decision(call_id: int, outcome: Outcome) -> Decision | None:
    """The best-ranked decision of this outcome: real data for the preview of an email text."""
    return db.session.scalar(select(Decision).where(Decision.call_id == call_id, Decision.outcome == outcome)
                             .order_by(Decision.rank.asc().nulls_last(), Decision.id).limit(1))


# --- mail progress --------------------------------------------------------------------------------

def _call_messages(call_id: int):
    """Outbox rows about the call: its decision emails and its messages to groups."""
    decision_ids = select(Decision.id).where(Decision.call_id == call_id).scalar_subquery()
    group_ids = select(GroupMessage.id).where(GroupMessage.call_id == call_id).scalar_subquery()
    return or_(and_(OutboxMessage.subject_type == DECISION_SUBJECT, OutboxMessage.subject_id.in_(decision_ids)),
               and_(OutboxMessage.subject_type == GROUP_MESSAGE_SUBJECT, OutboxMessage.subject_id.in_(group_ids)))


@dataclass
class MailProgress:
    queued: int = 0  # waiting or being sent right now
    sent: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed

    @property
    def done(self) -> int:
        return self.sent + self.failed

    def as_dict(self) -> dict:
        return {"queued": self.queued, "sent": self.sent, "failed": self.failed, "total": self.total}


def mail_progress(call_id: int) -> MailProgress:
    """Queued / sent / failed counts of the call's messages in one aggregate query."""
    waiting = OutboxMessage.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING])
    queued, sent, failed = db.session.execute(select(
        func.count().filter(waiting),
        func.count().filter(OutboxMessage.status == MessageStatus.SENT),
        func.count().filter(OutboxMessage.status == MessageStatus.FAILED),
    ).where(_call_messages(call_id))).one()
    return MailProgress(int(queued or 0), int(sent or 0), int(failed or 0))


def failed_messages(call_id: int, limit: int = FAILED_SHOWN) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(_call_messages(call_id), OutboxMessage.status == MessageStatus.FAILED)
        .order_by(OutboxMessage.id).limit(limit)))


def failed_message_ids(call_id: int) -> list[int]:
    return list(db.session.scalars(select(OutboxMessage.id).where(
        _call_messages(call_id), OutboxMessage.status == MessageStatus.FAILED).order_by(OutboxMessage.id)))


def group_messages(call_id: int) -> list[GroupMessage]:
    return list(db.session.scalars(select(GroupMessage).where(GroupMessage.call_id == call_id)
                                   .order_by(GroupMessage.id.desc())))


# --- messages to a group --------------------------------------------------------------------------

ALL_SUBMITTED = "all"


@dataclass(frozen=True)
class Audience:
    """Who a message to a group goes to: applicants of the call by decision outcome and answer."""

    outcome: str = ALL_SUBMITTED  # an Outcome value, or ALL_SUBMITTED
    response: str | None = None  # a Response value, or None for any

    @classmethod
    def from_dict(cls, data: dict) -> "Audience":
        outcome = data.get("outcome") or ALL_SUBMITTED
        response = data.get("response") or None
        if outcome != ALL_SUBMITTED:
            outcome = Outcome(outcome).value
        if response is not None:
            response = Response(response).value
        return cls(outcome, response)

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "response": self.response}


def audience_query(call_id: int, audience: Audience):
    """The applicants (users) the audience names, each once.

    Outcome filters only see released decisions: a message must not tell anyone a decision early.
    """
    query = (select(User).join(Application, Application.applicant_id == User.id)
             .where(Application.call_id == call_id, Application.status == ApplicationStatus.SUBMITTED,
                    User.active.is_(True)))
    if audience.outcome != ALL_SUBMITTED or audience.response is not None:
        query = query.join(Decision, Decision.application_id == Application.id).where(
            Decision.released_at.is_not(None))
        if audience.outcome != ALL_SUBMITTED:
            query = query.where(Decision.outcome == Outcome(audience.outcome))
        if audience.response is not None:
            query = query.where(Decision.response == Response(audience.response))
    return query


def audience_count(call_id: int, audience: Audience) -> int:
    return db.session.scalar(select(func.count()).select_from(audience_query(call_id, audience).subquery()))


def audience_users(call_id: int, audience: Audience) -> list[User]:
    return list(db.session.scalars(audience_query(call_id, audience).order_by(User.id)))
