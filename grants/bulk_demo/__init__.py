"""A realistic program of any size, for trying the app and measuring it at scale
(`flask --app grants seed-demo --applications N`).

generate_program adds one decided call (code BULK<seed>, or BULK<seed>R2 ... when that is taken) with its own
officer, administrator and reviewers, and everything after the applications: screening, three reviews each,
decisions within the budget (approved, waiting list, not selected), released and answered, grants with tranches,
training cohorts with attendance, and progress reports. Rows are written with bulk inserts (see rows.py), every
account shares one password hash (the demo password), and no documents are stored. The same seed gives the same
people, amounts, scores and outcomes; dates are relative to today, so the program always has reports overdue
(run on another day, the states of tranches and reports whose dates fall near today may differ).
"""
import sqlalchemy as sa

from ..extensions import db
from .applications import make_applications
from .followup import follow_up
from .program import start_program
from .review import review_and_decide


def generate_program(applications: int, *, seed: int = 1) -> dict[str, int]:
    """Add the program inside the current app context, commit, and return the rows added per table."""
    if applications < 1:
        raise ValueError("a generated program needs at least one application")
    program = start_program(applications, seed)
    applicants = make_applications(program, applications)
    awards = review_and_decide(program, applicants)
    follow_up(program, awards)
    db.session.commit()
    _refresh_planner_statistics(program.rows.counts)
    return dict(sorted(program.rows.counts.items()))


def _refresh_planner_statistics(tables) -> None:
    """PostgreSQL plans queries from table statistics that autovacuum refreshes only a while after a bulk load;
    until then the dashboards' aggregates run several times slower."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(sa.text("ANALYZE " + ", ".join(sorted(tables))))
    db.session.commit()
