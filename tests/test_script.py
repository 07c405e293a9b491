"""A Devanagari line shows its headline (shirorekha) on the image; a Latin or bilingual one does not
(`engines.script`), so the cascade does not re-read Devanagari junk with a Latin recogniser."""
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr_core.reread import engine as get_engine  # the cascade with the documents' re-read policy
from ocr_core.engines.cascade import line_crop
from ocr_core.engines.script import has_headline

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_devanagari_lines_of_a_card_have_a_headline_and_the_latin_ones_none():
    import cv2

    img = np.asarray(Image.open(FIXTURES / "aadhaar_hindi.png").convert("RGB"))
    lines = get_engine("cascade", "en")._all[0].detect_and_read(img)
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    by_text = {ln.text: has_headline(line_crop(grey, ln.box)) for ln in lines}
    latin = [t for t in by_text if t.startswith(("Government", "Rahul", "XXXX"))]
    assert len(latin) == 3 and not any(by_text[t] for t in latin)
    # the Hindi name (राहुल वर्मा) right above the Latin one, read by tiny as junk
    name = next(ln for ln in lines if ln.text == "Rahul Verma")
    above = max((ln for ln in lines if ln.box[2][1] <= name.box[0][1]), key=lambda ln: ln.box[2][1])
    assert above.confidence < 0.9 and by_text[above.text]
    # a bilingual line (Devanagari label / Latin value) is no Devanagari line
    assert not any(v for t, v in by_text.items() if "MALE" in t or "DOB" in t)


def test_latin_capitals_with_bars_have_no_headline():
    font = ImageFont.truetype("DejaVuSans-Bold.ttf", 30)
    # (a line of only T, E, F and Z would fill its top row: no word on an ID document is one)
    for text in ("ELECTION COMMISSION OF INDIA", "INCOME TAX DEPARTMENT", "PERMANENT ACCOUNT NUMBER"):
        im = Image.new("L", (int(font.getlength(text)) + 20, 44), 255)
        ImageDraw.Draw(im).text((10, 4), text, font=font, fill=0)
        assert not has_headline(np.asarray(im)), text
    # a bar over the whole line is a headline, blank or flat crops are not
    im = Image.new("L", (400, 44), 255)
    d = ImageDraw.Draw(im)
    d.rectangle((10, 8, 390, 11), fill=0)
    for x in range(20, 380, 30):
        d.rectangle((x, 8, x + 4, 36), fill=0)
    assert has_headline(np.asarray(im))
    assert not has_headline(np.full((40, 300), 255, np.uint8)) and not has_headline(np.zeros((2, 2), np.uint8))
