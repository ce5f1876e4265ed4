"""The form for writing a new privacy policy version."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import format_date, ngettext
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from ..i18n import _l
from ..privacy import services as privacy
from .customer_forms import LocalDateField, date_required, long_text

#: Version 1 is about 3,000 characters; a hundred thousand leaves room and bounds the request.
BODY_MAX = 100_000
SUMMARY_MAX = 5_000


def too_far_message(last: date) -> str:
    return ngettext("A new version can take effect at most %(num)d day after it is published: "
                    "the latest day is %(date)s.",
                    "A new version can take effect at most %(num)d days after it is published: "
                    "the latest day is %(date)s.", privacy.MAX_AHEAD_DAYS,
                    date=format_date(last, "long"))


def not_too_far_ahead(_form, field) -> None:
    """Refuse before the preview what privacy.services.publish would refuse at the end."""
    last = privacy.latest_allowed_day(datetime.now(UTC))
    if field.data is not None and field.data > last:
        raise ValidationError(too_far_message(last))


class PolicyForm(FlaskForm):
    body_sq = long_text(_l("Text in Albanian"), BODY_MAX)
    body_en = long_text(_l("Text in English"), BODY_MAX)
    summary_sq = long_text(_l("What changes, in Albanian (optional)"), SUMMARY_MAX,
                           required=False)
    summary_en = long_text(_l("What changes, in English (optional)"), SUMMARY_MAX,
                           required=False)
    effective_from = LocalDateField(_l("In force from"), [date_required, not_too_far_ahead])
