"""The production entry point: ``gunicorn 'taskboard.wsgi:app'``.

Configure it through the environment (``DATABASE_URL``, ``SECRET_KEY``,
``RATELIMIT_STORAGE_URI``, ``TASKBOARD_*``) or the instance folder's ``config.py``; run
``flask --app taskboard db upgrade`` before starting new code. Behind a reverse proxy, say how
many with ``TASKBOARD_PROXY_COUNT`` (``1`` for the usual one): only then are its
``X-Forwarded-*`` headers believed.
"""

from __future__ import annotations

from . import create_app

app = create_app()
