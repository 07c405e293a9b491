"""The document-type registry (`ocr_core.doctypes`) is the one home of every document type: each
table keyed by document type is derived from it (and equals the hand-typed tables it replaced),
and a type registered from outside, spec and extractor both defined here, is picked up by the
classifier, the named fields, the desk's labels, the export columns and the record's ID kinds
without any other file knowing it."""
from __future__ import annotations

from ocr_core import classify, doctypes, fields, idtypes, masks, models, reread
from ocr_core.record import replay, repository
from ocr_core.doctypes import DocType, FieldSpec
from ocr_core.fields import base as fields_base
from ocr_core.fields import case
from ocr_core.fields.base import Doc, Found, person, rx
from ocr_core.models import DetectedID, DocumentResult, Line, Page
from ui import review_parts

REG = doctypes.REGISTRY

# the tables as they were typed by hand before the registry (the contract: the same values)
OLD_DOCUMENT_TYPES = {"PAN", "AADHAAR", "DL", "PASSPORT", "UDYAM", "GSTIN", "VOTER_ID", "MIXED", "UNKNOWN"}
OLD_KIND_IDS = {"PAN": ("PAN",), "AADHAAR": ("AADHAAR", "AADHAAR_MASKED", "VID"), "DL": ("DL",),
                "PASSPORT": ("PASSPORT", "MRZ"), "UDYAM": ("UDYAM",), "GSTIN": ("GSTIN",), "VOTER_ID": ("EPIC",)}
OLD_PERSON_TYPES = ("PAN", "AADHAAR", "DL", "PASSPORT", "VOTER_ID")
OLD_STRONG_CHECKSUM = {"AADHAAR", "VID", "GSTIN", "MRZ", "AADHAAR_MASKED"}
OLD_KINDS = {
    "name": "person", "father_name": "person", "surname": "person", "given_names": "person",
    "name_hi": "deva", "gender": "gender", "relation": "relation", "cov": "cov",
    "dob": "date", "date_of_issue": "date", "valid_till": "date", "date_of_expiry": "date",
    "date_of_incorporation": "date", "date_of_udyam_registration": "date", "date_of_liability": "date",
    "address": "address", "place_of_birth": "text", "nationality": "upper", "trade_name": "text",
    "constitution": "text", "enterprise_type": "upper", "major_activity": "upper",
}
OLD_FIELD_LABELS = {
    "name": "Name", "name_hi": "Name (Devanagari)", "father_name": "Father's name",
    "relation": "Relation (S/O, D/O, W/O)", "dob": "Date of birth", "gender": "Gender",
    "address": "Address", "surname": "Surname", "given_names": "Given names",
    "nationality": "Nationality", "place_of_birth": "Place of birth", "date_of_issue": "Date of issue",
    "date_of_expiry": "Date of expiry", "valid_till": "Valid till", "cov": "Classes of vehicle",
    "enterprise_type": "Enterprise type", "major_activity": "Major activity",
    "date_of_incorporation": "Date of incorporation",
    "date_of_udyam_registration": "Date of Udyam registration", "trade_name": "Trade name",
    "constitution": "Constitution", "date_of_liability": "Date of liability"}
OLD_ANCHOR_TYPES = {"PAN", "AADHAAR", "DL", "PASSPORT", "UDYAM", "GSTIN", "VOTER_ID"}


def test_every_table_is_derived_from_the_registry():
    names = [t.name for t in REG]
    assert len(set(names)) == len(names)
    assert tuple(models.DOCUMENT_TYPES) == (*names, "MIXED", "UNKNOWN")
    assert dict(classify.ANCHORS) == {t.name: list(t.anchors) for t in REG}
    assert dict(repository.KIND_IDS) == {t.name: tuple(s.type for s in idtypes.REGISTRY if s.decides == t.name)
                                        for t in REG}
    assert tuple(case.PERSON_TYPES) == tuple(t.name for t in REG if t.person)
    assert [e.document_type for e in fields.EXTRACTORS] == [t.name for t in REG if t.extractor]
    for t in REG:
        assert fields.extractor_for(t.name) is t and fields.field_keys(t.name) == tuple(f.key for f in t.fields)
        assert {k: t.kind(k) for k in t.keys} == {f.key: f.kind for f in t.fields}
        assert t.labels and callable(doctypes._resolve(t.extractor))  # the named extractor and patterns resolve
    first = {}
    for t in REG:
        for f in t.fields:
            first.setdefault(f.key, f)
    assert fields.all_field_keys() == list(first)
    assert dict(fields_base.KINDS) == {k: f.kind for k, f in first.items()}
    assert dict(review_parts.FIELD_LABELS) == {k: f.label for k, f in first.items()}
    assert all(review_parts.field_label(k) == f.label for k, f in first.items())
    # every ID type decides a registered type; every registered type is decided by some ID type
    assert {s.decides for s in idtypes.REGISTRY if s.decides} == set(names)


def test_the_derived_tables_equal_the_hand_typed_ones_they_replaced():
    assert set(models.DOCUMENT_TYPES) == OLD_DOCUMENT_TYPES
    assert dict(repository.KIND_IDS) == OLD_KIND_IDS
    assert tuple(case.PERSON_TYPES) == OLD_PERSON_TYPES
    assert dict(fields_base.KINDS) == OLD_KINDS
    assert dict(review_parts.FIELD_LABELS) == OLD_FIELD_LABELS
    assert set(classify.ANCHORS) == OLD_ANCHOR_TYPES
    assert classify.ANCHORS["PAN"] == [("INCOME TAX DEPARTMENT", 3.0), ("Permanent Account Number", 3.0),
                                       ("आयकर विभाग", 2.0)]
    assert fields.extractor_for("UDYAM").kind("name") == "text" == fields.extractor_for("GSTIN").kind("name")
    assert fields.extractor_for("PAN").kind("name") == "person"


def test_the_id_registry_holds_what_the_reread_policy_and_the_mask_repeated():
    assert reread.STRONG_CHECKSUM == idtypes.STRONG_CHECKSUM == OLD_STRONG_CHECKSUM
    assert idtypes.STRONG_CHECKSUM == {s.type for s in idtypes.REGISTRY if s.strong_checksum}
    assert reread.POLICY.strong_checksum("GSTIN") and not reread.POLICY.strong_checksum("PAN")
    # the mask covers as many digits as the masked type's template holds (was `16 if VID else 12`)
    assert {t: idtypes.BY_TYPE[t].digits for t in masks.MASKED_TYPES} == {"AADHAAR": 12, "VID": 16}
    assert idtypes.BY_TYPE["PAN"].digits == 4 and idtypes.BY_TYPE["MRZ"].digits == 0


# ------------------------------------------------------------------ a type registered from outside
CARD_HOLDER = rx(r"card\s*holder")
RATION_LABELS = (CARD_HOLDER, rx(r"ration\s*card\s*no"))


def ration(doc: Doc) -> dict[str, Found | None]:
    v = doc.layout.value(CARD_HOLDER, person, ("inline", "below"))
    return {"card_holder": Found(v.text, v.lines) if v else None}


RATION = DocType("RATION_CARD", "Ration card",
                 (("Department of Food and Civil Supplies", 3.0), ("Ration Card", 2.0)),
                 (FieldSpec("card_holder", "person", "Card holder"),), ration, RATION_LABELS)


def _page() -> Page:
    rows = [("DEPARTMENT OF FOOD AND CIVIL SUPPLIES", 100, 40, 800, 80), ("RATION CARD", 300, 90, 600, 130),
            ("Ration Card No: 2718281828", 60, 160, 600, 200), ("Card Holder: Meena Kumari", 60, 220, 600, 260)]
    return Page(1, 1000, 640, "ocr", [Line(t, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], 0.97)
                                     for t, x0, y0, x1, y1 in rows])


def test_a_type_registered_from_outside_is_picked_up_everywhere():
    pg = _page()
    texts = [ln.text for ln in pg.lines]
    assert classify.classify(texts, [])[0] == "UNKNOWN"
    assert fields.extract_fields("RATION_CARD", [pg], []) == {}
    with doctypes.registered(RATION):
        assert "RATION_CARD" in models.DOCUMENT_TYPES and doctypes.get("RATION_CARD") is RATION
        doc_type, score = classify.classify(texts, [])
        assert doc_type == "RATION_CARD" and score >= classify.MIN_SCORE
        assert classify.classify_pages([pg], []) == ("RATION_CARD", score)
        got = fields.extract_fields("RATION_CARD", [pg], [])
        assert {k: (f.value, f.valid, f.confidence) for k, f in got.items()} == {
            "card_holder": ("Meena Kumari", True, 0.97)}
        assert got["card_holder"].box == [[60, 220], [600, 220], [600, 260], [60, 260]]
        assert fields.field_keys("RATION_CARD") == ("card_holder",)
        assert fields.all_field_keys()[-1] == "card_holder"
        assert review_parts.field_label("card_holder") == "Card holder" == review_parts.FIELD_LABELS["card_holder"]
        assert repository.KIND_IDS["RATION_CARD"] == ()  # no ID type decides it: no "no_id" flag for it
        assert "RATION_CARD" in case.PERSON_TYPES
        result = DocumentResult("r.png", "0" * 64, [pg], [], document_type="RATION_CARD")
        assert replay.field_kinds(result) == {"card_holder": "person"}
        # a case compares its name with the other person documents'
        pan = DocumentResult("p.png", "1" * 64, [], [DetectedID("PAN", "EDYPK5645N", True, 0.99)],
                             document_type="PAN", fields={"name": models.Field("name", "RAHUL KAPOOR")})
        mine = DocumentResult("r.png", "0" * 64, [pg], [], document_type="RATION_CARD",
                              fields={"name": models.Field("name", "MEENA KUMARI")})
        assert [m.key for m in case.compare_case([pan, mine])] == ["name"]
    assert "RATION_CARD" not in models.DOCUMENT_TYPES and "RATION_CARD" not in classify.ANCHORS
    assert classify.classify(texts, [])[0] == "UNKNOWN" and fields.extractor_for("RATION_CARD") is None
    assert "card_holder" not in fields.all_field_keys()


def test_a_name_is_registered_once():
    try:
        doctypes.register(DocType("PAN", "again", ()))
    except ValueError as e:
        assert "PAN" in str(e)
    else:
        raise AssertionError("a second PAN was accepted")
    assert [t.name for t in REG].count("PAN") == 1


def test_the_registry_is_a_leaf_of_the_core():
    """It imports only the ID registry (the extractors are named, not imported), so every module
    may derive its tables from it without an import ring."""
    import grimp

    g = grimp.build_graph("ocr_core")
    pkg = [m for m in g.modules if m == "ocr_core.doctypes" or m.startswith("ocr_core.doctypes.")]
    imported = {i for m in pkg for i in g.find_modules_directly_imported_by(m)} - set(pkg)
    assert imported == {"ocr_core.idtypes"}
