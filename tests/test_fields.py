"""Named fields: read by the real engine from small cards, normalised, validated, exported; the
rules on hand-placed lines; the dev set (skipped without ../shared)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from ocr_core import scan
from ocr_core.fields import EXTRACTORS, all_field_keys, extract_fields, extractor_for, field_keys
from ocr_core.fields import values as V
from ocr_core.fields.devanagari import hindi_available
from ocr_core.ids import mrz_check_digit
from ocr_core.models import DetectedID, DocumentResult, Field, Line, Page

FIXTURES = Path(__file__).parent / "fixtures"


def page(*rows: tuple[str, float, float, float, float], source: str = "ocr") -> list[Page]:
    """A page from (text, x0, y0, x1, y1) rows."""
    lines = [Line(t, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], 0.98) for t, x0, y0, x1, y1 in rows]
    return [Page(1, 1000, 640, source, lines)]


def values(fields: dict[str, Field]) -> dict[str, str | None]:
    return {k: f.value for k, f in fields.items()}


# ------------------------------------------------------------------ the real engine on small cards
def test_pan_card_name_and_birth_date(settings, engine):
    r = scan(FIXTURES / "pan_card.png")
    assert r.document_type == "PAN"
    assert values(r.fields) == {"name": "RAHUL KAPOOR", "dob": "1988-04-12"}
    f = r.fields["name"]
    assert f.valid and f.reason is None and f.source == "ocr" and f.page == 1 and 0.5 < f.confidence <= 1
    assert f.box is not None and f.box[0][1] > r.fields["name"].box[0][1] - 1  # a box on the page
    d = r.to_dict()
    assert d["fields"]["dob"] == {"value": "1988-04-12", "confidence": d["fields"]["dob"]["confidence"],
                                  "page": 1, "box": d["fields"]["dob"]["box"], "valid": True, "reason": None,
                                  "source": "ocr"}


def test_aadhaar_fields_hold_no_aadhaar_number(settings, engine):
    r = scan(FIXTURES / "aadhaar_card.png")
    assert values(r.fields) == {"name": "Priya Sharma", "dob": "1992-09-03", "gender": "FEMALE"}
    number = (FIXTURES / "truth.txt").read_text().split("AADHAAR ")[1].split()[0]
    for text in (json.dumps(r.to_dict()), json.dumps(r.to_dict(unmask=True)["fields"])):
        assert number not in text.replace(" ", "")


@pytest.mark.skipif(not hindi_available(), reason="needs Tesseract's Hindi model (scripts/setup.sh installs it)")
def test_devanagari_name_read_with_the_hindi_model(settings, engine):
    r = scan(FIXTURES / "aadhaar_hindi.png")
    assert r.fields["name_hi"].value == "राहुल वर्मा" and r.fields["name_hi"].valid
    assert r.fields["name"].value == "Rahul Verma" and r.fields["gender"].value == "MALE"
    assert r.fields["dob"].value == "1985-08-15"
    # the name's Devanagari line is text now, not Latin junk; the header is no field's and is not
    # read (Tesseract's time grows with what it reads)
    assert "राहुल वर्मा" in r.texts and "भारत सरकार" not in r.texts


@pytest.mark.skipif(not hindi_available(), reason="needs Tesseract's Hindi model (scripts/setup.sh installs it)")
def test_hindi_read_only_on_a_page_with_a_field_printed_in_devanagari(engine):
    """The Hindi read (the slowest step after OCR) runs on a page whose type has a Devanagari
    field (an Aadhaar's name_hi); a page of another type keeps its lines as the engine read them."""
    import numpy as np
    from PIL import Image

    from ocr_core.fields import reads_devanagari
    from ocr_core.pipeline import devanagari_lines

    assert reads_devanagari("AADHAAR") and not any(reads_devanagari(t) for t in ("PAN", "DL", "VOTER_ID", "GSTIN"))
    img = np.asarray(Image.open(FIXTURES / "aadhaar_hindi.png").convert("RGB"))
    lines = engine.recognize(img)
    assert "राहुल वर्मा" in [ln.text for ln in devanagari_lines(lines, img)]
    # the same page without what makes it an Aadhaar (its number, UIDAI's words): no type, no Hindi read
    plain = [ln for ln in lines if not re.search(r"\d{4}|aadhaar|government|india|authority", ln.text, re.I)]
    assert devanagari_lines(plain, img) is plain


def test_licence_relation_and_expiry_before_issue_is_invalid_but_kept(settings, engine):
    r = scan(FIXTURES / "dl_card.png")
    assert r.document_type == "DL"
    assert values(r.fields) == {"name": "SURESH NAIR", "father_name": "GOPAL NAIR", "relation": "S/O",
                                "dob": "1980-02-02", "date_of_issue": "2015-03-10", "valid_till": "2015-03-01",
                                "cov": "LMV MCWG"}
    vt = r.fields["valid_till"]
    assert not vt.valid and vt.reason == "valid till is not after date of issue"
    assert all(f.valid for k, f in r.fields.items() if k != "valid_till")


def test_text_layer_fields_say_so_and_the_stored_result_is_encrypted(settings, engine):
    r = scan(FIXTURES / "gst_text.pdf")
    assert values(r.fields) == {"name": "KAPOOR TRADERS", "constitution": "Proprietorship",
                                "date_of_liability": "2019-07-01"}
    assert {f.source for f in r.fields.values()} == {"text_layer"}
    dl = scan(FIXTURES / "dl_card.png")
    assert dl.fields["father_name"].value == "GOPAL NAIR"
    again = scan(FIXTURES / "dl_card.png")  # from the cache: the fields come back with the result
    assert again.cached and values(again.fields) == values(dl.fields)
    raw = b"".join(p.read_bytes() for p in settings.db_path.parent.glob("ocr.db*"))
    assert b"GOPAL NAIR" not in raw and b"KAPOOR TRADERS" not in raw


def test_cli_scan_prints_the_fields(settings, engine, capsys):
    from ocr_core.cli import main

    assert main(["scan", str(FIXTURES / "pan_card.png")]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert out["fields"]["name"]["value"] == "RAHUL KAPOOR" and out["fields"]["name"]["valid"] is True


# ------------------------------------------------------------------ the model
def test_field_round_trips_and_old_cached_results_load_without_fields():
    f = Field("dob", "1990-01-31", 0.91, 2, [[0, 0], [1, 0], [1, 1], [0, 1]], False, "birth date in the future", "mrz")
    assert Field.from_dict("dob", f.to_dict()) == f
    old = {"filename": "a.png", "file_hash": "h", "pages": [], "ids": [], "masked": False}
    assert DocumentResult.from_dict(old).fields == {}
    r = DocumentResult("a.png", "h", [], [], fields={"dob": f})
    assert DocumentResult.from_dict(r.to_dict(unmask=True)).fields == {"dob": f}


def test_a_field_value_is_masked_if_an_aadhaar_number_ever_reached_it():
    f = Field("address", "House 1 2155 2109 3999 Pune")
    assert f.to_dict()["value"] == "House 1 XXXX XXXX 3999 Pune"
    assert f.to_dict(unmask=True)["value"] == "House 1 2155 2109 3999 Pune"


def test_registry_holds_the_keys_of_the_issue_once_per_type():
    assert [e.document_type for e in EXTRACTORS] == ["PAN", "AADHAAR", "DL", "PASSPORT", "VOTER_ID", "UDYAM", "GSTIN"]
    assert field_keys("PAN") == ("name", "father_name", "dob")
    assert field_keys("AADHAAR") == ("name", "name_hi", "dob", "gender", "father_name", "address")
    assert field_keys("UNKNOWN") == () and extractor_for("UNKNOWN") is None
    assert extract_fields("UNKNOWN", page(("Name: X", 0, 0, 100, 20)), []) == {}
    assert len(all_field_keys()) == len(set(all_field_keys())) and "date_of_expiry" in all_field_keys()


# ------------------------------------------------------------------ validation rules
def test_dates_are_real_and_plausible():
    today = dt.date(2025, 6, 1)
    assert V.find_date("DOB: 07/O3/1985") == ("1985-03-07", "07/03/1985")  # O read for 0
    assert V.find_date("no date here") is None
    assert V.check_date("1985-03-07", "dob", today) is None
    assert V.check_date("1985-02-30", "dob", today) == "not a real calendar date"
    assert V.check_date("2026-01-01", "dob", today) == "birth date in the future"
    assert V.check_date("1900-01-01", "dob", today) == "age 125 is over 120"
    assert V.check_date("2024-05-31", "dob", today) is None  # a baby: age 1
    assert V.check_date("2031-01-01", "date_of_expiry", today) is None
    assert V.check_date("2031-01-01", "date_of_issue", today) == "date in the future"


def test_gender_and_names():
    assert [V.find_gender(s) for s in ("पुरुष / MALE", "महिला / Female", "F", "Sex: M", "TRANSGENDER", "xyz")] == \
        ["MALE", "FEMALE", "FEMALE", "MALE", "TRANSGENDER", None]
    assert V.name_problem("ASHA KULKARNI") is None
    assert V.name_problem("Father's Name ASHA") == "holds the label word FATHER'S"
    assert V.name_problem("ASHA 1976") == "holds digits"
    assert V.clean_name("  ASHA   KULKARNI. ") == "ASHA KULKARNI"
    # punctuation the recogniser put inside a word goes; an initial's full stop stays
    assert V.clean_name("MANO.J BANER,JEE") == "MANOJ BANERJEE"
    assert V.clean_name("A.K. SHARMA") == "A.K. SHARMA" and V.clean_name("A.K.SHARMA") == "A.K.SHARMA"


def test_a_failing_field_keeps_its_value_with_the_reason():
    f = extract_fields("PAN", page(("Name", 250, 190, 360, 210), ("ASHA KULKARNI", 250, 220, 520, 245),
                                   ("Date of Birth", 250, 330, 510, 355), ("31/02/1976", 250, 366, 440, 394)), [])
    assert f["dob"].value == "1976-02-31" and not f["dob"].valid and f["dob"].reason == "not a real calendar date"
    assert f["name"].valid


# ------------------------------------------------------------------ layouts, on hand-placed lines
def test_bilingual_label_with_the_value_on_the_next_line_and_inline():
    f = extract_fields("PAN", page(("नाम / Name", 256, 189, 366, 209), ("ASHA KULKARNI", 256, 219, 526, 244),
                                   ("पिता का नाम / Father's Name", 256, 258, 516, 282),
                                   ("GURPREET KULKARNI", 256, 292, 609, 317),
                                   ("जन्म की तारीख / Date of Birth: 14/10/1976", 256, 332, 700, 356)), [])
    assert values(f) == {"name": "ASHA KULKARNI", "father_name": "GURPREET KULKARNI", "dob": "1976-10-14"}


def test_old_pan_without_labels_reads_name_then_father_above_the_date():
    f = extract_fields("PAN", page(("INCOME TAX DEPARTMENT", 28, 56, 326, 75), ("GOVT. OF INDIA", 810, 56, 983, 75),
                                   ("ANITA PATEL", 28, 166, 216, 190), ("AMIT PATEL", 28, 212, 202, 236),
                                   ("19/06/1980", 28, 257, 177, 283),
                                   ("Permanent Account Number", 28, 311, 370, 333)), [])
    assert values(f) == {"name": "ANITA PATEL", "father_name": "AMIT PATEL", "dob": "1980-06-19"}


def test_source_boxes_are_the_lines_the_fields_come_from():
    """What the cascade engine re-reads: the page lines' own boxes, of the kinds asked for."""
    from ocr_core.fields import source_boxes

    pages = page(("INCOME TAX DEPARTMENT", 28, 56, 326, 75), ("ANITA PATEL", 28, 166, 216, 190),
                 ("AMIT PATEL", 28, 212, 202, 236), ("19/06/1980", 28, 257, 177, 283),
                 ("Permanent Account Number", 28, 311, 370, 333))
    lines = pages[0].lines
    assert {id(b) for b in source_boxes("PAN", pages, [])} == {id(ln.box) for ln in lines[1:4]}
    assert [b is lines[3].box for b in source_boxes("PAN", pages, [], frozenset({"date"}))] == [True]
    assert source_boxes("UNKNOWN", pages, []) == []


def test_two_column_certificate_with_a_multi_line_address():
    f = extract_fields("GSTIN", page(
        ("Legal Name :", 88, 381, 222, 404), ("LOTUS AGENCIES PRIVATE LIMITED", 498, 382, 849, 400),
        ("Trade Name, if any :", 88, 426, 287, 449), ("LOTUS AGENCIES", 498, 427, 677, 445),
        ("Constitution of Business :", 88, 471, 346, 490), ("Private Limited Compamy", 498, 471, 725, 494),
        ("Address of Principal Place of", 88, 516, 369, 539), ("Business :", 88, 544, 199, 563),
        ("Shop No. 114, Gokul Dham, Lake View Road,", 498, 516, 909, 539),
        ("Old Town, Mysuru, Karnataka, 570096", 498, 544, 919, 567),
        ("Date of Liability :", 88, 589, 259, 612), ("17/10/2018", 498, 589, 602, 608)), [])
    assert values(f) == {"name": "LOTUS AGENCIES PRIVATE LIMITED", "trade_name": "LOTUS AGENCIES",
                         "constitution": "Private Limited Company",  # snapped to the GST list
                         "address": "Shop No. 114, Gokul Dham, Lake View Road, Old Town, Mysuru, Karnataka, 570096",
                         "date_of_liability": "2018-10-17"}


def _mrz(surname: str, given: str, dob: str, sex: str, expiry: str) -> DetectedID:
    l1 = f"P<IND{surname}<<{given}".ljust(44, "<")
    num = "K1234567<"
    l2 = num + mrz_check_digit(num) + "IND" + dob + mrz_check_digit(dob) + sex + expiry + mrz_check_digit(expiry)
    l2 += "<" * 14 + "0"
    l2 += mrz_check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    return DetectedID("MRZ", f"{l1}\n{l2}", True, 0.99)


def _passport_page(dob_printed: str, surname_printed: str) -> list[Page]:
    return page(("Surname", 389, 250, 561, 271), (surname_printed, 389, 282, 517, 310),
                ("Given Name(s)", 389, 327, 674, 353), ("ANITA", 389, 363, 546, 391),
                ("Nationality", 389, 408, 588, 436), ("INDIAN", 389, 445, 526, 473),
                ("Sex", 740, 408, 835, 433), ("F", 740, 445, 777, 473),
                ("Date of Birth", 947, 408, 1178, 433), (dob_printed, 947, 445, 1159, 476),
                ("Place of Birth", 389, 493, 631, 515), ("PUNE, MAHARASHTRA", 389, 526, 913, 559),
                ("Date of Issue", 389, 653, 697, 678), ("02/01/2020", 389, 689, 601, 720),
                ("Date of Expiry", 906, 653, 1205, 680), ("01/01/2030", 906, 689, 1118, 720))


def test_passport_agreeing_with_the_mrz():
    f = extract_fields("PASSPORT", _passport_page("15/06/1985", "SHARMA"), [_mrz("SHARMA", "ANITA", "850615", "F", "300101")])
    assert values(f) == {"name": "ANITA SHARMA", "surname": "SHARMA", "given_names": "ANITA", "nationality": "INDIAN",
                         "gender": "FEMALE", "dob": "1985-06-15", "place_of_birth": "PUNE, MAHARASHTRA",
                         "date_of_issue": "2020-01-02", "date_of_expiry": "2030-01-01"}
    assert all(x.valid and x.source == "ocr" for x in f.values())


def test_passport_disagreement_the_mrz_wins_only_where_its_check_digit_validates():
    f = extract_fields("PASSPORT", _passport_page("16/06/1985", "SHARNA"), [_mrz("SHARMA", "ANITA", "850615", "F", "300101")])
    dob = f["dob"]  # covered by a valid check digit: the MRZ value wins, the disagreement is shown
    assert dob.value == "1985-06-15" and dob.source == "mrz" and dob.valid
    assert "printed 1985-06-16 disagrees with the MRZ" in dob.reason
    sur = f["surname"]  # names have no check digit: the printed value stays, flagged
    assert sur.value == "SHARNA" and not sur.valid and sur.reason == "disagrees with the MRZ (SHARMA)"


def test_voter_card_inline_bilingual_labels():
    f = extract_fields("VOTER_ID", page(
        ("निर्वाचक का नाम / Elector's Name: Arjun Kumar Joshi", 246, 160, 896, 192),
        ("पिता का नाम / Father's Name: Joseph Joshi", 246, 204, 763, 236),
        ("लिंग / Gender: पुरुष / Male", 246, 248, 554, 282),
        ("जन्म तिथि / Date of Birth: 06/01/1976", 612, 254, 958, 276)), [])
    assert values(f) == {"name": "Arjun Kumar Joshi", "father_name": "Joseph Joshi", "gender": "MALE",
                         "dob": "1976-01-06"}


def test_aadhaar_letter_address_without_the_relation_line():
    f = extract_fields("AADHAAR", page(
        ("Sunita Jain", 245, 985, 360, 1010), ("DOB: 22/11/1972", 245, 1020, 461, 1043),
        ("FEMALE", 245, 1054, 373, 1074), ("पता / Address:", 655, 972, 764, 990),
        ("D/O: Farhan Jain", 655, 997, 792, 1020), ("Plot No. 346, Sunshine Towers", 655, 1027, 891, 1045),
        ("Station Road, Near Railway Station", 659, 1056, 928, 1074), ("Kolkata, Kolkata", 655, 1082, 782, 1100),
        ("West Bengal - 700012", 657, 1113, 829, 1131), ("XXXX XXXX 3985", 766, 1204, 1033, 1230)), [])
    assert values(f) == {"name": "Sunita Jain", "dob": "1972-11-22", "gender": "FEMALE", "father_name": "Farhan Jain",
                         "address": "Plot No. 346, Sunshine Towers, Station Road, Near Railway Station, "
                                    "Kolkata, Kolkata, West Bengal - 700012"}


def test_a_name_whose_space_the_recogniser_dropped_is_split_at_the_shared_family_name():
    f = extract_fields("PAN", page(("Name", 270, 140, 330, 160), ("HARPREETIYER", 270, 168, 520, 198),
                                   ("Father's Name", 270, 220, 420, 240), ("VIKRAM IYER", 270, 248, 470, 278),
                                   ("Date of Birth", 270, 300, 420, 320), ("04/07/1990", 270, 328, 430, 358)), [])
    assert values(f) == {"name": "HARPREET IYER", "father_name": "VIKRAM IYER", "dob": "1990-07-04"}
    assert V.unglue_name("DIVYAYADAV", "YADAV") == "DIVYA YADAV"
    assert V.unglue_name("RAO", "RAO") == "RAO"  # a word is not split from itself
    assert V.unglue_name("ASHOK KUMAR", "KUMAR") == "ASHOK KUMAR"
    assert V.unglue_name("SHRIRAM IYER", "RAM") == "SHRIRAM IYER"  # only the family name, at the end


def test_aadhaar_front_with_the_year_of_birth_reports_no_date_and_still_finds_the_name():
    f = extract_fields("AADHAAR", page(("Government of India", 400, 44, 620, 70), ("Meera Rao", 260, 160, 420, 190),
                                       ("Year of Birth : 1954", 260, 210, 520, 236), ("Female", 260, 255, 350, 281)),
                       [])
    assert values(f) == {"name": "Meera Rao", "gender": "FEMALE"}  # a year is no date of birth


def test_aadhaar_pvc_card_bilingual_birth_date_and_gender_labels_beside_the_photo():
    # the Latin recogniser reads the Devanagari halves as junk; the name has no label
    f = extract_fields("AADHAAR", page(("GOVERNMENT OF INDIA", 40, 54, 330, 80), ("Aadhaar", 830, 40, 960, 75),
                                       ("Kavya Menon", 240, 125, 420, 155),
                                       ("WH faf/DOB: 09/12/1983", 240, 170, 560, 196),
                                       ("Heren/ FEMALE", 240, 210, 420, 236),
                                       ("Issue Date: 11/03/2021", 240, 260, 470, 282)), [])
    assert values(f) == {"name": "Kavya Menon", "dob": "1983-12-09", "gender": "FEMALE"}


def test_aadhaar_front_whose_birth_date_went_unread_takes_the_name_above_the_gender():
    f = extract_fields("AADHAAR", page(("भारत सरकार", 400, 10, 600, 36), ("Government of India", 400, 44, 620, 70),
                                       ("Ishita Bose", 260, 160, 420, 190), ("D0B. 1?/0?/19?8", 260, 210, 470, 236),
                                       ("Female", 260, 255, 350, 281), ("Kamalesh Road", 600, 400, 800, 420)), [])
    assert values(f) == {"name": "Ishita Bose", "gender": "FEMALE"}


def test_pin_code_dash_spacing_in_addresses():
    for printed in ("Telangana- 342766", "Telangana, - 342766", "Telangana -, 342766", "Telangana - 342766"):
        assert V.clean_address("19, Gandhi Nagar, Hyderabad, " + printed) == \
            "19, Gandhi Nagar, Hyderabad, Telangana - 342766"


def test_an_address_line_wrapped_inside_a_word_goes_on_without_a_comma():
    f = extract_fields("GSTIN", page(
        ("Legal Name", 125, 388, 230, 408), ("NAIR LOGISTICS", 604, 386, 760, 409),
        ("Address of Principal Place of Business", 125, 588, 473, 608),
        ("66, Lake View Colony, Lucknow, Uttar Pra", 604, 586, 1061, 609), ("desh - 573611", 604, 636, 755, 659),
        ("Date of Liability", 125, 688, 290, 708), ("01-07-2019", 604, 686, 720, 709), source="text_layer"), [])
    assert f["address"].value == "66, Lake View Colony, Lucknow, Uttar Pradesh - 573611"


def test_licence_booklet_son_wife_daughter_label_and_class_of_vehicles():
    f = extract_fields("DL", page(("Name", 60, 300, 130, 322), ("Rohan Gupta", 60, 330, 260, 356),
                                  ("Son/Wife/Daughter of", 60, 380, 300, 402), ("Mahesh Gupta", 60, 410, 280, 436),
                                  ("Date of Birth", 60, 460, 210, 482), ("21/04/1979", 60, 490, 220, 516),
                                  ("Class of vehicles: MCWG, LMV", 60, 760, 420, 782)), [])
    assert values(f) == {"name": "Rohan Gupta", "father_name": "Mahesh Gupta", "relation": "S/W/D",
                         "dob": "1979-04-21", "cov": "MCWG LMV"}
    assert not f["relation"].valid and "son, daughter or wife is not stated" in f["relation"].reason


# ------------------------------------------------------------------ the dev set (../shared)
DEV_CLEAN = ("pan_000.png", "aadhaar_000.png", "dl_001.png", "passport_001.png", "voter_001.png",
             "udyam_001_digital.pdf", "gst_000_digital.pdf")


def _iso(v: str) -> str:
    return re.sub(r"^(\d\d)/(\d\d)/(\d{4})$", r"\3-\2-\1", v)


@pytest.mark.parametrize("name", DEV_CLEAN)
def test_dev_documents_fields_match_the_ground_truth(settings, engine, dev_dir, name):
    truth = json.loads((dev_dir / name).with_suffix(".gt.json").read_text())
    r = scan(dev_dir / name)
    got = values(r.fields)
    for key in field_keys(truth["document_type"]):
        want = truth["fields"].get(key)
        if want is None or key == "relation":  # the dev licences print "S/D/W of": which one is not on the card
            continue
        if key == "name_hi" and not hindi_available():
            continue
        assert got.get(key) == _iso(want), (name, key)


# ------------------------------------------------------------------ one case, several documents
def test_case_documents_compared_by_fuzzy_name_and_birth_date():
    from ocr_core.fields.case import compare_case

    def doc(h: str, t: str, name: str, dob: str) -> DocumentResult:
        return DocumentResult(f"{h}.png", h, [], [], document_type=t,
                              fields={"name": Field("name", name), "dob": Field("dob", dob)})

    pan, aad = doc("p", "PAN", "SUNITA JAIN", "1972-11-22"), doc("a", "AADHAAR", "Sunita  Jain", "1972-11-22")
    dl = doc("d", "DL", "SUNlTA JAIN", "1972-11-22")  # one letter misread: still the same person
    assert compare_case([pan, aad, dl]) == []
    other = doc("o", "VOTER_ID", "Rekha Shah", "1972-11-23")
    firm = doc("g", "GSTIN", "LOTUS AGENCIES", "")  # an enterprise's name is not compared
    got = [m.to_dict() for m in compare_case([pan, other, firm])]
    assert [(m["field"], m["documents"]) for m in got] == [("name", ["p", "o"]), ("dob", ["p", "o"])]
    assert got[1]["values"] == ["1972-11-22", "1972-11-23"] and got[0]["score"] < 85
