"""The privacy policy page."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

# Version 1, in force since January 2021. Issue 3 moves it into PolicyVersion rows.
POLICY_V1 = Path(__file__).with_name("policy-v1.sq.txt")


@bp.get("")
def policy():
    text = POLICY_V1.read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    # The first paragraph is the title, which the page shows as its heading.
    return render_template("privacy/policy.html", paragraphs=paragraphs[1:])
