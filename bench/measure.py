"""Timing requests inside the process: server time is the wall time of one request through the Flask test client
(routing, views, queries, templates, the response body), without a network or a WSGI server in front. The SQL
statements each request sends are counted with SQLAlchemy's before_cursor_execute event."""
import statistics
import time
from dataclasses import dataclass, field

# The suite's statement counter: the benchmark and the query-growth test count the same way.
from tests.fixtures.routes import counting_statements


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.seconds, 95) * 1000

    @property
    def query_count(self) -> int:
        """The steady count (the last request's); first requests may also load what later ones find cached."""
        return self.queries[-1]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: with 20 samples the 95th is the 19th fastest, a value actually measured."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def time_requests(app, send, repeat: int, warmup: int = 1) -> Timing:
    """Call send() (one request, returning the response) warmup + repeat times; time and count the last `repeat`."""
    timing = Timing()
    with counting_statements(app) as statements:
        for index in range(warmup + repeat):
            statements.clear()
            started = time.perf_counter()
            response = send()
            response.get_data()
            response.close()
            elapsed = time.perf_counter() - started
            if index >= warmup:
                timing.seconds.append(elapsed)
                timing.queries.append(len(statements))
                timing.statuses.add(response.status_code)
    return timing


def resident_memory_mb() -> float:
    """This process's resident set (VmRSS) now, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
