"""Flask commands: ``seed-demo`` and ``translate``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .config import ROOT
from .extensions import db


def register(app) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(translate)


@click.command("seed-demo")
@with_appcontext
@click.option("--products", default=180, show_default=True, help="How many products in all.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalogue has products.")
def seed_demo(products: int, if_empty: bool) -> None:
    """Fill the catalogue with demo categories and products (with generated pictures)."""
    from .catalogue import demo
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
    click.echo(f"Seeded {total} products in {time.perf_counter() - started:.1f} s.")


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
