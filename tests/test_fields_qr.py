"""The Aadhaar Secure QR's values in the named fields (ocr_core/fields/qr.py): codes made by
tests/qrgen.py (UIDAI's format, signed with a test key whose self-signed certificate stands in for
UIDAI's), decoded from a card image with zxing-cpp (`aadhaar_qr.read_document`); the OCR's fields
are written out here as the printed values a card would give."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

import qrgen
from ocr_core import aadhaar_qr
from ocr_core.fields import apply_qr
from ocr_core.models import Field


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return qrgen.write_cert(tmp_path_factory.mktemp("qr") / "test_uidai.pem")


def _section(cert, person=None, forged: bool = False):
    """The `result.aadhaar_qr` a scan gives for a card carrying this person's QR."""
    text = qrgen.payload(person)
    if forged:  # the name changed after signing
        data = aadhaar_qr.payload_bytes(text).replace(b"Priya Sharma", b"Priya Sharmo")
        text = str(int.from_bytes(gzip.compress(data, mtime=0), "big"))
    im = np.asarray(qrgen.card_with_qr(text))
    return aadhaar_qr.read_document([(1, im)], [], [], cert)


def _printed(**values) -> dict[str, Field]:
    box = [[40.0, 90.0], [300.0, 90.0], [300.0, 120.0], [40.0, 120.0]]
    return {k: Field(key=k, value=v, confidence=0.97, box=box) for k, v in values.items()}


def test_the_qr_fills_what_the_ocr_did_not_find(cert):
    qr = _section(cert)
    assert qr["signature"] == aadhaar_qr.VERIFIED
    fields = apply_qr("AADHAAR", _printed(name="Priya Sharma", gender="FEMALE"), qr)
    assert fields["name"].source == "ocr" and fields["name"].reason is None  # agrees: the print stays
    dob, father, address = fields["dob"], fields["father_name"], fields["address"]
    assert (dob.value, dob.source, dob.valid) == ("1992-09-03", "qr", True)
    assert (father.value, father.source) == ("Ramesh Sharma", "qr")  # care of "D/O Ramesh Sharma"
    assert address.value == "12, MG Road, Near Temple, Kothrud, Pune, Haveli, Maharashtra, 411038"
    assert address.source == "qr" and address.box == qr["box"] and address.page == 1


def test_a_verified_qr_wins_a_disagreement_and_says_so(cert):
    fields = apply_qr("AADHAAR", _printed(name="Priya Sharna", dob="1992-09-08"), _section(cert))
    name, dob = fields["name"], fields["dob"]
    assert (name.value, name.source, name.valid) == ("Priya Sharma", "qr", True)
    assert name.reason == "printed Priya Sharna disagrees with the QR; the QR's signature verifies"
    assert name.box == _printed(name="x")["name"].box  # still shown where it is printed
    assert (dob.value, dob.source) == ("1992-09-03", "qr") and "printed 1992-09-08" in dob.reason


def test_an_unverified_qr_leaves_the_print_marked_for_a_person(cert):
    qr = _section(None)  # no certificate configured
    assert qr["signature"] == aadhaar_qr.NO_CERT
    fields = apply_qr("AADHAAR", _printed(name="Priya Sharna"), qr)
    assert (fields["name"].value, fields["name"].source, fields["name"].valid) == ("Priya Sharna", "ocr", False)
    assert fields["name"].reason == "disagrees with the QR (Priya Sharma; its signature: no certificate)"
    assert fields["dob"].source == "qr" and fields["dob"].valid  # filled all the same
    assert fields["dob"].confidence < 1.0


def test_a_forged_qr_wins_nothing(cert):
    qr = _section(cert, forged=True)
    assert qr["signature"] == aadhaar_qr.FAILED
    fields = apply_qr("AADHAAR", _printed(name="Priya Sharma"), qr)
    assert fields["name"].value == "Priya Sharma" and not fields["name"].valid
    assert "signature fails" in fields["name"].reason
    assert fields["dob"].source == "qr" and not fields["dob"].valid and "signature fails" in fields["dob"].reason


def test_spacing_case_and_address_wording_are_no_disagreement(cert):
    printed = _printed(name="PRIYA  SHARMA", father_name="Ramesh Sharma",
                       address="12, M G Road, Near Temple, Kothrud, Pune, Maharashtra - 411038")
    keys = set(printed)
    fields = apply_qr("AADHAAR", printed, _section(cert))
    assert all(fields[k].source == "ocr" and fields[k].valid for k in keys), {k: f.reason for k, f in fields.items()}


def test_only_an_aadhaar_with_a_secure_qr_takes_values(cert):
    qr = _section(cert)
    assert apply_qr("PAN", _printed(name="Priya Sharna"), qr)["name"].value == "Priya Sharna"
    assert set(apply_qr("AADHAAR", {}, None)) == set()
    old = {"kind": "xml", "page": 1, "signature": "not signed (old XML QR)", "fields": {}, "disagreements": []}
    assert apply_qr("AADHAAR", {}, old) == {}
    # a year of birth alone, a care-of without relation, no gender: nothing made up
    bare = _section(cert, {**qrgen.PERSON, "dob": "1992", "care_of": "Ramesh Sharma", "gender": ""})
    fields = apply_qr("AADHAAR", {}, bare)
    assert "dob" not in fields and "father_name" not in fields and "gender" not in fields
    assert fields["name"].value == "Priya Sharma"
