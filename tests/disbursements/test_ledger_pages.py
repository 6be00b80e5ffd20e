"""The call ledger's grant list, 50 grants a page: slices in reference order, lenient page numbers, the filters by
how much of the award is paid with their counts, the call's totals on every page, the exports still whole, and a
query count that stays the same from a handful of grants to several pages of them."""
import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from grants.bulk_demo import generate_program
from grants.disbursements import ledger, services
from grants.extensions import db
from grants.models import Call, Grant, PaymentMethod, Tranche, User

from ..fixtures.routes import counting_statements
from .test_ledger import expected_figures, formatted, make_dataset, staff_client


def pay_in_full(app, make_user, grant_id: int) -> None:
    """Every tranche of the grant requested, approved, lettered and paid: a fully paid grant."""
    with app.app_context():
        staff, admin = db.session.get(User, make_user("staff").id), db.session.get(User, make_user("admin").id)
        grant = db.session.get(Grant, grant_id)
        for tranche in grant.tranches:
            if tranche.status.value == "paid":
                continue
            if tranche.status.value == "pending":
                services.request_tranche(staff, tranche)
            if tranche.status.value == "requested":
                services.approve_tranche(admin, tranche)
            if tranche.status.value == "approved":
                services.issue_letter(staff, tranche)
            services.record_payment(admin, tranche, method=PaymentMethod.HAWALA, reference=f"FULL-{tranche.id}",
                                    paid_on=date(2026, 1, 20))
        db.session.commit()


@pytest.fixture
def ledger_call(app, make_user):
    """A call with 8 grants: unpaid, partly paid and (the 6th, in the "everything pending" situation) fully paid."""
    call_id = make_dataset(app, make_user, 8)
    with app.app_context():
        sixth = db.session.scalars(select(Grant.id).where(Grant.call_id == call_id).order_by(Grant.id)).all()[5]
    pay_in_full(app, make_user, sixth)
    return call_id


def grant_ids(page: str) -> list[int]:
    return [int(number) for number in re.findall(r'<tbody id="grant-(\d+)"', page)]


def filter_count(page: str, key: str) -> int:
    match = re.search(rf'data-payment="{key}"[^>]*>[^<]*<span class="muted count">\(([\d,]+)\)</span>', page)
    return int(match.group(1).replace(",", ""))


def grants_in_reference_order(call_id: int) -> list[Grant]:
    grants = db.session.scalars(select(Grant).where(Grant.call_id == call_id)).all()
    return sorted(grants, key=lambda grant: (grant.application.reference, grant.id))


def standing(grant: Grant) -> str:
    """How much of the award is paid, from the tranches (not from the grant's own paid_total)."""
    paid = sum(t.amount for t in grant.tranches if t.status.value == "paid")
    return "unpaid" if paid == 0 else "fully_paid" if paid == grant.amount else "partly_paid"


def test_the_pages_slice_the_grants_in_reference_order(app, make_user, ledger_call, monkeypatch):
    monkeypatch.setattr(ledger, "PAGE_SIZE", 3)
    client = staff_client(app, make_user, locale="en")
    url = f"/disbursements/calls/{ledger_call}/ledger"
    with app.app_context():
        expected = [grant.id for grant in grants_in_reference_order(ledger_call)]
    assert len(expected) == 8
    pages = [client.get(f"{url}?page={number}").get_data(as_text=True) for number in (1, 2, 3)]
    assert [grant_ids(page) for page in pages] == [expected[0:3], expected[3:6], expected[6:8]]
    assert "Page 2 of 3" in pages[1]
    assert f'href="{url}?page=1">Previous</a>' in pages[1] and f'href="{url}?page=3">Next</a>' in pages[1]
    assert grant_ids(client.get(url).get_data(as_text=True)) == expected[0:3]  # no page: the first
    # every tranche of a shown grant is on its page, and only those
    with app.app_context():
        tranches = {t.id: t.grant_id for t in db.session.scalars(select(Tranche))}
    shown = [int(number) for number in re.findall(r'<tr id="tranche-(\d+)"', pages[1])]
    assert sorted(shown) == sorted(t for t, grant in tranches.items() if grant in expected[3:6])


# As everywhere in the app (grants.paging.requested_page): what is not a whole number (negative, Arabic digits, a
# fraction) is the first page; a number past the last page, however large, is the last.
@pytest.mark.parametrize("asked, shown", [
    ("0", 1), ("-1", 1), ("abc", 1), ("", 1), ("2.5", 1), ("%D9%A2", 1), ("99999999999999999999", 3), ("4", 3),
    ("1000000", 3), ("2147483647", 3),
])
def test_a_bad_or_too_large_page_shows_the_first_or_the_last(app, make_user, ledger_call, monkeypatch, asked, shown):
    monkeypatch.setattr(ledger, "PAGE_SIZE", 3)
    client = staff_client(app, make_user, locale="en")
    url = f"/disbursements/calls/{ledger_call}/ledger"
    response = client.get(f"{url}?page={asked}")
    assert response.status_code == 200
    assert grant_ids(response.get_data(as_text=True)) == grant_ids(client.get(f"{url}?page={shown}").get_data(
        as_text=True))
    assert f"Page {shown} of 3" in response.get_data(as_text=True)


def test_the_payment_filters_show_their_grants_and_count_them(app, make_user, ledger_call, monkeypatch):
    monkeypatch.setattr(ledger, "PAGE_SIZE", 2)
    client = staff_client(app, make_user, locale="en")
    url = f"/disbursements/calls/{ledger_call}/ledger"
    with app.app_context():
        grants = grants_in_reference_order(ledger_call)
        by_standing = {key: [g.id for g in grants if standing(g) == key] for key in ledger.PAYMENT_FILTERS}
        # the grant's kept total agrees with its tranches, so the filters can read it alone
        assert all(g.paid_total == sum(t.amount for t in g.tranches if t.status.value == "paid") for g in grants)
    assert all(by_standing.values()), by_standing  # each filter has something to show
    first = client.get(url).get_data(as_text=True)
    assert filter_count(first, "all") == len(grants)
    for key, ids in by_standing.items():
        assert filter_count(first, key) == len(ids)
        shown = []
        for number in range(1, -(-len(ids) // 2) + 1):
            page = client.get(f"{url}?payment={key}&page={number}").get_data(as_text=True)
            assert 'aria-current="page"' in page.split(f'data-payment="{key}"')[1].split(">")[0]
            shown += grant_ids(page)
        assert shown == ids, key
    # the pagination links keep the filter
    assert len(by_standing["partly_paid"]) > 2
    partly = client.get(f"{url}?payment=partly_paid").get_data(as_text=True)
    assert f"{url}?payment=partly_paid&amp;page=2" in partly
    # an unknown filter is no filter
    unknown = client.get(f"{url}?payment=stolen").get_data(as_text=True)
    assert grant_ids(unknown) == [g.id for g in grants[:2]]


def test_the_call_totals_stay_at_the_top_of_every_page_and_filter(app, make_user, ledger_call, monkeypatch):
    monkeypatch.setattr(ledger, "PAGE_SIZE", 3)
    client = staff_client(app, make_user, locale="en")
    url = f"/disbursements/calls/{ledger_call}/ledger"
    with app.app_context():
        expected = expected_figures(ledger_call)  # summed in Python over the ORM objects
    for query in ("", "?page=2", "?page=3", "?payment=fully_paid", "?payment=unpaid&page=2"):
        page = client.get(url + query).get_data(as_text=True)
        for key in ("budget", "awarded", "requested", "approved", "paid", "outstanding", "remaining", "unawarded"):
            assert f'id="summary-{key}">{formatted(app, expected[key], "en")}' in page, (query, key)
        for status, count in expected["tranche_counts"].items():
            assert f'<span data-status="{status.value}">{count}</span>' in page


def test_the_exports_still_hold_every_grant(app, make_user, ledger_call, monkeypatch):
    monkeypatch.setattr(ledger, "PAGE_SIZE", 3)
    client = staff_client(app, make_user, locale="en")
    rows = list(csv.reader(io.StringIO(client.get(f"/disbursements/calls/{ledger_call}/ledger.csv").data.decode(
        "utf-8-sig"))))
    with app.app_context():
        tranches = db.session.scalars(select(Tranche).join(Grant).where(Grant.call_id == ledger_call)).all()
        references = {g.application.reference for g in grants_in_reference_order(ledger_call)}
    assert len(rows) == 1 + len(tranches)
    assert {row[2] for row in rows[1:]} == references


def test_a_filter_nobody_is_in_says_so(app, make_user):
    call_id = make_dataset(app, make_user, 1)  # one grant, partly paid
    client = staff_client(app, make_user, locale="en")
    page = client.get(f"/disbursements/calls/{call_id}/ledger?payment=fully_paid").get_data(as_text=True)
    assert "No grant is in this state." in page and grant_ids(page) == []
    assert filter_count(page, "fully_paid") == 0 and filter_count(page, "partly_paid") == 1


def ledger_addresses(call_id: int) -> list[str]:
    url = f"/disbursements/calls/{call_id}/ledger"
    return [url, f"{url}?page=2", f"{url}?page=999", f"{url}?payment=partly_paid", f"{url}?payment=unpaid&page=2"]


def test_the_query_count_is_the_same_for_a_few_grants_and_for_pages_of_them(app, make_user):
    with app.app_context():
        generate_program(10, seed=1)
        generate_program(800, seed=2)
        small, large = (db.session.scalar(select(Call.id).where(Call.code == code)) for code in ("BULK1", "BULK2"))
        grants = {call_id: len(db.session.scalars(select(Grant.id).where(Grant.call_id == call_id)).all())
                  for call_id in (small, large)}
    assert grants[small] >= 1 and grants[large] > ledger.PAGE_SIZE  # the large call really has pages
    client = staff_client(app, make_user, locale="en")
    assert len(grant_ids(client.get(f"/disbursements/calls/{large}/ledger").get_data(as_text=True))) == 50

    def counts(call_id):
        result = []
        for url in ledger_addresses(call_id):
            with counting_statements(app) as statements:
                assert client.get(url).status_code == 200
            result.append(len(statements))
        return result

    assert counts(small) == counts(large)
