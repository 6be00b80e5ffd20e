"""The whole program in Chromium, once per language: an applicant registers and applies, reviewers score, staff decide,
the grantee accepts and trains, a tranche is requested and approved by two staff members, and its letter verifies.

What the journey needs but is not about (the call, its rubric and budget, staff and reviewer accounts, a course) is
made with the demo helpers; every step of the journey itself goes through the pages, by their visible labels."""
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from grants.demo import DEMO_PASSWORD, _make_call, seed_accounts
from grants.extensions import db
from grants.models import Application, Course, Grant, Tranche, User

from ..fixtures.i18n import translated
from ..fixtures.training import make_course
from .conftest import screenshot

PASSWORD = "a-long-e2e-passphrase"
TINY_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
            b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x8a\x1d\x00\x00\x00\x00IEND\xaeB`\x82")


def small_pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 760, text)
    page.save()
    return buffer.getvalue()


def _program():
    seed_accounts()
    call = _make_call("E2E26", "منح الرحلة الكاملة", "Whole journey grants", opens_in=timedelta(days=-5),
                      closes_in=timedelta(days=20))
    db.session.flush()
    return call.id, call.code


@pytest.fixture
def program(live_server):
    call_id, code = live_server.run(_program)
    # Two sessions: the first has started (attendance can be taken), the second has not (enrolment is open).
    course_id = make_course(live_server.app, calls=(call_id,), sessions=2, starts_in=timedelta(hours=-1))
    return {"call_id": call_id, "code": code, "course_id": course_id}


class Journey:
    def __init__(self, server, context_factory, locale):
        self.server, self.locale, self.context_factory = server, locale, context_factory
        self.url = server.url

    def t(self, msgid, **variables):
        return translated(self.server.app, msgid, self.locale, **variables)

    def button(self, page, msgid, **variables):
        return page.get_by_role("button", name=self.t(msgid, **variables), exact=True)

    def label(self, page, msgid):
        return page.get_by_label(self.t(msgid), exact=True)

    def person(self, email=None, password=DEMO_PASSWORD):
        page = self.context_factory(locale=self.locale).new_page()
        if email:
            self.sign_in(page, email, password)
        return page

    def sign_in(self, page, email, password=DEMO_PASSWORD):
        page.goto(f"{self.url}/login")
        self.label(page, "Email").fill(email)
        self.label(page, "Password").fill(password)
        self.button(page, "Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)

    def says(self, page, msgid, **variables):
        text = self.t(msgid, **variables)
        page.get_by_text(text, exact=False).first.wait_for()

    def mail_to(self, email, pattern):
        self.server.deliver_mail()
        for message in reversed(self.server.smtp.to(email)):
            found = re.search(pattern, self.server.smtp.text_of(message))
            if found:
                return found
        raise AssertionError(f"no email to {email} matching {pattern}: "
                             f"{[self.server.smtp.text_of(m) for m in self.server.smtp.to(email)][-1:]}")

    def one(self, query):
        with self.server.app.app_context():
            return db.session.scalar(query)


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_whole_program(live_server, program, context_factory, locale, tmp_path):
    j = Journey(live_server, context_factory, locale)
    # Staff and reviewers see their saved language: the journey's.
    live_server.run(lambda: db.session.execute(db.update(User).values(locale=locale)))
    t, url = j.t, live_server.url
    email = f"grantee-{locale}@example.org"

    # --- the applicant registers and confirms the address from the email
    applicant = j.person()
    applicant.goto(url + "/register")
    j.label(applicant, "Full name").fill("سارة أحمد الحداد")
    j.label(applicant, "Email").fill(email)
    j.label(applicant, "Mobile phone").fill("0944 123 456")
    j.label(applicant, "Password").fill(PASSWORD)
    j.label(applicant, "Repeat the password").fill(PASSWORD)
    j.label(applicant, "Preferred language").select_option(locale)
    j.button(applicant, "Create my account").click()
    applicant.wait_for_url("**/register/done")
    link = j.mail_to(email, r"https?://\S+/verify-email/\S+").group(0)
    assert link.startswith(url)
    applicant.goto(link)
    j.says(applicant, "Thank you, your email address is confirmed.")
    j.sign_in(applicant, email, PASSWORD)

    # --- applies with real files and submits
    applicant.goto(f"{url}/calls/{program['code']}")
    j.button(applicant, "Apply").click()
    applicant.wait_for_url("**/step/1")
    j.label(applicant, "Full name in Arabic").fill("سارة أحمد الحداد")
    j.label(applicant, "Full name in Latin letters").fill("Sara Ahmad Al-Haddad")
    j.label(applicant, "Date of birth").fill("1999-05-17")
    applicant.locator("input[name=gender][value=female]").check()
    j.label(applicant, "National ID number").fill("08012345678")
    j.label(applicant, "Mobile phone").fill("0944 123 456")
    j.label(applicant, "Where you live (subdistrict)").select_option(index=1)
    j.label(applicant, "Education").select_option(index=1)
    j.label(applicant, "Current work").fill("خياطة")
    j.button(applicant, "Save and continue").click()
    applicant.wait_for_url("**/step/2")
    j.label(applicant, "Name of the business").fill("ورشة سارة للخياطة")
    j.label(applicant, "Sector").select_option(index=1)
    applicant.locator("input[name=stage]").first.check()
    applicant.locator("input[name=women_led][value=yes]").check()
    j.label(applicant, "What the business does").fill("خياطة الزي المدرسي.")
    j.label(applicant, "The problem it solves and who its customers are").fill("العائلات في البصيرة.")
    j.label(applicant, "Jobs it will create for women").fill("2")
    j.label(applicant, "Jobs it will create for men").fill("0")
    j.button(applicant, "Save and continue").click()
    applicant.wait_for_url("**/step/3")
    applicant.locator("[name='lines-0-item']").fill("ماكينة خياطة")
    applicant.locator("[name='lines-0-quantity']").fill("2")
    applicant.locator("[name='lines-0-unit_cost']").fill("600000")
    j.label(applicant, "Your own contribution").fill("200000")
    j.label(applicant, "Amount requested").fill("1000000")
    j.button(applicant, "Save and continue").click()
    applicant.wait_for_url("**/step/4")
    identity, workplace = tmp_path / "identity.pdf", tmp_path / "workplace.png"
    identity.write_bytes(small_pdf("Identity card of Sara Al-Haddad"))
    workplace.write_bytes(TINY_PNG)
    files = applicant.locator("input[type=file]")
    files.nth(0).set_input_files(str(identity))
    files.nth(1).set_input_files(str(workplace))
    j.button(applicant, "Save and continue").click()
    applicant.wait_for_url("**/step/5")
    j.button(applicant, "Submit my application").click()
    j.says(applicant, "My applications")
    application_id = j.one(select(Application.id).join(Application.applicant).where(
        Application.call_id == program["call_id"]))
    with live_server.app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status.value == "submitted" and len(application.documents) == 2
        reference = application.reference
    j.mail_to(email, re.escape(reference))

    # --- staff close the call, assign reviewers and start the review
    staff = j.person("staff@example.org")
    staff.goto(f"{url}/staff/calls/{program['call_id']}")
    staff.once("dialog", lambda dialog: dialog.accept())
    j.button(staff, "Close the call").click()
    staff.goto(f"{url}/staff/calls/{program['call_id']}/reviewers")
    j.button(staff, "Assign automatically").click()
    staff.goto(f"{url}/staff/calls/{program['call_id']}")
    j.button(staff, "Start the review").click()

    # --- three reviewers score
    for number, score in ((1, "4"), (2, "4"), (3, "3")):
        reviewer = j.person(f"reviewer{number}@example.org")
        reviewer.goto(f"{url}/reviews")
        reviewer.get_by_role("row").filter(has_text=reference).get_by_role(
            "link", name=t("Start scoring"), exact=True).click()
        for group in reviewer.get_by_role("radiogroup").all():
            group.locator(f"input[value='{score}']").check()
        reviewer.locator("[name=recommendation]").first.check() if reviewer.locator(
            "input[name=recommendation]").count() else reviewer.locator("[name=recommendation]").select_option(index=1)
        j.button(reviewer, "Submit").click()
        reviewer.wait_for_url("**/reviews")

    # --- staff rank, generate the proposal and release the decisions
    staff.goto(f"{url}/staff/calls/{program['call_id']}/ranking")
    assert reference in staff.content()
    staff.goto(f"{url}/staff/calls/{program['call_id']}/decisions")
    j.button(staff, "Generate the funding proposal").click()
    staff.locator(f"tr[data-reference='{reference}'].outcome-approved").wait_for()
    staff.goto(f"{url}/staff/calls/{program['call_id']}/release")
    staff.get_by_role("button", name=re.compile(re.escape(t("Release and send %(count)s emails", count="§"))
                                                .replace("§", ".+"))).click()
    staff.wait_for_load_state()

    # --- the applicant reads the decision email and accepts
    mail = j.mail_to(email, r"(https?://\S+/my/applications)\s")
    assert reference in mail.string
    applicant.goto(mail.group(1))
    applicant.get_by_role("link", name=t("See the decision"), exact=True).click()
    conditions = applicant.locator("input[type=checkbox]")
    for index in range(conditions.count()):
        conditions.nth(index).check()
    j.button(applicant, "Accept the award").click()
    applicant.wait_for_load_state()
    grant_id = j.one(select(Grant.id).where(Grant.application_id == application_id))
    assert grant_id, "accepting the award made no grant"

    # --- enrols in the course; staff take attendance of its first session
    applicant.goto(f"{url}/training/courses/{program['course_id']}")
    j.button(applicant, "Enrol").click()
    applicant.wait_for_load_state()
    with live_server.app.app_context():
        first_session = db.session.get(Course, program["course_id"]).sessions[0].id
    staff.goto(f"{url}/training/manage/sessions/{first_session}/attendance")
    staff.get_by_label("سارة أحمد الحداد").check()
    j.button(staff, "Save attendance").click()
    staff.wait_for_load_state()
    staff.goto(f"{url}/training/manage/sessions/{first_session}/attendance")
    assert staff.get_by_label("سارة أحمد الحداد").is_checked()

    # --- a tranche requested by one staff member, approved by another; the letter is issued and downloaded
    tranche_id = j.one(select(Tranche.id).where(Tranche.grant_id == grant_id).order_by(Tranche.number))
    staff.goto(f"{url}/disbursements/grants/{grant_id}")
    staff.locator(f"#request-{tranche_id}").click()
    staff.locator(f"#waiting-{tranche_id}").wait_for()
    approver = j.person("staff2@example.org")
    approver.goto(f"{url}/disbursements/grants/{grant_id}")
    j.button(approver, "Approve the payment").click()
    j.button(approver, "Issue the disbursement letter").click()
    with approver.expect_download() as download:
        approver.get_by_role("link", name=t("Download the letter"), exact=True).click()
    letter = PdfReader(download.value.path()).pages
    letter_text = "\n".join(page.extract_text() or "" for page in letter)
    assert "Sara Ahmad Al-Haddad" in letter_text
    verify = re.search(r"https?://\S+/verify/letter/\S+", letter_text).group(0)

    # --- the QR's address says the letter is valid
    anyone = j.person()
    anyone.goto(verify)
    assert anyone.locator("#verify-result").get_attribute("data-status") == "valid"
    assert anyone.locator("#verify-result").inner_text().strip() == t("This letter is valid: the program issued it.")
    screenshot(anyone, f"journey-verified-{locale}")
