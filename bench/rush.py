"""The deadline rush: many applicants submit complete applications in the last minutes before a call closes.

    .venv/bin/python bench/rush.py --applicants 50 --applications 1000

On a fresh PostgreSQL database (created here and dropped at the end, also on failure) this seeds one open call
and the applicant accounts, runs the app under gunicorn with 4 workers on a free loopback port, and from this
process sends `--applicants` concurrent applicants through the whole form: sign in, start, steps 1 to 4 (with
the budget lines and two PDF uploads), review, submit; one in `--double-click-every` presses submit twice at
once. When all on-time submissions are in, the deadline is brought forward to that moment and `--late`
applicants whose drafts are complete press submit (and one more tries to start an application): all must be
refused. It prints throughput, latency percentiles per request type and errors, then checks the database
(bench/rush_check.py): every submission stored once, unique references, one receipt email each in the outbox
(no MAIL_SERVER, so mail stays queued), nothing accepted after the deadline. Exit status 0 only if all holds.
"""
import argparse
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rush_client import (  # noqa: E402
    Applicant, Browser, Recorder, Unexpected, csrf_of, fill_draft, read_receipt_page, sign_in, submit,
)

VENV_BIN = ROOT / ".venv" / "bin"
SERVER_ADDRESS = "postgresql://postgres@127.0.0.1:5432"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=50, help="concurrent applicants (default 50)")
    parser.add_argument("--applications", type=int, default=1000, help="on-time applications in all (default 1000)")
    parser.add_argument("--late", type=int, default=10, help="applicants who press submit after the deadline")
    parser.add_argument("--double-click-every", type=int, default=10, help="one applicant in N double-clicks submit")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--deadline-minutes", type=int, default=30,
                        help="how far ahead the deadline is when the rush starts (default 30); a rush slower than "
                             "this is refused at the deadline and reported as unexpected responses")
    args = parser.parse_args(argv)

    database = f"minha_rush_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="minha-rush-"))
    env = {"DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
           "SECRET_KEY": secrets.token_hex(32), "APP_ENV": "production", "TRUST_PROXY_HEADERS": "1",
           "UPLOAD_FOLDER": str(work / "files"), "MAIL_SERVER": ""}
    os.environ.update(env)  # before grants is imported: config.py reads the environment when it loads
    create_database(database)
    server, app = None, None
    try:
        run([str(VENV_BIN / "flask"), "--app", "grants", "db", "upgrade"], "migrating")
        from grants import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
        with app.app_context():
            from rush_seed import PASSWORD, seed_rush

            started = time.perf_counter()
            seeded = seed_rush(args.applications + args.late + 1, timedelta(minutes=args.deadline_minutes))
            print(f"seeded call {seeded.call_code} and {len(seeded.accounts)} applicants in "
                  f"{time.perf_counter() - started:.1f} s; deadline {seeded.closes_at:%H:%M:%S} UTC")
        port = free_port()
        server_cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
        server = start_server(port, args.workers, work / "gunicorn.log")
        client_cpu = cpu_seconds(resource.RUSAGE_SELF)
        outcome = rush(app, seeded, PASSWORD, port, args)
        client_cpu = cpu_seconds(resource.RUSAGE_SELF) - client_cpu
        print_report(outcome, args)
        # gunicorn's CPU time is known once it has exited: what one application costs, whatever else ran.
        stop_server(server, work / "gunicorn.log")
        server, server_cpu = None, cpu_seconds(resource.RUSAGE_CHILDREN) - server_cpu
        per_application = (f" = {1000 * server_cpu / outcome['submitted']:.0f} ms per submitted application"
                           if outcome["submitted"] else "")
        print(f"\nCPU time: server (gunicorn, all workers, start-up included) {server_cpu:.0f} s{per_application}; "
              f"load generator {client_cpu:.0f} s")
        with app.app_context():
            from grants.extensions import db
            from rush_check import check_rush

            check = check_rush(db.session, seeded.call_id, expected=args.applications,
                               late_applicant_ids=[account[0] for account in seeded.accounts[args.applications:]])
            db.session.rollback()
        print(f"\ncheck: {check.submitted} submitted, {check.distinct_references} distinct references, "
              f"{check.receipts} receipt emails queued")
        for problem in check.problems:
            print(f"  PROBLEM: {problem}")
        healthy = check.ok and outcome["recorder"].unexpected == 0 and outcome["recorder"].server_errors == 0
        print("RESULT:", "all checks passed" if healthy else "FAILED")
        return 0 if healthy else 1
    finally:
        if server is not None:
            stop_server(server, work / "gunicorn.log")
        if app is not None:
            remove_stored_files(app)
        drop_database(database)
        shutil.rmtree(work, ignore_errors=True)


# --- the load -------------------------------------------------------------------------------------------------

def rush(app, seeded, password: str, port: int, args) -> dict:
    recorder = Recorder()
    people = [Applicant(n, email, seeded.subdistrict_ids[n % len(seeded.subdistrict_ids)],
                        seeded.sector_ids[n % len(seeded.sector_ids)]) for n, (_, email) in enumerate(seeded.accounts)]
    on_time, late, late_starter = people[:args.applications], people[args.applications:-1], people[-1]
    submitted = []  # applicant numbers, as their first press of submit succeeds
    failed = []
    lock = threading.Lock()

    def browser_for(applicant):
        return Browser("127.0.0.1", port, applicant.address, recorder)

    def prepare_late(applicant):
        try:
            fill_draft(browser_for(applicant), applicant, seeded.call_code, password)
        except Unexpected as error:
            failed.append(f"late applicant {applicant.number}: {error}")

    def apply(applicant):
        try:
            fill_draft(browser_for(applicant), applicant, seeded.call_code, password)
            submit(applicant, double_click=applicant.number % args.double_click_every == 0)
            with lock:
                submitted.append(applicant.number)
            read_receipt_page(applicant, seeded.call_code, submitted=True)
        except Unexpected as error:
            failed.append(f"applicant {applicant.number}: {error}")

    # The late applicants fill their drafts first, while the call is open, and press submit at the end.
    started = time.perf_counter()
    with ThreadPoolExecutor(args.applicants) as pool:
        list(pool.map(prepare_late, late))
        list(pool.map(apply, on_time))
    finished = time.perf_counter()

    with app.app_context():
        from grants.extensions import db
        from grants.models import Call, utcnow

        db.session.get(Call, seeded.call_id).closes_at = utcnow()
        db.session.commit()
    print(f"deadline brought forward to now, {args.deadline_minutes * 60 - (finished - started):.0f} s early; "
          f"{len(late)} late submits and 1 late start follow")

    def late_submit(applicant):
        try:
            if applicant.application_id is None:
                return
            submit(applicant, double_click=False, kind="submit after the deadline")
            read_receipt_page(applicant, seeded.call_code, submitted=False, kind="application page after the deadline")
        except Unexpected as error:
            failed.append(f"late applicant {applicant.number}: {error}")

    def late_start(applicant):
        try:
            browser = browser_for(applicant)
            sign_in(browser, applicant, password)
            page, _ = browser.get("call page", f"/calls/{seeded.call_code}")
            browser.post("start after the deadline", f"/calls/{seeded.call_code}/apply", {"csrf_token": csrf_of(page)},
                         location=f"/calls/{seeded.call_code}")
        except Unexpected as error:
            failed.append(f"late starter: {error}")

    with ThreadPoolExecutor(len(late) + 1) as pool:
        list(pool.map(late_submit, late))
        pool.submit(late_start, late_starter).result()
    return {"recorder": recorder, "seconds": finished - started, "submitted": len(submitted), "failed": failed}


def cpu_seconds(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def print_report(outcome: dict, args) -> None:
    recorder = outcome["recorder"]
    seconds = outcome["seconds"]
    requests = sum(len(times) for times in recorder.times.values())
    print(f"\n{outcome['submitted']} applications submitted by {args.applicants} concurrent applicants in "
          f"{seconds:.1f} s: {outcome['submitted'] / seconds:.2f} submissions/s, {requests / seconds:.1f} requests/s "
          f"(all {requests} requests, late phase included)")
    print(f"\n{'request':<36}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, times in recorder.times.items():
        print(f"{kind:<36}{len(times):>7}" + "".join(
            f"{1000 * value:>9.0f}" for value in (percentile(times, 0.5), percentile(times, 0.95),
                                                  percentile(times, 0.99), max(times))))
    print(f"\nerrors: {recorder.server_errors} HTTP 5xx, {recorder.unexpected} unexpected responses")
    for example in recorder.examples:
        print(f"  {example}")
    for failure in outcome["failed"][:10]:
        print(f"  stopped: {failure}")


# --- database and server --------------------------------------------------------------------------------------

def admin_connection():
    import psycopg

    return psycopg.connect(f"{SERVER_ADDRESS}/postgres", autocommit=True)


def create_database(name: str) -> None:
    with admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def remove_stored_files(app) -> None:
    """The uploads the rush left wherever the app stores files (UPLOAD_FOLDER when the app reads it from the
    environment, else the instance folder)."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Document
    from grants.storage import storage

    with app.app_context():
        for key in db.session.scalars(select(Document.storage_key)):
            storage().delete(key)
        db.session.rollback()
        db.engine.dispose()


def run(command: list[str], what: str) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{what} failed:\n{done.stdout}\n{done.stderr}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, workers: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "120",
         "--error-logfile", str(log), "grants:create_app()"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{log.read_text() if log.exists() else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    print(f"gunicorn with {workers} workers on 127.0.0.1:{port}")
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server, log)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen, log: Path) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    errors = [line for line in (log.read_text().splitlines() if log.exists() else [])
              if "ERROR" in line or "Traceback" in line]
    if errors:
        print(f"gunicorn logged {len(errors)} errors, the first: {errors[0]}")


if __name__ == "__main__":
    sys.exit(main())
