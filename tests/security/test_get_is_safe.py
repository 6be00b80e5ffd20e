"""No state change on GET: every GET endpoint of the permission matrix, opened by every role, leaves every table
exactly as it was (row counts and a hash of all rows)."""
import pytest

from .walk import MATRIX, ROLES, changed_tables, fingerprint, signed_in_as, url_of

# Tables a GET may write, and why. Nothing else may change.
WRITTEN_ON_GET = {
    # The stored ranking is a computed copy of the scores (rebuilt on the ranking page's first view after a
    # change), not state anyone decided: rebuilding it changes no outcome.
    "ranking_snapshots": "computed cache of the ranking",
    "ranking_entries": "computed cache of the ranking",
}
# Per endpoint: what else its GET may write, and why.
AUDITED_EXPORT = "audits who took a copy of personal data: a record of the read, no state anyone acts on"
WRITES_OF_ENDPOINT = {
    "disbursements.ledger_export": {"tables": {"audit_entries": AUDITED_EXPORT}},
    "disbursements.letters_zip": {"tables": {"audit_entries": AUDITED_EXPORT}},
    "reviews.ranking_export": {"tables": {"audit_entries": AUDITED_EXPORT}},
    "screening.export": {"tables": {"audit_entries": AUDITED_EXPORT}},
    # The agreement PDF is a pure function of the grant, rendered and kept when the award is accepted; the
    # download renders it again only when the file was never made or is gone: a repaired copy, not a decision.
    "disbursements.agreement": {"columns": {"grants": {"agreement_key", "agreement_sha256"}}},
}
# Not an exception but worth saying: accounts.verify_email with a *valid* token confirms the address on GET. The
# link in an email can only be a GET, the token is signed for one user and confirming twice changes nothing more.
# The matrix opens it with a forged token, which must change nothing, and is walked below like every other GET.

GET_ENDPOINTS = sorted(endpoint for endpoint, (method, _, _) in MATRIX.items() if method == "GET")


@pytest.mark.parametrize("role", ROLES)
def test_no_get_changes_the_database(app, make_user, world, role):
    client = signed_in_as(app, make_user, role)
    changes = []
    for endpoint in GET_ENDPOINTS:
        url = url_of(app, endpoint, world)
        allowed = WRITES_OF_ENDPOINT.get(endpoint, {})
        ignore = {"ignore": WRITTEN_ON_GET.keys() | allowed.get("tables", {}).keys(),
                  "ignore_columns": allowed.get("columns")}
        before = fingerprint(app, **ignore)
        response = client.get(url)
        response.close()
        changed = changed_tables(before, fingerprint(app, **ignore))
        if changed:
            changes.append((url, response.status_code, changed))
    assert changes == [], "\n".join(map(str, changes))


def test_the_exceptions_name_real_get_endpoints():
    assert WRITES_OF_ENDPOINT.keys() <= set(GET_ENDPOINTS)


def test_the_walk_covers_every_get_endpoint(app):
    gets = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    # Endpoints that take GET and POST are in the matrix as GET (the form page) or POST (the verb).
    assert {endpoint for endpoint in gets if MATRIX[endpoint][0] == "GET"} == set(GET_ENDPOINTS)
