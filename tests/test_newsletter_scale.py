"""The issue's proof: a campaign to 1,000 customers of whom 400 consent gives exactly 400
messages at a real SMTP server (aiosmtpd), none to the others, each once, even when the job
dies half-way and is started again."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from lesnamax import mail
from lesnamax.extensions import db
from lesnamax.newsletter import sending
from lesnamax.newsletter.models import SENT, Campaign, CampaignRecipient
from lesnamax.privacy.models import MARKETING, ConsentRecord, PolicyVersion

from .newsletter_support import crowd, make_campaign, recipients_of, sink  # noqa: F401

TOTAL, OPTED = 1000, 400


def consenting(n: int) -> bool:
    return n % 5 < 2  # 400 of 1,000


def thousand(app, total: int = TOTAL) -> set[str]:
    """1,000 customers (or ``total``), two in five consenting now. The ledger's order is by
    time, not by row: of 1,000, 200 who refuse had consented earlier (an older record added
    last), and 200 who consent had once refused."""
    ids = crowd(app, total, consenting)
    earlier = datetime.now(UTC) - timedelta(days=30)
    with app.app_context():
        policy = db.session.scalar(select(PolicyVersion.id).where(PolicyVersion.version == 1))
        db.session.execute(insert(ConsentRecord), [
            {"user_id": user_id, "purpose": MARKETING, "granted": n % 5 == 2,
             "policy_version_id": policy, "at": earlier, "user_agent": "pytest"}
            for n, user_id in enumerate(ids, start=1) if n % 5 in (0, 2)])
        db.session.commit()
    return {f"klient{n}@example.test" for n in range(1, total + 1) if consenting(n)}


def test_the_owner_sends_to_exactly_the_400_who_consent(app, client, admin, sink):  # noqa: F811
    expected = thousand(app)
    campaign_id = make_campaign(app)
    response = client.post(f"/admin/newsletter/{campaign_id}/send")
    assert response.status_code == 303
    to = recipients_of(sink)
    assert len(to) == OPTED and set(to) == expected
    assert set(Counter(to).values()) == {1}
    # Each in their own language: every third customer reads English.
    for message in sink.messages:
        n = int(str(message["To"]).removeprefix("klient").split("@")[0])
        assert str(message["Subject"]) == ("December offers" if n % 3 == 0
                                           else "Ofertat e dhjetorit")
    # A second click sends nothing more.
    client.post(f"/admin/newsletter/{campaign_id}/send")
    assert len(recipients_of(sink)) == OPTED
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == SENT and campaign.recipient_count == OPTED


class Crash(BaseException):
    """The process dying: nothing in the job catches it (unlike an Exception)."""


def crash_after(monkeypatch, sends: int, kind: type[BaseException]) -> dict:
    """Let ``sends`` messages through, then fail the next hand-over with ``kind``, once."""
    real = mail.Connection.send
    state = {"calls": 0, "armed": True}

    def send(self, raw, to):
        if state["armed"] and state["calls"] == sends:
            state["armed"] = False
            raise kind("the job died here")
        state["calls"] += 1
        real(self, raw, to)

    monkeypatch.setattr(mail.Connection, "send", send)
    return state


# The process dying (the proof, at full size); an error the job sees (a smaller crowd:
# the same path but for the claim, which the job frees itself).
@pytest.mark.parametrize(("kind", "total"), [(Crash, TOTAL), (RuntimeError, TOTAL // 5)])
def test_a_crash_half_way_and_a_restart_still_give_400(app, sink, monkeypatch,  # noqa: F811
                                                       kind, total):
    expected = thousand(app, total)
    opted = len(expected)
    campaign_id = make_campaign(app)
    crash_after(monkeypatch, opted * 3 // 8, kind)
    with app.app_context():
        assert sending.start(campaign_id, datetime.now(UTC)) == opted
        with pytest.raises(kind):
            sending.run(campaign_id)
    assert len(recipients_of(sink)) == opted * 3 // 8
    with app.app_context():
        # Every message sent is marked; the one being sent when it died is not.
        marked = db.session.scalar(select(db.func.count()).where(
            CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.sent_at.is_not(None)))
        assert marked == opted * 3 // 8
        sending.run(campaign_id)  # the restart
    if kind is Crash:
        # The row the dead job had claimed waits for its claim to go stale (no second copy
        # if the server had taken it); resume() picks it up then.
        assert len(recipients_of(sink)) == opted - 1
        with app.app_context():
            later = datetime.now(UTC) + timedelta(minutes=11)
            assert sending.stalled(later) == [campaign_id]
            sending.run(campaign_id, now=later)
    to = recipients_of(sink)
    assert len(to) == opted and set(to) == expected
    assert set(Counter(to).values()) == {1}
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == SENT
        assert sending.progress(campaign_id)["sent"] == opted
