"""Flask commands for training: `flask --app grants training remind`."""
from flask.cli import AppGroup

training_cli = AppGroup("training", help="Training chores.")


@training_cli.command("remind")
def remind_sessions_command():
    """Email everyone enrolled in a course the day before each session (at most once per session each)."""
    from ..cli import queue_reminders
    from .reminders import remind_sessions

    queue_reminders(remind_sessions)
