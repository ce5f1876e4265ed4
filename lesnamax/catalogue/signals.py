"""Questions the catalogue asks of later areas (blinker, as Flask's own signals).

The catalogue comes first in the import order, so it cannot call orders; a later area answers
here, connected at start-up in the app factory (``lesnamax.connect_signals``).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Asked (sender: the Product class, ``product_id``) before a product is deleted; a receiver
#: returns True when its records still point at the product, which is then only deactivated.
#: Orders answer (``orders.manage.product_is_ordered``).
product_in_use = _signals.signal("product-in-use")
