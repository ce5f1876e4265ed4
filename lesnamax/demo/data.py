"""Data behind ``flask seed-demo``: categories, product types and model names, in sq and en."""

from __future__ import annotations

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

#: Material in product names: (sq phrase after the noun, en adjective before it).
MATERIAL_IN_NAME = {
    "oak": ("druri lisi", "oak"),
    "beech": ("druri ahu", "beech"),
    "pine": ("druri pishe", "pine"),
    "mdf": ("MDF", "MDF"),
    "metal": ("metalike", "metal"),
    "glass": ("xhami", "glass"),
    "fabric": ("me pëlhurë", "fabric"),
    "leather": ("lëkure", "leather"),
    "velvet": ("kadifeje", "velvet"),
    "cotton": ("pambuku", "cotton"),
    "wool": ("leshi", "wool"),
    "polypropylene": ("polipropileni", "polypropylene"),
    "memory_foam": ("memorie", "memory foam"),
    "springs": ("me susta", "pocket spring"),
    "ceramic": ("qeramike", "ceramic"),
    "stainless_steel": ("inoksi", "stainless steel"),
    "rattan": ("rattani", "rattan"),
}

#: category slug -> [(type sq, type en, materials, colours, (min €, max €), (w, d, h) cm)]
TYPES = {
    "dhoma-ndenje": [
        (
            "Divan tre-vendësh",
            "three-seater sofa",
            ["fabric", "velvet", "leather"],
            ["grey", "beige", "blue", "green"],
            (390, 1290),
            (210, 92, 84),
        ),
        (
            "Kolltuk",
            "armchair",
            ["fabric", "velvet", "leather", "rattan"],
            ["grey", "beige", "yellow", "green"],
            (149, 520),
            (78, 82, 96),
        ),
        (
            "Tavolinë kafeje",
            "coffee table",
            ["oak", "glass", "mdf"],
            ["natural", "white", "black"],
            (69, 340),
            (110, 60, 45),
        ),
        (
            "Raft librash",
            "bookcase",
            ["oak", "pine", "mdf"],
            ["natural", "white", "black"],
            (79, 360),
            (80, 30, 190),
        ),
        (
            "Komodë TV",
            "TV stand",
            ["oak", "mdf"],
            ["natural", "white", "black"],
            (99, 420),
            (160, 40, 50),
        ),
    ],
    "dhoma-gjumi": [
        (
            "Krevat dopio",
            "double bed",
            ["oak", "beech", "velvet", "metal"],
            ["natural", "grey", "white"],
            (299, 1150),
            (170, 210, 100),
        ),
        (
            "Komodinë",
            "bedside table",
            ["oak", "pine", "mdf"],
            ["natural", "white"],
            (39, 160),
            (45, 40, 55),
        ),
        (
            "Dollap rrobash",
            "wardrobe",
            ["oak", "mdf", "pine"],
            ["white", "natural", "grey"],
            (249, 980),
            (150, 60, 210),
        ),
        (
            "Komodë me sirtarë",
            "chest of drawers",
            ["oak", "pine", "mdf"],
            ["white", "natural"],
            (119, 460),
            (90, 45, 100),
        ),
    ],
    "kuzhina": [
        (
            "Tavolinë ngrënieje",
            "dining table",
            ["oak", "beech", "glass"],
            ["natural", "white", "black"],
            (189, 890),
            (160, 90, 76),
        ),
        (
            "Karrige",
            "chair",
            ["oak", "beech", "metal", "polypropylene", "velvet"],
            ["natural", "white", "black", "grey", "green"],
            (29, 189),
            (45, 52, 88),
        ),
        (
            "Stol bari",
            "bar stool",
            ["metal", "beech", "polypropylene"],
            ["black", "white", "natural"],
            (35, 149),
            (40, 40, 100),
        ),
        (
            "Bufe kuzhine",
            "kitchen sideboard",
            ["oak", "mdf"],
            ["white", "natural", "grey"],
            (220, 760),
            (160, 45, 85),
        ),
    ],
    "zyre": [
        (
            "Tavolinë pune",
            "desk",
            ["oak", "mdf", "metal"],
            ["natural", "white", "black"],
            (99, 540),
            (140, 70, 75),
        ),
        (
            "Karrige zyre",
            "office chair",
            ["fabric", "leather", "metal"],
            ["black", "grey", "blue"],
            (79, 420),
            (65, 65, 120),
        ),
        (
            "Raft dokumentesh",
            "filing shelf",
            ["metal", "mdf"],
            ["white", "grey", "black"],
            (59, 260),
            (80, 40, 180),
        ),
    ],
    "dysheke": [
        (
            "Dyshek ortopedik",
            "orthopaedic mattress",
            ["springs", "memory_foam"],
            ["white"],
            (149, 780),
            (160, 200, 24),
        ),
        (
            "Dyshek",
            "mattress",
            ["memory_foam", "springs", "cotton"],
            ["white"],
            (119, 690),
            (140, 200, 22),
        ),
        ("Jastëk", "pillow", ["memory_foam", "cotton"], ["white"], (12, 69), (50, 70, 14)),
        ("Mbulesë dysheku", "mattress protector", ["cotton"], ["white"], (15, 59), (160, 200, 2)),
    ],
    "tepihe": [
        (
            "Tepih",
            "rug",
            ["wool", "polypropylene", "cotton"],
            ["beige", "grey", "red", "blue", "brown"],
            (39, 890),
            (160, 230, 1),
        ),
        (
            "Tepih korridori",
            "hallway runner",
            ["polypropylene", "wool"],
            ["grey", "red", "beige"],
            (25, 180),
            (80, 300, 1),
        ),
    ],
    "tekstil-perde": [
        (
            "Perde",
            "curtain",
            ["cotton", "velvet"],
            ["beige", "grey", "blue", "green"],
            (19, 120),
            (140, 260, None),
        ),
        ("Perde tyl", "sheer curtain", ["cotton"], ["white", "beige"], (12, 65), (300, 260, None)),
        (
            "Mbulesë krevati",
            "bedspread",
            ["cotton", "velvet"],
            ["grey", "beige", "blue"],
            (29, 140),
            (240, 260, None),
        ),
        (
            "Set çarçafësh",
            "bed linen set",
            ["cotton"],
            ["white", "grey", "blue", "beige"],
            (25, 119),
            (200, 220, None),
        ),
        (
            "Peshqir banje",
            "bath towel",
            ["cotton"],
            ["white", "grey", "cyan", "beige"],
            (7, 35),
            (70, 140, None),
        ),
    ],
    "dekor": [
        (
            "Vazo",
            "vase",
            ["ceramic", "glass"],
            ["white", "green", "cyan", "black"],
            (9, 89),
            (18, 18, 35),
        ),
        (
            "Pasqyrë muri",
            "wall mirror",
            ["oak", "metal", "rattan"],
            ["natural", "black", "yellow"],
            (29, 260),
            (60, 3, 90),
        ),
        (
            "Llambë tavoline",
            "table lamp",
            ["ceramic", "metal", "rattan"],
            ["white", "black", "natural"],
            (19, 149),
            (30, 30, 50),
        ),
        (
            "Orë muri",
            "wall clock",
            ["oak", "metal"],
            ["black", "white", "natural"],
            (15, 95),
            (35, 5, 35),
        ),
        (
            "Qiri aromatik",
            "scented candle",
            ["ceramic", "glass"],
            ["white", "beige"],
            (5, 29),
            (9, 9, 11),
        ),
    ],
    "kuzhine-ene": [
        (
            "Set tenxheresh",
            "cookware set",
            ["stainless_steel"],
            ["grey", "black"],
            (39, 299),
            (None, None, None),
        ),
        (
            "Tigan",
            "frying pan",
            ["stainless_steel", "ceramic"],
            ["black", "grey"],
            (12, 79),
            (28, 50, 6),
        ),
        ("Set gotash", "glass set", ["glass"], ["white"], (9, 59), (None, None, None)),
        (
            "Set pjatash",
            "dinner set",
            ["ceramic"],
            ["white", "beige", "blue"],
            (29, 189),
            (None, None, None),
        ),
        (
            "Thikë kuzhine",
            "kitchen knife",
            ["stainless_steel"],
            ["grey", "black"],
            (9, 89),
            (33, 3, 2),
        ),
    ],
}

#: Model names: Kosovo's mountains, rivers and towns.
MODELS = [
    "Rugova",
    "Sharri",
    "Drenica",
    "Prizren",
    "Mirusha",
    "Gjeravica",
    "Bjeshka",
    "Ibri",
    "Drini",
    "Lumbardhi",
    "Nerodime",
    "Batllava",
    "Brezovica",
    "Gadime",
    "Marimangat",
    "Peja",
    "Gjakova",
    "Dardana",
    "Ulpiana",
    "Novobërda",
    "Kaçaniku",
    "Rahoveci",
]

#: Background colour of generated pictures, per colour code.
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

DESCRIPTION_SQ = (
    "{name} nga koleksioni {model}, punuar me kujdes nga {material}. "
    "Ngjyra: {colour}. Përshtatet me shtëpitë moderne dhe klasike dhe mirëmbahet lehtë. "
    "Dërgesa në të gjithë Kosovën."
)
DESCRIPTION_EN = (
    "{name} from the {model} collection, carefully made of {material}. "
    "Colour: {colour}. It suits modern and classic homes and is easy to care for. "
    "Delivered anywhere in Kosovo."
)
