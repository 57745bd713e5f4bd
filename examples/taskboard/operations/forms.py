"""The log's filter, and the Undo form."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from taskboard.formkit import choices, lower
from taskboard.typed import FlaskForm

KINDS = [
    ("", "Any action"),
    ("delete", "Deleted"),
    ("hard_delete", "Deleted permanently"),
    ("restore", "Restored"),
    ("purge", "Purged"),
]
MODELS = [
    ("", "Anything"),
    ("Project", "Projects"),
    ("Item", "Items"),
    ("Comment", "Comments"),
    ("Tag", "Tags"),
    ("User", "Accounts"),
]


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: changes nothing

    kind = SelectField("Action", choices=choices(KINDS), validators=[Optional()])
    model = SelectField("Kind", choices=choices(MODELS), validators=[Optional()])
    actor = StringField("By", validators=[Optional(), Length(max=40)], filters=[lower])
    project = SelectField("Project", validators=[Optional()])


class UndoForm(FlaskForm):
    next = HiddenField()
