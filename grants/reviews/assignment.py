"""assign_reviewers(): k conflict-free reviewers per application, balanced loads (min-cost flow, greedy fallback)."""
import heapq
import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

# Consumer mailboxes: two people on gmail.com share a mail provider, not an employer,
# so an equal webmail domain is neither a conflict nor worth a flag.
WEBMAIL_DOMAINS: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com",
    "hotmail.com", "hotmail.co.uk", "outlook.com", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.uk", "ymail.com", "rocketmail.com",
    "icloud.com", "me.com", "mac.com",
    "aol.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "zoho.com",
    "protonmail.com", "proton.me", "pm.me", "tutanota.com", "tuta.io",
    "mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru",
    "yandex.com", "yandex.ru", "ya.ru", "rambler.ru",
    "qq.com", "163.com", "126.com",
    "uol.com.br", "bol.com.br", "terra.com.br",
    # Reserved for documentation (RFC 2606): demo and test accounts share them without sharing an employer.
    "example.com", "example.org", "example.net",
})

# Conflict reasons, also used as keys in Problem.excluded.
DECLARED = "declared"
OWN_APPLICATION = "own_application"
SAME_DOMAIN = "same_domain"

# Flag kinds shown to staff.
FLAG_SAME_DOMAIN = "same_domain"        # reviewer and applicant share a non-webmail domain (a hard conflict)
FLAG_KEPT_CONFLICT = "kept_conflict"    # a kept assignment is now a conflict; kept anyway, staff decide
FLAG_OVER_CAP = "over_cap"              # kept assignments alone already exceed the reviewer's cap

# Cost scale for the flow. The seeded tie-break noise on an edge is in [0, _NOISE).
_NOISE = 1000


@dataclass(frozen=True)
class Application:
    """One application to be reviewed; applicant_domain may also be a full e-mail address."""

    id: int
    sector: str | None = None
    applicant_id: int | None = None
    applicant_domain: str | None = None


@dataclass(frozen=True)
class Reviewer:
    """One reviewer of the call; `kept` are application ids already assigned or submitted, never removed."""

    id: int
    user_id: int | None
    cap: int
    sectors: frozenset = frozenset()
    domain: str | None = None
    kept: frozenset = frozenset()

    def __post_init__(self):
        # Callers pass lists and sets from queries; freezing keeps the dataclass hashable and the input immutable.
        object.__setattr__(self, "sectors", frozenset(self.sectors))
        object.__setattr__(self, "kept", frozenset(self.kept))
        if isinstance(self.cap, bool) or not isinstance(self.cap, int) or self.cap < 0:
            raise ValueError(f"reviewer {self.id}: cap must be a non-negative int, not {self.cap!r}")


@dataclass(frozen=True)
class Problem:
    """Why the call cannot be fully covered; application_ids is empty for a call-wide problem.

    kind is one of:
      "too_few_reviewers" – one application has fewer than k conflict-free reviewers with free capacity;
                            `excluded` counts why the others were left out.
      "capacity_short"    – all reviewers together have fewer free places than the reviews still needed.
      "bottleneck"        – a group of applications shares too few conflict-free reviewers between them
                            (every application alone looks fine, together they do not fit).
      "greedy_stuck"      – only from the greedy: it ran out of reviewers for these applications;
                            a feasible assignment may still exist (use the flow).
    """

    kind: str
    message: str
    application_ids: tuple = ()
    needed: int = 0
    available: int = 0
    excluded: dict = field(default_factory=dict)

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.available)


@dataclass(frozen=True)
class Flag:
    """Something staff should see about a reviewer/application pair (see the FLAG_* kinds)."""

    kind: str
    reviewer_id: int
    application_id: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class AssignmentResult:
    """ok means every application has k reviewers; assignments are only the NEW (reviewer_id, application_id)
    pairs and are empty whenever ok is False, so a caller can never half-apply a failed plan.
    loads maps every reviewer id to its total load: kept + new."""

    ok: bool
    problems: list
    assignments: list
    loads: dict
    flags: list
    method: str


def normalise_domain(value: str | None) -> str | None:
    """Lower-case domain of an address or domain ("Ana@Uni.UZ" -> "uni.uz"); None when empty."""
    if not value:
        return None
    value = value.strip().lower()
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    value = value.strip(".")
    return value or None


def is_webmail(domain: str | None) -> bool:
    """True for consumer mail providers, where a shared domain says nothing about a shared employer."""
    return normalise_domain(domain) in WEBMAIL_DOMAINS


def conflict_reason(reviewer: Reviewer, application: Application, conflicts: Collection = frozenset()) -> str | None:
    """Why this reviewer may not review this application (DECLARED, OWN_APPLICATION, SAME_DOMAIN) or None."""
    if (reviewer.id, application.id) in conflicts:
        return DECLARED
    if reviewer.user_id is not None and reviewer.user_id == application.applicant_id:
        return OWN_APPLICATION
    if shared_domain(reviewer, application) is not None:
        return SAME_DOMAIN
    return None


def shared_domain(reviewer: Reviewer, application: Application) -> str | None:
    """The e-mail domain reviewer and applicant share, unless it is webmail; None otherwise."""
    domain = normalise_domain(reviewer.domain)
    # Exact match only: "cs.uni.uz" vs "uni.uz" would need the public-suffix list to judge safely, and
    # declared conflicts cover what the domains miss.
    if domain is None or domain in WEBMAIL_DOMAINS or domain != normalise_domain(application.applicant_domain):
        return None
    return domain


@dataclass
class _Prepared:
    """Everything both algorithms need, derived once and in id order so results never depend on input order."""

    k: int
    apps: list
    reviewers: list
    app_by_id: dict
    rev_by_id: dict
    kept_load: dict        # reviewer id -> number of kept applications (all of them, even unknown ids: it is work)
    kept_on: dict          # application id -> set of reviewer ids kept on it
    need: dict             # application id -> new reviewers still needed
    room: dict             # reviewer id -> new reviews it can still take
    eligible: dict         # application id -> sorted reviewer ids: conflict-free, not kept on it, room > 0
    interest: set          # (reviewer id, application id) pairs where the sector is one of the reviewer's
    flags: list
    problems: list


def _prepare(applications: Iterable[Application], reviewers: Iterable[Reviewer], k: int,
             conflicts: Collection) -> _Prepared:
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"k must be a non-negative int, not {k!r}")
    apps = sorted(applications, key=lambda a: a.id)
    revs = sorted(reviewers, key=lambda r: r.id)
    app_by_id = {a.id: a for a in apps}
    rev_by_id = {r.id: r for r in revs}
    # Duplicate ids are a caller bug that would silently merge two rows; refuse them.
    if len(app_by_id) != len(apps):
        raise ValueError("duplicate application ids")
    if len(rev_by_id) != len(revs):
        raise ValueError("duplicate reviewer ids")
    conflicts = frozenset(conflicts)

    flags: list[Flag] = []
    kept_load = {r.id: len(r.kept) for r in revs}
    kept_on: dict = {a.id: set() for a in apps}
    for r in revs:
        if len(r.kept) > r.cap:
            flags.append(Flag(FLAG_OVER_CAP, r.id, None, f"{len(r.kept)} kept reviews, cap {r.cap}"))
        for app_id in r.kept:
            if app_id in kept_on:
                kept_on[app_id].add(r.id)
    room = {r.id: max(0, r.cap - kept_load[r.id]) for r in revs}
    need = {a.id: max(0, k - len(kept_on[a.id])) for a in apps}

    eligible: dict = {}
    interest: set = set()
    problems: list[Problem] = []
    for a in apps:
        ok_ids = []
        excluded = {DECLARED: 0, OWN_APPLICATION: 0, SAME_DOMAIN: 0, "at_capacity": 0}
        for r in revs:
            reason = conflict_reason(r, a, conflicts)
            domain = shared_domain(r, a)
            if domain is not None:
                # Flagged even when a declared conflict already excludes the pair: staff see every match.
                flags.append(Flag(FLAG_SAME_DOMAIN, r.id, a.id, domain))
            if r.id in kept_on[a.id]:
                if reason is not None:
                    flags.append(Flag(FLAG_KEPT_CONFLICT, r.id, a.id, reason))
                continue
            if reason is not None:
                excluded[reason] += 1
            elif room[r.id] == 0:
                excluded["at_capacity"] += 1
            else:
                ok_ids.append(r.id)
                if a.sector is not None and a.sector in r.sectors:
                    interest.add((r.id, a.id))
        eligible[a.id] = ok_ids
        available = len(kept_on[a.id]) + len(ok_ids)
        if available < k:
            why = ", ".join(f"{n} {label}" for label, n in (
                ("with a declared conflict", excluded[DECLARED]),
                ("is the applicant", excluded[OWN_APPLICATION]),
                ("from the applicant's organisation (e-mail domain)", excluded[SAME_DOMAIN]),
                ("already at their review cap", excluded["at_capacity"]),
            ) if n) or "there are not enough reviewers in the call"
            problems.append(Problem(
                "too_few_reviewers",
                f"Application {a.id} needs {k} reviewers but only {available} are free of conflict "
                f"and have capacity ({why}).",
                (a.id,), k, available, excluded))

    total_need = sum(need.values())
    total_room = sum(room.values())
    if total_room < total_need:
        problems.append(Problem(
            "capacity_short",
            f"Reviewers can take {total_room} more reviews but {total_need} are needed: "
            f"capacity is short by {total_need - total_room}.",
            (), total_need, total_room))

    flags.sort(key=lambda f: (f.application_id is None, f.application_id if f.application_id is not None else 0,
                              f.reviewer_id, f.kind))
    return _Prepared(k, apps, revs, app_by_id, rev_by_id, kept_load, kept_on, need, room, eligible,
                     interest, flags, problems)


def _result(prep: _Prepared, ok: bool, problems: list, pairs: list, method: str) -> AssignmentResult:
    loads = dict(prep.kept_load)
    if ok:
        for reviewer_id, _app_id in pairs:
            loads[reviewer_id] += 1
    return AssignmentResult(ok, problems, sorted(pairs) if ok else [], loads, list(prep.flags), method)


def _flow_pairs(prep: _Prepared, seed) -> tuple[list, list]:
    """Min-cost max-flow; returns (new pairs, problems). Import is local so the greedy works without networkx."""
    import networkx as nx

    total_need = sum(prep.need.values())
    if total_need == 0:
        return [], []
    rng = random.Random(seed)
    # Three objectives, strictly lexicographic by construction (integer costs, so no float ties):
    #  1. balance: the i-th review of a reviewer (counting kept ones) costs step * i. Summed over a reviewer
    #     that is step * load(load+1)/2, so the flow minimises sum(load^2): the most even load vector
    #     reachable under caps and conflicts (for flows this is the "decreasingly minimal" vector, so if any
    #     feasible plan has loads within one of each other, this one does too).
    #  2. sector interest: an edge without interest costs `miss`, more than all noise on all edges together,
    #     so interest only ever decides between equally balanced plans ("when loads allow").
    #  3. the seed: noise in [0, _NOISE) per edge breaks remaining ties reproducibly.
    # step exceeds the largest possible total of edge costs, so no amount of interest buys imbalance.
    miss = _NOISE * total_need + 1
    step = (miss + _NOISE) * total_need + 1

    source, sink = ("source",), ("sink",)
    graph = nx.DiGraph()
    graph.add_node(source)
    graph.add_node(sink)
    eligible_count: dict = {r.id: 0 for r in prep.reviewers}
    for a in prep.apps:
        if prep.need[a.id] == 0:
            continue
        graph.add_edge(source, ("app", a.id), capacity=prep.need[a.id], weight=0)
        for reviewer_id in prep.eligible[a.id]:
            cost = (0 if (reviewer_id, a.id) in prep.interest else miss) + rng.randrange(_NOISE)
            graph.add_edge(("app", a.id), ("rev", reviewer_id), capacity=1, weight=cost)
            eligible_count[reviewer_id] += 1
    for r in prep.reviewers:
        # One unit edge per extra review, through its own slot node because the max-flow step of networkx
        # does not accept multigraphs. Slots beyond what the reviewer could ever use are not built.
        first = prep.kept_load[r.id] + 1
        for i in range(first, first + min(prep.room[r.id], eligible_count[r.id])):
            graph.add_edge(("rev", r.id), ("slot", r.id, i), capacity=1, weight=step * i)
            graph.add_edge(("slot", r.id, i), sink, capacity=1, weight=0)

    flow = nx.max_flow_min_cost(graph, source, sink)
    pairs = [(node[1], a.id)
             for a in prep.apps if prep.need[a.id]
             for node, units in flow[("app", a.id)].items() if units]
    if len(pairs) == total_need:
        return pairs, []
    return [], [_bottleneck(prep, graph, flow, source)]


def _bottleneck(prep: _Prepared, graph, flow, source) -> Problem:
    """The applications reachable from the source in the residual graph: a group that needs more than the
    reviewers free of conflict for them can give (the source side of a minimum cut, i.e. a Hall violator)."""
    seen = {source}
    stack = [source]
    while stack:
        u = stack.pop()
        for v, attrs in graph[u].items():
            if v not in seen and flow[u][v] < attrs["capacity"]:
                seen.add(v)
                stack.append(v)
        for v in graph.predecessors(u):
            if v not in seen and flow[v][u] > 0:
                seen.add(v)
                stack.append(v)
    group = sorted(node[1] for node in seen if node[0] == "app")
    needed = sum(prep.need[a] for a in group)
    got = sum(flow[source][("app", a)] for a in group)
    return Problem(
        "bottleneck",
        f"Applications {', '.join(map(str, group))} together need {needed} more reviews, but the reviewers "
        f"free of conflict for them can only take {got}: short by {needed - got}.",
        tuple(group), needed, got)


def _greedy_pairs(prep: _Prepared, seed) -> tuple[list, list]:
    """Most constrained application first, least-loaded eligible reviewers for it; may fail where a plan exists."""
    rng = random.Random(seed)
    rev_tie = {r.id: rng.random() for r in prep.reviewers}
    app_tie = {a.id: rng.random() for a in prep.apps}
    load = dict(prep.kept_load)
    room = dict(prep.room)
    available = {a.id: len(prep.eligible[a.id]) for a in prep.apps}
    open_apps_of: dict = {r.id: [] for r in prep.reviewers}
    for a in prep.apps:
        for reviewer_id in prep.eligible[a.id]:
            open_apps_of[reviewer_id].append(a.id)
    done: set = set()
    # "Fewest eligible reviewers" is measured as spare reviewers (eligible with room minus still needed):
    # with kept reviews the needs differ, and spare is what says how little choice is left.
    heap = [(available[a.id] - prep.need[a.id], available[a.id], app_tie[a.id], a.id) for a in prep.apps]
    heapq.heapify(heap)
    pairs, stuck = [], []
    while heap:
        spare, avail, _tie, app_id = heapq.heappop(heap)
        if app_id in done or avail != available[app_id]:
            continue  # stale heap entry: a fresher one was pushed when a reviewer filled up
        done.add(app_id)
        need = prep.need[app_id]
        candidates = [r for r in prep.eligible[app_id] if room[r] > 0]
        if len(candidates) < need:
            stuck.append(app_id)
            continue
        candidates.sort(key=lambda r: (load[r], (r, app_id) not in prep.interest, rev_tie[r], r))
        for reviewer_id in candidates[:need]:
            pairs.append((reviewer_id, app_id))
            load[reviewer_id] += 1
            room[reviewer_id] -= 1
            if room[reviewer_id] == 0:
                for other in open_apps_of[reviewer_id]:
                    if other not in done:
                        available[other] -= 1
                        heapq.heappush(heap, (available[other] - prep.need[other], available[other],
                                              app_tie[other], other))
    if not stuck:
        return pairs, []
    stuck.sort()
    needed = sum(prep.need[a] for a in stuck)
    return [], [Problem(
        "greedy_stuck",
        f"The greedy assignment ran out of reviewers for applications {', '.join(map(str, stuck))}; "
        f"a complete assignment may still exist (the flow method finds it if so).",
        tuple(stuck), needed, 0)]


def greedy_assign(applications: Iterable[Application], reviewers: Iterable[Reviewer], k: int = 3,
                  conflicts: Collection = frozenset(), seed: int | str = 0) -> AssignmentResult:
    """Greedy assignment, same contract as assign_reviewers(method="greedy").

    Guarantees: the same feasibility check as the flow; when ok, every hard constraint and cap holds; with
    equal caps, no conflicts and no kept reviews loads differ by at most one. It can fail (problem
    "greedy_stuck") where a complete plan exists, because an early choice is never undone."""
    prep = _prepare(applications, reviewers, k, conflicts)
    if prep.problems:
        return _result(prep, False, prep.problems, [], "greedy")
    pairs, problems = _greedy_pairs(prep, seed)
    return _result(prep, not problems, problems, pairs, "greedy")


def assign_reviewers(applications: Iterable[Application], reviewers: Iterable[Reviewer], k: int = 3,
                     conflicts: Collection = frozenset(), seed: int | str = 0, *,
                     method: str = "flow") -> AssignmentResult:
    """Assign k reviewers to every application, keeping kept ones; a pure function of inputs and seed.

    conflicts: (reviewer_id, application_id) pairs. Hard conflicts also include the applicant's own
    application and a shared non-webmail e-mail domain (reported in flags as well).
    The feasibility check runs first; an infeasible call returns ok=False with problems, never raises.
    method="flow" (default) is exact: it finds a plan whenever one exists, minimises sum(load^2) (the most
    even loads possible, counting kept reviews), then maximises sector-interest matches, then uses the seed.
    If networkx is missing it falls back to the greedy (result.method says which ran).

    Balance guarantee (flow): total loads (kept + new) are the most even vector any valid plan can reach,
    so with equal caps they differ by at most one whenever some valid plan achieves that, e.g. no
    conflicts and no kept reviews, or kept reviews that are part of such a plan. Kept reviews are never
    moved, so if they are already uneven by more than one (or conflicts force it), the spread can remain;
    the new reviews then go to the least-loaded reviewers first: no review could be handed, directly or
    through a chain of swaps, from a reviewer to one with two or more fewer."""
    if method not in ("flow", "greedy"):
        raise ValueError(f"method must be 'flow' or 'greedy', not {method!r}")
    prep = _prepare(applications, reviewers, k, conflicts)
    if prep.problems:
        return _result(prep, False, prep.problems, [], method)
    if method == "flow":
        try:
            import networkx  # noqa: F401  (only probing that it is installed)
        except ImportError:
            method = "greedy"
    if method == "flow":
        pairs, problems = _flow_pairs(prep, seed)
    else:
        pairs, problems = _greedy_pairs(prep, seed)
    return _result(prep, not problems, problems, pairs, method)
