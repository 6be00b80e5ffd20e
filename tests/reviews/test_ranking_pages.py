"""The ranking a page at a time from its stored copy: slices and ranks across pages, lenient page numbers, the
score ranked by kept in the links, the stored copy equal to a fresh scoring.rank_call after every kind of change,
exports with every row, two staff opening it at once on PostgreSQL, and a query count that does not grow."""
import csv
import io
import re
import threading
from decimal import Decimal
from functools import partial

import pytest
from babel import Locale
from babel.numbers import format_decimal
from sqlalchemy import func, select

from grants.bulk_demo import generate_program
from grants.extensions import db
from grants.models import (
    Application, Call, Criterion, RankingEntry, RankingSnapshot, Review, ReviewRevision, ReviewStatus,
    ScreeningStatus, User,
)
from grants.reviews import queries, ranking, scoring, services

from ..fixtures.races import at_once
from ..fixtures.routes import counting_statements, signed_in_client
from .test_ranking import calibration_call, order, ranking_rows, scored_call, staff, tables  # noqa: F401

PER_PAGE = ranking.PER_PAGE


def bulk_call(app, applications: int, seed: int) -> int:
    """A generated call (grants.bulk_demo) with this many applications, reviewed; returns its id."""
    with app.app_context():
        generate_program(applications, seed=seed)
        return db.session.scalar(select(Call.id).where(Call.code == f"BULK{seed}"))


def fresh(app, call_id: int, by: str) -> list:
    """scoring.rank_call over the data as it is now: what the stored ranking must hold."""
    with app.app_context():
        call = db.session.get(Call, call_id)
        return scoring.rank_call(queries.ranking_rows(call_id), ranking.scoring_criteria(call), by=by,
                                 disagreement_range=call.disagreement_range, disagreement_sd=call.disagreement_sd)


COLUMNS = [column.name for column in RankingEntry.__table__.columns]


def stored_and_fresh(app, call_id: int, by: str) -> tuple[list, list]:
    """The stored rows of (call, by), and the rows a fresh computation would store, column by column."""
    expected = [ranking._entry_values(call_id, by, result) for result in fresh(app, call_id, by)]
    with app.app_context():
        actual = [{column: getattr(entry, column) for column in COLUMNS} for entry in db.session.scalars(
            select(RankingEntry).where(RankingEntry.call_id == call_id, RankingEntry.rank_by == by)
            .order_by(RankingEntry.rank))]
    return actual, expected


def assert_stored_is_fresh(app, client, call_id: int, by: str) -> None:
    """Open the page (which refreshes the stored ranking when needed), then compare it with a fresh computation."""
    assert client.get(f"/staff/calls/{call_id}/ranking", query_string={"by": by}).status_code == 200
    actual, expected = stored_and_fresh(app, call_id, by)
    assert actual == expected
    with app.app_context():
        assert db.session.get(RankingSnapshot, (call_id, by)).rows == len(expected)


def references(app, call_id: int, by: str) -> list:
    """The references in a fresh ranking's order."""
    ids = [result.application_id for result in fresh(app, call_id, by)]
    with app.app_context():
        refs = dict(db.session.execute(select(Application.id, Application.reference)
                                        .where(Application.id.in_(ids))).all())
    return [refs[i] for i in ids]


def ranks(response) -> list:
    return [row["cells"][0] for row in tables(response)["ranking-table"]["rows"] if "data-reference" in row["attrs"]]


def page_links(response) -> list:
    nav = re.search(r'<nav class="pagination".*?</nav>', response.get_data(as_text=True), re.S)
    return [] if nav is None else [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', nav.group(0))]


@pytest.fixture
def big_call(app):
    return bulk_call(app, 120, seed=3)


@pytest.fixture
def staff_client(app, make_user):
    return signed_in_client(app, make_user("staff", locale="en"))


# --- pages -----------------------------------------------------------------------------------------------------

def test_pages_show_fifty_rows_and_ranks_continue(app, staff_client, big_call):
    expected = references(app, big_call, "raw")
    total = len(expected)
    assert total > 2 * PER_PAGE  # three pages at least
    seen = []
    last = -(-total // PER_PAGE)
    for number in range(1, last + 1):
        response = staff_client.get(f"/staff/calls/{big_call}/ranking", query_string={"page": number})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f"{total} applications" in html  # the total, on every page
        assert f"Page {number} of {last}" in html
        shown = order(response)
        assert len(shown) == (PER_PAGE if number < last else total - PER_PAGE * (last - 1))
        assert ranks(response) == [str(rank) for rank in range(len(seen) + 1, len(seen) + len(shown) + 1)]
        seen += shown
        # The reviewer calibration summary stays on every page.
        assert tables(response)["reviewers-table"]["rows"]
    assert seen == expected
    second = staff_client.get(f"/staff/calls/{big_call}/ranking", query_string={"page": 2})
    assert ranks(second)[0] == str(PER_PAGE + 1)


@pytest.mark.parametrize("asked, expected", [("abc", 1), ("0", 1), ("-4", 1), ("2.5", 1), ("", 1), ("999999", 3),
                                             ("99999999999999999999999", 3)])
def test_a_bad_page_number_shows_the_first_or_the_last_page(app, staff_client, big_call, asked, expected):
    response = staff_client.get(f"/staff/calls/{big_call}/ranking", query_string={"page": asked})
    assert response.status_code == 200
    last = -(-len(references(app, big_call, "raw")) // PER_PAGE)
    assert f"Page {min(expected, last)} of {last}" in response.get_data(as_text=True)
    first_rank = (min(expected, last) - 1) * PER_PAGE + 1
    assert ranks(response)[0] == str(first_rank)


def test_page_links_keep_the_score_ranked_by(app, staff_client, big_call):
    response = staff_client.get(f"/staff/calls/{big_call}/ranking", query_string={"by": "calibrated", "page": 2})
    links = page_links(response)
    assert len(links) == 2
    assert all("by=calibrated" in link for link in links)
    assert any("page=1" in link for link in links) and any("page=3" in link for link in links)
    # The page is of the calibrated ranking.
    assert order(response) == references(app, big_call, "calibrated")[PER_PAGE:2 * PER_PAGE]


def test_a_short_ranking_has_no_page_links(client, scored_call, staff):  # noqa: F811
    response = client.get(f"/staff/calls/{scored_call['call']}/ranking")
    assert page_links(response) == [] and len(order(response)) == 6
    assert "6 applications" in response.get_data(as_text=True)


# --- exports ----------------------------------------------------------------------------------------------------

def test_exports_hold_every_row_in_order(app, staff_client, big_call):
    expected = references(app, big_call, "calibrated")
    data = staff_client.get(f"/staff/calls/{big_call}/ranking.csv", query_string={"by": "calibrated"}).get_data()
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [line[1] for line in lines[1:]] == expected
    assert [line[0] for line in lines[1:]] == [str(rank) for rank in range(1, len(expected) + 1)]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(staff_client.get(f"/staff/calls/{big_call}/ranking.xlsx").get_data())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == references(app, big_call, "raw")


# --- the stored ranking follows every change ----------------------------------------------------------------

@pytest.mark.parametrize("by", ["raw", "calibrated"])
def test_the_stored_ranking_equals_a_fresh_one_after_every_kind_of_change(
        app, client, make_user, scored_call, staff, by):  # noqa: F811
    call_id, ids = scored_call["call"], scored_call["ids"]
    assert_stored_is_fresh(app, client, call_id, by)

    # Nothing changed: the next view reads the stored ranking and writes nothing.
    with counting_statements(app) as statements:
        client.get(f"/staff/calls/{call_id}/ranking", query_string={"by": by})
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "DELETE", "UPDATE"))]

    # A review submitted (the draft on Z), through the reviewer's own verb.
    with app.app_context():
        draft = db.session.scalar(select(Review).where(Review.application_id == ids["Z"]))
        criteria = db.session.get(Call, call_id).criteria
        services.save_review(draft.reviewer, draft, answers={c.id: {"value": 3} for c in criteria},
                             recommendation="fund", submit=True)
        db.session.commit()
    assert_stored_is_fresh(app, client, call_id, by)
    assert ranking_rows(client.get(f"/staff/calls/{call_id}/ranking"))[scored_call["refs"]["Z"]]["Mean"] == "50.00"

    # A submitted review's score edited: only a score changes, the review row itself may not.
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.application_id == ids["W"]))
        answers = {s.criterion_id: {"value": s.value, "comment": "edited"} for s in review.scores}
        first = db.session.get(Call, call_id).criteria[0].id
        answers[first]["value"] = 2
        services.save_review(review.reviewer, review, answers=answers, overall_comment=review.overall_comment,
                             recommendation=review.recommendation.value)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ReviewRevision)) == 1
    assert_stored_is_fresh(app, client, call_id, by)

    # A review reopened (back to draft) drops out of the figures.
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.application_id == ids["T1"]))
        review.status = ReviewStatus.DRAFT
        db.session.commit()
    assert_stored_is_fresh(app, client, call_id, by)

    # A review handed to another reviewer.
    other = make_user("reviewer", name="Reviewer Four", locale="en")
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.application_id == ids["T2"]))
        review.reviewer_id = other.id
        db.session.commit()
    assert_stored_is_fresh(app, client, call_id, by)

    # The rubric: a weight, then a threshold.
    with app.app_context():
        criterion = db.session.scalar(select(Criterion).where(Criterion.call_id == call_id, Criterion.position == 2))
        criterion.weight = Decimal("2.5")
        db.session.commit()
    assert_stored_is_fresh(app, client, call_id, by)
    with app.app_context():
        criterion = db.session.scalar(select(Criterion).where(Criterion.call_id == call_id, Criterion.position == 1))
        criterion.threshold = Decimal("4")
        db.session.commit()
    assert_stored_is_fresh(app, client, call_id, by)

    # The call's disagreement settings.
    with app.app_context():
        call = db.session.get(Call, call_id)
        call.disagreement_range, call.disagreement_sd = 5, 2
        db.session.commit()
    assert_stored_is_fresh(app, client, call_id, by)

    # An application screened out leaves the ranking.
    with app.app_context():
        application = db.session.get(Application, ids["M"])
        application.screening_status = ScreeningStatus.INELIGIBLE
        application.screening_reason = "Outside the governorate"
        db.session.commit()
    assert_stored_is_fresh(app, client, call_id, by)
    assert scored_call["refs"]["M"] not in order(client.get(f"/staff/calls/{call_id}/ranking"))


def test_raw_and_calibrated_are_stored_apart(app, client, calibration_call, staff):  # noqa: F811
    call_id, refs = calibration_call["call"], calibration_call["refs"]
    assert order(client.get(f"/staff/calls/{call_id}/ranking", query_string={"by": "raw"}))[0] == refs[6]
    assert order(client.get(f"/staff/calls/{call_id}/ranking", query_string={"by": "calibrated"}))[0] == refs[1]
    for by in ("raw", "calibrated"):
        assert_stored_is_fresh(app, client, call_id, by)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RankingSnapshot)) == 2


# --- two staff at once ---------------------------------------------------------------------------------------

@pytest.mark.postgres_only
def test_two_staff_opening_a_changed_ranking_at_once_build_it_once(app, make_user, big_call, monkeypatch):
    clients = [signed_in_client(app, make_user("staff", locale="en")) for _ in range(2)]
    builds = []
    rebuild = ranking._rebuild

    def slow_rebuild(*args):
        builds.append(threading.get_ident())
        snapshot = rebuild(*args)
        threading.Event().wait(0.3)  # hold the call's lock: the other request is waiting for it now
        return snapshot

    monkeypatch.setattr(ranking, "_rebuild", slow_rebuild)

    def view(client):
        response = client.get(f"/staff/calls/{big_call}/ranking")
        return response.status_code, order(response)

    results = at_once(*(partial(view, client) for client in clients))
    assert len(builds) == 1
    expected = references(app, big_call, "raw")
    assert results == [(200, expected[:PER_PAGE])] * 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RankingEntry)) == len(expected)
    actual, expected = stored_and_fresh(app, big_call, "raw")
    assert actual == expected


# --- queries -----------------------------------------------------------------------------------------------------

def test_the_query_count_does_not_grow_with_the_applications(app, make_user):
    small, large = bulk_call(app, 10, seed=1), bulk_call(app, 120, seed=2)
    client = signed_in_client(app, make_user("staff", locale="en"))
    client.get("/healthz")  # first connections

    def statements(call_id):
        with counting_statements(app) as sent:
            assert client.get(f"/staff/calls/{call_id}/ranking").status_code == 200
        return len(sent)

    # The first view stores the ranking, the next ones read it: both flat.
    assert statements(small) == statements(large)
    assert statements(small) == statements(large)
    with app.app_context():
        assert db.session.get(RankingSnapshot, (large, "raw")).rows > PER_PAGE


# --- numbers ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["ar", "en", "fr"])
def test_scores_read_as_babel_would_write_them(locale):
    values = [0.0, 0.005, 0.015, 2.675, 1.005, 99.995, 64.99999999999999, 26.457513110645905, 1234.5678, -3.25]
    score = ranking.score_formatter(Locale.parse(locale))
    assert [score(v) for v in values] == [format_decimal(v, format="#,##0.00", locale=locale) for v in values]
    assert score(None) == "–"
    count = ranking.count_formatter(Locale.parse(locale))
    assert [count(n) for n in (0, 999, 12345)] == [format_decimal(n, locale=locale) for n in (0, 999, 12345)]


def test_names_are_read_live_not_stored(app, client, scored_call, staff):  # noqa: F811
    call_id, refs = scored_call["call"], scored_call["refs"]
    client.get(f"/staff/calls/{call_id}/ranking")
    with app.app_context():
        application = db.session.get(Application, scored_call["ids"]["W"])
        application.business_name = "Renamed Bakery"
        reviewer = db.session.scalar(select(User).where(User.full_name == "Reviewer Three"))
        reviewer.full_name = "Reviewer Trois"
        db.session.commit()
    rows = ranking_rows(client.get(f"/staff/calls/{call_id}/ranking"))
    assert rows[refs["W"]]["Business name"] == "Renamed Bakery"
    assert "Outlier review: Reviewer Trois (90.00)" in rows[refs["M"]]["Flags"]
