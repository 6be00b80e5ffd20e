"""Bulk inserts of plain dicts in batches, counting the rows written per table.

One Core INSERT executed for a batch of rows (executemany) instead of one ORM object per row is what makes tens of
thousands of applications take seconds. Ids that later rows refer to are reserved before inserting, so no
RETURNING is needed. Column types still apply (UTC timestamps, enums), and the schema's CHECK constraints still
run on every row.
"""
from collections import Counter

import sqlalchemy as sa

from ..extensions import db

BATCH = 5000


class Rows:
    def __init__(self):
        self.counts: Counter = Counter()

    def add(self, model, rows: list[dict]) -> None:
        connection, statement = db.session.connection(), sa.insert(_table(model))
        for start in range(0, len(rows), BATCH):
            connection.execute(statement, rows[start:start + BATCH])
        self.counts[_table_name(model)] += len(rows)

    def add_returning_ids(self, model, rows: list[dict]) -> list[int]:
        """Insert with ids taken beforehand, returned in the order of `rows`: a plain executemany, faster than
        INSERT ... RETURNING in batches (psycopg parses every large multi-row statement again)."""
        ids = _reserve_ids(_table(model), len(rows))
        self.add(model, [dict(row, id=new_id) for row, new_id in zip(rows, ids)])
        return ids


def _reserve_ids(table: sa.Table, count: int) -> list[int]:
    """`count` ids nobody else will use: from the table's sequence on PostgreSQL; on SQLite the ids after the
    largest, safe because the generator's transaction already holds SQLite's single write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count}))
    first = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))


def _table(model) -> sa.Table:
    """A mapped class's table, or the Table itself (association tables such as reviewer_sectors)."""
    return getattr(model, "__table__", model)


def _table_name(model) -> str:
    return _table(model).name
