"""Disbursement verbs: a grant from an accepted award, its schedule, and each tranche's way to payment.

pending → requested (staff, all conditions met) → approved (another staff member: four eyes) →
letter issued → paid; or cancelled with a reason. Every verb locks the grant row first (SELECT ...
FOR UPDATE on PostgreSQL; SQLite serialises writers) and reads the tranche again under that lock,
so two staff pressing the same button at once act one after the other and the second is refused.
The schema backs each rule: a CHECK that the approver is not the requester, a CHECK that the paid
total stays within the award, one valid letter per tranche, unique letter numbers.
"""
import hashlib
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..audit import record
from ..errors import ActionRefused
from ..extensions import db
from ..models import (
    Application, Call, Decision, Grant, Letter, LetterCounter, PaymentMethod, Response, Tranche, TrancheStatus, User,
    utcnow,
)
from ..storage import storage
from .schedule import DEFAULT_SCHEDULE, split_award, validate_schedule

OPEN_STATES = (TrancheStatus.PENDING, TrancheStatus.REQUESTED, TrancheStatus.APPROVED, TrancheStatus.LETTER_ISSUED)


def program_today() -> date:
    """Today's date where the program works: what staff mean by "today" in a date field."""
    from ..formatting import to_program_time

    return to_program_time(utcnow()).date()


def _lock(grant: Grant) -> None:
    """Lock the grant row and read it and its tranches again, as they are now (after this session's changes)."""
    db.session.flush()
    db.session.refresh(grant, with_for_update=True)
    for tranche in grant.tranches:
        db.session.refresh(tranche)


# --- the grant and its schedule ------------------------------------------------------------------------------

def percentages_text(percentages) -> list[str]:
    return [str(p) for p in percentages]


def parse_schedule(text: str) -> list:
    """"50, 30, 20" (or with spaces, Arabic digits or an Arabic comma) as a validated list of percentages."""
    from decimal import Decimal, InvalidOperation

    cleaned = (text or "").translate(str.maketrans("٠١٢٣٤٥٦٧٨٩،٫", "0123456789,."))
    parts = [part.strip().rstrip("%").strip() for part in cleaned.replace(";", ",").split(",") if part.strip()]
    try:
        values = [int(part) if part.isdigit() else Decimal(part) for part in parts]
        validate_schedule(values)
    except (InvalidOperation, ValueError):
        raise ActionRefused(_l("Write the tranche percentages separated by commas, each above zero, adding up to "
                               "100 (for example 50, 30, 20)."), field="schedule") from None
    if len(values) > 12:
        raise ActionRefused(_l("A grant can be paid in at most 12 tranches."), field="schedule")
    return [int(v) if not isinstance(v, int) and v == int(v) else v for v in values]


def _schedule_json(values) -> list:
    return [v if isinstance(v, int) else str(v) for v in values]


def _from_json(values) -> list:
    from decimal import Decimal

    return [v if isinstance(v, int) else Decimal(str(v)) for v in values or DEFAULT_SCHEDULE]


def set_call_schedule(actor: User, call: Call, text: str) -> None:
    """The schedule new grants of the call get; grants already made keep theirs."""
    values = parse_schedule(text)
    before = call.tranche_schedule
    call.tranche_schedule = _schedule_json(values)
    record(actor, "disbursements.call_schedule", call, before=before, after=call.tranche_schedule)


def _build_tranches(grant: Grant, values) -> None:
    for number, (share, amount) in enumerate(zip(values, split_award(grant.amount, values)), start=1):
        grant.tranches.append(Tranche(number=number, percentage=str(share), amount=amount))


def create_grant(decision: Decision) -> Grant:
    """The grant for an accepted award, with tranches from the call's schedule (called by accept_award).

    Accepting twice cannot make two grants: the decision is unique on the grants table.
    """
    if decision.response != Response.ACCEPTED or decision.awarded_amount <= 0:
        raise ActionRefused(_l("Only an accepted award becomes a grant."))
    existing = db.session.scalar(select(Grant).where(Grant.decision_id == decision.id))
    if existing is not None:
        return existing
    grant = Grant(decision_id=decision.id, application_id=decision.application_id, call_id=decision.call_id,
                  amount=decision.awarded_amount)
    _build_tranches(grant, _from_json(decision.application.call.tranche_schedule))
    db.session.add(grant)
    db.session.flush()
    from .agreement import store_agreement

    store_agreement(grant)
    record(None, "disbursements.grant", grant.application, amount=grant.amount,
           tranches=[t.amount for t in grant.tranches])
    return grant


def edit_schedule(actor: User, grant: Grant, text: str) -> None:
    """Staff change a grant's schedule before its first payment. Tranches not paid are made again: requests,
    approvals and letters of the old schedule are void."""
    values = parse_schedule(text)
    _lock(grant)
    if grant.paid_total > 0 or any(t.status == TrancheStatus.PAID for t in grant.tranches):
        raise ActionRefused(_l("The schedule cannot change once a tranche has been paid."), field="schedule")
    before = [t.amount for t in grant.tranches]
    for letter in db.session.scalars(select(Letter).join(Tranche).where(Tranche.grant_id == grant.id,
                                                                           Letter.voided_at.is_(None))):
        _void(actor, letter, str(_l("The grant's schedule was changed.")))
    # Letters keep their tranche (they are the record of what was issued): tranches that have letters are
    # cancelled, the others deleted, and the new schedule numbered after them.
    keep = {t.id for t in grant.tranches
            if db.session.scalar(select(Letter.id).where(Letter.tranche_id == t.id).limit(1)) is not None}
    next_number = 1
    for tranche in list(grant.tranches):
        if tranche.id in keep:
            tranche.status, tranche.cancelled_at, tranche.cancelled_by_id = TrancheStatus.CANCELLED, utcnow(), actor.id
            tranche.cancel_reason = str(_l("Replaced by a new schedule."))
            next_number = max(next_number, tranche.number + 1)
        else:
            grant.tranches.remove(tranche)
    db.session.flush()
    for offset, (share, amount) in enumerate(zip(values, split_award(grant.amount, values))):
        grant.tranches.append(Tranche(number=next_number + offset, percentage=str(share), amount=amount))
    db.session.flush()
    record(actor, "disbursements.schedule", grant.application, before=before,
           after=[t.amount for t in grant.tranches if t.status != TrancheStatus.CANCELLED])


def file_agreement(actor: User, grant: Grant, *, signed_on: date) -> None:
    """Staff file the agreement the grantee signed, with the date it was signed (a correction is a new filing)."""
    from ..formatting import to_program_time

    _lock(grant)
    if signed_on > program_today():
        raise ActionRefused(_l("The signing date cannot be in the future."), field="signed_on")
    if grant.created_at is not None and signed_on < to_program_time(grant.created_at).date():
        raise ActionRefused(_l("The agreement cannot be signed before the award was accepted."), field="signed_on")
    if grant.agreement_signed_on == signed_on:
        raise ActionRefused(_l("The signed agreement is already filed with this date."), field="signed_on")
    before = grant.agreement_signed_on.isoformat() if grant.agreement_signed_on else None
    grant.agreement_signed_on, grant.agreement_filed_by_id = signed_on, actor.id
    record(actor, "disbursements.file_agreement", grant.application, signed_on=signed_on.isoformat(), before=before)


def active_tranches(grant: Grant) -> list[Tranche]:
    return [t for t in grant.tranches if t.status != TrancheStatus.CANCELLED]


def position_of(tranche: Tranche) -> tuple[int, int]:
    """Tranche i of n, counting only tranches not cancelled."""
    active = active_tranches(tranche.grant)
    ids = [t.id for t in active]
    return (ids.index(tranche.id) + 1 if tranche.id in ids else tranche.number), len(active)


# --- conditions ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    key: str
    title: str
    met: bool


def _required_courses(tranche: Tranche) -> list:
    from ..training.queries import required_courses

    grant = tranche.grant
    return required_courses(grant.application.applicant_id, grant.call_id)


def _course_conditions(tranche: Tranche, courses: list | None = None) -> list[Condition]:
    """One condition per course the call requires; `courses` when already read (see conditions_in_locales)."""
    return [Condition(f"course:{course.id}", str(_l('Course "%(title)s" completed', title=course.title)), done)
            for course, done in (_required_courses(tranche) if courses is None else courses)]


def _previous_paid(tranche: Tranche) -> list[Condition]:
    earlier = [t for t in active_tranches(tranche.grant) if t.number < tranche.number]
    if not earlier:
        return []
    return [Condition("previous_paid", str(_l("The previous tranche has been paid")),
                      earlier[-1].status == TrancheStatus.PAID)]


def _report_conditions(tranche: Tranche) -> list[Condition]:
    from ..monitoring.services import report_conditions

    return report_conditions(tranche)


# Each provider gives the conditions it knows for a tranche.
CONDITION_PROVIDERS = [_course_conditions, _previous_paid, _report_conditions]


def conditions(tranche: Tranche) -> list[Condition]:
    return [condition for provider in CONDITION_PROVIDERS for condition in provider(tranche)]


def conditions_in_locales(tranche: Tranche, locales: tuple[str, ...]) -> list[list[Condition]]:
    """conditions() in each locale, for a document that states them in both languages. The required courses (three
    queries) are read once and titled in each locale; the other providers are cheap and are asked per locale."""
    from flask_babel import force_locale

    courses = _required_courses(tranche)
    found = []
    for locale in locales:
        with force_locale(locale):
            found.append([condition for provider in CONDITION_PROVIDERS for condition in
                          (_course_conditions(tranche, courses) if provider is _course_conditions
                           else provider(tranche))])
    return found


# --- the tranche lifecycle -----------------------------------------------------------------------------------

def _refresh_locked(tranche: Tranche) -> None:
    _lock(tranche.grant)


def request_tranche(actor: User, tranche: Tranche) -> None:
    _refresh_locked(tranche)
    if tranche.status != TrancheStatus.PENDING:
        raise ActionRefused(_l("Only a pending tranche can be requested."))
    unmet = [c.title for c in conditions(tranche) if not c.met]
    if unmet:
        raise ActionRefused(_l("Conditions not met yet: %(conditions)s", conditions="; ".join(unmet)))
    tranche.status, tranche.requested_by_id, tranche.requested_at = TrancheStatus.REQUESTED, actor.id, utcnow()
    record(actor, "disbursements.request", tranche.grant.application, tranche=tranche.number, amount=tranche.amount)


def approve_tranche(actor: User, tranche: Tranche) -> None:
    _refresh_locked(tranche)
    if tranche.status != TrancheStatus.REQUESTED:
        raise ActionRefused(_l("Only a requested tranche can be approved."))
    if tranche.requested_by_id == actor.id:
        raise ActionRefused(_l("Another staff member must approve a payment you requested."))
    tranche.status, tranche.approved_by_id, tranche.approved_at = TrancheStatus.APPROVED, actor.id, utcnow()
    record(actor, "disbursements.approve", tranche.grant.application, tranche=tranche.number, amount=tranche.amount)
    _tell_grantee_approved(tranche)


def _tell_grantee_approved(tranche: Tranche) -> None:
    from ..mail.outbox import absolute_url, queue_email

    grant = tranche.grant
    position, count = position_of(tranche)
    queue_email("tranche_approved", to=grant.grantee, subject_object=grant.application,
                dedupe_key=f"tranche-approved:{tranche.id}", grant=grant, tranche=tranche, position=position,
                count=count, application=grant.application, call=grant.call,
                url=absolute_url("disbursements.mine", application_id=grant.application_id))


def record_payment(actor: User, tranche: Tranche, *, method: PaymentMethod, reference: str, paid_on: date) -> None:
    _refresh_locked(tranche)
    if tranche.status == TrancheStatus.PAID:
        raise ActionRefused(_l("This tranche has already been paid."))
    if tranche.status != TrancheStatus.LETTER_ISSUED:
        raise ActionRefused(_l("A tranche is paid against its disbursement letter: issue the letter first."))
    if paid_on > program_today():
        raise ActionRefused(_l("The payment date cannot be in the future."), field="paid_on")
    grant = tranche.grant
    if grant.paid_total + tranche.amount > grant.amount:
        raise ActionRefused(_l("This payment would take the grant over its award."))
    first_payment = grant.paid_total == 0
    tranche.status, tranche.payment_method = TrancheStatus.PAID, method
    tranche.payment_reference = (reference or "").strip()[:120] or None
    tranche.paid_on, tranche.paid_at, tranche.paid_recorded_by_id = paid_on, utcnow(), actor.id
    grant.paid_total += tranche.amount
    db.session.flush()
    record(actor, "disbursements.pay", grant.application, tranche=tranche.number, amount=tranche.amount,
           method=method.value, reference=tranche.payment_reference, paid_on=paid_on.isoformat())
    if first_payment:  # the follow-up reports are due so many months after the first payment
        from ..monitoring.services import schedule_reports

        schedule_reports(grant, paid_on)


def cancel_tranche(actor: User, tranche: Tranche, *, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_l("Write why the tranche is cancelled."), field="reason")
    _refresh_locked(tranche)
    if tranche.status not in OPEN_STATES:
        raise ActionRefused(_l("A paid or cancelled tranche cannot be cancelled."))
    letter = valid_letter(tranche)
    if letter is not None:
        _void(actor, letter, reason)
    tranche.status, tranche.cancelled_at, tranche.cancelled_by_id = TrancheStatus.CANCELLED, utcnow(), actor.id
    tranche.cancel_reason = reason
    record(actor, "disbursements.cancel", tranche.grant.application, tranche=tranche.number, reason=reason)


# --- letters -------------------------------------------------------------------------------------------------

def valid_letter(tranche: Tranche) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.tranche_id == tranche.id, Letter.voided_at.is_(None)))


def allocate_letter_number(year: int) -> int:
    """The next number of the year, counted in a row the transaction keeps locked until it commits."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(LetterCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    return db.session.scalar(update(LetterCounter).where(LetterCounter.year == year)
                             .values(last_number=LetterCounter.last_number + 1).returning(LetterCounter.last_number))


def _issue(actor: User, tranche: Tranche) -> Letter:
    from .letter_pdf import render_letter

    now = utcnow()
    year = now.year
    sequence = allocate_letter_number(year)
    letter = Letter(tranche_id=tranche.id, year=year, sequence=sequence, number=f"DL-{year}-{sequence:06d}",
                    issued_at=now.replace(microsecond=0), issued_by_id=actor.id, storage_key="", sha256="")
    db.session.add(letter)
    db.session.flush()
    data = render_letter(letter)
    letter.storage_key, letter.sha256 = storage().save(data), hashlib.sha256(data).hexdigest()
    tranche.status = TrancheStatus.LETTER_ISSUED
    db.session.flush()
    record(actor, "disbursements.letter", tranche.grant.application, tranche=tranche.number, number=letter.number,
           sha256=letter.sha256)
    return letter


def _lock_for_letter(tranche: Tranche) -> None:
    """_lock for a letter: the grant row locked and read again, with in one more query its tranches and the staff
    who requested and approved them; the application and call come joined, without the call's lists (sectors,
    places, criteria, documents) that a letter never shows. Two queries whatever the grant's size."""
    db.session.flush()
    tranche_id = inspect(tranche).identity[0]  # an expired tranche is not loaded again just for its id
    call = joinedload(Grant.application).joinedload(Application.call)
    grant = db.session.execute(
        select(Grant).where(Grant.id == select(Tranche.grant_id).where(Tranche.id == tranche_id).scalar_subquery())
        .options(call.lazyload(Call.places), call.lazyload(Call.sectors), call.lazyload(Call.criteria),
                 call.lazyload(Call.required_documents),
                 selectinload(Grant.tranches).options(joinedload(Tranche.requested_by).lazyload(User.role_rows),
                                                      joinedload(Tranche.approved_by).lazyload(User.role_rows)))
        .with_for_update(of=Grant).execution_options(populate_existing=True)).unique().scalar_one()
    # Each tranche holds its grant: the session keeps objects only weakly, and tranche.grant would query again.
    for each in grant.tranches:
        set_committed_value(each, "grant", grant)


def issue_letter(actor: User, tranche: Tranche) -> Letter:
    _lock_for_letter(tranche)
    if tranche.status == TrancheStatus.LETTER_ISSUED:
        raise ActionRefused(_l("The letter for this tranche has already been issued."))
    if tranche.status != TrancheStatus.APPROVED:
        raise ActionRefused(_l("A letter is issued once the tranche is approved."))
    return _issue(actor, tranche)


def _void(actor: User, letter: Letter, reason: str) -> None:
    letter.voided_at, letter.voided_by_id, letter.void_reason = utcnow(), actor.id, reason
    db.session.flush()
    record(actor, "disbursements.void_letter", letter.tranche.grant.application, number=letter.number, reason=reason)


def reissue_letter(actor: User, letter: Letter, *, reason: str) -> Letter:
    """Void the letter (its verification page then says void) and issue a new one under a new number."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_l("Write why the letter is issued again."), field="reason")
    tranche = letter.tranche
    _refresh_locked(tranche)
    db.session.refresh(letter)
    if letter.voided_at is not None:
        raise ActionRefused(_l("This letter is void already."))
    if tranche.status != TrancheStatus.LETTER_ISSUED:
        raise ActionRefused(_l("Only the letter of a tranche that is not paid yet can be issued again."))
    _void(actor, letter, reason)
    return _issue(actor, tranche)


def letter_pdf(letter: Letter) -> bytes:
    return storage().read(letter.storage_key)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="minha.letter-verify")


def letter_token(letter: Letter) -> str:
    return _serializer().dumps(letter.number)


def letter_from_token(token: str) -> Letter | None:
    """The letter a verification token names, or None for a forged or mangled token."""
    try:
        number = _serializer().loads(token or "")
    except (BadSignature, UnicodeError):
        return None
    if not isinstance(number, str):
        return None
    return db.session.scalar(select(Letter).where(Letter.number == number))
