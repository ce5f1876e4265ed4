"""Drawings of furniture for the demo pictures: each piece as a customer would recognise it
(a chair has a seat, a back and four legs; a wardrobe is tall, with doors and handles)."""

from __future__ import annotations

from .pen import Pen, tone

LEG = (86, 60, 42)  # dark wood or black metal legs under upholstered pieces
BOOKS = [(170, 64, 60), (70, 110, 170), (224, 186, 80), (96, 140, 104), (236, 236, 232),
         (121, 85, 61), (52, 52, 56)]


def _legs_colour(c, m):
    return (40, 40, 44) if m == "metal" else tone(c, 0.7) if m in ("oak", "beech", "pine") \
        else LEG


def sofa(p: Pen, c, m, seats=3):
    x0, x1 = (140, 660) if seats > 1 else (270, 530)
    p.shadow(x0 + 10, x1 - 10, 470, 18)
    legs = _legs_colour(c, m)
    for x in (x0 + 30, x1 - 44):
        p.poly([(x, 430), (x + 14, 430), (x + 10, 470), (x + 4, 470)], legs)
    # back, then the seat cushions, then the arms in front of them
    p.rect((x0 + 20, 170, x1 - 20, 340), tone(c, 0.82), radius=34)
    inner0, inner1 = x0 + 70, x1 - 70
    step = (inner1 - inner0) / seats
    for i in range(seats):
        a, b = inner0 + i * step + 4, inner0 + (i + 1) * step - 4
        p.rect((a, 190, b, 325), tone(c, 0.95), radius=26)  # back cushions
        p.rect((a, 312, b, 372), tone(c, 1.08), radius=18)  # seat tops
        p.rect((a, 350, b, 410), c, radius=14)  # seat fronts
    p.rect((x0 + 50, 395, x1 - 50, 440), tone(c, 0.78), radius=10)  # base
    for x in (x0, x1 - 74):
        p.rect((x, 250, x + 74, 440), tone(c, 0.9), radius=28)
        p.rect((x + 6, 250, x + 68, 290), tone(c, 1.1), radius=24)
    if m == "leather":
        for i in range(seats):
            a = inner0 + i * step + step / 2
            p.line([(a, 330), (a, 366)], tone(c, 0.8), 2)


def armchair(p: Pen, c, m):
    if m == "rattan":
        p.shadow(280, 520, 470)
        for x in (300, 482):
            p.rect((x, 400, x + 16, 470), tone(c, 0.7))
        p.ellipse((250, 130, 550, 420), tone(c, 0.85))
        for r in range(0, 150, 14):  # the woven shell
            p.arc((250 + r, 130 + r, 550 - r, 420 - r), 180, 360, tone(c, 0.65), 2)
        p.rect((280, 330, 520, 405), (236, 228, 214), radius=20)  # cushion
        return
    sofa(p, c, m, seats=1)


def coffee_table(p: Pen, c, m):
    top = (196, 214, 222) if m == "glass" else c
    frame = (40, 40, 44) if m == "glass" else tone(c, 0.75)
    p.shadow(170, 630, 470, 20)
    for x, y in ((190, 458), (590, 458), (250, 420), (550, 420)):
        p.rect((x - 8, 300, x + 8, y), frame if m != "glass" else (60, 60, 64))
    p.poly([(200, 400), (600, 400), (570, 380), (230, 380)], tone(frame, 1.1))  # lower shelf
    p.poly([(150, 300), (650, 300), (590, 240), (210, 240)], tone(top, 1.08))
    p.rect((150, 300, 650, 318), tone(top, 0.82))
    if m == "glass":
        p.line([(260, 252), (320, 290)], (240, 248, 250), 4)
        p.line([(300, 250), (350, 282)], (240, 248, 250), 2)
    p.ellipse((360, 252, 410, 268), (250, 250, 248))  # a cup on top
    p.rect((372, 236, 398, 262), (250, 250, 248), radius=4)


def _shelves(p: Pen, x0, x1, y0, y1, levels, c, fill):
    p.rect((x0, y0, x1, y1), tone(c, 0.85))
    p.rect((x0 + 10, y0 + 10, x1 - 10, y1 - 14), tone(c, 0.62))
    step = (y1 - y0 - 24) / levels
    for i in range(levels):
        y = y0 + 10 + (i + 1) * step
        p.rect((x0 + 10, y - 8, x1 - 10, y), c)
        fill(i, x0 + 16, x1 - 16, y - 8, step - 10)


def bookcase(p: Pen, c, m):
    p.shadow(260, 540, 470)

    def books(level, a, b, base, room):
        x = a
        n = level * 3
        while x < b - 18:
            w = 12 + (n * 7) % 11
            h = room * (0.62 + ((n * 5) % 4) * 0.09)
            if (n + level) % 6 == 5:  # a gap with a small plant or a box
                p.rect((x + 4, base - 28, x + 34, base), (232, 226, 214), radius=3)
                x += 44
            else:
                p.rect((x, base - h, x + w, base), BOOKS[n % len(BOOKS)])
                x += w + 2
            n += 1

    _shelves(p, 250, 550, 70, 470, 5, c, books)


def filing_shelf(p: Pen, c, m):
    p.shadow(250, 550, 470)

    def binders(level, a, b, base, room):
        for i, x in enumerate(range(int(a), int(b) - 40, 44)):
            colour = BOOKS[(i + level) % 4] if level % 2 else (60, 80, 120)
            p.rect((x, base - room * 0.8, x + 38, base), colour)
            p.ellipse((x + 12, base - room * 0.35, x + 26, base - room * 0.35 + 14),
                      (240, 240, 240))
            p.rect((x + 6, base - room * 0.7, x + 32, base - room * 0.55), (245, 245, 240))

    if m == "metal":
        for x in (250, 542):
            p.rect((x, 70, x + 8, 470), tone(c, 0.7))
    _shelves(p, 250, 550, 70, 470, 4, c, binders)


def _cabinet(p: Pen, c, box, legs=True):
    x0, y0, x1, y1 = box
    if legs:
        for x in (x0 + 14, x1 - 26):
            p.poly([(x, y1), (x + 12, y1), (x + 10, 470), (x + 2, 470)], tone(c, 0.6))
    p.rect((x0, y0 - 10, x1, y0 + 2), tone(c, 1.12))  # the top, lit
    p.rect((x0, y0, x1, y1), c)
    p.rect((x0, y1 - 6, x1, y1), tone(c, 0.8))


def _doors(p: Pen, c, x0, y0, x1, y1, n, handles="knob"):
    step = (x1 - x0) / n
    for i in range(n):
        a, b = x0 + i * step, x0 + (i + 1) * step
        p.rect((a + 3, y0, b - 3, y1), tone(c, 0.97), outline=tone(c, 0.8), width=2)
        hx = b - 16 if i % 2 == 0 else a + 12
        if handles == "bar":
            p.rect((hx, (y0 + y1) / 2 - 30, hx + 5, (y0 + y1) / 2 + 30), (70, 70, 74), radius=2)
        else:
            p.ellipse((hx - 2, (y0 + y1) / 2 - 5, hx + 8, (y0 + y1) / 2 + 5), (80, 80, 84))


def tv_stand(p: Pen, c, m):
    p.shadow(130, 670, 470)
    _cabinet(p, c, (130, 330, 670, 450))
    _doors(p, c, 140, 340, 400, 440, 2, "bar")
    p.rect((410, 340, 660, 440), tone(c, 0.6))  # the open shelf
    p.rect((450, 400, 560, 425), (40, 40, 44), radius=3)  # the set-top box
    p.rect((360, 300, 440, 322), (30, 30, 32))  # the TV's foot
    p.rect((210, 90, 590, 300), (24, 24, 28), radius=6)
    p.rect((220, 100, 580, 290), (52, 64, 84))
    p.poly([(220, 100), (400, 100), (300, 290), (220, 290)], (62, 76, 98))


def sideboard(p: Pen, c, m):
    p.shadow(150, 650, 470)
    _cabinet(p, c, (150, 250, 650, 440))
    _doors(p, c, 160, 262, 640, 430, 3, "bar")
    p.ellipse((230, 150, 290, 240), (96, 140, 104))  # a vase of green on top
    p.rect((246, 190, 274, 242), (236, 236, 232), radius=8)
    p.rect((520, 200, 600, 240), (240, 238, 232))  # a stack of plates
    for y in (208, 218, 228):
        p.line([(520, y), (600, y)], (210, 206, 200), 2)


def chest_of_drawers(p: Pen, c, m):
    p.shadow(240, 560, 470)
    _cabinet(p, c, (240, 170, 560, 440))
    for i in range(4):
        y0 = 182 + i * 64
        p.rect((250, y0, 550, y0 + 58), tone(c, 0.97), outline=tone(c, 0.8), width=2)
        p.rect((370, y0 + 24, 430, y0 + 32), (80, 80, 84), radius=3)


def bedside_table(p: Pen, c, m):
    p.shadow(300, 500, 470)
    _cabinet(p, c, (300, 290, 500, 430))
    p.rect((310, 302, 490, 352), tone(c, 0.97), outline=tone(c, 0.8), width=2)
    p.ellipse((392, 322, 408, 334), (80, 80, 84))
    p.rect((310, 362, 490, 422), tone(c, 0.6))  # open shelf with a book
    p.rect((330, 404, 420, 416), (70, 110, 170))
    # a small lamp on top
    p.rect((392, 220, 400, 282), (180, 170, 150))
    p.ellipse((372, 270, 420, 286), (200, 190, 170))
    p.poly([(360, 230), (432, 230), (420, 180), (372, 180)], (246, 236, 210))


def wardrobe(p: Pen, c, m):
    p.shadow(220, 580, 470)
    p.rect((214, 52, 586, 66), tone(c, 1.1))  # crown
    p.rect((220, 60, 580, 456), c)
    p.rect((220, 448, 580, 470), tone(c, 0.7))  # plinth
    _doors(p, c, 226, 70, 574, 444, 3, "bar")
    p.rect((236, 80, 336, 430), tone(c, 1.05))  # a lit door panel
    p.line([(250, 100), (250, 410)], tone(c, 1.12), 3)


def bed(p: Pen, c, m):
    frame = tone(c, 0.9)
    p.shadow(110, 700, 470, 22)
    upholstered = m == "velvet"
    # headboard on the left, the bed seen from its long side
    if m == "metal":
        p.rect((118, 160, 130, 470), (50, 50, 54))
        p.rect((210, 160, 222, 470), (50, 50, 54))
        p.rect((118, 160, 222, 172), (50, 50, 54))
        for x in range(140, 210, 18):
            p.rect((x, 172, x + 5, 320), (70, 70, 74))
    else:
        p.rect((110, 150, 226, 470), frame, radius=18 if upholstered else 4)
        if upholstered:
            for x in (140, 168, 196):
                p.line([(x, 170), (x, 300)], tone(c, 0.8), 3)
    p.rect((220, 340, 700, 430), tone(frame, 0.85))  # side rail
    for x in (226, 680):
        p.rect((x, 430, x + 14, 470), tone(frame, 0.7))
    p.rect((222, 300, 696, 350), (246, 246, 242), radius=10)  # mattress
    p.rect((230, 262, 360, 318), (252, 252, 250), outline=(220, 220, 216), width=2,
           radius=20)  # pillow
    p.poly([(330, 300), (696, 300), (700, 380), (330, 372)], (200, 208, 214))  # duvet
    p.poly([(330, 296), (696, 296), (696, 312), (330, 312)], (226, 230, 234))
    p.line([(340, 335), (690, 342)], (184, 192, 200), 2)


def dining_table(p: Pen, c, m):
    top = (196, 214, 222) if m == "glass" else c
    legs = (48, 48, 52) if m == "glass" else tone(c, 0.72)
    p.shadow(130, 670, 470, 22)
    for x, y in ((170, 466), (610, 466), (230, 430), (560, 430)):
        p.rect((x - 9, 236, x + 9, y), legs)
    p.poly([(120, 240), (680, 240), (620, 190), (180, 190)], tone(top, 1.08))
    p.rect((120, 240, 680, 258), tone(top, 0.8))
    for x in (300, 420):  # two place settings
        p.ellipse((x, 204, x + 80, 226), (250, 250, 248), outline=(220, 220, 216), width=1)


def desk(p: Pen, c, m):
    legs = (44, 44, 48) if m == "metal" else tone(c, 0.72)
    top = tone(c, 1.0) if m != "metal" else (190, 150, 100)
    p.shadow(150, 650, 470)
    p.rect((160, 270, 176, 466), legs)
    p.rect((460, 270, 640, 460), tone(c, 0.95) if m != "metal" else (70, 70, 74))  # drawers
    for y in (280, 340, 400):
        p.rect((470, y, 630, y + 52), tone(c, 1.02) if m != "metal" else (84, 84, 88),
               outline=tone(c, 0.8), width=2)
        p.rect((530, y + 22, 570, y + 28), (60, 60, 64), radius=3)
    p.rect((150, 252, 650, 272), top)
    p.rect((250, 150, 400, 240), (30, 30, 34), radius=5)  # monitor
    p.rect((258, 158, 392, 232), (70, 96, 130))
    p.rect((318, 240, 332, 252), (30, 30, 34))
    p.rect((420, 236, 520, 252), (200, 200, 204), radius=3)  # keyboard


def chair(p: Pen, c, m):
    """Three-quarter view: four legs, a seat, a back with slats or upholstery."""
    wood = m in ("oak", "beech")
    legs = (40, 40, 44) if m == "metal" else tone(c, 0.7) if wood else LEG
    seat = c if m != "metal" else tone(c, 1.0)
    p.shadow(300, 520, 470, 16)
    # back legs (further, shorter), then front legs
    for x in (338, 488):
        p.rect((x, 300, x + 10, 440), tone(legs, 0.85))
    p.poly([(300, 320), (480, 320), (520, 290), (340, 290)], tone(seat, 1.1))  # seat top
    p.poly([(300, 320), (480, 320), (480, 336), (300, 336)], tone(seat, 0.8))
    p.poly([(480, 320), (520, 290), (520, 306), (480, 336)], tone(seat, 0.7))
    for x in (302, 466):
        p.rect((x, 334, x + 12, 470), legs)
    # the back rises from the far edge of the seat
    if m in ("velvet", "polypropylene"):
        p.poly([(340, 292), (520, 292), (530, 130), (336, 130)], tone(seat, 0.95))
        p.rect((336, 122, 530, 150), tone(seat, 1.05), radius=14)
    else:
        for x in (340, 510):
            p.rect((x, 120, x + 12, 292), legs)
        p.rect((336, 118, 526, 150), tone(seat, 0.95), radius=6)
        for x in (384, 424, 464):
            p.rect((x, 150, x + 10, 292), tone(seat, 0.9))


def bar_stool(p: Pen, c, m):
    metal = m == "metal"
    legs = (44, 44, 48) if metal else tone(c, 0.72)
    p.shadow(320, 480, 470, 12)
    for top, bottom in ((360, 330), (440, 470), (380, 370), (420, 430)):
        p.line([(top, 170), (bottom, 468)], legs, 9)
    p.ellipse((330, 330, 470, 356), None, outline=legs, width=5)  # the foot ring
    p.ellipse((320, 150, 480, 186), tone(c, 1.08))
    p.rect((320, 168, 480, 190), tone(c, 0.85))
    p.ellipse((320, 174, 480, 204), tone(c, 0.85))
    p.ellipse((326, 152, 474, 182), tone(c, 1.15))


def office_chair(p: Pen, c, m):
    p.shadow(270, 530, 470, 16)
    black = (36, 36, 40)
    for end in ((280, 452), (520, 452), (330, 468), (470, 468), (400, 446)):  # star base
        p.line([(400, 420), end], black, 12)
        p.ellipse((end[0] - 11, end[1] - 2, end[0] + 11, end[1] + 18), (24, 24, 26))
    p.rect((392, 330, 408, 420), (150, 150, 154))  # gas lift
    p.rect((300, 300, 500, 344), tone(c, 0.92), radius=18)  # seat
    p.rect((300, 296, 500, 318), tone(c, 1.08), radius=14)
    p.rect((330, 90, 470, 292), c, radius=40)  # back
    p.rect((346, 110, 454, 200), tone(c, 1.1), radius=30)
    if m == "leather":
        for y in (140, 180, 220, 260):
            p.line([(340, y), (460, y)], tone(c, 0.8), 2)
    for x in (284, 500):  # armrests
        p.rect((x, 246, x + 16, 304), black)
        p.rect((x - 8, 238, x + 24, 250), black, radius=5)
