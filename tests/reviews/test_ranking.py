"""The staff ranking of a call: figures checked against numbers worked out by hand, flags, calibration,
the saved default, CSV/XLSX exports, and a query count that does not grow with the number of applications.

Every call here has the rubric of tests.fixtures.program.make_call unless said otherwise:
Feasibility weight 0.5 (threshold 2), Community impact weight 0.3, Applicant experience weight 0.2, all on 1-5.
A review's S = 100 * sum(w * (x - 1) / 4) / 1.0 = 12.5*(x1 - 1) + 7.5*(x2 - 1) + 5*(x3 - 1).
"""
import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, AuditEntry, Call, CallStatus

from ..fixtures.i18n import translated
from ..fixtures.program import make_application, make_call
from ..fixtures.reviews import make_review
from ..fixtures.routes import counting_statements

CLOSED = dict(status=CallStatus.CLOSED, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
# The calibration call needs no thresholds: it is about harsh and lenient reviewers only.
NO_THRESHOLDS = [("جدوى الفكرة", "Feasibility", "0.5", None), ("الأثر على المجتمع", "Community impact", "0.3", None),
                 ("خبرة مقدم الطلب", "Applicant experience", "0.2", None)]


# --- reading the page ------------------------------------------------------------------------------------

class _Tables(HTMLParser):
    """Collects every table by id: its header cells and, per body row, the row's attributes and cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell, self._in_head = {}, None, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], {"headers": [], "rows": []})
        elif self._table is None:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = {"attrs": attrs, "cells": []}
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            (self._table["headers"] if self._in_head else self._row["cells"]).append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if not self._in_head:
                self._table["rows"].append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(response) -> dict:
    parser = _Tables()
    parser.feed(response.get_data(as_text=True))
    return parser.tables


def ranking_rows(response) -> dict:
    """Reference -> {header: cell text} for the ranking table, plus the references in page order."""
    table = tables(response)["ranking-table"]
    rows = {row["attrs"]["data-reference"]: dict(zip(table["headers"], row["cells"]))
            for row in table["rows"] if "data-reference" in row["attrs"]}
    return rows


def order(response) -> list:
    return [row["attrs"]["data-reference"] for row in tables(response)["ranking-table"]["rows"]
            if "data-reference" in row["attrs"]]


def reviewer_rows(response) -> dict:
    table = tables(response)["reviewers-table"]
    return {row["cells"][0]: dict(zip(table["headers"], row["cells"])) for row in table["rows"]}


# --- data --------------------------------------------------------------------------------------------------

def applicant_with_application(app, make_user, call_id, business, **answers) -> tuple[int, str]:
    applicant = make_user("applicant")
    application_id = make_application(app, applicant.id, call_id, submit=True, documents=False,
                                      business_name=business, **answers)
    with app.app_context():
        return application_id, db.session.get(Application, application_id).reference


@pytest.fixture
def scored_call(app, make_user):
    """Five reviewed applications and one without reviews, three reviewers with 3 reviews each.

    W  (worked example) R1: (5,3,1) -> 12.5*4 + 7.5*2 + 5*0 = 50 + 15 + 0 = 65
    M  (disagreement)   R1: (3,3,1) -> 25 + 15 + 0 = 40;  R2: (3,3,3) -> 25 + 15 + 10 = 50;
                        R3: (5,5,3) -> 50 + 30 + 10 = 90
    T2 (tie, earlier)   R3: (3,3,3) -> 50
    T1 (tie, later)     R2: (5,1,1) -> 50 + 0 + 0 = 50
    F  (fails)          R1: (1,5,4) -> 0 + 30 + 15 = 45;  R2: (1,5,5) -> 0 + 30 + 20 = 50;  R3: (3,3,1) -> 40
    Z  no reviews
    """
    call_id = make_call(app, **CLOSED)
    r1 = make_user("reviewer", name="Reviewer One", locale="en")
    r2 = make_user("reviewer", name="Reviewer Two", locale="en")
    r3 = make_user("reviewer", name="Reviewer Three", locale="en")
    refs, ids = {}, {}
    # T2 is submitted before T1: the earlier submission would put it first, the Feasibility mean must not.
    for key, business in [("W", "Bakery"), ("M", "Tailor"), ("T2", "Welding"), ("T1", "Pharmacy"),
                          ("F", "ورشة الفرات للنجارة"), ("Z", "Butcher")]:
        ids[key], refs[key] = applicant_with_application(app, make_user, call_id, business)
    make_review(app, ids["W"], r1.id, [5, 3, 1])
    make_review(app, ids["M"], r1.id, [3, 3, 1])
    make_review(app, ids["M"], r2.id, [3, 3, 3])
    make_review(app, ids["M"], r3.id, [5, 5, 3])
    make_review(app, ids["T2"], r3.id, [3, 3, 3])
    make_review(app, ids["T1"], r2.id, [5, 1, 1])
    make_review(app, ids["F"], r1.id, [1, 5, 4])
    make_review(app, ids["F"], r2.id, [1, 5, 5])
    make_review(app, ids["F"], r3.id, [3, 3, 1])
    make_review(app, ids["Z"], r1.id, [1, 1, 1], submit=False)  # a draft never counts
    return {"call": call_id, "refs": refs, "ids": ids}


@pytest.fixture
def staff(make_user, auth):
    account = make_user("staff", locale="en")
    auth.login(account)
    return account


def page(client, call_id, **args):
    response = client.get(f"/staff/calls/{call_id}/ranking", query_string=args)
    assert response.status_code == 200
    return response


# --- figures -----------------------------------------------------------------------------------------------

def test_worked_example_and_statistics(client, scored_call, staff):
    response = page(client, scored_call["call"])
    rows, refs = ranking_rows(response), scored_call["refs"]
    w, m = rows[refs["W"]], rows[refs["M"]]
    # The worked example: weights 0.5, 0.3, 0.2 and scores 5, 3, 1 on 1-5 give S = 65.
    assert w["Mean"] == "65.00" and w["Median"] == "65.00" and w["Minimum"] == w["Maximum"] == "65.00"
    assert w["Standard deviation"] == "–" and w["Standard error"] == "–"  # one review: no spread
    # M: S = 40, 50, 90. mean = 180 / 3 = 60; median 50; min 40; max 90;
    # sd = sqrt(((40-60)^2 + (50-60)^2 + (90-60)^2) / (3-1)) = sqrt((400 + 100 + 900) / 2) = sqrt(700) = 26.4575
    # se = sd / sqrt(3) = 26.4575 / 1.7321 = 15.2753
    assert (m["Mean"], m["Median"], m["Minimum"], m["Maximum"]) == ("60.00", "50.00", "40.00", "90.00")
    assert (m["Standard deviation"], m["Standard error"]) == ("26.46", "15.28")
    # Per-criterion raw means of M: (3+3+5)/3 = 3.67, (3+3+5)/3 = 3.67, (1+3+3)/3 = 2.33
    assert (m["Mean: Feasibility"], m["Mean: Community impact"], m["Mean: Applicant experience"]) == (
        "3.67", "3.67", "2.33")
    # Nobody has 5 reviews here: the calibrated mean is the raw one.
    assert m["Calibrated mean"] == "60.00" and w["Calibrated mean"] == "65.00"
    # Reviews: "N of k" (k = 3); W has only one, Z none (its draft does not count).
    assert w["Completed reviews"].startswith("1 of 3") and "missing reviews" in w["Completed reviews"]
    assert m["Completed reviews"] == "3 of 3"
    z = rows[refs["Z"]]
    assert z["Completed reviews"].startswith("0 of 3") and z["Mean"] == "–" and z["Rank"] == "6"
    # Raw order: W 65, M 60, T1 50, T2 50, F 45, Z without any score last.
    assert order(response) == [refs[k] for k in ("W", "M", "T1", "T2", "F", "Z")]
    assert [rows[refs[k]]["Rank"] for k in ("W", "M", "T1", "T2", "F", "Z")] == ["1", "2", "3", "4", "5", "6"]
    # Staff see who applied (in Latin letters for an English reader) and the business.
    assert rows[refs["F"]]["Business name"] == "ورشة الفرات للنجارة"
    assert rows[refs["F"]]["Applicant"] == "Ahmad Abdulrahman Al-Khalaf"


def test_threshold_failure_uses_mean_raw_scores(client, scored_call, staff):
    rows, refs = ranking_rows(page(client, scored_call["call"])), scored_call["refs"]
    f = rows[refs["F"]]
    # F: S = 45, 50, 40 -> mean 45, median 45, sd = sqrt((0 + 25 + 25) / 2) = 5, se = 5 / sqrt(3) = 2.8868
    assert (f["Mean"], f["Median"], f["Standard deviation"], f["Standard error"]) == ("45.00", "45.00", "5.00", "2.89")
    # Feasibility raw scores 1, 1, 3 -> mean 5/3 = 1.67 < threshold 2: fails (weights play no part).
    assert f["Mean: Feasibility"] == "1.67" and f["Failed criteria"] == "Feasibility"
    # Two reviewers below the threshold (1 < 2), one at or above (3 >= 2): both sides.
    assert "Reviewers on both sides of the threshold: Feasibility" in f["Flags"]
    # W's Feasibility 5 >= 2 and M's mean 3.67 >= 2: no failure.
    assert rows[refs["W"]]["Failed criteria"] == "" and rows[refs["M"]]["Failed criteria"] == ""
    # F: range 50 - 40 = 10 < 30 and sd 5 < 15; no review 25 or more from the median 45.
    assert "disagree" not in f["Flags"] and "Outlier" not in f["Flags"]


def test_disagreement_and_outlier_flags(app, client, scored_call, staff):
    rows, refs = ranking_rows(page(client, scored_call["call"])), scored_call["refs"]
    m = rows[refs["M"]]
    # M: range 90 - 40 = 50 >= 30 (and sd 26.46 >= 15): reviewers disagree.
    assert "Reviewers disagree" in m["Flags"]
    # |90 - median 50| = 40 >= 25: Reviewer Three's review is an outlier; |40 - 50| = 10 and |50 - 50| = 0 are not.
    assert "Outlier review: Reviewer Three (90.00)" in m["Flags"]
    assert "Reviewer One" not in m["Flags"] and "Reviewer Two" not in m["Flags"]
    assert rows[refs["W"]]["Flags"] == ""
    # The thresholds are the call's: with range 60 and sd 30, M's 50 and 26.46 no longer count as disagreement.
    with app.app_context():
        call = db.session.get(Call, scored_call["call"])
        call.disagreement_range, call.disagreement_sd = 60, 30
        db.session.commit()
    assert "Reviewers disagree" not in ranking_rows(page(client, scored_call["call"]))[refs["M"]]["Flags"]


def test_ties_are_broken_by_the_highest_weighted_criterion(app, client, scored_call, staff):
    response = page(client, scored_call["call"])
    rows, refs = ranking_rows(response), scored_call["refs"]
    # T1 (5,1,1) and T2 (3,3,3) both score 50. Feasibility (weight 0.5, the highest) means: 5 > 3, so T1 ranks
    # first although T2 was submitted earlier.
    assert order(response).index(refs["T1"]) + 1 == order(response).index(refs["T2"])
    assert rows[refs["T1"]]["Mean"] == rows[refs["T2"]]["Mean"] == "50.00"
    assert "Same score as the one above: ranked by the mean on Feasibility." in rows[refs["T2"]]["Flags"]
    assert "Ties are broken by the mean on the highest-weighted criterion, then the next, then the earlier " \
           "submission." in response.get_data(as_text=True)


def test_reviewers_with_fewer_than_five_reviews_are_not_calibrated(client, scored_call, staff):
    reviewers = reviewer_rows(page(client, scored_call["call"]))
    # Reviewer One: S = 65 (W), 40 (M), 45 (F) -> mean 150/3 = 50, sd = sqrt((225 + 100 + 25) / 2) = sqrt(175) = 13.23
    one = reviewers["Reviewer One"]
    assert (one["Reviews in this call"], one["Mean"], one["Standard deviation"]) == ("3", "50.00", "13.23")
    assert one["Calibration"] == "not calibrated: too few reviews"
    # Reviewer Three: 90 (M), 50 (T2), 40 (F) -> mean 60, sd = sqrt((900 + 100 + 400) / 2) = sqrt(700) = 26.46
    assert (reviewers["Reviewer Three"]["Mean"], reviewers["Reviewer Three"]["Standard deviation"]) == (
        "60.00", "26.46")
    assert all(r["Calibration"] == "not calibrated: too few reviews" for r in reviewers.values())


# --- calibration ---------------------------------------------------------------------------------------------

@pytest.fixture
def calibration_call(app, make_user):
    """Six applications; a harsh reviewer H scores A1-A5, a lenient reviewer L scores A2-A6 (5 reviews each).

    H: A1 (3,3,3) = 50, A2 (1,1,2) = 5, A3 (1,3,1) = 15, A4 (2,2,1) = 12.5 + 7.5 + 0 = 20, A5 (3,1,3) = 25 + 0 + 10 = 35
    L: A2 (4,2,3) = 37.5 + 7.5 + 10 = 55, A3 (3,5,3) = 25 + 30 + 10 = 65, A4 (4,4,4) = 37.5 + 22.5 + 15 = 75,
       A5 (5,3,5) = 50 + 15 + 20 = 85, A6 (5,5,4) = 50 + 30 + 15 = 95
    """
    call_id = make_call(app, code="CAL26", criteria=NO_THRESHOLDS, **CLOSED)
    harsh = make_user("reviewer", name="Harsh Reviewer", locale="en")
    lenient = make_user("reviewer", name="Lenient Reviewer", locale="en")
    ids, refs = {}, {}
    for n in range(1, 7):
        ids[n], refs[n] = applicant_with_application(app, make_user, call_id, f"Business {n}")
    for n, values in {1: [3, 3, 3], 2: [1, 1, 2], 3: [1, 3, 1], 4: [2, 2, 1], 5: [3, 1, 3]}.items():
        make_review(app, ids[n], harsh.id, values)
    for n, values in {2: [4, 2, 3], 3: [3, 5, 3], 4: [4, 4, 4], 5: [5, 3, 5], 6: [5, 5, 4]}.items():
        make_review(app, ids[n], lenient.id, values)
    return {"call": call_id, "refs": refs}


def test_calibration_changes_the_order(client, calibration_call, staff):
    call_id, refs = calibration_call["call"], calibration_call["refs"]
    # Raw means: A1 50 (H only); A2 (5+55)/2 = 30; A3 (15+65)/2 = 40; A4 (20+75)/2 = 47.5; A5 (35+85)/2 = 60; A6 95.
    raw = page(client, call_id, by="raw")
    assert order(raw) == [refs[n] for n in (6, 5, 1, 4, 3, 2)]
    # Calibration. H: mean (50+5+15+20+35)/5 = 25, sd = sqrt((625+400+100+25+100)/4) = sqrt(312.5) = 17.678.
    # L: mean (55+65+75+85+95)/5 = 75, sd = sqrt((400+100+0+100+400)/4) = sqrt(250) = 15.811.
    # All ten reviews: mean 500/10 = 50; squares about 50: H 0+2025+1225+900+225 = 4375, L 25+225+625+1225+2025 = 4125,
    # sd = sqrt(8500/9) = sqrt(944.44) = 30.732.
    # C = 50 + 30.732 * (S - mu_r) / max(sd_r, 5):
    #   H: A1 50 + 30.732*25/17.678 = 50 + 43.461 = 93.461   A2 50 - 30.732*20/17.678 = 15.231
    #      A3 50 - 30.732*10/17.678 = 32.615                  A4 50 - 30.732*5/17.678 = 41.308   A5 50 + 17.385 = 67.385
    #   L: A2 50 - 30.732*20/15.811 = 11.127   A3 50 - 30.732*10/15.811 = 30.563   A4 50   A5 69.437   A6 88.873
    # Calibrated means: A1 93.46, A2 (15.231+11.127)/2 = 13.18, A3 (32.615+30.563)/2 = 31.59,
    #   A4 (41.308+50)/2 = 45.65, A5 (67.385+69.437)/2 = 68.41, A6 88.87.
    calibrated = page(client, call_id, by="calibrated")
    # The harsh reviewer's best application, A1, moves from third to first.
    assert order(calibrated) == [refs[n] for n in (1, 6, 5, 4, 3, 2)]
    rows = ranking_rows(calibrated)
    assert [rows[refs[n]]["Calibrated mean"] for n in range(1, 7)] == [
        "93.46", "13.18", "31.59", "45.65", "68.41", "88.87"]
    # Raw and calibrated means stand side by side on both pages.
    assert [rows[refs[n]]["Mean"] for n in range(1, 7)] == ["50.00", "30.00", "40.00", "47.50", "60.00", "95.00"]
    assert ranking_rows(raw)[refs[1]]["Calibrated mean"] == "93.46"
    reviewers = reviewer_rows(calibrated)
    assert (reviewers["Harsh Reviewer"]["Mean"], reviewers["Harsh Reviewer"]["Standard deviation"]) == (
        "25.00", "17.68")
    assert (reviewers["Lenient Reviewer"]["Mean"], reviewers["Lenient Reviewer"]["Standard deviation"]) == (
        "75.00", "15.81")
    assert reviewers["Harsh Reviewer"]["Calibration"] == reviewers["Lenient Reviewer"]["Calibration"] == "calibrated"
    assert reviewers["Harsh Reviewer"]["Reviews in this call"] == "5"


def test_saved_default_decides_the_order_and_is_audited(app, client, calibration_call, staff):
    call_id, refs = calibration_call["call"], calibration_call["refs"]
    assert order(page(client, call_id))[0] == refs[6]  # the default is raw
    response = client.post(f"/staff/calls/{call_id}/ranking/default", data={"by": "calibrated"})
    assert response.status_code == 302 and response.location.endswith(f"/staff/calls/{call_id}/ranking")
    assert order(page(client, call_id))[0] == refs[1]
    assert order(page(client, call_id, by="raw"))[0] == refs[6]  # the address still overrides the default
    with app.app_context():
        assert db.session.get(Call, call_id).rank_by_calibrated is True
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reviews.set_rank_by")).all()
        assert [(e.actor_id, e.subject_id, e.details) for e in entries] == [
            (staff.id, call_id, {"rank_by": "calibrated"})]
    # Saving the same choice again changes nothing and writes nothing.
    client.post(f"/staff/calls/{call_id}/ranking/default", data={"by": "calibrated"})
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "reviews.set_rank_by")) == 1


def test_malformed_requests_do_not_fail(client, calibration_call, staff):
    call_id = calibration_call["call"]
    assert client.post(f"/staff/calls/{call_id}/ranking/default", data={"by": "best"}).status_code == 400
    assert client.post(f"/staff/calls/{call_id}/ranking/default").status_code == 400
    assert order(page(client, call_id, by="nonsense"))[0] == calibration_call["refs"][6]  # falls back to the default
    assert client.get("/staff/calls/999999/ranking").status_code == 404
    assert client.get("/staff/calls/999999/ranking.csv").status_code == 404
    assert client.post("/staff/calls/999999/ranking/default", data={"by": "raw"}).status_code == 404
    assert client.get(f"/staff/calls/{call_id}/ranking.pdf").status_code == 404


def test_rows_link_to_the_staff_application_page_when_it_exists(app, client, scored_call, staff):
    html = page(client, scored_call["call"]).get_data(as_text=True)
    if "screening.application" in app.view_functions:
        with app.test_request_context():
            from flask import url_for

            assert f'href="{url_for("screening.application", application_id=scored_call["ids"]["W"])}"' in html
    else:
        assert f">{scored_call['refs']['W']}</td>" in html


def test_a_call_without_applications_has_an_empty_ranking(app, client, staff):
    call_id = make_call(app, code="EMPTY", **CLOSED)
    response = page(client, call_id)
    assert "No applications to rank yet." in response.get_data(as_text=True)
    assert client.get(f"/staff/calls/{call_id}/ranking.xlsx").status_code == 200


# --- exports -----------------------------------------------------------------------------------------------

def test_csv_export_has_a_bom_arabic_names_and_the_page_columns(app, client, auth, make_user, scored_call):
    arabic_staff = make_user("staff", locale="ar")
    auth.login(arabic_staff)
    call_id, refs = scored_call["call"], scored_call["refs"]
    response = client.get(f"/staff/calls/{call_id}/ranking.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    headers = tables(page(client, call_id))["ranking-table"]["headers"]
    assert lines[0] == headers  # the same columns, in the reader's language
    assert lines[0][1] == translated(app, "Reference", "ar")
    by_reference = {line[1]: dict(zip(headers, line)) for line in lines[1:]}
    f = by_reference[refs["F"]]
    assert f[headers[2]] == "ورشة الفرات للنجارة"  # business name intact
    assert (f[headers[5]], f[headers[10]], f[headers[11]]) == ("45.00", "5.00", "2.89")  # mean, sd, se
    assert [line[1] for line in lines[1:]] == [refs[k] for k in ("W", "M", "T1", "T2", "F", "Z")]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "reviews.export_ranking"))
        assert entry.actor_id == arabic_staff.id and entry.subject_id == call_id
        assert entry.details == {"format": "csv", "rank_by": "raw", "rows": 6}


def test_xlsx_export_opens_and_matches_the_page(app, client, auth, make_user, calibration_call):
    call_id, refs = calibration_call["call"], calibration_call["refs"]
    for locale, right_to_left in (("ar", True), ("en", False)):
        auth.logout()
        auth.login(make_user("staff", locale=locale))
        response = client.get(f"/staff/calls/{call_id}/ranking.xlsx", query_string={"by": "calibrated"})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.get_data())).active
        assert bool(sheet.sheet_view.rightToLeft) is right_to_left
        table = tables(page(client, call_id, by="calibrated"))["ranking-table"]
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == table["headers"]
        # The first ranked row: A1, numbers rounded to two decimals (the page shows the same with two digits).
        first_page, first_sheet = table["rows"][0]["cells"], list(values[1])
        assert first_sheet[1] == refs[1] == first_page[1]
        assert first_sheet[0] == 1 and first_page[0] == "1"
        assert first_sheet[5] == 50.0 and first_sheet[6] == 93.46  # raw mean and calibrated mean
        for sheet_value, page_text in zip(first_sheet[5:12], first_page[5:12]):
            assert (f"{sheet_value:.2f}" if sheet_value is not None else "–") == page_text
        assert len(values) == 7
    with app.app_context():
        details = [e.details for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "reviews.export_ranking"))]
        assert details == [{"format": "xlsx", "rank_by": "calibrated", "rows": 6}] * 2


def test_a_business_name_that_looks_like_a_formula_stays_text(app, client, make_user, staff):
    call_id = make_call(app, code="FORM1", **CLOSED)
    applicant_with_application(app, make_user, call_id, "=HYPERLINK(\"http://x\")")
    csv_text = client.get(f"/staff/calls/{call_id}/ranking.csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    sheet = load_workbook(io.BytesIO(client.get(f"/staff/calls/{call_id}/ranking.xlsx").get_data())).active
    assert sheet.cell(row=2, column=3).data_type == "s"


# --- query count -------------------------------------------------------------------------------------------

def _statements(app, client, url) -> int:
    with counting_statements(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_query_count_does_not_grow_with_the_applications(app, client, make_user, staff):
    reviewers = [make_user("reviewer") for _ in range(3)]
    calls = {}
    for size, code in ((3, "SMALL"), (30, "LARGE")):
        call_id = make_call(app, code=code, **CLOSED)
        for n in range(size):
            application_id, _ = applicant_with_application(app, make_user, call_id, f"Business {n}")
            for i, reviewer in enumerate(reviewers):
                make_review(app, application_id, reviewer.id, [1 + (n + i) % 5, 1 + n % 5, 1 + i % 5])
        calls[size] = call_id
    # Warm up: first connections, caches, and each call's first view, which stores its ranking (that view's own
    # count is checked in test_ranking_pages.py).
    page(client, calls[3])
    page(client, calls[30])
    small = _statements(app, client, f"/staff/calls/{calls[3]}/ranking")
    large = _statements(app, client, f"/staff/calls/{calls[30]}/ranking")
    assert small == large
    assert len(order(page(client, calls[30]))) == 30
    small = _statements(app, client, f"/staff/calls/{calls[3]}/ranking.csv")
    large = _statements(app, client, f"/staff/calls/{calls[30]}/ranking.csv")
    assert small == large


# --- demo reviews ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("k, applications", [(3, 5), (2, 8)])
def test_demo_reviews_make_calibration_change_the_order(app, make_user, k, applications):
    from grants.demo import seed_demo
    from grants.models import Review, ReviewStatus, User
    from grants.reviews import queries, scoring
    from grants.reviews.demo import HARSH, LENIENT, seed_reviews_demo
    from grants.reviews.ranking import scoring_criteria

    with app.app_context():
        seed_demo()
        db.session.commit()
        applicants = [u.id for u in db.session.scalars(
            select(User).where(User.email.like("applicant%@example.org")).order_by(User.id))]
    applicants += [make_user("applicant", email=f"extra{n}@example.org").id
                   for n in range(applications - len(applicants))]
    call_id = make_call(app, code="DEMO1", reviewers_per_application=k, **CLOSED)
    for applicant_id in applicants[:applications]:
        make_application(app, applicant_id, call_id, submit=True, documents=False)

    with app.app_context():
        call = db.session.get(Call, call_id)
        assert seed_reviews_demo(call) == k * applications
        db.session.commit()
        reviews = db.session.scalars(select(Review).where(Review.call_id == call_id)).all()
        assert all(r.status == ReviewStatus.SUBMITTED and r.recommendation for r in reviews)
        per_application = {}
        for r in reviews:
            per_application.setdefault(r.application_id, set()).add(r.reviewer_id)
        assert len(per_application) == applications and all(len(s) == k for s in per_application.values())

        criteria = scoring_criteria(call)
        ranked = {by: scoring.rank_call(queries.ranking_rows(call_id), criteria, by=by)
                  for by in ("raw", "calibrated")}
        assert [r.application_id for r in ranked["raw"]] != [r.application_id for r in ranked["calibrated"]]
        by_reviewer = {}
        for result in ranked["raw"]:
            for review in result.reviews:
                by_reviewer.setdefault(review.reviewer_id, []).append(review.score)
                assert review.calibrated  # every demo reviewer has at least 5 reviews
        emails = {u.id: u.email for u in db.session.scalars(select(User).where(User.id.in_(by_reviewer)))}
        means = {emails[rid]: sum(s) / len(s) for rid, s in by_reviewer.items()}
        assert means[HARSH] < min(m for e, m in means.items() if e != HARSH)
        assert means[LENIENT] > max(m for e, m in means.items() if e != LENIENT)

        # Idempotent: a call that already has reviews is left alone.
        assert seed_reviews_demo(call) == 0
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(Review).where(Review.call_id == call_id)) == len(
            reviews)


def test_demo_reviews_need_the_demo_reviewers(app, make_user):
    from grants.models import Review, User
    from grants.reviews.demo import seed_reviews_demo

    call_id = make_call(app, code="DEMO2", **CLOSED)
    make_application(app, make_user("applicant").id, call_id, submit=True, documents=False)
    staff_id = make_user("staff").id
    make_user("reviewer")  # a reviewer, but not one of the demo ones
    with app.app_context():
        assert seed_reviews_demo(db.session.get(Call, call_id), db.session.get(User, staff_id)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(Review)) == 0
