"""The outbox: queueing, delivery, and the staff pages that show it."""
from flask import Blueprint, current_app, g

bp = Blueprint("mail", __name__, url_prefix="/outbox")


def deliver_after_request(response):
    """Send the messages this request queued once the response has gone out (after the commit)."""
    ids = g.pop("outbox_ids", None)
    # A page that queued a few messages (a receipt, a reset link) delivers them at once; bulk mail
    # (releasing decisions) is left to `flask mail send`, which reports progress as it goes.
    if ids and current_app.config.get("MAIL_SERVER") and len(ids) <= current_app.config["MAIL_SEND_AFTER_REQUEST_MAX"]:
        app = current_app._get_current_object()

        def deliver():
            from .sender import send_batch

            with app.app_context():
                try:
                    send_batch(limit=len(ids), ids=ids)
                except Exception:  # the sender command picks them up later
                    app.logger.exception("sending after request failed")

        response.call_on_close(deliver)
    return response


from . import routes  # noqa: E402,F401
