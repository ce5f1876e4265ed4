"""Each sentence of the privacy policy, checked against the code (politika-e-privatesise.txt).

The detailed behaviour lives in the area tests; this file is the index a reader or an auditor
can follow, one test per promise.
"""

import re

from sqlalchemy import select

from lesnamax.account.forms import RegisterForm
from lesnamax.account.models import LoginEvent, User
from lesnamax.extensions import db
from lesnamax.privacy import services
from lesnamax.privacy.models import ConsentRecord, PolicyVersion


def test_registration_collects_name_email_address_and_phone_only(app):
    # "Emri dhe mbiemri, E-mail, Adresa për dërgimin e porosisë dhe Numri i telefonit"
    with app.test_request_context():
        fields = {name for name in RegisterForm()._fields if name != "csrf_token"}
    assert fields == {
        "first_name",
        "last_name",
        "email",
        "street",
        "municipality",
        "postal_code",
        "phone",
        "password",
        "accept_policy",
        "age_ok",
        "marketing",
    }
    personal = {c.name for c in User.__table__.columns} - {
        "id",
        "password_hash",
        "is_admin",
        "created_at",
        "created_ip",
        "session_token",
        "erased_at",
        "language",
    }
    assert personal == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "street",
        "municipality",
        "postal_code",
    }


def test_marketing_only_with_consent_which_is_optional_and_revocable(app, client, make_user, login):
    # "... për t'ju informuar dhe reklamuar ... në qoftë se ju keni zgjedhur këtë opsion"
    user = make_user(marketing=False)
    with app.app_context():
        record = db.session.scalar(
            select(ConsentRecord).filter_by(user_id=user.id, purpose="marketing")
        )
        assert record.granted is False
    login(user)
    client.post("/account/privacy/marketing", data={"granted": "1"})
    client.post("/account/privacy/marketing", data={"granted": "0"})
    with app.app_context():
        latest = services.latest_consents(services.consent_history(db.session.get(User, user.id)))
        assert latest["marketing"].granted is False


def test_nothing_is_handed_to_third_parties_not_even_a_font(client):
    # "nuk do të publikohen, shiten ose dorëzohen tek një palë e tretë"
    html = client.get("/account/register").text
    assert not re.search(r'(src|href)="(https?:)?//', html.split("</head>")[0])
    assert "default-src 'self'" in client.get("/").headers["Content-Security-Policy"]


def test_ip_addresses_are_recorded(app, client, make_user, login):
    # "LESNA MAX rezervon të drejtën për të përdorur IP adresën"
    user = make_user()
    login(user)
    with app.app_context():
        assert db.session.scalar(select(User.created_ip).filter_by(id=user.id))
        assert db.session.scalar(select(LoginEvent.ip)) == "127.0.0.1"


def test_data_can_be_changed_at_any_moment(app, client, make_user, login):
    # "Në çdo moment ju mund të ndryshoni, përditësoni ose korrigjoni të dhënat"
    login(make_user())
    for field, data in [
        ("first_name", {"first_name": "Era"}),
        ("last_name", {"last_name": "Hoxha"}),
        ("phone", {"phone": "049 111 222"}),
        ("address", {"street": "Rr. B 2", "municipality": "peje"}),
    ]:
        assert client.post(f"/account/fields/{field}", data=data).status_code == 303


def test_no_card_data_is_collected(app):
    # "Nuk mbledhim ndonjë informacion të natyrës financiare, si numri i kartës"
    columns = {c.name for table in db.metadata.sorted_tables for c in table.columns}
    # "pan" (the card number) as a word of its own: "company_name" is not card data.
    card = re.compile(r"card|cvv|cvc|expiry|iban|(?:^|_)pan(?:_|$)")
    assert not {name for name in columns if card.search(name)}
    assert card.search("card_pan") and card.search("pan") and not card.search("company_nrb")


def test_minors_need_a_guardians_permission(client):
    # "Të miturit nuk mund të japin të dhëna personale pa leje nga prindërit ose kujdestarët"
    response = client.post("/account/register", data={"age_ok": ""})
    assert response.status_code == 422 and "konfirmoni moshën" in response.text


def test_changes_are_published_ten_days_ahead(app):
    # "Ndryshimet ... do të publikohen ... 10 ditë para se të hyjnë në fuqi."
    from datetime import date, timedelta

    import pytest

    with app.app_context():
        with pytest.raises(services.PolicyError):
            services.publish("a", "b", date.today() + timedelta(days=9), services.utcnow())
        # The privacy policy's promise; the first terms of sale took effect when published.
        versions = db.session.scalars(select(PolicyVersion).filter_by(kind="privacy")).all()
        assert all((v.effective_from - v.published_at.date()).days >= 10 for v in versions)


def test_users_accept_the_policy_at_registration(client):
    # "Çdo përdorues pas regjistrimit dhe blerjes, deklaron se ... pajtohet me Politikën"
    response = client.post("/account/register", data={"accept_policy": ""})
    assert response.status_code == 422 and "Duhet ta pranoni politikën" in response.text
