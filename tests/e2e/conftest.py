"""Browser tests: the app served by a real WSGI server on loopback, driven by Debian's Chromium through Playwright.

Without chromium these tests skip, unless REQUIRE_BROWSER=1 (CI), when they fail instead. Screenshots go to
tests/e2e/artifacts/ (ignored by git)."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from grants import create_app
from grants.extensions import db

from ..conftest import TEST_CONFIG
from ..fixtures.smtp import SMTPServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # another path only to test the skip
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _no_browser(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"The browser is required (REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(f"Browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        _no_browser(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("playwright is not installed (requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    """The app on 127.0.0.1 with its own SQLite file, upload folder and SMTP server."""

    def __init__(self, database_path: Path, files: Path, smtp: SMTPServer):
        self.smtp = smtp
        self.app = create_app({
            **TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}", "UPLOAD_FOLDER": str(files),
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_TIMEOUT": 5, "MAIL_SUPPRESS_SEND": False,
            # Mail leaves only when a step calls deliver_mail(), as the sender process would.
            "MAIL_SEND_AFTER_REQUEST_MAX": 0,
        })
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # Links in emails must open on this server.
        self.app.config["PUBLIC_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def run(self, function, *args, **kwargs):
        """Call a service or demo helper in an app context and commit, like a request or a CLI command."""
        with self.app.app_context():
            result = function(*args, **kwargs)
            db.session.commit()
            return result

    def deliver_mail(self):
        """What the mail sender process does between steps: deliver everything queued."""
        from grants.mail.sender import send_all

        with self.app.app_context():
            send_all(ignore_backoff=True)
            db.session.remove()


def _live_server(tmp_path, sqlite_template):
    database = tmp_path / "e2e.db"
    shutil.copyfile(sqlite_template, database)
    smtp = SMTPServer()
    smtp.start()
    server = LiveServer(database, tmp_path / "files", smtp)
    server.start()
    return server


@pytest.fixture
def live_server(browser, tmp_path, sqlite_template):
    server = _live_server(tmp_path, sqlite_template)
    yield server
    server.stop()
    server.smtp.stop()


@pytest.fixture(scope="module")
def demo_server(browser, tmp_path_factory, sqlite_template):
    """One server with the demo program (grants/demo.py) for pages that only need data to show."""
    from grants.demo import seed_demo

    server = _live_server(tmp_path_factory.mktemp("e2e-demo"), sqlite_template)
    server.run(seed_demo)
    yield server
    server.stop()
    server.smtp.stop()


@pytest.fixture
def context_factory(browser):
    contexts = []

    def new_context(locale="en", width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                      accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(context_factory):
    return context_factory().new_page()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
