"""The reviewer's queue, 50 reviews a page: what is still to do first (the default), the submitted ones, or all,
each filter with its count; every call's progress from one aggregate; lenient page numbers; never anyone else's
review; a query count that does not depend on how many reviews a reviewer has."""
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from grants.extensions import db
from grants.models import CallStatus, Review, ReviewStatus, utcnow
from grants.reviews import queries

from ..fixtures.program import make_application, make_call
from ..fixtures.reviews import make_review, make_reviewer
from ..fixtures.routes import counting_statements, signed_in_client

PAST = dict(status=CallStatus.CLOSED, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))

# Per call: my reviews' statuses (a = assigned, d = draft, s = submitted), in the order they are made.
PLAN = {"DZ26R": "asdsadsa", "DZ26S": "dsasa"}


@pytest.fixture
def queue(app, make_user):
    """Two calls; in each, applications reviewed by me (to do and submitted, with due dates early, late, past and
    none) and by another reviewer, whose reviews of the same applications must never show on my pages."""
    me = make_reviewer(app, make_user, locale="en")
    other = make_reviewer(app, make_user, locale="en")
    calls = {}
    now = utcnow()
    for code, statuses in PLAN.items():
        call_id = calls[code] = make_call(app, code=code, blind_review=code == "DZ26S", **PAST)
        for index, status in enumerate(statuses):
            application = make_application(app, make_user("applicant").id, call_id, submit=True, documents=False,
                                           business_name=f"Shop {code} {index}")
            mine = make_review(app, application, me.id, [3, 3, 3] if status != "a" else None, submit=status == "s")
            make_review(app, application, other.id, submit=False)
            with app.app_context():
                # due dates out of creation order, one in the past, one missing: the order is by due date
                db.session.get(Review, mine).due_at = (None if index == 2 else
                                                       now + timedelta(days=(10 - index) * (-1 if index == 4 else 1)))
                db.session.commit()
    return {"me": me, "other": other, "calls": calls}


def my_reviews(app, reviewer_id: int, show: str) -> list[int]:
    """The expected order, computed in Python over ORM objects: newest call first; in a call, unfinished before
    submitted, then by due date (none last), then id."""
    with app.app_context():
        reviews = db.session.scalars(select(Review).where(Review.reviewer_id == reviewer_id)).all()
    keep = {"todo": lambda r: r.status != ReviewStatus.SUBMITTED, "submitted": lambda r: r.status == ReviewStatus.SUBMITTED,
            "all": lambda r: True}[show]
    now = utcnow()  # one instant: a review without a due date must tie with the others on it, then go by id
    ordered = sorted((r for r in reviews if keep(r)), key=lambda r: (
        -r.call_id, r.status == ReviewStatus.SUBMITTED, r.due_at is None, r.due_at or now, r.id))
    return [r.id for r in ordered]


def shown_reviews(page: str) -> list[int]:
    return [int(number) for number in re.findall(r'<tr class="review-row[^"]*" id="review-(\d+)"', page)]


def filter_count(page: str, key: str) -> int:
    return int(re.search(rf'data-show="{key}"[^>]*>[^<]*<span class="muted count">\((\d+)\)</span>', page).group(1))


def test_the_queue_opens_on_what_is_still_to_do_with_every_call_s_progress(app, queue):
    client = signed_in_client(app, queue["me"])
    page = client.get("/reviews").get_data(as_text=True)
    assert shown_reviews(page) == my_reviews(app, queue["me"].id, "todo")
    assert 'data-show="todo" aria-current="page"' in page
    # counts of the filters and progress per call, against sums over the ORM objects
    with app.app_context():
        reviews = db.session.scalars(select(Review).where(Review.reviewer_id == queue["me"].id)).all()
    done = sum(r.status == ReviewStatus.SUBMITTED for r in reviews)
    assert (filter_count(page, "todo"), filter_count(page, "submitted"), filter_count(page, "all")) == (
        len(reviews) - done, done, len(reviews))
    assert f"{done} of {len(reviews)} done" in page
    for code, call_id in queue["calls"].items():
        of_call = [r for r in reviews if r.call_id == call_id]
        row = page.split(f'<tr id="call-{call_id}">')[1].split("</tr>")[0]
        submitted = sum(r.status == ReviewStatus.SUBMITTED for r in of_call)
        assert f"{submitted} of {len(of_call)} done" in row and code in row
        # the first due date still open (the past one in DZ26R's plan: overdue work comes first)
        first_due = min(r.due_at for r in of_call if r.status != ReviewStatus.SUBMITTED and r.due_at)
        with app.test_request_context(), force_locale("en"):
            assert app.jinja_env.filters["datetime"](first_due, "short") in row
    # newest call first, each under its heading; the blind call says so
    newer, older = queue["calls"]["DZ26S"], queue["calls"]["DZ26R"]
    assert page.index('<span class="tag" dir="ltr">DZ26S</span></h2>') < page.index(
        '<span class="tag" dir="ltr">DZ26R</span></h2>')
    assert newer > older and "Blind review" in page
    overdue = [r for r in reviews if r.status != ReviewStatus.SUBMITTED and r.due_at and r.due_at < utcnow()]
    assert len(overdue) == 2 and page.count('<strong class="overdue-label">') == 2


@pytest.mark.parametrize("show", ["todo", "submitted", "all"])
def test_the_pages_of_a_filter_together_are_exactly_my_reviews(app, queue, monkeypatch, show):
    monkeypatch.setattr(queries, "QUEUE_PAGE_SIZE", 3)
    client = signed_in_client(app, queue["me"])
    expected = my_reviews(app, queue["me"].id, show)
    pages = -(-len(expected) // 3)
    assert pages >= 2
    shown = []
    for number in range(1, pages + 1):
        page = client.get(f"/reviews?show={show}&page={number}").get_data(as_text=True)
        assert f"Page {number} of {pages}" in page
        if number < pages:
            assert f"/reviews?show={show}&amp;page={number + 1}" in page  # the next link keeps the filter
        shown += shown_reviews(page)
    assert shown == expected
    with app.app_context():
        others = set(db.session.scalars(select(Review.id).where(Review.reviewer_id == queue["other"].id)))
    assert others and not others & set(shown)


def test_the_other_reviewer_sees_only_their_own_reviews(app, queue, monkeypatch):
    monkeypatch.setattr(queries, "QUEUE_PAGE_SIZE", 4)
    client = signed_in_client(app, queue["other"])
    expected = my_reviews(app, queue["other"].id, "all")
    shown = []
    for number in range(1, -(-len(expected) // 4) + 1):
        shown += shown_reviews(client.get(f"/reviews?show=all&page={number}").get_data(as_text=True))
    assert shown == expected
    page = client.get("/reviews?show=submitted").get_data(as_text=True)
    assert shown_reviews(page) == [] and "You have not submitted a review yet." in page


# As everywhere in the app (grants.paging.requested_page): what is not a whole number (negative, a fraction) is the
# first page; a number past the last page, however large, is the last.
@pytest.mark.parametrize("asked, shown", [
    ("0", 1), ("-2", 1), ("x", 1), ("", 1), ("1.5", 1), ("99999999999999999999", 4), ("3", 3), ("50", 4),
    ("2147483647", 4),
])
def test_a_bad_or_too_large_page_shows_the_first_or_the_last(app, queue, monkeypatch, asked, shown):
    monkeypatch.setattr(queries, "QUEUE_PAGE_SIZE", 2)
    client = signed_in_client(app, queue["me"])
    pages = -(-len(my_reviews(app, queue["me"].id, "todo")) // 2)
    assert pages == 4  # 8 reviews to do
    response = client.get(f"/reviews?page={asked}")
    assert response.status_code == 200
    assert shown_reviews(response.get_data(as_text=True)) == shown_reviews(
        client.get(f"/reviews?page={shown}").get_data(as_text=True))
    assert f"Page {shown} of {pages}" in response.get_data(as_text=True)


def test_an_unknown_filter_is_the_to_do_list(app, queue):
    client = signed_in_client(app, queue["me"])
    page = client.get("/reviews?show=everyone").get_data(as_text=True)
    assert shown_reviews(page) == my_reviews(app, queue["me"].id, "todo")


def test_when_everything_is_submitted_the_queue_says_so(app, make_user):
    call_id = make_call(app, code="DZ26T", **PAST)
    me = make_reviewer(app, make_user, locale="en")
    make_review(app, make_application(app, make_user("applicant").id, call_id, submit=True, documents=False), me.id,
                [3, 3, 3])
    client = signed_in_client(app, me)
    page = client.get("/reviews").get_data(as_text=True)
    assert "Every review assigned to you is submitted. Thank you!" in page and shown_reviews(page) == []
    assert "1 of 1 done" in page and len(shown_reviews(client.get("/reviews?show=submitted").get_data(
        as_text=True))) == 1
    nobody = signed_in_client(app, make_reviewer(app, make_user, locale="en"))
    assert "No applications are assigned to you yet." in nobody.get("/reviews").get_data(as_text=True)


def test_the_query_count_does_not_depend_on_how_many_reviews_there_are(app, make_user, queue, monkeypatch):
    monkeypatch.setattr(queries, "QUEUE_PAGE_SIZE", 3)
    few = make_reviewer(app, make_user, locale="en")
    make_review(app, make_application(app, make_user("applicant").id, queue["calls"]["DZ26R"], submit=True,
                                      documents=False), few.id, submit=False)
    addresses = ["/reviews", "/reviews?show=all", "/reviews?show=all&page=2", "/reviews?show=submitted&page=9",
                 "/reviews?page=abc"]

    def counts(account):
        client = signed_in_client(app, account)
        client.get("/reviews").close()
        result = []
        for address in addresses:
            with counting_statements(app) as statements:
                assert client.get(address).status_code == 200
            result.append(len(statements))
        return result

    assert counts(few) == counts(queue["me"])  # 1 review on one page, 13 over several pages and two calls
