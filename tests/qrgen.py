"""Test Secure QR codes: a payload built to UIDAI's format, signed with a test RSA key (a self-signed
test certificate stands in for UIDAI's), rendered with segno, placed on a card image and degraded
like a phone photo. Used by tests/test_aadhaar_qr.py and bench/bench_qr_decoders.py."""
from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path

import numpy as np
import segno
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocr_core.aadhaar_qr import build_payload

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

PERSON = {"email_mobile": "0", "reference_id": "560520190301123456789", "name": "Priya Sharma",
          "dob": "03-09-1992", "gender": "F", "care_of": "D/O Ramesh Sharma", "district": "Pune",
          "landmark": "Near Temple", "house": "12", "location": "Kothrud", "pincode": "411038",
          "post_office": "Kothrud", "state": "Maharashtra", "street": "MG Road", "sub_district": "Haveli",
          "vtc": "Pune", "mobile_last4": "4321"}


@lru_cache
def test_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_cert(path: Path) -> Path:
    """A self-signed test certificate for `test_key()` (PEM)."""
    key = test_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OCR Review Desk test QR signer")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def sign(data: bytes) -> bytes:
    return test_key().sign(data, padding.PKCS1v15(), hashes.SHA256())


def photo_jp2(size=(60, 75)) -> bytes:
    """A small JPEG 2000 'photo' (a face-like drawing), about as large as UIDAI's."""
    im = Image.new("L", size, 210)
    d = ImageDraw.Draw(im)
    w, h = size
    d.ellipse((w * 0.2, h * 0.1, w * 0.8, h * 0.65), fill=150)
    d.rectangle((w * 0.1, h * 0.7, w * 0.9, h), fill=90)
    noise = np.random.default_rng(1).integers(0, 40, (h, w), dtype=np.uint8)
    im = Image.fromarray(np.clip(np.asarray(im, dtype=np.int16) + noise - 20, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    im.save(buf, format="JPEG2000", quality_mode="rates", quality_layers=[6])
    return buf.getvalue()


def payload(fields: dict[str, str] | None = None, version: str = "V2") -> str:
    return build_payload(fields or PERSON, photo_jp2(), sign, version=version)


def qr_image(text: str, scale: int = 3) -> Image.Image:
    q = segno.make_qr(text, error="m")
    buf = io.BytesIO()
    q.save(buf, kind="png", scale=scale, border=4)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def card_with_qr(text: str, *, printed: dict[str, str] | None = None, number: str = "4987 1234 5605",
                 qr_scale: int = 3) -> Image.Image:
    """An Aadhaar-letter-like page: printed name, DOB, number and the QR on the right."""
    p = {**PERSON, **(printed or {})}
    q = qr_image(text, qr_scale)
    w, h = 760 + q.width, max(560, q.height + 80)
    im = Image.new("RGB", (w, h), (246, 244, 238))
    d = ImageDraw.Draw(im)
    y = 40
    for t, px, bold in [("Government of India", 28, True), (p["name"], 26, False),
                        (f"DOB: {p['dob'].replace('-', '/')}", 24, False),
                        ("FEMALE" if p["gender"] == "F" else "MALE", 24, False), (number, 38, True)]:
        d.text((40, y), t, fill=(20, 20, 30), font=ImageFont.truetype(BOLD if bold else FONT, px))
        y += int(px * 1.9)
    im.paste(q, (720, 40))
    return im


def degrade(im: Image.Image, kind: str, seed: int = 0) -> Image.Image:
    """Degradations like a phone photo: blur, JPEG, perspective, noise, or all of them."""
    rng = np.random.default_rng(seed)
    out = im
    if kind in ("blur", "photo"):
        out = out.filter(ImageFilter.GaussianBlur(0.9))
    if kind in ("perspective", "photo"):
        w, h = out.size
        d = 0.03
        jit = lambda: float(rng.uniform(0, d))  # noqa: E731
        quad = (w * jit(), h * jit(), w * jit(), h * (1 - jit()), w * (1 - jit()), h * (1 - jit()),
                w * (1 - jit()), h * jit())
        out = out.transform(out.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=(200, 200, 200))
    if kind in ("noise", "photo"):
        a = np.asarray(out).astype(np.int16) + rng.normal(0, 8, (out.height, out.width, 1)).astype(np.int16)
        out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if kind in ("jpeg", "photo"):
        buf = io.BytesIO()
        out.save(buf, format="JPEG", quality=60 if kind == "jpeg" else 70)
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return out
