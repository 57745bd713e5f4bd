"""The comment form."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from taskboard.formkit import strip
from taskboard.typed import FlaskForm


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired(), Length(max=5000)], filters=[strip])
