"""Outgoing e-mail: built here, written to the outbox table (lesnamax/outbox.py) in the
caller's transaction, and handed over by a job: by SMTP when MAIL_SERVER is set, otherwise as
an .eml file in MAIL_OUTBOX (instance/outbox/), so a new developer reads every message the
shop sends without a mail server.

Every message is multipart/alternative: ``email/<name>.txt`` and ``email/<name>.html`` rendered
from the same data, so a client that shows only text loses nothing but the looks.
"""

from __future__ import annotations

import re
import smtplib
import uuid
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, has_request_context, render_template

from . import trader


class MailError(OSError):
    """The message could not be handed over (mail server down, refused, outbox not writable).

    An OSError, so callers that caught the socket and SMTP errors keep catching it.
    """


@dataclass(frozen=True)
class InlineImage:
    """A picture carried inside the message (no remote images: clients block them and they
    tell the sender who opened what). The HTML shows it with ``<img src="{{ image.src }}">``."""

    data: bytes
    subtype: str = "jpeg"
    cid: str = field(default_factory=lambda: make_msgid(domain="lesnamax.com")[1:-1])

    @property
    def src(self) -> str:
        return f"cid:{self.cid}"


@dataclass(frozen=True)
class Attachment:
    """A document sent with the message (the terms of sale as PDF, say): a durable copy the
    customer keeps, unlike a link to a page that may change."""

    filename: str
    data: bytes
    maintype: str = "application"
    subtype: str = "pdf"


def compose(to: str, subject: str, template: str, *,
            images: Mapping[object, InlineImage] | None = None,
            attachments: Sequence[Attachment] = (), message_id: str | None = None,
            written_at: datetime | None = None, **context) -> EmailMessage:
    """Build the message ``send`` hands over: text and HTML from the same ``context``.

    Render inside the caller's ``force_locale`` block: the message is written in the language
    that is active here. ``images`` (any keys) reach both templates; their pictures go into a
    multipart/related part next to the HTML, where ``image.src`` finds them. ``attachments``
    follow the text and HTML (the message becomes multipart/mixed); the templates see them as
    ``attachments`` and may name them. ``message_id`` and ``written_at`` (the Date) are given
    when the message is composed again for a later attempt (the outbox's ``add_later``): the
    same message each time; by default a new id and now.
    """
    images = dict(images or {})
    message = assemble(to, subject, *render(template, subject, images=images,
                                            attachments=attachments, **context),
                       message_id=message_id, written_at=written_at)
    html = message.get_payload()[1]
    for image in {image.cid: image for image in images.values()}.values():
        # Turns the HTML part into multipart/related on the first picture (RFC 2387).
        html.add_related(image.data, "image", image.subtype, cid=f"<{image.cid}>",
                         disposition="inline")
    for attachment in attachments:
        # Turns the message into multipart/mixed: the alternative first, then the documents.
        message.add_attachment(attachment.data, maintype=attachment.maintype,
                               subtype=attachment.subtype, filename=attachment.filename)
    return message


def render(template: str, subject: str, **context) -> tuple[str, str]:
    """The text and the HTML of ``email/<template>``, as ``compose`` writes them."""
    context.setdefault("images", {})
    context.setdefault("attachments", ())
    context.update(subject=subject, trader=trader.details(),
                   shop_url=current_app.config["BASE_URL"].rstrip("/") + "/")
    return (render_template(f"email/{template}.txt", **context),
            render_template(f"email/{template}.html", **context))


def assemble(to: str, subject: str, text: str, html: str, *, message_id: str | None = None,
             written_at: datetime | None = None) -> EmailMessage:
    """A multipart/alternative message of ``text`` and ``html`` from the shop to ``to``
    (``message_id`` and ``written_at``: see ``compose``)."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(written_at or datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain="lesnamax.com")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Write the message ``compose`` builds from ``email/<template>`` into the outbox.

    Render inside the caller's ``force_locale`` block: the message is written in the language
    that is active here. The row joins the caller's transaction (nothing is committed here):
    the message leaves once the caller commits, and never if it rolls back.
    """
    from . import outbox

    message = compose(to, subject, template, **context)
    outbox.add(message)
    return message


def in_a_request():
    """Outside any request (a job, a tool, a test) an e-mail's links are built as for a request
    to BASE_URL; inside one, as for that request."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"])


def transmit(raw: bytes, to: str, config) -> None:
    """Hand the message's bytes to the mail server (or the MAIL_OUTBOX folder) unchanged.

    Raise MailError if it could not be handed over; returning means the server accepted it.
    """
    try:
        if config.get("MAIL_SERVER"):
            _smtp(raw, to, config)
        else:
            outbox = Path(config["MAIL_OUTBOX"])
            outbox.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            (outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(raw)
    except (OSError, smtplib.SMTPException) as error:  # refused, timed out, bad login, …
        raise MailError(f"{type(error).__name__}: {error}") from error


def _open(config) -> smtplib.SMTP:
    port = int(config.get("MAIL_PORT") or 25)
    smtp = smtplib.SMTP(config["MAIL_SERVER"], port, timeout=10)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def _hand_over(smtp: smtplib.SMTP, raw: bytes, to: str, config) -> None:
    sender = parseaddr(config["MAIL_DEFAULT_SENDER"])[1]
    # sendmail raises unless the server accepted the message for the recipient. It sends
    # bytes as they are, and SMTP lines end in CRLF (the stored copy, like the .eml
    # files, ends them in LF).
    smtp.sendmail(sender, [to], re.sub(rb"\r?\n", b"\r\n", raw))


def _smtp(raw: bytes, to: str, config) -> None:
    with _open(config) as smtp:
        _hand_over(smtp, raw, to, config)


class Connection:
    """Many messages on one connection to the mail server (a newsletter's hundreds: a new
    connection, TLS and login for each would cost more than the message). ``send`` is
    ``transmit`` for one message; after a failure the next ``send`` connects again."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, raw: bytes, to: str) -> None:
        if not self.config.get("MAIL_SERVER"):
            transmit(raw, to, self.config)
            return
        try:
            if self.smtp is None:
                self.smtp = _open(self.config)
            _hand_over(self.smtp, raw, to, self.config)
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise MailError(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
