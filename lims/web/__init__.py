"""Everything that imports Flask, WTForms and their extensions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_web(app: Flask) -> None:
    # imported here, not at the top: lims.web.status must be importable without Flask (the CLI uses it)
    from lims.web.access import init_access
    from lims.web.dbsession import init_db_session
    from lims.web.edge import init_edge
    from lims.web.errors import init_errors
    from lims.web.extensions import init_extensions
    from lims.web.headers import init_headers
    from lims.web.navigation import init_navigation
    from lims.web.proxy import init_proxy
    from lims.web.requestlog import init_request_log
    from lims.web.templating import init_templating

    init_proxy(app)
    init_request_log(app)  # first hook: its id and timer cover every other one
    init_edge(app)  # before any blueprint (the bounded <int:> converter) and before any view sees input
    init_db_session(app)
    init_extensions(app)
    init_access(app)
    init_headers(app)
    init_errors(app)
    init_navigation(app)
    init_templating(app)
    register_blueprints(app)


def register_blueprints(app: Flask) -> None:
    from lims.web.admin.views import bp as admin_bp
    from lims.web.api.views import bp as api_bp
    from lims.web.audit.views import bp as audit_bp
    from lims.web.auth.views import bp as auth_bp
    from lims.web.certificates.public import bp as verify_bp
    from lims.web.certificates.views import bp as certificates_bp
    from lims.web.enterprises.views import bp as enterprises_bp
    from lims.web.instruments.views import bp as instruments_bp
    from lims.web.jobs.views import bp as jobs_bp
    from lims.web.legal.views import bp as legal_bp
    from lims.web.main.views import bp as main_bp
    from lims.web.nc.views import bp as nc_bp
    from lims.web.notifications.views import bp as notifications_bp
    from lims.web.portal.views import bp as portal_bp
    from lims.web.programme.views import bp as programme_bp
    from lims.web.requests.views import bp as requests_bp
    from lims.web.rooms.views import bp as rooms_bp
    from lims.web.standards.views import bp as standards_bp
    from lims.web.tokens.views import bp as tokens_bp
    from lims.web.traceability.views import bp as traceability_bp

    for blueprint in (
        main_bp,
        auth_bp,
        admin_bp,
        enterprises_bp,
        audit_bp,
        standards_bp,
        traceability_bp,
        nc_bp,
        programme_bp,
        instruments_bp,
        jobs_bp,
        legal_bp,
        portal_bp,
        certificates_bp,
        verify_bp,
        tokens_bp,
        requests_bp,
        notifications_bp,
        rooms_bp,
    ):
        app.register_blueprint(blueprint)
    from lims.web.extensions import csrf

    csrf.exempt(api_bp)  # bearer tokens only, never cookies: no cross-site request can carry one
    app.register_blueprint(api_bp)
