"""The disbursement ledger: what each call budgeted, awarded, approved and paid, and every grant's tranches.

Figures come from SQL aggregates (GROUP BY call, or call and tranche status), so a ledger costs the same few
queries whatever the number of grants; the page shows the grants 50 at a time (the exports hold every one).
Amounts are whole units of the call's currency; calls in different currencies are never added together.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import and_, case, func, select

from ..audit import record
from ..extensions import db
from ..paging import PAGE_SIZE, Page, clamp, requested_page
from ..formatting import to_program_time
from ..i18n import text_direction
from ..models import (
    Application, Call, Currency, Decision, Grant, Letter, Outcome, PaymentMethod, Response, Tranche, TrancheStatus,
)
from ..models.calls import localized
# The screening export's conventions: its mimetypes, and its guard against cells a spreadsheet would run as formulas.
from ..screening.exports import FORMATS, _safe_text as safe_text  # noqa: F401

# Approved by the second pair of eyes and not paid yet: money the program has agreed to pay out.
APPROVED_UNPAID = (TrancheStatus.APPROVED, TrancheStatus.LETTER_ISSUED)
OPEN = (TrancheStatus.PENDING, TrancheStatus.REQUESTED, TrancheStatus.APPROVED, TrancheStatus.LETTER_ISSUED)


@dataclass
class CallSummary:
    """One call's money. awarded counts accepted awards (grants); awaiting_acceptance the released awards
    nobody has answered yet; approved the tranches approved or with a letter, not yet paid."""

    call_id: int
    code: str
    title_ar: str
    title_en: str
    currency: Currency
    budget: int
    grants: int = 0
    awarded: int = 0
    awaiting_acceptance: int = 0
    awaiting_acceptance_count: int = 0
    requested: int = 0
    approved: int = 0
    paid: int = 0
    cancelled: int = 0
    outstanding: int = 0  # tranches still open (pending to letter issued): what the grants will still pay
    tranche_counts: dict[TrancheStatus, int] = field(default_factory=lambda: dict.fromkeys(TrancheStatus, 0))

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def remaining(self) -> int:
        """Budget not paid out yet."""
        return self.budget - self.paid

    @property
    def unawarded(self) -> int:
        """Budget no accepted award holds."""
        return self.budget - self.awarded

    @property
    def tranches(self) -> int:
        return sum(self.tranche_counts.values())


@dataclass
class TrancheRow:
    id: int
    number: int
    percentage: str
    amount: int
    status: TrancheStatus
    requested_at: datetime | None
    approved_at: datetime | None
    letter_number: str | None
    letter_issued_at: datetime | None
    paid_on: date | None
    payment_method: PaymentMethod | None
    payment_reference: str | None
    cancel_reason: str | None


@dataclass
class GrantRow:
    id: int
    application_id: int
    reference: str
    name_ar: str
    name_latin: str
    amount: int
    paid: int
    tranches: list[TrancheRow] = field(default_factory=list)

    @property
    def approved(self) -> int:
        return sum(t.amount for t in self.tranches if t.status in APPROVED_UNPAID)

    @property
    def remaining(self) -> int:
        return self.amount - self.paid


def _count_and_sum(counted, summed, *conditions, call_id, by=None):
    """One aggregate query over the rows the conditions keep: (call id, [by,] how many `counted`, the sum of `summed`,
    0 when none) per call and, when `by` is a column (the tranche status), per call and value of `by`."""
    groups = [call_id] if by is None else [call_id, by]
    return db.session.execute(select(*groups, func.count(counted), func.coalesce(func.sum(summed), 0))
                              .where(*conditions).group_by(*groups))


def summaries(call_ids: list[int] | None = None) -> dict[int, CallSummary]:
    """{call id: CallSummary} for the calls given (every call when None), in four queries."""
    calls = select(Call.id, Call.code, Call.title_ar, Call.title_en, Call.currency, Call.budget).order_by(
        Call.opens_at.desc(), Call.id.desc())
    if call_ids is not None:
        calls = calls.where(Call.id.in_(call_ids))
    result = {row.id: CallSummary(call_id=row.id, code=row.code, title_ar=row.title_ar, title_en=row.title_en,
                                  currency=Currency(row.currency), budget=row.budget)
              for row in db.session.execute(calls)}
    if not result:
        return result
    ids = list(result)

    for call_id, count, amount in _count_and_sum(Grant.id, Grant.amount, Grant.call_id.in_(ids),
                                                 call_id=Grant.call_id):
        result[call_id].grants, result[call_id].awarded = count, int(amount)

    released_unanswered = (Decision.call_id.in_(ids), Decision.outcome == Outcome.APPROVED,
                           Decision.released_at.is_not(None), Decision.response == Response.PENDING)
    for call_id, count, amount in _count_and_sum(Decision.id, Decision.awarded_amount, *released_unanswered,
                                                 call_id=Decision.call_id):
        result[call_id].awaiting_acceptance_count, result[call_id].awaiting_acceptance = count, int(amount)

    # The tranche's grant names its call (joined in the WHERE clause).
    for call_id, status, count, amount in _count_and_sum(Tranche.id, Tranche.amount, Tranche.grant_id == Grant.id,
                                                         Grant.call_id.in_(ids), call_id=Grant.call_id,
                                                         by=Tranche.status):
        summary, status, amount = result[call_id], TrancheStatus(status), int(amount)
        summary.tranche_counts[status] = count
        if status == TrancheStatus.REQUESTED:
            summary.requested += amount
        elif status in APPROVED_UNPAID:
            summary.approved += amount
        elif status == TrancheStatus.PAID:
            summary.paid += amount
        elif status == TrancheStatus.CANCELLED:
            summary.cancelled += amount
        if status in OPEN:
            summary.outstanding += amount
    return result


def call_summary(call: Call) -> CallSummary:
    return summaries([call.id])[call.id]


@dataclass
class CurrencyTotal:
    """The calls of one currency added up (the program ledger's totals row)."""

    currency: Currency
    calls: int = 0
    budget: int = 0
    grants: int = 0
    awarded: int = 0
    awaiting_acceptance: int = 0
    requested: int = 0
    approved: int = 0
    paid: int = 0
    outstanding: int = 0

    @property
    def remaining(self) -> int:
        return self.budget - self.paid

    @property
    def unawarded(self) -> int:
        return self.budget - self.awarded


def totals_by_currency(rows) -> list[CurrencyTotal]:
    totals: dict[Currency, CurrencyTotal] = {}
    for row in rows:
        total = totals.setdefault(row.currency, CurrencyTotal(currency=row.currency))
        total.calls += 1
        for name in ("budget", "grants", "awarded", "awaiting_acceptance", "requested", "approved", "paid",
                     "outstanding"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return sorted(totals.values(), key=lambda total: total.currency.value)


def grant_rows(call_id: int, *conditions, limit: int | None = None, offset: int = 0) -> list[GrantRow]:
    """The call's grants in reference order (those the conditions keep; `limit` of them from `offset` when given),
    each with its tranches and their valid letter: two queries."""
    grants = (select(Grant.id, Grant.application_id, Grant.amount, Grant.paid_total, Application.reference,
                     Application.full_name_ar, Application.full_name_latin)
              .join(Application, Application.id == Grant.application_id)
              .where(Grant.call_id == call_id, *conditions).order_by(Application.reference, Grant.id))
    if limit is not None:
        grants = grants.limit(limit).offset(offset)
    grants = db.session.execute(grants)
    rows = {g.id: GrantRow(id=g.id, application_id=g.application_id, reference=g.reference or "",
                           name_ar=g.full_name_ar or "", name_latin=g.full_name_latin or "", amount=g.amount,
                           paid=g.paid_total) for g in grants}
    # No shortcut when there is no grant: the page sends the same statements whatever it shows.
    # A page's few grants are named by id; every grant of the call (the export) by the call, not by thousands of ids.
    of_these_grants = (Tranche.grant_id.in_(list(rows)) if limit is not None
                       else and_(Grant.id == Tranche.grant_id, Grant.call_id == call_id))
    tranches = db.session.execute(
        select(Tranche.id, Tranche.grant_id, Tranche.number, Tranche.percentage, Tranche.amount, Tranche.status,
               Tranche.requested_at, Tranche.approved_at, Tranche.paid_on, Tranche.payment_method,
               Tranche.payment_reference, Tranche.cancel_reason, Letter.number.label("letter_number"),
               Letter.issued_at.label("letter_issued_at"))
        .outerjoin(Letter, and_(Letter.tranche_id == Tranche.id, Letter.voided_at.is_(None)))
        .where(of_these_grants).order_by(Tranche.grant_id, Tranche.number))
    for t in tranches:
        rows[t.grant_id].tranches.append(TrancheRow(
            id=t.id, number=t.number, percentage=t.percentage, amount=t.amount, status=TrancheStatus(t.status),
            requested_at=t.requested_at, approved_at=t.approved_at, letter_number=t.letter_number,
            letter_issued_at=t.letter_issued_at, paid_on=t.paid_on,
            payment_method=PaymentMethod(t.payment_method) if t.payment_method else None,
            payment_reference=t.payment_reference, cancel_reason=t.cancel_reason))
    return list(rows.values())


# --- the page's grant list: 50 grants at a time, filtered by how much of the award is paid -----------------------

# The list's filters, in the order of the links above it: key → title. What a grant has paid is kept on its row
# (paid_total, never above the award), so each filter is a condition on the grant alone.
PAYMENT_FILTERS = {
    "unpaid": _l("Nothing paid yet"),
    "partly_paid": _l("Partly paid"),
    "fully_paid": _l("Fully paid"),
}


def _payment_conditions() -> dict:
    return {"unpaid": Grant.paid_total == 0,
            "partly_paid": and_(Grant.paid_total > 0, Grant.paid_total < Grant.amount),
            "fully_paid": Grant.paid_total >= Grant.amount}


@dataclass(frozen=True)
class LedgerFilters:
    """Read leniently from the query string: an unknown filter means none, a page that is not a number the first
    and a page past the end the last, never an error."""

    payment: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "LedgerFilters":
        payment = args.get("payment", "")
        return cls(payment=payment if payment in PAYMENT_FILTERS else "",
                   page=requested_page(args))


def grant_counts(call_id: int) -> dict:
    """How many of the call's grants each filter shows (and all of them under ""), in one aggregate query."""
    conditions = _payment_conditions()
    row = db.session.execute(
        select(func.count(Grant.id), *(func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                                       for condition in conditions.values()))
        .where(Grant.call_id == call_id)).one()
    return {"": int(row[0]), **{key: int(count) for key, count in zip(conditions, row[1:])}}


def grants_page(call_id: int, filters: LedgerFilters) -> Page:
    """The filtered grants of one page, in reference order, with the count of every filter: three queries."""
    counts = grant_counts(call_id)
    total = counts[filters.payment]
    page = clamp(filters.page, total, PAGE_SIZE)
    conditions = [_payment_conditions()[filters.payment]] if filters.payment else []
    items = grant_rows(call_id, *conditions, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return Page(items, page, total, PAGE_SIZE, counts)


# --- export for finance: one row per tranche -------------------------------------------------------------------

def export_headers() -> list[str]:
    return [_("Call"), _("Currency"), _("Reference"), _("Name in Arabic"), _("Name in Latin letters"),
            _("Grant amount"), _("Tranche"), _("Percentage"), _("Tranche amount"),
            _("Status"), _("Requested at"), _("Approved at"), _("Letter number"), _("Paid on"),
            _("Payment method"), _("Payment reference")]


def _wall_clock(moment: datetime | None) -> datetime | None:
    return to_program_time(moment).replace(tzinfo=None, microsecond=0) if moment else None


def _percentage(text: str):
    """"50" → 50, "33.33" → 33.33: a number the spreadsheet can add up."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return text
    return int(value) if value == value.to_integral_value() else float(value)


def export_rows(call: Call, grants: list[GrantRow]) -> list[list]:
    """Export values: amounts, percentages and dates stay numbers and dates; times are program wall-clock."""
    return [[call.code, call.currency.value, grant.reference, grant.name_ar, grant.name_latin, grant.amount,
             tranche.number, _percentage(tranche.percentage), tranche.amount, str(tranche.status.title),
             _wall_clock(tranche.requested_at), _wall_clock(tranche.approved_at), tranche.letter_number or "",
             tranche.paid_on, str(tranche.payment_method.title) if tranche.payment_method else "",
             tranche.payment_reference or ""]
            for grant in grants for tranche in grant.tranches]


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(value)


def to_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(export_headers())
    for values in rows:
        writer.writerow([_csv_value(v) for v in values])
    # The byte-order mark tells Excel the file is UTF-8, so Arabic names open readable.
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(rows: list[list], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.sheet_view.rightToLeft = text_direction(str(get_locale() or "ar")) == "rtl"
    sheet.append(export_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append([safe_text(v) for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                cell.number_format = "#,##0"
    sheet.freeze_panes = "D2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(call: Call, fmt: str) -> str:
    return f"ledger-{call.code}.{fmt}"


def export(call: Call, fmt: str) -> tuple[bytes, int]:
    """The call's ledger as CSV or XLSX bytes, and how many tranche rows it holds."""
    rows = export_rows(call, grant_rows(call.id))
    return (to_csv(rows) if fmt == "csv" else to_xlsx(rows, f"{call.code}")), len(rows)


def record_export(actor, call: Call, fmt: str, rows: int) -> None:
    """The ledger names grantees and their payments: each export is written to the audit log."""
    record(actor, "disbursements.ledger_export", call, format=fmt, rows=rows)
