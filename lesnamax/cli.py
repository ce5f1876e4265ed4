"""Flask commands: ``seed-demo``, ``create-admin``, ``translate``, ``policy publish``,
``purge-expired``, ``jobs`` (the job queue's consumer), ``backup`` and ``restore``."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .config import ROOT
from .extensions import db


def register(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(translate)
    app.cli.add_command(policy)
    app.cli.add_command(purge_expired)
    app.cli.add_command(jobs_consumer)


@click.command("seed-demo")
@with_appcontext
@click.option("--products", default=180, show_default=True, help="How many products in all.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalogue has products.")
def seed_demo(products: int, if_empty: bool) -> None:
    """Fill the catalogue with demo categories and products (with generated pictures)."""
    from . import demo
    from .catalogue.models import Product

    existing = db.session.scalar(select(func.count(Product.id))) or 0
    if existing:
        if if_empty:
            click.echo(f"The catalogue already has {existing} products; nothing seeded.")
            return
        raise click.ClickException(
            "The catalogue is not empty. Seed a fresh database (delete instance/lesnamax.sqlite)."
        )
    started = time.perf_counter()
    total = demo.seed(Path(current_app.config["MEDIA_ROOT"]), products)
    from .demo import instalments as demo_instalments

    demo_instalments.seed()  # "ose 12 × …" on the expensive products
    stores = demo.seed_stores(current_app)
    click.echo(f"Seeded {total} products and {stores} stores in "
               f"{time.perf_counter() - started:.1f} s.")
    if current_app.config["BANK_MODE"] == "sandbox":
        _demo_admin()


#: The demo admin made by ``seed-demo`` in sandbox (development) mode only.
DEMO_ADMIN = "admin@lesnamax.test"


def _demo_admin() -> None:
    from .account import services as accounts

    if accounts.user_by_email(DEMO_ADMIN) is not None:
        return
    password = secrets.token_urlsafe(12)
    accounts.create_admin(DEMO_ADMIN, password)
    # Printed this once only: the password is not stored anywhere else.
    click.echo(f"Demo admin (development only): {DEMO_ADMIN} / {password}  ->  /admin")


@click.command("create-admin")
@click.argument("email")
@click.option("--generate-password", is_flag=True,
              help="Generate a password and print it instead of asking for one.")
@click.option("--set-password", is_flag=True,
              help="Also set a new password when the account exists already.")
@with_appcontext
def create_admin(email: str, generate_password: bool, set_password: bool) -> None:
    """Create an admin account for EMAIL, or give an existing account admin rights."""
    from email_validator import EmailNotValidError, validate_email

    from . import audit
    from .account import services as accounts
    from .account.forms import MIN_PASSWORD

    try:
        email = validate_email(email, check_deliverability=False,
                               test_environment=current_app.testing).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from error
    exists = accounts.user_by_email(email) is not None
    password = None
    if generate_password:
        password = secrets.token_urlsafe(12)
    elif not exists or set_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < MIN_PASSWORD:
            raise click.BadParameter(f"use at least {MIN_PASSWORD} characters",
                                     param_hint="password")
    actor = audit.Actor(None, "flask create-admin", None)
    user, created = accounts.create_admin(email, password, lambda user, created: audit.record(
        actor, "admin.create", "user", user.id, "+" if created else "↑"))
    click.echo(f"{'Created' if created else 'Promoted'} admin {user.email}.")
    if generate_password:
        click.echo(f"Password: {password}")


@click.group()
def translate() -> None:
    """Extract, update and compile the translation catalogues."""


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate.command()
def update() -> None:
    """Extract messages from code and templates and merge them into sq and en."""
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_ngettext:1,2",
        "--no-location",
        "--sort-output",
        "-o",
        "translations/messages.pot",
        ".",
    )
    _pybabel(
        "update",
        "-i",
        "translations/messages.pot",
        "-d",
        "translations",
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )


@translate.command()
def compile() -> None:  # noqa: A001 - the command is called "compile"
    """Compile .po files into the .mo files the app reads."""
    _pybabel("compile", "-d", "translations", "--statistics")


@click.group()
def policy() -> None:
    """Privacy policy and terms of sale versions."""


@policy.command("publish")
@click.argument("sq_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--en",
    "en_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The English translation.",
)
@click.option(
    "--effective",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Date it takes effect: at least 10 days from today.",
)
@click.option("--summary-sq", default="", help="What changed, in Albanian.")
@click.option("--summary-en", default="", help="What changed, in English.")
@click.option("--terms", is_flag=True, help="A version of the terms of sale, not of the policy.")
@with_appcontext
def publish_policy(
    sq_file: Path, en_file: Path, effective, summary_sq: str, summary_en: str, terms: bool
) -> None:
    """Publish a new policy (or, with --terms, terms of sale) version (Albanian in SQ_FILE)."""
    from .privacy import services
    from .privacy.models import PRIVACY, TERMS

    try:
        created = services.publish(
            sq_file.read_text(encoding="utf-8"),
            en_file.read_text(encoding="utf-8"),
            effective.date(),
            datetime.now(UTC),
            summary_sq,
            summary_en,
            kind=TERMS if terms else PRIVACY,
        )
    except services.PolicyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Published version {created.version}, in force from {created.effective_from}.")


@click.command("purge-expired")
@with_appcontext
def purge_expired() -> None:
    """Do now what the periodic jobs do (lesnamax/tasks.py): expire unanswered card payments
    (returning stock), send the e-mails waiting in the outbox, blank old IP addresses, erase
    what erased accounts' orders kept until they were closed, drop ended rate-limit windows
    (their keys hold addresses), registrations never confirmed and old outbox rows."""
    from . import tasks

    now = datetime.now(UTC)
    click.echo(tasks.expire_payments(now))
    click.echo(tasks.issue_missing_documents(now))
    click.echo(tasks.send_waiting_mail(now))
    click.echo(tasks.forget_old_ips(now))
    for line in tasks.housekeeping(now):
        click.echo(line)


@click.command("jobs")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.option("--max-delay", default=1.0, show_default=True,
              help="Longest pause (seconds) between two looks at an empty SQLite queue.")
@with_appcontext
def jobs_consumer(workers: int, max_delay: float) -> None:
    """Run the job queue's consumer: e-mails from the outbox and the periodic jobs.

    Stops on Ctrl-C (SIGINT: after the running jobs finish) or SIGTERM (at once).
    """
    import logging

    from .jobs import huey

    if huey.immediate:
        raise click.ClickException("LESNAMAX_JOBS_IMMEDIATE is set: jobs run in the web "
                                   "process, there is nothing to consume")
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(levelname)s %(name)s: "
                        "%(message)s")
    _warm_terms()
    # huey's default pause grows to 10 s on an idle SQLite queue: a password-reset link would
    # wait that long. One look a second costs nothing; Redis blocks on the queue instead.
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                         max_delay=max_delay).run()


def _warm_terms() -> None:
    """Render the terms of sale in force (each language) before the first job: the order
    confirmations carry their PDF, and its first render takes about a second."""
    from .i18n import LOCALES
    from .privacy import terms
    from .shoptime import shop_today

    for language in LOCALES:
        try:
            terms.warm(language, shop_today())
        except Exception:  # noqa: BLE001 - the first confirmation renders it instead
            current_app.logger.exception("the terms of sale (%s) were not rendered", language)


@click.command()
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the backup (default: instance/backups).")
@with_appcontext
def backup(output: Path | None) -> None:
    """Back up the database (SQLite: online copy; PostgreSQL: pg_dump custom format)."""
    from . import backup as backups

    folder = output or Path(current_app.instance_path) / "backups"
    try:
        written = backups.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], folder,
                                 datetime.now(UTC))
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {written}.")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def restore(file: Path, yes: bool) -> None:
    """Replace the database with the backup in FILE (stop the shop first)."""
    from . import backup as backups

    if not yes:
        click.confirm("Everything in the database now will be replaced. Go on?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep the old database open
    try:
        backups.restore(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Database restored from {file}.")
