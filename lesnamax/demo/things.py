"""Drawings of mattresses, carpets, textiles, décor and kitchenware for the demo pictures."""

from __future__ import annotations

import functools
import math

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .pen import FLOOR, SCALE, Pen, tone

WHITE = (248, 248, 245)
STEEL = (176, 180, 186)


def _box(p: Pen, near, far, height, top, side, front):
    """A box seen from above at an angle: ``near``/``far`` are (x_left, x_right, y) edges."""
    (nl, nr, ny), (fl, fr, fy) = near, far
    p.poly([(nl, ny), (nr, ny), (fr, fy), (fl, fy)], top)
    p.poly([(nl, ny), (nr, ny), (nr, ny + height), (nl, ny + height)], front)
    p.poly([(nr, ny), (fr, fy), (fr, fy + height), (nr, ny + height)], side)


def _lerp(a, b, t):
    return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t


def mattress(p: Pen, c, m, cover=WHITE):
    near, far = (90, 590, 330), (250, 700, 190)
    p.shadow(120, 700, 448, 26)
    _box(p, near, far, 100, cover, tone(cover, 0.8), tone(cover, 0.9))
    quilt = tone(cover, 0.84)
    nl, nr, fl, fr = (90, 330), (590, 330), (250, 190), (700, 190)
    for i in range(1, 8):  # the quilting: a grid on the top with a tuft at each crossing
        p.line([_lerp(nl, nr, i / 8), _lerp(fl, fr, i / 8)], quilt, 2)
    for j in range(1, 5):
        p.line([_lerp(nl, fl, j / 5), _lerp(nr, fr, j / 5)], quilt, 2)
    for i in range(1, 8):
        for j in range(1, 5):
            x, y = _lerp(_lerp(nl, nr, i / 8), _lerp(fl, fr, i / 8), j / 5)
            p.ellipse((x - 4, y - 3, x + 4, y + 3), tone(cover, 0.7))
    # piping, a band of the maker's colour round the side, and handles
    p.line([nl, nr, fr], tone(cover, 0.7), 3)
    p.line([(90, 418), (590, 418), (700, 278)], tone(cover, 0.7), 3)
    band = (70, 96, 140) if m == "springs" else (150, 152, 156)
    p.poly([(90, 362), (590, 362), (590, 384), (90, 384)], band)
    p.poly([(590, 362), (700, 222), (700, 244), (590, 384)], tone(band, 0.8))
    for x in (230, 430):
        p.rect((x, 392, x + 50, 400), tone(cover, 0.7), radius=4)


def protector(p: Pen, c, m):
    """A thin white quilted pad over a grey mattress, its elastic bands at the corners."""
    mattress(p, c, "memory_foam", cover=(200, 204, 210))
    nl, nr, fl, fr = (84, 318), (596, 318), (246, 176), (706, 176)
    _box(p, (84, 596, 318), (246, 706, 176), 14, WHITE, tone(WHITE, 0.84), tone(WHITE, 0.92))
    for i in range(1, 12):  # a diamond quilting, unlike the mattress's squares
        p.line([_lerp(nl, nr, i / 12), _lerp(fl, fr, max(0.0, i / 12 - 0.25))],
               (222, 224, 226), 2)
        p.line([_lerp(nl, nr, i / 12), _lerp(fl, fr, min(1.0, i / 12 + 0.25))],
               (222, 224, 226), 2)
    for x, y in ((92, 330), (584, 330), (698, 190)):  # the elastic corners
        p.rect((x - 10, y, x + 10, y + 30), (120, 124, 132), radius=4)


def pillow(p: Pen, c, m):
    p.shadow(200, 600, 440, 30)
    p.rect((190, 250, 610, 440), tone(WHITE, 0.88), radius=90)
    p.rect((200, 240, 600, 420), WHITE, radius=90)
    p.line([(230, 330), (570, 330)], (226, 226, 224), 2)
    if m == "memory_foam":
        for x in range(260, 560, 30):
            for y in (290, 370):
                p.ellipse((x, y, x + 6, y + 6), (220, 222, 226))
    p.rect((560, 390, 590, 416), (70, 96, 140), radius=3)  # label


def _pattern(p: Pen, corners, c, rows, cols, across=False):
    """A kilim on the floor in perspective: border, field of diamonds, fringes."""
    nl, nr, fr, fl = corners
    dark, light = tone(c, 0.6), tone(c, 1.35)
    p.poly([nl, nr, fr, fl], c)

    def at(u, v):
        return _lerp(_lerp(nl, nr, u), _lerp(fl, fr, u), v)

    inner = [at(0.06, 0.08), at(0.94, 0.08), at(0.94, 0.92), at(0.06, 0.92)]
    p.poly([at(0.03, 0.04), at(0.97, 0.04), at(0.97, 0.96), at(0.03, 0.96)], dark)
    p.poly(inner, tone(c, 1.05))
    for i in range(cols):
        for j in range(rows):
            u0, u1 = 0.06 + 0.88 * i / cols, 0.06 + 0.88 * (i + 1) / cols
            v0, v1 = 0.08 + 0.84 * j / rows, 0.08 + 0.84 * (j + 1) / rows
            um, vm = (u0 + u1) / 2, (v0 + v1) / 2
            p.poly([at(um, v0), at(u1, vm), at(um, v1), at(u0, vm)],
                   dark if (i + j) % 2 else (236, 224, 200))
            p.poly([at(um, (v0 + vm) / 2), at((um + u1) / 2, vm), at(um, (vm + v1) / 2),
                    at((u0 + um) / 2, vm)], light if (i + j) % 2 else dark)
    for t in range(0, 41):  # fringes on the near and far edges, or (across) on the ends
        if across:
            for u, dx in ((0, -12), (1, 12)):
                a = at(u, t / 40)
                p.line([a, (a[0] + dx, a[1])], (236, 228, 210), 2)
        else:
            a, b = at(t / 40, 1), at(t / 40, 0)
            p.line([a, (a[0], a[1] + 12)], (236, 228, 210), 2)
            p.line([b, (b[0], b[1] - 8)], (236, 228, 210), 2)


def _floor_from(p: Pen, y):
    """A rug lies on the floor: the floor reaches further back than behind standing pieces."""
    p.rect((0, y, 800, 600), FLOOR)
    p.rect((0, y, 800, y + 3), tone(FLOOR, 0.93))


def rug(p: Pen, c, m):
    _floor_from(p, 220)
    _pattern(p, [(90, 500), (710, 500), (620, 280), (180, 280)], c, 3, 5)


def runner(p: Pen, c, m):
    _floor_from(p, 300)
    _pattern(p, [(70, 500), (730, 500), (680, 400), (120, 400)], c, 1, 7, across=True)


def _window(p: Pen):
    p.rect((230, 110, 570, 420), (214, 230, 240))
    p.rect((230, 110, 570, 420), None, outline=(250, 250, 250), width=10)
    p.rect((396, 110, 404, 420), (250, 250, 250))
    p.rect((230, 420, 570, 436), (236, 232, 226))  # sill


def _folds(p: Pen, x0, x1, y0, y1, c, pleats=6):
    step = (x1 - x0) / pleats
    for i in range(pleats):
        a = x0 + i * step
        p.rect((a, y0, a + step, y1), tone(c, 1.06))
        p.rect((a + step * 0.55, y0, a + step, y1), tone(c, 0.84))
        p.line([(a + step * 0.55, y0), (a + step * 0.55, y1)], tone(c, 0.78), 2)


def curtain(p: Pen, c, m):
    _window(p)
    p.rect((150, 82, 650, 92), (70, 66, 62), radius=4)  # the rod
    for x in (150, 640):
        p.ellipse((x - 8, 78, x + 14, 98), (70, 66, 62))
    _folds(p, 160, 330, 92, 470, c)
    _folds(p, 470, 640, 92, 470, c)
    if m == "velvet":
        for x in (200, 520):
            p.line([(x, 100), (x, 460)], tone(c, 1.18), 3)


def sheer(p: Pen, c, m):
    _window(p)
    p.rect((150, 82, 650, 92), (200, 200, 204), radius=4)
    veil = Image.new("RGBA", p.image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(veil)
    for i in range(14):
        a = (170 + i * 33) * SCALE
        draw.rectangle((a, 92 * SCALE, a + 33 * SCALE, 470 * SCALE), fill=(*c, 120))
        draw.line((a + 24 * SCALE, 92 * SCALE, a + 24 * SCALE, 470 * SCALE),
                  fill=(*tone(c, 0.85), 150), width=3 * SCALE)
    p.image.paste(Image.alpha_composite(p.image.convert("RGBA"), veil).convert("RGB"))


def bedspread(p: Pen, c, m):
    p.shadow(110, 700, 470, 22)
    p.rect((110, 170, 220, 470), (160, 124, 88), radius=6)  # headboard
    p.rect((230, 256, 360, 308), WHITE, radius=20)  # pillow
    p.poly([(214, 300), (700, 300), (706, 456), (214, 456)], c)  # the spread, to the floor
    p.rect((214, 290, 700, 312), tone(c, 1.12), radius=8)
    for y in range(330, 450, 24):  # quilted lines
        p.line([(224, y), (696, y + 2)], tone(c, 0.86), 2)
    for x in range(250, 700, 48):
        p.line([(x, 316), (x + 2, 452)], tone(c, 0.9), 2)


def bed_linen(p: Pen, c, m):
    p.shadow(220, 580, 470, 18)
    for i, (w, h) in enumerate(((360, 60), (330, 50), (300, 46))):  # a folded stack
        y = 460 - sum(hh for _w, hh in ((360, 60), (330, 50), (300, 46))[: i + 1])
        x = 400 - w / 2
        shade = c if i != 1 else WHITE
        p.rect((x, y, x + w, y + h), shade, outline=tone(shade, 0.82), width=2, radius=12)
        p.line([(x + 14, y + h / 2), (x + w - 14, y + h / 2)], tone(shade, 0.9), 2)
    p.rect((386, 300, 414, 460), (200, 170, 120))  # the paper band
    p.rect((360, 350, 440, 380), (250, 246, 236), radius=4)


def towel(p: Pen, c, m):
    p.shadow(240, 560, 470, 18)
    for i in range(3):
        y = 396 - i * 62
        p.rect((250, y, 550, y + 62), tone(c, 1 - i * 0.03), outline=tone(c, 0.82), width=2,
               radius=26)
        for x in (300, 500):  # the woven border
            p.rect((x, y + 6, x + 10, y + 56), tone(c, 0.86))
        for x in range(266, 540, 8):
            p.line([(x, y + 3), (x, y + 8)], tone(c, 0.9), 1)


def vase(p: Pen, c, m):
    p.shadow(330, 470, 470, 14)
    for stem, (x, y) in enumerate(((300, 110), (360, 70), (440, 80), (500, 130))):
        p.line([(400, 270), (x, y)], (92, 120, 84), 4)
        for k in range(4):
            lx, ly = _lerp((400, 270), (x, y), 0.35 + k * 0.18)
            p.ellipse((lx - 14, ly - 8, lx + 14, ly + 8), (120, 150, 110) if stem % 2
                      else (104, 138, 100))
    body = c if m == "ceramic" else tone(c, 1.25)
    p.poly([(370, 240), (430, 240), (436, 290), (470, 360), (462, 440), (440, 466), (360, 466),
            (338, 440), (330, 360), (364, 290)], body)
    p.ellipse((364, 232, 436, 250), tone(body, 0.7))
    p.line([(356, 330), (348, 420)], tone(body, 1.35), 6)  # highlight


def mirror(p: Pen, c, m):
    p.rect((0, 470, 800, 600), FLOOR)
    frame = c if m != "metal" else tone(c, 1.0)
    if m == "rattan":  # a sunburst of rattan round a round mirror
        for k in range(36):
            a = k * math.pi / 18
            p.line([(400 + 110 * math.cos(a), 260 + 110 * math.sin(a)),
                    (400 + 190 * math.cos(a), 260 + 190 * math.sin(a))], tone(c, 0.85), 7)
        p.ellipse((290, 150, 510, 370), tone(c, 0.8))
        p.ellipse((300, 160, 500, 360), (200, 214, 222))
        p.line([(340, 240), (400, 180)], (236, 244, 248), 10)
        return
    p.rect((296, 60, 504, 430), frame, radius=100)  # arched frame
    p.rect((312, 76, 488, 414), (196, 212, 222), radius=88)
    p.poly([(330, 200), (420, 96), (450, 110), (340, 260)], (226, 236, 242))
    p.rect((0, 470, 800, 474), (214, 208, 200))


def lamp(p: Pen, c, m):
    p.shadow(330, 470, 470, 14)
    p.image = ImageChops.add(p.image, _glow(p.image.size))
    p.draw = ImageDraw.Draw(p.image)
    base = c if m != "rattan" else tone(c, 0.9)
    if m == "metal":
        p.rect((392, 230, 408, 450), base)
        p.ellipse((340, 440, 460, 468), base)
    else:
        p.ellipse((340, 300, 460, 460), base)  # a round ceramic or woven body
        if m == "rattan":
            for y in range(310, 460, 12):
                p.line([(344, y), (456, y)], tone(c, 0.7), 2)
        p.rect((392, 230, 408, 306), (190, 170, 120))
    p.poly([(310, 240), (490, 240), (454, 110), (346, 110)], (250, 240, 214))
    p.poly([(310, 240), (490, 240), (486, 226), (314, 226)], (236, 222, 190))


@functools.cache
def _glow(size) -> Image.Image:
    """The lamp's warm halo, blurred small and scaled up (a large blur is slow)."""
    small = Image.new("RGB", (size[0] // 8, size[1] // 8), (0, 0, 0))
    box = [v * SCALE / 8 for v in (240, 60, 560, 300)]
    ImageDraw.Draw(small).ellipse(box, fill=(40, 32, 10))
    return small.filter(ImageFilter.GaussianBlur(5)).resize(size, Image.Resampling.BILINEAR)


def clock(p: Pen, c, m):
    p.rect((0, 470, 800, 600), FLOOR)
    p.ellipse((250, 90, 550, 390), tone(c, 0.8) if m == "oak" or c[0] < 200 else (60, 60, 64))
    p.ellipse((266, 106, 534, 374), (250, 250, 246))
    for k in range(12):
        a = k * math.pi / 6
        r0, r1 = (104, 124) if k % 3 else (94, 124)
        p.line([(400 + r0 * math.sin(a), 240 - r0 * math.cos(a)),
                (400 + r1 * math.sin(a), 240 - r1 * math.cos(a))], (40, 40, 44),
               6 if k % 3 == 0 else 3)
    p.line([(400, 240), (400 + 60 * math.sin(5.2), 240 - 60 * math.cos(5.2))], (30, 30, 34), 8)
    p.line([(400, 240), (400 + 96 * math.sin(1.1), 240 - 96 * math.cos(1.1))], (30, 30, 34), 5)
    p.line([(400, 240), (400 + 100 * math.sin(2.7), 240 - 100 * math.cos(2.7))],
           (190, 50, 40), 2)
    p.ellipse((392, 232, 408, 248), (30, 30, 34))


def candle(p: Pen, c, m):
    p.shadow(320, 480, 468, 14)
    jar = (224, 232, 236) if m == "glass" else c
    p.rect((320, 260, 480, 466), jar, radius=18)
    p.rect((330, 290, 470, 456), (246, 240, 226), radius=12)  # the wax inside
    p.rect((340, 340, 460, 400), (120, 98, 70), radius=4)  # label
    p.rect((352, 352, 448, 360), (236, 226, 200))
    p.ellipse((320, 250, 480, 280), tone(jar, 0.9))
    p.ellipse((332, 256, 468, 276), (250, 244, 232))
    p.line([(400, 266), (400, 240)], (40, 40, 40), 3)
    p.ellipse((388, 190, 412, 246), (250, 190, 80))
    p.ellipse((394, 212, 406, 242), (255, 240, 180))


def _pot(p: Pen, x, width, height, c, lid=True):
    y1 = 466
    y0 = y1 - height
    p.rect((x, y0, x + width, y1), c, radius=10)
    p.rect((x + width * 0.12, y0, x + width * 0.28, y1), tone(c, 1.25))  # shine
    p.rect((x - 26, y0 + 14, x + 4, y0 + 26), (40, 40, 44), radius=6)
    p.rect((x + width - 4, y0 + 14, x + width + 26, y0 + 26), (40, 40, 44), radius=6)
    if lid:
        p.ellipse((x - 4, y0 - 16, x + width + 4, y0 + 12), (200, 214, 222))
        p.ellipse((x + 6, y0 - 12, x + width - 6, y0 + 6), (214, 226, 232))
        p.rect((x + width / 2 - 18, y0 - 30, x + width / 2 + 18, y0 - 14), (40, 40, 44),
               radius=6)


def cookware(p: Pen, c, m):
    body = STEEL if c[0] > 100 else (70, 72, 78)
    p.shadow(130, 690, 468, 16)
    _pot(p, 150, 150, 120, body)
    _pot(p, 360, 200, 170, tone(body, 0.95))
    _pot(p, 600, 100, 90, body)


def pan(p: Pen, c, m):
    p.shadow(160, 520, 466, 40)
    p.ellipse((150, 300, 530, 470), (60, 60, 64))
    p.ellipse((160, 294, 520, 450), STEEL if c[0] > 100 else (74, 76, 82))
    p.ellipse((184, 310, 496, 432), (44, 44, 48))  # the non-stick inside
    p.ellipse((220, 330, 320, 370), (62, 62, 68))
    p.poly([(510, 362), (700, 300), (712, 318), (520, 384)], (36, 36, 40))  # the handle
    p.ellipse((690, 298, 716, 322), (36, 36, 40))


def glasses(p: Pen, c, m):
    p.shadow(160, 640, 468, 14)
    layer = Image.new("RGBA", p.image.size, (0, 0, 0, 0))
    for i in range(6):  # two rows of three, the back row higher
        row = i // 3
        x = 180 + (i % 3) * 150 + row * 70
        y1 = 468 - row * 50
        draw = ImageDraw.Draw(layer)
        box = [v * SCALE for v in (x, y1 - 150, x + 100, y1)]
        draw.rounded_rectangle(box, radius=8 * SCALE, fill=(200, 222, 232, 90),
                               outline=(150, 170, 180, 220), width=3 * SCALE)
        draw.rectangle([v * SCALE for v in (x + 6, y1 - 16, x + 94, y1 - 4)],
                       fill=(180, 200, 210, 160))
        draw.line([v * SCALE for v in (x + 20, y1 - 136, x + 20, y1 - 30)],
                  fill=(255, 255, 255, 200), width=5 * SCALE)
    p.image = Image.alpha_composite(p.image.convert("RGBA"), layer).convert("RGB")
    p.draw = ImageDraw.Draw(p.image)
    p.touch((180, 268, 620, 468))


def plates(p: Pen, c, m):
    p.shadow(130, 480, 468, 26)
    for i in range(6):  # a stack, seen from the side
        y = 456 - i * 14
        p.ellipse((140, y - 20, 470, y + 12), tone(c, 0.85))
        p.ellipse((140, y - 24, 470, y + 6), WHITE if c[0] > 200 else tone(c, 1.2))
    p.ellipse((180, 356, 430, 382), tone(c, 1.1))
    p.ellipse((500, 170, 700, 370), tone(c, 0.85))  # one plate standing, its face
    p.ellipse((508, 178, 692, 362), WHITE if c[0] > 200 else tone(c, 1.25))
    p.ellipse((540, 210, 660, 330), None, outline=tone(c, 0.8), width=3)
    p.ellipse((548, 218, 652, 322), tone(c, 1.3) if c[0] < 200 else (240, 236, 226))


def knife(p: Pen, c, m):
    """A knife lying on a chopping board, seen from above at an angle."""
    p.shadow(150, 660, 452, 30)
    _box(p, (150, 610, 430), (230, 680, 330), 22, (176, 128, 84), (130, 92, 60), (150, 108, 70))
    p.ellipse((560, 344, 590, 360), (130, 92, 60))  # the board's hanging hole
    p.poly([(210, 408), (490, 360), (496, 380), (250, 414)], (70, 50, 34))  # the knife's shadow
    p.poly([(200, 396), (480, 346), (488, 366), (236, 404)], (214, 218, 224))  # blade
    p.line([(206, 396), (480, 350)], (244, 246, 250), 3)
    handle = (40, 40, 44) if c[0] < 100 else (110, 112, 118)
    p.rect((478, 340, 492, 372), (190, 194, 200), radius=3)  # bolster
    p.poly([(490, 342), (620, 320), (628, 344), (494, 370)], handle)
    for t in (0.25, 0.55, 0.85):
        x, y = _lerp((496, 356), (622, 333), t)
        p.ellipse((x - 4, y - 4, x + 4, y + 4), (200, 204, 210))
