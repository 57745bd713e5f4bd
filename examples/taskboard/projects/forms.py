"""Project forms."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from taskboard.formkit import choices, lower, strip
from taskboard.typed import FlaskForm


class ProjectForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)], filters=[strip])
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=5000)], filters=[strip]
    )


class MemberForm(FlaskForm):
    username = StringField(
        "Add a member",
        validators=[DataRequired(), Length(max=40)],
        filters=[lower],
        description="Their username.",
    )


class TransferForm(FlaskForm):
    owner = SelectField("New owner", coerce=int, validate_choice=True)


class ActionForm(FlaskForm):
    """A bare POST (remove a member...): only the CSRF token."""


class ProjectFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: changes nothing

    q = StringField("Search", validators=[Optional(), Length(max=120)], filters=[strip])
    role = SelectField(
        "Show",
        choices=choices(
            [("", "All my projects"), ("owner", "Owned by me"), ("member", "I'm a member")]
        ),
        validators=[Optional()],
    )
