"""Jinja filters that format dates, numbers and money for the reader's locale and the program's timezone."""
from flask_babel import format_date, format_datetime, format_decimal, format_currency


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
