"""ID templates, OCR-confusion coercion, checksum repair and validation (no engine needed)."""
from stdnum import luhn, verhoeff

from ocr_core.ids import check, coerce, extract_ids, mrz_check_digit, SPEC_BY_TYPE, validate_id, validate_mrz
from ocr_core.models import Line


def line(text, x=10, y=10, w=300, h=30, conf=0.99):
    return Line(text, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]], conf)


def ids_of(*texts):
    return {(i.type, i.value, i.valid) for i in extract_ids([(1, [line(t, y=40 * n) for n, t in enumerate(texts)])])}


def test_pan_aadhaar_vid_epic_gstin_found_and_valid():
    aad = "49871234560" + verhoeff.calc_check_digit("49871234560")
    vid = "911122223333444" + verhoeff.calc_check_digit("911122223333444")
    found = ids_of("AFZPK7190K", " ".join(aad[i:i + 4] for i in range(0, 12, 4)),
                   "VID : " + " ".join(vid[i:i + 4] for i in range(0, 16, 4)), "WJD2575306",
                   "Registration Number : 33VXYFG4544F1ZA")
    assert {("PAN", "AFZPK7190K", True), ("AADHAAR", aad, True), ("VID", vid, True), ("EPIC", "WJD2575306", True),
            ("GSTIN", "33VXYFG4544F1ZA", True)} <= found
    # the VID's digit groups are not also read as a 12-digit Aadhaar
    assert not any(t == "AADHAAR" and v in vid for t, v, _ in found)


def test_aadhaar_and_vid_with_one_gap_between_groups_lost():
    """Recognisers drop a narrow gap ("44998742 8213" on a blurred e-Aadhaar): one lost gap is
    still the number, the checksum decides; the VID's groups still make no Aadhaar."""
    aad = "44998742821" + verhoeff.calc_check_digit("44998742821")
    vid = "672970042817367" + verhoeff.calc_check_digit("672970042817367")
    assert ids_of(aad[:8] + " " + aad[8:]) == {("AADHAAR", aad, True)}
    assert ids_of(aad[:4] + " " + aad[4:]) == {("AADHAAR", aad, True)}
    assert ids_of("VID: " + vid[:8] + " " + vid[8:12] + " " + vid[12:]) == {("VID", vid, True)}
    bad = aad[:-1] + str((int(aad[-1]) + 1) % 10)
    assert ids_of(bad[:8] + " " + bad[8:]) == {("AADHAAR", bad, False)}


def test_checksum_failures_are_never_valid():
    found = ids_of("Order Ref: 4014 2205 8590", "UPI Txn ID: 3466 1671 4644 6144", "GSTIN: 03WDBFK2273W1ZR")
    assert found and not any(valid for _, _, valid in found)


def test_phone_pin_and_amounts_are_not_ids():
    assert ids_of("Phone: 098-2112 7571 Mobile: 7940936241", "Ludhiana - 141064", "Grand Total 95,211.84",
                  "Date: 15/05/2023") == set()


def test_ocr_confusions_are_coerced_per_position_and_marked():
    [pan] = [i for i in extract_ids([(1, [line("AFZPK719OK")])]) if i.type == "PAN"]
    assert (pan.value, pan.valid, pan.repaired, pan.raw) == ("AFZPK7190K", True, True, "AFZPK719OK")
    # a letter O read in an Aadhaar digit slot
    aad = "49871234560" + verhoeff.calc_check_digit("49871234560")
    [a] = [i for i in extract_ids([(1, [line(aad[:4] + " " + aad[4:8].replace("0", "O") + " " + aad[8:])])])
           if i.type == "AADHAAR"]
    assert a.valid and a.value == aad


def test_checksum_repair_only_when_exactly_one_candidate_validates():
    spec = SPEC_BY_TYPE["AADHAAR"]
    good = "49871234560" + verhoeff.calc_check_digit("49871234560")
    # 'B' may be 8 or 3: exactly one of them passes Verhoeff here, so the repair is taken and marked
    bad = good.replace("8", "B", 1)
    value, reason, repaired = check(spec, bad)
    assert (value, reason, repaired) == (good, None, True)


def test_split_id_across_neighbouring_boxes_is_joined():
    lines = [Line("EDYPK", [[100, 50], [180, 50], [180, 80], [100, 80]], 0.99),
             Line("5645N", [[190, 51], [270, 51], [270, 81], [190, 81]], 0.98)]
    assert ("PAN", "EDYPK5645N") in {(i.type, i.value) for i in extract_ids([(1, lines)]) if i.valid}


def test_masked_aadhaar_kept_masked():
    assert ("AADHAAR_MASKED", "XXXXXXXX4821", True) in ids_of("XXXX XXXX 4821")


def test_dl_state_and_year_checked():
    assert ("DL", "MH4520181817732", True) in ids_of("DL No. MH45 20181817732")
    assert ("DL", "MH4520991817732", False) in ids_of("MH45 20991817732")  # year of issue in the future
    assert ("DL", "QQ4520181817732", False) in ids_of("QQ4520181817732")  # no such state


def test_udyam_normalised():
    assert ("UDYAM", "UDYAM-MH-02-0012345", True) in ids_of("UDYAM-MH-02-0012345")


def test_gstin_state_codes_stdnum_rejects_are_valid():
    for state in ("38", "97", "99"):
        body = state + "AFZPK7190K" + "1Z"
        gstin = body + luhn.calc_check_digit(body, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        assert validate_id("GSTIN", gstin)[1], gstin
        wrong = gstin[:-1] + ("0" if gstin[-1] != "0" else "1")
        assert not validate_id("GSTIN", wrong)[1]


def test_passport_mrz_check_digits():
    l1 = "P<INDGUPTA<<GAURAV<<<<<<<<<<<<<<<<<<<<<<<<<<"
    l2 = "G1365336<7IND7710067M3112054<<<<<<<<<<<<<<08"
    assert mrz_check_digit("G1365336<") == "7"
    assert validate_mrz(l1, l2) is None
    assert validate_mrz(l1, l2.replace("7710067", "7710068")) is not None
    found = ids_of("REPUBLIC OF INDIA", l1, l2)
    assert ("PASSPORT", "G1365336", True) in found
    assert any(t == "MRZ" and valid for t, _, valid in found)


def test_validate_id_for_typed_values():
    assert validate_id("PAN", "afzpk 7190k") == ("AFZPK7190K", True, None)
    v, ok, reason = validate_id("PAN", "AFZPK7190")
    assert not ok and "10 characters" in reason
    assert validate_id("AADHAAR", "2155 2109 3999")[1]
    assert not validate_id("AADHAAR", "2155 2109 3998")[1]


def test_coerce_rejects_what_cannot_fit():
    assert coerce("ABCDE", "@@@@@") == ("ABCDE", [])
    assert coerce("AB?DE", "@@@@@") is None


def _mrz(number, surname="IYER", given="KARTHIK", dob="771228", exp="340211"):
    l1 = f"P<IND{surname}<<{given}".ljust(44, "<")
    pno = number.ljust(9, "<")
    l2 = pno + mrz_check_digit(pno) + "IND" + dob + mrz_check_digit(dob) + "M" + exp + mrz_check_digit(exp)
    l2 += "<" * 14 + "<"
    l2 += mrz_check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    return l1, l2


def test_z_series_passport_confirmed_by_its_mrz_is_valid():
    # India issues Z series passports; no rule about series letters has a source
    l1, l2 = _mrz("Z1234567")
    found = ids_of("REPUBLIC OF INDIA", l1, l2)
    assert ("PASSPORT", "Z1234567", True) in found
    assert validate_id("PASSPORT", "Z1234567")[1]
    # a wrong check digit is still caught
    bad = l2[:9] + str((int(l2[9]) + 1) % 10) + l2[10:]
    assert not any(t == "PASSPORT" and v for t, _, v in ids_of("REPUBLIC OF INDIA", l1, bad))


def test_mrz_line1_fillers_read_as_letters_are_repaired_and_marked():
    l1, l2 = _mrz("A2764277")
    misread = l1[:22] + "KK<<A" + l1[27:]  # '<' after the names read as K and A
    assert misread != l1 and len(misread) == 44
    found = extract_ids([(1, [line("REPUBLIC OF INDIA"), line(misread, y=40), line(l2, y=80)])])
    mrz = next(i for i in found if i.type == "MRZ")
    assert mrz.valid and mrz.repaired
    assert mrz.value.split("\n")[0] == l1
    assert mrz.raw.split("\n")[0] == misread


def test_mrz_line1_that_cannot_be_repaired_gets_lower_confidence():
    l1, l2 = _mrz("A2764277")
    broken = l1[:18] + "K" * 26  # every filler read as K: the end of the names cannot be found
    assert broken.startswith("P<INDIYER<<KARTHIKKK")
    found = extract_ids([(1, [line("REPUBLIC OF INDIA"), line(broken, y=40), line(l2, y=80)])])
    mrz = next(i for i in found if i.type == "MRZ")
    assert not mrz.repaired and mrz.confidence < 0.6


def test_soft_hyphens_and_unicode_dashes_in_a_text_layer_are_hyphens():
    for sep in ("\u00ad", "-\u00ad", "\u2010", "\u2011", "\u2013", "\u2212"):
        assert ("UDYAM", "UDYAM-MH-02-0012345", True) in ids_of(f"UDYAM{sep}MH{sep}02{sep}0012345"), sep
    # zero-width characters and full-width digits (NFKC) do not hide a PAN
    assert ("PAN", "EDYPK5645N", True) in ids_of("PAN: EDY\u200bPK５６４５N")
