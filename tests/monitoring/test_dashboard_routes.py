"""The staff dashboard page: Arabic by default (right to left, mirrored charts), English, filters, unreadable filters
shown beside their fields, staff only, and a query count that does not grow with the program."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from grants.extensions import db
from grants.models import Place, PlaceKind
from grants.monitoring.charts import LABEL_WIDTH, WIDTH
from grants.monitoring.stats import Filters, dashboard

from ..fixtures.routes import counting_statements, error_of, signed_in_client, text
from .stats_seed import add_applicants, program_day, seed_program

URL = "/staff/dashboard"


@pytest.fixture
def seeded(app, make_user):
    return seed_program(app, make_user)


def staff_client(app, make_user, locale="ar"):
    return signed_in_client(app, make_user("staff", locale=locale))


def table_rows(page: str, key: str) -> dict[str, list[str]]:
    """The rows of a statistics table on the page: {row header: [cell texts]}."""
    table = re.search(rf'<table class="stats-table" id="table-{key}">(.*?)</table>', page, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S).group(1).strip()
        rows[header] = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def chart_of(page: str, chart_id: str) -> str:
    return re.search(rf'<svg class="chart" id="{chart_id}".*?</svg>', page, re.S).group(0)


def test_arabic_page_is_right_to_left_with_mirrored_charts(app, make_user, seeded):
    response = staff_client(app, make_user).get(URL)
    page = text(response)
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page
    funnel = chart_of(page, "chart-funnel")
    assert 'direction="rtl"' in funnel and 'role="img"' in funnel
    # bars of the gender chart end at the axis on the right
    gender = chart_of(page, "chart-by_gender")
    for x, width in re.findall(r'<rect class="chart-bar[^"]*" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', gender):
        assert float(x) + float(width) == pytest.approx(WIDTH - LABEL_WIDTH)
    # the same figures as the statistics, in the Arabic page's tables
    with app.test_request_context(), force_locale("ar"):
        figures = dashboard(Filters())
    funnel_rows = table_rows(page, "funnel")
    assert [cells[0] for cells in funnel_rows.values()] == [str(row[1]) for row in figures.table("funnel").rows]
    assert '<caption>' in page and '<th scope="col"' in page
    for key in ("by_gender", "by_age_band", "by_district", "by_subdistrict", "by_sector", "by_stage", "by_disability",
                "by_call", "money", "training", "jobs", "survival"):
        assert f'id="table-{key}"' in page


def test_english_page(app, make_user, seeded):
    page = text(staff_client(app, make_user, locale="en").get(URL))
    assert '<html lang="en" dir="ltr">' in page
    assert 'direction="ltr"' in chart_of(page, "chart-funnel")
    assert "Program dashboard" in page and "At a glance" in page
    assert table_rows(page, "by_gender")["Female"][:2] == ["11", "10"]  # one draft among eleven women
    assert table_rows(page, "money")["Total in USD"] == ["50,000,000", "5,400,000", "7,000", "2,000", "49,998,000"]
    assert table_rows(page, "funnel")["Submitted"] == ["19", "100"]
    # a dash, with words for screen readers, where a figure does not apply
    assert table_rows(page, "funnel")["Started"] == ["22", "—Not applicable"]
    assert re.search(r"<dt>Applications submitted</dt><dd>19</dd>", page)
    assert 'id="export-link"' in page and 'id="summary-link"' not in page


def test_filters(app, make_user, seeded):
    client = staff_client(app, make_user, locale="en")
    with app.app_context():
        mayadin = db.session.scalar(select(Place.id).where(Place.kind == PlaceKind.DISTRICT,
                                                           Place.name_en == "Al-Mayadin"))
        start, end = program_day(76).isoformat(), program_day(70).isoformat()
    page = text(client.get(URL, query_string={"call": seeded.call_a}))
    assert list(table_rows(page, "by_call")) == ["DZ24A", "Not stated"]
    assert f'href="/staff/calls/{seeded.call_a}/summary.pdf"' in page
    assert f'/staff/exports/donor?call={seeded.call_a}' in page
    page = text(client.get(URL, query_string={"start": start, "end": end}))
    assert table_rows(page, "funnel")["Started"][0] == "11"
    # a period counts part of a call: its budget does not apply
    assert table_rows(page, "money")["DZ24A (SYP)"][0] == "—Not applicable"
    assert f'value="{start}"' in page
    page = text(client.get(URL, query_string={"district": mayadin}))
    assert list(table_rows(page, "by_district")) == ["Al-Mayadin", "Not stated"]
    assert table_rows(page, "funnel")["Started"][0] == "6"


@pytest.mark.parametrize("args, field, message", [
    ({"call": "abc"}, "call", "Choose a call from the list."),
    ({"call": "99999"}, "call", "Choose a call from the list."),
    ({"district": "1"}, "district", "Choose a district from the list."),  # a governorate
    ({"start": "2026-13-45"}, "start", "Enter the date as year-month-day, for example 2026-03-15."),
    ({"end": "yesterday"}, "end", "Enter the date as year-month-day, for example 2026-03-15."),
    ({"start": "2026-05-01", "end": "2026-04-30"}, "end", "The end of the period cannot be before its start."),
])
def test_unreadable_filters_are_explained(app, make_user, args, field, message):
    response = staff_client(app, make_user, locale="en").get(URL, query_string=args)
    page = text(response)
    assert response.status_code == 200
    assert error_of(page, field) == message
    assert 'id="filter-errors"' in page and 'id="headline"' not in page and "<svg" not in page
    if field in ("start", "end"):
        assert f'value="{args[field]}"' in page  # what was typed stays in the field


def test_arabic_digits_in_dates_are_read(app, make_user):
    page = text(staff_client(app, make_user, locale="en").get(URL, query_string={"start": "٢٠٢٦-٠١-٠١"}))
    assert error_of(page, "start") == "" and 'id="headline"' in page


def test_staff_only(app, client, make_user):
    for role in ("applicant", "reviewer"):
        assert signed_in_client(app, make_user(role)).get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert signed_in_client(app, make_user("admin")).get(URL).status_code == 200


def test_page_queries_do_not_grow_with_the_program(app, make_user, seeded):
    client = staff_client(app, make_user)
    client.get(URL)  # the first request loads what every page loads once

    def count():
        with counting_statements(app) as statements:
            assert client.get(URL, query_string={"call": seeded.call_b}).status_code == 200
        return len(statements)

    before = count()
    add_applicants(app, make_user, seeded.call_b, 6)
    assert count() == before
