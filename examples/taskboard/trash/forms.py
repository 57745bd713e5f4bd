"""Restore and purge forms."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from taskboard.deletion.services import REASON_LENGTH
from taskboard.formkit import choices
from taskboard.operations.forms import MODELS
from taskboard.typed import FlaskForm


class RestoreForm(FlaskForm):
    with_parents = HiddenField()  # "1": restore the deletions this one depends on too
    next = HiddenField()


class PurgeForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired(message="Say why: purges are permanent."),
            Length(max=REASON_LENGTH),
        ],
    )


class TrashFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: changes nothing

    model = SelectField("Kind", choices=choices(MODELS), validators=[Optional()])
