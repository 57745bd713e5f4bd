"""The production entry point: ``gunicorn 'taskboard.wsgi:app'``.

Configure it through the environment (``DATABASE_URL``, ``SECRET_KEY``,
``RATELIMIT_STORAGE_URI``, ``TASKBOARD_*``) or the instance folder's ``config.py``; run
``flask --app taskboard db upgrade`` before starting new code.
"""

from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

from . import create_app

app = create_app()
# Behind one reverse proxy (the usual deployment), trust its X-Forwarded-* headers.
app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
