"""Public call pages: only open calls in their window, the rules in plain words, a countdown in days."""
import re
from datetime import datetime, time, timedelta, timezone

import pytest

from grants.calls.queries import days_left
from grants.extensions import db
from grants.models import Call, CallStatus, Place

from ..fixtures.i18n import says
from ..fixtures.program import make_call, sector, subdistrict
from ..fixtures.routes import counting_statements
from .helpers import DAMASCUS, closes_in_for, program_now

EN = {"Accept-Language": "en"}


def card_of(page: str, code: str) -> str:
    """The part of the public list about one call."""
    start = page.index(f'dir="ltr">{code}</span>')
    end = page.find("</article>", start)
    return page[start:end]


def test_the_list_shows_only_open_calls_whose_window_is_current(app, client):
    make_call(app, code="OPEN1")
    make_call(app, code="DRAFT1", status=CallStatus.DRAFT)
    make_call(app, code="LATER1", opens_in=timedelta(hours=2))
    make_call(app, code="PAST1", closes_in=timedelta(seconds=-1))
    for status in (CallStatus.CLOSED, CallStatus.REVIEWING, CallStatus.DECIDED, CallStatus.ARCHIVED):
        make_call(app, code=f"X{status.value[:6].upper()}", status=status)
    page = client.get("/calls", headers=EN).get_data(as_text=True)
    codes = re.findall(r'<span class="tag" dir="ltr">(\w+)</span>', page)
    assert codes == ["OPEN1"]


def test_the_list_is_ordered_by_closing_time_and_says_so_when_empty(app, client):
    response = client.get("/calls", headers=EN)
    assert says(response, app, "No call is open at the moment. Please come back later.", "en")
    make_call(app, code="LATE", closes_in=timedelta(days=30))
    make_call(app, code="SOON", closes_in=timedelta(days=3))
    page = client.get("/calls", headers=EN).get_data(as_text=True)
    assert re.findall(r'<span class="tag" dir="ltr">(\w+)</span>', page) == ["SOON", "LATE"]


@pytest.mark.parametrize("day_offset, at, expected", [
    (0, time(23, 59, 59), "closes today"),
    (1, time(0, 0), "closes today"),          # a midnight deadline: today is the last day
    (1, time(0, 0, 1), "closes in 1 day"),
    (1, time(12, 0), "closes in 1 day"),
    (5, time(12, 0), "closes in 5 days"),
    (6, time(0, 0), "closes in 5 days"),
])
def test_the_countdown_in_days(app, client, day_offset, at, expected):
    if program_now().time() > time(23, 58) or program_now().time() < time(0, 1):
        pytest.skip("too close to midnight in the program's timezone to be deterministic")
    make_call(app, code="CD1", closes_in=closes_in_for(day_offset, at))
    page = client.get("/calls", headers=EN).get_data(as_text=True)
    assert f'<span class="countdown">{expected}</span>' in page
    assert f'<span class="countdown">{expected}</span>' in client.get("/calls/CD1", headers=EN).get_data(as_text=True)


def test_days_left_to_the_second(rctx):
    call = db.session.get(Call, make_call(rctx))
    # Closing on 10 March at 18:00 in Damascus (15:00 UTC).
    call.closes_at = datetime(2027, 3, 10, 15, 0, tzinfo=timezone.utc)
    at = lambda *args: datetime(*args, tzinfo=DAMASCUS)  # noqa: E731
    assert days_left(call, at(2027, 3, 10, 17, 59, 59)) == 0
    assert days_left(call, at(2027, 3, 10, 0, 0)) == 0
    assert days_left(call, at(2027, 3, 9, 23, 59, 59)) == 1
    assert days_left(call, at(2027, 3, 5, 8, 0)) == 5
    # 22:00 UTC on 9 March is already 10 March in Damascus.
    assert days_left(call, datetime(2027, 3, 9, 22, 0, tzinfo=timezone.utc)) == 0
    call.closes_at = datetime(2027, 3, 10, 21, 0, tzinfo=timezone.utc)  # midnight in Damascus
    assert days_left(call, at(2027, 3, 10, 12, 0)) == 0


def test_the_countdown_is_translated_with_plurals(app, client):
    call_id = make_call(app, code="AR1", closes_in=timedelta(days=3, hours=12))
    response = client.get("/calls")
    page = response.get_data(as_text=True)
    assert 'lang="ar"' in page and '<span class="countdown">' in page
    with app.test_request_context():
        from flask_babel import force_locale, ngettext

        with force_locale("ar"):
            days = days_left(db.session.get(Call, call_id))
            expected = ngettext("closes in %(num)d day", "closes in %(num)d days", days)
    assert f'<span class="countdown">{expected}</span>' in page


def test_the_rules_are_shown_in_plain_words(app, client):
    with app.app_context():
        hajin, retail = subdistrict("Hajin").id, sector("retail").id
    call_id = make_call(app, code="RULES", min_age=20, max_age=30, accepts_existing=False)
    with app.app_context():
        call = db.session.get(Call, call_id)
        call.places = [db.session.get(Place, hajin)]
        call.sectors = [sector("retail")]
        call.required_documents[1].mandatory = False
        db.session.commit()
        closing = call.closing_date
    page = client.get("/calls", headers=EN).get_data(as_text=True)
    card = card_of(page, "RULES")
    assert "Applicants are aged 20 to 30 on the closing date" in card
    assert f"{closing.year}" in card
    assert "Hajin" in card and "Subdistrict" in card
    assert "Only new businesses (ideas) may apply." in card
    assert "Trade and retail" in card
    assert "Copy of the identity card" in card and "(optional)" in card
    assert "At most 10 documents per application." in card
    assert "500,000" in card and "5,000,000" in card and "SYP" in card


def test_no_limits_read_as_anywhere_and_every_sector(app, client):
    make_call(app, code="ANY")
    card = card_of(client.get("/calls", headers=EN).get_data(as_text=True), "ANY")
    assert "Applicants may live anywhere." in card and "Businesses in every sector may apply." in card
    assert "New businesses (ideas) and existing businesses may apply." in card


def test_the_call_page_shows_the_call_in_full(app, client):
    call_id = make_call(app, code="FULL1")
    with app.app_context():
        db.session.get(Call, call_id).description_en = "Line one.\nLine two."
        db.session.commit()
    response = client.get("/calls/full1", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Small business grants for youth" in page and "Line one." in page
    assert "Feasibility" in page and "Applicants are aged 18 to 35" in page


def test_draft_calls_are_404_for_everyone_but_staff(app, client, auth, make_user):
    make_call(app, code="DRAFT1", status=CallStatus.DRAFT)
    assert client.get("/calls/DRAFT1").status_code == 404
    auth.login(make_user("applicant"))
    assert client.get("/calls/DRAFT1").status_code == 404
    auth.logout()
    auth.login(make_user("reviewer"))
    assert client.get("/calls/DRAFT1").status_code == 404
    auth.logout()
    auth.login(make_user("staff", locale="en"))
    response = client.get("/calls/DRAFT1")
    assert response.status_code == 200 and "This call is a draft" in response.get_data(as_text=True)


def test_unknown_codes_are_404(client):
    assert client.get("/calls/NOPE1").status_code == 404
    assert client.get("/calls/" + "A" * 300).status_code == 404


def test_closed_calls_stay_readable_without_the_apply_button(app, client):
    make_call(app, code="DONE1", status=CallStatus.CLOSED)
    response = client.get("/calls/DONE1", headers=EN)
    assert response.status_code == 200
    assert "This call does not accept applications any more." in response.get_data(as_text=True)
    assert "/apply" not in response.get_data(as_text=True)


def test_a_call_not_yet_open_says_when_it_opens(app, client):
    make_call(app, code="SOON1", opens_in=timedelta(days=2))
    page = client.get("/calls/SOON1", headers=EN).get_data(as_text=True)
    assert "This call opens on" in page and "/apply" not in page


def test_the_apply_button_posts_to_the_applications_feature(app, client):
    make_call(app, code="APPLY1")
    page = client.get("/calls/APPLY1", headers=EN).get_data(as_text=True)
    assert re.search(r'<form method="post" action="/calls/APPLY1/apply"', page)
    assert 'name="csrf_token"' in page


def test_no_apply_button_once_the_call_has_closed(app, client):
    from datetime import timedelta

    make_call(app, code="APPLY2", opens_in=timedelta(days=-10), closes_in=timedelta(seconds=-1))
    page = client.get("/calls/APPLY2", headers=EN).get_data(as_text=True)
    assert "/calls/APPLY2/apply" not in page


def test_the_public_list_query_count_does_not_grow_with_the_calls(app, client):
    def count_queries():
        with counting_statements(app) as statements:
            assert client.get("/calls").status_code == 200
        return len(statements)

    make_call(app, code="ONE1")
    few = count_queries()
    with app.app_context():
        places = [subdistrict("Hajin"), subdistrict()]
    for n in range(4):
        call_id = make_call(app, code=f"MORE{n}")
        with app.app_context():
            call = db.session.get(Call, call_id)
            call.places = [db.session.get(Place, p.id) for p in places]
            call.sectors = [sector()]
            db.session.commit()
    assert count_queries() == few
