"""Settings forms."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from taskboard.formkit import EMAIL, choices, lower
from taskboard.models import Role
from taskboard.typed import FlaskForm


class ProfileForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(), EMAIL, Length(max=254)], filters=[lower]
    )


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", "Not the same.")],
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=choices((r.value, r.value.capitalize()) for r in Role))


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: changes nothing

    q = StringField("Search", validators=[Optional(), Length(max=254)], filters=[lower])
    role = SelectField(
        "Role",
        choices=choices([("", "Any role"), *((r.value, r.value.capitalize()) for r in Role)]),
        validators=[Optional()],
    )


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)])


class RevokeTokenForm(FlaskForm):
    """No fields: the CSRF token is what it checks."""


class AccountDeleteForm(FlaskForm):
    """The confirmation of an account's deletion (the extension's pages govern the rest)."""

    reason = TextAreaField(
        "Reason", validators=[Optional(), Length(max=500)], description="Kept in the log."
    )
    # The preview's confirm token: a delete takes exactly what the page showed, or nothing.
    token = HiddenField(
        validators=[DataRequired("Confirm on the confirmation page: the form had no token.")]
    )
    next = HiddenField()
