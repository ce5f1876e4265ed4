"""The WSGI entry point that gunicorn loads (``wsgi:app``)."""

from __future__ import annotations

import os
import subprocess
import sys

from lesnamax.config import ROOT


def test_the_entry_point_freezes_what_start_up_made(tmp_path):
    """Start-up objects are left out of the collector's full passes (wsgi.py says why)."""
    env = {**os.environ, "LESNAMAX_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite'}",
           "LESNAMAX_SECRET_KEY": "test-secret", "LESNAMAX_MEDIA_ROOT": str(tmp_path / "media"),
           "LESNAMAX_BANK_MODE": "sandbox"}
    probe = ("import gc, wsgi; from flask import Flask; "
             "assert isinstance(wsgi.app, Flask); "
             "print(gc.get_freeze_count(), len(gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()
    frozen, tracked = int(out[0]), int(out[1])
    # Nearly everything is frozen; what is still tracked is what the probe itself made.
    assert frozen > 20_000 and tracked < frozen / 20
