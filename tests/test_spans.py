"""The cascade re-reads only the stretch of a long line that may hold an ID (`engines.spans`): which
characters, where they are on the image, and how the small reading goes back into the line."""
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr_core.reread import engine as get_engine  # the cascade with the documents' re-read policy
from ocr_core.engines.spans import blank_columns, id_like, id_spans, span_columns, splice
from ocr_core.models import Line

SENTENCE = "Your consumer number is 7310 8591 8446 7931 and the ticket number is CCK9776783. Call us"


def test_printed_numbers_that_are_no_id():
    assert not id_like("Email: annapurna47@mail.example")  # letters and digits of an address
    assert not id_like("Enrolment No.: 2820/19456/63654")  # UIDAI's enrolment number (EID)
    assert not id_like("Phone: 016-2385 4518 Mobile: 7587860337")  # a landline with its STD code
    assert not id_like("please call 7587860337 or 016-2385 4518")  # a mobile number on its own
    assert not id_like("3eicilch<U Tu9F")  # Devanagari read as Latin: one digit among letters
    assert not id_like("25/04/2024NEFT credit 31322.00")  # a date glued to a word, an amount
    assert not id_like("Year of Birth : 1954") and not id_like("Account No:17159560606735")
    # an Aadhaar that lost its gaps is no phone number: twelve digits
    assert id_like("Aadhaar 731085918446") and id_like("7310 8591844679")


def _stretches(text, ids=()):
    return [text[a:b] for a, b in id_spans(text, ids)]


def test_id_spans_are_whole_words_around_the_id_tokens():
    assert _stretches(SENTENCE) == ["7310 8591 8446 7931", "CCK9776783."]
    assert _stretches("XXXXXXXX 3985") == ["XXXXXXXX 3985"]  # the masked groups too
    # a group the tiny model read as letters stays inside the stretch
    assert _stretches("Aadhaar No 7310 B5Sl 8446 and more words here") == ["7310 B5Sl 8446"]
    # an ID value the extractor found (as read) counts even where no pattern here matches it
    assert _stretches("ref ABCDE and so on", ["ABCDE"]) == ["ABCDE"]
    assert _stretches("Straße 12, ABCDE1234F") == ["ABCDE1234F"]  # a letter that upper-cases to two


def test_a_field_value_is_what_follows_its_label():
    from ocr_core.engines.spans import value_span

    text = "Aafa aT / Elector's Name: Farhan Nikhil Sharma"
    assert [text[a:b] for a, b in value_span(text)] == ["Farhan Nikhil Sharma"]
    assert value_span("City. Patna") == [] and value_span("Time 10:30") == []


def test_splice_puts_the_small_reading_in_place_of_the_words_it_covers():
    text = "Your consumer number is 7310 8S91 8446 7931 and the ticket"
    x1 = 1000.0
    a, b = id_spans(text)[0]
    from ocr_core.engines.spans import char_edges

    e = char_edges(text, 0.0, x1)
    cols = (int(e[a]) - 10, int(e[b]) + 10)
    # the crop took a letter of the word before: the reading still replaces whole words
    assert splice(text, cols, 0.0, x1, "s 7310 8591 8446 7931") == "Your consumer number is 7310 8591 8446 7931 and the ticket"
    assert splice(text, cols, 0.0, x1, "7310 8591 8446 7931") == "Your consumer number is 7310 8591 8446 7931 and the ticket"
    assert splice(text, cols, 0.0, x1, "qwerty") is None  # nothing in common: not spliced
    assert splice(text, cols, 0.0, x1, "  ") is None


FONT = 22


def _sentence_image(text: str) -> np.ndarray:
    """The line on a page of an A4 letter's width (1240 px: 150 dpi)."""
    font = ImageFont.truetype("DejaVuSans.ttf", FONT)
    im = Image.new("RGB", (1240, 300), "white")
    ImageDraw.Draw(im).text((30, 130), text, font=font, fill="black")
    return np.asarray(im)


def test_span_columns_hold_the_stretch_on_the_image_and_end_in_blank_columns():
    img = _sentence_image(SENTENCE)
    eng = get_engine("cascade", "en")._all[0]
    line = max(eng.detect_and_read(img), key=lambda ln: ln.box[2][0] - ln.box[0][0])
    (x0, y0), (x1, y1) = line.box[0], line.box[2]
    crop = np.ascontiguousarray(img[int(y0):int(y1) + 1, int(x0):int(x1) + 1, ::-1])
    import cv2

    blank = blank_columns(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY))
    a, b = id_spans(line.text)[0]
    c0, c1 = span_columns(line.text, x0, x1, y1 - y0, (a, b), blank)
    font = ImageFont.truetype("DejaVuSans.ttf", FONT)
    start = 30 + font.getlength(SENTENCE[:SENTENCE.index("7310")]) - x0
    end = 30 + font.getlength(SENTENCE[:SENTENCE.index("7931") + 4]) - x0
    assert c0 <= start and c1 >= end  # the whole number is in the crop
    assert c1 - c0 < 0.5 * (x1 - x0)  # and far less than the line
    assert (c0 == 0 or blank[c0]) and (c1 >= len(blank) or blank[c1])  # no glyph is cut


@pytest.mark.parametrize("text", [SENTENCE, "A/c No.: 5101 2935 7678 and the branch is in the old town of Pune city"])
def test_the_cascade_reads_a_long_line_by_its_id_stretch_to_the_same_text(text):
    """The line read by its stretches and spliced is the line read whole (here, where tiny and
    small agree), for a fraction of the recogniser's width."""
    img = _sentence_image(text)
    eng = get_engine("cascade", "en")._all[0]
    tiny = eng.detect_and_read(img)
    k = max(range(len(tiny)), key=lambda i: tiny[i].box[2][0] - tiny[i].box[0][0])
    parts = eng._parts(img, tiny[k], "id-like", [])
    assert parts and sum(c1 - c0 for c0, c1 in parts) < 0.6 * (tiny[k].box[2][0] - tiny[k].box[0][0])
    by_stretch = eng._read_jobs(img, tiny, {k: "id-like"}, [(k, c) for c in parts])[k]
    whole = eng._read_jobs(img, tiny, {k: "id-like"}, [(k, None)])[k]
    assert by_stretch.text.replace(" ", "") == whole.text.replace(" ", "") == text.replace(" ", "")
    assert isinstance(by_stretch, Line) and 0 < by_stretch.confidence <= 1


def test_a_long_field_line_is_re_read_by_its_value():
    text = "Elector's Name in the roll of the constituency: Farhan Nikhil Sharma"
    img = _sentence_image(text)
    eng = get_engine("cascade", "en")._all[0]
    tiny = eng.detect_and_read(img)
    k = max(range(len(tiny)), key=lambda i: tiny[i].box[2][0] - tiny[i].box[0][0])
    parts = eng._parts(img, tiny[k], "field", [])
    assert parts and len(parts) == 1
    read = eng._read_jobs(img, tiny, {k: "field"}, [(k, parts[0])])[k]
    assert read.text.endswith("Farhan Nikhil Sharma") and read.text.startswith("Elector")
    assert eng._parts(img, tiny[k], "low", []) is None  # a low-confidence value: read whole
