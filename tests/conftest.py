"""Fixtures: a fresh migrated database per test on SQLite and (when configured) PostgreSQL,
an app per test, a real SMTP server on loopback, and helpers to create users and sign in."""
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from grants import create_app
from grants.extensions import db

from .fixtures.accounts import AuthActions, make_user_factory
from .fixtures.smtp import SMTPServer

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "testing-secret",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "MAIL_SERVER": None,
    # Still scrypt, but cheap: the suite hashes hundreds of passwords.
    "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    "PUBLIC_URL": "http://localhost",
}


def migrate_to_head(url: str) -> dict:
    """Migrate an empty database; returns the rows the migrations wrote (reference data) per table."""
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            snapshot = {table: connection.execute(table.select()).mappings().all()
                        for table in db.metadata.sorted_tables}
        db.engine.dispose()
    return {table: rows for table, rows in snapshot.items() if rows}


def _no_postgres(reason: str):
    if REQUIRE_POSTGRES:
        pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@contextmanager
def scratch_postgres(suffix: str = ""):
    """A new, migrated PostgreSQL database named after this process (and `suffix`), dropped afterwards; yields its
    URL and the migrations' reference rows. A throwaway database: commits need not wait for the disk."""
    if not POSTGRES_URL:
        _no_postgres("TEST_DATABASE_URL is not set")
    base = make_url(POSTGRES_URL)
    name = f"{base.database or 'minha_test'}_{os.getpid()}{suffix}"
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    except OperationalError as error:
        _no_postgres(f"the server cannot be reached ({error.orig})")
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        yield url, migrate_to_head(url)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh database for this run, migrated once, dropped at the end."""
    with scratch_postgres() as database:
        yield database


def _reset_postgres(url: str, reference_rows: dict) -> None:
    """Back to the freshly migrated state: empty tables, then the migrations' reference rows again."""
    # DELETE is much faster than TRUNCATE on tables this small; sequences restart as TRUNCATE would.
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"))
        for table, rows in reference_rows.items():
            connection.execute(table.insert(), [dict(row) for row in rows])
            if "id" in table.c:
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        if request.node.get_closest_marker("postgres_only"):
            pytest.skip("PostgreSQL only")
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url, reference_rows = request.getfixturevalue("postgres_url")
        yield url
        _reset_postgres(url, reference_rows)


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(request, database_url):
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url}
    if "smtp_server" in request.fixturenames:
        smtp = request.getfixturevalue("smtp_server")
        # Flask-Mail suppresses sending under TESTING; these tests talk to a real server.
        config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT=5, MAIL_SUPPRESS_SEND=False)
    config.update(getattr(request, "param", None) or {})
    app = create_app(config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    return make_user_factory(app)


@pytest.fixture
def auth(client):
    return AuthActions(client)
