"""Days of notice and "the day the account was created" are Prishtinë's days, not UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lesnamax.account.models import User
from lesnamax.audit import Actor
from lesnamax.extensions import db
from lesnamax.privacy import services as privacy
from lesnamax.privacy.manage import DisclosureError, record_disclosure

#: 00:30 on 22 December in Prishtinë, still 21 December in UTC.
AFTER_MIDNIGHT = datetime(2026, 12, 21, 23, 30, tzinfo=UTC)


def test_the_ten_days_notice_counts_from_the_shops_day(app):
    with app.app_context():
        # Published on 22 December in Prishtinë: 31 December is only nine days later.
        with pytest.raises(privacy.PolicyError) as refused:
            privacy.publish("Politika\n\nTeksti.", "Policy\n\nText.", date(2026, 12, 31),
                            AFTER_MIDNIGHT)
        assert refused.value.args[0].endswith("(earliest: 2027-01-01)")
        privacy.publish("Politika\n\nTeksti.", "Policy\n\nText.", date(2027, 1, 1),
                        AFTER_MIDNIGHT)


def test_a_disclosure_cannot_predate_the_shop_day_the_account_was_created(app, make_user):
    user = make_user()
    with app.test_request_context():  # the error's message is translated
        found = db.session.get(User, user.id)
        found.created_at = AFTER_MIDNIGHT  # 22 December in Prishtinë
        db.session.commit()
        found = db.session.get(User, user.id)
        owner = Actor(None, "admin@example.test", None)
        with pytest.raises(DisclosureError):
            record_disclosure(found, "Policia e Kosovës", "Urdhër gjykate",
                              date(2026, 12, 21), "Emri", date(2026, 12, 23), owner)
        record_disclosure(found, "Policia e Kosovës", "Urdhër gjykate",
                          date(2026, 12, 22), "Emri", date(2026, 12, 23), owner)


def test_a_confirmed_registration_takes_the_policy_of_the_shops_day(app):
    """A registration kept without its policy version (stored before versions were kept) is
    confirmed at 00:30 on 1 January in Prishtinë: the policy in force that day applies."""
    from sqlalchemy import select

    from lesnamax.account import registration
    from lesnamax.account.models import PendingRegistration
    from lesnamax.privacy.models import ConsentRecord
    from lesnamax.web import Visit

    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 1 January 2027 in Prishtinë
    details = {"first_name": "Drita", "last_name": "Gashi", "email": "drita@example.test",
               "phone": "+38344123456", "street": "Rr. 1", "municipality": "prishtine",
               "postal_code": "", "password": "Nje-fjalekalim-26", "language": "sq"}
    with app.app_context():
        new = privacy.publish("Politika e re\n\nTeksti.", "New policy\n\nText.", date(2027, 1, 1),
                              datetime(2026, 12, 15, 12, tzinfo=UTC))
        with app.test_request_context():  # the e-mail's link is built as in the request
            secret, _ = registration.start(details, {"privacy_policy": True,
                                                     "age_or_guardian": True},
                                           Visit("192.0.2.1"), date(2026, 12, 6), "")
        row = db.session.scalar(select(PendingRegistration))
        row.data = {key: value for key, value in row.data.items() if key != "policy_version"}
        db.session.commit()
        user, _ = registration.confirm(secret, new_year, 10**9, "Nje-fjalekalim-26")
        versions = set(db.session.scalars(
            select(ConsentRecord.policy_version_id).where(ConsentRecord.user_id == user.id)))
        assert versions == {new.id}
