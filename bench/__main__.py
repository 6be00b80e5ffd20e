"""`python -m bench [--applications N] [--databases sqlite,postgresql] [--repeat R] [--only WORDS]` (what `make bench` runs).

For each database: prepare the data (SQLite: cached in bench/.data/; PostgreSQL: a database made for the run and
dropped after), run the suite in a fresh process, print the tables and update bench/RESULTS.md.
"""
import argparse
import shlex
import sys
from datetime import UTC, datetime

from . import data, report
from .process import in_fresh_process
from .run import run_suite


def bench_sqlite(applications: int, repeat: int, only: tuple = ()) -> tuple[dict, dict | None]:
    database, files = data.sqlite_cache(applications)
    generated = None
    if not database.exists():
        building = database.with_suffix(".building")
        building.unlink(missing_ok=True)
        files.mkdir(exist_ok=True)
        print(f"building {database.name} ...", flush=True)
        generated = in_fresh_process(data.build, f"sqlite:///{building}", str(files), applications)
        building.rename(database)
    with data.sqlite_copy(database, files) as (url, copy_files):
        return in_fresh_process(run_suite, url, str(copy_files), applications, repeat, only), generated


def bench_postgresql(applications: int, repeat: int, only: tuple = ()) -> tuple[dict, dict]:
    with data.postgres_database() as (url, files):
        print("building the PostgreSQL database ...", flush=True)
        generated = in_fresh_process(data.build, url, str(files), applications)
        return in_fresh_process(run_suite, url, str(files), applications, repeat, only), generated


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--applications", "-n", type=int, default=20_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (after one warm-up)")
    parser.add_argument("--no-write", action="store_true", help="print the tables, leave RESULTS.md alone")
    parser.add_argument("--only", default="", help="comma-separated words: time only the pages and throughput figures "
                        "(letters, mail, export) whose names contain one; implies --no-write")
    options = parser.parse_args(argv)
    command = "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    only = tuple(word.strip() for word in options.only.split(",") if word.strip())
    runners = {"sqlite": bench_sqlite, "postgresql": bench_postgresql}
    for name in options.databases.split(","):
        result, generated = runners[name.strip()](options.applications, options.repeat, only)
        report.print_tables(result)
        if not (options.no_write or only):
            day = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            report.update_results(result, command.strip(), day, generated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
