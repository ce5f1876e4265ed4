"""The privacy promise: versioned policy with the 10-day rule, consents, export and erasure."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lesnamax.account.models import LoginEvent, ProfileChange, User
from lesnamax.extensions import db
from lesnamax.privacy import services
from lesnamax.privacy.models import ConsentRecord, PolicyVersion

from .conftest import PASSWORD

TODAY = date.today()
NOW = datetime.now(UTC)


def publish(app, days_ahead=10, summary="Shtuam pagesën me kartelë."):
    with app.app_context():
        return services.publish(
            "Politika e re\n\nTeksti i ri.",
            "New policy\n\nThe new text.",
            TODAY + timedelta(days=days_ahead),
            NOW,
            summary,
            "We added card payments.",
        ).version


def make_in_force(app, number):
    """Move version ``number`` into force (as if its effective date had come)."""
    with app.app_context():
        version = db.session.scalar(select(PolicyVersion).filter_by(kind="privacy", version=number))
        version.effective_from = TODAY
        db.session.commit()
        services.forget_cache()


def test_policy_in_force_is_version_one_from_the_seed(client):
    html = client.get("/privacy").text
    assert "<h1>Politika e privatësisë</h1>" in html
    assert "Emri dhe mbiemri" in html and "10 ditë para se të hyjnë në fuqi" in html
    assert "Versioni 1, në fuqi nga 1 janar 2021." in html
    assert "<li>Numri i telefonit</li>" in html


def test_policy_in_english_is_a_translation(client):
    html = client.get("/privacy?lang=en").text
    assert "<h1>Privacy policy</h1>" in html
    assert "10 days before they come into force" in html and "Name and surname" in html


def test_policy_is_data_not_a_template(app):
    with app.app_context():
        v1 = db.session.scalar(select(PolicyVersion).filter_by(kind="privacy", version=1))
        assert v1.effective_from == date(2021, 1, 1)
        assert v1.body_sq.startswith("Politika e privatësisë")
        assert (v1.effective_from - v1.published_at.date()).days >= 10


@pytest.mark.parametrize("days", [0, 1, 9, -5])
def test_a_version_needs_ten_days_notice(app, days):
    with app.app_context(), pytest.raises(services.PolicyError):
        services.publish("Tekst", "Text", TODAY + timedelta(days=days), NOW)


def test_a_version_needs_both_languages(app):
    with app.app_context(), pytest.raises(services.PolicyError):
        services.publish("Tekst", "  ", TODAY + timedelta(days=30), NOW)


def test_ten_days_is_enough_and_versions_count_up(app):
    assert publish(app, 10) == 2
    with app.app_context(), pytest.raises(services.PolicyError):  # not before the pending one
        services.publish("T", "T", TODAY + timedelta(days=10), NOW)
    assert publish(app, 40) == 3


def test_cli_publish(app, tmp_path):
    sq, en = tmp_path / "sq.txt", tmp_path / "en.txt"
    sq.write_text("Politika e privatësisë\n\nTekst i ri.", encoding="utf-8")
    en.write_text("Privacy policy\n\nNew text.", encoding="utf-8")
    runner = app.test_cli_runner()
    soon = (TODAY + timedelta(days=3)).isoformat()
    refused = runner.invoke(
        args=["policy", "publish", str(sq), "--en", str(en), "--effective", soon]
    )
    assert refused.exit_code != 0 and "10 days" in refused.output
    later = (TODAY + timedelta(days=12)).isoformat()
    ok = runner.invoke(
        args=[
            "policy",
            "publish",
            str(sq),
            "--en",
            str(en),
            "--effective",
            later,
            "--summary-sq",
            "Ndryshim i vogël.",
        ]
    )
    assert ok.exit_code == 0, ok.output
    assert "Published version 2" in ok.output


def test_pending_version_shows_a_notice_on_every_page(app, client):
    assert 'id="policy-notice"' not in client.get("/").text
    publish(app, 12)
    when = TODAY + timedelta(days=12)
    for path in ["/", "/products", "/privacy", "/account/login"]:
        html = client.get(path).text
        assert 'id="policy-notice"' in html
        assert "Politika e privatësisë ndryshon më" in html and str(when.year) in html
        assert 'href="/privacy/versions/2"' in html
    upcoming = client.get("/privacy/versions/2").text
    assert "Ky nuk është versioni në fuqi." in upcoming
    assert "Shtuam pagesën me kartelë." in upcoming  # the summary of changes
    assert "Versioni 1" in client.get("/privacy").text  # v1 is still the one in force


def test_the_notice_can_be_dismissed(app, client, hx):
    publish(app)
    response = hx.post("/privacy/notice/dismiss")
    assert response.status_code == 200 and response.text == ""
    assert 'id="policy-notice"' not in client.get("/").text
    client.delete_cookie("policy_notice_dismissed")
    plain = client.post("/privacy/notice/dismiss", data={"next": "/products"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/products"


def test_previous_versions_stay_readable(app, client):
    publish(app)
    make_in_force(app, 2)
    assert "Teksti i ri." in client.get("/privacy").text
    old = client.get("/privacy/versions/1").text
    assert "Emri dhe mbiemri" in old and "Ky nuk është versioni në fuqi." in old
    assert client.get("/privacy/versions/99").status_code == 404


def test_new_version_must_be_accepted_at_next_login(app, client, make_user, login):
    user = make_user()
    publish(app)
    make_in_force(app, 2)
    response = login(user)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/privacy/accept")
    page = client.get(response.headers["Location"]).text
    assert "Politika e privatësisë ka ndryshuar" in page and "Shtuam pagesën me kartelë." in page
    refused = client.post("/privacy/accept", data={})
    assert refused.status_code == 422 and "shënoni kutinë" in refused.text
    accepted = client.post("/privacy/accept?next=/account/privacy", data={"accept": "y"})
    assert accepted.headers["Location"] == "/account/privacy"
    with app.app_context():
        assert services.accepted_version(db.session.get(User, user.id)) == 2
    client.post("/account/logout")
    assert login(user).headers["Location"] == "/account"  # not asked again


def test_marketing_consent_toggles_inline(app, client, hx, make_user, login):
    user = make_user(marketing=True)
    login(user)
    page = client.get("/account/privacy").text
    assert "Ndalo email-at e marketingut" in page
    response = hx.post("/account/privacy/marketing", data={"granted": "0"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="marketing"') and "<html" not in response.text
    assert "Më dërgoni oferta me email" in response.text
    assert "Nuk do të merrni më email-a marketingu." in response.text
    plain = client.post("/account/privacy/marketing", data={"granted": "1"})
    assert plain.status_code == 303
    with app.app_context():
        records = db.session.scalars(
            select(ConsentRecord).filter_by(purpose="marketing").order_by(ConsentRecord.id)
        ).all()
        assert [r.granted for r in records] == [True, False, True]
        assert records[-1].ip == "127.0.0.1" and records[-1].policy_version.version == 1
    assert client.post("/account/privacy/marketing", data={"granted": "maybe"}).status_code == 400


def test_consent_history_is_shown(client, make_user, login):
    login(make_user())
    html = client.get("/account/privacy").text
    assert "Historiku i pëlqimeve tuaja" in html
    assert html.count("<tr>") == 4  # header + three consents from registration


def test_export_json_has_everything(app, client, hx, make_user, login):
    user = make_user()
    login(user, password="gabim-gabim-gabim")
    login(user)
    hx.post("/account/fields/phone", data={"phone": "049 555 666"})
    response = client.get("/account/export.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.text)
    assert data["profile"]["first_name"] == "Arta"
    assert data["profile"]["phone"] == "+38349555666"
    assert data["profile"]["municipality"] == "Prishtinë"
    assert {c["purpose"] for c in data["consents"]} == {
        "privacy_policy",
        "age_or_guardian",
        "marketing",
    }
    assert [e["outcome"] for e in data["logins"]] == ["ok", "bad_password"]
    assert data["profile_changes"][0]["field"] == "phone"
    assert "password_hash" not in response.text and "session_token" not in response.text


def test_export_html_view(client, make_user, login):
    login(make_user())
    html = client.get("/account/export").text
    assert "Të dhënat e mia" in html and "Arta" in html and "Rr. Bill Clinton" in html


def test_delete_account_asks_for_the_password(app, client, make_user, login):
    user = make_user()
    login(user)
    wrong = client.post("/account/delete", data={"password": "gabim-gabim"})
    assert wrong.status_code == 422 and "Fjalëkalim i gabuar." in wrong.text
    with app.app_context():
        assert db.session.get(User, user.id).erased_at is None


def test_delete_account_erases_and_ends_all_sessions(app, client, make_user, login):
    user = make_user()
    other_device = app.test_client()
    other_device.post(
        "/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert other_device.get("/account").status_code == 200
    login(user)
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 303
    assert "Llogaria dhe të dhënat tuaja personale u fshinë." in client.get("/").text
    assert client.get("/account").status_code == 302
    assert other_device.get("/account").status_code == 302  # the other session ended too
    with app.app_context():
        erased = db.session.get(User, user.id)
        assert erased.erased_at is not None
        personal = (
            erased.first_name,
            erased.last_name,
            erased.phone,
            erased.street,
            erased.municipality,
            erased.postal_code,
            erased.created_ip,
        )
        assert all(not value for value in personal)
        assert user.email not in erased.email
        for model in (ConsentRecord, LoginEvent, ProfileChange):
            assert (
                db.session.scalar(
                    select(func.count()).select_from(model).where(model.user_id == user.id)
                )
                == 0
            )
    assert login(user).status_code == 422  # the old credentials are gone


def test_purge_expired_blanks_old_ip_addresses(app, make_user, login):
    user = make_user()
    login(user)
    with app.app_context():
        old = NOW - timedelta(days=400)
        db.session.add(LoginEvent(user_id=user.id, ip="198.51.100.7", outcome="ok", at=old))
        db.session.add(ProfileChange(user_id=user.id, field="phone", ip="198.51.100.7", at=old))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0 and "365" in result.output
    with app.app_context():
        ips = db.session.scalars(select(LoginEvent.ip).order_by(LoginEvent.at)).all()
        assert ips == [None, "127.0.0.1"]  # the recent one stays
        assert db.session.scalar(select(ProfileChange.ip)) is None
        assert db.session.get(User, user.id).created_ip == "192.0.2.1"


def test_marketing_toggle_refreshes_the_history_out_of_band(client, hx, make_user, login):
    login(make_user(marketing=True))
    html = hx.post("/account/privacy/marketing", data={"granted": "0"}).text
    assert '<table class="history" id="consent-history" hx-swap-oob="true">' in html
    assert html.count("<tr>") == 5  # header + three from registration + the withdrawal
