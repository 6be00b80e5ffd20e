"""Flask commands for training: `flask --app grants training remind`."""
import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db

training_cli = AppGroup("training", help="Training chores.")


@training_cli.command("remind")
def remind_sessions_command():
    """Email everyone enrolled in a course the day before each session (at most once per session each)."""
    from ..models import utcnow
    from .reminders import remind_sessions

    queued = remind_sessions(utcnow())
    db.session.commit()
    click.echo(f"queued {queued} reminder(s)")
    if current_app.config.get("MAIL_SERVER"):
        click.echo("The outbox sender delivers them (`flask mail send`).")
    else:
        click.echo("MAIL_SERVER is not set: the reminders wait in the outbox (see /outbox).")
