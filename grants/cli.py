"""Flask commands: `flask --app grants create-user | seed-demo | mail send | reviews remind | training remind |
reports remind | export | import`."""
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .extensions import db
from .models import Role

mail_cli = AppGroup("mail", help="Deliver the outbox.")
reviews_cli = AppGroup("reviews", help="Peer review chores.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--locale", default="ar", type=click.Choice(["ar", "en"]))
@click.password_option(help="Asked for when not given (at least 10 characters).")
@with_appcontext
def create_user_command(email, full_name, roles, locale, password):
    """Create an active, verified account with the given roles."""
    from .accounts.forms import MIN_PASSWORD_LENGTH
    from .accounts.services import create_user
    from .errors import ActionRefused

    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"at least {MIN_PASSWORD_LENGTH} characters", param_hint="password")
    try:
        user = create_user(email=email, full_name=full_name, password=password, roles=roles, locale=locale)
    except ActionRefused as refusal:
        raise click.ClickException(str(refusal.message))
    db.session.commit()
    click.echo(f"Created {user.email} with roles {', '.join(sorted(user.roles))}.")


@click.command("seed-demo")
@click.option("--applications", default=0, show_default=True, type=click.IntRange(min=0),
              help="Also generate a large decided call with this many applications (grants/bulk_demo).")
@click.option("--seed", default=1, show_default=True, help="Random seed of the generated call.")
@with_appcontext
def seed_demo_command(applications, seed):
    """Add the demo program (idempotent) and print its accounts."""
    from .demo import DEMO_PASSWORD, seed_demo

    accounts = seed_demo()
    db.session.commit()
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for email, roles in accounts:
        click.echo(f"  {email:28} {', '.join(roles)}")
    if applications:
        from .bulk_demo import generate_program

        started = time.perf_counter()
        counts = generate_program(applications, seed=seed)
        click.echo(f"Generated {counts['applications']} applications in {time.perf_counter() - started:.1f} s "
                   f"(same password): " + ", ".join(f"{table} {rows}" for table, rows in counts.items()))


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running and deliver new messages as they are queued.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
def send_mail_command(loop, interval):
    """Deliver queued messages (needs MAIL_SERVER)."""
    from .mail.sender import send_all

    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set: messages stay in the outbox (see /outbox).")
    while True:
        report = send_all()
        if report.attempted or not loop:
            click.echo(f"sent {report.sent}, failed {report.failed}")
        if not loop:
            return
        db.session.remove()
        time.sleep(interval)


def queue_reminders(remind) -> None:
    """Run a reminder function (given the time now, it queues emails and returns how many), commit, and say what
    becomes of the emails."""
    from .models import utcnow

    queued = remind(utcnow())
    db.session.commit()
    click.echo(f"queued {queued} reminder(s)")
    if current_app.config.get("MAIL_SERVER"):
        click.echo("The outbox sender delivers them (`flask mail send`).")
    else:
        click.echo("MAIL_SERVER is not set: the reminders wait in the outbox (see /outbox).")


@reviews_cli.command("remind")
def remind_reviewers_command():
    """Email reviewers whose reviews are due within 3 days or overdue (at most once a day each)."""
    from .reviews.reminders import remind_reviewers

    queue_reminders(remind_reviewers)


reports_cli = AppGroup("reports", help="Progress report chores.")


@reports_cli.command("remind")
def remind_reports_command():
    """Email grantees whose progress reports are due within 7 days or overdue (at most once a week per report)."""
    from .monitoring.reminders import remind_reports

    queue_reminders(remind_reports)


def register_commands(app):
    from .backup import export_command, import_command
    from .training.cli import training_cli

    for command in (create_user_command, seed_demo_command, mail_cli, reviews_cli, training_cli, reports_cli,
                    export_command, import_command):
        app.cli.add_command(command)
