"""The newsletter: the owner writes, previews, tests and sends a campaign; only customers whose
marketing consent is in force when their message leaves get it, in their language, with a
one-click unsubscribe (RFC 8058) that withdraws the consent in the ledger; the campaigns sent
are in each customer's export and go with their erasure."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from lesnamax.account import data
from lesnamax.account.models import User
from lesnamax.audit import AuditEvent
from lesnamax.extensions import db
from lesnamax.newsletter import audience, messages, sending
from lesnamax.newsletter.models import DRAFT, SENDING, SENT, Campaign, CampaignRecipient
from lesnamax.outbox import OutboxMessage
from lesnamax.privacy import services as privacy
from lesnamax.privacy.models import MARKETING, ConsentRecord
from lesnamax.web import Visit

from .account_support import html_of, text_of
from .newsletter_support import make_campaign, recipients_of, sink  # noqa: F401
from .variants_support import make_family

FORM = {"subject_sq": "Ofertat e dhjetorit", "body_sq": "Përshëndetje!\n• Dyshekë\n• Divanë",
        "subject_en": "December offers", "body_en": "Hello!\n• Mattresses\n• Sofas",
        "products": ""}


def set_marketing(app, user_id: int, granted: bool) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        privacy.set_marketing(user, granted, Visit("192.0.2.9", "pytest"), date.today())


def token_in(message) -> str:
    return re.search(r"/newsletter/unsubscribe/([\w.\-]+)", text_of(message)).group(1)


# ---- who is in the audience --------------------------------------------------------------

def test_the_audience_is_whoever_consents_now(app, make_user):
    yes = make_user(marketing=True)
    no = make_user(marketing=False)
    changed = make_user(marketing=True)
    back = make_user(marketing=False)
    set_marketing(app, changed.id, False)
    set_marketing(app, back.id, True)
    with app.app_context():
        assert [row.id for row in db.session.execute(audience.consenting())] == [yes.id, back.id]
        assert audience.count() == 2
        assert audience.consents(yes.id) and not audience.consents(no.id)
        data.erase(db.session.get(User, yes.id), datetime.now(UTC))
        assert audience.count() == 1


# ---- the owner's pages --------------------------------------------------------------------

def test_admin_pages_need_an_admin(client, make_user, login):
    assert client.get("/admin/newsletter").status_code == 302
    login(make_user())
    assert client.get("/admin/newsletter").status_code == 403


def test_writing_keeps_what_was_typed_and_explains_errors(app, client, admin, make_product):
    make_product(sku="KAR-001")
    response = client.post("/admin/newsletter/new", data={**FORM, "subject_en": "",
                                                           "products": "KAR-001, NUK-KA"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ofertat e dhjetorit" in page and "NUK-KA" in page
    response = client.post("/admin/newsletter/new",
                           data={**FORM, "products": "KAR-001 NUK-KA"})
    assert response.status_code == 422
    assert "NUK-KA" in response.get_data(as_text=True)
    too_many = " ".join(f"S{n}" for n in range(messages.MAX_PRODUCTS + 1))
    assert client.post("/admin/newsletter/new",
                       data={**FORM, "products": too_many}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Campaign)) == 0
    # In Albanian too (the owner's language).
    response = client.post("/admin/newsletter/new?lang=sq", data={**FORM, "subject_sq": ""})
    assert "Kjo fushë është e domosdoshme." in response.get_data(as_text=True)


def test_the_owner_writes_previews_tests_and_sends(app, client, admin, make_user, make_product,
                                                  make_category):
    make_family(app, make_category)
    lamp = make_product(sku="LLA-7", price_cents=4590, name_sq="Llambë", name_en="Lamp")
    sq_reader = make_user(marketing=True, first_name="Drita")
    en_reader = make_user(marketing=True, language="en")
    make_user(marketing=False)
    response = client.post("/admin/newsletter/new",
                           data={**FORM, "products": f"DAR {lamp.sku}"})
    assert response.status_code == 303
    campaign_id = int(response.location.rstrip("/").split("/")[-1])
    page = client.get(f"/admin/newsletter/{campaign_id}").get_data(as_text=True)
    assert "Dyshek Dardana" in page and "DAR" in page and "LLA-7" in page
    # The preview is the e-mail itself: the family "from" its cheapest size, the lamp's price.
    preview = client.get(f"/admin/newsletter/{campaign_id}/preview/sq")
    assert preview.status_code == 200
    assert "style-src 'unsafe-inline'" in preview.headers["Content-Security-Policy"]
    html = preview.get_data(as_text=True)
    assert "nga <strong>255,00\xa0€</strong>" in html and "45,90\xa0€" in html
    assert "/products/dyshek-dardana" in html and "Dyshekë" in html
    english = client.get(f"/admin/newsletter/{campaign_id}/preview/en").get_data(as_text=True)
    assert "from <strong>€255.00</strong>" in english and "Mattresses" in english
    assert client.get(f"/admin/newsletter/{campaign_id}/preview/de").status_code == 404
    # A test to the owner, in both languages, through the outbox; nobody else gets anything.
    assert client.post(f"/admin/newsletter/{campaign_id}/test").status_code == 303
    with app.app_context():
        tests = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [t.recipient for t in tests] == [admin.email, admin.email]
        assert [t.subject for t in tests] == ["[Provë] Ofertat e dhjetorit",
                                              "[Test] December offers"]
        assert db.session.get(Campaign, campaign_id).status == DRAFT
    # The draft can still change; the price is the one of the day each message leaves.
    edit = client.get(f"/admin/newsletter/{campaign_id}/edit").get_data(as_text=True)
    assert "DAR LLA-7" in edit
    client.post(f"/admin/newsletter/{campaign_id}/edit",
                data={**FORM, "subject_sq": "Ofertat e fundvitit", "products": "LLA-7"})
    with app.app_context():
        from lesnamax.catalogue.models import Product

        db.session.get(Product, lamp.id).price_cents = 3990
        db.session.commit()
    outbox_dir = app.config["MAIL_OUTBOX"]
    response = client.post(f"/admin/newsletter/{campaign_id}/send")
    assert response.status_code == 303
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == SENT and campaign.recipient_count == 2
        rows = db.session.scalars(select(CampaignRecipient)
                                  .order_by(CampaignRecipient.user_id)).all()
        assert [(r.user_id, r.language) for r in rows] == [(sq_reader.id, "sq"),
                                                           (en_reader.id, "en")]
        assert all(r.sent_at for r in rows)
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert {"newsletter.create", "newsletter.edit", "newsletter.test",
                "newsletter.send"} <= set(actions)
    import email
    import email.policy
    from pathlib import Path

    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in sorted(Path(outbox_dir).glob("*.eml"))]
    campaign_mails = {str(m["To"]): m for m in mails if "Test" not in str(m["Subject"])
                      and "Provë" not in str(m["Subject"])}
    assert set(campaign_mails) == {sq_reader.email, en_reader.email}
    albanian = campaign_mails[sq_reader.email]
    assert albanian["Subject"] == "Ofertat e fundvitit"
    assert "39,90\xa0€" in text_of(albanian) and "Dyshek Dardana" not in text_of(albanian)
    assert "Çregjistrohu" in html_of(albanian)
    assert campaign_mails[en_reader.email]["Subject"] == "December offers"
    for message in campaign_mails.values():
        link = re.search(r"<(https?://[^>]+)>", message["List-Unsubscribe"]).group(1)
        assert link.startswith("http://shop.test/newsletter/unsubscribe/")
        assert "@" not in link and "%40" not in link  # never the address in clear
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in text_of(message) and link in html_of(message)  # and a visible link
    # Sent: it can no longer change or go again.
    assert client.post(f"/admin/newsletter/{campaign_id}/edit", data=FORM).status_code == 303
    client.post(f"/admin/newsletter/{campaign_id}/send")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).subject_sq == "Ofertat e fundvitit"
        assert db.session.scalar(select(db.func.count()).select_from(CampaignRecipient)) == 2
    listing = client.get("/admin/newsletter").get_data(as_text=True)
    assert "Ofertat e fundvitit" in listing


def test_the_mailto_is_named_when_there_is_one(app, make_user):
    user = make_user(marketing=True)
    campaign_id = make_campaign(app)
    app.config["NEWSLETTER_UNSUBSCRIBE_MAILTO"] = "cregjistrim@lesnamax.example"
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        message = messages.compose(campaign, user.email, user.id, "sq", [])
    targets = message["List-Unsubscribe"].split(", ")
    assert targets[0].startswith("<http://shop.test/newsletter/unsubscribe/")
    assert targets[1] == "<mailto:cregjistrim@lesnamax.example?subject=unsubscribe>"


def test_progress_is_polled_while_sending_and_stops_when_sent(app, client, admin, make_user):
    make_user(marketing=True)
    campaign_id = make_campaign(app)
    with app.app_context():
        sending.start(campaign_id, datetime.now(UTC))
    # Opened as a page (no htmx): the campaign's page, where the fragment is polled.
    opened = client.get(f"/admin/newsletter/{campaign_id}/progress")
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/admin/newsletter/{campaign_id}")
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    part = client.get(f"/admin/newsletter/{campaign_id}/progress").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in part and "<progress" in part
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == SENDING
        assert sending.run(campaign_id) == 1
    part = client.get(f"/admin/newsletter/{campaign_id}/progress").get_data(as_text=True)
    assert "hx-trigger" not in part and 'value="1"' in part
    assert client.get("/admin/newsletter/999/progress").status_code == 404


# ---- consent at sending time ----------------------------------------------------------------

def test_a_withdrawal_after_the_start_is_honoured(app, make_user, sink):  # noqa: F811
    stays = make_user(marketing=True)
    leaves = make_user(marketing=True)
    campaign_id = make_campaign(app)
    with app.app_context():
        assert sending.start(campaign_id, datetime.now(UTC)) == 2
    set_marketing(app, leaves.id, False)
    with app.app_context():
        sending.run(campaign_id)
        assert sending.progress(campaign_id)["skipped"] == 1
        assert db.session.get(Campaign, campaign_id).status == SENT
    assert recipients_of(sink) == [stays.email]


def test_a_refusing_server_is_retried_later_without_a_second_copy(app, make_user,
                                                                  sink):  # noqa: F811
    reader = make_user(marketing=True)
    campaign_id = make_campaign(app)
    sink.refusing = True
    with app.app_context():
        sending.start(campaign_id, datetime.now(UTC))
        assert sending.run(campaign_id) == 0
        row = db.session.scalar(select(CampaignRecipient))
        assert row.sent_at is None and row.attempts == 1 and "451" in row.last_error
        assert db.session.get(Campaign, campaign_id).status == SENDING
    sink.refusing = False
    with app.app_context():
        later = datetime.now(UTC) + timedelta(hours=1)
        assert sending.stalled(later) == [campaign_id]
        assert sending.run(campaign_id, now=later) == 1
        assert sending.run(campaign_id, now=later) == 0
    assert recipients_of(sink) == [reader.email]


def test_the_periodic_job_resumes_a_campaign_nobody_sends(app, make_user, sink):  # noqa: F811
    from lesnamax import tasks

    make_user(marketing=True)
    campaign_id = make_campaign(app)
    with app.app_context():
        sending.start(campaign_id, datetime.now(UTC))  # its job was lost
        assert "Resumed 1" in tasks.resume_campaigns(datetime.now(UTC))
        assert db.session.get(Campaign, campaign_id).status == SENT
    assert len(recipients_of(sink)) == 1


# ---- unsubscribing --------------------------------------------------------------------------

def sent_campaign(app, user) -> tuple[int, str]:
    campaign_id = make_campaign(app)
    with app.app_context():
        sending.start(campaign_id, datetime.now(UTC))
        sending.run(campaign_id)
        return campaign_id, messages.unsubscribe_token(user.id, campaign_id)


def test_one_click_unsubscribes_without_login_or_token(app, make_user):
    reader = make_user(marketing=True)
    campaign_id, token = sent_campaign(app, reader)
    app.config["WTF_CSRF_ENABLED"] = True  # the mail client's POST has no CSRF token
    anonymous = app.test_client()
    # As a mail client sends it (RFC 8058): a POST of this body, no cookie, no Origin.
    response = anonymous.post(f"/newsletter/unsubscribe/{token}",
                              data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert not audience.consents(reader.id)
        records = db.session.scalars(select(ConsentRecord).where(
            ConsentRecord.user_id == reader.id, ConsentRecord.purpose == MARKETING)
            .order_by(ConsentRecord.id)).all()
        assert [r.granted for r in records] == [True, False]
        assert records[-1].campaign_id == campaign_id and records[-1].at is not None
        newest = data.export(db.session.get(User, reader.id))["consents"][0]
        assert (newest["purpose"], newest["granted"], newest["campaign"]) == (
            MARKETING, False, campaign_id)
        row = db.session.scalar(select(CampaignRecipient))
        assert row.unsubscribed_at is not None and row.consent_record_id == records[-1].id
        assert row.campaign_id == campaign_id
    # Again (the person's own click after the client's): no second record.
    anonymous.post(f"/newsletter/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ConsentRecord).where(
            ConsentRecord.user_id == reader.id, ConsentRecord.purpose == MARKETING)) == 2
        assert sending.progress(campaign_id)["unsubscribed"] == 1


def test_the_link_opens_a_page_with_a_button_that_changes_nothing_by_itself(app, client,
                                                                            make_user):
    reader = make_user(marketing=True, email="drita.berisha@example.test")
    _campaign_id, token = sent_campaign(app, reader)
    for lang, button in (("sq", "Çregjistrohu"), ("en", "Unsubscribe")):
        response = client.get(f"/newsletter/unsubscribe/{token}?lang={lang}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and button in page
        assert "d•••@example.test" in page and "drita.berisha" not in page
        assert 'name="robots" content="noindex"' in page
    with app.app_context():
        assert audience.consents(reader.id)
    response = client.post(f"/newsletter/unsubscribe/{token}?lang=sq")
    assert "nuk do t’ju dërgojmë më oferta" in response.get_data(as_text=True)
    with app.app_context():
        assert not audience.consents(reader.id)


def test_a_bad_or_forged_link_is_a_translated_404(app, client, make_user):
    reader = make_user(marketing=True)
    _campaign_id, token = sent_campaign(app, reader)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for path in (f"/newsletter/unsubscribe/{forged}", "/newsletter/unsubscribe/x"):
        for method in (client.get, client.post):
            response = method(path + "?lang=sq")
            assert response.status_code == 404
            assert "Kjo lidhje për çregjistrim nuk është e vlefshme" in response.get_data(
                as_text=True)
    with app.app_context():
        assert audience.consents(reader.id)
        data.erase(db.session.get(User, reader.id), datetime.now(UTC))
    assert client.get(f"/newsletter/unsubscribe/{token}").status_code == 404


# ---- the customer's data ----------------------------------------------------------------------

def test_export_lists_the_campaigns_and_erasure_takes_them(app, client, make_user, login):
    reader = make_user(marketing=True, language="en")
    campaign_id, _token = sent_campaign(app, reader)
    login(reader)
    exported = json.loads(client.get("/account/export.json").get_data(as_text=True))
    [entry] = exported["newsletters"]
    assert entry["campaign"] == "December offers" and entry["email"] == reader.email
    assert entry["sent_at"] and entry["unsubscribed_at"] is None
    page = client.get("/account/export?lang=en").get_data(as_text=True)
    assert "Newsletters sent to you" in page and "December offers" in page
    with app.app_context():
        data.erase(db.session.get(User, reader.id), datetime.now(UTC))
        row = db.session.scalar(select(CampaignRecipient))
        assert row.user_id is None and row.email == "" and row.sent_at is not None
        # The campaign's counts stay.
        assert sending.progress(campaign_id)["sent"] == 1
        assert db.session.get(Campaign, campaign_id).recipient_count == 1
