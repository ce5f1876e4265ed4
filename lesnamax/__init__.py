"""LESNA MAX online shop."""

from __future__ import annotations

from flask import Flask, current_app

from . import config, database, models

# Core's database module may not name the areas; the wiring tells it how to load every model.
database.on_import_models(models.import_models)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the shop; ``test_config`` overrides settings (tests pass a plain dict)."""
    app = Flask(
        "lesnamax",
        instance_path=str(config.ROOT / "instance"),
        template_folder=str(config.ROOT / "templates"),
        static_folder=str(config.ROOT / "static"),
    )
    config.load(app, test_config)
    register_proxy(app)
    register_extensions(app)
    register_page_cache(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_cli(app)
    register_jobs(app)
    connect_signals()
    return app


def connect_signals() -> None:
    """Let later areas hear about earlier areas' events (an area may not import a later one).
    Blinker's signals are process-wide and keep one connection per receiver, so a second app
    connects nothing new. The outbox's composers are registered here too (core names no area)."""
    from . import outbox
    from .account import data
    from .account import signals as account
    from .catalogue import signals as catalogue
    from .invoices import issuing
    from .newsletter import services as newsletter
    from .orders import emails as order_emails
    from .orders import manage
    from .orders import signals as orders
    from .payments import signals as payments
    from .privacy import terms
    from .returns import manage as returns_manage
    from .returns import signals as returns

    orders.order_closed.connect(_order_closed)
    orders.order_paid.connect(issuing.on_order_paid)
    payments.refund_done.connect(issuing.on_refund_done)
    orders.confirmation_attachments.connect(terms.confirmation_attachments)
    returns.return_closed.connect(data.on_order_closed)
    orders.returned_pieces.connect(returns_manage.pieces_back)
    returns.cash_refunded.connect(issuing.on_cash_refunded)
    catalogue.product_in_use.connect(manage.product_is_ordered)
    outbox.register(order_emails.CONFIRMATION, order_emails.compose_confirmation)
    account.exporting.connect(newsletter.export_section)
    account.erasing.connect(newsletter.on_erasing)


def _order_closed(sender, order, **extra) -> None:
    """A closed order: invoiced first (a delivered one), then what an erased customer's order
    kept is erased. One receiver, because blinker calls its receivers in no set order and the
    invoice must name the buyer before the contact goes (tax records outlive an erasure)."""
    from .account import data
    from .extensions import db
    from .invoices import issuing

    try:
        issuing.on_order_closed(sender, order, **extra)
    except Exception:  # noqa: BLE001 - the sweep issues it later; the erasure must go on
        current_app.logger.exception("order-closed: no invoice for order %s", order.number)
        db.session.rollback()
    data.on_order_closed(sender, order, **extra)


def register_proxy(app: Flask) -> None:
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_extensions(app: Flask) -> None:
    from . import database, htmx, i18n, ratelimit
    from .account import services as accounts
    from .extensions import SessionInterface, babel, csrf, db, limiter, login_manager, migrate

    app.session_interface = SessionInterface()
    database.configure(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.register(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app)
    limiter.init_app(app)  # database.configure imported the database:// storage
    ratelimit.memory_storage_warning(app)
    login_manager.init_app(app)
    login_manager.user_loader(accounts.load_user)
    login_manager.login_view = "account.login"
    login_manager.login_message = i18n._l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @app.before_request
    def _user_language():
        # The account's language counts when no ?lang= or cookie says otherwise.
        from flask import g
        from flask_login import current_user

        if current_user.is_authenticated:
            g.user_lang = current_user.language


def register_page_cache(app: Flask) -> None:
    from . import pagecache, shopsettings

    pagecache.register(app)
    # Before the page cache's own hook: the seed's commit changes the stamp a page is keyed by.
    shopsettings.register(app)


def register_blueprints(app: Flask) -> None:
    from . import media, site
    from .account.alert_views import bp as alerts_bp
    from .account.views import bp as account_bp
    from .admin import bp as admin_bp
    from .cart.views import bp as cart_bp
    from .catalogue.views import bp as catalogue_bp
    from .checkout.views import bp as checkout_bp
    from .contact.views import bp as contact_bp
    from .invoices.views import bp as invoices_bp
    from .newsletter.views import bp as newsletter_bp
    from .orders.views import bp as orders_bp
    from .payments import sandbox
    from .payments.views import bp as payments_bp
    from .privacy.views import bp as privacy_bp
    from .returns.views import bp as returns_bp

    for blueprint in (catalogue_bp, account_bp, privacy_bp, cart_bp, checkout_bp, orders_bp,
                      payments_bp, returns_bp, invoices_bp, contact_bp, newsletter_bp, site.bp,
                      media.bp, admin_bp, alerts_bp):
        app.register_blueprint(blueprint)
    sandbox.register(app)  # the local bank page, only when BANK_MODE is "sandbox"


def register_template_helpers(app: Flask) -> None:
    from . import security, templating

    templating.register(app)
    security.register(app)


def register_errorhandlers(app: Flask) -> None:
    from . import errors

    errors.register(app)


def register_jobs(app: Flask) -> None:
    """Point the job queue at this app's storage; the periodic jobs register on import."""
    from . import jobs, tasks  # noqa: F401 - tasks: huey learns the periodic jobs

    jobs.configure(app)


def register_cli(app: Flask) -> None:
    from . import cli

    cli.register(app)
