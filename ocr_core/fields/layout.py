"""Geometry over OCR lines: find a label, then its value on the same line, to its right on the
same row, or on the line below (the layouts of Indian KYC cards and certificates)."""
from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..models import Box, Page


@dataclass
class TLine:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float
    page: int
    source: str  # "ocr" or "text_layer"
    orig: Box | None = field(default=None, repr=False, compare=False)  # the box as OCR gave it
    script: str | None = None  # "deva": the engine saw a Devanagari headline (`Line.script`)

    @property
    def h(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def box(self) -> Box:
        return [[self.x0, self.y0], [self.x1, self.y0], [self.x1, self.y1], [self.x0, self.y1]]


def union_box(lines: Iterable[TLine]) -> Box | None:
    """The page-pixel rectangle around the lines' original boxes."""
    pts = [q for ln in lines for q in (ln.orig or ln.box)]
    if not pts:
        return None
    x0, y0 = min(q[0] for q in pts), min(q[1] for q in pts)
    x1, y1 = max(q[0] for q in pts), max(q[1] for q in pts)
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def skew(page: Page) -> float:
    """The page's skew in radians: the median slope of the top edges of its long boxes (a photo or
    scan a few degrees off; the boxes are quadrilaterals that follow the text)."""
    angles = []
    for ln in page.lines:
        (x0, y0), (x1, y1) = ln.box[0], ln.box[1]
        if x1 - x0 > 3 * abs(ln.box[3][1] - y0) > 0:
            angles.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(angles) if len(angles) >= 3 else 0.0


def page_lines(pages: list[Page]) -> list[TLine]:
    """Every line of every page in reading order (page, top, left), in coordinates turned by the
    page's skew so that a row of the layout is level. (Each line's `box` on output is level too;
    `Field.box` comes from the original boxes, see `original_box`.)"""
    out = []
    for p in pages:
        a = -skew(p)
        c, s_ = math.cos(a), math.sin(a)
        for ln in p.lines:
            pts = [(x * c - y * s_, x * s_ + y * c) for x, y in ln.box] if a else [(x, y) for x, y in ln.box]
            xs, ys = [q[0] for q in pts], [q[1] for q in pts]
            t = TLine(ln.text.strip(), min(xs), min(ys), max(xs), max(ys), ln.confidence, p.number, p.source)
            t.orig, t.script = ln.box, ln.script
            out.append(t)
    out.sort(key=lambda t: (t.page, round(t.cy / max(t.h * 0.6, 1.0)), t.x0))
    return [t for t in out if t.text]


@dataclass
class Value:
    text: str
    lines: list[TLine]

    @property
    def confidence(self) -> float:
        return min(ln.confidence for ln in self.lines) if self.lines else 0.0


_SEP = " :;-–/|.,"


def clean_rest(s: str) -> str:
    return s.strip(_SEP + "'\"").strip()


class Layout:
    """The lines of one document plus the label patterns of its type (to know what is not a value)."""

    def __init__(self, lines: list[TLine], labels: Iterable[re.Pattern[str]]):
        self.lines = lines
        self.labels = list(labels)

    def find(self, pattern: re.Pattern[str]) -> list[tuple[TLine, re.Match[str]]]:
        """Lines holding the label, each with its last match (a bilingual label matches twice:
        "जन्म तिथि / DOB: ..." - the value follows the last)."""
        out = []
        for ln in self.lines:
            ms = list(pattern.finditer(ln.text))
            if ms:
                out.append((ln, ms[-1]))
        return out

    def is_label(self, text: str) -> bool:
        """A line that holds a label and little else."""
        for p in self.labels:
            m = p.search(text)
            if m and len(clean_rest(text[:m.start()] + text[m.end():])) <= 3:
                return True
        return False

    def cut_at_label(self, text: str) -> str:
        """Text up to the next label on the same line (two columns read as one line)."""
        end = len(text)
        for p in self.labels:
            m = p.search(text)
            if m and m.start() > 0:
                end = min(end, m.start())
        return text[:end]

    def right_of(self, ln: TLine) -> list[TLine]:
        row = [o for o in self.lines if o is not ln and o.page == ln.page and o.x0 >= ln.x1 - 0.5 * ln.h
               and min(o.y1, ln.y1) - max(o.y0, ln.y0) >= 0.5 * min(o.h, ln.h)]
        return sorted(row, key=lambda o: o.x0)

    def below(self, ln: TLine, max_gap: float = 2.2, x_tol: float = 1.5) -> list[TLine]:
        """Lines under `ln` in its column, nearest first."""
        out = []
        for o in self.lines:
            if o is ln or o.page != ln.page or o.cy <= ln.y1 - 0.25 * ln.h or o.y0 <= ln.cy - 0.1 * ln.h:
                continue
            if o.y0 - ln.y1 > max_gap * max(ln.h, o.h):
                continue
            overlaps = min(o.x1, ln.x1) - max(o.x0, ln.x0) > 0
            if overlaps or abs(o.x0 - ln.x0) <= x_tol * ln.h:
                out.append(o)
        return sorted(out, key=lambda o: (o.y0, abs(o.x0 - ln.x0)))

    def above(self, ln: TLine, max_gap: float = 2.2) -> list[TLine]:
        out = [o for o in self.lines if o is not ln and o.page == ln.page and o.cy < ln.y0 + 0.25 * ln.h
               and o.y1 < ln.cy + 0.1 * ln.h
               and ln.y0 - o.y1 <= max_gap * max(ln.h, o.h)
               and (min(o.x1, ln.x1) - max(o.x0, ln.x0) > 0 or abs(o.x0 - ln.x0) <= 1.5 * ln.h)]
        return sorted(out, key=lambda o: -o.y1)

    def value(self, pattern: re.Pattern[str], accept: Callable[[str], bool],
              modes: tuple[str, ...] = ("inline", "right", "below")) -> Value | None:
        """The first label match whose value (inline, to the right, or below) is accepted."""
        for ln, m in self.find(pattern):
            v = self.value_at(ln, m, accept, modes)
            if v:
                return v
        return None

    def value_at(self, ln: TLine, m: re.Match[str], accept: Callable[[str], bool],
                 modes: tuple[str, ...] = ("inline", "right", "below")) -> Value | None:
        for mode in modes:
            if mode == "inline":
                rest = clean_rest(self.cut_at_label(ln.text[m.end():]))
                if rest and accept(rest):
                    return Value(rest, [ln])
            elif mode == "right":
                row = self.right_of(ln)
                if row and not self.is_label(row[0].text) and accept(clean_rest(row[0].text)):
                    return Value(clean_rest(self.cut_at_label(row[0].text)), [row[0]])
            elif mode == "below":
                under = self.below(ln)
                if under and not self.is_label(under[0].text) and accept(clean_rest(under[0].text)):
                    return Value(clean_rest(self.cut_at_label(under[0].text)), [under[0]])
        return None

    def block(self, first: TLine, stop: Callable[[TLine], bool], max_lines: int = 8,
              gap: float = 0.8) -> list[TLine]:
        """`first` and the lines that continue it downwards in its column, until `stop` or a gap."""
        out = [first]
        while len(out) < max_lines:
            cur = out[-1]
            nxt = [o for o in self.lines if o.page == cur.page and o not in out and o.y0 >= cur.cy
                   and o.y0 - cur.y1 <= gap * cur.h and abs(o.x0 - first.x0) <= 1.2 * first.h]
            if not nxt:
                break
            o = min(nxt, key=lambda t: t.y0)
            if stop(o) or self.is_label(o.text):
                break
            out.append(o)
        return out
