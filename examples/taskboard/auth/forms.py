"""Registration and login forms."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from taskboard.formkit import EMAIL, lower
from taskboard.typed import FlaskForm

USERNAME = Regexp(
    r"^[a-z0-9][a-z0-9_.-]*$",
    message="Lowercase letters, digits, dots, dashes and underscores, starting with a "
    "letter or digit.",
)


class RegisterForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired(), Length(min=2, max=40), USERNAME], filters=[lower]
    )
    email = EmailField(
        "Email", validators=[DataRequired(), EMAIL, Length(max=254)], filters=[lower]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        "Repeat the password", validators=[DataRequired(), EqualTo("password", "Not the same.")]
    )


class LoginForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired(), Length(max=254)], filters=[lower]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in")
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logging out changes state: a POST with a CSRF token, like every other change."""
