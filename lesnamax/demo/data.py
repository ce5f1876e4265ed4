"""Data behind ``flask seed-demo``: categories, the kinds of product sold in each, model names.

Every kind names its own drawing (``drawings.py``) and its opening sentence (``copy.py``), so a
chair is drawn as a chair and described as one.
"""

from __future__ import annotations

from typing import NamedTuple

#: (slug, name sq, name en, parent slug or None)
CATEGORIES = [
    ("mobilje", "Mobilje", "Furniture", None),
    ("dhoma-ndenje", "Dhoma ndenje", "Living room", "mobilje"),
    ("dhoma-gjumi", "Dhoma gjumi", "Bedroom", "mobilje"),
    ("kuzhina", "Kuzhina", "Kitchen furniture", "mobilje"),
    ("zyre", "Zyrë", "Office", "mobilje"),
    ("dysheke", "Dyshekë", "Mattresses", None),
    ("tepihe", "Tepihë", "Carpets", None),
    ("tekstil-perde", "Tekstil & perde", "Textiles & curtains", None),
    ("dekor", "Dekor", "Décor", None),
    ("kuzhine-ene", "Kuzhinë & enë", "Kitchen & tableware", None),
]

#: The material in a product's name: (sq phrase after the model, en adjective before the noun).
#: "Karrige Rugova prej druri lisi", "Rugova oak chair". MDF is not a selling point: no phrase.
MATERIAL_IN_NAME = {
    "oak": ("prej druri lisi", "oak"),
    "beech": ("prej druri ahu", "beech"),
    "pine": ("prej druri pishe", "pine"),
    "mdf": ("", ""),
    "metal": ("prej metali", "metal"),
    "glass": ("prej xhami", "glass"),
    "fabric": ("me pëlhurë", "fabric"),
    "leather": ("me lëkurë", "leather"),
    "velvet": ("me kadife", "velvet"),
    "cotton": ("prej pambuku", "cotton"),
    "wool": ("prej leshi", "wool"),
    "polypropylene": ("prej plastike", "plastic"),
    "memory_foam": ("me sfungjer memorie", "memory foam"),
    "springs": ("me susta", "pocket-spring"),
    "ceramic": ("prej qeramike", "ceramic"),
    "stainless_steel": ("prej çeliku inoks", "stainless steel"),
    "rattan": ("prej rattani", "rattan"),
}

#: Materials whose own tone shows: the only ones sold in the colour "natural".
NATURAL = {"oak", "beech", "pine", "rattan"}


class Kind(NamedTuple):
    """A kind of product: its names, what it is made of and in, its prices and its drawing."""

    key: str  # its drawing and its opening sentence (copy.OPENINGS) are keyed on it
    sq: str
    en: str
    materials: tuple[str, ...]
    colours: tuple[str, ...]
    prices: tuple[int, int]  # euros, cheapest and dearest
    dims: tuple[int | None, int | None, int | None]  # width, depth, height in cm
    #: Say the colour in the description (not for a white mattress or a glass set).
    colour_matters: bool = True

    def combos(self) -> list[tuple[str, str]]:
        """The (material, colour) pairs sold: "natural" only where the material shows."""
        return [(m, c) for m in self.materials for c in self.colours
                if c != "natural" or m in NATURAL]


def _k(key, sq, en, materials, colours, prices, dims, colour_matters=True) -> Kind:
    return Kind(key, sq, en, tuple(materials.split()), tuple(colours.split()), prices, dims,
                colour_matters)


#: category slug -> the kinds sold in it
TYPES: dict[str, list[Kind]] = {
    "dhoma-ndenje": [
        _k("sofa", "Divan tre-vendësh", "three-seater sofa", "fabric velvet leather",
           "grey beige blue green", (390, 1290), (210, 92, 84)),
        _k("armchair", "Kolltuk", "armchair", "fabric velvet leather rattan",
           "grey beige yellow green natural", (149, 520), (78, 82, 96)),
        _k("coffee_table", "Tavolinë kafeje", "coffee table", "oak glass mdf",
           "natural white black", (69, 340), (110, 60, 45)),
        _k("bookcase", "Raft librash", "bookcase", "oak pine mdf", "natural white black",
           (79, 360), (80, 30, 190)),
        _k("tv_stand", "Komodë TV", "TV stand", "oak mdf", "natural white black grey",
           (99, 420), (160, 40, 50)),
    ],
    "dhoma-gjumi": [
        _k("bed", "Krevat dopio", "double bed", "oak beech velvet metal",
           "natural grey white black", (299, 1150), (170, 210, 100)),
        _k("bedside_table", "Komodinë", "bedside table", "oak pine mdf", "natural white grey",
           (39, 160), (45, 40, 55)),
        _k("wardrobe", "Dollap rrobash", "wardrobe", "oak mdf pine", "white natural grey",
           (249, 980), (150, 60, 210)),
        _k("chest_of_drawers", "Komodë me sirtarë", "chest of drawers", "oak pine mdf",
           "white natural grey", (119, 460), (90, 45, 100)),
    ],
    "kuzhina": [
        _k("dining_table", "Tavolinë ngrënieje", "dining table", "oak beech glass",
           "natural white black", (189, 890), (160, 90, 76)),
        _k("chair", "Karrige", "chair", "oak beech metal polypropylene velvet",
           "natural white black grey green", (29, 189), (45, 52, 88)),
        _k("bar_stool", "Stol bari", "bar stool", "metal beech polypropylene",
           "black white natural", (35, 149), (40, 40, 100)),
        _k("sideboard", "Bufe kuzhine", "kitchen sideboard", "oak mdf", "white natural grey",
           (220, 760), (160, 45, 85)),
    ],
    "zyre": [
        _k("desk", "Tavolinë pune", "desk", "oak mdf metal", "natural white black",
           (99, 540), (140, 70, 75)),
        _k("office_chair", "Karrige zyre", "office chair", "fabric leather",
           "black grey blue", (79, 420), (65, 65, 120)),
        _k("filing_shelf", "Raft dokumentesh", "filing shelf", "metal mdf",
           "white grey black", (59, 260), (80, 40, 180)),
    ],
    "dysheke": [
        _k("mattress", "Dyshek ortopedik", "orthopaedic mattress", "springs memory_foam",
           "white", (149, 780), (160, 200, 24), colour_matters=False),
        _k("mattress", "Dyshek", "mattress", "memory_foam springs", "white", (119, 690),
           (140, 200, 22), colour_matters=False),
        _k("pillow", "Jastëk", "pillow", "memory_foam cotton", "white", (12, 69),
           (50, 70, 14), colour_matters=False),
        _k("protector", "Mbulesë dysheku", "mattress protector", "cotton", "white",
           (15, 59), (160, 200, 2), colour_matters=False),
    ],
    "tepihe": [
        _k("rug", "Tepih", "rug", "wool polypropylene cotton", "beige grey red blue brown",
           (39, 890), (160, 230, 1)),
        _k("runner", "Tepih korridori", "hallway runner", "polypropylene wool",
           "grey red beige brown", (25, 180), (80, 300, 1)),
    ],
    "tekstil-perde": [
        _k("curtain", "Perde", "curtain", "cotton velvet", "beige grey blue green",
           (19, 120), (140, 260, None)),
        _k("sheer", "Perde tyl", "sheer curtain", "cotton", "white beige", (12, 65),
           (300, 260, None)),
        _k("bedspread", "Mbulesë krevati", "bedspread", "cotton velvet", "grey beige blue",
           (29, 140), (240, 260, None)),
        _k("bed_linen", "Set çarçafësh", "bed linen set", "cotton", "white grey blue beige",
           (25, 119), (200, 220, None)),
        _k("towel", "Peshqir banje", "bath towel", "cotton", "white grey cyan beige",
           (7, 35), (70, 140, None)),
    ],
    "dekor": [
        _k("vase", "Vazo", "vase", "ceramic glass", "white green cyan black", (9, 89),
           (18, 18, 35)),
        _k("mirror", "Pasqyrë muri", "wall mirror", "oak metal rattan", "natural black yellow",
           (29, 260), (60, 3, 90)),
        _k("lamp", "Llambë tavoline", "table lamp", "ceramic metal rattan",
           "white black natural", (19, 149), (30, 30, 50)),
        _k("clock", "Orë muri", "wall clock", "oak metal", "black white natural", (15, 95),
           (35, 5, 35)),
        _k("candle", "Qiri aromatik", "scented candle", "glass ceramic", "white beige",
           (5, 29), (9, 9, 11)),
    ],
    "kuzhine-ene": [
        _k("cookware", "Set tenxheresh", "cookware set", "stainless_steel", "grey black",
           (39, 299), (None, None, None)),
        _k("pan", "Tigan", "frying pan", "stainless_steel", "black grey", (12, 79),
           (28, 50, 6)),
        _k("glasses", "Set gotash", "glass set", "glass", "white", (9, 59),
           (None, None, None), colour_matters=False),
        _k("plates", "Set pjatash", "dinner set", "ceramic", "white beige blue", (29, 189),
           (None, None, None)),
        _k("knife", "Thikë kuzhine", "kitchen knife", "stainless_steel", "grey black",
           (9, 89), (33, 3, 2)),
    ],
}

#: Model names: Kosovo's mountains, rivers, towns and old names. A kind never uses one twice,
#: so no two products share a name.
MODELS = [
    "Rugova", "Sharri", "Drenica", "Prizren", "Mirusha", "Gjeravica", "Bjeshka", "Ibri",
    "Drini", "Lumbardhi", "Nerodime", "Batllava", "Brezovica", "Gadime", "Marimangat", "Peja",
    "Gjakova", "Dardana", "Ulpiana", "Novobërda", "Kaçaniku", "Rahoveci", "Sitnica", "Lepenci",
    "Morava", "Albiku", "Pashtriku", "Koritniku", "Hajla", "Zhleba", "Decani", "Junik",
    "Kosova", "Anadrini", "Llapi", "Golesh",
]

#: The colour of each colour code, as drawn.
SWATCHES = {
    "white": (236, 236, 232),
    "black": (52, 52, 56),
    "grey": (150, 152, 156),
    "beige": (222, 205, 176),
    "brown": (121, 85, 61),
    "natural": (196, 160, 112),
    "blue": (70, 110, 170),
    "green": (96, 140, 104),
    "red": (170, 64, 60),
    "yellow": (224, 186, 80),
    "cyan": (0, 188, 212),
}

#: Wood as it looks in the colour "natural".
WOOD_TONES = {
    "oak": (190, 150, 100),
    "beech": (214, 176, 128),
    "pine": (226, 194, 140),
    "rattan": (200, 164, 108),
}
