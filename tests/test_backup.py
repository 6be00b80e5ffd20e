"""Backups (grants/backup.py): `flask export` then `flask import` into a second fresh database gives back every row
and every stored file; import refuses a non-empty or differently migrated database and a damaged backup."""
import json
import shutil

import pytest
from sqlalchemy import func, select, text

from grants import create_app
from grants.backup import FILE_KEY_COLUMNS, NOT_FILE_KEYS, sha256_of
from grants.extensions import db
from grants.models import User
from grants.storage import storage

from .conftest import TEST_CONFIG, _reset_postgres, scratch_postgres


def make_app(url, store):
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(store)})


@pytest.fixture(scope="module")
def second_postgres():
    """A second migrated PostgreSQL database to restore into, beside the per-run one of conftest."""
    with scratch_postgres("_restore") as database:
        yield database


@pytest.fixture
def source(database_url, tmp_path):
    """The demo program plus a generated decided call (grants, tranches, letters with stored PDFs)."""
    from grants.bulk_demo import generate_program
    from grants.demo import seed_demo

    app = make_app(database_url, tmp_path / "store-source")
    with app.app_context():
        seed_demo()
        db.session.commit()
        generate_program(30, seed=2)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def target(request, database_url, tmp_path):
    """An app on a second freshly migrated database, with its own empty file store."""
    if database_url.startswith("sqlite"):
        path = tmp_path / "restored.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url, reference_rows = f"sqlite:///{path}", None
    else:
        url, reference_rows = request.getfixturevalue("second_postgres")
    app = make_app(url, tmp_path / "store-target")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if reference_rows is not None:
        _reset_postgres(url, reference_rows)


def snapshot(app) -> dict:
    """Every row of every table (all columns, in key order) and the Alembic revision."""
    with app.app_context():
        with db.engine.connect() as connection:
            rows = {table.name: connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                    for table in db.metadata.sorted_tables}
            rows["alembic_version"] = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return rows


def stored_keys(rows: dict) -> list[str]:
    keys = []
    for table, column in FILE_KEY_COLUMNS.items():
        index = [c.name for c in db.metadata.tables[table].columns].index(column)
        keys += [row[index] for row in rows[table] if row[index]]
    return keys


def export(app, out, *extra):
    return app.test_cli_runner().invoke(args=["export", "--out", str(out), *extra])


def restore(app, source_dir):
    return app.test_cli_runner().invoke(args=["import", str(source_dir)])


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_round_trip_gives_back_every_row_and_file(source, target, tmp_path):
    out = tmp_path / "backup"
    exported = export(source, out)
    assert exported.exit_code == 0, exported.output
    before = snapshot(source)
    assert f"users {len(before['users'])}" in exported.output
    assert f"{sum(len(rows) for name, rows in before.items() if name != 'alembic_version')} rows" in exported.output

    imported = restore(target, out)
    assert imported.exit_code == 0, imported.output
    assert f"users {len(before['users'])}" in imported.output

    after = snapshot(target)
    assert before["letters"] and before["grants"] and before["documents"] and before["tranches"]
    for table in before:
        assert after[table] == before[table], table
    keys = stored_keys(before)
    assert len(keys) >= len(before["documents"]) + len(before["letters"])
    with source.app_context():
        originals = {key: storage().read(key) for key in keys}
    with target.app_context():
        assert {key: storage().read(key) for key in keys} == originals

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["alembic_revision"] == before["alembic_version"][0][0]
    assert manifest["tables"]["users"]["rows"] == len(before["users"])
    assert set(manifest["files"]) == set(keys)

    # Sequences follow the restored ids: a new row through a service gets a fresh id instead of a collision.
    from grants.accounts.services import create_user

    with target.app_context():
        user = create_user(email="after-restore@example.org", full_name="New", password="a-long-password",
                           roles=["staff"])
        db.session.commit()
        assert user.id > max(row.id for row in before["users"])


def test_import_refuses_a_database_with_data(source, tmp_path):
    out = tmp_path / "backup"
    assert export(source, out).exit_code == 0
    before = snapshot(source)
    result = restore(source, out)
    assert result.exit_code != 0 and "not empty" in result.output
    assert snapshot(source) == before


def test_import_refuses_another_revision(source, target, tmp_path):
    out = tmp_path / "backup"
    assert export(source, out).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["alembic_revision"] = "older"  # a backup taken before the last migration
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = restore(target, out)
    assert result.exit_code != 0 and "backup at older" in result.output
    assert user_count(target) == 0


def test_import_refuses_a_damaged_backup(source, target, tmp_path):
    out = tmp_path / "backup"
    assert export(source, out).exit_code == 0
    damaged = sorted((out / "files").iterdir())[0]
    damaged.write_bytes(damaged.read_bytes() + b"tampered")
    result = restore(target, out)
    assert result.exit_code != 0 and "checksum" in result.output and damaged.name in result.output
    assert user_count(target) == 0


def test_a_row_the_database_refuses_leaves_it_empty(source, target, tmp_path):
    """A failure half-way (here a duplicate user, written with a matching checksum) rolls everything back."""
    out = tmp_path / "backup"
    assert export(source, out).exit_code == 0
    users = out / "tables" / "users.jsonl"
    users.write_text(users.read_text() + users.read_text().splitlines(keepends=True)[0])
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["tables"]["users"]["sha256"] = sha256_of(users)
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = restore(target, out)
    assert result.exit_code != 0 and "users" in result.output and "nothing imported" in result.output
    assert all(not rows for name, rows in snapshot(target).items() if name not in ("alembic_version", "places",
                                                                                   "sectors"))


def test_export_refuses_a_folder_that_is_not_empty(source, tmp_path):
    out = tmp_path / "backup"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    refused = export(source, out)
    assert refused.exit_code != 0 and "not empty" in refused.output
    assert not (out / "manifest.json").exists()
    forced = export(source, out, "--force")
    assert forced.exit_code == 0 and (out / "manifest.json").exists() and (out / "notes.txt").exists()


def test_import_refuses_a_folder_without_manifest(target, tmp_path):
    (tmp_path / "half").mkdir()
    result = restore(target, tmp_path / "half")
    assert result.exit_code != 0 and "manifest.json" in result.output


def test_every_storage_key_column_is_backed_up():
    """A new column holding storage keys must join FILE_KEY_COLUMNS, or export would leave its files behind."""
    key_columns = {(table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns
                   if column.name.endswith("_key")}
    assert key_columns == set(FILE_KEY_COLUMNS.items()) | NOT_FILE_KEYS
