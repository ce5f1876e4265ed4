"""The demo's pictures and words (lesnamax/demo): each kind drawn as itself, every description
the generator can write is whole, correct sentences. The seeded catalogue: tests/test_cli.py."""

import hashlib
import re
from pathlib import Path

import pytest
from PIL import ImageChops
from sqlalchemy import select

from lesnamax.demo import copy
from lesnamax.demo.data import MODELS, TYPES
from lesnamax.demo.drawings import DRAWINGS, picture
from lesnamax.demo.families import PLANS
from lesnamax.demo.pen import Pen

KINDS = [kind for kinds in TYPES.values() for kind in kinds]


def test_every_kind_has_its_own_drawing():
    assert {kind.key for kind in KINDS} == set(DRAWINGS)
    # Only the two mattresses (orthopaedic or not) share a drawing.
    keys = [kind.key for kind in KINDS]
    assert [k for k in set(keys) if keys.count(k) > 1] == ["mattress"]
    # Drawn in the same material and colour, no two kinds give the same picture: a chair is
    # not drawn as a table, a wardrobe not as a bed.
    seen: dict[str, str] = {}
    for key, draw in DRAWINGS.items():
        pen = Pen()
        draw(pen, (150, 152, 156), "oak")
        digest = hashlib.sha256(pen.finish().tobytes()).hexdigest()
        assert digest not in seen, f"{key} is drawn as {seen.get(digest)}"
        seen[digest] = key


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.en)
def test_each_picture_shows_its_piece_in_its_colour(kind):
    material, colour = kind.combos()[0]
    image = picture(kind, material, colour)
    assert image.size == (800, 600) and image.mode == "RGB"
    # Something is drawn, and it fills a good part of the frame (it is framed, not lost).
    empty = Pen().finish()
    box = ImageChops.difference(image, empty).getbbox()
    assert box is not None
    assert (box[2] - box[0]) * (box[3] - box[1]) > 0.2 * 800 * 600
    # A close-up is the material's colour, not the piece.
    close_up = picture(kind, material, colour, close_up=True)
    assert close_up.size == (800, 600) and close_up.tobytes() != image.tobytes()


def test_a_kind_is_sold_in_natural_only_where_the_material_shows():
    for kind in KINDS:
        for material, colour in kind.combos():
            assert colour != "natural" or material in {"oak", "beech", "pine", "rattan"}


def test_enough_models_for_every_kind_to_have_unique_names():
    assert len(set(MODELS)) == len(MODELS)
    assert max(len(kind.combos()) for kind in KINDS) + 3 <= len(MODELS)


def _descriptions():
    for kind in KINDS:
        for material, colour in kind.combos():
            yield copy.describe(kind.en, "Rugova", material,
                                colour if kind.colour_matters else None)
    for plan in PLANS:
        kind = next(k for k in KINDS if k.en == plan.kind_en)
        sizes = [f"{v.size[0]}×{v.size[1]}" for v in plan.variants if v.size]
        for choose in (None, "colour", "material"):
            yield copy.describe(kind.en, plan.model, [plan.material, "velvet"], None, sizes,
                                choose)


SENTENCE = re.compile(r"[^.!?]+[.!?]")


def test_every_description_is_whole_sentences_in_both_languages():
    count = 0
    for sq, en in _descriptions():
        count += 1
        for text in (sq, en):
            assert "{" not in text and "  " not in text and text.endswith(".")
            sentences = SENTENCE.findall(text.replace("p.sh.", "psh"))
            assert "".join(sentences).replace(" ", "") == text.replace(" ", "")
            assert all(s.strip()[0].isupper() for s in sentences), text
        # The defects the owner found: a preposition before a preposition, an English word.
        assert not re.search(r"\b(nga|me|prej) (me|nga|prej)\b", sq), sq
        assert "punuar me kujdes" not in sq
        assert not re.search(r"\b(the|and|with|of)\b", sq), sq
        assert "ë" in sq
        assert not re.search(r"[ëç]", en), en
    assert count > 200


def test_sentences_agree_with_what_they_describe():
    # The opening names the kind in its definite form (the model uninflected after it), so
    # each kind has its own sentence in both languages, none shared.
    assert set(copy.OPENINGS) == {kind.en for kind in KINDS}
    openings = [sq for sq, _en in copy.OPENINGS.values()]
    assert len(set(openings)) == len(openings)
    assert copy.OPENINGS["chair"][0].startswith("Karrigia {model}")
    assert copy.OPENINGS["wardrobe"][0].startswith("Dollapi i rrobave {model}")
    assert copy.OPENINGS["mattress protector"][0].startswith("Mbulesa mbrojtëse {model}")
    sq, en = copy.describe("orthopaedic mattress", "Dardana", "springs", None,
                           ["90×200", "140×200", "160×200", "180×200"])
    assert "Zgjidhni përmasën: 90×200, 140×200, 160×200 ose 180×200 cm." in sq
    assert "Choose your size: 90×200, 140×200, 160×200 or 180×200 cm." in en
    assert "Sustat e pavarura" in sq


def test_names_carry_the_material_as_a_phrase():
    chair = next(k for k in KINDS if k.en == "chair")
    assert copy.names(chair, "oak", "Rugova") == ("Karrige Rugova prej druri lisi",
                                                   "Rugova oak chair")
    mattress = next(k for k in KINDS if k.en == "orthopaedic mattress")
    assert copy.names(mattress, "springs", "Dardana")[0] == "Dyshek ortopedik Dardana me susta"
    tv = next(k for k in KINDS if k.en == "TV stand")
    assert copy.names(tv, "mdf", "Peja") == ("Komodë TV Peja", "Peja TV stand")


def test_a_synthetic_carpet_is_named_by_its_fibre_and_priced_as_one():
    """A plastic chair is a plastic chair, but nobody sells a "plastic carpet" for 859 €."""
    rug = next(k for k in KINDS if k.en == "rug")
    chair = next(k for k in KINDS if k.en == "chair")
    assert copy.names(rug, "polypropylene", "Drenica") == (
        "Tepih Drenica prej polipropileni", "Drenica polypropylene rug")
    assert copy.names(chair, "polypropylene", "Drenica")[0] == "Karrige Drenica prej plastike"
    sq, en = copy.describe("rug", "Drenica", "polypropylene", "red")
    assert "Fijet e polipropilenit" in sq and "Plastika" not in sq
    assert "Polypropylene fibres" in en


def test_the_seeded_synthetic_carpets_cost_less_than_the_wool_ones(app):
    from lesnamax.catalogue.models import Product
    from lesnamax.demo import seed
    from lesnamax.extensions import db

    with app.app_context():
        seed(Path(app.config["MEDIA_ROOT"]), 180)
        carpets = [p for p in db.session.scalars(select(Product).where(
            Product.name_sq.like("Tepih%"), Product.parent_id.is_(None)))]
        synthetic = [p.price_cents for p in carpets if p.material == "polypropylene"]
        wool = [p.price_cents for p in carpets if p.material == "wool"]
        assert synthetic and wool
        assert not any("plastike" in p.name_sq for p in carpets)
        assert max(synthetic) < 400_00 < max(wool)


def test_capfirst_keeps_the_rest_of_the_label():
    from lesnamax.text import capfirst

    assert capfirst("e bardhë") == "E bardhë"
    assert capfirst("çelik inoks") == "Çelik inoks"
    assert capfirst("MDF") == "MDF"
    assert capfirst("") == "" and capfirst(None) == ""


def test_labels_standing_alone_start_with_a_capital(client, make_product):
    make_product(slug="karrige-lisi", name_sq="Karrige lisi", material="oak", colour="white")
    page = client.get("/products/karrige-lisi").get_data(as_text=True)
    assert "<dd>Dru lisi</dd>" in page and "<dd>E bardhë</dd>" in page  # the specifications
    listing = client.get("/products").get_data(as_text=True)
    assert '<option value="oak">Dru lisi</option>' in listing  # the material filter
    client.set_cookie("lang", "en")
    page = client.get("/products/karrige-lisi").get_data(as_text=True)
    assert "<dd>Oak wood</dd>" in page and "<dd>White</dd>" in page
