"""Item forms: editing, and the list filter."""

from __future__ import annotations

from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from taskboard.formkit import choices, strip
from taskboard.models import Status
from taskboard.typed import FlaskForm

STATUS_CHOICES = [(s.value, s.label) for s in Status]


class ItemForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)], filters=[strip])
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=10000)], filters=[strip]
    )
    status = SelectField("Status", choices=choices(STATUS_CHOICES), default=Status.OPEN.value)
    assignee = SelectField("Assignee", coerce=int, default=0)
    due = DateField("Due", validators=[Optional()])
    tags = SelectMultipleField("Tags", coerce=int, validators=[Optional()])


class ItemFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: changes nothing

    q = StringField("Search", validators=[Optional(), Length(max=200)], filters=[strip])
    project = SelectField("Project", validators=[Optional()])
    status = SelectField(
        "Status", choices=choices([("", "Any status"), *STATUS_CHOICES]), validators=[Optional()]
    )
    assignee = SelectField(
        "Assignee",
        choices=choices([("", "Anyone"), ("me", "Assigned to me"), ("none", "Unassigned")]),
        validators=[Optional()],
    )
    tag = StringField("Tag", validators=[Optional(), Length(max=40)], filters=[strip])
