"""Admin privacy policy: versions with acceptance counts, preview, publish (10-day rule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lesnamax.audit import AuditEvent
from lesnamax.extensions import db
from lesnamax.privacy import services as privacy
from lesnamax.privacy.models import PRIVACY_POLICY, ConsentRecord, PolicyVersion

#: The shop's today (Prishtinë), which the admin pages count in, not the server's.
TODAY = datetime.now(ZoneInfo("Europe/Belgrade")).date()
BODY_SQ = "Politika e privatësisë\nNe ruajmë të dhënat tuaja.\n• emri\n• telefoni"
BODY_EN = "Privacy policy\nWe keep your data.\n• name\n• phone"


@pytest.fixture
def english(client):
    # Messages are asserted in English: the Albanian catalogue gets them when the lead merges.
    client.set_cookie("lang", "en")


def form(action: str, days: int = 10, **changes) -> dict:
    return {"action": action, "body_sq": BODY_SQ, "body_en": BODY_EN,
            "summary_sq": "Shtuam telefonin.", "summary_en": "We added the phone.",
            "effective_from": (TODAY + timedelta(days=days)).isoformat(), **changes}


def post(client, data: dict):
    # The page sends multipart: the size limit for form data then applies per field.
    return client.post("/admin/policy/new", data=data, content_type="multipart/form-data")


def version_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(PolicyVersion.id))
                                 .where(PolicyVersion.kind == "privacy"))


def publish_directly(app, days: int) -> int:
    with app.app_context():
        return privacy.publish("Tekst\nI ri", "Text\nNew", TODAY + timedelta(days=days),
                               datetime.now(UTC)).version


def audit_events(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent)
                                       .where(AuditEvent.action == "policy.publish")))


def test_list_shows_states_and_how_many_accepted_each(app, client, admin, make_user, english):
    first, second = make_user(), make_user()
    make_user()
    publish_directly(app, 10)
    with app.app_context():
        v1 = privacy.version(1)
        v2 = privacy.version(2)
        # A second acceptance by the same person counts once; a withdrawal or another purpose
        # does not count; version 2 is accepted by one customer ahead of time.
        for user_id, version, purpose, granted in [
            (first.id, v1, PRIVACY_POLICY, True), (second.id, v1, PRIVACY_POLICY, False),
            (second.id, v2, "marketing", True), (first.id, v2, PRIVACY_POLICY, True)]:
            db.session.add(ConsentRecord(user_id=user_id, purpose=purpose, granted=granted,
                                         policy_version_id=version.id))
        db.session.commit()
    html = client.get("/admin/policy").text
    rows = html.split("<tbody>")[1].split("<tr>")[1:]
    assert "Version 2" in rows[0] and "pending" in rows[0]
    assert '<td class="number">1</td>' in rows[0]
    assert "Version 1" in rows[1] and "in force" in rows[1]
    assert '<td class="number">4</td>' in rows[1]  # the admin and three customers


def test_a_past_version_is_marked_past(app, client, admin, english):
    with app.app_context():
        db.session.add(PolicyVersion(version=2, body_sq="a", body_en="b",
                                     effective_from=TODAY - timedelta(days=1)))
        db.session.commit()
    rows = client.get("/admin/policy").text.split("<tbody>")[1].split("<tr>")[1:]
    assert "in force" in rows[0] and "past" in rows[1]


def test_list_query_count_does_not_grow_with_versions(app, client, admin, count_queries):
    def count() -> int:
        with count_queries() as queries:
            assert client.get("/admin/policy").status_code == 200
        return len(queries)

    few = count()
    publish_directly(app, 10)
    publish_directly(app, 20)
    assert count() == few


def test_a_version_page_shows_both_languages(client, admin):
    html = client.get("/admin/policy/1").text
    assert 'lang="sq"' in html and 'lang="en"' in html
    assert "Republikës së Kosovës" in html and "Republic of Kosovo" in html
    assert client.get("/admin/policy/99").status_code == 404


def test_the_form_starts_from_the_latest_text_and_the_earliest_day(client, admin):
    html = client.get("/admin/policy/new").text
    assert "Republikës së Kosovës" in html and "Republic of Kosovo" in html
    assert f'value="{(TODAY + timedelta(days=10)).isoformat()}"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html


def test_the_form_starts_after_a_pending_version(app, client, admin):
    publish_directly(app, 30)
    html = client.get("/admin/policy/new").text
    assert f'value="{(TODAY + timedelta(days=31)).isoformat()}"' in html
    assert "Tekst\nI ri" in html


def test_preview_renders_like_the_public_page_and_publishes_nothing(app, client, admin):
    response = post(client, form("preview"))
    html = response.text
    assert response.status_code == 200
    assert "<h3>Politika e privatësisë</h3>" in html and "<li>telefoni</li>" in html
    assert "<h3>Privacy policy</h3>" in html and "<li>phone</li>" in html
    assert "<p>Shtuam telefonin.</p>" in html
    assert 'name="action" value="publish"' in html
    assert 'name="body_sq" value="Politika e privatësisë\nNe ruajmë' in html
    assert version_count(app) == 1


def test_back_to_editing_keeps_the_text(app, client, admin):
    response = post(client, form("edit"))
    assert response.status_code == 200
    assert "Ne ruajmë të dhënat tuaja." in response.text and "<textarea" in response.text
    assert version_count(app) == 1


def test_publish(app, client, admin, english):
    response = post(client, form("publish"))
    assert response.status_code == 303 and response.headers["Location"] == "/admin/policy"
    with app.app_context():
        created = privacy.version(2)
        assert (created.body_sq, created.body_en) == (BODY_SQ, BODY_EN)
        assert created.summary_en == "We added the phone."
        assert created.effective_from == TODAY + timedelta(days=10)
    audit = audit_events(app)
    assert [(e.subject_type, e.subject_id, e.actor_id) for e in audit] == [
        ("policy", "2", admin.id)]
    page = client.get("/admin/policy").text
    assert "Version 2 is published." in page and "pending" in page


def test_the_public_notice_appears_at_once_after_publishing(app, client, admin):
    assert 'id="policy-notice"' not in client.get("/").text  # the state is cached now
    assert post(client, form("publish")).status_code == 303
    home = client.get("/").text
    assert 'id="policy-notice"' in home and "/privacy/versions/2" in home
    assert client.get("/privacy/versions/2").status_code == 200


@pytest.mark.parametrize("days", [0, 9, -1])
def test_publish_refused_less_than_ten_days_ahead(app, client, admin, english, days):
    response = post(client, form("publish", days=days))
    assert response.status_code == 422
    assert "no sooner than 10 days" in response.text
    assert 'id="effective_from-error"' in response.text
    assert "Ne ruajmë të dhënat tuaja." in response.text  # what was typed is kept
    assert version_count(app) == 1
    assert audit_events(app) == []


def test_publish_refused_before_a_pending_version(app, client, admin, english):
    publish_directly(app, 30)
    response = post(client, form("publish", days=20))
    assert response.status_code == 422
    assert "must take effect after the latest one" in response.text
    assert version_count(app) == 2
    assert audit_events(app) == []


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"body_sq": ""}, "body_sq", "This field is required."),
    ({"body_en": "   "}, "body_en", "This field is required."),
    ({"effective_from": ""}, "effective_from", "This field is required."),
    ({"effective_from": "   "}, "effective_from", "This field is required."),
    ({"effective_from": "abc"}, "effective_from", "Enter a date like 2026-11-25."),
    ({"effective_from": "-3"}, "effective_from", "Enter a date like 2026-11-25."),
    ({"body_sq": "x" * 100_001}, "body_sq", "This field is too long."),
    ({"summary_en": "x" * 5_001}, "summary_en", "This field is too long."),
    ({"body_en": "Privacy\x00policy"}, "body_en", "invisible or control characters"),
])
@pytest.mark.parametrize("action", ["preview", "publish"])
def test_bad_input_is_refused_with_a_message(app, client, admin, english, changes, field,
                                             message, action):
    response = post(client, form(action, **changes))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and message in response.text
    assert "Not a valid" not in response.text
    assert version_count(app) == 1


def test_hostile_text_is_escaped_in_preview_and_on_the_public_page(app, client, admin):
    hostile = "Politika\n<script>alert(1)</script>\n• <img src=x onerror=alert(2)>"
    preview = post(client, form("preview", body_sq=hostile)).text
    assert "<script>alert(1)" not in preview and "&lt;script&gt;alert(1)" in preview
    assert "<img src=x" not in preview
    assert post(client, form("publish", body_sq=hostile)).status_code == 303
    public = client.get("/privacy/versions/2?lang=sq").text
    assert "<script>alert(1)" not in public and "&lt;script&gt;alert(1)" in public


def test_a_plain_urlencoded_post_works_too(app, client, admin):
    response = client.post("/admin/policy/new", data=form("publish"))
    assert response.status_code == 303 and version_count(app) == 2


# ---- the upper limit and the shop's time zone ---------------------------------------------

@pytest.mark.parametrize("action", ["preview", "publish"])
@pytest.mark.parametrize("effective_from", [
    (TODAY + timedelta(days=366)).isoformat(), "9999-12-31"])
def test_a_date_more_than_a_year_ahead_is_refused(app, client, admin, english, action,
                                                  effective_from):
    response = post(client, form(action, effective_from=effective_from))
    assert response.status_code == 422
    assert 'id="effective_from-error"' in response.text
    assert "at most 365 days after it is published" in response.text
    assert "Ne ruajmë të dhënat tuaja." in response.text  # what was typed is kept
    assert version_count(app) == 1 and audit_events(app) == []
    assert client.get("/admin/policy/new").status_code == 200


def test_a_date_exactly_a_year_ahead_is_accepted(app, client, admin):
    assert post(client, form("publish", days=365)).status_code == 303
    assert version_count(app) == 2


def test_the_service_refuses_more_than_a_year_ahead_too(app):
    # The command line (flask policy publish) goes through the same service.
    with app.app_context(), pytest.raises(privacy.PolicyError) as refused:
        privacy.publish("Tekst", "Text", date(9999, 12, 31), datetime.now(UTC))
    assert refused.value.reason == privacy.TOO_FAR
    assert refused.value.day == TODAY + timedelta(days=365)
    assert "at most 365 days" in str(refused.value)
    assert version_count(app) == 1


def test_the_command_line_says_why(app, tmp_path):
    (tmp_path / "sq.txt").write_text("Tekst", encoding="utf-8")
    (tmp_path / "en.txt").write_text("Text", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=[
        "policy", "publish", str(tmp_path / "sq.txt"), "--en", str(tmp_path / "en.txt"),
        "--effective", "9999-12-31"])
    assert result.exit_code != 0 and "at most 365 days" in result.output
    assert version_count(app) == 1


def test_pages_work_with_a_last_day_version_already_stored(app, client, admin, english):
    # Stored before the limit existed: the form must open, and publishing says why not.
    with app.app_context():
        db.session.add(PolicyVersion(version=2, body_sq="Tekst", body_en="Text",
                                     effective_from=date(9999, 12, 31)))
        db.session.commit()
    assert client.get("/admin/policy").status_code == 200
    new = client.get("/admin/policy/new")
    assert new.status_code == 200 and 'value="9999-12-31"' in new.text
    response = post(client, form("publish"))
    assert response.status_code == 422
    assert "must take effect after the latest one" in response.text
    assert version_count(app) == 2 and audit_events(app) == []


def _zone_where_today_differs() -> tuple[str, date]:
    """A time zone whose date differs from the server's right now (one of them always does)."""
    for zone in ("Etc/GMT-14", "Etc/GMT+12"):
        day = datetime.now(ZoneInfo(zone)).date()
        if day != date.today():
            return zone, day
    raise AssertionError("no time zone differs from the server's date")


def test_the_days_are_the_shops_not_the_servers(app, client, admin):
    zone, shop_day = _zone_where_today_differs()
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    html = client.get("/admin/policy/new").text
    assert f'value="{(shop_day + timedelta(days=10)).isoformat()}"' in html


def test_the_limit_is_explained_in_albanian(client, admin):
    response = post(client, form("publish", effective_from="9999-12-31"))
    assert response.status_code == 422
    assert "jo më vonë se 365 ditë pas publikimit" in response.text
    assert "At least 10 days and at most" not in response.text
    assert "Të paktën 10 ditë dhe më së shumti një vit nga sot." in response.text


def test_the_views_leave_queries_and_transactions_to_the_services():
    # Thin views: listing, draft and audited publishing live in privacy/manage.py.
    import inspect

    from lesnamax.admin import policy

    source = inspect.getsource(policy)
    for word in ("db.session", "select(", "commit", "rollback", "auditing", "audit."):
        assert word not in source
