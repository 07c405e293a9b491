"""The Aadhaar QR codes: find, decode, parse UIDAI's Secure QR, verify its signature.

Format (UIDAI, "Aadhaar Secure QR Code Specification", version 1.0 of 2019-03, the document
``User_manulal_QR_Code_15032019.pdf`` on uidai.gov.in; V2 as read by the `pyaadhaar` and
`anon-aadhaar` projects):

- the QR holds one big decimal integer; as a big-endian byte array it is gzip-compressed data;
- the decompressed bytes are fields separated by 0xFF, in ISO-8859-1: (V2 and later: the version,
  ``"V2"``), the email/mobile indicator (0 none, 1 email, 2 mobile, 3 both), the reference id (the
  last 4 digits of the Aadhaar number, then a timestamp), name, date of birth, gender, care of,
  district, landmark, house, location, pin code, post office, state, street, sub-district, VTC,
  (V2: the last 4 digits of the mobile number);
- then the photo (JPEG 2000) up to the hashes;
- then, version 0 only, SHA-256 hashes of the email and the mobile number (32 bytes each; with
  both, email first), as the indicator says;
- the last 256 bytes are the RSA-2048 PKCS#1 v1.5 signature (SHA-256) of everything before them,
  verified with UIDAI's public certificate (``AADHAAR_QR_CERT``).

Sources disagree on which of 1/2 is email and which is mobile; this follows the specification
(1 = email). Old cards (before 2019) carry an XML QR (``<PrintLetterBarcodeData uid=...>``) that
holds the full Aadhaar number: `find_codes` marks it ``kind="xml"`` so that `redact` masks it.

Decoder: zxing-cpp, measured against OpenCV's QRCodeDetector and zbar on generated, degraded
dense codes (``bench/bench_qr_decoders.py``; the numbers are in the README).
"""
from __future__ import annotations

import base64
import io
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SEP = 0xFF
SIG_LEN = 256
HASH_LEN = 32
TEXT_FIELDS = ("email_mobile", "reference_id", "name", "dob", "gender", "care_of", "district", "landmark",
               "house", "location", "pincode", "post_office", "state", "street", "sub_district", "vtc")
ADDRESS_FIELDS = ("care_of", "house", "street", "landmark", "location", "vtc", "post_office", "sub_district",
                  "district", "state", "pincode")
VERIFIED, FAILED, NO_CERT = "verified", "failed", "no certificate"


class QRFormatError(ValueError):
    """The QR text is not a Secure QR payload."""


@dataclass
class QRCode:
    text: str
    quad: list[list[float]]  # four corner points in page pixels
    kind: str  # "secure", "xml" or "other"


@dataclass
class SecureQR:
    version: str  # "V2", ... or "0" for the first format
    fields: dict[str, str]
    photo: bytes | None
    email_hash: str | None
    mobile_hash: str | None
    signed: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @property
    def last4(self) -> str:
        return self.fields.get("reference_id", "")[:4]


# ---------------------------------------------------------------- decoding the payload
def payload_bytes(text: str) -> bytes:
    """The decompressed bytes of a Secure QR's decimal text."""
    text = text.strip()
    if not text.isdigit() or len(text) < 100:
        raise QRFormatError("not a Secure QR code (its text is not a long decimal number)")
    n = int(text)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    try:
        return zlib.decompress(raw, wbits=47)  # gzip or zlib header
    except zlib.error as e:
        raise QRFormatError(f"not a Secure QR code (decompression failed: {e})") from e


def parse(text: str) -> SecureQR:
    data = payload_bytes(text)
    if len(data) <= SIG_LEN:
        raise QRFormatError("the Secure QR payload is too short")
    signed, signature = data[:-SIG_LEN], data[-SIG_LEN:]
    parts, pos = [], 0
    version = "0"
    if signed[:1] == b"V":  # V2 and later: a version before the first separator
        end = signed.index(SEP)
        version, pos = signed[:end].decode("latin-1"), end + 1
    n_text = len(TEXT_FIELDS) + (1 if version != "0" else 0)
    for _ in range(n_text):
        end = signed.find(bytes([SEP]), pos)
        if end < 0:
            raise QRFormatError("the Secure QR payload ends before its last field")
        parts.append(signed[pos:end].decode("latin-1"))
        pos = end + 1
    fields = dict(zip(TEXT_FIELDS, parts))
    if version != "0":
        fields["mobile_last4"] = parts[len(TEXT_FIELDS)]
    indicator = int(fields["email_mobile"] or 0) if fields["email_mobile"].isdigit() else 0
    rest = signed[pos:]
    email_hash = mobile_hash = None
    if version == "0":
        n_hash = {1: 1, 2: 1, 3: 2}.get(indicator, 0)
        hashes = rest[len(rest) - n_hash * HASH_LEN:] if n_hash else b""
        rest = rest[:len(rest) - n_hash * HASH_LEN]
        if indicator == 3:
            email_hash, mobile_hash = hashes[:HASH_LEN].hex(), hashes[HASH_LEN:].hex()
        elif indicator == 1:
            email_hash = hashes.hex()
        elif indicator == 2:
            mobile_hash = hashes.hex()
    return SecureQR(version=version, fields=fields, photo=bytes(rest) or None, email_hash=email_hash,
                    mobile_hash=mobile_hash, signed=bytes(signed), signature=bytes(signature))


def verify(qr: SecureQR, cert_path: str | Path | None) -> str:
    """verified / failed / no certificate."""
    if not cert_path or not Path(cert_path).is_file():
        return NO_CERT
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    raw = Path(cert_path).read_bytes()
    try:
        if b"-----BEGIN CERTIFICATE" in raw:
            key = x509.load_pem_x509_certificate(raw).public_key()
        elif b"-----BEGIN PUBLIC KEY" in raw:
            key = serialization.load_pem_public_key(raw)
        else:
            key = x509.load_der_x509_certificate(raw).public_key()
    except ValueError:
        return NO_CERT
    try:
        key.verify(qr.signature, qr.signed, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
        return VERIFIED
    except InvalidSignature:
        return FAILED


def build_payload(fields: dict[str, str], photo: bytes, sign, *, version: str = "V2",
                  email_hash: bytes = b"", mobile_hash: bytes = b"") -> str:
    """The decimal text of a Secure QR with these fields (tests and demos; `sign(bytes) -> 256
    bytes`). The inverse of `parse`."""
    import gzip

    parts = [fields.get(k, "") for k in TEXT_FIELDS]
    if version != "0":
        parts = [version, *parts, fields.get("mobile_last4", "")]
    body = b"\xff".join(p.encode("latin-1") for p in parts) + b"\xff" + photo
    if version == "0":
        body += email_hash + mobile_hash
    data = body + sign(body)
    return str(int.from_bytes(gzip.compress(data, mtime=0), "big"))


# ---------------------------------------------------------------- finding codes on a page
def _kind(text: str) -> str:
    t = text.lstrip()
    if t.isdigit() and len(t) >= 100:
        return "secure"
    if t.startswith("<?xml") or "<PrintLetterBarcodeData" in t or re.search(r"\buid=\"\d{12}\"", t):
        return "xml"
    return "other"


def _zxing(image: np.ndarray) -> list[tuple[str, list[list[float]]]]:
    import zxingcpp

    out = []
    for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, try_rotate=True,
                                    try_downscale=True):
        p = r.position
        quad = [[float(p.top_left.x), float(p.top_left.y)], [float(p.top_right.x), float(p.top_right.y)],
                [float(p.bottom_right.x), float(p.bottom_right.y)], [float(p.bottom_left.x), float(p.bottom_left.y)]]
        out.append((r.text, quad))
    return out


def _opencv(image: np.ndarray) -> list[tuple[str, list[list[float]]]]:
    import cv2

    ok, texts, points, _ = cv2.QRCodeDetector().detectAndDecodeMulti(image)
    if not ok or points is None:
        return []
    return [(t, [[float(x), float(y)] for x, y in pts]) for t, pts in zip(texts, points) if t]


MAX_SIDE = 3000  # larger pages are searched scaled down to this (a 49 MP scan: seconds -> ~0.1 s)


def find_codes(image: np.ndarray) -> list[QRCode]:
    """Every QR code readable on an RGB page image, with its corners (in the image's pixels) and
    kind. zxing-cpp only: OpenCV read none that zxing-cpp missed on the benchmark set."""
    h, w = image.shape[:2]
    s = min(1.0, MAX_SIDE / max(h, w))
    if s < 1.0:
        import cv2

        image = cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    found = _zxing(np.ascontiguousarray(image))
    return [QRCode(text=t, quad=[[x / s, y / s] for x, y in q], kind=_kind(t)) for t, q in found if t]


# ---------------------------------------------------------------- the document's QR section
def _photo_png(photo: bytes | None) -> tuple[str | None, str | None]:
    """(base64 PNG of the photo, or None; a note when it cannot be shown)."""
    if not photo:
        return None, "no photo in the QR"
    try:
        from PIL import Image, features

        if not features.check("jpg_2000"):
            return None, "this Pillow cannot decode JPEG 2000 (no OpenJPEG)"
        im = Image.open(io.BytesIO(photo))
        im.load()
        buf = io.BytesIO()
        im.convert("RGB").save(buf, format="PNG")
        return base64.b64encode(buf.getvalue()).decode(), None
    except Exception as e:  # noqa: BLE001 - a damaged photo is reported, not raised
        return None, f"the photo cannot be decoded ({type(e).__name__})"


def _norm_name(s: str) -> str:
    return re.sub(r"[^a-z]", "", (s or "").lower())


def _norm_date(s: str) -> str:
    """DDMMYYYY from DD-MM-YYYY, DD/MM/YYYY or YYYY-MM-DD; a bare year stays a year."""
    s = (s or "").strip()
    m = re.fullmatch(r"(\d{4})[/\-.](\d{2})[/\-.](\d{2})", s)
    if m:
        return m.group(3) + m.group(2) + m.group(1)
    return re.sub(r"\D", "", s)


def compare_printed(qr_fields: dict[str, str], texts: list[str], aadhaar_last4: list[str]) -> list[dict[str, str]]:
    """Where the QR and the printed text disagree: name, date of birth, last 4 digits."""
    out: list[dict[str, str]] = []
    joined = [_norm_name(t) for t in texts]
    name = qr_fields.get("name", "")
    if name and not any(_norm_name(name) and _norm_name(name) in t for t in joined):
        out.append({"field": "name", "qr": name, "printed": "not found in the printed text"})
    dob = qr_fields.get("dob", "")
    if dob:
        dob_digits = _norm_date(dob)
        printed = [re.sub(r"\D", "", m) for t in texts for m in re.findall(r"\d{2}[/\-.]\d{2}[/\-.]\d{4}", t)]
        years = [m for t in texts for m in re.findall(r"(?:birth|yob|dob)\D{0,12}(\d{4})\b", t, re.I)]
        if not (dob_digits in printed or (len(dob_digits) == 4 and dob_digits in years)
                or (printed == [] and dob_digits[-4:] in years)):
            out.append({"field": "dob", "qr": dob, "printed": ", ".join(
                f"{p[:2]}/{p[2:4]}/{p[4:]}" for p in printed) or "not found in the printed text"})
    last4 = qr_fields.get("reference_id", "")[:4]
    if last4 and aadhaar_last4 and last4 not in aadhaar_last4:
        out.append({"field": "aadhaar_last4", "qr": last4, "printed": ", ".join(sorted(set(aadhaar_last4)))})
    return out


def read_document(images: list[tuple[int, np.ndarray]], texts: list[str], aadhaar_last4: list[str],
                  cert_path: str | Path | None) -> dict[str, Any] | None:
    """The `result.aadhaar_qr` section: the first Secure QR on the pages, parsed and verified,
    or None when the document has none. XML QRs are reported (kind) without their content."""
    xml_pages = []
    for page_no, img in images:
        for code in find_codes(img):
            if code.kind == "xml":
                xml_pages.append(page_no)
                continue
            if code.kind != "secure":
                continue
            try:
                qr = parse(code.text)
            except QRFormatError:
                continue
            photo_png, photo_note = _photo_png(qr.photo)
            return {"kind": "secure", "page": page_no, "box": code.quad, "version": qr.version,
                    "fields": qr.fields, "last4": qr.last4, "signature": verify(qr, cert_path),
                    "email_hash": qr.email_hash, "mobile_hash": qr.mobile_hash,
                    "photo_png": photo_png, "photo_note": photo_note,
                    "disagreements": compare_printed(qr.fields, texts, aadhaar_last4)}
    if xml_pages:
        return {"kind": "xml", "page": xml_pages[0], "signature": "not signed (old XML QR)", "fields": {},
                "disagreements": []}
    return None
