"""Check uploaded product pictures by their content, never by file name or Content-Type."""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from ..i18n import _l

#: The only decoders Pillow may try: anything else (GIF, BMP, TIFF, PSD, …) is unknown to it.
FORMATS = ("JPEG", "PNG", "WEBP")
#: Pictures per upload; more would only make one request very long.
MAX_FILES = 20
#: File names are shown in messages and the audit trail: keep them short.
NAME_LENGTH = 80


class BadImage(Exception):
    """A file that is not a picture we accept; ``message`` says why, naming the file."""

    def __init__(self, filename: str, reason):
        super().__init__(filename)
        self.filename = filename
        self.reason = reason

    @property
    def message(self) -> str:
        return _l("%(name)s: %(reason)s", name=self.filename, reason=self.reason)


class UploadRefused(Exception):
    """The whole upload is refused; ``messages`` say why (one per bad file)."""

    def __init__(self, messages: list):
        super().__init__(messages)
        self.messages = [str(m) for m in messages]


def check_all(files: list[tuple[str, bytes | None]], max_pixels: int
              ) -> list[tuple[str, Image.Image]]:
    """Check every ``(name, data)``; one bad file refuses them all (nothing half-stored)."""
    if not files:
        raise UploadRefused([_l("Choose one or more pictures to upload.")])
    if len(files) > MAX_FILES:
        raise UploadRefused([_l("Upload at most %(num)d pictures at a time.", num=MAX_FILES)])
    checked, errors = [], []
    for name, data in files:
        try:
            checked.append((name, check_image(name, data, max_pixels)))
        except BadImage as bad:
            errors.append(bad.message)
    if errors:
        raise UploadRefused(errors)
    return checked


def display_name(filename: str | None) -> str:
    """Return a printable, bounded version of an uploaded file's name."""
    name = "".join(ch for ch in (filename or "") if ch.isprintable()).strip()
    return (name or str(_l("(no name)")))[:NAME_LENGTH]


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes | None:
    """Read at most ``max_bytes``; None when the stream holds more (never read it all)."""
    data = stream.read(max_bytes + 1)
    return None if len(data) > max_bytes else data


def check_image(filename: str, data: bytes | None, max_pixels: int) -> Image.Image:
    """Return the decoded, upright picture in ``data`` or raise BadImage.

    ``data`` is None when the file was larger than allowed (see ``read_limited``).
    """
    if data is None:
        raise BadImage(filename, _l("the file is too large."))
    if not data:
        raise BadImage(filename, _l("the file is empty."))
    try:
        # Pillow warns (and past twice its limit refuses) on "decompression bombs"; treat
        # the warning as a refusal too, so a bomb is never decoded whatever the warning filters.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
                if probe.width * probe.height > max_pixels:
                    raise BadImage(filename, _l("the picture has too many pixels."))
                # verify() checks the structure (PNG checksums, …) without decoding;
                # it leaves the object unusable, hence the second open below.
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.format not in FORMATS:  # pragma: no cover - formats= already ensures it
                raise BadImage(filename, _l("only JPEG, PNG and WebP pictures are accepted."))
            # load() decodes every pixel: a truncated or corrupt file fails here.
            image.load()
            return ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise BadImage(filename, _l("the picture has too many pixels.")) from error
    except UnidentifiedImageError as error:
        raise BadImage(filename, _l("only JPEG, PNG and WebP pictures are accepted.")) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        # Pillow reports damaged files with any of these.
        raise BadImage(filename, _l("the file is damaged or incomplete.")) from error
