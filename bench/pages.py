"""The pages the benchmark times and the query-growth test counts: who opens them, their address, and how a form
page is posted back (the fields its GET shows, sent again unchanged: a save that changes nothing but runs every check).

Addresses are built from the Subjects found in the database; a page whose subject does not exist there (no letter
issued, no draft in an open call...) is skipped and shown as such.
"""
import math
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

from flask import url_for
from sqlalchemy import func, select

from grants.accounts.services import hash_password
from grants.extensions import db
from grants.models import Call, User
from grants.screening import queries as screening_queries

from .subjects import Subjects

BENCH_PASSWORD = "bench-pass-2026"
LIST_FILTER = {"gender": "female"}   # the staff list, filtered, at page 50 (or its last page when it has fewer)
LIST_PAGE = 50
PAGE_TARGET_MS = 100
HEAVY_TARGET_MS = 300                # the ranking, the funding proposal and the dashboard


@dataclass(frozen=True)
class Page:
    name: str
    who: str | None                  # "staff", "reviewer", "applicant", "drafter", "scorer", or None (anonymous)
    address: Callable[[Subjects], str | None]
    target_ms: int = PAGE_TARGET_MS
    posts_form: bool = False         # POST the fields the GET of the same address shows
    signs_in: bool = False           # POST the staff member's email and password, from a new visitor each time
    growth: bool = False             # in tests/test_query_growth.py


def _list_address(s: Subjects) -> str:
    call = db.session.get(Call, s.call_id)
    filters = screening_queries.Filters.from_args(LIST_FILTER)
    count = db.session.scalar(select(func.count()).select_from(
        screening_queries.applications_query(call, filters).order_by(None).subquery()))
    page = max(1, min(LIST_PAGE, math.ceil(count / screening_queries.PAGE_SIZE)))
    return url_for("screening.applications", call_id=s.call_id, page=page, **LIST_FILTER)


def _if(value, build):
    return None if value is None else build(value)


HEALTHZ = Page("healthz (reference)", None, lambda s: url_for("main.healthz"))

PAGES = [
    Page("home", None, lambda s: url_for("main.index")),
    Page("login (POST)", None, lambda s: url_for("accounts.login"), signs_in=True),
    Page("applicant dashboard", "applicant", lambda s: url_for("applications.dashboard"), growth=True),
    Page("application step 2 (GET)", "drafter",
         lambda s: _if(s.draft, lambda d: url_for("applications.step", application_id=d[0], step=2))),
    Page("application step 2 (POST)", "drafter",
         lambda s: _if(s.draft, lambda d: url_for("applications.step", application_id=d[0], step=2)),
         posts_form=True),
    Page("reviewer queue", "reviewer", lambda s: url_for("reviews.home"), growth=True),
    Page("scoring form (GET)", "scorer", lambda s: _if(s.review, lambda r: url_for("reviews.score", review_id=r[0]))),
    Page("scoring form (POST)", "scorer",
         lambda s: _if(s.review, lambda r: url_for("reviews.score", review_id=r[0])), posts_form=True),
    Page("staff applications list", "staff", _list_address, growth=True),
    Page("ranking", "staff", lambda s: url_for("reviews.ranking", call_id=s.call_id), target_ms=HEAVY_TARGET_MS,
         growth=True),
    Page("funding proposal", "staff", lambda s: url_for("decisions.proposal", call_id=s.call_id),
         target_ms=HEAVY_TARGET_MS, growth=True),
    Page("dashboard", "staff", lambda s: url_for("monitoring.dashboard", call=s.call_id), target_ms=HEAVY_TARGET_MS,
         growth=True),
    Page("ledger", "staff", lambda s: url_for("disbursements.ledger", call_id=s.call_id), growth=True),
    Page("letter PDF", "staff", lambda s: _if(s.letter_id, lambda i: url_for("disbursements.letter", letter_id=i))),
    Page("certificate PDF", "staff",
         lambda s: _if(s.enrolment_id, lambda i: url_for("training.certificate", enrolment_id=i))),
]


def people(s: Subjects) -> dict[str, int | None]:
    """Who signs in for each kind of page."""
    return {"staff": s.staff_id, "reviewer": s.reviewer_id, "applicant": s.applicant_id,
            "drafter": s.draft and s.draft[1], "scorer": s.review and s.review[1]}


def set_known_passwords(user_ids) -> None:
    """Generated people get passwords nobody knows; give the ones the run signs in as a known one (same hash)."""
    password_hash = hash_password(BENCH_PASSWORD)
    for user_id in {i for i in user_ids if i is not None}:
        db.session.get(User, user_id).password_hash = password_hash
    db.session.commit()


def login_data(user_id: int) -> dict:
    return {"email": db.session.get(User, user_id).email, "password": BENCH_PASSWORD}


def sign_in(app, user_id: int):
    """A test client with a signed-in session for the user (after set_known_passwords)."""
    with app.app_context():
        data = login_data(user_id)
    client = app.test_client()
    response = client.post("/login", data=data)
    response.close()
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {data['email']} failed ({response.status_code})")
    return client


# --- posting a form back ------------------------------------------------------------------------------------------

class _FormFields(HTMLParser):
    """The values a browser would send for the POST form whose action is `action` (or the page itself)."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.fields, self.inside = action, [], False
        self._select = self._option = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("action", "")
            self.inside = (a.get("method", "get").lower() == "post"
                           and (action in ("", self.action) or action.startswith(self.action + "?")))
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "file", "image"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select, self._first_option, self._chosen = a["name"], None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a and not self._chosen:
                self.fields.append((self._select, value))
                self._chosen = True
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            if not self._chosen and self._first_option is not None:
                self.fields.append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    parser = _FormFields(action)
    parser.feed(html)
    return parser.fields
