"""Behind a load balancer: trust its ``X-Forwarded-*`` headers for exactly the configured number of hops.

``LIMS_TRUSTED_PROXIES=1`` (one load balancer in front of gunicorn) makes ``request.remote_addr`` the
client's address, which login throttling, rate limits and the request log rely on, and
``request.is_secure`` true when the balancer terminated HTTPS. Left at 0 (the default), forwarded
headers are ignored, since any client could send them.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lims.errors import ConfigurationError


def init_proxy(app: Flask) -> None:
    hops = app.config.get("TRUSTED_PROXIES", 0) or 0
    if not isinstance(hops, int) or isinstance(hops, bool) or hops < 0:
        raise ConfigurationError(f"LIMS_TRUSTED_PROXIES must be a whole number of proxies, not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
