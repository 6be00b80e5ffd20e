"""Logical backups: `flask export --out DIR` writes every table and every stored file; `flask import DIR` restores
them into a freshly migrated, empty database.

Layout of DIR (format 1):
  manifest.json        format, Alembic revision, app version, created_at, rows and SHA-256 per table file,
                       SHA-256 per stored file. Written last: a DIR without it is an unfinished export.
  tables/<name>.jsonl  JSON lines, one object per row (column name -> value), in primary key order. Values:
                       datetimes and dates ISO 8601 (UTC datetimes carry +00:00), Decimal as a string (no float
                       rounding), enums as their stored value, bytes as base64, JSON columns as JSON.
  files/<key>          the bytes of each stored file, under its storage key.

Rows are streamed both ways (yield_per on export, batches on import), so a large database never sits in memory.
For production, pg_dump and a copy of the file store are the primary backup (README, "Backups"); this format is
portable between SQLite and PostgreSQL and readable without the app.
"""
import base64
import enum
import hashlib
import json
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from .extensions import db
from .storage import LocalStorage, checked, storage

FORMAT = 1
BATCH_ROWS = 1000

# Columns that hold storage keys (the storage interface cannot list its objects). tests/test_backup.py fails when
# a new `*_key` column appears that is neither here nor in NOT_FILE_KEYS.
FILE_KEY_COLUMNS = {
    "documents": "storage_key",
    "monitoring_files": "storage_key",
    "letters": "storage_key",
    "grants": "agreement_key",
}
NOT_FILE_KEYS = {("applications", "name_key"), ("outbox_messages", "dedupe_key")}

# The migrations fill these with reference data, so a freshly migrated database is not empty there; import
# replaces their rows with the exported ones (which started as the same rows and may since have been edited).
REFERENCE_TABLES = {"places", "sectors"}


class BackupError(click.ClickException):
    """A refusal or a broken backup: a clear message and a non-zero exit."""


# ---- values ----------------------------------------------------------------------------------------------

def _encode(value):
    """json.dumps' fallback for what JSON has no type for."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot export a {type(value).__name__}")


def _decoder(column: sa.Column):
    """The function turning a JSON value back into what the column's type binds, or None when JSON's is right.
    Chosen by the column's Python type, so custom types (UTCDateTime, str_enum) follow their implementation."""
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):  # UTCDateTime: binds what its implementation binds
        column_type = column_type.impl_instance
    try:
        kind = column_type.python_type
    except NotImplementedError:
        return None
    if kind is datetime:
        return _datetime
    if kind in (date, time):
        return kind.fromisoformat
    if kind is Decimal:
        return Decimal
    if kind is bytes:
        return base64.b64decode
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind
    return None


def _datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is None else value.astimezone(timezone.utc)


def _row_decoder(table: sa.Table):
    decoders = [(column.name, column.key, _decoder(column)) for column in table.columns]

    def decode(record: dict) -> dict:
        if set(record) != {name for name, _, _ in decoders}:
            raise BackupError(f"{table.name}: a row's columns differ from the database's: {sorted(record)}")
        return {key: (record[name] if decode is None or record[name] is None else decode(record[name]))
                for name, key, decode in decoders}

    return decode


# ---- files -----------------------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def alembic_revision(connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def app_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("minha")
    except PackageNotFoundError:
        return None


# ---- export ----------------------------------------------------------------------------------------------

def export_data(out: Path, *, force: bool = False) -> dict:
    """Write the backup into `out`; returns the manifest."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise BackupError(f"{out} exists and is not empty (use --force to write into it anyway)")
    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "files").mkdir(exist_ok=True)
    manifest = {"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(), "app_version": app_version(),
                "alembic_revision": None, "tables": {}, "files": {}}
    keys: set[str] = set()
    connection = db.engine.connect()
    if connection.dialect.name == "postgresql":
        # All tables from one snapshot, while the app keeps running.
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    with connection, connection.begin():
        manifest["alembic_revision"] = alembic_revision(connection)
        for table in db.metadata.sorted_tables:
            manifest["tables"][table.name] = _export_table(connection, table, out / "tables", keys)
    store = storage()
    for key in sorted(keys):
        try:
            data = store.read(key)
        except FileNotFoundError:
            raise BackupError(f"stored file {key} is missing from the store (named by a row)")
        (out / "files" / key).write_bytes(data)
        manifest["files"][key] = hashlib.sha256(data).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _export_table(connection, table: sa.Table, folder: Path, keys: set[str]) -> dict:
    path = folder / f"{table.name}.jsonl"
    names = [column.name for column in table.columns]
    key_column = FILE_KEY_COLUMNS.get(table.name)
    query = sa.select(table).order_by(*table.primary_key.columns)
    rows = 0
    with open(path, "w", encoding="utf-8") as stream:
        for row in connection.execution_options(yield_per=BATCH_ROWS).execute(query):
            record = dict(zip(names, row))
            stream.write(json.dumps(record, default=_encode, ensure_ascii=False) + "\n")
            if key_column and record[key_column]:
                keys.add(record[key_column])
            rows += 1
    return {"rows": rows, "sha256": sha256_of(path)}


# ---- import ----------------------------------------------------------------------------------------------

def import_data(source: Path) -> dict:
    """Restore a backup into this app's empty database and store; returns the manifest. Refuses, changing
    nothing, unless the backup is intact and the database is migrated to the same revision and empty."""
    source = Path(source)
    manifest = _read_manifest(source)
    _verify_checksums(source, manifest)
    tables = db.metadata.sorted_tables
    with db.engine.connect() as connection:
        with connection.begin():
            _check_target(connection, manifest)
            for table in reversed([t for t in tables if t.name in REFERENCE_TABLES]):
                connection.execute(table.delete())
            for table in tables:
                try:
                    _import_table(connection, table, source / "tables" / f"{table.name}.jsonl")
                except sa.exc.DBAPIError as error:  # the transaction rolls back: the database stays empty
                    raise BackupError(f"{table.name}: the database refused a row, nothing imported: {error.orig}")
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection, tables)
            # Files before the commit: if one fails, no row names a file that is not there. Files written before
            # a failure stay in the store unreferenced (harmless, random keys).
            store = storage()
            for key in manifest["files"]:
                store.put(key, (source / "files" / key).read_bytes())
    return manifest


def _read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} holds no manifest.json: not a backup, or an unfinished export")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}: use the matching app version")
    known = {table.name for table in db.metadata.sorted_tables}
    if set(manifest["tables"]) != known:
        raise BackupError("the backup's tables differ from this app's: "
                          f"missing {sorted(known - set(manifest['tables']))}, "
                          f"unknown {sorted(set(manifest['tables']) - known)}")
    return manifest


def _verify_checksums(source: Path, manifest: dict) -> None:
    damaged = [f"tables/{name}.jsonl" for name, entry in manifest["tables"].items()
               if not _matches(source / "tables" / f"{name}.jsonl", entry["sha256"])]
    damaged += [f"files/{key}" for key, digest in manifest["files"].items()
                if not _matches(source / "files" / checked(key), digest)]
    if damaged:
        raise BackupError(f"checksum mismatch or missing file, nothing imported: {', '.join(damaged[:10])}"
                          + (f" and {len(damaged) - 10} more" if len(damaged) > 10 else ""))


def _matches(path: Path, digest: str) -> bool:
    return path.is_file() and sha256_of(path) == digest


def _check_target(connection, manifest: dict) -> None:
    revision = alembic_revision(connection)
    if revision is None:
        raise BackupError("the database is not migrated: run `flask --app grants db upgrade` first")
    if revision != manifest["alembic_revision"]:
        raise BackupError(f"the database is at revision {revision} but the backup at "
                          f"{manifest['alembic_revision']}: migrate both to the same revision first")
    filled = [table.name for table in db.metadata.sorted_tables if table.name not in REFERENCE_TABLES
              and connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()]
    if filled:
        raise BackupError(f"the database is not empty ({', '.join(filled)}): import only into a fresh one")


def _import_table(connection, table: sa.Table, path: Path) -> None:
    decode = _row_decoder(table)
    batch = []
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            batch.append(decode(json.loads(line)))
            if len(batch) == BATCH_ROWS:
                connection.execute(table.insert(), batch)
                batch = []
    if batch:
        connection.execute(table.insert(), batch)


def _reset_sequences(connection, tables) -> None:
    """Rows came with their ids, which never advance a sequence: move each to the largest id so new rows do not
    collide (PostgreSQL; SQLite takes max(rowid) + 1 by itself)."""
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        connection.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
            f"coalesce(max({column.name}), 1), max({column.name}) IS NOT NULL) FROM {table.name}"))


# ---- commands --------------------------------------------------------------------------------------------

def _counts(manifest: dict) -> str:
    rows = sum(entry["rows"] for entry in manifest["tables"].values())
    tables = ", ".join(f"{name} {entry['rows']}" for name, entry in manifest["tables"].items() if entry["rows"])
    return f"{rows} rows in {len(manifest['tables'])} tables, {len(manifest['files'])} files ({tables})"


@click.command("export")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write (must be new or empty).")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@with_appcontext
def export_command(out, force):
    """Write every table and stored file into a folder (holds personal data: keep it as secret as the database)."""
    manifest = export_data(out, force=force)
    click.echo(f"Exported {_counts(manifest)} to {out} (revision {manifest['alembic_revision']}).")


@click.command("import")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_command(source):
    """Restore a folder written by `export` into a freshly migrated, empty database."""
    manifest = import_data(source)
    click.echo(f"Imported {_counts(manifest)} from {source}.")
    if isinstance(storage(), LocalStorage):
        click.echo(f"Files went to {storage().root}.")
