"""Which proxies' ``X-Forwarded-*`` headers to believe: as many as ``TASKBOARD_PROXY_COUNT``
says, none by default.

A client can write ``X-Forwarded-For`` itself. Believed when no proxy sets it, it would let a
client pick its own address, and so a fresh budget from every per-address rate limit at each
request. Behind ``n`` proxies, each appending the address it saw, the ``n``-th address from
the right is the client's as the nearest proxy saw it; anything further left the client wrote.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Believe ``X-Forwarded-For``, ``-Proto`` and ``-Host`` that many hops deep (werkzeug's
    ``ProxyFix``); with ``0``, the address and scheme are the connection's.

    :raises ValueError: the count is not a whole number of at least 0.
    """
    count = app.config["TASKBOARD_PROXY_COUNT"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"TASKBOARD_PROXY_COUNT must be a whole number >= 0, not {count!r}")
    if count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )
