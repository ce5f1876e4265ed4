"""An account that never accepted the policy is asked to accept it, not told it changed
(issue 17): the owner made by ``flask create-admin`` was told at their first login that
version 1 had changed.
"""

from __future__ import annotations

import re

from lesnamax.account.models import User
from lesnamax.extensions import db
from lesnamax.privacy import services

from .test_privacy import make_in_force, publish

CHANGED = "Politika e privatësisë ka ndryshuar"
FIRST = "Ju lutemi pranoni politikën tonë të privatësisë"


def create_owner(app) -> str:
    result = app.test_cli_runner().invoke(args=["create-admin", "pronari@example.test",
                                                "--generate-password"])
    assert result.exit_code == 0, result.output
    return re.search(r"Password: (\S+)", result.output).group(1)


def test_the_owners_first_login_asks_to_accept_not_that_it_changed(app, client):
    password = create_owner(app)
    response = client.post("/account/login?next=/admin/",
                           data={"email": "pronari@example.test", "password": password})
    assert response.headers["Location"].startswith("/privacy/accept")
    page = client.get(response.headers["Location"]).text
    assert f"<h1>{FIRST}</h1>" in page and f"<title>{FIRST} · LESNA MAX</title>" in page
    assert CHANGED not in page
    assert "Versioni 1 është në fuqi" in page
    english = client.get("/privacy/accept?lang=en").text
    assert "<h1>Please accept our privacy policy</h1>" in english
    assert "policy has changed" not in english
    accepted = client.post("/privacy/accept?next=/admin/", data={"accept": "y"})
    assert accepted.headers["Location"] == "/admin/"
    with app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == "pronari@example.test"))
        assert services.accepted_version(owner) == 1


def test_a_later_version_is_still_announced_as_changed(app, client, make_user, login):
    user = make_user()  # accepted version 1 at registration
    publish(app)
    make_in_force(app, 2)
    page = client.get(login(user).headers["Location"]).text
    assert f"<h1>{CHANGED}</h1>" in page and FIRST not in page
    assert "Shtuam pagesën me kartelë." in page  # what changed since the version accepted
