"""The 500s the form fuzzer (test_fuzz_forms.py) found, each pinned by the smallest request that caused it.

1. A file posted under a text field's name reached the field's filters (`.strip()` on a FileStorage): Flask-WTF
   mixes request.files into every form's data. Now only file fields take files (grants/security.py).
2. An integer of more than ~308 digits made WTForms' NumberRange raise OverflowError (math.isnan on an int too
   large for a float). Now it fails the range with the validator's own message (grants/security.py).
"""
from io import BytesIO

from grants.extensions import db
from grants.models import Call, User

from ..fixtures.program import TINY_PDF, make_call
from ..fixtures.routes import error_of, signed_in_client, text


def test_a_file_under_a_text_fields_name_is_ignored_not_a_500(app, client, make_user):
    response = client.post("/login", content_type="multipart/form-data",
                           data={"email": (BytesIO(b"x"), "a.txt"), "password": "whatever"})
    assert response.status_code == 200 and error_of(text(response), "email")

    account = make_user("applicant", locale="en", name="Sara")
    signed_in = signed_in_client(app, account)
    response = signed_in.post("/profile", content_type="multipart/form-data",
                              data={"full_name": (BytesIO(TINY_PDF), "name.pdf"), "phone": "+963944000001",
                                    "locale": "en"})
    assert response.status_code == 302  # as if the name was not sent: the form keeps the saved one
    with app.app_context():
        assert db.session.get(User, account.id).full_name == "Sara"


def test_file_fields_still_take_their_files(app, make_user, tmp_path):
    from grants.models import Document

    from ..fixtures.program import make_application

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    owner = make_user("applicant", locale="en")
    application_id = make_application(app, owner.id, make_call(app), documents=False)
    response = signed_in_client(app, owner).post(
        f"/applications/{application_id}/step/4", content_type="multipart/form-data",
        data={"file_other": (BytesIO(TINY_PDF), "plan.pdf", "application/pdf"), "action": "save"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Document).filter_by(application_id=application_id).count() == 1


def test_a_number_too_large_for_a_float_fails_its_range_not_a_500(app, make_user):
    call_id = make_call(app)
    staff = signed_in_client(app, make_user("staff", locale="en"))
    with app.app_context():
        before = db.session.get(Call, call_id).response_days
    for huge in ("1" * 400, "-" + "9" * 400):
        response = staff.post(f"/staff/calls/{call_id}/decision-settings",
                              data={"response_days": huge, "fit_policy": "skip"})
        assert response.status_code == 200
        assert error_of(text(response), "response_days").startswith("Enter a number of days from 1 to")
    with app.app_context():
        assert db.session.get(Call, call_id).response_days == before
