"""Read helpers for the staff and grantee disbursement pages: a call's grants with their tranches, one grant's page."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import get_locale
from sqlalchemy import exists, func, select

from ..extensions import db
from ..models import Application, Grant, Letter, Tranche, TrancheStatus, User
from . import services


def _name(full_name_ar: str | None, full_name_latin: str | None) -> str:
    """The grantee's name as written in the application, in the reader's script when there is one."""
    english = str(get_locale() or "ar").startswith("en")
    first, second = (full_name_latin, full_name_ar) if english else (full_name_ar, full_name_latin)
    return first or second or ""


def grantee_name(application: Application) -> str:
    return _name(application.full_name_ar, application.full_name_latin)


def schedule_text(values) -> str:
    """A schedule as staff type it: "50, 30, 20"."""
    return ", ".join(str(value) for value in values or [])


def status_from(value: str | None) -> TrancheStatus | None:
    """The status a filter link names, or None for no filter (also for anything unknown)."""
    try:
        return TrancheStatus(value) if value else None
    except ValueError:
        return None


# --- a call's grants -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrancheCell:
    id: int
    number: int
    status: TrancheStatus
    amount: int


@dataclass
class GrantRow:
    id: int
    application_id: int
    reference: str
    name: str
    business: str
    amount: int
    paid: int
    signed_on: date | None
    tranches: list[TrancheCell] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.amount - self.paid


@dataclass
class CallTotals:
    grants: int = 0
    amount: int = 0
    paid: int = 0
    filed: int = 0
    by_status: dict = field(default_factory=dict)  # TrancheStatus → (count, amount)

    @property
    def remaining(self) -> int:
        return self.amount - self.paid


def call_grants(call_id: int, status: TrancheStatus | None = None) -> list[GrantRow]:
    """Every grant of the call (those with a tranche in `status` when given), each with its tranches: two queries
    whatever the number of grants."""
    query = (select(Grant.id, Grant.application_id, Application.reference, Application.full_name_ar,
                    Application.full_name_latin, Application.business_name, Grant.amount, Grant.paid_total,
                    Grant.agreement_signed_on)
             .join(Application, Application.id == Grant.application_id)
             .where(Grant.call_id == call_id).order_by(Application.reference, Grant.id))
    if status is not None:
        query = query.where(exists().where(Tranche.grant_id == Grant.id, Tranche.status == status))
    rows = {row.id: GrantRow(row.id, row.application_id, row.reference or "", _name(row.full_name_ar,
                                                                                      row.full_name_latin),
                             row.business_name or "", row.amount, row.paid_total, row.agreement_signed_on)
            for row in db.session.execute(query)}
    if not rows:
        return []
    tranches = db.session.execute(
        select(Tranche.grant_id, Tranche.id, Tranche.number, Tranche.status, Tranche.amount)
        .join(Grant, Grant.id == Tranche.grant_id).where(Grant.call_id == call_id)
        .order_by(Tranche.grant_id, Tranche.number))
    for row in tranches:
        if row.grant_id in rows:
            rows[row.grant_id].tranches.append(TrancheCell(row.id, row.number, row.status, row.amount))
    return list(rows.values())


def call_totals(call_id: int) -> CallTotals:
    """The call's grants added up, and its tranches counted per status, in two aggregate queries."""
    count, amount, paid, filed = db.session.execute(
        select(func.count(Grant.id), func.coalesce(func.sum(Grant.amount), 0),
               func.coalesce(func.sum(Grant.paid_total), 0), func.count(Grant.agreement_signed_on))
        .where(Grant.call_id == call_id)).one()
    totals = CallTotals(int(count), int(amount), int(paid), int(filed))
    for status, number, total in db.session.execute(
            select(Tranche.status, func.count(Tranche.id), func.coalesce(func.sum(Tranche.amount), 0))
            .join(Grant, Grant.id == Tranche.grant_id).where(Grant.call_id == call_id).group_by(Tranche.status)):
        totals.by_status[TrancheStatus(status)] = (int(number), int(total))
    return totals


# --- one grant -----------------------------------------------------------------------------------------------

@dataclass
class TrancheLine:
    """A tranche as the grant pages show it: where it stands, what it waits for, its letters."""

    tranche: Tranche
    position: int | None  # i of n among tranches not cancelled; None when cancelled
    conditions: list
    letter: Letter | None  # the valid letter
    void_letters: list[Letter]

    @property
    def unmet(self) -> list[str]:
        return [condition.title for condition in self.conditions if not condition.met]


@dataclass
class GrantPage:
    grant: Grant
    application: Application
    lines: list[TrancheLine]
    count: int  # tranches not cancelled: the n of "i of n"
    names: dict  # user id → full name, for requested/approved/paid/cancelled/issued/filed by

    @property
    def remaining(self) -> int:
        return self.grant.amount - self.grant.paid_total

    @property
    def any_paid(self) -> bool:
        return self.grant.paid_total > 0 or any(line.tranche.status == TrancheStatus.PAID for line in self.lines)


def grant_page(grant: Grant) -> GrantPage:
    """Everything the staff and grantee grant pages show, loaded here (templates run no queries)."""
    tranches = list(grant.tranches)
    active = [t for t in tranches if t.status != TrancheStatus.CANCELLED]
    positions = {t.id: index for index, t in enumerate(active, start=1)}
    letters = defaultdict(list)
    if tranches:
        for letter in db.session.scalars(select(Letter).where(Letter.tranche_id.in_([t.id for t in tranches]))
                                         .order_by(Letter.issued_at, Letter.id)):
            letters[letter.tranche_id].append(letter)
    user_ids = {grant.agreement_filed_by_id}
    for t in tranches:
        user_ids |= {t.requested_by_id, t.approved_by_id, t.paid_recorded_by_id, t.cancelled_by_id}
    for tranche_letters in letters.values():
        user_ids |= {letter.issued_by_id for letter in tranche_letters}
    user_ids.discard(None)
    names = ({row.id: row.full_name for row in db.session.execute(select(User.id, User.full_name)
                                                                 .where(User.id.in_(user_ids)))}
             if user_ids else {})
    lines = []
    for t in tranches:
        valid = next((letter for letter in letters[t.id] if letter.voided_at is None), None)
        lines.append(TrancheLine(
            tranche=t, position=positions.get(t.id),
            conditions=services.conditions(t) if t.status != TrancheStatus.CANCELLED else [],
            letter=valid, void_letters=[letter for letter in letters[t.id] if letter.voided_at is not None]))
    return GrantPage(grant, grant.application, lines, len(active), names)


def grant_of_application(application_id: int) -> Grant | None:
    return db.session.scalar(select(Grant).where(Grant.application_id == application_id))
