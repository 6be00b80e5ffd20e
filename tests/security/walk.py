"""Shared by the security tests: every endpoint of the permission matrix as a real URL, a client signed in as a
role (through the login form, so it also works with CSRF on), and a fingerprint of every table to prove that a
request changed nothing."""
import hashlib
import re

from flask import url_for
from sqlalchemy import select

from grants.extensions import db
from tests.fixtures.permissions import LOGIN, ROLES
from tests.test_permissions import MATRIX

# A role "may use" an endpoint when its matrix answer is one of these (a 404 means "not yours": the world's objects
# belong to somebody else, so for owner-only endpoints the owner's role is the closest to allowed there is).
ALLOWED_FIRST = (200, 302, 400, 409, 404)
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def url_of(app, endpoint, world):
    method, values, _ = MATRIX[endpoint]
    with app.test_request_context():
        return url_for(endpoint, **{key: world.get(value, value) for key, value in values.items()})


def role_allowed(endpoint):
    """The role that gets the most "allowed" answer from this endpoint's matrix row."""
    expected = MATRIX[endpoint][2]
    usable = [role for role in ROLES if expected[role] in ALLOWED_FIRST]
    return min(usable, key=lambda role: ALLOWED_FIRST.index(expected[role])) if usable else "anonymous"


def signed_in_as(app, make_user, role):
    """A client signed in as a new user with this role, through the login form with its CSRF token."""
    client = app.test_client()
    if role == "anonymous":
        return client
    account = make_user(role)
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    data = {"email": account.email, "password": account.password}
    if match:
        data["csrf_token"] = match.group(1)
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.status_code
    return client


def fingerprint(app, ignore=(), ignore_columns=None):
    """Per table: the row count and a hash of all its rows (order-independent); `ignore` leaves tables out and
    `ignore_columns` ({table: {column, ...}}) leaves columns out."""
    ignore_columns = ignore_columns or {}
    result = {}
    with app.app_context():
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                if table.name in ignore:
                    continue
                columns = [column for column in table.c if column.name not in ignore_columns.get(table.name, ())]
                rows = sorted(repr(tuple(row)) for row in connection.execute(select(*columns)))
                result[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def changed_tables(before, after):
    return sorted(name for name in before if before[name] != after.get(name))


__all__ = ["LOGIN", "MATRIX", "ROLES", "changed_tables", "fingerprint", "role_allowed", "signed_in_as", "url_of"]
