"""Indian KYC ID numbers: templates, OCR-confusion coercion, validation (python-stdnum) and
extraction from OCR lines.

The ID types themselves (templates, validators, formats) live in the registry, `idtypes`. OCR
confusions (O/0, I/l/1, S/5, B/8, Z/2, G/6) are coerced per position. When the coerced number fails its checksum, the other readings of the characters that
were coerced are tried; a repair is accepted only when exactly one candidate validates, and it is
marked (``repaired``, ``raw``). A number that fails its checksum is never reported valid.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .idtypes import (BY_TYPE, GST_EXTRA_STATE_CODES, MIN_DL_YEAR, STATE_CODES_DL, TEMPLATED, IDSpec,  # noqa: F401
                      mrz_check_digit, validate_dl, validate_gstin, validate_mrz, validate_passport,
                      validate_udyam)
from .models import Box, DetectedID, Line
from .textnorm import normalize

TO_DIGIT = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}
TO_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
# other readings of a coerced character, tried only for a checksum repair
ALT_DIGIT = {"O": "08", "Q": "0", "D": "0", "I": "17", "L": "1", "|": "1", "S": "58", "B": "83", "Z": "27", "G": "69"}
ALT_LETTER = {"0": "OD", "1": "IL", "5": "S", "8": "B", "2": "Z", "6": "G"}

__all__ = ["SPECS", "SPEC_BY_TYPE", "check", "coerce", "validate_id", "extract_ids", "repair_mrz_line1",
           "rows_from_lines",  # and, re-exported from the registry for callers of this module:
           "GST_EXTRA_STATE_CODES", "MIN_DL_YEAR", "STATE_CODES_DL", "mrz_check_digit", "validate_dl",
           "validate_gstin", "validate_mrz", "validate_passport", "validate_udyam"]

SPECS: tuple[IDSpec, ...] = TEMPLATED  # the templated ID types, in matching order (from the registry)
_BY_LENGTH: dict[int, tuple[IDSpec, ...]] = {
    n: tuple(s for s in SPECS if s.length == n) for n in {s.length for s in SPECS}}  # the same order, by length
SPEC_BY_TYPE = {s.type: s for s in SPECS}


def _slot_ok(c: str, slot: str) -> bool:
    if slot == "#":
        return c.isdigit()
    if slot == "@":
        return c.isascii() and c.isalpha()
    if slot == "*":
        return c.isascii() and c.isalnum()
    return c == slot


FIXED_MIN = 4  # a fixed part (a run of literals) this long may have one character misread ("UDNAM")


def _fixed_runs(template: str) -> list[range]:
    return [range(m.start(), m.end()) for m in re.finditer(r"[^#@*]+", template)]


def coerce(raw: str, template: str) -> tuple[str, list[int]] | None:
    """Map raw (uppercase, compact) onto template; returns (value, coerced positions) or None.

    A fixed part of the format (the literal ``UDYAM`` of a UDYAM number) is known: one character of
    a fixed run of at least `FIXED_MIN` misread as anything ("UDNAM") is put back, the rest of the
    run must be read as printed."""
    if len(raw) != len(template):
        return None
    out, changed = [], []
    for i, (c, slot) in enumerate(zip(raw, template)):
        if _slot_ok(c, slot):
            out.append(c)
            continue
        if slot == "#" and c in TO_DIGIT:
            out.append(TO_DIGIT[c])
        elif slot == "@" and c in TO_LETTER:
            out.append(TO_LETTER[c])
        elif slot not in "#@*" and (TO_LETTER.get(c) == slot or TO_DIGIT.get(c) == slot):
            out.append(slot)
        elif slot not in "#@*" and c.isascii() and c.isalnum():
            out.append(slot)  # a misread in a fixed part: allowed below if the run is long and else intact
        else:
            return None
        changed.append(i)
    for run in _fixed_runs(template):
        wrong = [i for i in run if i in changed and TO_LETTER.get(raw[i]) != template[i]
                 and TO_DIGIT.get(raw[i]) != template[i]]
        if wrong and (len(run) < FIXED_MIN or len(wrong) > 1):
            return None
    return "".join(out), changed


def _in_fixed_part(template: str, changed: list[int]) -> bool:
    """Every coerced position lies in a fixed part of the template (a literal put back)."""
    return all(template[i] not in "#@*" for i in changed)


def check(spec: IDSpec, raw: str) -> tuple[str, str | None, bool] | None:
    """(value, reason-if-invalid, repaired) for raw read against spec, or None if it does not fit.

    An invalid reading is returned only when it needed no coercion: a string that fits a template
    only after letters were turned into digits, and still fails, is not taken for an ID."""
    fit = coerce(raw, spec.template)
    if fit is None:
        return None
    value, changed = fit
    if len(changed) > max(2, spec.length // 4):
        return None  # too many letters where digits belong (or vice versa): not this ID
    reason = spec.validate(value)
    if reason is None:
        return spec.fmt(value), None, bool(changed)
    if not changed:
        return spec.fmt(value), reason, False
    alts = []
    for i in changed:
        if spec.template[i] not in "#@*":
            alts.append(spec.template[i])  # a fixed part has one reading
            continue
        table = ALT_DIGIT if spec.template[i] == "#" else ALT_LETTER
        alts.append(table.get(raw[i], value[i]))
    good = set()
    for combo in itertools.product(*alts):
        cand = list(value)
        for i, c in zip(changed, combo):
            cand[i] = c
        cand_s = "".join(cand)
        if spec.validate(cand_s) is None:
            good.add(cand_s)
    if len(good) == 1:
        return spec.fmt(good.pop()), None, True
    return None


def validate_id(id_type: str, value: str) -> tuple[str, bool, str | None]:
    """Normalise and validate a typed-in value (for the review desk): (value, valid, reason)."""
    compact = re.sub(r"[\s\-/.]", "", value.upper())
    if id_type == "AADHAAR_MASKED":
        m = re.fullmatch(r"[X*]{8}(\d{4})", compact)
        return (f"XXXXXXXX{m.group(1)}", True, None) if m else (compact, False, "expected XXXX XXXX 1234")
    if id_type == "MRZ":
        lines = [ln.strip().upper().replace(" ", "") for ln in value.strip().splitlines() if ln.strip()]
        if len(lines) != 2:
            return value, False, "an MRZ has two lines"
        reason = validate_mrz(*lines)
        return "\n".join(lines), reason is None, reason
    spec = SPEC_BY_TYPE.get(id_type)
    if spec is None:
        return compact, False, f"unknown ID type {id_type}"
    if len(compact) != spec.length:
        return compact, False, f"expected {spec.length} characters, got {len(compact)}"
    fit = coerce(compact, spec.template)
    if fit is None or fit[1]:
        return compact, False, f"does not match the {id_type} format"
    reason = spec.validate(compact)
    return spec.fmt(compact), reason is None, reason


# ---------------------------------------------------------------- extraction
_SPLIT = re.compile(r"[\s:;,()\[\]{}#'\"`]+")
_MASKED = re.compile(r"(?<![A-Za-z0-9])[Xx×*]{4}\s?[Xx×*]{4}\s?([0-9A-Za-z|]{4})(?![A-Za-z0-9])")
_ANCHORS_PASSPORT = re.compile(r"passport|पासपोर्ट|republic of india", re.I)


@dataclass
class _Row:
    text: str
    box: Box
    confidence: float
    page: int


def _union(boxes: list[Box]) -> Box:
    xs = [p[0] for b in boxes for p in b]
    ys = [p[1] for b in boxes for p in b]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def _bounds(b: Box) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in b], [p[1] for p in b]
    return min(xs), min(ys), max(xs), max(ys)


def rows_from_lines(lines: list[Line], page: int) -> list[_Row]:
    """Each line alone, plus neighbouring boxes on the same visual line joined left to right."""
    lines = [Line(normalize(ln.text), ln.box, ln.confidence) for ln in lines]
    rows = [_Row(ln.text, ln.box, ln.confidence, page) for ln in lines]
    items = sorted(((_bounds(ln.box), ln) for ln in lines), key=lambda t: (t[0][0]))
    used: set[int] = set()
    for i, (bi, li) in enumerate(items):
        if i in used:
            continue
        chain = [(bi, li)]
        for j in range(i + 1, len(items)):
            bj, lj = items[j]
            bl = chain[-1][0]
            h = max(bl[3] - bl[1], bj[3] - bj[1], 1.0)
            cy_l, cy_j = (bl[1] + bl[3]) / 2, (bj[1] + bj[3]) / 2
            gap = bj[0] - bl[2]
            if abs(cy_l - cy_j) < 0.5 * h and -0.3 * h < gap < 1.5 * h:
                chain.append((bj, lj))
                used.add(j)
        if len(chain) > 1:
            rows.append(_Row(" ".join(c[1].text for c in chain), _union([c[1].box for c in chain]),
                             min(c[1].confidence for c in chain), page))
    return rows


def _candidates(text: str) -> list[tuple[str, tuple[int, ...], str, int, int]]:
    """(compact, token lengths, raw, first token, end token) for runs of 1-4 consecutive tokens,
    longest first."""
    tokens = [t.strip(".-/") for t in _SPLIT.split(text.upper())]
    parts = [p for t in tokens if t for p in t.replace("/", "-").split("-") if p]
    out = []
    for i in range(len(parts)):
        for k in range(1, 5):
            if i + k > len(parts):
                break
            seg = parts[i:i + k]
            out.append(("".join(seg), tuple(len(s) for s in seg), " ".join(seg), i, i + k))
    out.sort(key=lambda c: -len(c[0]))
    return out


def _match_row(text: str, passport_doc: bool) -> list[tuple[IDSpec, str, str | None, bool, str]]:
    """IDs in one row of text; a run of tokens is used by at most one ID (the longest fit wins)."""
    used: set[int] = set()
    found = []
    for compact, lens, raw, i, j in _candidates(text):
        if used.intersection(range(i, j)):
            continue
        for spec in _BY_LENGTH.get(len(compact), ()):
            if spec.groupings is not None and lens not in spec.groupings:
                continue
            if spec.type == "PASSPORT" and not passport_doc:
                continue
            res = check(spec, compact)
            if res is None or (j - i > 1 and not _in_fixed_part(spec.template, coerce(compact, spec.template)[1])):
                continue  # tokens joined across a gap must fit the template as read (a fixed part repaired aside)
            value, reason, repaired = res
            found.append((spec, value, reason, repaired, raw))
            used.update(range(i, j))
            break
    return found


# field classes of the two TD3 lines: '@' letter or '<', '#' digit, '*' letter, digit or '<'
MRZ_TEMPLATE_1 = "P*@@@" + "@" * 39
MRZ_TEMPLATE_2 = "*********#@@@######*@######*##############*#"


def _coerce_mrz(line: str, template: str) -> str:
    out = []
    for c, slot in zip(line, template):
        if c == "<" or slot == "*" or (slot == "@" and c.isalpha()) or (slot == "#" and c.isdigit()):
            out.append(c)
        elif slot == "@":
            out.append(TO_LETTER.get(c, c))
        elif slot == "#":
            out.append(TO_DIGIT.get(c, c))
        else:
            out.append(slot)
    return "".join(out)


def repair_mrz_line1(line1: str) -> tuple[str, bool, bool]:
    """(line, repaired, sound) for TD3 line 1, which has no check digit: ``P``, a type letter or
    ``<``, the issuing state, then the surname, ``<<``, the given names separated by ``<``, and after
    the names only fillers. A filler read as a letter (``<`` as ``K`` or ``A``) after the names is
    put back; `sound` is False when the line cannot be made to fit that structure."""
    head, names = line1[:5], line1[5:]
    sound = len(line1) == 44 and head[0] == "P" and head[2:5].isalpha() and all(
        c == "<" or ("A" <= c <= "Z") for c in names)
    sep = names.find("<<")
    if not sound or sep <= 0:
        return line1, False, False
    end = names.find("<<", sep + 2)
    if end == -1:  # the names run to the end: sound unless it ends in a run of filler misreadings
        return line1, False, re.search(r"(?:K{3,}|A{3,}|[AK]{4,})$", names) is None
    tail = names[end:]
    if tail.strip("<") == "":
        return line1, False, True
    fixed = head + names[:end] + "<" * len(tail)
    return fixed, True, True


def _mrz_rows(rows: list[_Row]) -> list[DetectedID]:
    norm = []
    for r in rows:
        t = r.text.upper().replace(" ", "").replace("«", "<").replace("‹", "<")
        if t.count("<") >= 2 and 36 <= len(t) <= 48:
            norm.append((t, r))
    found = []
    for (a, ra), (b, rb) in zip(norm, norm[1:]):
        if not a.startswith("P"):
            continue
        raw1 = _coerce_mrz(a.ljust(44, "<")[:44], MRZ_TEMPLATE_1)
        l1, repaired, sound = repair_mrz_line1(raw1)
        l2 = _coerce_mrz(b.ljust(44, "<")[:44], MRZ_TEMPLATE_2)
        reason = validate_mrz(l1, l2)
        conf = min(ra.confidence, rb.confidence)
        if not sound:  # line 1 has no check digit and does not fit its structure: trust it less
            conf *= 0.5
        found.append(DetectedID("MRZ", f"{l1}\n{l2}", reason is None, conf, ra.page, _union([ra.box, rb.box]),
                                reason, raw=f"{raw1}\n{l2}" if repaired else None, repaired=repaired))
        if reason is None:
            # the number is confirmed by its MRZ check digit: valid whatever its series letter
            pno = l2[0:9].rstrip("<")
            shape = validate_passport(pno) if len(pno) == 8 else None
            found.append(DetectedID("PASSPORT", pno, shape is None, rb.confidence, rb.page, rb.box, shape))
    return found


def extract_ids(pages: list[tuple[int, list[Line]]]) -> list[DetectedID]:
    """All IDs on the document's pages ((page number, lines) pairs), best reading first per value."""
    rows = [r for page, lines in pages for r in rows_from_lines(lines, page)]
    all_text = "\n".join(r.text for r in rows)
    passport_doc = bool(_ANCHORS_PASSPORT.search(all_text))
    found: list[DetectedID] = _mrz_rows(rows)
    mrz_texts = {i.value for i in found if i.type == "MRZ"}
    mrz_numbers = [i for i in found if i.type == "PASSPORT"]  # each confirmed by a valid MRZ
    for r in rows:
        if any(r.text.upper().replace(" ", "") in m for m in mrz_texts):
            continue
        for m in _MASKED.finditer(r.text):
            if (masked := _masked_aadhaar(m.group(0), m.group(1), r)) is not None:
                found.append(masked)
        for spec, value, reason, repaired, raw in _match_row(r.text, passport_doc):
            if spec.type == "PASSPORT" and (truth := _mrz_disagrees(value, mrz_numbers)) is not None:
                truth.reason = f"printed number read {value}; the MRZ (check digit valid) reads {truth.value}"
                continue  # a misreading of the number the MRZ confirms: the MRZ's stands
            found.append(DetectedID(spec.type, value, reason is None, r.confidence, r.page, r.box, reason,
                                    raw=raw if repaired else None, repaired=repaired))
    return _dedupe(found)


def _mrz_disagrees(printed: str, found: list[DetectedID]) -> DetectedID | None:
    """The passport number a valid MRZ confirms (check digit) that a printed reading differs from in
    one or two characters (`N3429682` beside `K3429682`): the MRZ is the truth."""
    for i in found:
        if i.type == "PASSPORT" and i.valid and i.value != printed and len(i.value) == len(printed) \
                and sum(a != b for a, b in zip(i.value, printed)) <= 2:
            return i
    return None


def _masked_aadhaar(text: str, group: str, r: _Row) -> DetectedID | None:
    """A masked Aadhaar whose digit group (the `#` part of the registry's shape) holds at most one
    OCR-confusable letter ("868s"): repaired and marked; where the letter has more than one digit
    reading (s: 5 or 8) nothing can decide (no check digit), so it is reported unsure (not valid)."""
    digits = BY_TYPE["AADHAAR_MASKED"].shape.count("#")
    fit = coerce(group.upper(), "#" * digits)
    if fit is None or len(fit[1]) > 1:
        return None
    value, changed = fit
    if not changed:
        return DetectedID("AADHAAR_MASKED", f"XXXXXXXX{value}", True, r.confidence, r.page, r.box)
    c = group.upper()[changed[0]]
    readings = ALT_DIGIT.get(c, value[changed[0]])
    reason = None if len(readings) == 1 else (
        f"digit {changed[0] + 9} read as '{group[changed[0]]}': {' or '.join(readings)}")
    return DetectedID("AADHAAR_MASKED", f"XXXXXXXX{value}", reason is None, r.confidence, r.page, r.box, reason,
                      raw=text, repaired=True)


def _dedupe(found: list[DetectedID]) -> list[DetectedID]:
    best: dict[tuple[str, str], DetectedID] = {}
    for i in found:
        key = (i.type, i.value)
        cur = best.get(key)
        if cur is None or (i.valid, not i.repaired, i.confidence) > (cur.valid, not cur.repaired, cur.confidence):
            best[key] = i
    out = list(best.values())
    order = {t: n for n, t in enumerate(BY_TYPE)}
    return sorted(out, key=lambda i: (i.page, not i.valid, order.get(i.type, -1)))
