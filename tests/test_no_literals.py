"""The shop's own details are settings: its phone, e-mail, address, opening hours and delivery
fees are written once, as the seed in lesnamax/config.py, and nowhere else in the code,
templates or e-mails (the owner changes them in /admin/settings)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The one place the seed values are written.
SEED = ROOT / "lesnamax" / "config.py"
LITERALS = [
    re.compile(r"779[\s/.-]*977|77[\s/.-]*99[\s/.-]*77"),  # the phone, however it is spaced
    re.compile(r"online\.lesnamax@gmail\.com", re.IGNORECASE),
    re.compile(r"Magjistralja Prishtin"),
    re.compile(r"Prishtinë – Fushë Kosovë highway"),
    re.compile(r"08:00[–-]20:00|09:00[–-]18:00"),  # the opening hours
    # A delivery fee next to a municipality or a fee's name (not every 250 of the code).
    re.compile(r"(\"\*\"|prishtine|lipjan|fushe-kosove)[\"']?\s*:\s*(250|350|500)\b"),
    re.compile(r"FREE_DELIVERY_FROM_CENTS\"?\s*[:=]\s*\d"),
    re.compile(r"VAT \(18%%\)|TVSH \(18%%\)"),
]
#: Published legal texts are documents, not settings: the policy names the company it was
#: published by, whatever the settings say later.
DOCUMENTS = ("lesnamax/privacy/policy-v",)


def offenders(root: Path = ROOT) -> list[str]:
    found = []
    for folder, suffixes in (("lesnamax", {".py", ".txt", ".html"}),
                             ("templates", {".html", ".txt", ".xml"})):
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if (path.suffix not in suffixes or path == SEED or "__pycache__" in path.parts
                    or relative.startswith(DOCUMENTS)):
                continue
            text = path.read_text(encoding="utf-8")
            for pattern in LITERALS:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{relative}:{line}: {match.group(0)}")
    return found


def test_the_shops_details_are_written_only_in_the_seed():
    assert offenders() == []


def test_the_seed_holds_them_and_the_check_would_see_them(tmp_path):
    seed = SEED.read_text(encoding="utf-8")
    assert "+383 44 779 977" in seed and "online.lesnamax@gmail.com" in seed
    (tmp_path / "templates").mkdir()
    (tmp_path / "lesnamax").mkdir()
    (tmp_path / "templates" / "x.html").write_text('<a href="tel:+38344779977">044 779 977</a>')
    (tmp_path / "lesnamax" / "y.py").write_text('FEES = {"lipjan": 350}\n')
    assert len(offenders(tmp_path)) == 3
