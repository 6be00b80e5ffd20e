"""Key pages of the demo program in Chromium at phone (360 px) and desktop (1280 px) widths: a screenshot of each
into tests/e2e/artifacts/, and at 360 px no page may scroll sideways."""
import pytest
from sqlalchemy import select

from grants.demo import DEMO_PASSWORD
from grants.disbursements.services import letter_token
from grants.extensions import db
from grants.models import Application, ApplicationStatus, Call, Grant, Letter, Review, User

from .conftest import screenshot, scrolls_sideways

WIDTHS = (360, 1280)


def _urls() -> dict[str, tuple[str | None, str]]:
    """name -> (who signs in, path), with the ids the demo happened to get."""
    def user_id(email):
        return db.session.scalar(select(User.id).where(User.email == email))

    def call_id(code):
        return db.session.scalar(select(Call.id).where(Call.code == code))

    applicant = "applicant3@example.org"
    draft = db.session.scalar(select(Application.id).where(
        Application.applicant_id == user_id(applicant), Application.call_id == call_id("DZ26A"),
        Application.status == ApplicationStatus.DRAFT))
    review = db.session.scalar(select(Review.id).where(Review.reviewer_id == user_id("reviewer1@example.org"))
                               .order_by(Review.id))
    letter = db.session.scalar(select(Letter).order_by(Letter.id))
    grant = db.session.scalar(select(Grant.id).order_by(Grant.id))
    return {
        "home": (None, "/"),
        "registration": (None, "/register"),
        "application-form": (applicant, f"/applications/{draft}/step/1"),
        "applicant-dashboard": (applicant, "/my/applications"),
        "reviewer-scoring": ("reviewer1@example.org", f"/reviews/{review}"),
        "ranking": ("staff@example.org", f"/staff/calls/{call_id('DZ25B')}/ranking"),
        "proposal": ("staff@example.org", f"/staff/calls/{call_id('DZ24C')}/decisions"),
        "grant": ("staff@example.org", f"/disbursements/grants/{grant}"),
        "letter-verification": (None, f"/verify/letter/{letter_token(letter)}"),
    }


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form input[name=password]").press("Enter")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in"


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_key_pages_fit_a_phone_and_a_desktop(demo_server, context_factory, locale):
    with demo_server.app.app_context():
        urls = _urls()
        # Signed-in users see their saved language; the screenshots are per language.
        db.session.execute(db.update(User).values(locale=locale))
        db.session.commit()
    wide = []
    for width in WIDTHS:
        contexts = {}
        for name, (email, path) in urls.items():
            if email not in contexts:
                contexts[email] = context_factory(locale=locale, width=width).new_page()
                if email:
                    sign_in(contexts[email], demo_server.url, email)
            page = contexts[email]
            response = page.goto(demo_server.url + path)
            assert response.ok, f"{name} {path}: {response.status}"
            assert page.locator("html").get_attribute("lang") == locale
            screenshot(page, f"{name}-{locale}-{width}")
            if width == 360 and scrolls_sideways(page):
                wide.append(f"{name} ({path}): {page.evaluate('document.documentElement.scrollWidth')} px")
    assert not wide, "scrolls sideways at 360 px: " + "; ".join(wide)
