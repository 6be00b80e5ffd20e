"""Tests for the tranche schedule: exact sums, remainder on the last tranche, invalid schedules."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.disbursements.schedule import DEFAULT_SCHEDULE, split_award, validate_schedule


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1001, [500, 300, 201]),
        (7, [3, 2, 2]),
        (1000, [500, 300, 200]),
        (1, [0, 0, 1]),
        (0, [0, 0, 0]),
        (999, [499, 299, 201]),
    ],
)
def test_default_schedule_puts_the_remainder_on_the_last_tranche(amount, expected):
    assert split_award(amount) == expected
    assert sum(expected) == amount


def test_default_schedule_is_50_30_20():
    assert tuple(DEFAULT_SCHEDULE) == (50, 30, 20)


def test_custom_schedules_with_ints_and_decimals():
    assert split_award(100, [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]) == [33, 33, 34]
    assert split_award(10, [Decimal("12.5"), Decimal("87.5")]) == [1, 9]
    assert split_award(1234, [100]) == [1234]
    assert split_award(10, (25, 25, 25, 25)) == [2, 2, 2, 4]
    # Mixed int and Decimal are summed exactly.
    assert split_award(200, [Decimal("60.5"), 39, Decimal("0.5")]) == [121, 78, 1]


def test_validate_schedule_returns_exact_shares():
    assert validate_schedule([Decimal("33.33"), Decimal("66.67")]) == (
        Fraction(3333, 100),
        Fraction(6667, 100),
    )


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ([50, 30], "add up to 100"),
        ([50, 30, 30], "add up to 100"),
        ([Decimal("33.33"), Decimal("33.33"), Decimal("33.33")], "add up to 100"),
        ([], "at least one tranche"),
        ([100, 0], "greater than 0"),
        ([110, -10], "greater than 0"),
        ([50.0, 50.0], "int or a Decimal"),
        (["50", "50"], "int or a Decimal"),
        ([True, 99], "int or a Decimal"),
        ([Decimal("NaN"), 100], "finite"),
        ([Decimal("Infinity")], "finite"),
        ("100", "list of percentages"),
        (None, "list of percentages"),
        ({50, 30, 20}, "list of percentages"),
    ],
)
def test_invalid_schedules_are_rejected_with_a_clear_message(schedule, message):
    with pytest.raises(ValueError, match=message):
        split_award(1000, schedule)


@pytest.mark.parametrize("amount", [-1, 10.5, Decimal("10"), "10", True, None])
def test_invalid_amounts_are_rejected(amount):
    with pytest.raises(ValueError):
        split_award(amount)


# A schedule of positive percentages, with up to two decimals, summing to exactly 100:
# cut 0..10000 hundredths at distinct points.
@st.composite
def schedules(draw):
    cuts = draw(st.lists(st.integers(1, 9999), unique=True, max_size=6).map(sorted))
    bounds = [0, *cuts, 10000]
    hundredths = [b - a for a, b in zip(bounds, bounds[1:])]
    as_decimal = draw(st.booleans())
    return [
        Decimal(h) / 100 if as_decimal or h % 100 else h // 100
        for h in hundredths
    ]


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(0, 10**12), schedule=schedules())
def test_tranches_sum_to_the_award_and_are_never_negative(amount, schedule):
    tranches = split_award(amount, schedule)
    assert len(tranches) == len(schedule)
    assert sum(tranches) == amount
    assert all(isinstance(t, int) and t >= 0 for t in tranches)
    # Every tranche but the last is exactly the floor of its share; the last never gets less.
    for tranche, pct in zip(tranches[:-1], schedule[:-1]):
        assert tranche == (amount * Fraction(pct)) // 100
    assert tranches[-1] >= (amount * Fraction(schedule[-1])) // 100
    # The rounding carried to the last tranche is under one unit per other tranche.
    assert tranches[-1] - amount * Fraction(schedule[-1]) / 100 < len(schedule)


@settings(max_examples=100, deadline=None)
@given(amount=st.integers(0, 10**9))
def test_default_schedule_property(amount):
    first, second, last = split_award(amount)
    assert first + second + last == amount
    assert (first, second) == (amount * 50 // 100, amount * 30 // 100)
    assert last >= amount * 20 // 100
