"""Product images on disk: content-hashed names, one WebP file per served width."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask import Blueprint, current_app, send_from_directory
from PIL import Image

#: Widths the shop serves: cards use 400, the product page 800 (and 400 via srcset).
WIDTHS = (400, 800)
#: WebP cannot encode a side longer than this; uploads are refused past it (catalogue.uploads).
MAX_SIDE = 16383

bp = Blueprint("media", __name__, url_prefix="/media")


def media_dir() -> Path:
    return Path(current_app.config["MEDIA_ROOT"]) / "products"


def store_image(image: Image.Image, directory: Path) -> tuple[str, int, int]:
    """Write ``image`` in every served width; return ``(key, width, height)`` of the largest.

    The key is a hash of the pixels (and the size), so identical images share files and any
    change yields a new file name that browsers can cache forever. Hashing the raw pixels,
    not a PNG of them, is as exact and several times cheaper (the demo seeds hundreds).
    """
    image = image.convert("RGB")
    digest = hashlib.sha256(f"{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    key = digest.hexdigest()[:20]
    directory.mkdir(parents=True, exist_ok=True)
    width, height = image.size
    for target in WIDTHS:
        path = directory / f"{key}-{target}.webp"
        if path.exists():
            continue
        scaled = (
            image
            if width <= target
            else image.resize((target, _scaled(height, target, width)),
                              Image.Resampling.LANCZOS)
        )
        scaled.save(path, "WEBP", quality=78, method=4)
    largest = min(max(WIDTHS), width)
    return key, largest, _scaled(height, largest, width)


def thumbnail_jpeg(key: str, side: int = 112) -> bytes | None:
    """A small JPEG of a stored picture, for e-mails; None when its file is missing.

    JPEG, not the stored WebP: Outlook and older mail clients cannot show WebP. ``side`` is
    twice the size the e-mail shows, for sharp pictures on phones.
    """
    try:
        with Image.open(media_dir() / f"{key}-{min(WIDTHS)}.webp") as image:
            image = image.convert("RGB")
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=80, optimize=True)
    except OSError:  # removed by hand, or a half-written file: the e-mail goes without it
        return None
    return buffer.getvalue()


def _scaled(height: int, target: int, width: int) -> int:
    # A long thin strip would round to 0 pixels high, which Pillow cannot make.
    return max(1, round(height * target / width))


@bp.get("/products/<name>")
def product_image(name: str):
    # File names carry a content hash, so the answer for one name never changes.
    response = send_from_directory(media_dir(), name, max_age=365 * 24 * 3600)
    response.cache_control.immutable = True
    return response
