"""Every model module, for the metadata (create_all, Alembic's autogenerate): app wiring.

Core's ``database.import_models`` calls this through the hook the package registers, so the
core never names an area.
"""

from __future__ import annotations


def import_models() -> None:
    """Import every model module so the metadata (and Alembic) sees all tables."""
    from . import audit, outbox, ratelimit, shopsettings  # noqa: F401
    from .account import models as account_models  # noqa: F401
    from .cart import models as cart_models  # noqa: F401
    from .catalogue import models as catalogue_models  # noqa: F401
    from .contact import models as contact_models  # noqa: F401
    from .invoices import models as invoice_models  # noqa: F401
    from .newsletter import models as newsletter_models  # noqa: F401
    from .orders import models as order_models  # noqa: F401
    from .payments import models as payment_models  # noqa: F401
    from .payments import sandbox_models  # noqa: F401
    from .privacy import models as privacy_models  # noqa: F401
    from .returns import models as return_models  # noqa: F401
