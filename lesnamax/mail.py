"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/.

The outbox lets a new developer read every message the shop sends without a mail server.
"""

from __future__ import annotations

import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template


class MailError(OSError):
    """The message could not be handed over (mail server down, refused, outbox not writable).

    An OSError, so callers that caught the socket and SMTP errors keep catching it.
    """


def send(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Send ``email/<template>.txt`` rendered with ``context`` to ``to``; return the message.

    Render inside the caller's ``force_locale`` block: the message is written in the language
    that is active here. Raise MailError if it could not be handed over.
    """
    body = render_template(f"email/{template}.txt", **context)
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="lesnamax.com")
    message.set_content(body)
    try:
        if config.get("MAIL_SERVER"):
            _smtp(message, config)
        else:
            outbox = Path(config["MAIL_OUTBOX"])
            outbox.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            (outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(message.as_bytes())
    except (OSError, smtplib.SMTPException) as error:  # refused, timed out, bad login, …
        raise MailError(f"{type(error).__name__}: {error}") from error
    return message


def _smtp(message: EmailMessage, config) -> None:
    port = int(config.get("MAIL_PORT") or 25)
    with smtplib.SMTP(config["MAIL_SERVER"], port, timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
