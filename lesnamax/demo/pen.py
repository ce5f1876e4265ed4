"""A small drawing helper for the demo pictures: an 800×600 studio scene drawn at twice the
size and scaled down, so Pillow's hard edges come out smooth."""

from __future__ import annotations

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 800, 600
SCALE = 2
WALL = (244, 241, 236)
FLOOR = (226, 220, 211)
HORIZON = 470

Colour = tuple[int, int, int]


def tone(colour: Colour, factor: float) -> Colour:
    """Lighter (factor > 1) or darker (< 1), as a side in shade or a lit top."""
    if factor >= 1:
        return tuple(round(c + (255 - c) * (factor - 1)) for c in colour)  # type: ignore
    return tuple(round(c * factor) for c in colour)  # type: ignore


class Pen:
    def __init__(self, floor: bool = True) -> None:
        self.floor = floor
        self.box: list[float] | None = None
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), WALL)
        self.draw = ImageDraw.Draw(self.image)
        if floor:
            self.rect((0, HORIZON, WIDTH, HEIGHT), FLOOR)
            self.rect((0, HORIZON, WIDTH, HORIZON + 3), tone(FLOOR, 0.93))
        #: What the piece covers (x0, y0, x1, y1), grown by every stroke: the framing reads it
        #: (cheaper than comparing the picture with an empty studio).
        self.box = None

    def touch(self, box) -> None:
        """Count ``box`` as part of the piece (for what is drawn past the pen)."""
        x0, y0, x1, y1 = box
        if self.box is None:
            self.box = [x0, y0, x1, y1]
        else:
            self.box = [min(self.box[0], x0), min(self.box[1], y0), max(self.box[2], x1),
                        max(self.box[3], y1)]

    def _s(self, values) -> list[float]:
        self.touch(values)
        return [v * SCALE for v in values]

    def _points(self, points) -> list[tuple[float, float]]:
        xs, ys = [x for x, _y in points], [y for _x, y in points]
        self.touch((min(xs), min(ys), max(xs), max(ys)))
        return [(x * SCALE, y * SCALE) for x, y in points]

    def rect(self, box, fill, outline=None, width=0, radius=0) -> None:
        if radius:
            self.draw.rounded_rectangle(self._s(box), radius=radius * SCALE, fill=fill,
                                        outline=outline, width=width * SCALE)
        else:
            self.draw.rectangle(self._s(box), fill=fill, outline=outline, width=width * SCALE)

    def poly(self, points, fill, outline=None, width=0) -> None:
        self.draw.polygon(self._points(points), fill=fill, outline=outline,
                          width=max(1, width * SCALE))

    def ellipse(self, box, fill, outline=None, width=0) -> None:
        self.draw.ellipse(self._s(box), fill=fill, outline=outline, width=width * SCALE)

    def line(self, points, fill, width=1) -> None:
        self.draw.line(self._points(points), fill=fill,
                       width=max(1, round(width * SCALE)), joint="curve")

    def arc(self, box, start, end, fill, width=1) -> None:
        self.draw.arc(self._s(box), start, end, fill=fill, width=width * SCALE)

    def shadow(self, x0, x1, y, depth=14) -> None:
        """A soft contact shadow on the floor under a piece."""
        for i in range(4):
            grow = (3 - i) * 6
            self.ellipse((x0 - grow, y - depth / 2 - grow / 3, x1 + grow, y + depth / 2 + grow / 3),
                         tone(FLOOR, 0.97 - i * 0.03))

    def finish(self) -> Image.Image:
        """The picture framed as a photographer would: the piece fills most of the frame."""
        box = _framing(None if self.box is None else [v * SCALE for v in self.box])
        # A box filter is smooth and fast when shrinking; bilinear when the piece is small.
        shrinking = box[2] - box[0] >= WIDTH * 1.5
        return self.image.resize((WIDTH, HEIGHT), Image.Resampling.BOX if shrinking
                                 else Image.Resampling.BILINEAR, box=box)


def _framing(bbox) -> tuple[float, float, float, float]:
    full = (0, 0, WIDTH * SCALE, HEIGHT * SCALE)
    if bbox is None:
        return full
    x0, y0, x1, y1 = bbox
    # 4:3 around the piece with a margin, never closer than 2.5 times the studio.
    width = max((x1 - x0) * 1.3, (y1 - y0) * 1.3 * WIDTH / HEIGHT, WIDTH * SCALE * 0.4)
    width = min(width, WIDTH * SCALE)
    height = width * HEIGHT / WIDTH
    left = min(max((x0 + x1) / 2 - width / 2, 0), WIDTH * SCALE - width)
    top = min(max((y0 + y1) / 2 - height / 2, 0), HEIGHT * SCALE - height)
    return left, top, left + width, top + height
