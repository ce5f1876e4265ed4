"""Registration is finished from an e-mail: helpers that read the outbox and use the link."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path


def outbox_messages(folder) -> list:
    """The .eml files of the outbox, oldest first."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(Path(folder).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    ]


def text_of(message) -> str:
    """The plain-text part of an e-mail (every e-mail carries text and HTML)."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def confirmation_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/register/confirm/\S+)",
                     text_of(message)).group(1)


def confirm_registration(client, app, to: str | None = None, password: str | None = None):
    """Use the newest confirmation link (sent to ``to``, if given) with the password chosen at
    registration (the tests' PASSWORD by default); return the response."""
    from .conftest import PASSWORD

    messages = [
        m for m in outbox_messages(app.config["MAIL_OUTBOX"])
        if "/account/register/confirm/" in text_of(m)
        and (to is None or m["To"].lower() == to.lower())
    ]
    return client.post(confirmation_path(messages[-1]), data={"password": password or PASSWORD})
