"""The order confirmation is composed after the order's commit, yet sent exactly once and
never lost (lesnamax/outbox.py ``add_later``, orders/emails.py ``compose_confirmation``).

Placing writes only a row naming the order, in the order's own transaction; the job composes
the message (HTML, pictures, the terms of sale's PDF) when it sends it. Here jobs run at once
(``JOBS_IMMEDIATE``) unless a test takes the job away, as a process dying right after the
commit would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from lesnamax import outbox
from lesnamax.extensions import db
from lesnamax.orders import emails
from lesnamax.orders.models import Order

from .account_support import outbox_messages, text_of
from .test_checkout import go_to_review, place_form
from .test_mail_failures import messages as rows

#: SQL of one cash order's "place" request, its confirmation's composing not included: the
#: customer, cart and lines read (3 + 1 pictures), the key and policy looked up (2), then the
#: write transaction: (on SQLite, BEGIN IMMEDIATE,) the claim, lines and pictures again, the
#: stock, the order and its line and number, the terms read and accepted (the customer
#: re-read after the BEGIN's rollback), the order's terms version, the confirmation marked
#: and its row, then the order read for the redirect. It was 24 (SQLite) while the
#: confirmation was composed inside the transaction, then 21; the delivery day's place
#: (its slot read, made if new, and taken) adds three.
PLACE_QUERIES = {"sqlite": 24, "postgresql": 23}


def sent(app) -> list:
    folder = Path(app.config["MAIL_OUTBOX"])
    return outbox_messages(folder) if folder.exists() else []


@pytest.fixture
def no_job(monkeypatch):
    """The job queued after the commit never runs (the process died, the queue was down):
    only the row in the table is left, as after a crash right after the commit."""
    lost = []

    class Lost:
        def __call__(self, message_id):
            lost.append(message_id)

        call_local = __call__

    monkeypatch.setattr(outbox, "deliver", Lost())
    return lost


def place(client, make_product, make_user, login) -> str:
    chair = make_product(name_sq="Karrige lisi", price_cents=4990, stock=5)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    placed = client.post("/checkout/place", data=place_form(go_to_review(client).text))
    assert placed.status_code == 303
    return placed.headers["Location"].rsplit("/", 1)[1]


def sweep_later(app) -> tuple[int, int]:
    with app.app_context():
        return outbox.sweep(datetime.now(UTC) + outbox.SWEEP_GRACE + timedelta(seconds=1))


def test_placing_writes_a_row_naming_the_order_and_no_message(
        app, client, make_product, make_user, login, no_job, monkeypatch):
    composed = []
    monkeypatch.setitem(outbox._composers, emails.CONFIRMATION,
                        lambda ref, row: composed.append(ref))
    number = place(client, make_product, make_user, login)
    [row] = rows(app)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
    assert (row.kind, row.ref, row.message) == (emails.CONFIRMATION, order.id, b"")
    assert row.recipient == order.email and number in row.subject
    assert order.confirmation_sent_at is not None  # written once: a retry writes no second
    assert composed == [] and sent(app) == []  # nothing composed inside the request's work
    assert no_job == [row.id]  # the job was queued after the commit (and lost here)


def test_the_confirmation_is_composed_after_the_commit_and_sent_once(
        app, client, make_product, make_user, login, monkeypatch):
    seen = []
    compose = outbox._composers[emails.CONFIRMATION]

    def watched(ref, row):
        with db.engine.connect() as other:  # only what is committed is visible there
            seen.append(other.execute(text(
                'SELECT count(*) FROM "order" WHERE id = :id AND confirmation_sent_at IS NOT '
                'NULL'), {"id": ref}).scalar())
        return compose(ref, row)

    monkeypatch.setitem(outbox._composers, emails.CONFIRMATION, watched)
    number = place(client, make_product, make_user, login)
    assert seen == [1]  # the order and its mark were committed when it was composed
    [mail] = sent(app)
    assert number in mail["Subject"] and number in text_of(mail)
    assert [part.get_content_type() for part in mail.iter_attachments()] == ["application/pdf"]
    [row] = rows(app)
    assert row.sent_at is not None and row.message == b""
    assert sweep_later(app) == (0, 0)  # nothing left: sent once
    assert len(sent(app)) == 1


def test_a_crash_between_commit_and_composing_still_sends_it_once(
        app, client, make_product, make_user, login, no_job):
    number = place(client, make_product, make_user, login)
    assert sent(app) == [] and rows(app)[0].sent_at is None  # committed, the job lost
    assert sweep_later(app) == (1, 0)  # the periodic sweep finds the row and composes it
    [mail] = sent(app)
    assert number in mail["Subject"]
    assert [part.get_filename() for part in mail.iter_attachments()] == [
        "kushtet-e-shitjes-v1.pdf"]
    assert sweep_later(app) == (0, 0)
    assert len(sent(app)) == 1


def test_a_composer_that_fails_is_retried_then_sends_once(
        app, client, make_product, make_user, login, no_job, monkeypatch, caplog):
    compose = outbox._composers[emails.CONFIRMATION]
    broken = [True]

    def flaky(ref, row):
        if broken[0]:
            raise RuntimeError("the template broke")
        return compose(ref, row)

    monkeypatch.setitem(outbox._composers, emails.CONFIRMATION, flaky)
    place(client, make_product, make_user, login)
    with app.app_context():
        [message_id] = outbox.due(datetime.now(UTC) + timedelta(minutes=1))
        assert outbox.send_one(message_id) == "uncomposed"
    [row] = rows(app)
    assert (row.sent_at, row.failed_at, row.attempts, row.claimed_at) == (None, None, 1, None)
    assert "not composed: RuntimeError: the template broke" in row.last_error
    assert "could not be composed" in caplog.text
    broken[0] = False
    with app.app_context():
        later = row.next_attempt_at.replace(tzinfo=UTC) + timedelta(seconds=1)
        assert outbox.send_one(message_id, later) == "sent"
        assert outbox.send_one(message_id, later) == "skipped"
    assert len(sent(app)) == 1


def test_a_composer_failing_every_time_is_given_up_and_counted(
        app, client, make_product, make_user, login, no_job, monkeypatch):
    def broken(ref, row):
        raise LookupError("order gone")

    monkeypatch.setitem(outbox._composers, emails.CONFIRMATION, broken)
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    place(client, make_product, make_user, login)
    with app.app_context():
        [message_id] = outbox.due(datetime.now(UTC) + timedelta(minutes=1))
        for hours in (1, 24):
            later = datetime.now(UTC) + timedelta(hours=hours)
            assert outbox.send_one(message_id, later) == "uncomposed"
        assert outbox.counts() == {"waiting": 0, "given_up": 1}
    assert sent(app) == []


def test_a_kind_nobody_composes_is_refused_when_written(app):
    with app.app_context(), pytest.raises(LookupError):
        outbox.add_later("no-such-kind", 1, "drita@example.test", "?")


def test_the_place_request_runs_a_fixed_number_of_queries_and_stores_no_pdf(
        app, client, make_product, make_user, login, no_job, count_queries, engine_name):
    chair = make_product(name_sq="Karrige lisi", price_cents=4990, stock=5)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    form = place_form(go_to_review(client).text)
    with count_queries(parameters=True) as queries:
        assert client.post("/checkout/place", data=form).status_code == 303
    assert len(queries) == PLACE_QUERIES[engine_name], "\n".join(q for q, _p in queries)
    [(_insert, parameters)] = [(q, p) for q, p in queries if "INTO outbox_message" in q]
    values = parameters.values() if isinstance(parameters, dict) else parameters
    sizes = [size for size in map(binary_size, values) if size is not None]
    assert sizes == [0]  # the message column, empty: no HTML, no pictures, no PDF


def binary_size(value) -> int | None:
    """The length of a bytes parameter (psycopg wraps them in ``Binary``), else None."""
    raw = getattr(value, "obj", getattr(value, "adapted", value))
    return len(raw) if isinstance(raw, bytes | bytearray | memoryview) else None
