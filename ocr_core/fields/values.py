"""Normalising and validating field values: names, dates (`YYYY-MM-DD`), gender, codes."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .names import shape_problem

GENDERS = ("MALE", "FEMALE", "TRANSGENDER")
_GENDER_WORDS = {"MALE": "MALE", "M": "MALE", "पुरुष": "MALE", "FEMALE": "FEMALE", "F": "FEMALE",
                 "महिला": "FEMALE", "स्त्री": "FEMALE", "TRANSGENDER": "TRANSGENDER", "T": "TRANSGENDER",
                 "ट्रांसजेंडर": "TRANSGENDER", "OTHER": "TRANSGENDER"}
# words printed as labels or headers on the cards; a person's name holds none of them
LABEL_WORDS = frozenset("""NAME FATHER FATHERS FATHER'S HUSBAND DATE BIRTH DOB YOB YEAR GENDER SEX MALE FEMALE
ADDRESS GOVERNMENT GOVT INDIA INCOME TAX DEPARTMENT PERMANENT ACCOUNT NUMBER CARD SIGNATURE ELECTION
COMMISSION ELECTOR ELECTOR'S IDENTITY AUTHORITY UNIQUE IDENTIFICATION LICENCE LICENSE DRIVING TRANSPORT
UNION VALID TILL ISSUE ISSUED PASSPORT REPUBLIC NATIONALITY SURNAME GIVEN PLACE HOLDER HOLDER'S BLOOD GROUP
COV AADHAAR VID ENROLMENT MOBILE""".split())

_DATE = re.compile(r"(?<!\d)([0-3]?\d)\s?[/\-.]\s?([01]?\d)\s?[/\-.]\s?((?:19|20)\d\d)(?!\d)")
_DIGITISH = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1",
                           "S": "5", "B": "8", "Z": "2", "z": "2", "G": "6"})
_DATEISH = re.compile(r"[0-9OoDQIl|iSBZzG]{1,2}\s?[/\-.]\s?[0-9OoDQIl|iSBZzG]{1,2}\s?[/\-.]\s?[0-9OoDQIl|iSBZzG]{4}")


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-") | {0xAD: None}


def spaces(s: str) -> str:
    """NFC, Unicode dashes as "-", soft hyphens gone (text layers carry them), single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s).translate(_DASHES)).strip()


def find_date(text: str) -> tuple[str, str] | None:
    """(ISO date, the printed text) of the first DD/MM/YYYY in text (OCR letter-for-digit repaired),
    or None. The ISO string is built even for an impossible date; `check_date` says so."""
    text = text.translate(_DASHES)
    iso = re.fullmatch(r"\s*((?:19|20)\d\d)-(\d\d)-(\d\d)\s*", text)
    if iso:
        return iso.group(0).strip(), iso.group(0).strip()
    m = _DATE.search(text)
    if not m:
        for cand in _DATEISH.finditer(text):
            fixed = cand.group(0).translate(_DIGITISH)
            m2 = _DATE.fullmatch(fixed)
            if m2:
                m = m2
                break
    if not m:
        return None
    d, mo, y = m.group(1), m.group(2), m.group(3)
    return f"{y}-{int(mo):02d}-{int(d):02d}", m.group(0)


def parse_iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def check_date(value: str, key: str, today: dt.date | None = None) -> str | None:
    """Why a date is implausible, or None. Birth dates lie in the past with an age of 0 to 120."""
    d = parse_iso(value)
    if d is None:
        return "not a real calendar date"
    today = today or dt.date.today()
    if not 1900 <= d.year <= 2100:
        return "year out of range"
    if key == "dob":
        if d > today:
            return "birth date in the future"
        age = today.year - d.year - ((today.month, today.day) < (d.month, d.day))
        if age > 120:
            return f"age {age} is over 120"
    elif key in ("date_of_issue", "date_of_incorporation", "date_of_udyam_registration", "date_of_liability"):
        if d > today:
            return "date in the future"
    return None


def _genders(text: str) -> tuple[list[str], list[str], list[str]]:
    """The genders the text's words say: (English words, Devanagari words, single letters / OTHER)."""
    english, hindi, letters = [], [], []
    up = text.upper()
    for tok in re.split(r"[\s/|:,.()]+", up):
        g = _GENDER_WORDS.get(tok) or _GENDER_WORDS.get(tok.strip("0123456789"))
        if g:
            (english if tok.strip("0123456789") in GENDERS else hindi if is_devanagari(tok, 0.5) else letters).append(g)
    if not english and not hindi:
        for word, g in _GENDER_WORDS.items():  # Devanagari, or a word glued to a label
            if len(word) > 1 and word in up and not (word == "MALE" and "FEMALE" in up):
                (hindi if is_devanagari(word) else english).append(g)
    return english, hindi, letters


def find_gender(text: str) -> str | None:
    """The gender the text prints: an English word wins over a Devanagari one (a misread Hindi word
    is the likelier slip), either over a single letter."""
    english, hindi, letters = _genders(text)
    return (english or hindi or letters or [None])[0]


def gender_problem(text: str) -> str | None:
    """Why the printed gender is in doubt: its Hindi and English words (or two English words)
    disagree."""
    english, hindi, _ = _genders(text)
    if len(set(english)) > 1:
        return "the card prints two genders: " + " and ".join(dict.fromkeys(english))
    if english and hindi and hindi[0] != english[0]:
        return f"the Hindi word reads {hindi[0]} but the English word {english[0]}"
    return None


_NAME_CHARS = re.compile(r"[^A-Za-z.'\- ]")


def clean_name(text: str) -> str:
    """A person's name as printed, with spacing normalised and stray punctuation at the ends gone."""
    s = spaces(text.replace("_", " "))
    # a comma inside a word, or a full stop after three letters or more (not an initial's) inside
    # one, is the recogniser's slip (a J's hook read as ",J"): "MANO.J BANER,JEE"
    s = re.sub(r"(?<=[A-Za-z]),(?=[A-Za-z])|(?<=[A-Za-z]{3})\.(?=[A-Za-z])", "", s)
    return capital_i(s.strip(" .,:;-'\"|/"))


# lower-case words a name may hold between capitalised ones ("Maria de la Cruz", "Ali bin Ahmed")
PARTICLES = frozenset("de da di del della der van von la le los las lo du des dos bin bint ibn al el".split())


def capital_i(name: str) -> str:
    """A lower-case ``l`` starting a word of a capitalised name is the recogniser's ``I`` ("Karthik
    lyer" -> "Karthik Iyer", "KARTHIK lYER" -> "KARTHIK IYER"): a name's words start with a capital
    letter. Only where the name's other words do (a name typed all in lower case stays), never a
    particle ("de la Cruz"); a capital ``L`` ("Lakshmi") is no confusion."""
    words = name.split(" ")
    if not any(w[:1].isupper() for w in words):
        return name
    out = []
    for w in words:
        if len(w) >= 2 and w[0] == "l" and w[1].isalpha() and w.lower() not in PARTICLES:
            w = "I" + w[1:]
        out.append(w)
    return " ".join(out)


def looks_like_name(text: str) -> bool:
    s = clean_name(text)
    letters = sum(c.isalpha() for c in s)
    return letters >= 3 and not any(c.isdigit() for c in s) and letters >= 0.8 * len(s.replace(" ", "")) \
        and not name_chars_problem(s)


def unglue_name(name: str, family: str | None) -> str:
    """`name` with the family name the recogniser ran into the word before it split off again:
    its last word ends with `family` (the last word of another name on the same card, at least 3
    letters) after at least 3 letters of its own ("HARPREETIYER" and "IYER" -> "HARPREET IYER"),
    case as printed. Only the last word: a given name that ends like a name ("SHRIRAM") stays."""
    w = (family or "").strip(".,").upper()
    words = name.split()
    if len(w) < 3 or not w.isalpha() or not words:
        return name
    last = words[-1]
    up = last.upper()
    if up != w and up.endswith(w) and len(up) - len(w) >= 3 and up[:-len(w)].isalpha():
        words[-1:] = [last[:-len(w)], last[-len(w):]]
    return " ".join(words)


def name_problem(name: str) -> str | None:
    """Why a person's name is not plausible, or None: what a name's characters and words cannot
    be (`name_problem` of the extractors' `person` test), then the shapes of its words
    (`names.shape_problem`: a run of one letter, mostly X, no vowel, a consonant cluster no name
    starts with)."""
    bad = name_chars_problem(name)
    return bad or shape_problem(name)


def name_chars_problem(name: str) -> str | None:
    """Why a text cannot be a person's name at all: empty, digits, characters other than Latin
    letters, or a label word."""
    if not name:
        return "empty"
    if any(c.isdigit() for c in name):
        return "holds digits"
    if _NAME_CHARS.search(name):
        return "holds characters a name does not"
    words = {w.strip(".'-").upper() for w in name.split()}
    bad = sorted(words & LABEL_WORDS)
    if bad:
        return f"holds the label word {bad[0]}"
    return None


def is_devanagari(text: str, share: float = 0.7) -> bool:
    letters = [c for c in text if c.isalpha() or unicodedata.category(c).startswith("M")]
    deva = [c for c in letters if "\u0900" <= c <= "\u097f"]
    return len(deva) >= 2 and len(deva) >= share * len(letters)


def deva_name_problem(name: str) -> str | None:
    if not is_devanagari(name, 0.95):
        return "not in Devanagari"
    if any(c.isdigit() for c in name):
        return "holds digits"
    return None


# classes of vehicle as printed on Indian licences (Central Motor Vehicles Rules, rule 14 / Form 6
# and the Sarathi class codes)
COV_CODES = frozenset("""MC MCWG MCWOG MC50CC MCEX50CC MC-EX50CC FVG LMV LMV-NT LMV-TR LMV-TRANS LMVNT
LMV-T HMV HGMV HPMV HTV MGV MPMV TRANS TRAN TRANSPORT INVCRG ADPVEH TRCTOR TRACTOR TRAILER E-RIKSHAW
ERIKSHAW E-RICKSHAW E-CART 3W-NT 3W-T 3WNT 3WTR LMV-3W PSV-BUS""".split())


def clean_cov(text: str) -> str:
    return spaces(re.sub(r"[,;|]", " ", text)).upper()


def cov_problem(value: str) -> str | None:
    unknown = [t for t in value.split() if t not in COV_CODES]
    return f"unknown class of vehicle {unknown[0]}" if unknown else None


# states and union territories of India (First Schedule of the Constitution), for addresses
STATES = ("Andhra Pradesh", "Arunachal Pradesh", "Assam", "Bihar", "Chhattisgarh", "Goa", "Gujarat", "Haryana",
          "Himachal Pradesh", "Jharkhand", "Karnataka", "Kerala", "Madhya Pradesh", "Maharashtra", "Manipur",
          "Meghalaya", "Mizoram", "Nagaland", "Odisha", "Punjab", "Rajasthan", "Sikkim", "Tamil Nadu", "Telangana",
          "Tripura", "Uttar Pradesh", "Uttarakhand", "West Bengal", "Andaman and Nicobar Islands", "Chandigarh",
          "Dadra and Nagar Haveli and Daman and Diu", "Delhi", "Jammu and Kashmir", "Ladakh", "Lakshadweep",
          "Puducherry")
_ABBREV = re.compile(r"\b(?:No|St|Dr|Rd|Opp|Nr|Mr|Mrs|Smt|Shri|Sh|Apt|Bldg|Ph|Sec)$", re.I)


def join_address(parts: list[str]) -> str:
    """Address lines joined: after a line that ends with a comma, or before one that starts in
    lower case (the phrase goes on: "Uttar Pra" / "desh - 573611", where a state name read with a
    split is spelled right by `clean_address`), by a space; a PIN code wrapped onto the next line
    (6 digits in all) without one; otherwise by a comma."""
    out = ""
    for p in (spaces(p).strip(" ,") if not spaces(p).endswith(",") else spaces(p) for p in parts):
        if not p:
            continue
        if not out:
            out = p
        elif out.endswith(",") or p[0].islower() and out[-1].isalpha():
            out += " " + p  # after a comma, or a line that goes on with the phrase (a word wrapped mid-way)
        elif (a := re.search(r"(\d+)$", out)) and (b := re.match(r"(\d+)\b", p)) \
                and len(a.group(1)) + len(b.group(1)) == 6 and len(a.group(1)) < 6:
            out += p
        else:
            out += ", " + p
    return out.strip(" ,")


def pin_problem(address: str) -> str | None:
    """Why the PIN code an address ends with is cut or garbled ("Surat, Gujarat - 698": glare ate
    its end): a number of 3 digits or more that ends the address after " - " or a comma is not 6
    digits, or starts with 0 ("Plot-12" is no PIN code)."""
    m = re.search(r"(?:\s-\s*|,\s*)(\d{3,})\s*$", address)
    if m is None:
        return None
    pin = m.group(1)
    if len(pin) != 6 or pin[0] == "0":
        return f"the PIN code {pin} is not 6 digits starting 1-9"
    return None


def clean_address(text: str) -> str:
    """Spacing normalised; a full stop the recogniser read for the comma between two parts of the
    address made a comma again (not after an abbreviation like "No."); a state name read with one
    letter wrong spelled right (rapidfuzz against the list of states and union territories)."""
    from rapidfuzz import fuzz

    s = spaces(text)
    out, last = [], 0
    for m in re.finditer(r"\.\s+(?=[A-Z][a-z])", s):
        if not _ABBREV.search(s[:m.start()]):
            out.append(s[last:m.start()] + ", ")
            last = m.end()
    s = "".join(out) + s[last:]
    s = re.sub(r"\.\s+(?=\d{6}\b)", ", ", s)  # "Karnataka. 570096": the PIN code
    # "State- 570096", "State, - 570096", "State -, 570096": the dash before the PIN code as printed, " - "
    s = re.sub(r"\s*,?\s*-\s*,?\s*(?=\d{6}\b)", " - ", s)
    parts = [p.strip() for p in s.split(",")]
    for i, p in enumerate(parts):
        words = re.sub(r"[\s\-.]*\d+$", "", p).strip(" .-")
        if not words or words in STATES:
            continue
        for st in STATES:
            if abs(len(st) - len(words)) <= 2 and fuzz.ratio(words.casefold(), st.casefold()) >= 85:
                parts[i] = p.replace(words, st)
                break
    return re.sub(r"\s*,\s*(?:,\s*)*", ", ", ", ".join(parts)).strip(" ,")
