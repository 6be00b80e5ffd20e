"""The benchmark's databases: migrated, the usual demo, then one large generated call (grants.bulk_demo).

SQLite: built once per size and migration head into bench/.data/ (kept, ignored by git) and copied for each run,
so the POSTs a run makes never reach the cached file. PostgreSQL: a database made for the run on the server of
BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped afterwards.
Stored files (letters, certificates, uploads) live in a folder next to each database.
"""
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from grants import create_app
from grants.extensions import db

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
DATA = Path(__file__).resolve().parent / ".data"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SEED = 1


def bench_app(url: str, files: Path, **settings):
    """The app as a production worker runs it (no debug, no testing mode, real password hashing), except that
    forms skip their CSRF token and logins are not rate-limited, so a script can post them; mail stays queued."""
    return create_app({
        "TESTING": False, "DEBUG": False, "SECRET_KEY": "bench-secret", "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False, "MAIL_SERVER": None, "PUBLIC_URL": "http://localhost",
        "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(files), "STORAGE": "local", **settings,
    })


def alembic_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def build(url: str, files: str, applications: int) -> dict:
    """Migrate an empty database, add the demo and the generated call; the row counts and the seconds it took.

    Run in a process of its own (see __main__), so what generating costs in memory is not counted as the worker's.
    """
    from flask_migrate import upgrade

    from grants.bulk_demo import generate_program
    from grants.demo import seed_demo

    app = bench_app(url, Path(files))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        seed_demo()
        db.session.commit()
        started = time.perf_counter()
        counts = generate_program(applications, seed=SEED)
        seconds = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would do soon after a bulk load: planner statistics for the new rows.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return {"rows": counts, "generate_seconds": round(seconds, 1)}


def sqlite_cache(applications: int) -> tuple[Path, Path]:
    """Where the SQLite database of this size and migration head is kept, and its files folder."""
    DATA.mkdir(exist_ok=True)
    ignore = DATA / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    stem = f"minha-n{applications}-{alembic_head()}"
    return DATA / f"{stem}.db", DATA / f"{stem}.files"


@contextmanager
def sqlite_copy(database: Path, files: Path):
    """A throwaway copy of the cached database and its files; yields (url, files folder)."""
    with tempfile.TemporaryDirectory(prefix="minha-bench-") as folder:
        copy = Path(folder) / "bench.db"
        shutil.copyfile(database, copy)
        shutil.copytree(files, Path(folder) / "files") if files.exists() else (Path(folder) / "files").mkdir()
        yield f"sqlite:///{copy}", Path(folder) / "files"


@contextmanager
def postgres_database():
    """An empty database on the PostgreSQL server for this run; yields (url, files folder); dropped at the end."""
    server_url = make_url(POSTGRES_SERVER)
    name = f"minha_bench_{os.getpid()}"
    server = create_engine(server_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="minha-bench-pg-") as folder:
            yield server_url.set(database=name).render_as_string(hide_password=False), Path(folder)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
