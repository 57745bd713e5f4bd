"""The tag form."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from taskboard.formkit import lower
from taskboard.typed import FlaskForm


class TagForm(FlaskForm):
    name = StringField(
        "Tag",
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[\w][\w .+#-]*$", message="Letters, digits, spaces and . + # - only."),
        ],
        filters=[lower],
    )
