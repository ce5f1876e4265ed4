"""A return's states and kinds in words, for the customer's and the owner's pages."""

from ..i18n import _l
from .models import OWNER, RECEIVED, REFUNDED, REJECTED, REQUESTED, WITHDRAWAL

STATE = {
    REQUESTED: _l("requested"),
    RECEIVED: _l("goods received"),
    REFUNDED: _l("refunded"),
    REJECTED: _l("rejected"),
}
KIND = {WITHDRAWAL: _l("withdrawal by the customer"), OWNER: _l("started by the shop")}
