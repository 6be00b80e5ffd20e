"""Jinja filters that format dates, numbers and money for the reader's locale and the program's timezone."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_currency, format_date, format_datetime, format_decimal


def program_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_program_time(moment: datetime) -> datetime:
    """An aware UTC instant as wall-clock time in the program's timezone."""
    return moment.astimezone(program_timezone())


def from_program_time(wall_clock: datetime) -> datetime:
    """A naive wall-clock time typed in the program's timezone, as an aware instant."""
    return wall_clock.replace(tzinfo=program_timezone())


def money(amount, currency="SYP"):
    if amount is None:
        return ""
    # Whole currency units throughout the program: no piastres or cents on screen.
    return format_currency(amount, currency, format_type="standard", currency_digits=False, format="#,##0 ¤")


def register_filters(app):
    app.jinja_env.filters.update(
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        number=lambda value: format_decimal(value) if value is not None else "",
        money=money,
    )
