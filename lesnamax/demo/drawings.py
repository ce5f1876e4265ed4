"""The demo's pictures, drawn by Pillow (nothing downloaded): each kind of product its own
drawing, in its material's and colour's tone, and a close-up of the material."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from ..media import store_image
from . import furniture, things
from .data import SWATCHES, WOOD_TONES, Kind
from .pen import HEIGHT, WIDTH, Pen, tone

#: Kind.key -> its drawing.
DRAWINGS = {
    "sofa": furniture.sofa,
    "armchair": furniture.armchair,
    "coffee_table": furniture.coffee_table,
    "bookcase": furniture.bookcase,
    "tv_stand": furniture.tv_stand,
    "bed": furniture.bed,
    "bedside_table": furniture.bedside_table,
    "wardrobe": furniture.wardrobe,
    "chest_of_drawers": furniture.chest_of_drawers,
    "dining_table": furniture.dining_table,
    "chair": furniture.chair,
    "bar_stool": furniture.bar_stool,
    "sideboard": furniture.sideboard,
    "desk": furniture.desk,
    "office_chair": furniture.office_chair,
    "filing_shelf": furniture.filing_shelf,
    "mattress": things.mattress,
    "pillow": things.pillow,
    "protector": things.protector,
    "rug": things.rug,
    "runner": things.runner,
    "curtain": things.curtain,
    "sheer": things.sheer,
    "bedspread": things.bedspread,
    "bed_linen": things.bed_linen,
    "towel": things.towel,
    "vase": things.vase,
    "mirror": things.mirror,
    "lamp": things.lamp,
    "clock": things.clock,
    "candle": things.candle,
    "cookware": things.cookware,
    "pan": things.pan,
    "glasses": things.glasses,
    "plates": things.plates,
    "knife": things.knife,
}


def body_colour(material: str, colour: str) -> tuple[int, int, int]:
    if colour == "natural" and material in WOOD_TONES:
        return WOOD_TONES[material]
    return SWATCHES[colour]


def picture(kind: Kind, material: str, colour: str, close_up: bool = False) -> Image.Image:
    """An 800×600 picture of a ``kind`` in ``material`` and ``colour`` (or its close-up)."""
    base = body_colour(material, colour)
    if close_up:
        return _close_up(base)
    pen = Pen()
    DRAWINGS[kind.key](pen, base, material)
    return pen.finish()


class Studio:
    """Draws and stores each picture once (``media.store_image``): a close-up is the same for
    every piece in its tone, and a family's variants may show the same piece."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.stored: dict[tuple, tuple[str, int, int]] = {}

    def __call__(self, kind: Kind, material: str, colour: str,
                 close_up: bool = False) -> tuple[str, int, int]:
        key = (("close-up", body_colour(material, colour)) if close_up
               else (kind.key, material, colour))
        if key not in self.stored:
            self.stored[key] = store_image(picture(kind, material, colour, close_up),
                                           self.directory)
        return self.stored[key]


def _close_up(base) -> Image.Image:
    """A weave or grain of the material's colour, lit from one side."""
    image = Image.new("RGB", (WIDTH, HEIGHT), base)
    draw = ImageDraw.Draw(image)
    dark, light = tone(base, 0.82), tone(base, 1.12)
    for y in range(-40, HEIGHT, 12):
        draw.line((0, y, WIDTH, y + 40), fill=dark if (y // 12) % 2 else light, width=5)
    return image
