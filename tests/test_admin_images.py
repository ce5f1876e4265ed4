"""Admin product pictures: uploads checked by content (real Pillow images, hostile files),
reorder, alt text, delete; htmx and plain forms; every change audited."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile
from sqlalchemy import select

from lesnamax.audit import AuditEvent
from lesnamax.catalogue import uploads
from lesnamax.catalogue.models import ProductImage
from lesnamax.extensions import db


@pytest.fixture
def owner(admin, client):
    client.set_cookie("lang", "en")  # assertions read English messages
    return admin


@pytest.fixture
def item(make_product):
    return make_product(image=False, name_sq="Kolltuk", name_en="Armchair")


def picture(fmt: str, size=(1200, 600), **options) -> bytes:
    image = Image.radial_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def rotated_jpeg() -> bytes:
    """A 40×20 JPEG whose EXIF says "turn 90° clockwise to view" (orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return picture("JPEG", size=(40, 20), exif=exif.tobytes())


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width``×``height`` pixels (a decompression bomb)."""
    data = bytearray(picture("PNG", size=(1, 1)))
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("foto.jpg", picture("JPEG"))
    return buffer.getvalue()


def upload(client, product_id, *files, htmx=False):
    data = {"images": [(io.BytesIO(content), name, kind) for name, content, kind in files]}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/admin/products/{product_id}/images", data=data, headers=headers,
                       content_type="multipart/form-data")


def images(app, product_id) -> list[ProductImage]:
    with app.app_context():
        rows = list(db.session.scalars(
            select(ProductImage).where(ProductImage.product_id == product_id)
            .order_by(ProductImage.position, ProductImage.id)))
        db.session.expunge_all()
        return rows


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def details(app, action) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == action).order_by(AuditEvent.id)))


def stored_files(app) -> list[str]:
    folder = Path(app.config["MEDIA_ROOT"]) / "products"
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def test_upload_jpeg_png_and_webp_at_once(app, client, owner, item):
    response = upload(client, item.id, ("a.jpg", picture("JPEG"), "image/jpeg"),
                      ("b.png", picture("PNG", size=(300, 200)), "image/png"),
                      ("c.webp", picture("WEBP"), "image/webp"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/products/{item.id}/edit#product-images"
    rows = images(app, item.id)
    assert [r.position for r in rows] == [0, 1, 2]
    assert (rows[0].width, rows[0].height) == (800, 400)
    assert (rows[1].width, rows[1].height) == (300, 200)
    assert rows[0].alt_sq == "Kolltuk" and rows[0].alt_en == "Armchair"
    files = stored_files(app)
    for row in rows:
        assert f"{row.key}-400.webp" in files and f"{row.key}-800.webp" in files
        with Image.open(Path(app.config["MEDIA_ROOT"]) / "products" / f"{row.key}-400.webp") as f:
            assert f.format == "WEBP" and f.width <= 400
    assert actions(app) == ["image.upload"] * 3
    shop = client.get("/products/produkt-1").get_data(as_text=True)
    assert f"/media/products/{rows[0].key}-800.webp" in shop
    served = client.get(f"/media/products/{rows[0].key}-400.webp")
    served.close()
    assert served.status_code == 200


def test_upload_with_htmx_answers_with_the_pictures_section(app, client, owner, item):
    response = upload(client, item.id, ("a.png", picture("PNG"), "image/png"), htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="product-images"') and "<html" not in body
    assert "Pictures uploaded: 1." in body


def test_exif_orientation_is_applied(app, client, owner, item):
    assert upload(client, item.id, ("phone.jpg", rotated_jpeg(), "image/jpeg")).status_code == 303
    [row] = images(app, item.id)
    assert (row.width, row.height) == (20, 40)


HOSTILE = [
    ("page.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg",
     "only JPEG, PNG and WebP"),
    ("photos.jpg", zip_file(), "image/jpeg", "only JPEG, PNG and WebP"),
    ("half.jpg", picture("JPEG")[:3000], "image/jpeg", "damaged or incomplete"),
    ("dot.gif", picture("GIF", size=(1, 1)), "image/gif", "only JPEG, PNG and WebP"),
    ("empty.jpg", b"", "image/jpeg", "the file is empty"),
    ("bomb.png", png_claiming(30_000, 30_000), "image/png", "too many pixels"),
    ("big.png", png_claiming(10_000, 10_000), "image/png", "too many pixels"),
    # Within the pixel limit, but longer than WebP can encode (was a 500 when converting).
    ("tall.png", png_claiming(1, 39_000_000), "image/png", "more than 16383 pixels wide or tall"),
    ("strip.png", picture("PNG", size=(1, 20_000)), "image/png", "wide or tall"),
    ("broken.png", picture("PNG")[:-20], "image/png", "damaged or incomplete"),
    ("<script>x.jpg", b"GIF89a", "image/jpeg", "only JPEG, PNG and WebP"),
]


@pytest.mark.parametrize(("name", "content", "kind", "message"), HOSTILE,
                         ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_by_content(app, client, owner, item, name, content, kind,
                                              message):
    response = upload(client, item.id, (name, content, kind))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<script>x" not in body
    from html import unescape

    assert f"{name}: " in unescape(body) and message in unescape(body)
    assert "Nothing was uploaded" in body
    assert images(app, item.id) == [] and stored_files(app) == []
    assert actions(app) == []


def test_hostile_file_with_htmx_answers_422_with_the_section(app, client, owner, item):
    response = upload(client, item.id, ("page.jpg", b"<html></html>", "image/jpeg"), htmx=True)
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith('<section id="product-images"')


def test_one_bad_file_refuses_the_whole_upload(app, client, owner, item):
    response = upload(client, item.id, ("good.jpg", picture("JPEG"), "image/jpeg"),
                      ("bad.jpg", b"not a picture", "image/jpeg"))
    assert response.status_code == 422
    assert "bad.jpg" in response.get_data(as_text=True)
    assert images(app, item.id) == [] and stored_files(app) == []


def test_files_over_the_byte_limit_are_refused(app, client, owner, item):
    app.config["IMAGE_MAX_BYTES"] = 2000
    response = upload(client, item.id, ("large.png", picture("PNG", size=(400, 400)),
                                        "image/png"))
    assert response.status_code == 422
    assert "large.png: the file is too large." in response.get_data(as_text=True)
    assert images(app, item.id) == []


def test_pictures_over_the_pixel_limit_are_refused(app, client, owner, item):
    app.config["IMAGE_MAX_PIXELS"] = 100
    response = upload(client, item.id, ("wide.jpg", picture("JPEG", size=(20, 20)),
                                        "image/jpeg"))
    assert response.status_code == 422
    assert "too many pixels" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_an_upload_without_files_is_refused(app, client, owner, item):
    response = client.post(f"/admin/products/{item.id}/images", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose one or more pictures" in response.get_data(as_text=True)


def test_too_many_files_at_once(app, client, owner, item):
    small = picture("PNG", size=(2, 2))
    response = upload(client, item.id, *[(f"{n}.png", small, "image/png") for n in range(11)])
    assert response.status_code == 422
    assert "Upload at most 10 pictures at a time." in response.get_data(as_text=True)
    assert images(app, item.id) == [] and stored_files(app) == []
    assert upload(client, item.id, *[(f"{n}.png", small, "image/png")
                                     for n in range(10)]).status_code == 303
    app.config["IMAGE_MAX_FILES"] = 2
    response = upload(client, item.id, *[(f"{n}.png", small, "image/png") for n in range(3)])
    assert "Upload at most 2 pictures at a time." in response.get_data(as_text=True)
    assert len(images(app, item.id)) == 10


def grey_png(width=300, height=300, part=1.0) -> bytes:
    """A grey PNG written by hand; ``part`` < 1 cuts its pixel data short (checksums sound)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))

    packed = zlib.compress((b"\x00" + bytes(n % 256 for n in range(width))) * height)
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", packed[:int(len(packed) * part)]) + chunk(b"IEND", b""))


def test_a_file_failing_late_leaves_no_picture_of_the_upload(app, client, owner, item):
    # Headers are checked for every file first; the pixels are decoded one file at a time,
    # so a file that only fails when decoded is found after others were stored.
    assert upload(client, item.id, ("old.png", grey_png(), "image/png")).status_code == 303
    before = images(app, item.id)
    response = upload(client, item.id, ("good.png", picture("PNG", size=(30, 20)), "image/png"),
                      ("cut.png", grey_png(part=0.5), "image/png"), htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "cut.png: the file is damaged or incomplete." in body
    assert body.count('<li id="image-') == 1  # the answer shows no picture of this upload
    assert [(r.id, r.position) for r in images(app, item.id)] == [(before[0].id, 0)]
    assert actions(app) == ["image.upload"]


def test_the_first_check_reads_headers_only(app, monkeypatch):
    def no_decoding(*_args):
        raise AssertionError("pixels decoded")

    files = [("a.png", grey_png()), ("b.jpg", picture("JPEG")), ("c.webp", picture("WEBP"))]
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with app.test_request_context():
        assert uploads.check_all(files, 10**8) == files


def test_upload_to_an_unknown_product_is_404(client, owner):
    assert upload(client, 999, ("a.png", picture("PNG"), "image/png")).status_code == 404


@pytest.fixture
def three(app, client, owner, item):
    upload(client, item.id, *[(f"{n}.png", picture("PNG", size=(10 + n, 10)), "image/png")
                              for n in range(3)])
    return [row.id for row in images(app, item.id)]


def test_move_pictures_up_and_down(app, client, owner, item, three):
    first, second, third = three
    response = client.post(f"/admin/products/{item.id}/images/{third}/move",
                           data={"direction": "up"})
    assert response.status_code == 303
    assert [r.id for r in images(app, item.id)] == [first, third, second]
    response = client.post(f"/admin/products/{item.id}/images/{first}/move",
                           data={"direction": "down"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="product-images"' in response.get_data(as_text=True)
    assert [r.id for r in images(app, item.id)] == [third, first, second]
    # Moving the first up does nothing (and records nothing).
    client.post(f"/admin/products/{item.id}/images/{third}/move", data={"direction": "up"})
    assert [r.id for r in images(app, item.id)] == [third, first, second]
    assert actions(app).count("image.reorder") == 2
    assert details(app, "image.reorder") == [f"#{third}: 3 → 2", f"#{first}: 1 → 2"]
    rows = images(app, item.id)
    shop = client.get("/products/produkt-1").get_data(as_text=True)
    assert shop.index(rows[0].key) < shop.index(rows[1].key)


@pytest.mark.parametrize("direction", ["", "sideways", "<script>"])
def test_move_needs_a_direction(app, client, owner, item, three, direction):
    response = client.post(f"/admin/products/{item.id}/images/{three[0]}/move",
                           data={"direction": direction})
    assert response.status_code == 422
    assert [r.id for r in images(app, item.id)] == three


def test_alt_text(app, client, owner, item, three):
    response = client.post(f"/admin/products/{item.id}/images/{three[1]}/alt",
                           data={"alt_sq": "Kolltuk nga ana", "alt_en": "Armchair, side"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    row = images(app, item.id)[1]
    assert (row.alt_sq, row.alt_en) == ("Kolltuk nga ana", "Armchair, side")
    assert actions(app)[-1] == "image.update"
    assert details(app, "image.update") == [f"#{three[1]}: alt_sq, alt_en"]


@pytest.mark.parametrize(("values", "message"), [
    ({"alt_sq": "", "alt_en": "x"}, "This field is required."),
    ({"alt_sq": "x" * 10_000}, "too long"),
    ({"alt_sq": "<script>alert(1)</script>"}, "HTML tags are not allowed"),
    ({"alt_sq": "ok", "alt_en": "bad\x00"}, "invisible or control characters"),
])
def test_bad_alt_text_is_refused(app, client, owner, item, three, values, message):
    response = client.post(f"/admin/products/{item.id}/images/{three[0]}/alt", data=values,
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "<script>alert" not in response.get_data(as_text=True)
    assert images(app, item.id)[0].alt_sq == "Kolltuk"
    # Without JavaScript the edit page comes back with the message.
    response = client.post(f"/admin/products/{item.id}/images/{three[0]}/alt", data=values)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert "<html" in response.get_data(as_text=True)


def test_delete_a_picture_keeps_its_files(app, client, owner, item, three):
    files = stored_files(app)
    response = client.post(f"/admin/products/{item.id}/images/{three[0]}/delete")
    assert response.status_code == 303
    assert [r.id for r in images(app, item.id)] == three[1:]
    assert stored_files(app) == files
    assert actions(app)[-1] == "image.delete"
    assert details(app, "image.delete")[0].startswith(f"#{three[0]} ")


def test_pictures_of_another_product_are_out_of_reach(app, client, owner, item, three,
                                                      make_product):
    other = make_product(image=False)
    for action, data in (("move", {"direction": "down"}), ("alt", {"alt_sq": "x"}),
                         ("delete", {})):
        response = client.post(f"/admin/products/{other.id}/images/{three[0]}/{action}",
                               data=data)
        assert response.status_code == 404, action
    assert [r.id for r in images(app, item.id)] == three
    assert "image.delete" not in actions(app)


def test_deleting_a_product_removes_its_pictures(app, client, owner, item, three):
    assert client.post(f"/admin/products/{item.id}/delete").status_code == 303
    assert images(app, item.id) == []


def test_a_long_thin_picture_is_stored_at_least_one_pixel_high(tmp_path):
    from lesnamax import media

    # 16000 × 2 scaled to 400 wide would round to 0 pixels high.
    key, width, height = media.store_image(Image.new("RGB", (16_000, 2)), tmp_path)
    assert (width, height) == (800, 1)
    with Image.open(tmp_path / f"{key}-400.webp") as small:
        assert small.size == (400, 1)
