"""Labelled specimen KYC documents in layouts, fonts and degradations that the dev set does not have.

    python bench/unseen.py OUT [--part tune|unseen|both] [--per-family N] [--seed S]

writes `OUT/tune/` and/or `OUT/unseen/`: images and PDFs, each with `<name>.gt.json` in the dev
set's format (``document_type``, ``ids`` by type, ``fields``, ``lines`` with boxes, ``layout``,
``fonts``, ``degradation``, ``decoys``), plus ``page_types`` for multi-page bundles (whose
``document_type`` is ``MIXED``). Deterministic: the same seed gives the same files.

The two parts differ in their seeds and in layout families: `UNSEEN_ONLY` families never appear in
the tune part, so the unseen part measures documents nothing was tuned on. Fonts are other than the
dev set's (FreeFont, Croscore, Lato, Open Sans, OCR-B for the MRZ, Lohit Devanagari; Debian packages
in scripts/setup.sh). Every ID number has a correct checksum (python-stdnum: Verhoeff for Aadhaar
and VID, Luhn mod 36 for GSTIN, Luhn for EPIC, ICAO 9303 for the MRZ); decoys fail theirs.

Real variants covered: old and new PAN and e-PAN; Aadhaar front without the UIDAI line, back,
e-Aadhaar letter (masked or not), PVC card; driving licence smart card and old booklet; new PVC
and old black-and-white voter cards; passport data page (including Z series); born-digital UDYAM
and GST certificates whose text layer carries soft hyphens and Unicode dashes; KYC bundle PDFs
(PAN + DL + Aadhaar, sometimes a blank back page).
"""
from __future__ import annotations

import argparse
import io
import json
import random
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from stdnum import luhn, verhoeff

ID_KEYS = ("PAN", "AADHAAR", "AADHAAR_MASKED", "VID", "DL", "PASSPORT", "MRZ", "UDYAM", "GSTIN", "EPIC")
FONT_DIRS = ("/usr/share/fonts/truetype", "/usr/share/fonts/opentype")
FONTS = {  # family: (regular, bold)
    "free_sans": ("freefont/FreeSans.ttf", "freefont/FreeSansBold.ttf"),
    "free_serif": ("freefont/FreeSerif.ttf", "freefont/FreeSerifBold.ttf"),
    "arimo": ("croscore/Arimo-Regular.ttf", "croscore/Arimo-Bold.ttf"),
    "tinos": ("croscore/Tinos-Regular.ttf", "croscore/Tinos-Bold.ttf"),
    "lato": ("lato/Lato-Regular.ttf", "lato/Lato-Bold.ttf"),
    "open_sans": ("open-sans/OpenSans-Regular.ttf", "open-sans/OpenSans-Bold.ttf"),
    "cousine": ("croscore/Cousine-Regular.ttf", "croscore/Cousine-Bold.ttf"),
}
DEVA = "lohit-devanagari/Lohit-Devanagari.ttf"
OCRB = "ocr-b/OCRB.otf"
DEGRADATIONS = ("blur", "noise", "jpeg", "perspective", "rotate", "lowres", "glare", "photo")

FIRST = ("Aarav Meera Rohit Kavya Imran Farah Suresh Lakshmi Vikram Nandini Arjun Pooja Harpreet Zoya Manoj Divya "
         "Rakesh Sunita Anil Geeta Karthik Priya Naveen Rekha Abhishek Shabnam Gopal Ishita Rajesh Tanvi").split()
MIDDLE = ("Kumar Devi Lal Prasad Chand Bai Nath Singh").split()
LAST = ("Sharma Iyer Reddy Banerjee Khan Patel Nair Chatterjee Deshmukh Menon Yadav Joshi Rao Ghosh Mehta Verma "
        "Naidu Pillai Bhat Saxena Kulkarni Das Mishra Qureshi Fernandes Sethi").split()
STATES = {  # DL/UDYAM code: (state name, GST code, city)
    "KA": ("Karnataka", "29", "Bengaluru"), "TN": ("Tamil Nadu", "33", "Chennai"), "MH": ("Maharashtra", "27", "Pune"),
    "DL": ("Delhi", "07", "New Delhi"), "WB": ("West Bengal", "19", "Kolkata"), "GJ": ("Gujarat", "24", "Surat"),
    "RJ": ("Rajasthan", "08", "Jaipur"), "KL": ("Kerala", "32", "Kochi"), "UP": ("Uttar Pradesh", "09", "Lucknow"),
    "TS": ("Telangana", "36", "Hyderabad"), "PB": ("Punjab", "03", "Ludhiana"), "OD": ("Odisha", "21", "Bhubaneswar"),
}
STREETS = ("Gandhi Nagar", "Station Road", "Temple Street", "Lake View Colony", "Nehru Marg", "Civil Lines",
           "Shastri Nagar", "Market Road", "Sector 14", "Park Avenue")
HINDI_NAMES = ("राहुल शर्मा", "सीमा देवी", "अमित कुमार", "प्रिया सिंह", "विजय यादव")


# ---------------------------------------------------------------- numbers
def aadhaar_number(rng: random.Random) -> str:
    while True:
        base = str(rng.randint(2, 9)) + "".join(rng.choice(string.digits) for _ in range(10))
        v = base + verhoeff.calc_check_digit(base)
        if v != v[::-1]:
            return v


def vid_number(rng: random.Random) -> str:
    base = str(rng.randint(2, 9)) + "".join(rng.choice(string.digits) for _ in range(14))
    return base + verhoeff.calc_check_digit(base)


def pan_number(rng: random.Random, surname: str, kind: str = "P") -> str:
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
    digits = f"{rng.randint(1, 9999):04d}"
    return f"{letters}{kind}{surname[0].upper()}{digits}{rng.choice(string.ascii_uppercase)}"


def gstin_number(rng: random.Random, state_gst: str, pan: str) -> str:
    body = f"{state_gst}{pan}{rng.randint(1, 9)}Z"
    return body + luhn.calc_check_digit(body, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def epic_number(rng: random.Random) -> str:
    digits = "".join(rng.choice(string.digits) for _ in range(6))
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + digits + luhn.calc_check_digit(digits)


def dl_number(rng: random.Random, state: str) -> str:
    return f"{state}{rng.randint(1, 60):02d}{rng.randint(1995, 2023)}{rng.randint(1, 9999999):07d}"


def udyam_number(rng: random.Random, state: str) -> str:
    return f"UDYAM-{state}-{rng.randint(1, 40):02d}-{rng.randint(1, 9999999):07d}"


def passport_number(rng: random.Random) -> str:
    return rng.choice("ABCDEFGHJKLMNPRSTUVWYZZZ") + str(rng.randint(1, 9)) + f"{rng.randint(0, 999999):06d}"


def mrz_check(s: str) -> str:
    total = 0
    for i, c in enumerate(s):
        n = int(c) if c.isdigit() else (ord(c) - 55 if c.isalpha() else 0)
        total += n * (7, 3, 1)[i % 3]
    return str(total % 10)


def mrz_lines(surname: str, given: str, number: str, dob: str, sex: str, expiry: str) -> list[str]:
    def ymd(d: str) -> str:  # DD/MM/YYYY -> YYMMDD
        return d[8:10] + d[3:5] + d[0:2]
    names = (surname.upper().replace(" ", "<") + "<<" + given.upper().replace(" ", "<"))
    l1 = ("P<IND" + names).ljust(44, "<")[:44]
    pno = number.ljust(9, "<")
    personal = "<" * 14
    l2 = (pno + mrz_check(pno) + "IND" + ymd(dob) + mrz_check(ymd(dob)) + sex + ymd(expiry) + mrz_check(ymd(expiry))
          + personal + "<")
    l2 += mrz_check(l2[0:10] + l2[13:20] + l2[21:43])
    return [l1, l2]


def decoy_aadhaar(rng: random.Random) -> str:
    v = aadhaar_number(rng)
    return v[:-1] + str((int(v[-1]) + rng.randint(1, 9)) % 10)


def decoy_pan(rng: random.Random) -> str:  # fourth letter is no holder type (K is one: Krish, per stdnum)
    v = pan_number(rng, "X")
    return v[:3] + rng.choice("DEIKMNOQRSUVWXYZ").replace("K", "D") + v[4:]


def decoy_gstin(rng: random.Random) -> str:
    v = gstin_number(rng, "27", pan_number(rng, "K", "C"))
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return v[:-1] + alphabet[(alphabet.index(v[-1]) + rng.randint(1, 35)) % 36]


def decoy_epic(rng: random.Random) -> str:
    v = epic_number(rng)
    return v[:-1] + str((int(v[-1]) + rng.randint(1, 9)) % 10)


# ---------------------------------------------------------------- people
def person(rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    name = f"{first} {rng.choice(MIDDLE)} {last}" if rng.random() < 0.3 else f"{first} {last}"
    female = first in "Meera Kavya Farah Lakshmi Nandini Pooja Zoya Divya Sunita Geeta Priya Rekha Shabnam Ishita Tanvi"
    father = f"{rng.choice([f for f in FIRST if f not in ('Meera', 'Kavya')])} {last}"
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1950, 2004)
    state = rng.choice(sorted(STATES))
    return {"name": name, "first": first, "last": last, "father_name": father, "dob": f"{d:02d}/{m:02d}/{y}",
            "gender": "FEMALE" if female else "MALE", "state": state,
            "address": f"{rng.randint(1, 399)}, {rng.choice(STREETS)}, {STATES[state][2]}, {STATES[state][0]} - "
                       f"{rng.randint(110001, 799999)}"}


# ---------------------------------------------------------------- drawing
def _font_path(rel: str) -> str:
    for d in FONT_DIRS:
        p = Path(d) / rel
        if p.exists():
            return str(p)
    raise SystemExit(f"font {rel} missing: run scripts/setup.sh --dev (fonts-freefont-ttf, fonts-croscore, ...)")


@dataclass
class Canvas:
    w: int
    h: int
    family: str
    bg: tuple[int, int, int] = (255, 255, 255)
    lines: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self):
        self.im = Image.new("RGB", (self.w, self.h), self.bg)
        self.d = ImageDraw.Draw(self.im)

    def font(self, size: int, bold: bool = False, kind: str | None = None) -> ImageFont.FreeTypeFont:
        rel = {"deva": DEVA, "ocrb": OCRB}.get(kind or "", FONTS[self.family][int(bold)])
        return ImageFont.truetype(_font_path(rel), size)

    def text(self, xy: tuple[float, float], s: str, size: int, bold: bool = False, fill=(20, 20, 20),
             kind: str | None = None, anchor: str = "la", record: bool = True) -> tuple[float, float, float, float]:
        f = self.font(size, bold, kind)
        self.d.text(xy, s, font=f, fill=fill, anchor=anchor)
        x0, y0, x1, y1 = self.d.textbbox(xy, s, font=f, anchor=anchor)
        if record:
            self.lines.append({"text": s, "box": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]})
        return x0, y0, x1, y1

    def rect(self, box, fill=None, outline=None, width=1):
        self.d.rectangle(box, fill=fill, outline=outline, width=width)

    def photo(self, x: int, y: int, w: int, h: int):
        self.rect((x, y, x + w, y + h), fill=(168, 170, 176), outline=(90, 90, 90), width=2)
        self.d.ellipse((x + w * 0.28, y + h * 0.15, x + w * 0.72, y + h * 0.5), fill=(120, 122, 128))
        self.d.pieslice((x + w * 0.1, y + h * 0.55, x + w * 0.9, y + h * 1.3), 180, 360, fill=(120, 122, 128))

    def guilloche(self, rng: random.Random, colour):
        for k in range(6):
            pts = [(x, self.h * (0.15 + 0.14 * k) + 10 * np.sin(x / (30 + 7 * k) + k)) for x in range(0, self.w, 6)]
            self.d.line(pts, fill=colour, width=1)

    def qr(self, rng: random.Random, x: int, y: int, size: int):
        n = 25
        cell = size / n
        for i in range(n):
            for j in range(n):
                if rng.random() < 0.5 or (i < 7 and j < 7) or (i < 7 and j > n - 8) or (i > n - 8 and j < 7):
                    self.rect((x + j * cell, y + i * cell, x + (j + 1) * cell - 1, y + (i + 1) * cell - 1), fill=(0, 0, 0))


def _tint(rng: random.Random, base: tuple[int, int, int], spread: int = 12) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + rng.randint(-spread, spread))) for c in base)  # type: ignore[return-value]


def spaced(v: str, groups: tuple[int, ...], sep: str = " ") -> str:
    out, i = [], 0
    for g in groups:
        out.append(v[i:i + g])
        i += g
    return sep.join(out)


# ---------------------------------------------------------------- layouts
# each returns (canvas, document_type, ids, fields, decoys)
Doc = tuple[Canvas, str, dict[str, list[str]], dict[str, Any], dict[str, list[str]]]


def _ids(**kw: list[str]) -> dict[str, list[str]]:
    return {k: list(kw.get(k, [])) for k in ID_KEYS}


def _fields(p: dict[str, Any], **extra) -> dict[str, Any]:
    return {"name": p["name"], "dob": p["dob"], "father_name": p.get("father_name"), "gender": p.get("gender"), **extra}


def pan_card_v3(rng, fam, p) -> Doc:
    """PAN card, new design: number under a 'Permanent Account Number' label at the bottom, QR right."""
    c = Canvas(1050, 660, fam, _tint(rng, (226, 236, 246)))
    c.guilloche(rng, (190, 205, 225))
    c.text((40, 30), "आयकर विभाग", 24, kind="deva", fill=(20, 40, 90))
    c.text((40, 64), "INCOME TAX DEPARTMENT", 30, True, fill=(20, 40, 90))
    c.text((1010, 64), "GOVT. OF INDIA", 28, True, fill=(20, 40, 90), anchor="ra")
    c.photo(40, 130, 190, 230)
    c.qr(rng, 830, 130, 180)
    y = 140
    for label, val in (("Name", p["name"].upper()), ("Father's Name", p["father_name"].upper()),
                       ("Date of Birth", p["dob"])):
        c.text((270, y), label, 20, fill=(60, 60, 90))
        c.text((270, y + 28), val, 30, True)
        y += 80
    pan = pan_number(rng, p["last"])
    c.text((270, 400), "Permanent Account Number", 22, fill=(60, 60, 90))
    c.text((270, 432), pan, 44, True)
    c.text((40, 600), "Signature", 18, fill=(60, 60, 90))
    return c, "PAN", _ids(PAN=[pan]), _fields(p), {}


def pan_old(rng, fam, p) -> Doc:
    """Old PAN card: department header on one line, the number under the date of birth."""
    c = Canvas(1000, 630, fam, _tint(rng, (236, 228, 212)))
    c.text((500, 28), "INCOME TAX DEPARTMENT  GOVT. OF INDIA", 30, True, fill=(40, 40, 40), anchor="ma")
    c.text((40, 110), p["name"].upper(), 30, True)
    c.text((40, 160), p["father_name"].upper(), 30, True)
    c.text((40, 210), p["dob"], 30, True)
    c.text((40, 280), "Permanent Account Number", 22)
    pan = pan_number(rng, p["last"])
    c.text((40, 314), pan, 40, True)
    c.photo(760, 120, 190, 230)
    c.text((40, 540), "Signature", 20)
    return c, "PAN", _ids(PAN=[pan]), _fields(p, gender=None), {}


def epan(rng, fam, p) -> Doc:
    """e-PAN: the emailed card (a page image) with the 'e - Permanent Account Number Card' title."""
    c = Canvas(1100, 720, fam, (255, 255, 255))
    c.rect((0, 0, 1100, 90), fill=_tint(rng, (30, 60, 130), 8))
    c.text((40, 26), "Income Tax Department", 34, True, fill=(255, 255, 255))
    c.text((1060, 30), "Government of India", 28, fill=(255, 255, 255), anchor="ra")
    c.text((550, 120), "e - Permanent Account Number (e-PAN) Card", 28, True, fill=(30, 60, 130), anchor="ma")
    pan = pan_number(rng, p["last"])
    c.text((550, 175), pan, 46, True, anchor="ma")
    y = 260
    for label, val in (("Name", p["name"].upper()), ("Father's Name", p["father_name"].upper()),
                       ("Date of Birth", p["dob"]), ("Gender", p["gender"].title())):
        c.text((300, y), f"{label}:", 24, fill=(80, 80, 80))
        c.text((520, y), val, 26, True)
        y += 60
    c.photo(40, 250, 210, 250)
    c.qr(rng, 880, 560, 140)
    c.text((40, 670), "This is a computer generated e-PAN card.", 20, fill=(90, 90, 90))
    return c, "PAN", _ids(PAN=[pan]), _fields(p), {}


def aadhaar_front_gov(rng, fam, p) -> Doc:
    """Aadhaar front with only 'Government of India' (no UIDAI line), DOB/gender block, number."""
    c = Canvas(1000, 630, fam, _tint(rng, (252, 250, 244)))
    c.rect((0, 0, 1000, 80), fill=_tint(rng, (245, 160, 70), 10))
    c.text((500, 10), "भारत सरकार", 26, kind="deva", fill=(40, 20, 0), anchor="ma")
    c.text((500, 44), "Government of India", 26, True, fill=(40, 20, 0), anchor="ma")
    c.photo(40, 120, 180, 220)
    c.text((260, 120), rng.choice(HINDI_NAMES), 26, kind="deva")
    c.text((260, 160), p["name"], 30, True)
    c.text((260, 210), f"DOB: {p['dob']}" if rng.random() < 0.5 else f"Year of Birth : {p['dob'][-4:]}", 26)
    c.text((260, 255), f"{'Female' if p['gender'] == 'FEMALE' else 'Male'}", 26)
    num = aadhaar_number(rng)
    c.text((500, 450), spaced(num, (4, 4, 4)), 46, True, anchor="ma")
    c.rect((0, 560, 1000, 566), fill=(200, 30, 30))
    c.text((500, 580), "आम आदमी का अधिकार", 24, kind="deva", fill=(200, 30, 30), anchor="ma")
    f = _fields(p, father_name=None, gender=p["gender"])
    if "Year" in c.lines[4]["text"]:
        f["dob"] = None
        f["yob"] = p["dob"][-4:]
    return c, "AADHAAR", _ids(AADHAAR=[num]), f, {}


def aadhaar_back(rng, fam, p) -> Doc:
    """Aadhaar back: UIDAI header, address, number and VID."""
    c = Canvas(1000, 630, fam, _tint(rng, (250, 250, 250)))
    c.text((40, 24), "भारतीय विशिष्ट पहचान प्राधिकरण", 24, kind="deva", fill=(150, 20, 20))
    c.text((40, 60), "Unique Identification Authority of India", 28, True, fill=(150, 20, 20))
    c.text((40, 130), "Address:", 24, True)
    parts = [f"S/O {p['father_name']}," if p["gender"] == "MALE" else f"D/O {p['father_name']},"] + \
        [s.strip() + "," for s in p["address"].split(",")]
    y = 165
    for s in parts:
        c.text((40, y), s.rstrip(","), 24)
        y += 34
    c.qr(rng, 740, 120, 220)
    num, vid = aadhaar_number(rng), vid_number(rng)
    c.text((500, 480), spaced(num, (4, 4, 4)), 44, True, anchor="ma")
    has_vid = rng.random() < 0.6
    if has_vid:
        c.text((500, 545), f"VID : {spaced(vid, (4, 4, 4, 4))}", 26, anchor="ma")
    c.text((990, 600), "help@uidai.gov.in | www.uidai.gov.in", 18, anchor="ra", fill=(90, 90, 90))
    return c, "AADHAAR", _ids(AADHAAR=[num], VID=[vid] if has_vid else []), \
        {"name": None, "dob": None, "father_name": p["father_name"], "gender": None, "address": p["address"]}, {}


def aadhaar_letter(rng, fam, p) -> Doc:
    """e-Aadhaar letter (A4 portrait at about 100 dpi): enrolment number, address, the number (masked
    on a masked e-Aadhaar), VID, the card cut-out at the bottom."""
    c = Canvas(850, 1200, fam, (255, 255, 255))
    c.text((425, 30), "Unique Identification Authority of India", 28, True, fill=(150, 20, 20), anchor="ma")
    c.text((425, 70), "Government of India", 22, anchor="ma")
    enr = f"{rng.randint(1000, 9999)}/{rng.randint(10000, 99999)}/{rng.randint(10000, 99999)}"
    c.text((40, 130), f"Enrolment No.: {enr}", 22)
    c.text((40, 180), "To", 22)
    c.text((40, 212), p["name"], 24, True)
    y = 248
    for s in p["address"].split(", "):
        c.text((40, y), s, 22)
        y += 32
    num, vid = aadhaar_number(rng), vid_number(rng)
    masked = rng.random() < 0.5
    shown = f"XXXX XXXX {num[-4:]}" if masked else spaced(num, (4, 4, 4))
    c.text((425, 520), "Your Aadhaar No. :", 26, True, anchor="ma")
    c.text((425, 560), shown, 40, True, anchor="ma")
    c.text((425, 615), f"VID : {spaced(vid, (4, 4, 4, 4))}", 24, anchor="ma")
    c.text((425, 660), "Aadhaar - Aam Aadmi ka Adhikar", 24, anchor="ma")
    c.rect((40, 720, 810, 1160), outline=(120, 120, 120), width=2)
    c.photo(70, 760, 160, 200)
    c.text((260, 770), p["name"], 24, True)
    c.text((260, 810), f"DOB: {p['dob']}", 22)
    c.text((260, 845), p["gender"].title(), 22)
    c.text((425, 1050), shown, 36, True, anchor="ma")
    ids = _ids(AADHAAR_MASKED=[f"XXXXXXXX{num[-4:]}"], VID=[vid]) if masked else _ids(AADHAAR=[num], VID=[vid])
    return c, "AADHAAR", ids, _fields(p, father_name=None), {}


def aadhaar_pvc(rng, fam, p) -> Doc:
    """Aadhaar PVC card: small print, 'Aadhaar' logo word, issue date, masked or full number."""
    c = Canvas(1000, 630, fam, _tint(rng, (248, 244, 236)))
    c.guilloche(rng, (235, 215, 200))
    c.text((40, 24), "भारत सरकार", 22, kind="deva", fill=(120, 40, 0))
    c.text((40, 54), "GOVERNMENT OF INDIA", 24, True, fill=(120, 40, 0))
    c.text((960, 40), "Aadhaar", 34, True, fill=(200, 30, 30), anchor="ra")
    c.photo(40, 120, 170, 210)
    c.text((240, 125), p["name"], 28, True)
    c.text((240, 170), f"जन्म तिथि/DOB: {p['dob']}", 24, kind="deva")
    c.text((240, 210), f"{'महिला/ FEMALE' if p['gender'] == 'FEMALE' else 'पुरुष/ MALE'}", 24, kind="deva")
    c.text((240, 260), f"Issue Date: {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2019, 2024)}", 20)
    c.qr(rng, 800, 110, 160)
    num = aadhaar_number(rng)
    masked = rng.random() < 0.4
    c.text((500, 470), f"XXXX XXXX {num[-4:]}" if masked else spaced(num, (4, 4, 4)), 44, True, anchor="ma")
    c.text((500, 560), "मेरा आधार, मेरी पहचान", 24, kind="deva", fill=(200, 30, 30), anchor="ma")
    ids = _ids(AADHAAR_MASKED=[f"XXXXXXXX{num[-4:]}"]) if masked else _ids(AADHAAR=[num])
    return c, "AADHAAR", ids, _fields(p, father_name=None), {}


def dl_smart(rng, fam, p) -> Doc:
    """Driving licence smart card of a state transport department; the number printed with
    hyphens, spaces or none."""
    st = p["state"]
    c = Canvas(1010, 640, fam, _tint(rng, (236, 244, 236)))
    c.rect((0, 0, 1010, 100), fill=_tint(rng, (20, 100, 60), 10))
    c.text((505, 14), f"GOVERNMENT OF {STATES[st][0].upper()}", 28, True, fill=(255, 255, 255), anchor="ma")
    c.text((505, 56), "DRIVING LICENCE", 30, True, fill=(255, 255, 255), anchor="ma")
    num = dl_number(rng, st)
    shown = rng.choice([f"{num[:2]}-{num[2:4]}-{num[4:8]}-{num[8:]}", f"{num[:4]} {num[4:]}", num,
                        f"{num[:2]}{num[2:4]} {num[4:8]} {num[8:]}"])
    c.text((40, 125), f"DL No : {shown}", 30, True)
    c.photo(40, 190, 180, 220)
    issue = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{num[4:8]}"
    valid = f"{issue[:6]}{int(num[4:8]) + 20}"
    rows = (("Name", p["name"].upper()), ("S/W/D", p["father_name"].upper()), ("DOB", p["dob"]),
            ("Issue Date", issue), ("Validity (NT)", valid), ("Blood Group", rng.choice(["A+", "B+", "O+", "AB-"])))
    y = 195
    for label, val in rows:
        c.text((250, y), label, 22, fill=(60, 80, 60))
        c.text((470, y), val, 24, True)
        y += 48
    c.text((40, 500), "Address:", 20, fill=(60, 80, 60))
    c.text((40, 530), p["address"][:60], 20)
    c.text((970, 600), "Form 7 (See Rule 16(2))", 18, anchor="ra", fill=(60, 80, 60))
    f = _fields(p, gender=None, date_of_issue=issue, valid_till=valid, relation="S/W/D")
    return c, "DL", _ids(DL=[num]), f, {}


def dl_booklet(rng, fam, p) -> Doc:
    """Old driving-licence booklet page (laminated paper): 'Licence to drive motor vehicles'."""
    st = p["state"]
    c = Canvas(900, 1150, fam, _tint(rng, (238, 232, 210)))
    c.text((450, 40), "FORM 6", 26, True, anchor="ma")
    c.text((450, 80), "[See Rule 16 (2)]", 20, anchor="ma")
    c.text((450, 120), "LICENCE TO DRIVE MOTOR VEHICLES", 30, True, anchor="ma")
    c.text((450, 165), f"Transport Department, {STATES[st][0]}", 24, anchor="ma")
    num = dl_number(rng, st)
    c.text((60, 240), f"Licence No. {num[:2]}{num[2:4]}/{num[4:8]}/{num[8:]}", 28, True)
    c.photo(640, 280, 190, 230)
    y = 300
    for label, val in (("Name", p["name"]), ("Son/Wife/Daughter of", p["father_name"]), ("Date of Birth", p["dob"]),
                       ("Address", p["address"][:34]), ("", p["address"][34:70])):
        if label:
            c.text((60, y), label, 22, fill=(70, 60, 40))
            y += 30
        c.text((60, y), val, 26, True)
        y += 50
    c.text((60, 720), f"Valid from {rng.randint(1, 28):02d}-0{rng.randint(1, 9)}-{num[4:8]}", 22)
    c.text((60, 760), "Class of vehicles: MCWG, LMV", 22)
    c.text((60, 1050), "Signature of Licensing Authority", 20)
    return c, "DL", _ids(DL=[num]), _fields(p, gender=None), {}


def voter_new(rng, fam, p) -> Doc:
    """New PVC voter card (EPIC)."""
    c = Canvas(1000, 630, fam, _tint(rng, (240, 240, 250)))
    c.text((500, 18), "भारत निर्वाचन आयोग", 26, kind="deva", fill=(30, 30, 110), anchor="ma")
    c.text((500, 56), "ELECTION COMMISSION OF INDIA", 30, True, fill=(30, 30, 110), anchor="ma")
    epic = epic_number(rng)
    c.text((500, 110), epic, 38, True, anchor="ma")
    c.photo(40, 170, 180, 220)
    y = 180
    for label, val in (("Name", p["name"]), ("Father's Name", p["father_name"]),
                       ("Gender", p["gender"].title()), ("Date of Birth / Age", p["dob"])):
        c.text((250, y), f"{label} :", 22, fill=(60, 60, 100))
        c.text((520, y), val, 24, True)
        y += 52
    c.qr(rng, 820, 430, 150)
    return c, "VOTER_ID", _ids(EPIC=[epic]), _fields(p), {}


def voter_old(rng, fam, p) -> Doc:
    """Old black-and-white laminated voter identity card."""
    c = Canvas(640, 900, fam, _tint(rng, (246, 246, 246), 6))
    c.text((320, 20), "ELECTION COMMISSION OF INDIA", 26, True, anchor="ma")
    c.text((320, 58), "IDENTITY CARD", 26, True, anchor="ma")
    epic = epic_number(rng)
    c.text((320, 100), epic, 32, True, anchor="ma")
    c.photo(220, 150, 200, 240)
    y = 430
    for label, val in (("Elector's Name", p["name"]), ("Father's Name", p["father_name"]),
                       ("Sex", "F" if p["gender"] == "FEMALE" else "M"), ("Date of Birth", p["dob"])):
        c.text((30, y), f"{label} : {val}", 24)
        y += 52
    c.text((30, 700), f"Address : {p['address'][:32]}", 22)
    c.text((30, 736), p["address"][32:70], 22)
    c.text((30, 840), "Electoral Registration Officer", 20)
    return c, "VOTER_ID", _ids(EPIC=[epic]), _fields(p), {}


def passport_page(rng, fam, p) -> Doc:
    """Passport data page: labelled fields and the ICAO TD3 MRZ in OCR-B (Z series included)."""
    c = Canvas(1400, 980, fam, _tint(rng, (236, 240, 232)))
    c.guilloche(rng, (214, 222, 210))
    c.text((700, 30), "REPUBLIC OF INDIA", 32, True, fill=(30, 50, 90), anchor="ma")
    c.photo(50, 140, 280, 350)
    num = passport_number(rng)
    sex = "F" if p["gender"] == "FEMALE" else "M"
    issue_y = rng.randint(2015, 2024)
    issue = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{issue_y}"
    expiry = f"{int(issue[:2]) - 1 or 1:02d}{issue[2:6]}{issue_y + 10}"
    cells = [((380, 110), "Type", "P"), ((560, 110), "Country Code", "IND"), ((900, 110), "Passport No.", num),
             ((380, 200), "Surname", p["last"].upper()), ((380, 290), "Given Name(s)", p["first"].upper()),
             ((380, 380), "Nationality", "INDIAN"), ((700, 380), "Sex", sex), ((900, 380), "Date of Birth", p["dob"]),
             ((380, 470), "Place of Birth", STATES[p["state"]][2].upper()),
             ((380, 560), "Place of Issue", rng.choice(["BENGALURU", "MUMBAI", "DELHI", "CHENNAI"])),
             ((380, 650), "Date of Issue", issue), ((800, 650), "Date of Expiry", expiry)]
    for (x, y), label, val in cells:
        c.text((x, y), label, 20, fill=(70, 80, 100))
        c.text((x, y + 30), val, 28, True)
    mrz = mrz_lines(p["last"], p["first"], num, p["dob"], sex, expiry)
    c.text((60, 820), mrz[0], 37, kind="ocrb")
    c.text((60, 890), mrz[1], 37, kind="ocrb")
    f = _fields(p, father_name=None, gender="MALE" if sex == "M" else "FEMALE", surname=p["last"].upper(),
                given_names=p["first"].upper(), nationality="INDIAN", date_of_issue=issue, date_of_expiry=expiry,
                place_of_birth=STATES[p["state"]][2].upper())
    f["name"] = f"{p['first']} {p['last']}".upper()
    return c, "PASSPORT", _ids(PASSPORT=[num], MRZ=mrz), f, {}


def statement(rng, fam, p) -> Doc:
    """Not a KYC document: a bank statement extract whose numbers look like IDs but fail their
    checksums (decoys), plus account and phone numbers."""
    c = Canvas(900, 1100, fam, (255, 255, 255))
    bank = rng.choice(["Canara Trust Bank", "Sahyadri Co-operative Bank", "Eastern Union Bank"])
    c.text((450, 30), bank, 32, True, anchor="ma")
    c.text((450, 80), "Statement of Account", 26, anchor="ma")
    c.text((40, 140), f"Customer: {p['name']}", 22)
    c.text((40, 175), f"Account No: {rng.randint(10 ** 13, 10 ** 14 - 1)}", 22)
    c.text((40, 210), f"Mobile: 9{rng.randint(10 ** 8, 10 ** 9 - 1)}", 22)
    decoys = {"AADHAAR": [decoy_aadhaar(rng)], "PAN": [decoy_pan(rng)], "GSTIN": [decoy_gstin(rng)],
              "EPIC": [decoy_epic(rng)]}
    c.text((40, 260), f"Ref. {spaced(decoys['AADHAAR'][0], (4, 4, 4))}", 22)
    c.text((40, 295), f"Tax ref: {decoys['PAN'][0]}", 22)
    c.text((40, 330), f"Supplier GST: {decoys['GSTIN'][0]}", 22)
    c.text((40, 365), f"Card ref: {decoys['EPIC'][0]}", 22)
    y = 430
    c.text((40, y), "Date        Description                    Amount", 22, True)
    for _ in range(10):
        y += 40
        c.text((40, y), f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024  "
                        f"{rng.choice(['UPI transfer', 'NEFT credit', 'ATM withdrawal', 'Salary'])}  "
                        f"{rng.randint(100, 99999)}.00", 22)
    return c, "NONE", _ids(), {"name": None, "dob": None, "father_name": None, "gender": None}, decoys


CARD_FAMILIES: dict[str, Callable] = {
    "pan_card_v3": pan_card_v3, "pan_old": pan_old, "epan": epan,
    "aadhaar_front_gov": aadhaar_front_gov, "aadhaar_back": aadhaar_back, "aadhaar_letter": aadhaar_letter,
    "aadhaar_pvc": aadhaar_pvc, "dl_smart": dl_smart, "dl_booklet": dl_booklet, "voter_new": voter_new,
    "voter_old": voter_old, "passport_page": passport_page, "statement": statement,
}
PDF_FAMILIES = ("udyam_digital", "gst_digital", "kyc_bundle")
UNSEEN_ONLY = frozenset({"dl_booklet", "voter_old", "aadhaar_pvc"})


# ---------------------------------------------------------------- born-digital PDFs
SOFT = "\u00ad"
DASHES = ("\u2010", "\u2011", "\u2013", "\u2212")


def _pdf_page(doc, rng, fam: str, rows: list[tuple[str, str]], title: list[str], dpi: int = 150):
    """One A4 page with a text layer; returns the gt lines (boxes in pixels at dpi) as printed."""
    import pymupdf

    page = doc.new_page(width=595, height=842)
    regular, bold = (_font_path(x) for x in FONTS[fam])
    page.insert_font(fontname="R", fontfile=regular)
    page.insert_font(fontname="B", fontfile=bold)
    lines = []
    k = dpi / 72.0

    def put(x, y, s, size, fname, shown=None):
        page.insert_text((x, y), s, fontsize=size, fontname=fname)
        f = pymupdf.Font(fontfile=regular if fname == "R" else bold)
        w = f.text_length(s, fontsize=size)
        lines.append({"text": shown if shown is not None else s,
                      "box": [[x * k, (y - size) * k], [(x + w) * k, (y - size) * k], [(x + w) * k, (y + 3) * k],
                              [x * k, (y + 3) * k]]})
    y = 70
    for t in title:
        put(60, y, t, 16, "B")
        y += 26
    y += 20
    for label, val in rows:
        put(60, y, label, 10, "R")
        put(290, y, val, 11, "B", shown=val.replace(SOFT, "").translate({ord(d): "-" for d in DASHES}))
        y += 24
    return lines


def _save_pdf(doc, path: Path) -> None:
    """The same seed gives the same bytes: no dates, no random file identifier."""
    doc.set_metadata({"producer": "bench/unseen.py", "creator": "bench/unseen.py"})
    doc.save(path, garbage=3, deflate=True, no_new_id=True)


def udyam_digital(rng, fam, p, out: Path, name: str) -> dict[str, Any]:
    import pymupdf

    st = p["state"]
    num = udyam_number(rng, st)
    # the text layer breaks the number at its hyphens with soft hyphens or Unicode dashes
    style = rng.choice(["soft", "soft_only", "dash"])
    parts = num.split("-")
    if style == "soft":
        printed = ("-" + SOFT).join(parts)
    elif style == "soft_only":
        printed = SOFT.join(parts)
    else:
        printed = rng.choice(DASHES).join(parts)
    ent = f"M/S {p['last'].upper()} {rng.choice(['TRADERS', 'INDUSTRIES', 'ENTERPRISES', 'FOODS'])}"
    doc = pymupdf.open()
    rows = [("UDYAM REGISTRATION NUMBER", printed), ("NAME OF ENTERPRISE", ent),
            ("TYPE OF ENTERPRISE", rng.choice(["MICRO", "SMALL", "MEDIUM"])),
            ("MAJOR ACTIVITY", rng.choice(["MANUFACTURING", "SERVICES"])),
            ("SOCIAL CATEGORY OF ENTREPRENEUR", rng.choice(["GENERAL", "OBC", "SC"])),
            ("DATE OF INCORPORATION", f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2000, 2020)}"),
            ("DATE OF UDYAM REGISTRATION", f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2023"),
            ("OFFICIAL ADDRESS", p["address"][:48]), ("", p["address"][48:]),
            ("ENTERPRISE ACTIVITY (NIC)", f"{rng.randint(10000, 99999)} - Other services")]
    lines = _pdf_page(doc, rng, fam, [r for r in rows if r[1]],
                      ["Government of India", "Ministry of Micro, Small and Medium Enterprises",
                       "UDYAM REGISTRATION CERTIFICATE"])
    _save_pdf(doc, out / f"{name}.pdf")
    fields = {"name": ent, "dob": None, "father_name": None, "gender": None, "enterprise_type": rows[2][1],
              "major_activity": rows[3][1], "date_of_incorporation": rows[5][1],
              "date_of_udyam_registration": rows[6][1], "address": p["address"]}
    return {"document_type": "UDYAM", "ids": _ids(UDYAM=[num]), "fields": fields, "lines": lines,
            "pdf": {"text_layer": True, "render_dpi": 150, "text_layer_style": style}, "file": f"{name}.pdf"}


def gst_digital(rng, fam, p, out: Path, name: str) -> dict[str, Any]:
    import pymupdf

    st = p["state"]
    pan = pan_number(rng, p["last"], rng.choice("CFP"))
    num = gstin_number(rng, STATES[st][1], pan)
    legal = f"{p['last'].upper()} {rng.choice(['AND SONS', 'LOGISTICS', 'PHARMA', 'TEXTILES'])}"
    dash = rng.choice(DASHES)
    doc = pymupdf.open()
    rows = [("Registration Number", num), ("Legal Name", legal), ("Trade Name, if any", legal.title()),
            ("Constitution of Business", rng.choice(["Proprietorship", "Partnership", "Private Limited Company"])),
            ("Address of Principal Place of Business", p["address"][:40]), ("", p["address"][40:]),
            ("Date of Liability", f"{rng.randint(1, 28):02d}{dash}{rng.randint(1, 12):02d}{dash}{rng.randint(2017, 2023)}"),
            ("Type of Registration", "Regular"), ("Particulars of Approving Authority", "Centre")]
    lines = _pdf_page(doc, rng, fam, [r for r in rows if r[1]],
                      ["Government of India", "Form GST REG-06", "[See Rule 10(1)]", "Registration Certificate"])
    _save_pdf(doc, out / f"{name}.pdf")
    fields = {"name": legal, "dob": None, "father_name": None, "gender": None, "trade_name": legal.title(),
              "constitution": rows[3][1], "address": p["address"],
              "date_of_liability": rows[6][1].replace(dash, "/")}
    return {"document_type": "GSTIN", "ids": _ids(GSTIN=[num]), "fields": fields, "lines": lines,
            "pdf": {"text_layer": True, "render_dpi": 150, "dash": f"U+{ord(dash):04X}"}, "file": f"{name}.pdf"}


def kyc_bundle(rng, fam, p, out: Path, name: str, degrade: str | None) -> dict[str, Any]:
    """A scanned KYC bundle: PAN, DL and Aadhaar cards of one person, one per A4 page (sometimes with
    a blank back page); no text layer."""
    import pymupdf

    makers = [pan_card_v3, dl_smart, rng.choice([aadhaar_front_gov, aadhaar_back])]
    rng.shuffle(makers)
    pages = []
    ids = _ids()
    types = []
    for mk in makers:
        c, dt, i, _, _ = mk(rng, fam, p)
        pages.append(c.im)
        types.append(dt)
        for k, v in i.items():
            ids[k] += v
    if rng.random() < 0.5:  # a blank back page: typed UNKNOWN, does not count for the bundle's type
        at = rng.randint(1, len(pages))
        pages.insert(at, Image.new("RGB", (1000, 630), (250, 250, 250)))
        types.insert(at, "NONE")
    doc = pymupdf.open()
    for im in pages:
        sheet = Image.new("RGB", (1240, 1754), _tint(rng, (248, 248, 246), 4))  # A4 at 150 dpi
        card = degrade_image(im, degrade, rng) if degrade else im
        sheet.paste(card.resize((int(card.width * 0.9), int(card.height * 0.9))), (rng.randint(60, 160), rng.randint(80, 300)))
        buf = io.BytesIO()
        sheet.save(buf, "JPEG", quality=85)
        page = doc.new_page(width=595, height=842)
        page.insert_image(page.rect, stream=buf.getvalue())
    _save_pdf(doc, out / f"{name}.pdf")
    return {"document_type": "MIXED", "page_types": types, "ids": ids,
            "fields": {"name": p["name"], "dob": p["dob"], "father_name": p["father_name"], "gender": p["gender"]},
            "lines": [], "pdf": {"text_layer": False, "render_dpi": 150}, "file": f"{name}.pdf"}


# ---------------------------------------------------------------- degradations
def degrade_image(im: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    import cv2

    a = np.asarray(im.convert("RGB")).astype(np.float32)
    h, w = a.shape[:2]
    if kind == "blur":
        return im.filter(ImageFilter.GaussianBlur(rng.uniform(1.6, 2.4)))
    if kind == "noise":
        a = a + np.random.default_rng(rng.randint(0, 10 ** 6)).normal(0, rng.uniform(14, 22), a.shape)
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if kind == "jpeg":
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=rng.randint(12, 20))
        return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    if kind == "lowres":
        f = rng.uniform(0.42, 0.5)
        return im.resize((int(w * f), int(h * f)), Image.BILINEAR)
    if kind == "rotate":
        return im.rotate(rng.choice([-1, 1]) * rng.uniform(4, 9), expand=True, fillcolor=(200, 200, 200),
                         resample=Image.BICUBIC)
    if kind == "perspective":
        d = 0.07
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = np.float32([[rng.uniform(0, d) * w, rng.uniform(0, d) * h], [w - rng.uniform(0, d) * w, rng.uniform(0, d) * h],
                          [w - rng.uniform(0, d) * w, h - rng.uniform(0, d) * h], [rng.uniform(0, d) * w, h - rng.uniform(0, d) * h]])
        m = cv2.getPerspectiveTransform(src, dst)
        return Image.fromarray(cv2.warpPerspective(a.astype(np.uint8), m, (w, h), borderValue=(90, 90, 90)))
    if kind == "glare":
        yy, xx = np.mgrid[0:h, 0:w]
        cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.2, 0.5) * h
        r = rng.uniform(0.16, 0.22) * w
        g = np.exp(-(((xx - cx) ** 2 + ((yy - cy) * 1.6) ** 2) / (2 * r ** 2)))[..., None]
        a = a + g * 330
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if kind == "photo":  # a phone photo: perspective, uneven light, mild noise and JPEG
        im2 = degrade_image(im, "perspective", rng)
        a = np.asarray(im2).astype(np.float32)
        light = np.linspace(rng.uniform(0.7, 0.85), 1.05, w)[None, :, None]
        a = a * light + np.random.default_rng(rng.randint(0, 10 ** 6)).normal(0, 6, a.shape)
        return degrade_image(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), "jpeg", rng) \
            if rng.random() < 0.3 else Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    raise ValueError(kind)


# ---------------------------------------------------------------- writing
def _gt(name: str, file: str, doc_type: str, ids, fields, decoys, layout: str, fam: str, seed: int, part: str,
        size, lines, degradation: str, extra: dict | None = None) -> dict[str, Any]:
    d = {"file": file, "document_type": doc_type, "ids": ids, "fields": fields, "source_variant": part,
         "layout": layout, "fonts": [fam, "lohit_deva", "ocr_b"], "generator": {"script": "bench/unseen.py",
                                                                                "version": "1.0", "seed": seed},
         "synthetic": True, "image_size": list(size), "lines": lines, "degradation": degradation,
         "lines_transformed": degradation in ("none", "blur", "noise", "jpeg", "glare")}
    if degradation == "lowres":
        d["lines_transformed"] = False
    if decoys:
        d["decoys"] = decoys
    d.update(extra or {})
    return d


SEEDS = {"tune": 1401, "unseen": 9142}


def generate(out: Path, part: str, per_family: int = 3, seed: int | None = None) -> list[Path]:
    """Write one part; returns the documents written."""
    seed = SEEDS[part] if seed is None else seed
    rng = random.Random(seed)
    folder = out / part
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    fams = sorted(FONTS)
    for layout, make in CARD_FAMILIES.items():
        if part == "tune" and layout in UNSEEN_ONLY:
            continue
        for n in range(per_family):
            fam = fams[rng.randrange(len(fams))]
            p = person(rng)
            c, doc_type, ids, fields, decoys = make(rng, fam, p)
            name = f"{layout}_{n:03d}"
            c.im.save(folder / f"{name}.png")
            (folder / f"{name}.gt.json").write_text(json.dumps(
                _gt(name, f"{name}.png", doc_type, ids, fields, decoys, layout, fam, seed, part, c.im.size, c.lines,
                    "none"), indent=1, ensure_ascii=False))
            written.append(folder / f"{name}.png")
            deg = DEGRADATIONS[(n + rng.randrange(len(DEGRADATIONS))) % len(DEGRADATIONS)]
            dim = degrade_image(c.im, deg, rng)
            dname = f"{name}_{deg}"
            dim.save(folder / f"{dname}.jpg", quality=90)
            (folder / f"{dname}.gt.json").write_text(json.dumps(
                _gt(dname, f"{dname}.jpg", doc_type, ids, fields, decoys, layout, fam, seed, part, dim.size, c.lines,
                    deg), indent=1, ensure_ascii=False))
            written.append(folder / f"{dname}.jpg")
    pdf_fams = ("free_sans", "free_serif")  # their ToUnicode maps keep U+00AD and the dashes apart
    for layout in PDF_FAMILIES:
        for n in range(per_family if layout != "kyc_bundle" else max(2, per_family - 1)):
            fam = fams[rng.randrange(len(fams))] if layout == "kyc_bundle" else pdf_fams[rng.randrange(2)]
            p = person(rng)
            name = f"{layout}_{n:03d}"
            if layout == "kyc_bundle":
                deg = rng.choice([None, None, "noise", "jpeg", "blur"])
                d = kyc_bundle(rng, fam, p, folder, name, deg)
            else:
                deg = None
                d = (udyam_digital if layout == "udyam_digital" else gst_digital)(rng, fam, p, folder, name)
            extra = {k: d[k] for k in ("pdf", "page_types") if k in d}
            (folder / f"{name}.gt.json").write_text(json.dumps(
                _gt(name, d["file"], d["document_type"], d["ids"], d["fields"], {}, layout, fam, seed, part,
                    (1240, 1754), d["lines"], deg or "none", extra), indent=1, ensure_ascii=False))
            written.append(folder / d["file"])
    manifest = {"part": part, "seed": seed, "per_family": per_family, "documents": len(written),
                "layouts": sorted({p.name.split("_0")[0] for p in written}),
                "unseen_only_layouts": sorted(UNSEEN_ONLY) if part == "unseen" else [], "degradations": DEGRADATIONS}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return written


def run(make, description: str, per_family: int, argv: list[str] | None = None) -> int:
    """The command line of a set generator: `make(out, part, per_family, seed)` for each part asked."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--part", choices=("tune", "unseen", "both"), default="both")
    ap.add_argument("--per-family", type=int, default=per_family)
    ap.add_argument("--seed", type=int, help="override the part's seed")
    args = ap.parse_args(argv)
    for part in (("tune", "unseen") if args.part == "both" else (args.part,)):
        files = make(args.out, part, args.per_family, args.seed)
        print(f"{part}: {len(files)} documents in {args.out / part}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(generate, __doc__, 3, argv)


if __name__ == "__main__":
    raise SystemExit(main())
