"""Check uploaded product pictures by their content, never by file name or Content-Type."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from flask_babel import lazy_ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from ..i18n import _l
from ..media import MAX_SIDE

#: The only decoders Pillow may try: anything else (GIF, BMP, TIFF, PSD, …) is unknown to it.
FORMATS = ("JPEG", "PNG", "WEBP")
#: Pictures per upload unless the ``IMAGE_MAX_FILES`` setting says otherwise; each is
#: decoded and re-encoded in the request, so more would make one request very long.
MAX_FILES = 10
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


def check_all(files: list[tuple[str, bytes | None]], max_pixels: int,
              max_files: int = MAX_FILES) -> list[tuple[str, bytes]]:
    """Check every ``(name, data)`` from its header only; one bad file refuses them all.

    No pixel is decoded here: twenty 40-megapixel pictures decoded at once would need
    gigabytes. ``decoded`` later turns the files into pictures one at a time.
    """
    if not files:
        raise UploadRefused([_l("Choose one or more pictures to upload.")])
    if len(files) > max_files:
        raise UploadRefused([lazy_ngettext("Upload at most %(num)d picture at a time.",
                                           "Upload at most %(num)d pictures at a time.",
                                           max_files)])
    checked, errors = [], []
    for name, data in files:
        try:
            check_header(name, data, max_pixels)
        except BadImage as bad:
            errors.append(bad.message)
        else:
            checked.append((name, data))
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


@contextmanager
def _refusing_bad_files(filename: str) -> Iterator[None]:
    """Turn Pillow's complaints about ``filename`` into BadImage with a reason people read."""
    try:
        # Pillow warns (and past twice its limit refuses) on "decompression bombs"; treat
        # the warning as a refusal too, so a bomb is never decoded whatever the warning filters.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise BadImage(filename, _l("the picture has too many pixels.")) from error
    except UnidentifiedImageError as error:
        raise BadImage(filename, _l("only JPEG, PNG and WebP pictures are accepted.")) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        # Pillow reports damaged files with any of these.
        raise BadImage(filename, _l("the file is damaged or incomplete.")) from error


def check_header(filename: str, data: bytes | None, max_pixels: int) -> None:
    """Raise BadImage unless ``data`` looks like an accepted picture, without decoding it.

    ``data`` is None when the file was larger than allowed (see ``read_limited``).
    """
    if data is None:
        raise BadImage(filename, _l("the file is too large."))
    if not data:
        raise BadImage(filename, _l("the file is empty."))
    with _refusing_bad_files(filename):
        # open() reads the header only (format, size); formats= keeps other decoders out.
        with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
            if probe.width * probe.height > max_pixels:
                raise BadImage(filename, _l("the picture has too many pixels."))
            if max(probe.size) > MAX_SIDE:
                # Within the pixel budget (1 × 39,000,000 is) but beyond what WebP encodes.
                raise BadImage(filename, lazy_ngettext(
                    "the picture is more than %(num)d pixel wide or tall.",
                    "the picture is more than %(num)d pixels wide or tall.", MAX_SIDE))
            # verify() checks the structure (PNG checksums, …) without decoding pixels.
            probe.verify()


@contextmanager
def decoded(filename: str, data: bytes) -> Iterator[Image.Image]:
    """Yield the upright, fully decoded picture in ``data`` (checked by ``check_header``).

    The picture is closed on leaving, so a caller handling one file at a time holds one
    picture's pixels at a time. Raises BadImage if the pixels cannot be decoded (a truncated
    file can have a sound header). Errors of the caller's own block are not turned into
    BadImage: a full disk is not a damaged picture.
    """
    with _refusing_bad_files(filename):
        image = Image.open(io.BytesIO(data), formats=FORMATS)
        try:
            # load() decodes every pixel: a truncated or corrupt file fails here.
            image.load()
            # In place: a turned copy would double the memory of a large picture.
            ImageOps.exif_transpose(image, in_place=True)
        except BaseException:
            image.close()
            raise
    with image:
        yield image
