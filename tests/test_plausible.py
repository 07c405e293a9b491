"""A value is valid only when it is plausible, and a document with an expected field missing,
unsure or implausible goes to a person with a reason in words (issue 25: "no silent miss")."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image, ImageDraw

from ocr_core.record import repository, views
from ocr_core.store import connect
from ocr_core.fields import extract_fields
from ocr_core.fields import values as V
from ocr_core.fields.base import NAME_MIN_CONFIDENCE, Found, to_field
from ocr_core.fields.layout import TLine
from ocr_core.models import Line, Page


def _line(text: str, confidence: float = 0.97, script: str | None = None) -> TLine:
    return TLine(text, 10, 10, 200, 30, confidence, 1, "ocr", script=script)


def _name(text: str, **kw):
    return to_field("name", "person", Found(text, [_line(text, **kw)]))


@pytest.mark.parametrize("junk", ["HTRA", "HRT", "HRR", "xXXXXXXXXXX", "XXXX XXXX", "RAVI 1976", "ASHA KULK4RNI",
                                  "Name ASHA", "HGA SHR"])
def test_junk_names_are_never_valid(junk):
    f = _name(junk)
    assert f is not None and not f.valid and f.reason


def test_the_latin_junk_of_devanagari_labels_gets_a_reason_a_person_reads():
    assert _name("HTRA").reason == "not a name's shape: HTRA starts with HTR, as no name does"
    assert _name("HRT").reason == "not a name's shape: HRT has no vowel"
    assert _name("xXXXXXXXXXX").reason == "not a name: mostly X (a blanked or masked value)"


@pytest.mark.parametrize("label", ["Father's Name", "NAME", "Date of Birth", "नाम / Name".split("/")[1]])
def test_a_label_read_as_the_value_is_dropped(label):
    assert _name(label) is None


@pytest.mark.parametrize("name", ["ASHA KULKARNI", "Iyer", "HARPREET IYER", "O'Brien", "D'Souza", "DSOUZA",
                                  "A. K. SHARMA", "A.K. SHARMA", "RAVI", "MD RAFIQ", "SK ABDUL", "TSERING DOLMA",
                                  "KSHITIJ", "SHRIRAM", "HRITHIK ROSHAN", "SMRITI IRANI", "MCDONALD", "LLOYD",
                                  "VIJAYALAKSHMI", "JNANESH", "NGAWANG", "Nguyen", "SCHMIDT"])
def test_real_names_stay_valid(name):
    f = _name(name)
    assert f is not None and f.valid and f.reason is None, f.reason


def test_a_reading_of_a_devanagari_line_is_no_name():
    f = _name("HIRA LAL", script="deva")  # a word shape a name has, read off a headline
    assert not f.valid and "Devanagari" in f.reason


def test_a_name_read_unsure_is_not_valid():
    f = _name("ASHA KULKARNI", confidence=NAME_MIN_CONFIDENCE - 0.1)
    assert not f.valid and f.reason.startswith("unsure: read with confidence 0.70")
    assert _name("ASHA KULKARNI", confidence=NAME_MIN_CONFIDENCE + 0.05).valid


def test_the_devanagari_flag_goes_from_the_engine_line_to_the_field():
    """An engine's `Line.script` (the cascade sets it where a line shows a headline) reaches the
    field layer, and survives the stored result."""
    box = lambda y: [[40, y], [400, y], [400, y + 24], [40, y + 24]]  # noqa: E731
    lines = [Line("INCOME TAX DEPARTMENT", box(10), 0.99), Line("Name", box(60), 0.98),
             Line("HIRA MANI", box(90), 0.95, script="deva"), Line("Date of Birth", box(130), 0.98),
             Line("14/10/1976", box(160), 0.98)]
    again = Line.from_dict(json.loads(json.dumps(lines[2].to_dict(unmask=True))))
    assert again.script == "deva" and "script" not in lines[1].to_dict()
    fields = extract_fields("PAN", [Page(number=1, width=500, height=200, lines=lines, source="ocr")], [])
    assert fields["name"].value == "HIRA MANI" and not fields["name"].valid
    assert fields["dob"].valid


def test_english_gender_wins_over_a_misread_hindi_word_and_a_disagreement_is_flagged():
    assert V.find_gender("T / MALE") == "MALE"  # a Latin misreading of पुरुष before the English word
    assert V.find_gender("ट्रांसजेंडर / MALE") == "MALE"
    f = to_field("gender", "gender", Found("ट्रांसजेंडर / MALE", [_line("ट्रांसजेंडर / MALE")]))
    assert f.value == "MALE" and not f.valid
    assert f.reason == "the Hindi word reads TRANSGENDER but the English word MALE"
    ok = to_field("gender", "gender", Found("पुरुष / MALE", [_line("पुरुष / MALE")]))
    assert ok.value == "MALE" and ok.valid
    assert V.find_gender("महिला") == "FEMALE" and V.gender_problem("महिला / FEMALE") is None


def test_attention_names_the_fields_in_words():
    from ocr_core.models import Field

    fields = {"father_name": Field("father_name", "GURPREET KULKARNI", 0.95),
              "dob": Field("dob", "2090-01-01", 0.95, valid=False, reason="birth date in the future")}
    out = repository.attention("PAN", [], fields)
    assert "no name found on the PAN card" in out
    assert "date of birth implausible (birth date in the future)" in out
    typed = {"name": Field("name", "ASHA K", None, valid=False, reason="x"), **fields}  # an operator's: as typed
    assert not any(a.startswith("name") for a in repository.attention("PAN", [], typed))


def _pan_without_name(dev_dir) -> bytes:
    gt = json.loads((dev_dir / "pan_000.gt.json").read_text())
    box = next(ln["box"] for ln in gt["lines"] if ln["text"] == gt["fields"]["name"])
    im = Image.open(dev_dir / "pan_000.png").convert("RGB")
    ImageDraw.Draw(im).rectangle([box[0][0] - 4, box[0][1] - 4, box[2][0] + 4, box[2][1] + 4], fill="white")
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def test_a_pan_card_that_prints_no_name_goes_to_a_person(settings, dev_dir, monkeypatch):
    """A real PAN specimen with its name blanked out, read by the real engine: no valid name, and the
    document needs a person with the reason in words (AUTO_APPROVE passes it by)."""
    from ocr_core.config import get_settings
    from ocr_core.intake import process_upload

    monkeypatch.setenv("AUTO_APPROVE", "true")
    get_settings.cache_clear()
    res = process_upload(_pan_without_name(dev_dir), "pan_no_name.png")
    assert res.document_type == "PAN" and [i.value for i in res.ids if i.valid] == ["EDYPK5645N"]
    name = res.fields.get("name")
    assert name is None or not name.valid
    assert res.fields["father_name"].value == "GURPREET KULKARNI"  # the father is not taken for the holder
    rv = views.get(res.file_hash)
    assert rv.review_status == "pending" and "no name found on the PAN card" in rv.attention
    assert "no name found on the PAN card" in repository.get_row(res.file_hash, connect())["attention"]


def test_an_address_whose_pin_code_is_cut_is_not_valid():
    cut = to_field("address", "address", Found("70, Station Road, Surat, Gujarat - 698", [_line("x")]))
    assert not cut.valid and cut.reason == "the PIN code 698 is not 6 digits starting 1-9"
    for ok in ("70, Station Road, Surat, Gujarat - 395003", "12, MG Road, Bengaluru, Karnataka, 560001",
               "Flat 4, Plot-12", "House 7, Sector 5"):
        assert to_field("address", "address", Found(ok, [_line("x")])).valid, ok
