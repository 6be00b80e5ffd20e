"""propose_funding(): which ranked candidates a budget funds, honouring group set-asides."""
# Pure on purpose: no Flask, no database. The caller loads the ranked candidates (only those
# that passed the thresholds; thresholds are never lowered for a group), calls
# propose_funding() and stores the proposal. Money is whole currency units (int).
#
# The algorithm, in full:
#
# 1. Reserve phase. Each set-aside gets reserve = floor(budget * pct / 100). Set-asides are
#    processed in the order given (dict insertion order, or the order of the (key, pct) pairs).
#    For set-aside K:
#      * credited = what earlier set-aside pots already awarded to members of group K (a
#        women-led under-25 project funded from the women_led pot also counts towards the
#        under_25 target), and K's own pot = max(0, reserve - credited);
#      * K's pot walks K's still-unfunded members in rank order, awarding each one its full
#        request, and ENDS at the first member whose request does not fit what is left of the
#        pot, whatever the fit policy. No partial awards and no skipping here (see below).
#    A candidate is funded at most once; the pot that funded it is its `funded_from`.
# 2. General phase. Everything not awarded in phase 1 (including unspent reserves) is the
#    general pot; it walks every still-unfunded candidate in rank order under the fit policy:
#      * "skip" (default): fund a request if it fits what remains, otherwise pass over it and
#        try the next one;
#      * "stop": fund requests while they fit; at the first that does not, stop: it and every
#        later unfunded candidate are waitlisted (candidates already funded by a reserve stay
#        funded, even if ranked after the stopping point);
#      * "partial": a request that fits is funded in full; one that does not fit is offered
#        everything that remains when that is at least 80 % of its request (remaining * 100 >=
#        80 * request), which empties the pot; below 80 % it is passed over as with "skip".
#        So at most one award is partial, and it is the last award made.
# 3. Everyone not funded is waitlisted, the waiting list being the rank order. (Applications
#    that did not pass the thresholds are not candidates; the caller marks them not selected.)
#
# Why the reserve walk stops at the first misfit and never skips or awards part: it gives the
# property that set-asides change nothing when merit already meets them. Precisely: if, for the
# same candidates, budget and policy without set-asides, every set-aside group's members are
# awarded at least that group's reserve, then with the set-asides the same candidates get the
# same amounts (only the `funded_from` labels differ). Sketch: a reserve's walk only funds a
# rank-prefix of its group whose requests sum to at most its pot; if merit order left one of
# them unfunded (or partly funded), everything merit gave the group from that member on would
# be less than that member's request, so the group's merit total would be below the reserve.
# Hence the reserve phase only funds people merit funds in full, and the general phase is then
# merit order with those people paid in advance, which funds the same rest. Skipping inside a
# reserve breaks this: a reserve with 5 left after its first member would jump a 10 request to
# fund a lower-ranked 5 that merit order never reaches. Crediting overlaps is needed for the
# same reason: otherwise the second group's pot would fund its members again, on top of the
# ones merit order already counted for it.
#
# What a reserve guarantees: a group whose candidates request at least the reserve in total is
# awarded more than reserve - (largest request in the group); it falls short only when the next
# group member's request did not fit what was left. A group whose candidates request less than
# the reserve has all of them funded and the set-aside is reported unmet; the unused part of the
# reserve goes to the general pot.
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction

GENERAL = "general"  # the `funded_from` of awards made from the general pot
PARTIAL_MIN_PERCENT = 80  # "partial" offers what remains only if it is at least this % of the request


class FitPolicy(str, Enum):
    """What the general pot does with a candidate whose request does not fit what remains."""

    STOP = "stop"
    SKIP = "skip"
    PARTIAL = "partial"


class Outcome(str, Enum):
    APPROVED = "approved"
    WAITLISTED = "waitlisted"


@dataclass(frozen=True)
class Candidate:
    """One ranked candidate; `groups` are the set-aside keys it belongs to, e.g. {"women_led"}."""

    id: Hashable
    requested: int
    groups: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        # Accept any set/list from the caller but keep the dataclass hashable and immutable.
        object.__setattr__(self, "groups", frozenset(self.groups))


@dataclass(frozen=True)
class CandidateOutcome:
    candidate_id: Hashable
    rank: int  # 1-based position in the input order
    requested: int
    outcome: Outcome
    awarded: int = 0
    funded_from: str | None = None  # a set-aside key or GENERAL when approved
    waitlist_position: int | None = None  # 1-based when waitlisted

    @property
    def approved(self) -> bool:
        return self.outcome is Outcome.APPROVED

    @property
    def partial(self) -> bool:
        return self.approved and self.awarded < self.requested


@dataclass(frozen=True)
class SetAsideResult:
    key: str
    percentage: int | Decimal
    reserve: int  # floor(budget * percentage / 100)
    credited: int  # awarded to group members by earlier set-aside pots before this one opened
    pot: int  # max(0, reserve - credited): what this set-aside could spend itself
    pot_spent: int  # awarded from this pot; pot - pot_spent went to the general pot
    group_requested: int  # total requests of the group's candidates
    group_awarded: int  # total finally awarded to the group's candidates, from any pot
    unmet: bool  # too few candidates: group_requested < reserve (all of them are funded)

    @property
    def met(self) -> bool:
        return self.group_awarded >= self.reserve

    @property
    def shortfall(self) -> int:
        return max(0, self.reserve - self.group_awarded)

    @property
    def pot_unspent(self) -> int:
        return self.pot - self.pot_spent


@dataclass(frozen=True)
class SelectionResult:
    budget: int
    policy: FitPolicy
    outcomes: tuple[CandidateOutcome, ...]  # one per candidate, in rank order
    set_asides: tuple[SetAsideResult, ...]  # in processing order
    total_awarded: int
    general_pot: int  # budget minus reserve-phase awards: what the general phase started with
    general_spent: int
    stopped_at: Hashable | None = None  # "stop" policy: the candidate the general pot stopped at

    @property
    def unspent(self) -> int:
        return self.budget - self.total_awarded

    @property
    def approved(self) -> tuple[CandidateOutcome, ...]:
        return tuple(o for o in self.outcomes if o.approved)

    @property
    def waitlist(self) -> tuple[CandidateOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.approved)

    @property
    def unmet_set_asides(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.set_asides if s.unmet)

    def outcome_for(self, candidate_id: Hashable) -> CandidateOutcome:
        for o in self.outcomes:
            if o.candidate_id == candidate_id:
                return o
        raise KeyError(candidate_id)

    def set_aside(self, key: str) -> SetAsideResult:
        for s in self.set_asides:
            if s.key == key:
                return s
        raise KeyError(key)


def _whole(value, what: str, *, positive: bool) -> int:
    # bool is an int subclass; True as a budget is a bug, not 1 unit.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number of currency units, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{what} must be {'greater than 0' if positive else 'zero or more'}, got {value}")
    return value


def _percentage(key: str, value) -> Fraction:
    # Exact arithmetic so that floor(budget * pct / 100) is the floor of the true product.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"set-aside {key!r}: percentage must be an int or a Decimal, got {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"set-aside {key!r}: percentage {value!r} is not a finite number")
    exact = Fraction(value)
    if not 0 < exact <= 100:
        raise ValueError(f"set-aside {key!r}: percentage must be above 0 and at most 100, got {value}")
    return exact


def _set_asides(set_asides) -> list[tuple[str, int | Decimal, Fraction]]:
    if set_asides is None:
        return []
    pairs: Iterable = set_asides.items() if isinstance(set_asides, Mapping) else set_asides
    checked, seen = [], set()
    for pair in pairs:
        key, value = pair
        if not isinstance(key, str) or not key:
            raise ValueError(f"set-aside keys must be non-empty strings, got {key!r}")
        if key == GENERAL:
            raise ValueError(f"{GENERAL!r} names the general pot and cannot be a set-aside key")
        if key in seen:
            raise ValueError(f"set-aside {key!r} is given twice")
        seen.add(key)
        checked.append((key, value, _percentage(key, value)))
    # Reserves are carved out of the one budget, so together they cannot exceed it.
    total = sum((exact for _, _, exact in checked), Fraction(0))
    if total > 100:
        raise ValueError(f"set-aside percentages add up to more than 100 ({float(total):g})")
    return checked


def propose_funding(
    candidates: Sequence[Candidate],
    budget: int,
    set_asides: Mapping[str, int | Decimal] | Sequence[tuple[str, int | Decimal]] | None = None,
    policy: FitPolicy | str = FitPolicy.SKIP,
    *,
    partial_min_percent: int = PARTIAL_MIN_PERCENT,
) -> SelectionResult:
    """Fund `candidates` (best first) from `budget`: set-aside reserves first, then merit order."""
    try:
        policy = FitPolicy(policy)
    except ValueError:
        raise ValueError(
            f"unknown fit policy {policy!r}; use one of {', '.join(p.value for p in FitPolicy)}"
        ) from None
    _whole(budget, "the budget", positive=False)
    if isinstance(partial_min_percent, bool) or not isinstance(partial_min_percent, int) or not (
        0 < partial_min_percent <= 100
    ):
        raise ValueError(f"partial_min_percent must be an int from 1 to 100, got {partial_min_percent!r}")
    candidates = tuple(candidates)
    ids = set()
    for c in candidates:
        if not isinstance(c, Candidate):
            raise ValueError(f"expected Candidate objects, got {c!r}")
        # Positive requests: a zero request would "fit" an empty pot and confuse the stop rules.
        _whole(c.requested, f"candidate {c.id!r}'s request", positive=True)
        if c.id in ids:
            raise ValueError(f"candidate {c.id!r} appears twice in the ranking")
        ids.add(c.id)
    checked = _set_asides(set_asides)

    # Candidates are referred to by rank index from here on: ids only need to be hashable.
    awards: dict[int, tuple[int, str]] = {}

    pots = []
    for key, percentage, exact in checked:
        reserve = math.floor(budget * exact / 100)
        members = [i for i, c in enumerate(candidates) if key in c.groups]
        credited = sum(awards[i][0] for i in members if i in awards)
        pot = max(0, reserve - credited)
        left = pot
        for i in members:
            if i in awards:
                continue
            if candidates[i].requested > left:
                # End of this reserve (see the module comment): skipping would fund a lower-ranked
                # member ahead of this one, and a part award from the reserve's scraps would be
                # worse for them than competing for the whole request in the general pot.
                break
            awards[i] = (candidates[i].requested, key)
            left -= candidates[i].requested
        pots.append((key, percentage, reserve, credited, pot, pot - left, members))

    general_pot = budget - sum(amount for amount, _ in awards.values())
    left = general_pot
    stopped_at = None
    for i, c in enumerate(candidates):
        if i in awards:
            continue
        if c.requested <= left:
            awards[i] = (c.requested, GENERAL)
            left -= c.requested
        elif policy is FitPolicy.PARTIAL and left > 0 and left * 100 >= partial_min_percent * c.requested:
            awards[i] = (left, GENERAL)
            left = 0
        elif policy is FitPolicy.STOP:
            stopped_at = c.id
            break
        # Otherwise ("skip", or "partial" below the threshold) pass over this candidate.

    outcomes, position = [], 0
    for i, c in enumerate(candidates):
        if i in awards:
            amount, source = awards[i]
            outcomes.append(CandidateOutcome(c.id, i + 1, c.requested, Outcome.APPROVED, amount, source))
        else:
            position += 1
            outcomes.append(
                CandidateOutcome(c.id, i + 1, c.requested, Outcome.WAITLISTED, waitlist_position=position)
            )

    results = []
    for key, percentage, reserve, credited, pot, spent, members in pots:
        requested = sum(candidates[i].requested for i in members)
        awarded = sum(awards[i][0] for i in members if i in awards)
        # "Unmet" means the group could not use its reserve: its requests total less than the
        # reserve. That is the same as "the reserve ran out of candidates": a pot's walk only
        # ends without a misfit when every member is funded in full.
        results.append(
            SetAsideResult(key, percentage, reserve, credited, pot, spent, requested, awarded, requested < reserve)
        )

    total = sum(amount for amount, _ in awards.values())
    # Cheap invariant: reserves sum to at most the budget and every pot stays within its means.
    assert total <= budget, (total, budget)
    return SelectionResult(
        budget=budget,
        policy=policy,
        outcomes=tuple(outcomes),
        set_asides=tuple(results),
        total_awarded=total,
        general_pot=general_pot,
        general_spent=general_pot - left,
        stopped_at=stopped_at,
    )
