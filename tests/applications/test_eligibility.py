"""Eligibility against the call's rules, with reasons in Arabic and English: age on the closing date, places
through their hierarchy, business stage and sector."""
from datetime import date

import pytest
from flask_babel import force_locale, format_date, gettext
from sqlalchemy import select

from grants.applications.eligibility import check_eligibility, place_allowed, reason_text
from grants.extensions import db
from grants.models import Application, BusinessStage, Call, Place, PlaceKind

from ..fixtures.program import make_application, make_call, sector, subdistrict


@pytest.fixture
def setup(rctx, make_user):
    call_id = make_call(rctx)
    application_id = make_application(rctx, make_user("applicant").id, call_id)
    call = db.session.get(Call, call_id)
    application = db.session.get(Application, application_id)
    return call, application


def born_years_before(day: date, years: int, days_later: int = 0) -> date:
    from datetime import timedelta

    return date(day.year - years, day.month, day.day if (day.month, day.day) != (2, 29) else 28) + timedelta(
        days=days_later)


def codes(application, call):
    return [reason["code"] for reason in check_eligibility(application, call)]


def place(name_en, kind):
    return db.session.scalar(select(Place).where(Place.name_en == name_en, Place.kind == kind))


def test_a_complete_application_within_the_rules_is_eligible(setup):
    call, application = setup
    assert check_eligibility(application, call) == []


def test_age_is_counted_on_the_closing_date_with_birthdays_on_that_day(setup):
    call, application = setup
    closing = call.closing_date
    cases = [
        (born_years_before(closing, 18), []),                        # 18th birthday on the closing day
        (born_years_before(closing, 18, days_later=1), ["age_below"]),  # 18 the day after closing
        (born_years_before(closing, 35, days_later=1), []),          # 36th birthday the day after: still 35
        (born_years_before(closing, 36), ["age_above"]),             # 36th birthday on the closing day
    ]
    for born, expected in cases:
        application.date_of_birth = born
        assert codes(application, call) == expected, born
    application.date_of_birth = None
    assert codes(application, call) == ["age_unknown"]


def test_reasons_are_written_in_both_languages(setup, app):
    call, application = setup
    closing = call.closing_date
    application.date_of_birth = born_years_before(closing, 36)
    [reason] = check_eligibility(application, call)
    assert set(reason) == {"code", "ar", "en"}
    assert reason["en"] == (f"On the closing date ({format_date(closing)}) the applicant is 36 years old; "
                            "the maximum age for this call is 35.")
    with force_locale("ar"):
        expected_ar = gettext("On the closing date (%(date)s) the applicant is %(age)s years old; the maximum age "
                              "for this call is %(max)s.", date=format_date(closing), age="36", max="35")
    assert reason["ar"] == expected_ar and reason["ar"] != reason["en"]  # the date at least is written in Arabic
    assert reason_text(reason, "ar") == reason["ar"] and reason_text(reason, "en") == reason["en"]
    assert reason_text({"code": "x", "en": "only English"}, "ar") == "only English"


def test_places_are_allowed_through_their_district_and_governorate(setup):
    call, application = setup
    busayrah, dhiban = subdistrict("Al-Busayrah"), subdistrict("Dhiban")
    governorate = place("Deir ez-Zor", PlaceKind.GOVERNORATE)
    mayadin = place("Al-Mayadin", PlaceKind.DISTRICT)
    assert place_allowed(busayrah, call)  # no places listed: anywhere
    call.places = [governorate]
    assert place_allowed(busayrah, call) and place_allowed(dhiban, call)
    call.places = [mayadin]
    assert place_allowed(dhiban, call) and not place_allowed(busayrah, call)
    call.places = [busayrah]
    assert place_allowed(busayrah, call) and not place_allowed(dhiban, call)
    application.place = dhiban
    [reason] = check_eligibility(application, call)
    assert reason["code"] == "place_not_allowed"
    assert "Dhiban, Al-Mayadin, Deir ez-Zor" in reason["en"]
    assert "ذيبان" in reason["ar"]


def test_stages_and_sectors_the_call_does_not_accept(setup):
    call, application = setup
    application.stage = BusinessStage.IDEA
    call.accepts_idea = False
    [reason] = check_eligibility(application, call)
    assert reason["code"] == "stage_not_accepted" and "New business (idea)" in reason["en"]
    call.accepts_idea = True
    application.sector = sector("retail")
    assert check_eligibility(application, call) == []  # no sectors listed: all
    call.sectors = [sector("agriculture")]
    [reason] = check_eligibility(application, call)
    assert reason["code"] == "sector_not_accepted" and "Trade and retail" in reason["en"]
    assert "التجارة والبيع بالتجزئة" in reason["ar"]
    call.sectors.append(sector("retail"))
    assert check_eligibility(application, call) == []


def test_several_reasons_at_once(setup):
    call, application = setup
    call.accepts_idea, call.places = False, [subdistrict("Hajin")]
    call.sectors = [sector("ict")]
    application.date_of_birth = born_years_before(call.closing_date, 17)
    assert codes(application, call) == ["age_below", "place_not_allowed", "stage_not_accepted",
                                        "sector_not_accepted"]
