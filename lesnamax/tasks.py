"""The periodic jobs (wiring: they call into several areas), run by the consumer, ``flask jobs``.

Each is one plain function, called both by its periodic job and by ``flask purge-expired``
(lesnamax/cli.py) for manual use. Schedules are in UTC (huey's clock):

- every minute: send the e-mails whose job was lost or whose retry is due (the outbox sweep),
  and start again the newsletter campaigns whose sending job died or is waiting to retry;
- every 5 minutes: expire card payments nobody answered within PAYMENT_EXPIRY_MINUTES;
- every minute: write the back-in-stock e-mails of products that are in stock again;
- every 10 minutes: issue the invoices and credit notes a failed signal receiver missed;
- every hour, at :17: drop ended rate-limit windows, registrations never confirmed, the
  contact erased customers' closed orders kept, outbox rows older than OUTBOX_KEEP_DAYS,
  contact-form messages older than CONTACT_RETENTION_MONTHS, and back-in-stock requests older
  than STOCK_ALERT_DAYS (with a visitor's consent to them);
- every day at 02:30: blank IP addresses older than IP_RETENTION_DAYS.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from huey import crontab

from . import outbox, ratelimit
from .jobs import huey, with_app


def send_waiting_mail(now: datetime) -> str:
    sent, unsent = outbox.sweep(now)
    return f"Sent {sent} waiting e-mails; {unsent} still unsent."


def resume_campaigns(now: datetime) -> str:
    from .newsletter import sending

    resumed = sending.resume(now)
    return f"Resumed {resumed} newsletter campaigns nobody was sending."


def expire_payments(now: datetime) -> str:
    from .payments import services as payments

    minutes = int(current_app.config["PAYMENT_EXPIRY_MINUTES"])
    expired = payments.expire_pending(now, minutes)
    return f"Expired {expired} card payments left unanswered for {minutes} minutes."


def notify_back_in_stock(now: datetime) -> str:
    from .account import stock_alerts

    return f"Wrote {stock_alerts.notify_due(now)} back-in-stock e-mails."


def issue_missing_documents(now: datetime) -> str:
    from .invoices import issuing

    invoices, notes = issuing.issue_missing(now)
    return f"Issued {invoices} missing invoices and {notes} missing credit notes."


def refresh_families(now: datetime) -> str:
    """Each family's listed price is its cheapest variant's on a shop day: a sale that
    starts or ends at midnight changes which one (catalogue/variants.py)."""
    from . import shoptime
    from .catalogue import variants

    count = variants.refresh_all(shoptime.shop_day(now))
    return f"Refreshed the prices of {count} product families."


def housekeeping(now: datetime) -> list[str]:
    from .account import data, registration, stock_alerts
    from .contact import services as contact

    config = current_app.config
    closed = data.erase_closed_orders()
    ended = ratelimit.purge(now.timestamp())
    unconfirmed = registration.purge(now, int(config["REGISTRATION_MAX_AGE"]))
    days = int(config["OUTBOX_KEEP_DAYS"])
    old_mail = outbox.purge(now, days)
    months = int(config["CONTACT_RETENTION_MONTHS"])
    old_messages = contact.purge(now, months)
    old_alerts = stock_alerts.purge(now)
    return [
        f"Erased the contact kept on {closed} closed orders of erased accounts.",
        f"Removed {ended} ended rate-limit windows.",
        f"Removed {unconfirmed} registrations never confirmed.",
        f"Removed {old_mail} e-mails sent or given up more than {days} days ago.",
        f"Removed {old_messages} contact messages older than {months} months.",
        f"Removed {old_alerts} back-in-stock requests past their "
        f"{config['STOCK_ALERT_DAYS']} days.",
    ]


def forget_old_ips(now: datetime) -> str:
    from .account import data

    days = int(current_app.config["IP_RETENTION_DAYS"])
    changed = data.purge_ip_addresses(now, days)
    return f"Removed IP addresses older than {days} days from {changed} records."


def _now() -> datetime:
    return datetime.now(UTC)


@huey.periodic_task(crontab(minute="*"))
@with_app
def send_waiting_mail_job() -> None:
    current_app.logger.info(send_waiting_mail(_now()))
    current_app.logger.info(resume_campaigns(_now()))


@huey.periodic_task(crontab(minute="*/5"))
@with_app
def expire_payments_job() -> None:
    current_app.logger.info(expire_payments(_now()))


@huey.periodic_task(crontab(minute="*"))
@with_app
def notify_back_in_stock_job() -> None:
    current_app.logger.info(notify_back_in_stock(_now()))


@huey.periodic_task(crontab(minute="*/10"))
@with_app
def issue_missing_documents_job() -> None:
    current_app.logger.info(issue_missing_documents(_now()))


# Just after the shop's midnight (Europe/Belgrade: 23:00 UTC in winter, 22:00 in summer);
# at both hours, since the refresh does the same thing twice.
@huey.periodic_task(crontab(minute="1", hour="22,23"))
@with_app
def refresh_families_job() -> None:
    current_app.logger.info(refresh_families(_now()))


@huey.periodic_task(crontab(minute="17"))
@with_app
def housekeeping_job() -> None:
    for line in housekeeping(_now()):
        current_app.logger.info(line)


@huey.periodic_task(crontab(minute="30", hour="2"))
@with_app
def forget_old_ips_job() -> None:
    current_app.logger.info(forget_old_ips(_now()))
