"""The Aadhaar Secure QR: payloads built to UIDAI's format (tests/qrgen.py), signed with a test key
whose self-signed certificate stands in for UIDAI's, rendered with segno, placed on a card image
and degraded like a photo; decoded with zxing-cpp, parsed, and verified. A tampered payload fails."""
from __future__ import annotations

import gzip
import hashlib
import io

import numpy as np
import pytest
from PIL import Image

import qrgen
from ocr_core import aadhaar_qr
from ocr_core.aadhaar_qr import FAILED, NO_CERT, VERIFIED


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return qrgen.write_cert(tmp_path_factory.mktemp("qr") / "test_uidai.pem")


def test_v2_payload_parses_to_uidai_fields(cert):
    qr = aadhaar_qr.parse(qrgen.payload())
    assert qr.version == "V2" and qr.last4 == "5605"
    assert qr.fields["name"] == "Priya Sharma" and qr.fields["dob"] == "03-09-1992"
    assert qr.fields["pincode"] == "411038" and qr.fields["mobile_last4"] == "4321"
    assert qr.photo == qrgen.photo_jp2() and qr.email_hash is None
    assert aadhaar_qr.verify(qr, cert) == VERIFIED
    assert aadhaar_qr.verify(qr, None) == NO_CERT


def test_version_0_payload_with_email_and_mobile_hashes(cert):
    email, mobile = hashlib.sha256(b"priya@example.in").digest(), hashlib.sha256(b"9876543210").digest()
    text = aadhaar_qr.build_payload({**qrgen.PERSON, "email_mobile": "3"}, qrgen.photo_jp2(), qrgen.sign,
                                    version="0", email_hash=email, mobile_hash=mobile)
    qr = aadhaar_qr.parse(text)
    assert qr.version == "0" and qr.email_hash == email.hex() and qr.mobile_hash == mobile.hex()
    assert qr.photo == qrgen.photo_jp2() and "mobile_last4" not in qr.fields
    assert aadhaar_qr.verify(qr, cert) == VERIFIED


def test_tampered_payload_fails_verification(cert):
    data = aadhaar_qr.payload_bytes(qrgen.payload())
    forged = data.replace(b"Priya Sharma", b"Priya Sharmo")
    text = str(int.from_bytes(gzip.compress(forged, mtime=0), "big"))
    qr = aadhaar_qr.parse(text)
    assert qr.fields["name"] == "Priya Sharmo"
    assert aadhaar_qr.verify(qr, cert) == FAILED


def test_not_a_secure_qr():
    with pytest.raises(aadhaar_qr.QRFormatError):
        aadhaar_qr.parse("https://example.in/not-aadhaar")
    with pytest.raises(aadhaar_qr.QRFormatError):
        aadhaar_qr.parse("9" * 400)  # decimal, but not gzip data


@pytest.mark.parametrize("kind", ["clean", "blur", "jpeg", "perspective", "photo"])
def test_decoded_from_a_degraded_card_photo(cert, kind):
    text = qrgen.payload()
    im = qrgen.card_with_qr(text)
    if kind != "clean":
        im = qrgen.degrade(im, kind, seed=1)
    codes = aadhaar_qr.find_codes(np.asarray(im))
    assert [c.kind for c in codes] == ["secure"]
    assert codes[0].text == text
    qr = aadhaar_qr.parse(codes[0].text)
    assert aadhaar_qr.verify(qr, cert) == VERIFIED


def test_compare_printed_reports_disagreements():
    f = {"name": "Priya Sharma", "dob": "03-09-1992", "reference_id": "5605201903011234"}
    assert aadhaar_qr.compare_printed(f, ["Priya Sharma", "DOB: 03/09/1992"], ["5605"]) == []
    got = {d["field"] for d in aadhaar_qr.compare_printed(f, ["Rekha Sharma", "DOB: 04/09/1992"], ["1111"])}
    assert got == {"name", "dob", "aadhaar_last4"}


def test_scan_puts_the_verified_qr_in_the_result(settings, engine, cert, monkeypatch):
    """The whole path: the card with its QR scanned; the QR section read, verified, its photo
    decoded (Pillow has OpenJPEG), and no disagreement with the printed name/DOB/last 4."""
    from ocr_core.config import get_settings
    from ocr_core.pipeline import scan

    monkeypatch.setenv("AADHAAR_QR_CERT", str(cert))
    get_settings.cache_clear()
    buf = io.BytesIO()
    qrgen.card_with_qr(qrgen.payload()).save(buf, format="PNG")
    res = scan(buf.getvalue(), filename="card.png", settings=get_settings())
    q = res.aadhaar_qr
    assert q and q["kind"] == "secure" and q["signature"] == VERIFIED and q["last4"] == "5605"
    assert q["disagreements"] == [], q["disagreements"]
    photo = Image.open(io.BytesIO(__import__("base64").b64decode(q["photo_png"])))
    assert photo.size == (60, 75)
    assert res.to_dict()["aadhaar_qr"]["fields"]["name"] == "Priya Sharma"
    # a card whose print does not match its QR (a forged print over a real QR)
    buf = io.BytesIO()
    qrgen.card_with_qr(qrgen.payload(), printed={"name": "Rekha Verma"}, number="2155 2109 3999").save(buf, "PNG")
    other = scan(buf.getvalue(), filename="forged.png", settings=get_settings())
    fields = {d["field"] for d in other.aadhaar_qr["disagreements"]}
    assert "name" in fields and "aadhaar_last4" in fields
    # the QR's values in the named fields (fields/qr.py): what the card does not print filled in,
    # and the signed QR's name over the forged print, the disagreement shown
    assert res.fields["name"].source == "ocr" and res.fields["father_name"].value == "Ramesh Sharma"
    assert res.fields["father_name"].source == "qr" and res.fields["address"].value.endswith("Maharashtra, 411038")
    name = other.fields["name"]
    assert (name.value, name.source, name.valid) == ("Priya Sharma", "qr", True)
    assert name.reason.startswith("printed Rekha Verma disagrees with the QR")
