"""The ledger: a call's figures from SQL aggregates checked against sums of the rows, the per-grant table, the CSV
and XLSX exports for finance, the pages in both languages, and a query count that does not grow with the grants."""
import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from grants.disbursements import ledger, services
from grants.extensions import db
from grants.formatting import money
from grants.models import (
    Application, AuditEntry, Call, Currency, Decision, Grant, Letter, Outcome, PaymentMethod, Response, Tranche,
    TrancheStatus, User, utcnow,
)

from ..fixtures.disbursements import make_grant
from ..fixtures.i18n import says
from ..fixtures.program import make_call
from ..fixtures.routes import counting_statements, signed_in_client
from ..fixtures.training import decided_call, make_grantee

NAMES = ["فاطمة الزهراء العلي", "محمود الجاسم", "نور الهدى الدندل", "حسين العساف", "رهف الحمادي", "يوسف العكيدي"]


def drive(index: int, grant: Grant, staff: User, admin: User) -> None:
    """Grant number `index` of a dataset, taken to one of six situations (so every status appears)."""
    first, second, last = grant.tranches[0], grant.tranches[1], grant.tranches[-1]

    def to_letter(tranche):
        services.request_tranche(staff, tranche)
        services.approve_tranche(admin, tranche)
        return services.issue_letter(staff, tranche)

    def pay(tranche, method=PaymentMethod.HAWALA):
        services.record_payment(admin, tranche, method=method, reference=f"REF-{tranche.id}",
                                paid_on=date(2026, 1, 15))

    situation = index % 6
    if situation == 0:  # tranche 1 paid by hawala, tranche 2's letter issued
        to_letter(first)
        pay(first)
        to_letter(second)
    elif situation == 1:  # tranche 1 approved, the last cancelled
        services.request_tranche(staff, first)
        services.approve_tranche(admin, first)
        services.cancel_tranche(staff, last, reason="لم تعد الدفعة الأخيرة لازمة")
    elif situation == 2:  # tranche 1 requested
        services.request_tranche(staff, first)
    elif situation == 3:  # tranche 1's letter issued, then issued again (the first letter void)
        services.reissue_letter(staff, to_letter(first), reason="خطأ في الاسم")
    elif situation == 4:  # tranche 1 and 2 paid
        to_letter(first)
        pay(first, PaymentMethod.BANK_TRANSFER)
        to_letter(second)
        pay(second, PaymentMethod.MOBILE_MONEY)
    # situation 5: everything pending


def make_dataset(app, make_user, grants: int, *, code="DZ24C", currency=Currency.SYP) -> int:
    """A decided call with `grants` grants in every situation, an award not answered yet and one declined."""
    with app.app_context():
        staff_id, admin_id = make_user("staff").id, make_user("admin").id
    call_id = decided_call(app, code=code)
    with app.app_context():
        call = db.session.get(Call, call_id)
        # No follow-up reports, so no tranche waits for an approved report: the money is what is checked here.
        call.followup_months = []
        if currency != Currency.SYP:
            call.currency, call.budget = currency, 5_000_000
        db.session.commit()
    for index in range(grants):
        _, grant_id = make_grant(app, make_user, call_id, amount=900_001 + 37_000 * index)
        with app.app_context():
            grant = db.session.get(Grant, grant_id)
            grant.application.full_name_ar = NAMES[index % len(NAMES)] + f" {index}"
            drive(index, grant, db.session.get(User, staff_id), db.session.get(User, admin_id))
            db.session.commit()
    for response in (Response.PENDING, Response.DECLINED):  # released awards nobody accepted
        make_grantee(app, make_user, call_id, accepted=False)
        with app.app_context():
            decision = db.session.scalar(select(Decision).where(Decision.call_id == call_id)
                                         .order_by(Decision.id.desc()).limit(1))
            decision.response, decision.awarded_amount = response, 1_234_567
            decision.responded_at = None if response == Response.PENDING else utcnow()
            db.session.commit()
    return call_id


def expected_figures(call_id: int) -> dict:
    """The figures computed here from the rows, in Python, independently of the ledger's SQL."""
    call = db.session.get(Call, call_id)
    grants = db.session.scalars(select(Grant).where(Grant.call_id == call_id)).all()
    tranches = [t for g in grants for t in g.tranches]
    decisions = db.session.scalars(select(Decision).where(Decision.call_id == call_id)).all()

    def amount(*statuses):
        return sum(t.amount for t in tranches if t.status in statuses)

    paid = amount(TrancheStatus.PAID)
    return {
        "budget": call.budget, "grants": len(grants), "awarded": sum(g.amount for g in grants),
        "awaiting_acceptance": sum(d.awarded_amount for d in decisions if d.outcome == Outcome.APPROVED
                                   and d.released_at is not None and d.response == Response.PENDING),
        "requested": amount(TrancheStatus.REQUESTED),
        "approved": amount(TrancheStatus.APPROVED, TrancheStatus.LETTER_ISSUED),
        "paid": paid, "cancelled": amount(TrancheStatus.CANCELLED),
        "outstanding": amount(TrancheStatus.PENDING, TrancheStatus.REQUESTED, TrancheStatus.APPROVED,
                              TrancheStatus.LETTER_ISSUED),
        "remaining": call.budget - paid, "unawarded": call.budget - sum(g.amount for g in grants),
        "tranche_counts": {s: sum(1 for t in tranches if t.status == s) for s in TrancheStatus},
        "paid_totals": sum(g.paid_total for g in grants),
    }


def figures_of(summary: ledger.CallSummary) -> dict:
    return {"budget": summary.budget, "grants": summary.grants, "awarded": summary.awarded,
            "awaiting_acceptance": summary.awaiting_acceptance, "requested": summary.requested,
            "approved": summary.approved, "paid": summary.paid, "cancelled": summary.cancelled,
            "outstanding": summary.outstanding, "remaining": summary.remaining, "unawarded": summary.unawarded,
            "tranche_counts": summary.tranche_counts, "paid_totals": summary.paid}


def test_the_call_figures_equal_the_sums_of_the_rows(app, make_user):
    call_id = make_dataset(app, make_user, 7)
    other = make_dataset(app, make_user, 2, code="DZ23U", currency=Currency.USD)
    with app.test_request_context():
        expected = expected_figures(call_id)
        # every situation is in the data, so each figure is checked on something
        assert all(expected["tranche_counts"][s] for s in TrancheStatus)
        assert expected["awaiting_acceptance"] == 1_234_567  # the declined award does not count
        summary = ledger.call_summary(db.session.get(Call, call_id))
        assert figures_of(summary) == expected
        assert summary.tranches == sum(expected["tranche_counts"].values())

        # the program ledger: the same figures per call, and totals per currency (never across currencies)
        rows = ledger.summaries()
        assert figures_of(rows[call_id]) == expected and figures_of(rows[other]) == expected_figures(other)
        totals = {t.currency: t for t in ledger.totals_by_currency(rows.values())}
        assert set(totals) == {Currency.SYP, Currency.USD}
        assert (totals[Currency.USD].paid, totals[Currency.USD].calls) == (expected_figures(other)["paid"], 1)
        assert totals[Currency.SYP].awarded == expected["awarded"]
        assert totals[Currency.SYP].remaining == expected["remaining"]


def test_the_grant_table_lists_every_tranche_with_its_valid_letter(app, make_user):
    call_id = make_dataset(app, make_user, 6)
    with app.app_context():
        rows = ledger.grant_rows(call_id)
        grants = {g.id: g for g in db.session.scalars(select(Grant).where(Grant.call_id == call_id))}
        assert sorted(r.id for r in rows) == sorted(grants)
        assert [r.reference for r in rows] == sorted(r.reference for r in rows)
        for row in rows:
            grant = grants[row.id]
            assert (row.reference, row.name_ar, row.amount, row.paid) == (
                grant.application.reference, grant.application.full_name_ar, grant.amount, grant.paid_total)
            # one row per tranche, a re-issued letter included: only the valid letter is shown
            assert [(t.number, t.amount, t.status) for t in row.tranches] == [
                (t.number, t.amount, t.status) for t in grant.tranches]
            for shown, tranche in zip(row.tranches, grant.tranches):
                letter = services.valid_letter(tranche)
                assert shown.letter_number == (letter.number if letter else None)
                assert (shown.paid_on, shown.payment_method, shown.requested_at, shown.approved_at) == (
                    tranche.paid_on, tranche.payment_method, tranche.requested_at, tranche.approved_at)
            assert row.remaining == grant.amount - grant.paid_total
        assert db.session.scalar(select(func.count()).select_from(Letter).where(Letter.voided_at.is_not(None))) == 1


def columns(app) -> dict[str, int]:
    """Export column positions by English header (the Arabic file has the same columns in the same order)."""
    with app.test_request_context(), force_locale("en"):
        return {name: index for index, name in enumerate(ledger.export_headers())}


def staff_client(app, make_user, locale="ar"):
    return signed_in_client(app, make_user("staff", locale=locale))


def formatted(app, amount, locale="ar", currency="SYP"):
    with app.test_request_context(), force_locale(locale):
        return money(amount, currency)


def test_the_call_ledger_page_in_arabic(app, make_user):
    call_id = make_dataset(app, make_user, 6)
    client = staff_client(app, make_user)
    response = client.get(f"/disbursements/calls/{call_id}/ledger")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'dir="rtl"' in page
    assert says(response, app, "Disbursement ledger") and says(response, app, "Approved, not paid yet")
    with app.app_context():
        expected = expected_figures(call_id)
        grant = db.session.scalar(select(Grant).where(Grant.call_id == call_id).order_by(Grant.id).limit(1))
        letter = services.valid_letter(grant.tranches[1])
        reference, name = grant.application.reference, grant.application.full_name_ar
    for key in ("budget", "awarded", "paid", "approved", "remaining"):
        assert f'id="summary-{key}">{formatted(app, expected[key])}' in page
    assert reference in page and name in page and letter.number in page
    assert says(response, app, "Letter issued") and says(response, app, "Hawala")
    assert page.count('class="status status-tranche-') == (
        sum(expected["tranche_counts"].values()) + len(TrancheStatus))


def test_the_ledger_in_english_for_an_english_speaking_user(app, make_user):
    call_id = make_dataset(app, make_user, 1)
    client = staff_client(app, make_user, locale="en")
    page = client.get(f"/disbursements/calls/{call_id}/ledger").get_data(as_text=True)
    with app.app_context():
        expected = expected_figures(call_id)
    assert 'dir="ltr"' in page and "Disbursement ledger" in page and "Budget remaining after payments" in page
    assert f'id="summary-paid">{formatted(app, expected["paid"], "en")}' in page


def test_the_program_ledger_has_a_row_per_call_and_totals_per_currency(app, make_user):
    syp = make_dataset(app, make_user, 3)
    usd = make_dataset(app, make_user, 2, code="DZ23U", currency=Currency.USD)
    empty = make_call(app, code="DZ27A")
    client = staff_client(app, make_user, locale="en")
    response = client.get("/disbursements/ledger")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for call_id in (syp, usd, empty):
        assert f'id="call-{call_id}"' in page
    with app.app_context():
        figures = {call_id: expected_figures(call_id) for call_id in (syp, usd, empty)}
    assert 'id="total-SYP"' in page and 'id="total-USD"' in page
    total_syp = figures[syp]["budget"] + figures[empty]["budget"]
    assert formatted(app, total_syp, "en") in page
    assert formatted(app, figures[usd]["paid"], "en", "USD") in page
    # the Arabic page says the same in Arabic
    response = staff_client(app, make_user).get("/disbursements/ledger")
    assert says(response, app, "Ledger of every call") and formatted(app, total_syp) in response.get_data(as_text=True)


def test_the_csv_export_has_a_bom_and_keeps_arabic(app, make_user):
    call_id = make_dataset(app, make_user, 6)
    client = staff_client(app, make_user)
    response = client.get(f"/disbursements/calls/{call_id}/ledger.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"] and "ledger-DZ24C.csv" in response.headers[
        "Content-Disposition"]
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    with app.app_context():
        tranches = db.session.scalars(select(Tranche).join(Grant).where(Grant.call_id == call_id)).all()
        names = {g.application.full_name_ar for g in db.session.scalars(select(Grant).where(Grant.call_id == call_id))}
        paid = [t for t in tranches if t.status == TrancheStatus.PAID]
        letters = {letter.number for letter in db.session.scalars(select(Letter).where(Letter.voided_at.is_(None)))}
        audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "disbursements.ledger_export"))
    assert len(rows) == 1 + len(tranches)
    col = columns(app)
    assert {row[col["Name in Arabic"]] for row in rows[1:]} == names  # the Arabic names, intact
    assert sum(int(row[col["Tranche amount"]]) for row in rows[1:]) == sum(t.amount for t in tranches)
    assert {row[col["Paid on"]] for row in rows[1:] if row[col["Paid on"]]} == {p.paid_on.isoformat() for p in paid}
    assert {row[col["Letter number"]] for row in rows[1:] if row[col["Letter number"]]} == letters
    assert audited == 1


def test_the_xlsx_export_keeps_arabic_numbers_and_dates(app, make_user):
    call_id = make_dataset(app, make_user, 6)
    client = staff_client(app, make_user)
    response = client.get(f"/disbursements/calls/{call_id}/ledger.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.sheet_view.rightToLeft
    _, *rows = list(sheet.values)
    with app.app_context():
        tranches = db.session.scalars(select(Tranche).join(Grant).where(Grant.call_id == call_id)).all()
        names = {g.application.full_name_ar for g in db.session.scalars(select(Grant).where(Grant.call_id == call_id))}
    assert len(rows) == len(tranches)
    col = columns(app)
    assert {row[col["Name in Arabic"]] for row in rows} == names
    for name in ("Grant amount", "Tranche", "Tranche amount"):
        assert all(type(row[col[name]]) is int for row in rows), name
    assert sum(row[col["Tranche amount"]] for row in rows) == sum(t.amount for t in tranches)
    assert {row[col["Percentage"]] for row in rows} == {50, 30, 20}  # percentages are numbers
    assert {row[col["Paid on"]].date() for row in rows if row[col["Paid on"]] is not None} == {date(2026, 1, 15)}
    requested = [row[col["Requested at"]] for row in rows if row[col["Requested at"]] is not None]
    assert requested and all(isinstance(moment, datetime) for moment in requested)

def test_an_english_user_gets_a_left_to_right_sheet_with_english_headers(app, make_user):
    call_id = make_dataset(app, make_user, 1)
    client = staff_client(app, make_user, locale="en")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/disbursements/calls/{call_id}/ledger.xlsx").data)).active
    header = next(sheet.values)
    assert header[0] == "Call" and "Letter number" in header and not sheet.sheet_view.rightToLeft


@pytest.mark.parametrize("path", [
    "/disbursements/calls/{call}/ledger.pdf", "/disbursements/calls/{call}/ledger.CSV",
    "/disbursements/calls/999999/ledger", "/disbursements/calls/999999/ledger.csv",
    "/disbursements/calls/99999999999999999999/ledger", "/disbursements/calls/abc/ledger",
])
def test_unknown_formats_and_calls_are_404(app, make_user, path):
    call_id = decided_call(app)
    client = staff_client(app, make_user)
    assert client.get(path.format(call=call_id)).status_code == 404


def test_a_call_without_grants_has_an_empty_ledger(app, make_user):
    call_id = decided_call(app)
    client = staff_client(app, make_user, locale="en")
    page = client.get(f"/disbursements/calls/{call_id}/ledger").get_data(as_text=True)
    assert "No award of this call has been accepted yet." in page
    rows = list(csv.reader(io.StringIO(client.get(f"/disbursements/calls/{call_id}/ledger.csv").data.decode(
        "utf-8-sig"))))
    assert len(rows) == 1 and rows[0][0] == "Call"


def test_a_grantee_name_cannot_smuggle_a_formula_into_the_spreadsheet(app, make_user):
    call_id = make_dataset(app, make_user, 1)
    with app.app_context():
        db.session.scalar(select(Application).join(Grant, Grant.application_id == Application.id)).full_name_ar = (
            "=HYPERLINK(\"http://evil\")")
        db.session.commit()
    client = staff_client(app, make_user)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/disbursements/calls/{call_id}/ledger.xlsx").data)).active
    name = columns(app)["Name in Arabic"]
    assert all(str(row[name]).startswith("'=") for row in list(sheet.values)[1:])
    rows = list(csv.reader(io.StringIO(client.get(f"/disbursements/calls/{call_id}/ledger.csv").data.decode(
        "utf-8-sig"))))
    assert all(row[name].startswith("'=") for row in rows[1:])


def count_statements(app, client, url) -> int:
    with counting_statements(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_grants(app, make_user):
    call_id = make_dataset(app, make_user, 2)
    client = staff_client(app, make_user)
    urls = [f"/disbursements/calls/{call_id}/ledger", "/disbursements/ledger",
            f"/disbursements/calls/{call_id}/ledger.csv", f"/disbursements/calls/{call_id}/ledger.xlsx"]
    few = [count_statements(app, client, url) for url in urls]
    with app.app_context():
        staff, admin = db.session.get(User, make_user("staff").id), db.session.get(User, make_user("admin").id)
    for index in range(2, 12):
        _, grant_id = make_grant(app, make_user, call_id, amount=1_000_000 + index)
        with app.app_context():
            drive(index, db.session.get(Grant, grant_id), db.session.get(User, staff.id),
                  db.session.get(User, admin.id))
            db.session.commit()
    make_call(app, code="DZ27A")  # one more call on the program ledger costs no query either
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Grant).where(Grant.call_id == call_id)) == 12
    assert [count_statements(app, client, url) for url in urls] == few
