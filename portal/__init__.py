"""The portal application factory."""
from __future__ import annotations

import os

from flask import Flask

from portal.config import Config


def create_app(test_config: dict | None = None) -> Flask:
    """Create and wire the portal: config, extensions, blueprints, admin, CLI."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    config = Config(app.instance_path)
    app.config.from_mapping(config.as_dict())
    from portal import inputs
    inputs.init_app(app)  # before any route is added: every <int:…> is bounded
    if test_config:
        app.config.update(test_config)
    if not test_config:
        config.validate()
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)
    if app.config.get("TRUSTED_PROXIES", 0) > 0:  # else X-Forwarded-* from clients are ignored
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from portal import audit, clock, errors, print_guard, security, web
    from portal.auth import passwords, sessions
    from portal.extensions import babel, csrf, db, login_manager, migrate

    if app.config.get("FIXED_NOW"):
        clock.set_fixed_now(app.config["FIXED_NOW"])
    passwords.configure(fast=bool(app.config.get("FAST_HASHES")))
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale)
    login_manager.init_app(app)
    audit.init_app(app)
    print_guard.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    web.init_app(app)

    from portal.database import init_app as init_database
    init_database(app)

    from portal.api import bp as api_bp
    from portal.auth.views import bp as auth_bp
    from portal.enterprise import bp as enterprise_bp
    from portal.home import bp as home_bp
    app.register_blueprint(home_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(enterprise_bp, url_prefix="/q")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # bearer tokens, no cookies: CSRF does not apply
    from portal.collection.views_stats import bp as collection_stats_bp
    app.register_blueprint(collection_stats_bp)
    from portal.collection_pages import bp as collection_pages_bp
    app.register_blueprint(collection_pages_bp, url_prefix="/c")
    from portal.message_pages import bp as message_pages_bp
    from portal.messaging import display as message_display
    app.register_blueprint(message_pages_bp)
    message_display.init_app(app)

    from admin_views import init_admin
    init_admin(app)

    from portal.cli import register_commands
    register_commands(app)
    return app
