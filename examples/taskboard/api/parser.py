"""The API's request parser: webargs' own, reading JSON bodies with :func:`taskboard.bodies.loads`
(bounded) instead of ``json.loads``. Every blueprint of the API is a :class:`Blueprint` of this
module, so no body reaches a schema any other way."""

from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from taskboard import bodies


class BoundedParser(FlaskParser):
    """Not JSON: ``400``, as webargs answers; JSON beyond the limits: ``422``; larger than
    ``MAX_CONTENT_LENGTH``: ``413`` (werkzeug, on reading)."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing  # no body: the schema says what was required
        try:
            return bodies.loads(data)
        except bodies.NotJson as error:
            abort(400, exc=error, messages={"json": ["Invalid JSON body."]})
        except bodies.OverLimits as error:
            abort(422, exc=error, messages={"json": [str(error)]})


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    """flask-smorest's blueprint, parsing with :class:`BoundedParser`."""

    ARGUMENTS_PARSER = BoundedParser()
