"""The one home of every ID type: its template, validator, masking, the document type it decides,
and its display and export formats. Every other list (`models.ID_TYPES`, `privacy.MASKED_TYPES`,
the classifier's decisive IDs, the re-read policy's `STRONG_CHECKSUM`, the mask's digit count, the
export columns, the matching order, `record.repository.KIND_IDS` through `doctypes`) is derived from `REGISTRY`.

Adding an ID type means one `IDSpec` here plus its tests (tests/test_idtypes.py checks that every
derived list follows the registry).

A template is a string of position classes: ``#`` digit, ``@`` letter, ``*`` letter or digit, any
other character a literal. Types without a template (the masked Aadhaar, the MRZ) are found by their
own extractors in `ids`.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Callable

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.in_ import aadhaar as _aadhaar
from stdnum.in_ import epic as _epic
from stdnum.in_ import gstin as _gstin
from stdnum.in_ import pan as _pan
from stdnum.in_ import vid as _vid

# Sources: RTO codes of the Motor Vehicles Act state list (ministry of road transport, 'Vahan');
# GST state codes 38 (Ladakh), 97 (Other Territory), 99 (Centre Jurisdiction) per the GSTN state code
# list, which python-stdnum 2.2 does not know yet.
STATE_CODES_DL = frozenset(
    "AN AP AR AS BR CG CH DD DL DN GA GJ HP HR JH JK KA KL LA LD MH ML MN MP MZ NL OD OR PB PY RJ SK "
    "TG TN TR TS UK UA UP WB".split())
GST_EXTRA_STATE_CODES = frozenset({"38", "97", "99"})
MIN_DL_YEAR = 1950


# ---------------------------------------------------------------- validators
def _stdnum(mod) -> Callable[[str], str | None]:
    def check(v: str) -> str | None:
        try:
            mod.validate(v)
            return None
        except ValidationError as e:
            return f"{e.message}".rstrip(".").lower() or "invalid"
    return check


def validate_gstin(v: str) -> str | None:
    if v[:2] in GST_EXTRA_STATE_CODES:
        if v[12] == "0" or v[13] != "Z":
            return "the number's components are invalid"
        if not _pan.is_valid(v[2:12]):
            return "embedded PAN is invalid"
        try:
            luhn.validate(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            return None
        except ValidationError:
            return "the number's checksum or check digit is invalid"
    return _stdnum(_gstin)(v)


def validate_dl(v: str) -> str | None:
    if v[:2] not in STATE_CODES_DL:
        return f"unknown state code {v[:2]}"
    year = int(v[4:8])
    if not MIN_DL_YEAR <= year <= _dt.date.today().year:
        return f"implausible year of issue {year}"
    if v[8:] == "0000000":
        return "serial number is zero"
    return None


def validate_udyam(v: str) -> str | None:
    v = v.replace("-", "")
    state = v[5:7]
    if state not in STATE_CODES_DL:
        return f"unknown state code {state}"
    if v[7:9] == "00":
        return "district code is zero"
    return None


def validate_passport(v: str) -> str | None:
    """Shape only: a letter and seven digits, the first digit not zero. No rule about which series
    letters are issued (none has a published source; India issues Z series too): a passport number
    is confirmed by its MRZ check digit (see `ids`)."""
    if v[1] == "0":
        return "first digit is zero"
    return None


def mrz_check_digit(s: str) -> str:
    """ICAO 9303 check digit (weights 7, 3, 1; '<' = 0, A = 10 ...)."""
    total = 0
    for i, c in enumerate(s):
        n = int(c) if c.isdigit() else (ord(c) - 55 if c.isalpha() else 0)
        total += n * (7, 3, 1)[i % 3]
    return str(total % 10)


def validate_mrz(line1: str, line2: str) -> str | None:
    if len(line1) != 44 or len(line2) != 44:
        return "MRZ lines must be 44 characters"
    if not line1.startswith("P"):
        return "not a passport MRZ"
    fields = [(line2[0:9], line2[9], "passport number"), (line2[13:19], line2[19], "date of birth"),
              (line2[21:27], line2[27], "date of expiry")]
    for data, check, what in fields:
        if mrz_check_digit(data) != check:
            return f"MRZ check digit for {what} does not match"
    if line2[28:42].strip("<") and mrz_check_digit(line2[28:42]) != line2[42] and line2[42] != "<":
        return "MRZ check digit for the personal number does not match"
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    if mrz_check_digit(composite) != line2[43]:
        return "MRZ composite check digit does not match"
    return None


def validate_aadhaar_masked(v: str) -> str | None:
    return None if len(v) == 12 and v[:8] == "XXXXXXXX" and v[8:].isdigit() else "expected XXXX XXXX 1234"


# ---------------------------------------------------------------- formats
def _groups_of_four(v: str) -> str:
    return " ".join(v[i:i + 4] for i in range(0, len(v), 4))


def _udyam(v: str) -> str:
    v = v.replace("-", "")
    return f"{v[:5]}-{v[5:7]}-{v[7:9]}-{v[9:]}"


def _mrz_export(v: str) -> str:
    return v.replace("\n", " / ")


def _same(v: str) -> str:
    return v


@dataclass(frozen=True)
class IDSpec:
    """One ID type. `template` None: found by its own extractor (masked Aadhaar, MRZ)."""
    type: str
    label: str
    template: str | None
    validate: Callable[[str], str | None]
    decides: str | None = None  # the document type a valid one is evidence for
    weight: float = 0.0  # how strongly (classifier score points)
    masked: bool = False  # masked (XXXX XXXX 1234) wherever a person or a log sees it
    groupings: tuple[tuple[int, ...], ...] | None = None  # allowed token lengths; None = any split
    fmt: Callable[[str], str] = _same  # compact value -> the stored, normalised form
    display: Callable[[str], str] = _same  # stored form -> what a person reads (before masking)
    export: Callable[[str], str] = _same  # stored form -> one CSV cell
    match_priority: int = 0  # among templates of the same length, lower is tried first
    strong_checksum: bool = False  # a valid one is trusted however unsure its reading (a misread digit fails it)
    alone: bool = False  # a valid one makes its document type where the printed anchors cannot decide (`classify`)
    shape: str | None = None  # the fixed form of a type without a template ('X' literal, '#' digit): repair

    @property
    def length(self) -> int:
        return len(self.template) if self.template else 0

    @property
    def digits(self) -> int:
        """How many digits the template holds (what a mask over the number covers)."""
        return self.template.count("#") if self.template else 0


def _one_gap_lost(n: int) -> tuple[tuple[int, ...], ...]:
    """Groups of four with one gap between them read as none ("44998742 8213"): recognisers drop
    a narrow gap (seen with PP-OCRv6 tiny and small on a blurred e-Aadhaar); the checksum still
    decides."""
    groups = [4] * (n // 4)
    return tuple(tuple(groups[:i] + [8] + groups[i + 2:]) for i in range(len(groups) - 1))


ONE_GAP_LOST = {12: _one_gap_lost(12), 16: _one_gap_lost(16)}


REGISTRY: tuple[IDSpec, ...] = (
    IDSpec("PAN", "PAN", "@@@@@####@", _stdnum(_pan), "PAN", 2.0, match_priority=5),
    IDSpec("AADHAAR", "Aadhaar", "############", _stdnum(_aadhaar), "AADHAAR", 2.5, masked=True,
           groupings=((12,), (4, 4, 4), *ONE_GAP_LOST[12]), display=_groups_of_four, match_priority=4,
           strong_checksum=True, alone=True),
    IDSpec("AADHAAR_MASKED", "Aadhaar (masked)", None, validate_aadhaar_masked, "AADHAAR", 2.5,
           display=_groups_of_four, strong_checksum=True, shape="XXXXXXXX####"),
    IDSpec("VID", "Aadhaar VID", "################", _stdnum(_vid), "AADHAAR", 1.5, masked=True,
           groupings=((16,), (4, 4, 4, 4), *ONE_GAP_LOST[16]), display=_groups_of_four, match_priority=1,
           strong_checksum=True, alone=True),
    IDSpec("DL", "Driving licence", "@@#############", validate_dl, "DL", 2.0, match_priority=3),
    IDSpec("PASSPORT", "Passport", "@#######", validate_passport, "PASSPORT", 1.0, groupings=((8,),),
           match_priority=7),
    IDSpec("UDYAM", "UDYAM", "UDYAM@@#########", validate_udyam, "UDYAM", 3.0, fmt=_udyam, display=_udyam,
           match_priority=2, alone=True),
    IDSpec("GSTIN", "GSTIN", "##@@@@@####@*Z*", validate_gstin, "GSTIN", 2.5, match_priority=0,
           strong_checksum=True, alone=True),
    IDSpec("EPIC", "Voter ID (EPIC)", "@@@#######", _stdnum(_epic), "VOTER_ID", 2.0, match_priority=6, alone=True),
    IDSpec("MRZ", "Passport MRZ", None, lambda v: validate_mrz(*(v.split("\n") + ["", ""])[:2]), "PASSPORT", 4.0,
           export=_mrz_export, strong_checksum=True, alone=True),
)
BY_TYPE: dict[str, IDSpec] = {s.type: s for s in REGISTRY}

# derived lists
ID_TYPES: tuple[str, ...] = tuple(s.type for s in REGISTRY)
MASKED_TYPES: frozenset[str] = frozenset(s.type for s in REGISTRY if s.masked)
STRONG_CHECKSUM: frozenset[str] = frozenset(s.type for s in REGISTRY if s.strong_checksum)
DECISIVE: dict[str, tuple[str, float]] = {s.type: (s.decides, s.weight) for s in REGISTRY if s.decides}
DECIDES_ALONE: dict[str, str] = {s.type: s.decides for s in REGISTRY if s.decides and s.alone}
TEMPLATED: tuple[IDSpec, ...] = tuple(sorted((s for s in REGISTRY if s.template),
                                             key=lambda s: (-s.length, s.match_priority)))


def spec(id_type: str) -> IDSpec | None:
    return BY_TYPE.get(id_type)


def export_value(id_type: str, value: str) -> str:
    """One CSV cell for a stored value (not masked: mask first where required)."""
    s = BY_TYPE.get(id_type)
    return s.export(value) if s else value
