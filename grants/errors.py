"""The exception services raise for a refused action, and the error pages in the user's language."""
from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class ActionRefused(Exception):
    """A service verb refused: the state does not allow it, or the input breaks a rule.

    `message` is translated and safe to show to the user; `field` names the form field it belongs to.
    """

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("This was changed in the meantime"),
    413: _l("The upload is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}
HINTS = {
    400: _l("Please go back, reload the page and try again."),
    403: _l("If you think you should have access, sign in with another account or contact the program team."),
    404: _l("The address may be mistyped, or the page was removed."),
    405: _l("Please go back and use the buttons on the page."),
    409: _l("Please reload the page to see the current state."),
    413: _l("Please choose a smaller file and try again."),
    429: _l("Please wait a few minutes before trying again."),
    500: _l("The team has been told. Please try again in a few minutes."),
}


def render_error(error):
    code = error.code if isinstance(error, HTTPException) else 500
    code = code if code in TITLES else (500 if code >= 500 else 400)
    if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
        return jsonify(error=str(TITLES[code])), code
    return render_template("errors/error.html", code=code, title=TITLES[code], hint=HINTS[code]), code


def register_error_pages(app):
    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, HTTPException):
            return render_error(error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from .extensions import db

        db.session.rollback()
        return render_error(error)
