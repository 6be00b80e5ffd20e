"""Tests for the funding proposal: hand-computed policy cases, set-aside rules and hypothesis properties."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.decisions.selection import (
    GENERAL,
    Candidate,
    FitPolicy,
    Outcome,
    SelectionResult,
    propose_funding,
)

W, Y, R = "women_led", "under_25", "rural"


def C(id, requested, *groups):
    return Candidate(id, requested, frozenset(groups))


def awards(result: SelectionResult) -> dict:
    """{id: awarded} of the approved candidates."""
    return {o.candidate_id: o.awarded for o in result.approved}


def sources(result: SelectionResult) -> dict:
    return {o.candidate_id: o.funded_from for o in result.approved}


def waitlist(result: SelectionResult) -> list:
    return [o.candidate_id for o in result.waitlist]


def reference_greedy(candidates, budget, policy="skip", partial_min_percent=80) -> dict:
    """The plain merit-order walk over one pot, written independently of the module."""
    left, funded = budget, {}
    for c in candidates:
        if c.requested <= left:
            funded[c.id] = c.requested
            left -= c.requested
        elif policy == "partial" and left > 0 and left * 100 >= partial_min_percent * c.requested:
            funded[c.id] = left
            left = 0
        elif policy == "stop":
            break
    return funded


# --------------------------------------------------------------------------------------------
# Hand-computed case, one per policy.
#
# Budget 100, women_led set-aside 30 % -> reserve 30. Ranked:
#   1 A  50  -        2 B  20  women_led        3 C  36  -
#   4 D  15  women_led                           5 E  10  -
# Reserve phase (same for every policy): B 20 (10 left in the pot); D 15 > 10 ends the reserve
# walk; the 10 left joins the general pot, which starts at 100 - 20 = 80.
# --------------------------------------------------------------------------------------------
HAND = [C("A", 50), C("B", 20, W), C("C", 36), C("D", 15, W), C("E", 10)]


def test_hand_case_skip():
    # General 80: A 50 (30 left); C 36 does not fit, skipped; D 15 (15 left); E 10 (5 left).
    result = propose_funding(HAND, 100, {W: 30}, "skip")
    assert awards(result) == {"A": 50, "B": 20, "D": 15, "E": 10}
    assert sources(result) == {"A": GENERAL, "B": W, "D": GENERAL, "E": GENERAL}
    assert waitlist(result) == ["C"]
    assert result.outcome_for("C").waitlist_position == 1
    assert (result.total_awarded, result.unspent) == (95, 5)
    assert (result.general_pot, result.general_spent) == (80, 75)
    assert result.stopped_at is None
    women = result.set_aside(W)
    assert (women.reserve, women.pot, women.pot_spent, women.pot_unspent) == (30, 30, 20, 10)
    assert (women.group_requested, women.group_awarded) == (35, 35)
    assert women.met and not women.unmet and women.shortfall == 0


def test_hand_case_stop():
    # General 80: A 50 (30 left); C 36 does not fit: stop. C, D, E are waitlisted in rank order.
    result = propose_funding(HAND, 100, {W: 30}, "stop")
    assert awards(result) == {"A": 50, "B": 20}
    assert sources(result) == {"A": GENERAL, "B": W}
    assert waitlist(result) == ["C", "D", "E"]
    assert [result.outcome_for(i).waitlist_position for i in "CDE"] == [1, 2, 3]
    assert result.stopped_at == "C"
    assert (result.total_awarded, result.general_spent) == (70, 50)
    women = result.set_aside(W)
    # Enough candidates (35 >= 30) so not "unmet", but short by 10 (< the largest request, 20):
    # D's 15 did not fit the 10 left in the reserve and the general pot stopped before D.
    assert (women.group_awarded, women.shortfall) == (20, 10)
    assert not women.met and not women.unmet


def test_hand_case_partial():
    # General 80: A 50 (30 left); C 36 does not fit but 30 >= 80 % of 36 (28.8): C gets 30,
    # the pot is empty, D and E are waitlisted.
    result = propose_funding(HAND, 100, {W: 30}, "partial")
    assert awards(result) == {"A": 50, "B": 20, "C": 30}
    assert sources(result) == {"A": GENERAL, "B": W, "C": GENERAL}
    assert waitlist(result) == ["D", "E"]
    assert result.outcome_for("C").partial
    assert not result.outcome_for("A").partial
    assert (result.total_awarded, result.unspent) == (100, 0)


def test_hand_case_partial_below_threshold_behaves_like_skip():
    # Same, but C asks 40: 30 is 75 % of 40 < 80 %, so C is passed over as with "skip".
    ranked = [C("A", 50), C("B", 20, W), C("C", 40), C("D", 15, W), C("E", 10)]
    partial = propose_funding(ranked, 100, {W: 30}, "partial")
    skip = propose_funding(ranked, 100, {W: 30}, "skip")
    assert awards(partial) == awards(skip) == {"A": 50, "B": 20, "D": 15, "E": 10}
    assert waitlist(partial) == ["C"]
    assert not any(o.partial for o in partial.outcomes)


def test_partial_threshold_is_inclusive_at_80_percent():
    # 72 - 40 = 32 left, exactly 80 % of 40: partial. With 71, 31 < 32: passed over.
    ranked = [C("A", 40), C("B", 40), C("C", 50)]
    assert awards(propose_funding(ranked, 72, policy="partial")) == {"A": 40, "B": 32}
    assert awards(propose_funding(ranked, 71, policy="partial")) == {"A": 40}
    # A custom threshold.
    assert awards(propose_funding(ranked, 71, policy="partial", partial_min_percent=75)) == {"A": 40, "B": 31}


def test_only_one_partial_award_and_it_is_the_last():
    ranked = [C("A", 60), C("B", 45), C("C", 1)]
    result = propose_funding(ranked, 100, policy="partial")
    # B gets the 40 left (89 %), after which even C's 1 cannot be funded.
    assert awards(result) == {"A": 60, "B": 40}
    assert waitlist(result) == ["C"]


def test_default_policy_is_skip():
    assert propose_funding(HAND, 100, {W: 30}).policy is FitPolicy.SKIP


def test_stop_keeps_reserve_awards_ranked_after_the_stopping_point():
    # Reserve 20 funds C; general 80: A 60 (20 left), B 50 does not fit: stop.
    ranked = [C("A", 60), C("B", 50), C("C", 20, W)]
    result = propose_funding(ranked, 100, {W: 20}, FitPolicy.STOP)
    assert sources(result) == {"A": GENERAL, "C": W}
    assert waitlist(result) == ["B"]
    assert result.stopped_at == "B"


def test_set_aside_changes_the_result_when_merit_does_not_meet_it():
    ranked = [C("A", 60), C("B", 40), C("C", 30, W)]
    assert reference_greedy(ranked, 100) == {"A": 60, "B": 40}
    result = propose_funding(ranked, 100, {W: 30})
    # Reserve 30 funds C; general 70: A 60 (10 left), B 40 does not fit.
    assert sources(result) == {"A": GENERAL, "C": W}
    assert waitlist(result) == ["B"]
    assert result.set_aside(W).met


# --------------------------------------------------------------------------------------------
# Unmet set-asides.
# --------------------------------------------------------------------------------------------
def test_unmet_set_aside_is_reported_and_its_reserve_goes_to_the_general_pot():
    # women_led reserve 40 but its candidates ask 25 in all; under_25 reserve 10, no candidates.
    ranked = [C("A", 70), C("B", 10, W), C("C", 15, W), C("D", 30)]
    result = propose_funding(ranked, 100, {W: 40, Y: 10})
    women, young = result.set_asides
    assert (women.key, women.reserve, women.pot_spent, women.pot_unspent) == (W, 40, 25, 15)
    assert (women.group_requested, women.group_awarded, women.shortfall) == (25, 25, 15)
    assert women.unmet and not women.met
    assert (young.reserve, young.pot_spent, young.group_requested) == (10, 0, 0)
    assert young.unmet
    assert result.unmet_set_asides == (W, Y)
    # General pot = 100 - 25 = 75 (both unspent reserves included): A 70, D 30 does not fit.
    assert result.general_pot == 75
    assert sources(result) == {"A": GENERAL, "B": W, "C": W}
    assert waitlist(result) == ["D"]


def test_exactly_enough_candidates_is_met_not_unmet():
    result = propose_funding([C("A", 50), C("B", 30, W)], 100, {W: 30})
    women = result.set_aside(W)
    assert women.met and not women.unmet and women.pot_unspent == 0


def test_set_aside_short_by_granularity_is_not_unmet():
    # Reserve 30; B 25 fits (5 left), C 10 does not: the reserve ends. General 75: A 70 (5
    # left), C 10 does not fit. The group got 25: short by 5, but it had enough candidates.
    ranked = [C("A", 70), C("B", 25, W), C("C", 10, W)]
    result = propose_funding(ranked, 100, {W: 30})
    women = result.set_aside(W)
    assert (women.group_awarded, women.shortfall, women.unmet) == (25, 5, False)
    assert result.unmet_set_asides == ()


# --------------------------------------------------------------------------------------------
# Reserve-phase rules: order, overlap, no skipping inside a reserve.
# --------------------------------------------------------------------------------------------
def test_reserves_are_processed_in_the_order_given_and_fund_each_candidate_once():
    ranked = [C("X", 80), C("A", 20, W, Y), C("B", 20, W)]
    first = propose_funding(ranked, 100, {W: 40, Y: 20})
    assert sources(first)["A"] == W
    assert first.set_aside(Y).credited == 20 and first.set_aside(Y).pot == 0
    second = propose_funding(ranked, 100, [(Y, 20), (W, 40)])
    assert sources(second)["A"] == Y
    assert second.set_aside(W).credited == 20 and second.set_aside(W).pot == 20
    for result in (first, second):
        # 40 in reserves (A and B), then X's 80 does not fit the 60 left.
        assert awards(result) == {"A": 20, "B": 20}
        assert waitlist(result) == ["X"]


def test_reserve_walk_ends_at_the_first_member_that_does_not_fit():
    # If the reserve skipped B (10 > 5 left) to fund D (5), D would be funded ahead of B and the
    # result would differ from merit order, which already gives women_led 45 >= 40.
    ranked = [C("A", 35, W), C("B", 10, W), C("C", 55), C("D", 5, W)]
    merit = reference_greedy(ranked, 100)
    assert merit == {"A": 35, "B": 10, "C": 55}
    result = propose_funding(ranked, 100, {W: 40})
    assert awards(result) == merit
    assert sources(result) == {"A": W, "B": GENERAL, "C": GENERAL}
    assert waitlist(result) == ["D"]


def test_overlapping_groups_count_towards_every_set_aside_they_belong_to():
    # A (women-led and under 25) is funded by the women_led pot and counts towards under_25's
    # 20 too, so the under_25 pot is 0. Were it not credited, the under_25 pot would fund C ahead
    # of merit order, although merit order already gives under_25 25 >= 20.
    ranked = [C("A", 20, W, Y), C("B", 30, W), C("D", 45), C("C", 20, Y), C("E", 5, Y)]
    merit = reference_greedy(ranked, 100)
    assert merit == {"A": 20, "B": 30, "D": 45, "E": 5}
    result = propose_funding(ranked, 100, {W: 50, Y: 20})
    assert awards(result) == merit
    assert sources(result) == {"A": W, "B": W, "D": GENERAL, "E": GENERAL}
    young = result.set_aside(Y)
    assert (young.reserve, young.credited, young.pot, young.pot_spent, young.group_awarded) == (20, 20, 0, 0, 25)
    assert young.met


def test_reserve_is_floored_and_accepts_decimal_percentages():
    result = propose_funding([C("A", 33, W), C("B", 1, W)], 99, {W: Decimal("33.5")})
    # floor(99 * 33.5 / 100) = floor(33.165) = 33.
    assert result.set_aside(W).reserve == 33
    assert result.set_aside(W).pot_spent == 33
    assert result.set_aside(W).percentage == Decimal("33.5")


def test_empty_inputs():
    result = propose_funding([], 100, {W: 40})
    assert result.outcomes == () and result.total_awarded == 0
    assert result.unmet_set_asides == (W,)
    zero = propose_funding([C("A", 1, W)], 0, {W: 40}, "partial")
    assert waitlist(zero) == ["A"] and zero.set_aside(W).reserve == 0
    assert not zero.set_aside(W).unmet


# --------------------------------------------------------------------------------------------
# Validation.
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget": -1}, "budget"),
        ({"budget": 10.0}, "budget"),
        ({"budget": True}, "budget"),
        ({"policy": "greedy"}, "unknown fit policy"),
        ({"set_asides": {W: 60, Y: 41}}, "more than 100"),
        ({"set_asides": {W: 0}}, "above 0"),
        ({"set_asides": {W: -5}}, "above 0"),
        ({"set_asides": {W: 101}}, "at most 100"),
        ({"set_asides": {W: 40.0}}, "int or a Decimal"),
        ({"set_asides": {W: Decimal("NaN")}}, "finite"),
        ({"set_asides": [(W, 20), (W, 20)]}, "twice"),
        ({"set_asides": {GENERAL: 10}}, "general pot"),
        ({"set_asides": {"": 10}}, "non-empty"),
        ({"partial_min_percent": 0}, "partial_min_percent"),
        ({"partial_min_percent": 101}, "partial_min_percent"),
    ],
)
def test_invalid_arguments_are_rejected(kwargs, message):
    arguments = {"candidates": [C("A", 10)], "budget": 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        propose_funding(**arguments)


@pytest.mark.parametrize(
    "candidates",
    [
        [C("A", 0)],
        [C("A", -5)],
        [C("A", 10.5)],
        [C("A", 10), C("A", 20)],
        [("A", 10)],
    ],
)
def test_invalid_candidates_are_rejected(candidates):
    with pytest.raises(ValueError):
        propose_funding(candidates, 100)


def test_candidate_groups_are_frozen():
    candidate = Candidate(1, 10, {W})
    assert candidate.groups == frozenset({W})
    assert hash(candidate)


# --------------------------------------------------------------------------------------------
# Properties.
# --------------------------------------------------------------------------------------------
GROUPS = (W, Y, R)
policies = st.sampled_from(list(FitPolicy))


@st.composite
def rankings(draw, max_size=12, max_request=60):
    entries = draw(
        st.lists(
            st.tuples(st.integers(1, max_request), st.frozensets(st.sampled_from(GROUPS))),
            max_size=max_size,
        )
    )
    return [Candidate(f"c{rank}", requested, groups) for rank, (requested, groups) in enumerate(entries)]


@st.composite
def set_aside_lists(draw):
    """Some of the groups, in a drawn order, with int or Decimal percentages totalling <= 100."""
    keys = draw(st.permutations(GROUPS))[: draw(st.integers(0, len(GROUPS)))]
    chosen, room = [], 100
    for key in keys:
        if room <= 0:
            break
        pct = draw(st.integers(1, min(room, 60)))
        room -= pct
        if draw(st.booleans()) and pct > 1:
            pct = Decimal(pct) - Decimal("0.5")
        chosen.append((key, pct))
    return chosen


budgets = st.integers(0, 400)


def members(candidates, key):
    return [c for c in candidates if key in c.groups]


@settings(max_examples=300, deadline=None)
@given(candidates=rankings(), budget=budgets, set_asides=set_aside_lists(), policy=policies)
def test_invariants(candidates, budget, set_asides, policy):
    result = propose_funding(candidates, budget, set_asides, policy)
    by_id = {c.id: c for c in candidates}

    # Never above the budget; the pots account for every unit awarded.
    assert 0 <= result.total_awarded <= budget
    assert result.total_awarded == sum(o.awarded for o in result.outcomes)
    assert result.total_awarded == sum(s.pot_spent for s in result.set_asides) + result.general_spent
    assert sum(s.reserve for s in result.set_asides) <= budget

    # One outcome per candidate, in rank order; the waiting list is the unfunded in rank order.
    assert [o.candidate_id for o in result.outcomes] == [c.id for c in candidates]
    assert [o.rank for o in result.outcomes] == list(range(1, len(candidates) + 1))
    assert [o.waitlist_position for o in result.waitlist] == list(range(1, len(result.waitlist) + 1))
    for o in result.outcomes:
        if o.approved:
            assert 0 < o.awarded <= o.requested and o.waitlist_position is None
            assert o.funded_from == GENERAL or o.funded_from in by_id[o.candidate_id].groups
        else:
            assert (o.outcome, o.awarded, o.funded_from) == (Outcome.WAITLISTED, 0, None)

    # Reserves only make whole awards; at most one partial award, only under "partial".
    partials = [o for o in result.outcomes if o.partial]
    assert len(partials) <= (1 if policy is FitPolicy.PARTIAL else 0)
    assert all(o.funded_from == GENERAL for o in partials)

    for s in result.set_asides:
        group = members(candidates, s.key)
        assert s.reserve == int(budget * Decimal(s.percentage) // 100)
        assert 0 <= s.pot_spent <= s.pot <= s.reserve
        assert s.pot == max(0, s.reserve - s.credited)
        assert s.pot_spent == sum(o.awarded for o in result.outcomes if o.funded_from == s.key)
        assert s.group_requested == sum(c.requested for c in group)
        assert s.group_awarded == sum(result.outcome_for(c.id).awarded for c in group)
        # "Unmet" = too few candidates, and then every one of them is funded in full.
        assert s.unmet == (s.group_requested < s.reserve)
        if s.unmet:
            assert all(result.outcome_for(c.id).awarded == c.requested for c in group)
            assert s.group_awarded == s.group_requested
        else:
            # With enough candidates, the group's spend reaches its reserve minus its largest
            # request (the next request did not fit what was left of the reserve).
            largest = max((c.requested for c in group), default=0)
            assert s.group_awarded >= s.reserve - largest

    # What the general pot could not fund, per policy.
    left = result.unspent
    if policy is FitPolicy.SKIP:
        assert all(o.requested > left for o in result.waitlist)
    elif policy is FitPolicy.PARTIAL:
        assert all(o.requested > left and left * 100 < 80 * o.requested for o in result.waitlist)
    else:
        if result.stopped_at is None:
            assert result.waitlist == ()
        else:
            stop = result.outcome_for(result.stopped_at)
            assert not stop.approved and stop.requested > left
            # After the stopping point only reserves funded anyone.
            later = [o for o in result.outcomes if o.rank > stop.rank and o.approved]
            assert all(o.funded_from != GENERAL for o in later)


@settings(max_examples=300, deadline=None)
@given(candidates=rankings(), budget=budgets, policy=policies)
def test_without_set_asides_the_result_is_the_plain_greedy_walk(candidates, budget, policy):
    expected = reference_greedy(candidates, budget, policy.value)
    for set_asides in (None, {}, []):
        result = propose_funding(candidates, budget, set_asides, policy)
        assert awards(result) == expected
        assert all(o.funded_from == GENERAL for o in result.approved)
        assert waitlist(result) == [c.id for c in candidates if c.id not in expected]


@settings(max_examples=300, deadline=None)
@given(data=st.data(), candidates=rankings(), budget=budgets, policy=policies)
def test_set_asides_that_merit_already_meets_change_nothing(data, candidates, budget, policy):
    merit = propose_funding(candidates, budget, None, policy)
    # Choose set-asides (in a drawn order) whose reserves merit order already meets.
    keys = data.draw(st.permutations(GROUPS))
    set_asides, room = {}, 100
    for key in keys:
        spend = sum(merit.outcome_for(c.id).awarded for c in members(candidates, key))
        highest = max((p for p in range(0, room + 1) if budget * p // 100 <= spend), default=0)
        if highest >= 1 and data.draw(st.booleans()):
            set_asides[key] = data.draw(st.integers(1, highest))
            room -= set_asides[key]
    result = propose_funding(candidates, budget, set_asides, policy)
    assert all(s.met for s in result.set_asides)
    assert awards(result) == awards(merit)
    assert waitlist(result) == waitlist(merit)
    assert result.stopped_at == merit.stopped_at


@settings(max_examples=200, deadline=None)
@given(candidates=rankings(), budget=budgets, set_asides=set_aside_lists(), policy=policies)
def test_merit_meeting_every_set_aside_implies_same_result(candidates, budget, set_asides, policy):
    # The same property from the other side: for arbitrary set-asides, whenever merit order
    # happens to meet all of them, the proposal is exactly merit order.
    merit = propose_funding(candidates, budget, None, policy)
    result = propose_funding(candidates, budget, set_asides, policy)
    merit_meets = all(
        sum(merit.outcome_for(c.id).awarded for c in members(candidates, s.key)) >= s.reserve
        for s in result.set_asides
    )
    if merit_meets:
        assert awards(result) == awards(merit)
        assert waitlist(result) == waitlist(merit)


@settings(max_examples=150, deadline=None)
@given(candidates=rankings(), budget=budgets, set_asides=set_aside_lists(), policy=policies)
def test_the_ranking_input_is_not_modified_and_results_are_repeatable(candidates, budget, set_asides, policy):
    before = list(candidates)
    first = propose_funding(candidates, budget, set_asides, policy)
    assert candidates == before
    assert propose_funding(candidates, budget, set_asides, policy) == first
