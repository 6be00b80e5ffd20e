"""HTTP response headers that keep pages from being framed, sniffed or fed scripts from elsewhere; two guards
that keep hostile form input (a file in a text field, a 400-digit number) from becoming a 500."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def file_fields_only_take_files():
    """Flask-WTF hands every form the request's files mixed in with its text, so a file posted under a text field's
    name reached that field's filters (`.strip()` on a FileStorage: a 500). Only file fields get files now; for a
    text field an upload under its name is as if the field was not sent."""
    from flask import request
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import CombinedMultiDict, MultiDict
    from wtforms.fields import FileField

    meta = FlaskForm.Meta
    if getattr(meta.wrap_formdata, "files_only_for_file_fields", False):
        return
    wrap_formdata = meta.wrap_formdata

    def only_file_fields(self, form, formdata):
        formdata = wrap_formdata(self, form, formdata)
        if isinstance(formdata, CombinedMultiDict) and request.files:
            file_fields = {field.name for field in form if isinstance(field, FileField)}
            files = MultiDict([(name, file) for name, file in request.files.items(multi=True) if name in file_fields])
            formdata = CombinedMultiDict((files, request.form))
        return formdata

    only_file_fields.files_only_for_file_fields = True
    meta.wrap_formdata = only_file_fields


def huge_numbers_fail_number_range():
    """WTForms' NumberRange calls math.isnan() on the value, which raises OverflowError for an integer of more
    than ~308 digits (a 500 from a form). Such a number is out of any range: check it as ±infinity instead, so
    the field shows the validator's own "between ... and ..." error."""
    import math

    from wtforms.validators import NumberRange

    call = NumberRange.__call__
    if getattr(call, "huge_numbers_checked", False):
        return

    def checked(self, form, field):
        try:
            return call(self, form, field)
        except OverflowError:
            data, field.data = field.data, math.inf if field.data > 0 else -math.inf
            try:
                return call(self, form, field)
            finally:
                field.data = data

    checked.huge_numbers_checked = True
    NumberRange.__call__ = checked
