"""The ID registry is the one home of every ID type: each list the rest of the code uses is derived
from it, and each spec's validator, masking and formats behave as documented."""
from stdnum import verhoeff

from ocr_core import batch, classify, ids, models, privacy
from ocr_core.idtypes import BY_TYPE, DECISIVE, ID_TYPES, MASKED_TYPES, REGISTRY, TEMPLATED, export_value


def test_every_list_is_derived_from_the_registry():
    assert models.ID_TYPES == ID_TYPES == tuple(s.type for s in REGISTRY)
    assert privacy.MASKED_TYPES == MASKED_TYPES == {"AADHAAR", "VID"}
    assert classify.DECISIVE_IDS == DECISIVE
    assert {t for t, _ in DECISIVE.items()} == {s.type for s in REGISTRY if s.decides}
    assert set(ids.SPEC_BY_TYPE) == {s.type for s in REGISTRY if s.template}
    cols = batch.doc_columns()
    assert all(t in cols and f"{t}_valid" in cols for t in ID_TYPES)
    assert len(set(ID_TYPES)) == len(ID_TYPES)


def test_matching_order_tries_longer_templates_first():
    lengths = [s.length for s in TEMPLATED]
    assert lengths == sorted(lengths, reverse=True)
    assert [s.type for s in TEMPLATED if s.length == 10] == ["PAN", "EPIC"]


def test_every_spec_decides_a_known_document_type():
    for s in REGISTRY:
        assert s.decides in models.DOCUMENT_TYPES, s.type
        assert s.weight > 0


def test_templates_and_validators_agree_on_specimen_numbers():
    aadhaar = "21552109399" + verhoeff.calc_check_digit("21552109399")
    good = {"PAN": "EDYPK5645N", "AADHAAR": aadhaar, "DL": "MH4520181817732", "PASSPORT": "Z1234567",
            "UDYAM": "UDYAMMH020012345", "EPIC": "ABC1234566"}
    for t, v in good.items():
        s = BY_TYPE[t]
        assert len(v) == s.length, t
        if t != "EPIC":
            assert s.validate(v) is None, (t, s.validate(v))
    assert BY_TYPE["PASSPORT"].validate("A0234567") == "first digit is zero"
    assert BY_TYPE["DL"].validate("XX4520181817732").startswith("unknown state code")


def test_one_masking_function_and_formats():
    assert privacy.mask_id("AADHAAR", "215521093999") == "XXXX XXXX 3999"
    assert privacy.mask_id("VID", "7112284965890411") == "XXXX XXXX XXXX 0411"
    assert privacy.mask_id("PAN", "EDYPK5645N") == "EDYPK5645N"
    assert BY_TYPE["AADHAAR_MASKED"].display("XXXXXXXX1234") == "XXXX XXXX 1234"
    assert BY_TYPE["UDYAM"].fmt("UDYAMMH020012345") == "UDYAM-MH-02-0012345"
    assert export_value("MRZ", "P<IND\nZ123") == "P<IND / Z123"
    assert export_value("PAN", "EDYPK5645N") == "EDYPK5645N"
