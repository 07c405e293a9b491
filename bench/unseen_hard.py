"""Harder labelled KYC sets (issue 25): card designs, fonts and captures that neither the dev set nor
`bench/unseen.py` makes.

    python bench/unseen_hard.py OUT [--part tune|unseen|both] [--per-family N] [--seed S]

writes `OUT/tune/` and/or `OUT/unseen/`: each card as a clean PNG and one poor capture of it (JPEG),
each with `<name>.gt.json` in the dev set's format (what `bench/unseen.py` writes). Deterministic.

Designs (after the layouts the README and the ID registry describe): the NSDL/UTIITSL PAN with
bilingual labels (`नाम / Name`) above the values and the number under its own title, e-PAN with
bilingual labels, Aadhaar front with the UIDAI header and the tagline (full or masked `XXXX XXXX 1234`
number), the Karnataka driving licence (`KA01 20190012345`), the PVC voter card (`Elector's Name`), a
passport page with inline bilingual labels (label and value on one line), cards that print no name
(blank, redacted, specimen: the truth says no name). Held out (`UNSEEN_ONLY`, never in `tune`): the
PVC Aadhaar with the UIDAI header, the Maharashtra licence printed `MH-12-2015-0012345`, and the
redacted Aadhaar. Fonts: condensed and semibold (DejaVu Sans Condensed, Open Sans Condensed, Open Sans
and Lato Semibold); the unseen part alone uses Open Sans Condensed. Captures (`bench/captures.py`):
phone photo with perspective and glare, 50 % downscale + JPEG q40, motion blur 7-12 px, photocopy, a
finger over a corner. Every number has a correct checksum (the helpers of `bench/unseen.py`).
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from captures import CAPTURES, capture  # noqa: E402
from unseen import (STATES, STREETS, Canvas, _font_path, _gt, _ids, _tint, aadhaar_number,  # noqa: E402
                    epic_number, mrz_lines, pan_number, passport_number, spaced, vid_number)

HARD_FONTS = {  # family: (regular, bold)
    "dejavu_cond": ("dejavu/DejaVuSansCondensed.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf"),
    "open_sans_semi": ("open-sans/OpenSans-Regular.ttf", "open-sans/OpenSans-Semibold.ttf"),
    "lato_semi": ("lato/Lato-Medium.ttf", "lato/Lato-Semibold.ttf"),
    "open_sans_cond": ("open-sans/OpenSans-CondLight.ttf", "open-sans/OpenSans-CondBold.ttf"),
}
UNSEEN_ONLY_FONTS = frozenset({"open_sans_cond"})
FIRST = {"Rohit": "रोहित", "Suresh": "सुरेश", "Vikram": "विक्रम", "Manoj": "मनोज", "Rakesh": "राकेश",
         "Anil": "अनिल", "Gopal": "गोपाल", "Rajesh": "राजेश", "Ashok": "अशोक", "Deepak": "दीपक",
         "Meera": "मीरा", "Pooja": "पूजा", "Divya": "दिव्या", "Sunita": "सुनीता", "Geeta": "गीता",
         "Priya": "प्रिया", "Rekha": "रेखा", "Anjali": "अंजलि"}
FEMALE = frozenset("Meera Pooja Divya Sunita Geeta Priya Rekha Anjali".split())
LAST = {"Sharma": "शर्मा", "Patel": "पटेल", "Yadav": "यादव", "Joshi": "जोशी", "Rao": "राव", "Mehta": "मेहता",
        "Verma": "वर्मा", "Mishra": "मिश्रा", "Das": "दास", "Saxena": "सक्सेना", "Kulkarni": "कुलकर्णी",
        "Gupta": "गुप्ता"}
MIDDLE = {"Kumar": "कुमार", "Prasad": "प्रसाद", "Lal": "लाल"}
Doc = tuple[Canvas, str, dict[str, list[str]], dict[str, Any]]


class HardCanvas(Canvas):
    def font(self, size, bold=False, kind=None):
        from PIL import ImageFont

        from unseen import DEVA, OCRB
        rel = {"deva": DEVA, "ocrb": OCRB}.get(kind or "", HARD_FONTS[self.family][int(bold)])
        return ImageFont.truetype(_font_path(rel), size)


def person(rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(sorted(FIRST)), rng.choice(sorted(LAST))
    mid = rng.choice(sorted(MIDDLE)) if rng.random() < 0.3 and first not in FEMALE else None
    name = " ".join(x for x in (first, mid, last) if x)
    hi = " ".join(d[x] for d, x in ((FIRST, first), (MIDDLE, mid), (LAST, last)) if x)
    father = f"{rng.choice(sorted(set(FIRST) - FEMALE))} {last}"
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1955, 2004)
    st = rng.choice(sorted(STATES))
    return {"name": name, "name_hi": hi, "first": first, "last": last, "father_name": father,
            "dob": f"{d:02d}/{m:02d}/{y}", "gender": "FEMALE" if first in FEMALE else "MALE", "state": st,
            "address": f"{rng.randint(1, 399)}, {rng.choice(STREETS)}, {STATES[st][2]}, {STATES[st][0]} - "
                       f"{rng.randint(110001, 799999)}"}


def _date(rng: random.Random, y0: int, y1: int) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(y0, y1)}"


def _no_name(c: HardCanvas, rng: random.Random, xy: tuple[int, int], size: int) -> str:
    """Where the name would be: left blank, a black bar, or the word SPECIMEN across the card."""
    how = rng.choice(["blank", "redacted", "specimen"])
    if how == "redacted":
        c.rect((xy[0], xy[1], xy[0] + rng.randint(260, 380), xy[1] + size + 8), fill=(10, 10, 10))
    elif how == "specimen":
        c.text((int(c.w * 0.72), int(c.h * 0.42)), "SPECIMEN", 44, True, fill=(200, 60, 60), anchor="ma")
    return how


def pan_nsdl(rng, fam, p, no_name=False) -> Doc:
    """NSDL/UTIITSL PAN: number under 'स्थायी लेखा संख्या कार्ड / Permanent Account Number Card' at the
    top, bilingual labels above the values, photo left, QR right, the signature below."""
    c = HardCanvas(1020, 640, fam, _tint(rng, (222, 234, 244)))
    c.guilloche(rng, (200, 214, 232))
    c.text((40, 22), "आयकर विभाग", 22, kind="deva", fill=(20, 40, 90))
    c.text((40, 52), "INCOME TAX DEPARTMENT", 26, True, fill=(20, 40, 90))
    c.text((980, 22), "भारत सरकार", 22, kind="deva", fill=(20, 40, 90), anchor="ra")
    c.text((980, 52), "GOVT. OF INDIA", 26, True, fill=(20, 40, 90), anchor="ra")
    c.text((300, 100), "स्थायी लेखा संख्या कार्ड / Permanent Account Number Card", 18, kind="deva", fill=(60, 60, 90))
    pan = pan_number(rng, p["last"])
    c.text((300, 128), pan, 38, True)
    c.photo(40, 110, 200, 240)
    c.qr(rng, 840, 110, 150)
    y, fields = 200, {"name": p["name"].upper(), "father_name": p["father_name"].upper(), "dob": p["dob"]}
    for lab, key in (("नाम / Name", "name"), ("पिता का नाम / Father's Name", "father_name"),
                     ("जन्म की तारीख / Date of Birth", "dob")):
        c.text((300, y), lab, 18, kind="deva", fill=(60, 60, 90))
        if key == "name" and no_name:
            fields["name"] = None
            fields["no_name"] = _no_name(c, rng, (300, y + 26), 28)
        else:
            c.text((300, y + 26), fields[key], 28, True)
        y += 78
    c.text((40, 560), "हस्ताक्षर / Signature", 18, kind="deva", fill=(60, 60, 90))
    return c, "PAN", _ids(PAN=[pan]), {**fields, "gender": None}


def pan_blank(rng, fam, p) -> Doc:
    return pan_nsdl(rng, fam, p, no_name=True)


def epan_bilingual(rng, fam, p) -> Doc:
    """e-PAN with bilingual labels beside the values, the number large under the title."""
    c = HardCanvas(1100, 700, fam, (255, 255, 255))
    c.rect((0, 0, 1100, 84), fill=_tint(rng, (28, 58, 128), 8))
    c.text((40, 24), "आयकर विभाग  Income Tax Department", 30, True, kind="deva", fill=(255, 255, 255))
    c.text((550, 110), "e - Permanent Account Number (e-PAN) Card", 26, True, fill=(28, 58, 128), anchor="ma")
    pan = pan_number(rng, p["last"])
    c.text((550, 156), pan, 44, True, anchor="ma")
    y = 250
    for lab, val in (("नाम / Name", p["name"].upper()), ("पिता का नाम / Father's Name", p["father_name"].upper()),
                     ("जन्म की तारीख / Date of Birth", p["dob"])):
        c.text((290, y), lab, 20, kind="deva", fill=(80, 80, 80))
        c.text((640, y), val, 26, True)
        y += 64
    c.photo(40, 240, 200, 240)
    c.qr(rng, 900, 520, 140)
    c.text((40, 650), "This is a computer generated e-PAN card.", 18, fill=(90, 90, 90))
    return c, "PAN", _ids(PAN=[pan]), {"name": p["name"].upper(), "father_name": p["father_name"].upper(),
                                      "dob": p["dob"], "gender": None}


def aadhaar_uidai(rng, fam, p, pvc=False, no_name=False) -> Doc:
    """Aadhaar front with the UIDAI header (Hindi and English), Hindi and English name, DOB and gender
    bilingual, the number (masked on some), VID on some, the tagline 'मेरा आधार, मेरी पहचान'."""
    c = HardCanvas(1000, 630, fam, _tint(rng, (250, 248, 240) if not pvc else (246, 242, 232)))
    if pvc:
        c.guilloche(rng, (236, 218, 204))
    c.text((500, 14), "भारतीय विशिष्ट पहचान प्राधिकरण", 22, kind="deva", fill=(150, 20, 20), anchor="ma")
    c.text((500, 46), "Unique Identification Authority of India", 26, True, fill=(150, 20, 20), anchor="ma")
    c.photo(40, 110, 180, 220)
    fields = {"name": p["name"], "name_hi": p["name_hi"], "dob": p["dob"], "gender": p["gender"], "father_name": None}
    if no_name:
        fields["name"] = fields["name_hi"] = None
        fields["no_name"] = _no_name(c, rng, (250, 150), 30)
    else:
        c.text((250, 112), p["name_hi"], 26, kind="deva")
        c.text((250, 152), p["name"], 30, True)
    c.text((250, 205), f"जन्म तिथि / DOB: {p['dob']}", 24, kind="deva")
    c.text((250, 248), "महिला / FEMALE" if p["gender"] == "FEMALE" else "पुरुष / MALE", 24, kind="deva")
    if pvc:
        c.text((250, 292), f"Issue Date: {_date(rng, 2019, 2024)}", 18)
        c.qr(rng, 800, 110, 160)
    num = aadhaar_number(rng)
    masked = rng.random() < 0.4
    c.text((500, 440), f"XXXX XXXX {num[-4:]}" if masked else spaced(num, (4, 4, 4)), 44, True, anchor="ma")
    ids = _ids(AADHAAR_MASKED=[f"XXXXXXXX{num[-4:]}"]) if masked else _ids(AADHAAR=[num])
    if not pvc and rng.random() < 0.5:
        vid = vid_number(rng)
        c.text((500, 500), f"VID : {spaced(vid, (4, 4, 4, 4))}", 22, anchor="ma")
        ids["VID"] = [vid]
    c.rect((0, 556, 1000, 561), fill=(200, 30, 30))
    c.text((500, 572), "मेरा आधार, मेरी पहचान", 26, kind="deva", fill=(200, 30, 30), anchor="ma")
    return c, "AADHAAR", ids, fields


def aadhaar_pvc_uidai(rng, fam, p) -> Doc:
    return aadhaar_uidai(rng, fam, p, pvc=True)


def aadhaar_redacted(rng, fam, p) -> Doc:
    return aadhaar_uidai(rng, fam, p, no_name=True)


def dl_state(rng, fam, p, style="KA") -> Doc:
    """State driving licence: 'Indian Union Driving Licence', the state, the number as the state prints
    it (Karnataka `KA01 20190012345`; Maharashtra `MH-12-2015-0012345`), labels with colons."""
    st = "KA" if style == "KA" else "MH"
    c = HardCanvas(1010, 640, fam, _tint(rng, (238, 242, 250) if st == "KA" else (246, 240, 228)))
    c.text((505, 14), "INDIAN UNION DRIVING LICENCE", 28, True, fill=(30, 40, 110), anchor="ma")
    c.text((505, 52), f"Issued by Government of {STATES[st][0]}", 22, fill=(30, 40, 110), anchor="ma")
    year = rng.randint(max(int(p["dob"][-4:]) + 18, 2005), 2024)  # issued to an adult
    num = f"{st}{rng.randint(1, 50):02d}{year}{rng.randint(1, 9999999):07d}"
    shown = f"{num[:4]} {num[4:]}" if st == "KA" else f"{num[:2]}-{num[2:4]}-{num[4:8]}-{num[8:]}"
    c.text((40, 100), f"DL No. {shown}", 30, True)
    c.photo(40, 160, 180, 220)
    issue = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{num[4:8]}"
    valid = f"{issue[:6]}{int(num[4:8]) + 20}"
    cov = rng.choice(["MCWG LMV", "LMV", "MCWG LMV TRANS"])
    rows = (("Name", p["name"].upper()), ("S/D/W of", p["father_name"].upper()), ("DOB", p["dob"]),
            ("DOI", issue), ("Valid Till", valid), ("COV", cov))
    y = 165
    for lab, val in rows:
        c.text((250, y), f"{lab}:", 22, fill=(60, 60, 90))
        c.text((440, y), val, 24, True)
        y += 46
    c.text((40, 470), f"Address: {p['address'][:58]}", 20)
    c.text((40, 600), "Signature / Thumb Impression of Holder", 18, fill=(60, 60, 90))
    return c, "DL", _ids(DL=[num]), {"name": p["name"].upper(), "father_name": p["father_name"].upper(), "dob": p["dob"],
                                     "date_of_issue": issue, "valid_till": valid, "cov": cov, "gender": None}


def dl_mh(rng, fam, p) -> Doc:
    return dl_state(rng, fam, p, "MH")


def voter_pvc(rng, fam, p) -> Doc:
    """PVC voter card: EPIC at the top right, Hindi label line then 'Elector's Name :' and the value."""
    c = HardCanvas(1000, 630, fam, _tint(rng, (242, 242, 252)))
    c.text((40, 18), "भारत निर्वाचन आयोग", 24, kind="deva", fill=(30, 30, 110))
    c.text((40, 50), "ELECTION COMMISSION OF INDIA", 28, True, fill=(30, 30, 110))
    c.text((40, 88), "Elector Photo Identity Card", 22, fill=(30, 30, 110))
    epic = epic_number(rng)
    c.text((960, 100), epic, 34, True, anchor="ra")
    c.photo(40, 150, 170, 210)
    y = 160
    for hi, en, val in (("निर्वाचक का नाम", "Elector's Name", p["name"]), ("पिता का नाम", "Father's Name", p["father_name"]),
                        ("लिंग", "Gender", p["gender"].title()), ("जन्म तिथि", "Date of Birth", p["dob"])):
        c.text((240, y), hi, 18, kind="deva", fill=(60, 60, 100))
        c.text((240, y + 26), f"{en} :", 22, fill=(60, 60, 100))
        c.text((470, y + 26), val, 24, True)
        y += 78
    return c, "VOTER_ID", _ids(EPIC=[epic]), {"name": p["name"], "father_name": p["father_name"],
                                              "gender": p["gender"], "dob": p["dob"]}


def passport_inline(rng, fam, p) -> Doc:
    """Passport data page with inline bilingual labels ('राष्ट्रीयता / Nationality  INDIAN') and the MRZ."""
    c = HardCanvas(1400, 980, fam, _tint(rng, (238, 240, 230)))
    c.guilloche(rng, (216, 222, 208))
    c.text((700, 24), "भारत गणराज्य  REPUBLIC OF INDIA", 30, True, kind="deva", fill=(30, 50, 90), anchor="ma")
    c.photo(50, 120, 260, 330)
    num, sex = passport_number(rng), "F" if p["gender"] == "FEMALE" else "M"
    issue = _date(rng, 2015, 2024)
    expiry = f"{int(issue[:2]) - 1 or 1:02d}{issue[2:6]}{int(issue[6:]) + 10}"
    pob = STATES[p["state"]][2].upper()
    rows = (("प्रकार / Type", "P"), ("पासपोर्ट नं. / Passport No.", num), ("उपनाम / Surname", p["last"].upper()),
            ("दिया गया नाम / Given Name(s)", p["first"].upper()), ("राष्ट्रीयता / Nationality", "INDIAN"),
            ("लिंग / Sex", sex), ("जन्मतिथि / Date of Birth", p["dob"]), ("जन्म स्थान / Place of Birth", pob),
            ("जारी करने की तिथि / Date of Issue", issue), ("समाप्ति की तिथि / Date of Expiry", expiry))
    y = 110
    for lab, val in rows:
        c.text((360, y), lab, 20, kind="deva", fill=(70, 80, 100))
        c.text((820, y), val, 26, True)
        y += 62
    mrz = mrz_lines(p["last"], p["first"], num, p["dob"], sex, expiry)
    c.text((60, 820), mrz[0], 37, kind="ocrb")
    c.text((60, 890), mrz[1], 37, kind="ocrb")
    f = {"name": f"{p['first']} {p['last']}".upper(), "surname": p["last"].upper(), "given_names": p["first"].upper(),
         "nationality": "INDIAN", "gender": p["gender"], "dob": p["dob"], "place_of_birth": pob,
         "date_of_issue": issue, "date_of_expiry": expiry, "father_name": None}
    return c, "PASSPORT", _ids(PASSPORT=[num], MRZ=mrz), f


FAMILIES: dict[str, Callable] = {
    "pan_nsdl": pan_nsdl, "pan_blank": pan_blank, "epan_bilingual": epan_bilingual, "aadhaar_uidai": aadhaar_uidai,
    "aadhaar_pvc_uidai": aadhaar_pvc_uidai, "aadhaar_redacted": aadhaar_redacted, "dl_ka": dl_state, "dl_mh": dl_mh,
    "voter_pvc": voter_pvc, "passport_inline": passport_inline,
}
UNSEEN_ONLY = frozenset({"aadhaar_pvc_uidai", "dl_mh", "aadhaar_redacted"})
SEEDS = {"tune": 2501, "unseen": 7725}


def generate(out: Path, part: str, per_family: int = 5, seed: int | None = None) -> list[Path]:
    """Write one part (a clean PNG and one capture of each card); returns the files written."""
    seed = SEEDS[part] if seed is None else seed
    rng = random.Random(seed)
    folder = out / part
    folder.mkdir(parents=True, exist_ok=True)
    fonts = sorted(f for f in HARD_FONTS if part == "unseen" or f not in UNSEEN_ONLY_FONTS)
    written: list[Path] = []
    for layout, make in FAMILIES.items():
        if part == "tune" and layout in UNSEEN_ONLY:
            continue
        for n in range(per_family):
            fam = fonts[rng.randrange(len(fonts))]
            c, doc_type, ids, fields = make(rng, fam, person(rng))
            extra = {"no_name": fields.pop("no_name")} if "no_name" in fields else {}
            kind = CAPTURES[(n + rng.randrange(len(CAPTURES))) % len(CAPTURES)]
            name = f"{layout}_{n:03d}"
            for fname, im, deg in ((f"{name}.png", c.im, "none"),
                                   (f"{name}_{kind}.jpg", capture(c.im, kind, rng), kind)):
                im.save(folder / fname, **({"quality": 92} if fname.endswith(".jpg") else {}))
                gt = _gt(fname.rsplit(".", 1)[0], fname, doc_type, ids, fields, {}, layout, fam, seed, part, im.size,
                         c.lines, deg, extra)
                gt["fonts"] = [fam, "lohit_deva", "ocr_b"]
                gt["generator"] = {"script": "bench/unseen_hard.py", "version": "1.0", "seed": seed}
                gt["lines_transformed"] = deg in ("none", "motion_blur", "finger")
                (folder / fname.replace(".png", ".gt.json").replace(".jpg", ".gt.json")).write_text(
                    json.dumps(gt, indent=1, ensure_ascii=False))
                written.append(folder / fname)
    manifest = {"part": part, "seed": seed, "per_family": per_family, "documents": len(written),
                "layouts": sorted(k for k in FAMILIES if part == "unseen" or k not in UNSEEN_ONLY),
                "unseen_only_layouts": sorted(UNSEEN_ONLY) if part == "unseen" else [], "fonts": fonts,
                "captures": CAPTURES}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return written


def main(argv: list[str] | None = None) -> int:
    from unseen import run

    return run(generate, __doc__, 5, argv)


if __name__ == "__main__":
    raise SystemExit(main())
