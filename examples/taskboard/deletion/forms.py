"""The confirmation form of every delete (single or bulk)."""

from __future__ import annotations

from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from taskboard.typed import FlaskForm

from .services import REASON_LENGTH


class DeleteForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[Optional(), Length(max=REASON_LENGTH)],
        description="Kept in the operations log. Required to delete permanently.",
    )
    hard = HiddenField()  # "1": delete permanently (admins)
    # The preview's confirm token: a delete takes exactly what the page showed, or nothing.
    token = HiddenField(
        validators=[DataRequired("Confirm on the confirmation page: the form had no token.")]
    )
    next = HiddenField()
