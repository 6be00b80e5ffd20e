"""Random data posted to every form, as every role, never gets a 500.

The endpoints, their URL values and the objects they refer to come from the permission matrix
(tests/test_permissions.py MATRIX and its `world` fixture). For each role the test signs in (as the owner of the
world's objects where there is one, so the owner's forms are reached, not only the 403), reads the forms on every
page that role can open to learn each form's field names and choices, then hypothesis posts random MultiDicts to
every URL that accepts POST: the form's own fields with hostile text, huge, negative and Arabic-digit numbers,
empty values, several values per key, random files, plus unknown keys.

Reproducible: derandomize=True and no example database. Examples accumulate in one world per role (a deactivated
user, a closed call ...); whatever state they leave, the next POST must still get an answer below 500.
Every POST endpoint gets EXAMPLES_ALLOWED examples where the role may use it (its owner, or a role the matrix
allows), EXAMPLES_DENIED where it is refused; on both databases (about 1 to 1.5 minutes each with -n 2).
"""
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from grants.extensions import db
from grants.models import User

from ..fixtures.accounts import PASSWORD, AuthActions
from ..fixtures.permissions import LOGIN
from ..test_permissions import MATRIX, world  # noqa: F401  (world is the fixture these tests use)

EXAMPLES_ALLOWED, EXAMPLES_DENIED = 5, 1

# Endpoints that end the session or change who can do anything next run last, so the other forms are reached first.
LAST = ("accounts.logout", "admin.deactivate", "calls.archive", "calls.close_call", "calls.mark_decided",
        "accounts.set_language", "accounts.change_password")

HOSTILE = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'; DROP TABLE users; --", "' OR '1'='1",
    "\u202egnp.exe", "a\u200bb\u200dc\ufeff", "👩\u200d👩\u200d👧\u200d👦🇸🇾", "\x00", "line\r\nbreak", "{{ 7*7 }}",
    "%s%n", "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", " ", "", "x" * 10_050, "محمد" * 3000,
]
NUMBERS = ["0", "-1", "-999999999999", "9" * 40, "1e309", "nan", "inf", "-0", "0.0000001", "1,000", "١٢٣٤٥",
           "۱۲۳", "0x1f", "12abc", "1" * 400, "2026-13-45", "2026-02-30", "9999-12-31", "0001-01-01", "true"]
ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    "\u202e\u202d\u200b\u200d\ufeff\x00\n\r\t<>&\"'=+-@٠١٢٣")
TEXT = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(NUMBERS), st.text(ALPHABET, max_size=60))
FILE_BYTES = st.one_of(st.binary(max_size=64), st.sampled_from([b"%PDF-1.4\n%hostile", b"\x89PNG\r\n\x1a\n",
                                                                b"\xff\xd8\xff\xe0", b"MZ\x90\x00", b""]))
FILE_NAMES = st.sampled_from(["../../etc/passwd.pdf", "C:\\evil\\x.pdf", "a\x00b.pdf", "new\nline.pdf",
                              "quo\"te's.pdf", "\u202efdp.exe", "x" * 600 + ".pdf", "تقرير.pdf", ".pdf", " "])


class FormReader(HTMLParser):
    """The POST forms of a page: action path -> {field name: option values (empty for free text)}."""

    def __init__(self, page_path):
        super().__init__()
        self.page_path, self.forms, self.by_id = page_path, {}, {}
        self.current = self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() != "post":
                self.current = None
                return
            action = urlsplit(attrs.get("action") or self.page_path).path
            self.current = self.forms.setdefault(action, {})
            if attrs.get("id"):
                self.by_id[attrs["id"]] = self.current
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            fields = self.by_id.get(attrs.get("form"), self.current)
            if fields is None:
                return
            values = fields.setdefault(attrs["name"], [])
            if tag in ("input", "button") and attrs.get("type") in ("checkbox", "radio", "submit", "hidden"):
                values.append(attrs.get("value") or "y")
            if tag == "select":
                self.select = values
        elif tag == "option" and self.select is not None and attrs.get("value") is not None:
            self.select.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.current = None


def field_value(choices):
    """A value for one field: one of its own choices sometimes, else hostile text, numbers or a file."""
    own = [st.sampled_from(choices)] if choices else []
    file = st.tuples(FILE_BYTES, FILE_NAMES).map(lambda pair: (BytesIO(pair[0]), pair[1]))
    return st.one_of(*own, TEXT, file)


def post_data(fields):
    """A MultiDict: a random subset of the form's fields, each with one to three values, plus unknown keys."""
    names = sorted(fields)

    @st.composite
    def build(draw):
        data = MultiDict()
        for name in draw(st.lists(st.sampled_from(names), max_size=len(names) + 3)) if names else ():
            for _ in range(draw(st.integers(1, 3) if draw(st.booleans()) else st.just(1))):
                data.add(name, draw(field_value(fields[name])))
        for key in draw(st.lists(st.sampled_from(["unknown", "id", "status", "user_id", "csrf_token", "__class__",
                                                   "field[0]", "x" * 300]), max_size=2)):
            data.add(key, draw(TEXT))
        return data

    return build()


def _email_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).email


# (label, matrix role, who signs in): the owners of the world's objects besides one fresh user per role.
ACTORS = [("anonymous", "anonymous", None), ("applicant", "applicant", "fresh"), ("grantee", "applicant", "target"),
          ("draft owner", "applicant", "draft_owner"), ("reviewer", "reviewer", "reviewer"),
          ("staff", "staff", "fresh"), ("admin", "admin", "fresh")]


def _sign_in(app, client, make_user, objects, role, who):
    if who is None:
        return
    email = {"fresh": None, "target": _email_of(app, objects["target"]), "reviewer": _email_of(app, objects["reviewer"]),
             "draft_owner": "other@example.org"}[who]
    account = make_user(role) if email is None else email
    response = AuthActions(client).login(account, PASSWORD)
    assert response.status_code == 302, (role, who)


def _urls(app, objects):
    """Every matrix endpoint as (endpoint, url, methods the rule accepts)."""
    methods = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}
    with app.test_request_context():
        return [(endpoint, url_for(endpoint, **{k: objects.get(v, v) for k, v in values.items()}), methods[endpoint],
                 expected)
                for endpoint, (method, values, expected) in sorted(MATRIX.items()) if endpoint != "static"]


def _read_forms(client, urls):
    forms = {}
    for endpoint, url, methods, _expected in urls:
        if "GET" not in methods:
            continue
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            reader = FormReader(urlsplit(url).path)
            reader.feed(response.get_data(as_text=True))
            for action, fields in reader.forms.items():
                for name, values in fields.items():
                    forms.setdefault(action, {}).setdefault(name, []).extend(values)
    return {action: {name: sorted(set(values)) for name, values in fields.items()} for action, fields in forms.items()}


def assert_no_server_error(response, url, data):
    body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
    shown = {key: [v if isinstance(v, str) else "<file>" for v in data.getlist(key)][:3] for key in data}
    assert response.status_code < 500, (url, response.status_code, {k: [str(v)[:80] for v in vs]
                                                                       for k, vs in shown.items()})
    assert "Traceback (most recent call last)" not in body, url


@pytest.fixture
def fuzz_world(app, world):  # noqa: F811
    """The matrix's world, plus the year's letter counter its directly written letter DL-<year>-000001 would have
    moved (so a reissued letter gets number 2, as in the app, not a duplicate 1)."""
    from grants.models import Letter, LetterCounter

    with app.app_context():
        letter = db.session.get(Letter, world["letter"])
        db.session.add(LetterCounter(year=letter.year, last_number=letter.sequence))
        db.session.commit()
    return world


@pytest.mark.parametrize("label,role,who", ACTORS, ids=[actor[0] for actor in ACTORS])
def test_random_posts_never_get_a_server_error(app, make_user, fuzz_world, label, role, who):
    objects = fuzz_world
    client = app.test_client()
    _sign_in(app, client, make_user, objects, role, who)
    urls = _urls(app, objects)
    forms = _read_forms(client, urls)
    assert forms  # the crawl found the forms this role is shown (at least sign-in or sign-out and language)
    targets = sorted((item for item in urls if "POST" in item[2]), key=lambda item: (item[0] in LAST, item[0]))
    assert len(targets) > 40  # the walk reaches the app's forms, not a handful
    for endpoint, url, _methods, expected in targets:
        allowed = expected[role] not in (LOGIN, 403, 404) or who not in (None, "fresh")
        examples = EXAMPLES_ALLOWED if allowed else EXAMPLES_DENIED
        fields = forms.get(urlsplit(url).path, {})

        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(post_data(fields))
        def posting(data):
            response = client.post(url, data=data)
            response.close()
            assert_no_server_error(response, url, data)

        posting()
        if who is not None and endpoint in LAST and _signed_out(client):
            _sign_in(app, client, make_user, objects, role, who)


def _signed_out(client):
    return client.get("/profile").status_code == 302


def test_the_form_reader_finds_fields_choices_and_outside_inputs():
    reader = FormReader("/page")
    reader.feed('<form method="post" id="f"><input name="a"><select name="s"><option value="1">x</option>'
                '<option value="2">y</option></select><textarea name="t"></textarea></form>'
                '<input form="f" type="checkbox" name="c" value="9"><form method="get"><input name="q"></form>'
                '<form method="post" action="/other?x=1"><input type="file" name="f"></form>')
    assert reader.forms == {"/page": {"a": [], "s": ["1", "2"], "t": [], "c": ["9"]}, "/other": {"f": []}}


def test_a_post_with_a_file_and_hostile_text_is_built_as_a_multidict():
    @settings(max_examples=20, derandomize=True, database=None)
    @given(post_data({"name": [], "kind": ["a", "b"]}))
    def check(data):
        assert isinstance(data, MultiDict)
        assert set(data) <= {"name", "kind", "unknown", "id", "status", "user_id", "csrf_token", "__class__",
                             "field[0]", "x" * 300}

    check()

