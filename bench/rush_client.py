"""The applicants of a deadline rush: each one signs in, fills the five steps of the form, uploads its documents
and submits, over plain HTTP (the standard library only), timing every request.

Every applicant comes from its own address (X-Forwarded-For, as nginx would pass it; the server trusts it with
TRUST_PROXY_HEADERS=1), so the per-address login limit sees a thousand people, not one load generator.
"""
import http.client
import re
import secrets
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode, urlsplit

PASSWORD_FIELD = "password"
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')
_FILE_FIELD = re.compile(r'name="(file_\d+)"')
# Enough bytes to look like a scanned identity card; the server only sniffs the first ones.
PDF_BYTES = b"%PDF-1.4\n" + b"% scanned page\n" * 2000 + b"%%EOF\n"

FIRST_NAMES = [("أحمد", "Ahmad", "male"), ("فاطمة", "Fatima", "female"), ("محمد", "Mohammad", "male"),
               ("مريم", "Maryam", "female"), ("خالد", "Khaled", "male"), ("هبة", "Hiba", "female"),
               ("عمر", "Omar", "male"), ("نور", "Nour", "female")]
FAMILY_NAMES = [("الخلف", "Al-Khalaf"), ("العلي", "Al-Ali"), ("الحسن", "Al-Hasan"), ("الجاسم", "Al-Jasem"),
                ("الفرج", "Al-Faraj"), ("الشيخ", "Al-Sheikh")]
BUDGET = [("عدة تصليح", 1, 1_200_000), ("قطع غيار", 10, 50_000), ("إيجار ثلاثة أشهر", 3, 100_000)]
OWN_CONTRIBUTION = 200_000


class Unexpected(Exception):
    """A response the journey cannot go on from (it is recorded as an error already)."""


@dataclass
class Recorder:
    """Every request's time and outcome, shared by the applicant threads."""

    times: dict = field(default_factory=lambda: defaultdict(list))
    server_errors: int = 0
    unexpected: int = 0
    examples: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if status >= 500:
                self.server_errors += 1
            if not ok:
                self.unexpected += 1
                if len(self.examples) < 20:
                    self.examples.append(f"{kind}: HTTP {status} {detail}".strip())

    def problem(self, detail: str) -> None:
        """Something wrong in a page that came back with the expected status."""
        with self.lock:
            self.unexpected += 1
            if len(self.examples) < 20:
                self.examples.append(detail)


class Browser:
    """One applicant's cookies and address; sends one request at a time (a double click uses two Browsers
    sharing the same cookies)."""

    def __init__(self, host: str, port: int, address: str, recorder: Recorder, cookies: dict | None = None):
        self.host, self.port, self.address, self.recorder = host, port, address, recorder
        self.cookies = cookies if cookies is not None else {}
        self.connection = http.client.HTTPConnection(host, port, timeout=120)

    def twin(self) -> "Browser":
        return Browser(self.host, self.port, self.address, self.recorder, cookies=self.cookies)

    def request(self, kind: str, method: str, path: str, *, body: bytes | None = None, content_type=None,
                expect: int, location: str | None = None) -> tuple[str, str]:
        """Send, time, record; returns (body text, redirect path). A different status, or a redirect that does
        not start with `location`, is an error."""
        headers = {"X-Forwarded-For": self.address, "Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.recorder.add(kind, time.perf_counter() - started, 599, False, f"{type(error).__name__}: {error}")
            raise Unexpected(kind) from error
        elapsed = time.perf_counter() - started
        if response.will_close:
            self.connection.close()
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        redirect = urlsplit(response.headers.get("Location", "")).path
        ok = response.status == expect and (location is None or redirect.startswith(location))
        self.recorder.add(kind, elapsed, response.status, ok, f"{method} {path} -> {redirect}" if not ok else "")
        if not ok:
            raise Unexpected(kind)
        return text, redirect

    def get(self, kind, path, expect=200, location=None):
        return self.request(kind, "GET", path, expect=expect, location=location)

    def post(self, kind, path, fields, expect=302, location=None):
        return self.request(kind, "POST", path, body=urlencode(fields).encode(),
                            content_type="application/x-www-form-urlencoded", expect=expect, location=location)

    def post_files(self, kind, path, fields, files, expect=302, location=None):
        boundary = secrets.token_hex(12)
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, data, mime) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: {mime}\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(kind, "POST", path, body=b"".join(parts),
                            content_type=f"multipart/form-data; boundary={boundary}", expect=expect, location=location)

    def _keep_cookies(self, headers) -> None:
        for header in headers:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            if not value or "max-age=0" in attributes.lower() or "1970" in attributes:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


def csrf_of(page: str) -> str:
    tag = _CSRF.search(page)
    value = _VALUE.search(tag.group(0)) if tag else None
    if value is None:
        raise Unexpected("no CSRF token on the page")
    return value.group(1)


@dataclass
class Applicant:
    number: int
    email: str
    subdistrict_id: int
    sector_id: int
    browser: Browser | None = None
    application_id: int | None = None
    submit_token: str | None = None

    @property
    def address(self) -> str:
        return f"10.{self.number // 65536 % 256}.{self.number // 256 % 256}.{self.number % 256 + 1}"

    def step1(self) -> dict:
        first_ar, first_latin, gender = FIRST_NAMES[self.number % len(FIRST_NAMES)]
        family_ar, family_latin = FAMILY_NAMES[self.number // len(FIRST_NAMES) % len(FAMILY_NAMES)]
        age = 19 + self.number % 15  # 19 to 33 on the closing day: eligible
        return {"full_name_ar": f"{first_ar} {family_ar}", "full_name_latin": f"{first_latin} {family_latin}",
                "date_of_birth": date(date.today().year - age, 3, 15).isoformat(), "gender": gender,
                "national_id": f"0{8_000_000_000 + self.number}", "phone": f"+96394{self.number:07d}",
                "place_id": self.subdistrict_id, "education": "secondary", "current_work": "عامل مياومة",
                "disability": "none", "action": "continue"}

    def step2(self) -> dict:
        return {"business_name": f"ورشة رقم {self.number}", "sector_id": self.sector_id,
                "stage": "idea" if self.number % 3 else "existing", "women_led": "yes" if self.number % 2 else "no",
                "business_description": "ورشة لتصليح الدراجات النارية وبيع قطع الغيار في القرية.",
                "problem_and_customers": "لا توجد ورشة قريبة؛ الزبائن من سكان القرى المجاورة.",
                "jobs_women": "1", "jobs_men": "2", "partners": "", "action": "continue"}

    @staticmethod
    def step3() -> dict:
        fields = {"action": "continue"}
        for row, (item, quantity, unit_cost) in enumerate(BUDGET):
            fields |= {f"lines-{row}-item": item, f"lines-{row}-quantity": str(quantity),
                       f"lines-{row}-unit_cost": f"{unit_cost:,}"}
        total = sum(quantity * unit_cost for _, quantity, unit_cost in BUDGET)
        return fields | {"own_contribution": str(OWN_CONTRIBUTION), "requested_amount": str(total - OWN_CONTRIBUTION)}


def sign_in(browser: Browser, applicant: Applicant, password: str) -> None:
    page, _ = browser.get("login page", "/login")
    browser.post("login", "/login", {"csrf_token": csrf_of(page), "email": applicant.email,
                                     PASSWORD_FIELD: password})


def fill_draft(browser: Browser, applicant: Applicant, call_code: str, password: str) -> None:
    """Sign in, start the application and fill steps 1 to 4; leaves the browser on step 5 (review)."""
    applicant.browser = browser
    sign_in(browser, applicant, password)
    page, _ = browser.get("call page", f"/calls/{call_code}")
    _, redirect = browser.post("start", f"/calls/{call_code}/apply", {"csrf_token": csrf_of(page)},
                               location="/applications/")
    application_id = int(redirect.split("/")[2])
    applicant.application_id = application_id
    base = f"/applications/{application_id}/step"
    for step, answers in ((1, applicant.step1()), (2, applicant.step2()), (3, applicant.step3())):
        page, _ = browser.get(f"step {step} GET", f"{base}/{step}")
        browser.post(f"step {step} POST", f"{base}/{step}", answers | {"csrf_token": csrf_of(page)},
                     location=f"{base}/{step + 1}")
    page, _ = browser.get("step 4 GET", f"{base}/4")
    files = {name: (f"{name}.pdf", PDF_BYTES, "application/pdf") for name in sorted(set(_FILE_FIELD.findall(page)))
             if name != "file_other"}
    browser.post_files("step 4 POST (upload)", f"{base}/4", {"csrf_token": csrf_of(page), "action": "continue"},
                       files, location=f"{base}/5")
    page, _ = browser.get("step 5 GET", f"{base}/5")
    applicant.submit_token = csrf_of(page)


def submit(applicant: Applicant, *, double_click: bool, kind: str = "submit") -> None:
    """Press submit (twice at once for a double click); both presses must land on the application's page."""
    path = f"/applications/{applicant.application_id}"
    fields = {"csrf_token": applicant.submit_token}
    if not double_click:
        applicant.browser.post(kind, f"{path}/submit", fields, location=path)
        return
    presses = [applicant.browser, applicant.browser.twin()]
    failures = []

    def press(browser):
        try:
            browser.post(kind, f"{path}/submit", fields, location=path)
        except Unexpected as error:
            failures.append(error)

    threads = [threading.Thread(target=press, args=(browser,)) for browser in presses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def read_receipt_page(applicant: Applicant, call_code: str, *, submitted: bool, kind: str = "application page") -> None:
    """The application's page shows its reference once submitted, and none while it is a draft."""
    page, _ = applicant.browser.get(kind, f"/applications/{applicant.application_id}")
    if (f"{call_code}-" in page) != submitted:
        applicant.browser.recorder.problem(f"{kind} of application {applicant.application_id}: " + (
            "no reference after submitting" if submitted else "a reference after the deadline"))
