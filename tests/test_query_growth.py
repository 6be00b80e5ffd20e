"""Pages whose SQL statement count must not grow with the data: each is opened for a generated call of 10
applications and for one of 1,000 in the same database, and must send exactly as many statements for both.

1,000 applications give every page many rows of each kind (dozens of pages of the staff list, hundreds of reviews,
grants, tranches, reports), so a query per row, or per page of rows, would show. Every page bench/pages.py marks
growth=True is compared. Counting only, no timing: bench/ measures time (`make bench`).
"""
import pytest

from bench.pages import PAGES, people, set_known_passwords, sign_in
from bench.subjects import bulk_call_id, find_subjects
from grants.bulk_demo import generate_program

from .fixtures.routes import counting_statements

SMALL, LARGE = 10, 1000
GROWTH_PAGES = [page for page in PAGES if page.growth]


def statement_counts(app, seed: int) -> dict[str, int]:
    """Each page's statements for the generated call of this seed, opened by the people the benchmark uses."""
    with app.test_request_context():
        subjects = find_subjects(bulk_call_id(seed))
        who = people(subjects)
        set_known_passwords(who[page.who] for page in GROWTH_PAGES)
        addresses = {page.name: page.address(subjects) for page in GROWTH_PAGES}
    assert None not in addresses.values(), f"a page has nothing to show in the generated call: {addresses}"
    clients, counts = {}, {}
    for page in GROWTH_PAGES:
        if page.who not in clients:
            clients[page.who] = sign_in(app, who[page.who])
        client = clients[page.who]
        client.get(addresses[page.name]).close()  # the first request may load what later ones find cached
        with counting_statements(app) as statements:
            response = client.get(addresses[page.name])
        assert response.status_code == 200, (page.name, addresses[page.name])
        counts[page.name] = len(statements)
    return counts


@pytest.fixture
def two_programs(app):
    with app.app_context():
        small = generate_program(SMALL, seed=1)
        large = generate_program(LARGE, seed=2)
    # Each call really has its size (the seeds name the calls BULK1 and BULK2).
    assert small["applications"] == SMALL and large["applications"] == LARGE
    return app


def test_query_counts_do_not_grow_with_the_data(two_programs):
    app = two_programs
    small, large = statement_counts(app, 1), statement_counts(app, 2)
    assert set(small) == set(large) == {page.name for page in GROWTH_PAGES}
    grown = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert grown == {}, f"statements at {SMALL} and at {LARGE} applications differ: {grown}"
