"""Minha (منحة): grant and training programs for young entrepreneurs. create_app() builds the app."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import CONFIGS
from . import extensions as ext


class DatabaseId(IntegerConverter):
    """`<int:...>` in URLs: only numbers a database integer column can hold, so /x/99999999999 is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    config_name = os.environ.get("APP_ENV", "testing" if test_config else "development")
    config_class = CONFIGS[config_name]
    app.config.from_object(config_class)
    if test_config:
        app.config.update(test_config)
    if hasattr(config_class, "check"):
        config_class.check(app.config)
    if app.config.get("TRUST_PROXY_HEADERS", os.environ.get("TRUST_PROXY_HEADERS")):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    app.url_map.converters["int"] = DatabaseId
    _register_blueprints(app)
    _register_template_helpers(app)

    from .errors import register_error_pages
    from .mail import deliver_after_request
    from .security import file_fields_only_take_files, huge_numbers_fail_number_range, set_security_headers

    file_fields_only_take_files()
    huge_numbers_fail_number_range()
    register_error_pages(app)
    app.after_request(deliver_after_request)
    app.after_request(set_security_headers)

    from .cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app):
    from . import models  # noqa: F401  (one complete metadata for Alembic)
    from .i18n import select_locale, select_timezone

    ext.db.init_app(app)
    from .models.types import render_migration_item

    ext.migrate.init_app(app, ext.db, render_as_batch=True, compare_type=True, render_item=render_migration_item)
    ext.login_manager.init_app(app)
    ext.mail.init_app(app)
    ext.babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)

    from .accounts.services import load_user_from_session_id

    ext.login_manager.user_loader(load_user_from_session_id)
    ext.login_manager.login_view = "accounts.login"
    ext.login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    ext.login_manager.login_message = _l("Please sign in to open this page.")


def _register_blueprints(app):
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .applications import bp as applications_bp
    from .calls import bp as calls_bp
    from .decisions import bp as decisions_bp
    from .disbursements import bp as disbursements_bp
    from .mail import bp as mail_bp
    from .main import bp as main_bp
    from .monitoring import bp as monitoring_bp
    from .reviews import bp as reviews_bp
    from .screening import bp as screening_bp
    from .training import bp as training_bp

    for blueprint in (main_bp, accounts_bp, admin_bp, mail_bp, calls_bp, applications_bp, screening_bp, reviews_bp,
                      decisions_bp, training_bp, disbursements_bp, monitoring_bp):
        app.register_blueprint(blueprint)


def _register_template_helpers(app):
    from flask_babel import get_locale

    from . import formatting
    from .i18n import LANGUAGE_NAMES, text_direction
    from .permissions import can

    @app.context_processor
    def layout_context():
        locale = str(get_locale())
        return {
            "current_locale": locale,
            "text_direction": text_direction(locale),
            "language_names": LANGUAGE_NAMES,
            "can": can,
        }

    formatting.register_filters(app)
