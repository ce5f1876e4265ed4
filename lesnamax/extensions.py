"""Flask extensions, created unbound; ``create_app`` binds them."""

from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints keep Alembic migrations (SQLite batch mode above all) reproducible.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signer built once per app.

    Flask builds the signer (key derivation included) for every request, cookie or not: a
    sixth of what a cached catalogue page costs to answer. Its inputs (the secret keys, the
    salt, the serializer) do not change while the app runs.
    """

    def get_signing_serializer(self, app):
        signer = app.extensions.get("lesnamax_session_signer")
        if signer is None:
            signer = app.extensions["lesnamax_session_signer"] = super().get_signing_serializer(
                app)
        return signer


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# The key is set per limit (IP or account); storage comes from RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)
