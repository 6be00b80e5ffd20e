"""Headers on every kind of response (pages, redirects, error pages, JSON, downloads, static files), cookie flags
(Secure under production), and pages free of inline script, event-handler and style attributes the CSP blocks."""
import re
from pathlib import Path

import pytest

from grants import create_app
from tests.conftest import TEST_CONFIG

from .walk import MATRIX, ROLES, signed_in_as, url_of

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
TAG = re.compile(r"<[a-zA-Z][^>]*>")
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def directives(csp: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in csp.split(";") if part.strip())}


def assert_secure_headers(response, where):
    csp = response.headers.get("Content-Security-Policy", "")
    policy = directives(csp)
    script_src = policy.get("script-src", policy.get("default-src", []))
    assert script_src and "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, (where, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (where, csp)
    assert policy.get("frame-ancestors") == ["'none'"], (where, csp)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy"), where


def blocked_markup(page: str) -> list[str]:
    """What the CSP would block: inline <script>, on*= handlers, style= attributes, javascript: URLs."""
    found = INLINE_SCRIPT.findall(page) + JAVASCRIPT_URL.findall(page)
    found += [tag for tag in TAG.findall(page) if EVENT_ATTRIBUTE.search(tag) or STYLE_ATTRIBUTE.search(tag)]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_matrix_response_has_the_headers_and_no_inline_script(app, make_user, world, role):
    """Every endpoint of the matrix as every role: 200 pages, redirects, 403/404 pages, 400s, JSON, PDF, XLSX,
    CSV, ZIP, ICS and static files."""
    client = signed_in_as(app, make_user, role)
    blocked = {}
    for endpoint, (method, _, _) in sorted(MATRIX.items()):
        url = url_of(app, endpoint, world)
        response = client.open(url, method=method)
        response.close()
        assert_secure_headers(response, (method, url, role, response.status_code))
        if response.mimetype == "text/html":
            if found := blocked_markup(response.get_data(as_text=True)):
                blocked[url] = found
    assert blocked == {}


def test_error_pages_and_other_kinds_have_the_headers(app, client):
    app.add_url_rule("/__boom", "boom", lambda: 1 / 0)
    kinds = {
        "404 page": client.get("/no-such-page"),
        "405 page": client.get("/logout"),
        "500 page": client.get("/__boom"),
        "JSON": client.get("/healthz"),
        "JSON 404": client.get("/no-such.json"),
        "static CSS": client.get("/static/css/app.css"),
        "static SVG": client.get("/static/img/favicon.svg"),
        "static JS": client.get("/static/js/progress.js"),
        "redirect to sign in": client.get("/profile"),
    }
    assert kinds["500 page"].status_code == 500 and kinds["JSON"].is_json
    for kind, response in kinds.items():
        assert_secure_headers(response, kind)
        assert not blocked_markup(response.get_data(as_text=True)) or response.mimetype != "text/html", kind


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True, "RESET_RATE_LIMIT": "1/hour",
                                  "MAX_CONTENT_LENGTH": 2000}], indirect=True)
def test_400_413_and_429_pages_have_the_headers(app, client):
    assert_secure_headers(refused := client.post("/language"), "400 page")
    assert refused.status_code == 400
    assert_secure_headers(too_large := client.post("/login", data={"email": "x" * 5000}), "413 page")
    assert too_large.status_code == 413
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/forgot-password", data={"email": "a@example.org"})
    assert_secure_headers(limited := client.post("/forgot-password", data={"email": "a@example.org"}), "429 page")
    assert limited.status_code == 429


def test_no_template_has_markup_the_csp_blocks():
    """Emails are left out: they are read in mail programs, which need inline styles and never see our CSP."""
    offenders = {}
    for path in TEMPLATES.rglob("*.html"):
        if "emails" in path.relative_to(TEMPLATES).parts:
            continue
        if found := blocked_markup(path.read_text(encoding="utf-8")):
            offenders[str(path.relative_to(TEMPLATES))] = found
    assert offenders == {}


def cookies_set(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def sign_in_remembered(app, make_user):
    account = make_user()
    response = app.test_client().post("/login", data={"email": account.email, "password": account.password,
                                                     "remember": "y"})
    assert response.status_code == 302
    return cookies_set(response)


def test_session_and_remember_cookies_are_httponly_and_lax(app, make_user):
    cookies = sign_in_remembered(app, make_user)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]


def test_production_cookies_are_secure(monkeypatch, database_url):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret-for-the-test")
    monkeypatch.setenv("DATABASE_URL", database_url)
    production = create_app({key: value for key, value in TEST_CONFIG.items() if key != "TESTING"}
                            | {"SQLALCHEMY_DATABASE_URI": database_url})
    assert production.config["SESSION_COOKIE_SECURE"] and production.config["REMEMBER_COOKIE_SECURE"]
    from tests.fixtures.accounts import make_user_factory

    cookies = sign_in_remembered(production, make_user_factory(production))
    cookies |= cookies_set(production.test_client().post("/language", data={"lang": "en"}))
    for name in ("session", "remember_token", "lang"):
        cookie = cookies[name]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


@pytest.mark.parametrize("markup", ['<script>alert(1)</script>', '<div onclick="x()">', '<img src=x onerror=y>',
                                    '<p style="color:red">', '<a href="javascript:x()">'])
def test_the_scanner_sees_what_the_csp_blocks(markup):
    assert blocked_markup(markup)


def test_the_scanner_lets_allowed_markup_through():
    assert not blocked_markup('<script src="/static/js/a.js" defer></script><p class="x">on=fine style=text</p>')
