"""Arabic first, English complete: locale choice, direction, catalogue completeness, formatting."""
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from grants.formatting import money
from grants.i18n import normalize_arabic

from .fixtures.i18n import translated

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def html_tag(response):
    return re.search(r"<html [^>]*>", response.get_data(as_text=True)).group(0)


def test_arabic_is_the_default_and_right_to_left(app, client):
    response = client.get("/login")
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert translated(app, "Sign in", "ar") in response.get_data(as_text=True)
    assert translated(app, "Sign in", "ar") != "Sign in"


def test_accept_language_english_gives_english_left_to_right(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert "Forgot your password?" in response.get_data(as_text=True)


def test_the_cookie_beats_accept_language_and_the_saved_preference_beats_the_cookie(client, auth, make_user):
    client.set_cookie("lang", "en")
    assert 'lang="en"' in html_tag(client.get("/", headers={"Accept-Language": "ar"}))
    auth.login(make_user(locale="ar"))
    assert 'lang="ar"' in html_tag(client.get("/"))


def test_switcher_sets_the_cookie_and_the_signed_in_users_preference(app, client, auth, make_user):
    response = client.post("/language", data={"lang": "en", "next": "/login?x=1"})
    assert response.status_code == 302 and response.location == "/login?x=1"
    assert 'lang="en"' in html_tag(client.get("/"))
    user = make_user(locale="en")
    auth.login(user)
    client.post("/language", data={"lang": "ar", "next": "https://evil.example/"})
    assert 'lang="ar"' in html_tag(client.get("/"))
    client.delete_cookie("lang")
    assert 'lang="ar"' in html_tag(client.get("/"))  # saved on the account, not only in the cookie


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "fr"})
    assert 'lang="ar"' in html_tag(client.get("/"))


def test_every_message_is_translated_into_arabic_with_the_same_placeholders():
    with open(ROOT / "translations/ar/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    missing, mismatched = [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(ids[0])
        elif not _same_placeholders(ids, strings):
            mismatched.append(ids[0])
    assert missing == [] and mismatched == []


def _same_placeholders(ids, strings) -> bool:
    """Every translation keeps the msgid's placeholders. Arabic's zero, one and two plural forms may
    spell the number out («طلب واحد», «طلبان») and so leave the count out, but add nothing."""
    expected = set(PLACEHOLDER.findall(ids[-1]))
    for index, text in enumerate(strings):
        found = set(PLACEHOLDER.findall(text))
        if found != expected and not (len(ids) > 1 and index <= 2 and found <= expected):
            return False
    return True


def test_the_catalogue_holds_every_string_in_the_code(tmp_path):
    """Fails when new text was added without `make translations-update` and an Arabic translation."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(pot, "rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with open(ROOT / "translations/ar/LC_MESSAGES/messages.po", "rb") as f:
        in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id and m.string}
    assert sorted(in_code - in_catalogue) == []


def test_money_and_dates_follow_the_locale_and_the_program_timezone(app):
    evening_utc = datetime(2026, 1, 1, 21, 30, tzinfo=timezone.utc)  # 00:30 on 2 January in Damascus
    with app.test_request_context():
        with force_locale("en"):
            assert money(2500000, "SYP") == "2,500,000 SYP"
            rendered = app.jinja_env.filters["datetime"](evening_utc, "short")
            assert "1/2/26" in rendered and "12:30" in rendered
        with force_locale("ar"):
            assert "٢٬٥٠٠٬٠٠٠" in money(2500000, "SYP") or "2,500,000" in money(2500000, "SYP")


@pytest.mark.parametrize("a, b", [
    ("عبد الرحمن", "عبدالرحمن"),
    ("أحمد", "احمد"),
    ("إسماعيل", "اسماعيل"),
    ("آمنة", "امنه"),
    ("مُحَمَّد", "محمد"),
    ("علـــي", "علي"),
    ("مصطفى", "مصطفي"),
    ("فاطمة  الزهراء", "فاطمه الزهراء"),
    ("عبد  الله", "عبدالله"),
])
def test_arabic_names_compare_after_normalisation(a, b):
    assert normalize_arabic(a) == normalize_arabic(b)


def test_normalisation_keeps_different_names_apart():
    assert normalize_arabic("عبد الرحمن") != normalize_arabic("عبد الرحيم")
    assert normalize_arabic("Omar ") == normalize_arabic("omar")
