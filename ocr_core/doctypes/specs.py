"""One `DocType` per document type, in the order the tables derived from them keep (the export
columns follow it). A field's label and kind are written once in `FIELD` and reused by key; a type
that reads a key differently says so (`_f("name", kind="text")`: an enterprise's name is no
person's name)."""
from __future__ import annotations

from dataclasses import replace

from .base import DocType, FieldSpec

FIELD: dict[str, FieldSpec] = {f.key: f for f in (
    FieldSpec("name", "person", "Name", ("Name",)),
    FieldSpec("name_hi", "deva", "Name (Devanagari)"),
    FieldSpec("father_name", "person", "Father's name", ("Father's Name",)),
    FieldSpec("relation", "relation", "Relation (S/O, D/O, W/O)",
              ("S/D/W of", "S/W/D of", "Son/Daughter/Wife of", "S/O", "D/O", "W/O", "C/O")),
    FieldSpec("dob", "date", "Date of birth", ("Date of Birth", "DOB", "Year of Birth", "YOB")),
    FieldSpec("gender", "gender", "Gender", ("Gender", "Sex")),
    FieldSpec("address", "address", "Address", ("Address",)),
    FieldSpec("surname", "person", "Surname", ("Surname",)),
    FieldSpec("given_names", "person", "Given names", ("Given Name(s)", "Given Names")),
    FieldSpec("nationality", "upper", "Nationality", ("Nationality",)),
    FieldSpec("place_of_birth", "text", "Place of birth", ("Place of Birth",)),
    FieldSpec("date_of_issue", "date", "Date of issue", ("Date of Issue", "DOI", "Issue Date", "Issued On")),
    FieldSpec("date_of_expiry", "date", "Date of expiry", ("Date of Expiry",)),
    FieldSpec("valid_till", "date", "Valid till", ("Valid Till", "Valid Upto", "Validity")),
    FieldSpec("cov", "cov", "Classes of vehicle", ("COV", "Class of Vehicle")),
    FieldSpec("enterprise_type", "upper", "Enterprise type", ("Type of Enterprise",)),
    FieldSpec("major_activity", "upper", "Major activity", ("Major Activity",)),
    FieldSpec("date_of_incorporation", "date", "Date of incorporation", ("Date of Incorporation",)),
    FieldSpec("date_of_udyam_registration", "date", "Date of Udyam registration",
              ("Date of Udyam Registration",)),
    FieldSpec("trade_name", "text", "Trade name", ("Trade Name",)),
    FieldSpec("constitution", "text", "Constitution", ("Constitution of Business",)),
    FieldSpec("date_of_liability", "date", "Date of liability", ("Date of Liability",)),
)}


def _f(key: str, **override) -> FieldSpec:
    return replace(FIELD[key], **override) if override else FIELD[key]


def _fields(*keys: str, expected: tuple[str, ...] = ()) -> tuple[FieldSpec, ...]:
    """The specs of `keys`; those in `expected` marked as printed on every document of the type."""
    return tuple(replace(_f(k), expected=True) if k in expected else _f(k) for k in keys)


CARDS = "ocr_core.fields.cards"
BUSINESS = "ocr_core.fields.business"

REGISTRY: list[DocType] = [
    DocType("PAN", "PAN card",
            (("INCOME TAX DEPARTMENT", 3.0), ("Permanent Account Number", 3.0), ("आयकर विभाग", 2.0)),
            _fields("name", "father_name", "dob", expected=("name", "father_name", "dob")), f"{CARDS}:pan",
            f"{CARDS}:PAN_LABELS"),
    DocType("AADHAAR", "Aadhaar",
            (("Unique Identification Authority of India", 3.0), ("Aadhaar", 2.0), ("आधार", 2.0),
             ("Government of India", 0.5), ("VID", 1.0), ("Enrolment No", 1.5), ("मेरा आधार", 1.0),
             ("uidai.gov.in", 2.0), ("आम आदमी का अधिकार", 1.0)),
            _fields("name", "name_hi", "dob", "gender", "father_name", "address"), f"{CARDS}:aadhaar",
            f"{CARDS}:AADHAAR_LABELS"),
    DocType("DL", "Driving licence",
            (("Driving Licence", 2.5), ("Union of India", 1.0), ("Transport Department", 1.5),
             ("ड्राइविंग लाइसेंस", 1.5), ("DL No", 1.5), ("COV", 0.5), ("Licence to drive", 2.0),
             ("Licence No", 1.5), ("Licensing Authority", 1.0), ("Class of vehicle", 1.0)),
            _fields("name", "father_name", "relation", "dob", "date_of_issue", "valid_till", "cov",
                    expected=("name", "dob")), f"{CARDS}:dl",
            f"{CARDS}:DL_LABELS"),
    DocType("PASSPORT", "Passport",
            (("Republic of India", 2.0), ("Passport", 2.0), ("पासपोर्ट", 1.0), ("Place of Issue", 1.0),
             ("Date of Expiry", 0.5), ("Country Code", 1.0)),
            _fields("name", "surname", "given_names", "nationality", "gender", "dob", "place_of_birth",
                    "date_of_issue", "date_of_expiry", expected=("name", "gender", "dob", "date_of_expiry")),
            "ocr_core.fields.passport:passport",
            "ocr_core.fields.passport:LABELS"),
    DocType("VOTER_ID", "Voter ID (EPIC)",
            (("Election Commission of India", 3.5), ("Elector Photo Identity Card", 2.5),
             ("भारत निर्वाचन आयोग", 1.5), ("Elector's Name", 1.0), ("Identity Card", 1.0),
             ("Electoral Registration Officer", 1.5)),
            (_f("name", labels=("Elector's Name", "Name"), expected=True),
             *_fields("father_name", "gender", "dob", expected=("father_name", "gender"))),
            f"{CARDS}:voter", f"{CARDS}:VOTER_LABELS"),
    DocType("UDYAM", "Udyam registration certificate",
            (("UDYAM REGISTRATION CERTIFICATE", 3.5), ("Ministry of Micro, Small and Medium Enterprises", 2.0),
             ("Udyam Registration Number", 2.0), ("Type of Enterprise", 1.0)),
            (_f("name", kind="text", labels=("Name of Enterprise",), expected=True),
             *_fields("enterprise_type", "major_activity", "date_of_incorporation",
                       "date_of_udyam_registration", "address")),
            f"{BUSINESS}:udyam", f"{BUSINESS}:UDYAM_LABELS", person=False),
    DocType("GSTIN", "GST registration certificate",
            (("Form GST REG-06", 3.5), ("Registration Certificate", 1.0), ("Goods and Services Tax", 2.0),
             ("Constitution of Business", 1.0), ("Legal Name", 0.5)),
            (_f("name", kind="text", labels=("Legal Name",), expected=True),
             *_fields("trade_name", "constitution", "date_of_liability", "address")),
            f"{BUSINESS}:gstin", f"{BUSINESS}:GST_LABELS", person=False),
]
