"""Locale selection, text direction, formatting helpers and Arabic name normalisation."""
import re
import unicodedata

from flask import current_app, has_request_context, request
from flask_login import current_user

RTL_LANGUAGES = {"ar"}
LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}


def select_locale() -> str:
    """The user's saved preference, else the switcher's cookie, else Accept-Language, else the default."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and workers: callers use force_locale for a recipient
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def text_direction(locale) -> str:
    return "rtl" if str(locale).split("_")[0] in RTL_LANGUAGES else "ltr"


_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_LETTER_VARIANTS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
# «عبد الرحمن» and «عبدالرحمن» are the same name written two ways.
_ABD_AL = re.compile(r"\bعبد\s+ال")


def normalize_arabic(text: str) -> str:
    """Fold the spellings that differ only in writing habit, so names can be compared."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\u0640", "")  # tatweel
    text = _DIACRITICS.sub("", text)
    text = text.translate(_LETTER_VARIANTS)
    text = " ".join(text.split())
    text = _ABD_AL.sub("عبدال", text)
    return text.casefold()
