"""The form for writing a new privacy policy version."""

from __future__ import annotations

from flask_wtf import FlaskForm

from ..i18n import _l
from .customer_forms import LocalDateField, date_required, long_text

#: Version 1 is about 3,000 characters; a hundred thousand leaves room and bounds the request.
BODY_MAX = 100_000
SUMMARY_MAX = 5_000


class PolicyForm(FlaskForm):
    body_sq = long_text(_l("Text in Albanian"), BODY_MAX)
    body_en = long_text(_l("Text in English"), BODY_MAX)
    summary_sq = long_text(_l("What changes, in Albanian (optional)"), SUMMARY_MAX,
                           required=False)
    summary_en = long_text(_l("What changes, in English (optional)"), SUMMARY_MAX,
                           required=False)
    effective_from = LocalDateField(_l("In force from"), [date_required])
