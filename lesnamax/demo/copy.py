"""The demo's product descriptions, as a copywriter would write them, in sq and en.

A description is four whole sentences: the kind's opening (naming the model, which stays
uninflected as a proper name), one about the material, one about the colour (where the colour
is a choice) and one about delivery. Each sentence stands on its own, so no adjective has to
agree with a noun the generator picks: every combination is correct Albanian by construction,
and ``tests/test_demo.py`` writes them all out to be sure.
"""

from __future__ import annotations

from .data import MATERIAL_IN_NAME, Kind

#: kind (its English name) -> (sq, en) opening with ``{model}``.
OPENINGS = {
    "three-seater sofa": (
        "Divani tre-vendësh {model} ka ulëse të thella dhe jastëkë të butë në shpinë, "
        "për mbrëmje të qeta me familjen.",
        "The {model} three-seater sofa has deep seats and soft back cushions for quiet "
        "evenings with the family."),
    "armchair": (
        "Kolltuku {model} të përqafon me krahë të gjerë dhe shpinë të lartë: vendi i "
        "preferuar për një libër ose një kafe.",
        "The {model} armchair holds you with wide arms and a high back: the favourite spot "
        "for a book or a coffee."),
    "coffee table": (
        "Tavolina {model}, që qëndron para divanit, ka sipërfaqe të gjerë për filxhanët, "
        "revistat dhe telekomandën, dhe një raft poshtë për gjërat e tjera.",
        "The {model} coffee table has room on top for cups, magazines and the remote, and a "
        "shelf below for everything else."),
    "bookcase": (
        "Rafti i librave {model} ka pesë nivele që mbajnë libra, albume dhe kuti pa u "
        "përkulur.",
        "The {model} bookcase has five sturdy shelves that carry books, albums and boxes "
        "without bending."),
    "TV stand": (
        "Komoda e televizorit {model} fsheh kabllot dhe pajisjet pas dyerve, ndërsa rafti i "
        "hapur mban dekoderin.",
        "The {model} TV stand hides cables and devices behind its doors, while the open "
        "shelf takes the set-top box."),
    "double bed": (
        "Krevati dopio {model} ka një kokë të lartë krevati, ku mbështeteni rehat kur lexoni, "
        "dhe baza me lamela druri e mban dyshekun të ajrosur.",
        "The {model} double bed has a tall headboard to lean on while you read, and its "
        "slatted base keeps the mattress aired."),
    "bedside table": (
        "Komodina {model} mban pranë jush llambën, telefonin dhe librin e mbrëmjes, me një "
        "sirtar për gjërat e vogla.",
        "The {model} bedside table keeps your lamp, phone and bedtime book at hand, with a "
        "drawer for small things."),
    "wardrobe": (
        "Dollapi i rrobave {model} ka shufër për varëse dhe rafte që rregullohen në lartësi, "
        "që rrobat e gjata dhe ato të palosura të kenë secila vendin e vet.",
        "The {model} wardrobe has a hanging rail and adjustable shelves, so long clothes and "
        "folded ones each have their place."),
    "chest of drawers": (
        "Komoda {model} ka katër sirtarë të thellë që rrëshqasin butë dhe mbyllen pa zhurmë.",
        "The {model} chest of drawers has four deep drawers that glide smoothly and close "
        "quietly."),
    "dining table": (
        "Rreth tavolinës së ngrënies {model} ulen rehat gjashtë veta, për darkat e së dielës "
        "dhe për festat me miqtë.",
        "Six people sit comfortably around the {model} dining table, for Sunday dinners and "
        "celebrations with friends."),
    "chair": (
        "Karrigia {model} ka ndenjëse të gjerë dhe shpinë të lakuar që mbështet trupin "
        "gjatë gjithë darkës.",
        "The {model} chair has a wide seat and a curved back that supports you through a "
        "long dinner."),
    "bar stool": (
        "Stoli i barit {model} ka mbështetëse për këmbët dhe ndenjëse të rrumbullakët, i "
        "përshtatshëm për banakun e kuzhinës.",
        "The {model} bar stool has a footrest and a round seat, made for the kitchen "
        "counter."),
    "kitchen sideboard": (
        "Bufeja e kuzhinës {model} ka tri dyer dhe rafte brenda për pjatat, gotat dhe "
        "mbulesat e tavolinës.",
        "The {model} kitchen sideboard has three doors and inner shelves for plates, glasses "
        "and table linen."),
    "desk": (
        "Tavolina e punës {model} ka vend për laptopin, monitorin dhe letrat, me sirtarë anash "
        "për dokumentet.",
        "The {model} desk has room for a laptop, a monitor and papers, with drawers at the "
        "side for documents."),
    "office chair": (
        "Karrigia e zyrës {model} rregullohet në lartësi, rrotullohet lirshëm dhe e mban "
        "shpinën drejt gjatë orëve të punës.",
        "The {model} office chair adjusts in height, swivels freely and keeps your back "
        "straight through long working hours."),
    "filing shelf": (
        "Rafti i dokumenteve {model} mban dosje, arkiva dhe kuti, me rafte që rregullohen "
        "sipas lartësisë së tyre.",
        "The {model} filing shelf holds binders, archive boxes and files, with shelves that "
        "adjust to their height."),
    "orthopaedic mattress": (
        "Dysheku ortopedik {model} e mban shtyllën kurrizore drejt dhe është mjaftueshëm i "
        "fortë për ata që zgjohen me dhimbje shpine.",
        "The {model} orthopaedic mattress keeps your spine straight and is firm enough for "
        "those who wake up with back pain."),
    "mattress": (
        "Dysheku {model} ka fortësi mesatare, shtresë të butë sipër dhe mbulesë të "
        "kapitonuar që hiqet me zinxhir.",
        "The {model} mattress has medium firmness, a soft top layer and a quilted cover that "
        "comes off with a zip."),
    "pillow": (
        "Jastëku {model} mban qafën në lartësinë e duhur, qoftë kur flini në shpinë, qoftë "
        "në krah.",
        "The {model} pillow holds your neck at the right height, whether you sleep on your "
        "back or on your side."),
    "mattress protector": (
        "Mbulesa mbrojtëse {model} e mbron dyshekun nga lagështia dhe pluhuri, dhe falë "
        "llastikut anash rri e shtrirë mirë.",
        "The {model} mattress protector keeps damp and dust off the mattress, and its "
        "elastic sides keep it smooth."),
    "rug": (
        "Tepihu {model} ka motive të frymëzuara nga qilimat e vjetër të Kosovës, me bordurë "
        "dhe thekë në të dy anët.",
        "The {model} rug has patterns inspired by Kosovo's old kilims, with a border and "
        "fringes at both ends."),
    "hallway runner": (
        "Tepihu i korridorit {model} është i gjatë dhe i ngushtë, me bazë që nuk rrëshqet, "
        "për hyrjen dhe korridoret.",
        "The {model} hallway runner is long and narrow, with a non-slip back, for entrances "
        "and corridors."),
    "curtain": (
        "Perdja {model} bie në palë të rregullta, e zbut dritën e mëngjesit dhe e mban "
        "dhomën të freskët në verë.",
        "The {model} curtain falls in even folds, softens the morning light and keeps the "
        "room cool in summer."),
    "sheer curtain": (
        "Perdja e tylit {model} lë të hyjë drita e ditës dhe ruan privatësinë nga rruga.",
        "The {model} sheer curtain lets daylight in and keeps your privacy from the street."),
    "bedspread": (
        "Mbulesa e krevatit {model} mbulon krevatin dopio deri në dysheme dhe e bën dhomën "
        "të duket e rregulluar që në mëngjes.",
        "The {model} bedspread covers a double bed down to the floor and makes the room look "
        "tidy first thing in the morning."),
    "bed linen set": (
        "Seti i çarçafëve {model} ka çarçaf me llastik, këllëf jorgani dhe dy këllëfë "
        "jastëku.",
        "The {model} bed linen set has a fitted sheet, a duvet cover and two pillowcases."),
    "bath towel": (
        "Peshqiri i banjës {model} është i trashë dhe thith shpejt, i butë edhe pas shumë "
        "larjesh.",
        "The {model} bath towel is thick and quick to absorb, and stays soft wash after "
        "wash."),
    "vase": (
        "Vazoja {model} ka formë të hijshme që shkon si me lule të freskëta, ashtu edhe me "
        "degë të thata.",
        "The {model} vase has a graceful shape that suits fresh flowers and dried branches "
        "alike."),
    "wall mirror": (
        "Pasqyra e murit {model} e zgjeron optikisht hyrjen ose dhomën e ndenjes dhe sjell më "
        "shumë dritë.",
        "The {model} wall mirror makes a hallway or living room look larger and brings in "
        "more light."),
    "table lamp": (
        "Llamba e tavolinës {model} jep dritë të ngrohtë dhe të butë, për komodinën ose "
        "tavolinën e punës.",
        "The {model} table lamp gives a soft, warm light, for the bedside or the desk."),
    "wall clock": (
        "Ora e murit {model} ka mekanizëm të heshtur dhe shifra që lexohen qartë nga "
        "larg.",
        "The {model} wall clock has a silent movement and numbers you can read from across "
        "the room."),
    "scented candle": (
        "Qiriu aromatik {model} digjet rreth tridhjetë orë dhe e mbush dhomën me aromë "
        "vanilje dhe druri.",
        "The {model} scented candle burns for about thirty hours and fills the room with "
        "vanilla and wood."),
    "cookware set": (
        "Seti i tenxhereve {model} ka tri tenxhere me kapak xhami dhe fund të trashë që e "
        "shpërndan nxehtësinë njëtrajtësisht.",
        "The {model} cookware set has three pots with glass lids and thick bases that spread "
        "the heat evenly."),
    "frying pan": (
        "Tigani {model} nxehet shpejt dhe njëtrajtësisht, dhe dorezën e gjatë e mban të "
        "ftohtë.",
        "The {model} frying pan heats quickly and evenly, and its long handle stays cool."),
    "glass set": (
        "Seti i gotave {model} ka gjashtë gota uji të qëndrueshme, për çdo ditë dhe për "
        "mysafirët.",
        "The {model} glass set has six sturdy tumblers, for every day and for guests."),
    "dinner set": (
        "Seti i pjatave {model} shtron tavolinën për gjashtë veta: pjata të sheshta, pjata "
        "supe dhe pjata ëmbëlsire.",
        "The {model} dinner set lays the table for six: dinner plates, soup plates and "
        "dessert plates."),
    "kitchen knife": (
        "Thika e kuzhinës {model} ka teh të mprehtë dhe dorezë të sigurt, për perimet, mishin "
        "dhe bukën.",
        "The {model} kitchen knife has a sharp blade and a safe grip, for vegetables, meat "
        "and bread."),
}

MATERIALS = {
    "oak": ("Druri i lisit është i fortë dhe i qëndrueshëm, dhe damarët e tij e bëjnë çdo "
            "copë të veçantë.",
            "Oak is strong and hard-wearing, and its grain makes every piece unique."),
    "beech": ("Druri i ahut është i fortë dhe i lëmuar, i tharë në furrë që të mos "
              "shtrembërohet me kohën.",
              "Beech is hard and smooth, kiln-dried so that it does not warp over time."),
    "pine": ("Druri i pishës është i lehtë dhe i ngrohtë në pamje, me damarë të dukshëm.",
             "Pine is light and warm-looking, with a visible grain."),
    "mdf": ("Pllakat MDF të lyera janë të lëmuara, nuk plasariten dhe pastrohen me një "
            "leckë të lagur.",
            "Painted MDF panels are smooth, do not crack and wipe clean with a damp cloth."),
    "metal": ("Metali i lyer me bojë pluhur nuk ndryshket dhe qëndron i fortë për vite.",
              "Powder-coated metal does not rust and stays sturdy for years."),
    "glass": ("Xhami i trashë dhe i tejdukshëm lë të kalojë dritën dhe pastrohet lehtë.",
              "Thick, clear glass lets the light through and is easy to clean."),
    "fabric": ("Pëlhura e endur dendur është e butë në prekje dhe i reziston përdorimit të "
               "përditshëm.",
               "The tightly woven fabric is soft to the touch and stands up to daily use."),
    "leather": ("Lëkura e vërtetë bëhet më e bukur me kohën dhe pastrohet me një leckë të "
                "lagur.",
                "Genuine leather grows more beautiful with time and wipes clean with a damp "
                "cloth."),
    "velvet": ("Kadifeja e butë ka një shkëlqim të lehtë që ndryshon me dritën dhe i jep "
               "dhomës një ndjesi luksi.",
               "Soft velvet has a gentle sheen that changes with the light and gives the "
               "room a touch of luxury."),
    "cotton": ("Pambuku merr frymë dhe është i butë në prekje, pa fije sintetike.",
               "Cotton breathes and is soft to the touch, with no synthetic fibres."),
    "wool": ("Leshi i natyrshëm mban ngrohtë, nuk e zë lehtë papastërtia dhe e ruan formën "
             "për vite.",
             "Natural wool is warm, resists dirt and keeps its shape for years."),
    "polypropylene": ("Plastika e fortë është e lehtë, nuk i trembet lagështisë dhe "
                      "pastrohet vetëm me ujë.",
                      "Strong plastic is light, does not mind moisture and cleans with plain "
                      "water."),
    "memory_foam": ("Sfungjeri memorie merr formën e trupit dhe e shpërndan peshën "
                    "njëtrajtësisht, që shpina të pushojë.",
                    "Memory foam follows the shape of your body and spreads its weight evenly, "
                    "so your back can rest."),
    "springs": ("Sustat e pavarura, secila në xhepin e vet, lëvizin veç e veç, prandaj nuk e "
                "ndieni kur kthehet ai që fle pranë jush.",
                "Individually pocketed springs move on their own, so you do not feel your "
                "partner turn over."),
    "ceramic": ("Qeramika me glazurë është e lëmuar, nuk i thith aromat dhe e ruan ngjyrën "
                "për vite.",
                "Glazed ceramic is smooth, does not take on smells and keeps its colour for "
                "years."),
    "stainless_steel": ("Çeliku inoks nuk ndryshket dhe nuk e ndryshon shijen e ushqimit; "
                        "mjafton një shpëlarje me ujë të ngrohtë.",
                        "Stainless steel does not rust and leaves no taste in food; a rinse in "
                        "warm water is all it needs."),
    "rattan": ("Rattani i thurur me dorë është i lehtë, i fortë dhe sjell ndjesinë e verës "
               "brenda shtëpisë.",
               "Hand-woven rattan is light yet strong and brings a summery feel indoors."),
}

COLOURS = {
    "white": ("Ngjyra e bardhë e bën dhomën të duket më e ndritshme dhe më e gjerë.",
              "White makes a room look brighter and more spacious."),
    "black": ("E zeza i jep një kontrast elegant çdo ambienti, modern apo klasik.",
              "Black adds an elegant contrast to any room, modern or classic."),
    "grey": ("Ngjyra gri është neutrale dhe shkon me pothuajse çdo ngjyrë muri.",
             "Grey is neutral and goes with almost any wall colour."),
    "beige": ("Ngjyra bezhë është e ngrohtë dhe e qetë, e përshtatshme për dhomat ku "
              "pushoni.",
              "Beige is warm and calm, right for the rooms where you rest."),
    "brown": ("Ngjyra kafe sjell ngrohtësi dhe shkon mirë me drurin dhe tonet e tokës.",
              "Brown brings warmth and sits well with wood and earthy tones."),
    "natural": ("Toni natyral i lë damarët e materialit të duken dhe shkon me çdo stil.",
                "The natural finish shows the grain of the material and suits any style."),
    "blue": ("Bluja e thellë sjell qetësi dhe bie në sy pa qenë e zhurmshme.",
             "Deep blue is calming and stands out without shouting."),
    "green": ("E gjelbra të kujton natyrën dhe shkon bukur me bimët dhe drurin.",
              "Green recalls nature and looks lovely next to plants and wood."),
    "red": ("E kuqja sjell gjallëri dhe ngrohtësi, sidomos në dhomën e ndenjes.",
            "Red brings life and warmth, especially to a living room."),
    "yellow": ("E verdha e ndriçon dhomën si një rreze dielli.",
               "Yellow lights up a room like a ray of sunshine."),
    "cyan": ("Ngjyra e kaltër e çelët sjell freski, sidomos në banjë dhe në kuzhinë.",
             "Light turquoise feels fresh, especially in a bathroom or kitchen."),
}

CLOSING = ("E sjellim te dera juaj kudo në Kosovë, ose e merrni vetë në njërin nga dyqanet "
           "tona.",
           "We deliver to your door anywhere in Kosovo, or you can collect it from one of our "
           "stores.")

#: A family's sizes: "Zgjidhni përmasën: 90×200, 140×200 ose 160×200 cm."
SIZES = ("Zgjidhni përmasën: {sizes} cm.", "Choose your size: {sizes} cm.")
OR = (" ose ", " or ")


#: A family whose colour, or material and colour, are the customer's choice says so.
CHOOSE = {
    "colour": ("Zgjidhni ngjyrën që i shkon më mirë shtëpisë suaj.",
               "Choose the colour that suits your home best."),
    "material": ("Zgjidhni materialin dhe ngjyrën që i shkojnë më mirë shtëpisë suaj.",
                 "Choose the material and colour that suit your home best."),
}


#: A carpet is not "plastic" to whoever buys one: its fibre is named, and described as such.
FLOORS = {"rug", "hallway runner"}
FIBRES = {"polypropylene": (("prej polipropileni", "polypropylene"), (
    "Fijet e polipropilenit nuk e thithin lagështinë, nuk e humbin ngjyrën në diell dhe "
    "njollat hiqen me pak ujë dhe sapun.",
    "Polypropylene fibres do not soak up moisture, keep their colour in the sun, and stains "
    "come out with a little soap and water."))}


def carpet_fibre(kind_en: str, material: str | None) -> tuple | None:
    return FIBRES.get(material) if kind_en in FLOORS and material else None


def describe(kind_en: str, model: str, materials: list[str] | str | None,
             colour: str | None, sizes: list[str] | None = None,
             choose: str | None = None) -> tuple[str, str]:
    """The (sq, en) description of a product of ``kind_en`` (``Kind.en``) in ``materials``
    (one, or each a family offers); ``colour`` None leaves the colour out (a white mattress,
    or a family whose colour is a choice, which ``choose`` names: "colour" or "material")."""
    parts = [OPENINGS[kind_en]]
    for material in [materials] if isinstance(materials, str) else materials or []:
        fibre = carpet_fibre(kind_en, material)
        parts.append(fibre[1] if fibre else MATERIALS[material])
    if colour:
        parts.append(COLOURS[colour])
    if choose:
        parts.append(CHOOSE[choose])
    if sizes:
        listed = [", ".join(sizes[:-1]) + word + sizes[-1] if len(sizes) > 1 else sizes[0]
                  for word in OR]
        parts.append((SIZES[0].format(sizes=listed[0]), SIZES[1].format(sizes=listed[1])))
    parts.append(CLOSING)
    sq, en = (" ".join(p[i] for p in parts).format(model=model) for i in (0, 1))
    return sq, en


def names(kind: Kind, material: str | None, model: str) -> tuple[str, str]:
    """("Karrige Rugova prej druri lisi", "Rugova oak chair"); no material: "Karrige Rugova"."""
    fibre = carpet_fibre(kind.en, material)
    mat_sq, mat_en = fibre[0] if fibre else MATERIAL_IN_NAME[material] if material else ("", "")
    return (" ".join(filter(None, (kind.sq, model, mat_sq))),
            " ".join(filter(None, (model, mat_en, kind.en))))
