"""Read helpers for the staff decision pages: the proposal table and its totals, mail progress, audiences.

The proposal page costs a fixed number of queries whatever the number of decisions: totals, counts per filter and
set-aside totals are SQL aggregates, and only the page of rows shown is loaded, as columns.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, case, func, literal, or_, select

from ..extensions import db
from ..paging import PAGE_SIZE, Page, clamp, page_of, requested_page
from ..models import (
    Application, ApplicationStatus, Call, Decision, DecisionTemplate, Disability, Gender, Group, GroupMessage,
    MessageStatus, Outcome, OutboxMessage, Response, SetAside, User,
)

DECISION_SUBJECT = Decision.__tablename__  # outbox subject_type of decision emails
GROUP_MESSAGE_SUBJECT = GroupMessage.__tablename__  # ... and of messages to a group
FAILED_SHOWN = 100


# --- the proposal ---------------------------------------------------------------------------------

def set_asides(call_id: int) -> list[SetAside]:
    return list(db.session.scalars(select(SetAside).where(SetAside.call_id == call_id)
                                   .order_by(SetAside.position, SetAside.id)))


def applicant_name(application) -> str:
    """The applicant's name as written in the application, in the reader's script when there is one.

    Takes an Application or any row with its full_name_ar and full_name_latin columns."""
    english = str(get_locale() or "ar").startswith("en")
    first, second = ((application.full_name_latin, application.full_name_ar) if english
                     else (application.full_name_ar, application.full_name_latin))
    return first or second or ""


def _shown_conditions() -> dict:
    """The SQL condition of each filter of the proposal table, also counted in its totals."""
    return {
        "approved": Decision.outcome == Outcome.APPROVED,
        "waitlisted": Decision.outcome == Outcome.WAITLISTED,
        "not_selected": Decision.outcome == Outcome.NOT_SELECTED,
        "declined": Decision.response == Response.DECLINED,
        "changed": or_(Decision.outcome != Decision.proposed_outcome,
                       Decision.awarded_amount != Decision.proposed_amount),
    }


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

    @property
    def counts(self) -> dict:
        """How many decisions each filter of the table shows ("" for all of them)."""
        return {"": self.decided, **{key: getattr(self, key) for key in SHOWN}}


def proposal_totals(call: Call) -> Totals:
    """All totals of the call's decisions in one aggregate query."""
    shown = _shown_conditions()
    approved, declined = shown["approved"], shown["declined"]
    row = db.session.execute(select(
        func.count().filter(approved),
        func.count().filter(shown["waitlisted"]),
        func.count().filter(shown["not_selected"]),
        func.coalesce(func.sum(case((and_(approved, ~declined), Decision.awarded_amount), else_=0)), 0),
        func.count().filter(declined),
        func.coalesce(func.sum(case((declined, Decision.awarded_amount), else_=0)), 0),
        func.count().filter(Decision.released_at.is_not(None)),
        func.count().filter(Decision.released_at.is_(None)),
        func.count().filter(shown["changed"]),
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


def _last_day_aged(years: int, day: date) -> date:
    """The latest birth date of someone `years` old on `day` (born on 29 February: the 28th in other years)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def group_member(group: Group, call: Call):
    """The SQL condition of an application belonging to a set-aside group: services.groups_of in SQL."""
    return {
        Group.WOMEN_LED: Application.women_led.is_(True),
        Group.WOMEN: Application.gender == Gender.FEMALE,
        Group.UNDER_25: Application.date_of_birth > _last_day_aged(25, call.closing_date),
        Group.DISABILITY: Application.disability == Disability.YES,
    }[group]


def set_aside_totals(call: Call, reserves: list[SetAside]) -> list[SetAsideTotals]:
    """Per set-aside totals of the call's decisions in one aggregate query (none when the call has no set-aside)."""
    totals = [SetAsideTotals(s.group, s.percentage, call.budget * s.percentage // 100) for s in reserves]
    if not totals:
        return totals
    candidate = or_(Decision.proposed_outcome != Outcome.NOT_SELECTED, Decision.outcome != Outcome.NOT_SELECTED)
    awarded = and_(Decision.outcome == Outcome.APPROVED, Decision.response != Response.DECLINED)
    columns = []
    for total in totals:
        member = group_member(total.group, call)
        columns += [
            func.coalesce(func.sum(case((and_(member, candidate), Application.requested_amount), else_=0)), 0),
            func.coalesce(func.sum(case((and_(member, awarded), Decision.awarded_amount), else_=0)), 0),
            func.coalesce(func.sum(case((and_(member, awarded, Decision.funded_from == total.group.value),
                                         Decision.awarded_amount), else_=0)), 0),
            func.count().filter(and_(member, awarded)),
        ]
    row = db.session.execute(select(*columns).select_from(Decision)
                             .join(Application, Application.id == Decision.application_id)
                             .where(Decision.call_id == call.id)).one()
    for index, total in enumerate(totals):
        (total.candidates_requested, total.awarded, total.from_reserve,
         total.members_approved) = (int(value or 0) for value in row[index * 4:index * 4 + 4])
    return totals


# --- the proposal table, a page at a time -----------------------------------------------------------

# The table's filters, in the order of the links above it: key → title (that of its count in the totals).
SHOWN = {"approved": _l("Approved"), "waitlisted": _l("Waiting list"), "not_selected": _l("Not selected"),
         "declined": _l("Declined by applicants"), "changed": _l("Changed by staff")}
RANK_ORDER = (Decision.rank.asc().nulls_last(), Decision.id)


@dataclass(frozen=True)
class ProposalFilters:
    """Read leniently from the query string: an unknown filter or a page that is not a number means the whole list
    and its first page; a page past the end means the last one."""

    shown: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "ProposalFilters":
        shown = args.get("show", "")
        return cls(shown=shown if shown in SHOWN else "", page=requested_page(args))


@dataclass(frozen=True)
class DecisionRow:
    """One line of the table: the decision and what it shows of its application."""

    id: int
    position: int  # in rank order among the rows of the list shown, from 1
    rank: int | None
    score: Decimal | None
    outcome: Outcome
    proposed_outcome: Outcome
    awarded_amount: int
    proposed_amount: int
    change_reason: str | None
    response: Response
    funded_from: str | None
    waitlist_position: int | None
    released_at: datetime | None
    reference: str
    business: str
    applicant: str
    requested: int

    @property
    def changed(self) -> bool:
        return self.outcome != self.proposed_outcome or self.awarded_amount != self.proposed_amount


def decisions_page(call_id: int, filters: ProposalFilters, totals: Totals) -> Page:
    """The page of decisions the filters ask for, in rank order, as columns: one query (the totals count them)."""
    total = totals.counts[filters.shown]
    page = clamp(filters.page, total)
    offset = (page - 1) * PAGE_SIZE
    # Sort and cut the decisions alone, then join the 50 applications: joining first would sort every pair.
    shown = (select(Decision.id, Decision.rank, Decision.score, Decision.outcome, Decision.proposed_outcome,
                    Decision.awarded_amount, Decision.proposed_amount, Decision.change_reason, Decision.response,
                    Decision.funded_from, Decision.waitlist_position, Decision.released_at,
                    Decision.application_id)
             .where(Decision.call_id == call_id).order_by(*RANK_ORDER).limit(PAGE_SIZE).offset(offset))
    if filters.shown:
        shown = shown.where(_shown_conditions()[filters.shown])
    shown = shown.subquery()
    query = (select(shown, Application.reference, Application.business_name, Application.full_name_ar,
                    Application.full_name_latin, Application.requested_amount)
             .join(Application, Application.id == shown.c.application_id)
             .order_by(shown.c.rank.asc().nulls_last(), shown.c.id))
    rows = [DecisionRow(id=row.id, position=offset + index, rank=row.rank, score=row.score, outcome=row.outcome,
                        proposed_outcome=row.proposed_outcome, awarded_amount=row.awarded_amount,
                        proposed_amount=row.proposed_amount, change_reason=row.change_reason,
                        response=row.response, funded_from=row.funded_from,
                        waitlist_position=row.waitlist_position, released_at=row.released_at,
                        reference=row.reference or "", business=row.business_name or "",
                        applicant=applicant_name(row), requested=row.requested_amount)
            for index, row in enumerate(db.session.execute(query), start=1)]
    return Page(rows, page, total)


def _up_to(rank, decision_id):
    """The decisions at or before (rank, decision_id) in RANK_ORDER: rank ascending, unranked last, then id."""
    return or_(Decision.rank < rank, and_(Decision.rank == rank, Decision.id <= decision_id),
               and_(rank.is_(None), or_(Decision.rank.is_not(None), Decision.id <= decision_id)))


def page_of_decision(decision: Decision) -> int:
    """The page of the whole table that shows this decision: one count."""
    return page_of(db.session.scalar(select(func.count(Decision.id)).where(
        Decision.call_id == decision.call_id, _up_to(literal(decision.rank, Integer), decision.id))))


@dataclass(frozen=True)
class FundingLine:
    """Where the funding line falls: below the last approved decision in rank order."""

    position: int  # of that decision in the whole table, from 1
    rank: int | None

    @property
    def page(self) -> int:
        return page_of(self.position)


def funding_line(call_id: int) -> FundingLine | None:
    """The last approved decision's place in rank order, in one query; None when nothing is approved.

    Its place is the number of decisions up to it in RANK_ORDER (rank, unranked last, then id): a count rather than
    a window over the whole call, which would number every decision."""
    last = (select(Decision.rank, Decision.id)
            .where(Decision.call_id == call_id, Decision.outcome == Outcome.APPROVED)
            .order_by(Decision.rank.desc().nulls_first(), Decision.id.desc()).limit(1).subquery())
    row = db.session.execute(select(func.count(Decision.id).label("position"), last.c.rank).select_from(last)
                             .join(Decision, and_(Decision.call_id == call_id, _up_to(last.c.rank, last.c.id)))
                             .group_by(last.c.rank, last.c.id)).first()
    return FundingLine(int(row.position), row.rank) if row else None


@dataclass(frozen=True)
class Candidate:
    """The waiting-list application the promotion notice offers to approve."""

    id: int  # the decision's
    reference: str
    business: str
    requested: int


def promotion_candidate(call: Call, totals: Totals) -> Candidate | None:
    """services.promotion_candidate as columns, with the room left taken from the totals: one query and no call
    loaded again. The page asks it whether or not an award was declined, so its statement count does not depend on
    the answers applicants gave."""
    row = db.session.execute(
        select(Decision.id, Application.reference, Application.business_name, Application.requested_amount)
        .join(Application, Application.id == Decision.application_id)
        .where(Decision.call_id == call.id, Decision.outcome == Outcome.WAITLISTED,
               Application.requested_amount <= totals.remaining)
        .order_by(Decision.waitlist_position.asc().nulls_last(), Decision.rank, Decision.id).limit(1)).first()
    return Candidate(row.id, row.reference or "", row.business_name or "", row.requested_amount) if row else None


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
