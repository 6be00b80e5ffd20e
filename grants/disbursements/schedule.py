"""split_award(): an award cut into tranches by a percentage schedule, in whole currency units."""
import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

# Half on signature, most of the rest mid-project, the last part on the final report.
DEFAULT_SCHEDULE: tuple[int, ...] = (50, 30, 20)


def _exact(value, position: int) -> Fraction:
    """One percentage as an exact Fraction; floats are refused because 33.3 is not 33.3 in binary."""
    # bool is an int subclass: True would silently mean 1 %.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(
            f"tranche {position}: percentage {value!r} must be an int or a Decimal, "
            f"not {type(value).__name__}"
        )
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"tranche {position}: percentage {value!r} is not a finite number")
    exact = Fraction(value)
    if exact <= 0:
        raise ValueError(f"tranche {position}: percentage {value} must be greater than 0")
    return exact


def validate_schedule(percentages: Sequence) -> tuple[Fraction, ...]:
    """The schedule as exact fractions; ValueError unless every share is positive and they total 100."""
    if isinstance(percentages, (str, bytes)) or not isinstance(percentages, Sequence):
        raise ValueError("a tranche schedule must be a list of percentages")
    if not percentages:
        raise ValueError("a tranche schedule needs at least one tranche")
    shares = tuple(_exact(value, position) for position, value in enumerate(percentages, start=1))
    # Exact arithmetic: 33.33 + 33.33 + 33.34 must be 100, not 99.99999999.
    total = sum(shares, Fraction(0))
    if total != 100:
        shown = ", ".join(str(value) for value in percentages)
        raise ValueError(f"tranche percentages must add up to 100, got {shown} = {_show(total)}")
    return shares


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(Decimal(value.numerator) / value.denominator)


def split_award(amount: int, percentages: Sequence = DEFAULT_SCHEDULE) -> list[int]:
    """Tranche amounts: each but the last is floored, the last takes the remainder, so they sum to `amount`."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValueError(f"an award must be a whole number of currency units, got {amount!r}")
    if amount < 0:
        raise ValueError(f"an award cannot be negative, got {amount}")
    shares = validate_schedule(percentages)
    # Flooring never pays out more than the share, so the remainder is >= 0; putting it on the last
    # tranche holds back the rounding until the project has delivered.
    tranches = [math.floor(amount * share / 100) for share in shares[:-1]]
    tranches.append(amount - sum(tranches))
    return tranches
