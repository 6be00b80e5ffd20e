"""One benchmark run against one prepared database, in a process of its own (its memory is the worker's):
the reference route, every page, the worker's resident memory after them, then the throughput figures."""
from dataclasses import asdict
from functools import partial
from pathlib import Path

from werkzeug.datastructures import MultiDict

from grants.extensions import db

from . import pages, throughput
from .data import SEED, bench_app
from .measure import resident_memory_mb, time_requests
from .subjects import bulk_call_id, find_subjects

REFERENCE_REPEAT = 200


def run_suite(url: str, files: str, applications: int, repeat: int, only: tuple = ()) -> dict:
    """`only` (words such as "ranking" or "letters") keeps the pages and throughput figures whose names contain
    one of them; empty keeps everything."""
    make_app = partial(bench_app, url, Path(files))
    app = make_app()
    with app.test_request_context():
        subjects = find_subjects(bulk_call_id(SEED))
        people = pages.people(subjects)
        pages.set_known_passwords(people.values())
        addresses = {page.name: page.address(subjects) for page in [pages.HEALTHZ, *pages.PAGES]}
        login = pages.login_data(subjects.staff_id)
    clients = {who: pages.sign_in(app, user_id) for who, user_id in people.items() if user_id is not None}

    reference = time_requests(app, lambda: app.test_client().get(addresses[pages.HEALTHZ.name]), REFERENCE_REPEAT)
    memory_before_mb = resident_memory_mb()
    results = []
    for page in _chosen(pages.PAGES, only, key=lambda page: page.name):
        address = addresses[page.name]
        client = clients.get(page.who) if page.who else app.test_client()
        if address is None or (page.who and client is None):
            results.append({"name": page.name, "skipped": "nothing of this kind in the data"})
            continue
        rss_before = resident_memory_mb()
        timing = time_requests(app, _sender(app, page, client, address, login), repeat)
        # The resident set after the page's requests, and what they added to it: memory a request frees stays in
        # the process (allocator arenas), so a page's peak shows here and in the worker's total.
        rss_after = resident_memory_mb()
        results.append({"name": page.name, "address": address, "target_ms": page.target_ms,
                        "median_ms": timing.median_ms, "p95_ms": timing.p95_ms, "queries": timing.query_count,
                        "queries_seen": sorted(set(timing.queries)), "statuses": sorted(timing.statuses),
                        "rss_mb": rss_after, "rss_added_mb": rss_after - rss_before})
    memory_mb = resident_memory_mb()

    staff = clients["staff"]
    measures = {
        "letters": lambda: _figure(throughput.letters_per_second, app, subjects.call_id, subjects.staff_id),
        "export": lambda: _figure(throughput.donor_export_seconds, app, staff, subjects.call_id,
                                  runs=3 if applications <= 5000 else 1),
        "mail": lambda: _figure(throughput.mail_per_second, make_app, subjects.staff_id),
    }
    figures = {name: measure() for name, measure in _chosen(measures.items(), only, key=lambda item: item[0])}
    with app.app_context():
        dialect = db.engine.dialect.name
        db.engine.dispose()
    return {"database": dialect, "applications": applications, "subjects": asdict(subjects),
            "reference": {"median_ms": reference.median_ms, "p95_ms": reference.p95_ms,
                          "queries": reference.query_count},
            "pages": results, "memory_before_mb": memory_before_mb, "memory_mb": memory_mb, "throughput": figures}


def _chosen(items, only: tuple, key) -> list:
    return [item for item in items if not only or any(word in key(item) for word in only)]


def _figure(measure, *args, **kwargs) -> dict:
    """One throughput figure; a failure is reported with the others rather than losing the whole run."""
    try:
        return measure(*args, **kwargs)
    except Exception as error:  # noqa: BLE001  (shown in the results table)
        return {"error": f"{type(error).__name__}: {error}"}


def _sender(app, page, client, address, login):
    """The request a page is timed with: a GET, the login form, or its own form posted back as shown."""
    if page.signs_in:
        return lambda: app.test_client().post(address, data=login)
    if not page.posts_form:
        return lambda: client.get(address)
    response = client.get(address)
    fields = pages.form_fields(response.get_data(as_text=True), address)
    response.close()
    if not fields:
        raise RuntimeError(f"{page.name}: no form posting to {address} on the page")
    return lambda: client.post(address, data=MultiDict(fields))
