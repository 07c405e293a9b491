"""The quality gate on real degraded images (made by bench/unseen.py): blur and glare measured
before OCR, text height and confidence after; a poor document is flagged, never refused."""
import io
import random

import numpy as np
import pytest

from ocr_core import quality, scan
from ocr_core.models import Line, Page


@pytest.fixture(scope="module")
def card(unseen_gen):
    rng = random.Random(7)
    c, *_ = unseen_gen.pan_card_v3(rng, "arimo", unseen_gen.person(rng))
    return c.im


def _png(im) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def test_blur_and_glare_measured_on_the_image(card, unseen_gen):
    rng = random.Random(3)
    clean = quality.image_measures(np.asarray(card))
    blurred = quality.image_measures(np.asarray(unseen_gen.degrade_image(card, "blur", rng)))
    glare = quality.image_measures(np.asarray(unseen_gen.degrade_image(card, "glare", rng)))
    assert clean["blur"] > quality.BLUR_MIN > blurred["blur"]
    assert clean["glare"] <= quality.GLARE_MAX < glare["glare"]
    assert quality.page_reasons(clean) == []
    assert quality.page_reasons(blurred) == ["blurred"]
    assert quality.page_reasons(glare) == ["glare"]


def test_white_paper_is_not_glare():
    page = np.full((800, 600, 3), 255, np.uint8)
    page[100:110, 50:550] = 0  # a line of "text"
    assert quality.glare_share(page) == 0.0


def test_small_text_and_low_confidence_after_ocr():
    def ln(h, conf):
        return Line("some text", [[0, 0], [100, 0], [100, h], [0, h]], conf)
    assert quality.page_reasons(quality.line_measures([ln(30, 0.97)] * 3)) == []
    assert quality.page_reasons(quality.line_measures([ln(8, 0.97)] * 3)) == ["too small"]
    assert quality.page_reasons(quality.line_measures([ln(30, 0.5)] * 3)) == ["low confidence"]
    pages = [Page(1, 10, 10, "ocr", [ln(8, 0.5)], quality={"blur": 10.0, "glare": 0.0}),
             Page(2, 10, 10, "text_layer", [ln(8, 0.5)])]
    assert quality.assess(pages) == {"ok": False, "reasons": ["blurred", "too small", "low confidence"]}
    assert pages[1].quality == {}  # a text layer is not judged


def test_scan_flags_a_degraded_card_and_still_reads_it(card, unseen_gen, engine, settings):
    clean = scan(_png(card), filename="clean.png", use_cache=False)
    assert clean.quality == {"ok": True, "reasons": []}
    assert clean.pages[0].quality["text_height"] > quality.TEXT_HEIGHT_MIN
    glare = scan(_png(unseen_gen.degrade_image(card, "glare", random.Random(3))), filename="g.png", use_cache=False)
    assert glare.quality["ok"] is False and "glare" in glare.quality["reasons"]
    assert glare.to_dict()["quality"] == glare.quality  # in what leaves the core
    assert glare.document_type == "PAN"  # flagged, not refused
