"""Aadhaar and VID numbers masked in results, free text and logs."""
import io
import json
import logging

from ocr_core.logs import JSONFormatter
from ocr_core.models import DetectedID, DocumentResult, Line, Page
from ocr_core.privacy import mask_id, mask_text


def test_mask_id_and_text():
    assert mask_id("AADHAAR", "215521093999") == "XXXX XXXX 3999"
    assert mask_id("VID", "7112284965890411") == "XXXX XXXX XXXX 0411"
    assert mask_id("PAN", "EDYPK5645N") == "EDYPK5645N"
    assert mask_text("Aadhaar 2155 2109 3999, VID 7112-2849-6589-0411") == \
        "Aadhaar XXXX XXXX 3999, VID XXXX XXXX XXXX 0411"
    assert mask_text("Phone 9876543210, PIN 641028") == "Phone 9876543210, PIN 641028"
    # a job id (UUID) whose last group happens to be all digits stays readable
    job = "3f2a9c1e-4b7d-4e0a-9f3b-123456789012"
    assert mask_text(f"job {job} done") == f"job {job} done"
    assert mask_text("Aadhaar: 2155-2109-3999") == "Aadhaar: XXXX XXXX 3999"


def test_result_masked_by_default_and_round_trips_unmasked():
    r = DocumentResult("a.png", "0" * 64, [Page(1, 10, 10, "ocr", [Line("2155 2109 3999", [[0, 0]] * 4, 0.9)])],
                       [DetectedID("AADHAAR", "215521093999", True, 0.9)])
    shown = json.dumps(r.to_dict())
    assert "215521093999" not in shown and "2155 2109 3999" not in shown
    back = DocumentResult.from_dict(r.to_dict(unmask=True))
    assert back.ids[0].key == "aadhaar-p1-1"  # a result without keys gets its stable keys when read
    back.ids[0].key = ""
    assert back == r


def test_logs_are_json_lines_without_full_ids():
    buf = io.StringIO()
    h = logging.StreamHandler(buf)
    h.setFormatter(JSONFormatter())
    lg = logging.getLogger("test.privacy")
    lg.addHandler(h)
    lg.setLevel(logging.INFO)
    lg.info("read 2155 2109 3999", extra={"detail": {"vid": "7112284965890411"}})
    rec = json.loads(buf.getvalue())
    assert rec["msg"] == "read XXXX XXXX 3999" and rec["detail"]["vid"] == "XXXX XXXX XXXX 0411"


# ---------------------------------------------------------------- the detector (issue 21)
import re  # noqa: E402

from hypothesis import HealthCheck, assume, example, given, settings as hsettings, strategies as st  # noqa: E402
from stdnum import verhoeff  # noqa: E402

from ocr_core.privacy import find_numbers, mask_data, mask_lines  # noqa: E402


def _valid(body: str) -> str:
    return body + verhoeff.calc_check_digit(body)


def test_odd_spellings_are_masked_last_four_kept():
    n = "726018159082"
    assert verhoeff.is_valid(n)
    for text, shown in [
        (f"UID{n}ref", "UIDXXXX XXXX 9082ref"), (f"aadhaar_{n}.png", "aadhaar_XXXX XXXX 9082.png"),
        ("726018 159082", "XXXX XXXX 9082"), ("7260.1815.9082", "XXXX XXXX 9082"),
        ("7260-1815-9082", "XXXX XXXX 9082"), ("7260   1815   9082", "XXXX XXXX 9082"),
        ("7260/1815/9082", "XXXX XXXX 9082"), ("7260, 1815, 9082", "XXXX XXXX 9082"),
        ("7260_1815_9082", "XXXX XXXX 9082"), ("no. 7 2 6 0 1 8 1 5 9 0 8 2 ok", "no. XXXX XXXX 9082 ok"),
        ("7260 1815\n9082", "XXXX XXXX\n9082"),  # over a line break: in place, the lines stay
        ("7260 I8I5 9082", "XXXX XXXX 9082"),  # OCR read 1 as I: still Verhoeff-valid
        ("7260 1815 9OB2", "XXXX XXXX 9OB2"),  # two confusions in a row, touching digits
        ("Aadhaar 4987 I234 56O5", "Aadhaar XXXX XXXX 56O5"),  # shape rule with confusions
        ("01/01/1990 7260 1815 9082", "01/01/1990 XXXX XXXX 9082"),  # a date beside it: the date stays
    ]:
        assert mask_text(text) == shown, text
    assert find_numbers(f"UID{n}ref") == [(3, 15, 12)]
    # a phone number beside it: one run of 22 digits, searched window by window (a window across
    # both that happens to pass Verhoeff widens the masked part; the number's own 8 stay hidden)
    out = mask_text(f"9876543210 {n}")
    assert out.endswith("9082") and "72601815" not in out.replace(" ", "")
    vid = "9134567890123451"
    vid = _valid(vid[:15])
    assert mask_text(f"VID:{vid}") == f"VID:XXXX XXXX XXXX {vid[-4:]}"


def test_shape_without_checksum_and_what_stays():
    # today's rule kept: 12/16 digits alone in groups of four are masked even when an OCR misread
    # breaks the checksum
    bad = "215521093998"
    assert not verhoeff.is_valid(bad)
    assert mask_text("Aadhaar 2155 2109 3998") == "Aadhaar XXXX XXXX 3998"
    assert mask_text(f"id {bad}") == "id XXXX XXXX 3998"
    assert mask_text(f"UID{bad}ref") == f"UID{bad}ref"  # glued and invalid: not an Aadhaar
    for keep in ["Phone 9876543210, PIN 641028", "+91 98765 43210", "+919876543210", "PAN EDYPK5645N",
                 "DOB 01/01/1990", "12-05-2015 11-05-2035", "valid 2015-05-12 to 2035-05-11",
                 "DL MH02 20110012345", "MH-0220110012345", "GSTIN 27AAPFU0939F1ZV",
                 "UDYAM-MH-02-0012345", "job 3f2a9c1e-4b7d-4e0a-9f3b-123456789012 done",
                 "XXXX XXXX 3999", "Total 1,23,456.78", "BOSS 2155 2109", "DOB 01/01/1990"]:
        assert mask_text(keep) == keep, keep


def test_longer_run_with_a_valid_window_is_masked():
    """Decision (privacy first): a longer run of digits holding a Verhoeff-valid 12-digit window
    is masked, window by window; the digits after the window stay."""
    n = "726018159082"
    assert mask_text(f"ref {n}77") .startswith("ref XXXX XXXX 9082")
    assert "72601815" not in mask_text(f"3{n}").replace(" ", "")


def test_mask_lines_finds_a_number_split_over_lines():
    lines = ["Number 7260 1815", "9082 (continued)", "Name Asha"]
    assert mask_lines(lines) == ["Number XXXX XXXX", "9082 (continued)", "Name Asha"]
    assert mask_lines(["a\nb 2155 2109 3999"]) == ["a\nb XXXX XXXX 3999"]
    # a column of amounts is not a number over lines (these joined into Verhoeff-valid windows)
    amounts = ["1,068.00", "19,224.00", "1,120.00", "22,400.00", "20"]
    assert mask_lines(amounts) == amounts


def test_mask_data_filters_every_string_but_own_ids():
    h = "7" * 12 + "a" * 52
    d = {"filename": "aadhaar_726018159082.png", "file_hash": h, "case": {"label": "KYC 7260.1815.9082",
         "documents": [h]}, "box": [[1, 2]], "n": 726018159082,
         "reasons": ["seen 7260-1815-9082"]}
    out = mask_data(d)
    assert out["filename"] == "aadhaar_XXXX XXXX 9082.png" and out["file_hash"] == h
    assert out["case"] == {"label": "KYC XXXX XXXX 9082", "documents": [h]}
    assert out["reasons"] == ["seen XXXX XXXX 9082"] and out["box"] == [[1, 2]]
    # the Secure QR's reference (last 4 digits + a time) is kept: it holds a valid window 8 times in 10
    ref = "908220190305150137123"
    assert mask_text(ref) != ref  # as free text it would be masked
    qr = {"fields": {"reference_id": ref, "care_of": "S/O 7260 1815 9082"}}
    assert mask_data(qr) == {"fields": {"reference_id": ref, "care_of": "S/O XXXX XXXX 9082"}}


_SEPS = st.sampled_from([" ", "  ", "   ", ".", "-", "/", ",", ", ", "_", "\n", " - ", "\t", "", "\u2013"])
_AROUND = st.text(alphabet="abcdefghjkmnpqrtuvwxyAEFHJKMNPRTUVWXY :;()#", max_size=12)


@st.composite
def spelled(draw, length: int):
    body = str(draw(st.integers(2, 9))) + "".join(str(draw(st.integers(0, 9))) for _ in range(length - 2))
    number = _valid(body)
    cuts = sorted(draw(st.sets(st.integers(1, length - 1), max_size=length - 1)))
    parts, at = [], 0
    for c in cuts + [length]:
        parts.append(number[at:c])
        at = c
    text = "".join(p + (draw(_SEPS) if i < len(parts) - 1 else "") for i, p in enumerate(parts))
    return number, draw(_AROUND) + text + draw(_AROUND)


_EXEMPT_LINE = re.compile(r"\d{1,3}(?:,\d{2,3})+\.\d{2}")  # an amount on a line of its own: documented exemption


def _no_exempt_shape(text: str) -> bool:
    return not any(_EXEMPT_LINE.fullmatch(ln.strip()) for ln in text.split("\n"))


def _digits_in_order(number: str, text: str) -> bool:
    return re.search(r"[^0-9A-Za-z]{0,8}".join(number), text) is not None


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(spelled(12), spelled(16)))
@example(("726018159082", "UID726018159082ref"))
def test_property_no_valid_number_survives(case):
    number, text = case
    assume(_no_exempt_shape(text))
    out = mask_text(text)
    assert not _digits_in_order(number, out), (text, out)
    assert number[-4:] in re.sub(r"[^0-9]", "", out), (text, out)  # the last four stay readable
    hidden = re.sub(r"[^0-9X]", "", out)
    assert hidden.count("X") >= len(number) - 4  # the rest is hidden, not dropped
    assert mask_text(out) == out  # masking twice changes nothing


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["PAN EDYPK5645N", "Mobile 98765 43210", "DOB 12/05/1990", "PIN 411038",
                                  "GSTIN 27AAPFU0939F1ZV", "Rs. 1,250.00", "Issued 2015-05-12"]), min_size=1,
                max_size=4), st.sampled_from([" ", "\n", "; "]))
def test_property_other_numbers_stay(parts, sep):
    text = sep.join(parts)
    assert mask_text(text) == text


def test_own_identifiers_in_text_stay():
    """Job ids (UUIDs: their hyphens would join digits of two groups) and document hashes in URLs and
    log lines are ours, not Aadhaar numbers: 3000 random ones stay as they are."""
    import hashlib
    import uuid

    for i in range(3000):
        t = f"/ocr-api/paddleocr/status/{uuid.uuid4()} /documents/{hashlib.sha256(str(i).encode()).hexdigest()}"
        assert mask_text(t) == t
    assert mask_text("12345678-1234-4567-8901-234567890123 726018159082") == \
        "12345678-1234-4567-8901-234567890123 XXXX XXXX 9082"


_LOOKALIKE = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"}


@st.composite
def misread(draw):
    """A valid number as OCR may read it: up to two inner digits read as look-alike letters."""
    number, _ = draw(spelled(12))
    inner = [i for i in range(1, 11) if number[i] in _LOOKALIKE]
    swap = draw(st.sets(st.sampled_from(inner), max_size=2)) if inner else set()
    read = "".join(_LOOKALIKE[c] if i in swap else c for i, c in enumerate(number))
    sep = draw(st.sampled_from([" ", "", ".", "-"]))
    text = sep.join(read[i:i + 4] for i in range(0, 12, 4))
    return number, read, draw(_AROUND) + " " + text + " " + draw(_AROUND)


@hsettings(max_examples=300, deadline=None)
@given(misread())
def test_property_ocr_lookalikes_inside_a_valid_number_are_masked(case):
    number, read, text = case
    out = mask_text(text)
    assert read[:8] not in re.sub(r"[^0-9A-Za-z]", "", out), (text, out)
    assert read[-4:] in out


@hsettings(max_examples=300, deadline=None)
@given(spelled(12), st.text(alphabet="OIlSBZGDQoUVXYdbgs_.", max_size=4), st.text(alphabet="OIlSBZGDQoUVXYdbgs_.",
                                                                                  max_size=4))
def test_property_lookalike_letters_glued_around_never_unmask(case, before, after):
    """Letters that OCR confuses with digits glued on either side (``ID7260...``, ``...9082OS``) may
    widen the masked part; the number never survives."""
    number, text = case
    assume(_no_exempt_shape(text))
    out = mask_text(before + text + after)
    assert not _digits_in_order(number, out), (before + text + after, out)


def test_log_lines_mask_message_extras_and_exceptions():
    buf = io.StringIO()
    h = logging.StreamHandler(buf)
    h.setFormatter(JSONFormatter())
    lg = logging.getLogger("test.privacy.odd")
    lg.addHandler(h)
    lg.setLevel(logging.INFO)
    try:
        raise ValueError("cannot read aadhaar_726018159082.png")
    except ValueError:
        lg.exception("upload UID726018159082ref failed", extra={
            "upload": "scan 7260.1815.9082.pdf", "detail": {"reasons": ["seen 7260-1815-9082"]},
            "file_hash": "7260181590" + "a" * 54})
    rec = json.loads(buf.getvalue())
    lg.removeHandler(h)
    assert rec["msg"] == "upload UIDXXXX XXXX 9082ref failed"
    assert rec["upload"] == "scan XXXX XXXX 9082.pdf" and rec["detail"] == {"reasons": ["seen XXXX XXXX 9082"]}
    assert "aadhaar_XXXX XXXX 9082.png" in rec["exc"] and "726018159082" not in rec["exc"]
    assert rec["file_hash"] == "7260181590" + "a" * 54  # our own identifier, not free text


def test_api_response_class_masks_and_unmask_route_does_not():
    from ocr_api.masking import MaskedJSONResponse, UnmaskedJSONResponse

    body = json.loads(MaskedJSONResponse({"error": "bad_input", "detail": "file aadhaar_726018159082.png: bad",
                                          "file_hash": "f" * 64}).body)
    assert body == {"error": "bad_input", "detail": "file aadhaar_XXXX XXXX 9082.png: bad", "file_hash": "f" * 64}
    assert json.loads(UnmaskedJSONResponse({"value": "726018159082"}).body) == {"value": "726018159082"}


def test_unicode_spellings_from_pdf_text_layers():
    """What born-digital text layers hold before or without `textnorm`: en dashes, no-break and
    zero-width spaces, soft hyphens, full-width digits."""
    for text in ["7260\u20131815\u20139082", "7260\u00a01815\u00a09082", "7260\u200b1815\u200b9082",
                 "7260\u00ad1815\u00ad9082", "\uff17\uff12\uff16\uff10\uff11\uff18\uff11\uff15\uff19\uff10\uff18\uff12"]:
        out = mask_text(text)
        assert out.startswith("XXXX XXXX ") and len(out) == 14, (text, out)
