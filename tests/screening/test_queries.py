"""Pure helpers behind the list: age bounds on the closing date, phone and id parsing, filter parsing."""
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from grants.models import Application
from grants.screening.queries import Filters, normalized_phone, small_int, years_before


@pytest.mark.parametrize("closing", [date(2028, 2, 29), date(2027, 2, 28), date(2027, 3, 1), date(2026, 12, 31)])
@pytest.mark.parametrize("years", [18, 25, 30, 36])
def test_the_birth_date_bound_agrees_with_the_age_on_the_closing_date(closing, years):
    """Born on or before years_before(closing, n) ⇔ at least n years old on the closing date."""
    bound = years_before(closing, years)
    for offset in range(-400, 400):
        born = bound + timedelta(days=offset)
        age = Application(date_of_birth=born).age_on(closing)
        assert (born <= bound) == (age >= years), (closing, years, born, age)


@pytest.mark.parametrize("typed, stored", [
    ("0944 111 222", "+963944111222"),
    ("0944-111-222", "+963944111222"),
    ("+963 944 111 222", "+963944111222"),
    ("00963944111222", "+963944111222"),
    ("٠٩٤٤١١١٢٢٢", "+963944111222"),
    ("Ahmad", None),
    ("DZ26A-00042", None),
    ("12", None),
    ("", None),
])
def test_normalized_phone(typed, stored):
    assert normalized_phone(typed) == stored


@pytest.mark.parametrize("value, number", [("7", 7), (" 12 ", 12), ("0", None), ("-1", None), ("1.5", None),
                                           ("٣", None), ("9" * 12, None), (None, None), ("abc", None)])
def test_small_int(value, number):
    assert small_int(value) == number


def test_filters_read_leniently_and_write_back_only_what_is_set():
    filters = Filters.from_args(MultiDict({"gender": "female", "age": "25-29", "district": "4", "q": "  أحمد   علي ",
                                           "sort": "-amount", "stage": "bogus", "flagged": "yes", "tag": " a  b "}))
    assert filters.as_args() == {"gender": "female", "age": "25-29", "district": 4, "q": "أحمد علي",
                                 "sort": "-amount", "flagged": "yes", "tag": "a b"}
    assert Filters.from_args(MultiDict()).as_args() == {}
    assert Filters.from_args(MultiDict({"q": "x" * 500})).q == "x" * 100
