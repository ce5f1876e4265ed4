"""Forms of the category pages; every message is our own (WTForms' built-ins are English)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from ..forms import REQUIRED, TOO_LONG, no_hidden_characters
from ..i18n import _l

_TAGS = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def no_markup(_form, field) -> None:
    # Names are shown everywhere (menus, breadcrumbs, price list): plain text only.
    if field.data and _TAGS.search(field.data):
        raise ValidationError(_l("HTML tags are not allowed here."))


def _strip(value):
    # str.strip() removes every Unicode space (NBSP, U+3000, …), not only ASCII ones.
    return value.strip() if isinstance(value, str) else value


def name_field(label, required: bool):
    # DataRequired checks the stripped value; InputRequired would accept "   " or a lone NBSP.
    validators = [DataRequired(REQUIRED)] if required else []
    validators += [Length(max=120, message=TOO_LONG), no_hidden_characters, no_markup]
    return StringField(label, validators, filters=[_strip])


def parent_value(_form, field) -> None:
    # A bad value (hand-made request) gets our message; the service checks that it exists.
    value = (field.data or "").strip()
    # ASCII digits only ("²" passes isdigit but not int), and no more than an id can have.
    if value and not re.fullmatch(r"[0-9]{1,9}", value):
        raise ValidationError(_l("Choose a parent category from the list."))
    field.clean = int(value) if value else None


def parent_field():
    # Choices are filled per request (fill_parents); WTForms' own choice check is English.
    return SelectField(_l("Parent category"), [parent_value], choices=[], default="",
                       validate_choice=False)


class CategoryForm(FlaskForm):
    name_sq = name_field(_l("Name in Albanian"), required=True)
    name_en = name_field(_l("Name in English"), required=False)
    slug = StringField(_l("Address (slug)"), [
        Length(max=110, message=TOO_LONG),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$|^$",
               message=_l("Use lower-case letters without accents, digits and hyphens.")),
    ], filters=[_strip])
    parent_id = parent_field()


class EditCategoryForm(FlaskForm):
    # The slug is not editable: it is part of the shop's URLs, which people bookmark and share.
    name_sq = name_field(_l("Name in Albanian"), required=True)
    name_en = name_field(_l("Name in English"), required=False)
    parent_id = parent_field()


def fill_parents(form, choices: list[tuple[int, str, int]]) -> None:
    """Offer "no parent" and ``(id, name, depth)`` choices, indented to show the tree."""
    form.parent_id.choices = [("", _l("None (top level)"))] + [
        (str(cid), "\u2014 " * depth + name) for cid, name, depth in choices
    ]
