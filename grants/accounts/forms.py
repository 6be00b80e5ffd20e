"""Forms for accounts; every label and message is translatable and shown beside its field."""
import phonenumbers
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import Role

MIN_PASSWORD_LENGTH = 10
LANGUAGE_CHOICES = [("ar", "العربية"), ("en", "English")]


def phone_number(form, field):
    """Accept local Syrian numbers and international ones; store them in E.164 form."""
    try:
        number = phonenumbers.parse(field.data or "", "SY")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(_l("Enter a valid phone number, for example 0944 123 456 or +963 944 123 456."))
    field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_field(label=_l("Email")):
    return EmailField(
        label,
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address, like name@example.com."), check_deliverability=False),
            Length(max=254),
        ],
        filters=[lambda value: value.strip().lower() if value else value],
    )


def new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("The password must have at least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ."))],
    )
    return password, confirm


def full_name_field():
    return StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Enter your full name.")), Length(max=200)],
        filters=[lambda value: " ".join(value.split()) if value else value],
    )


class RegisterForm(FlaskForm):
    full_name = full_name_field()
    email = email_field()
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(_l("Enter your phone number.")), phone_number])
    password, confirm = new_password_fields()
    locale = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES, default="ar")


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password.")), Length(max=200)]
    )
    password, confirm = new_password_fields()


class ProfileForm(FlaskForm):
    full_name = full_name_field()
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(_l("Enter your phone number.")), phone_number])
    locale = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices():
    return [(role.value, role.title) for role in Role]


class InviteForm(FlaskForm):
    full_name = full_name_field()
    email = email_field()
    roles = MultiCheckboxField(_l("Roles"), choices=role_choices, validators=[DataRequired(_l("Choose at least one role."))])
    locale = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES)


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=role_choices, validators=[DataRequired(_l("Choose at least one role."))])
