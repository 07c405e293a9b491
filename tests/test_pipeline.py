"""scan(): the real PaddleOCR engine on real images, through a real SQLite cache."""
import io
import json
import time

import pytest
from PIL import Image

from ocr_core import scan
from ocr_core.store import ResultCache, connect

CLEAN = ["pan_000.png", "aadhaar_000.png", "aadhaar_001.png", "dl_000.png", "passport_000.png", "udyam_000.png",
         "gst_000.png", "voter_000.png"]


def truth(path):
    return json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".gt.json").read_text())


@pytest.fixture(scope="module")
def dev_results(dev_dir, engine, tmp_path_factory):
    return {name: scan(dev_dir / name, use_cache=False) for name in CLEAN + ["distractor_000.png", "distractor_002.png"]}


@pytest.mark.parametrize("name", CLEAN)
def test_every_id_type_found_and_valid_on_clean_dev_documents(name, dev_results, dev_dir):
    gt = truth(dev_dir / name)
    r = dev_results[name]
    got = r.document_ids(unmask=True)
    for id_type, values in gt["ids"].items():
        assert set(values) <= set(got[id_type]), (id_type, values, got[id_type])
    assert r.document_type == gt["document_type"]
    assert all(i.valid for i in r.ids if i.value in sum(gt["ids"].values(), []))


@pytest.mark.parametrize("name", ["distractor_000.png", "distractor_002.png"])
def test_distractor_look_alikes_are_rejected(name, dev_results, dev_dir):
    gt = truth(dev_dir / name)
    r = dev_results[name]
    decoys = {v for vs in gt["decoys"].values() for v in vs}
    assert not any(i.valid and i.value in decoys for i in r.ids)
    assert all(not v for v in r.document_ids(unmask=True).values())
    assert r.document_type == "UNKNOWN"
    # the decoys that look like numbers are still shown to the operator, marked invalid with a reason
    assert any(not i.valid and i.reason for i in r.ids)


def test_aadhaar_masked_everywhere_a_person_sees_it(dev_results):
    r = dev_results["aadhaar_000.png"]
    full = r.document_ids(unmask=True)["AADHAAR"][0]
    shown = json.dumps(r.to_dict())
    assert full not in shown and full[-4:] in shown
    assert r.to_dict()["document_ids"]["AADHAAR"] == ["XXXX XXXX " + full[-4:]]
    masked_card = dev_results["aadhaar_001.png"].document_ids()
    assert masked_card["AADHAAR_MASKED"] == ["XXXXXXXX3166"] and masked_card["AADHAAR"] == []


def test_seed_fields_and_pages(dev_results):
    d = dev_results["pan_000.png"].to_dict()
    for key in ("filename", "texts", "raw_text", "document_ids", "document_type", "execution_time", "cached"):
        assert key in d
    page = d["pages"][0]
    assert page["source"] == "ocr" and page["width"] == 1011 and page["height"] == 638
    assert all(len(ln["box"]) == 4 and 0 <= ln["confidence"] <= 1 for ln in page["lines"])


def test_text_layer_pdf_is_read_without_ocr_and_scanned_pdf_is_ocred(fixtures_dir, engine, settings):
    truth_ids = dict(line.split() for line in (fixtures_dir / "truth.txt").read_text().splitlines())
    r = scan(fixtures_dir / "gst_text.pdf")
    assert [p.source for p in r.pages] == ["text_layer"]
    assert r.document_ids()["GSTIN"] == [truth_ids["GSTIN"]] and r.document_type == "GSTIN"
    r = scan(fixtures_dir / "udyam_scan.pdf")
    assert [p.source for p in r.pages] == ["ocr"]
    assert r.document_ids()["UDYAM"] == [truth_ids["UDYAM"]] and r.document_type == "UDYAM"


def test_cache_hit_is_identical_and_flagged(fixtures_dir, engine, settings):
    cold = scan(fixtures_dir / "pan_card.png")
    warm = scan(fixtures_dir / "pan_card.png")
    assert not cold.cached and warm.cached
    a, b = cold.to_dict(), warm.to_dict()
    for d in (a, b):
        d.pop("cached"), d.pop("execution_time")
    assert a == b
    assert warm.execution_time < cold.execution_time
    rows = list(connect(settings.db_path).query("select cached, error from scans order by id"))
    assert [r["cached"] for r in rows] == [0, 1] and all(r["error"] is None for r in rows)


def test_cache_expiry_and_lru_eviction(settings, monkeypatch):
    from ocr_core.config import get_settings

    monkeypatch.setenv("CACHE_MAX_SIZE", "2")
    monkeypatch.setenv("CACHE_TTL_SECONDS", "60")
    get_settings.cache_clear()
    cache = ResultCache(get_settings())
    for h in ("a", "b"):
        cache.put(h * 64, "v1", {"n": h})
        time.sleep(0.01)
    assert cache.get("a" * 64, "v1") == {"n": "a"}  # 'a' is now the most recently used
    cache.put("c" * 64, "v1", {"n": "c"})
    assert cache.get("b" * 64, "v1") is None and cache.get("a" * 64, "v1") is not None
    cache.db.execute("update cache set created_at = created_at - 61")
    assert cache.get("a" * 64, "v1") is None  # expired after CACHE_TTL_SECONDS


def test_model_or_parameter_version_change_misses_the_cache(fixtures_dir, engine, settings, monkeypatch):
    from ocr_core.config import get_settings

    scan(fixtures_dir / "pan_card.png")
    assert scan(fixtures_dir / "pan_card.png").cached
    assert not scan(fixtures_dir / "pan_card.png", engine="tesseract").cached  # another engine and model
    monkeypatch.setenv("OCR_DPI", "200")  # a parameter in the key, like the model digest
    get_settings.cache_clear()
    assert not scan(fixtures_dir / "pan_card.png").cached


def test_stored_cache_entries_are_encrypted(fixtures_dir, engine, settings):
    r = scan(fixtures_dir / "aadhaar_card.png")
    aadhaar = r.document_ids(unmask=True)["AADHAAR"][0]
    raw = (settings.db_path).read_bytes() + b"".join(
        p.read_bytes() for p in settings.db_path.parent.glob("ocr.db-wal"))
    assert aadhaar.encode() not in raw and b"Priya" not in raw


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_pages_turned_by_90_180_270_degrees_are_read_upright(degrees, fixtures_dir, engine, settings):
    im = Image.open(fixtures_dir / "pan_card.png").rotate(-degrees, expand=True)  # turned clockwise
    buf = io.BytesIO()
    im.save(buf, "PNG")
    r = scan(buf.getvalue(), filename=f"pan_{degrees}.png")
    assert r.document_ids()["PAN"] == ["AFZPK7190K"]
    assert r.pages[0].rotation in (360 - degrees, (360 - degrees) % 360)
    assert (r.pages[0].width, r.pages[0].height) == (820, 520)


def test_bad_input_raises_typed_error_and_is_recorded(settings):
    from ocr_core.errors import UnsupportedFileTypeError

    with pytest.raises(UnsupportedFileTypeError):
        scan(b"%!PS-Adobe-3.0 not a pdf", filename="x.pdf")
    row = next(connect(settings.db_path).query("select error, error_code from scans"))
    assert row["error_code"] == "unsupported_type" and "Unsupported" in row["error"]


def test_new_model_weights_never_serve_old_results(fixtures_dir, engine, settings, monkeypatch):
    """The key holds the digest of the ONNX weights: other weights (a new rapidocr wheel) miss."""
    from ocr_core.engines import model_dirs
    from ocr_core.pipeline import cache_version

    scan(fixtures_dir / "gst_text.pdf")
    before = cache_version("paddleocr", "en", settings)
    assert model_dirs.model_version() in before
    monkeypatch.setattr(model_dirs, "model_version", lambda: "PP-OCRv6_small_det:000000000000+rec:111111111111")
    assert cache_version("paddleocr", "en", settings) != before
    assert not scan(fixtures_dir / "gst_text.pdf").cached


# ---------------------------------------------------------------- mixed pages (text layer + pictures)
def _kyc_pdf(number_text: str, invisible_over: str | None = None) -> bytes:
    """A typed header line (text layer) above an embedded picture of an Aadhaar card."""
    import pymupdf
    from PIL import ImageDraw, ImageFont

    bold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
    im = Image.new("RGB", (640, 400), (246, 244, 238))
    d = ImageDraw.Draw(im)
    for y, t, px in ((24, "Government of India", 24), (70, "Kavita Rao", 22), (112, "DOB: 14/02/1990", 20),
                     (150, "FEMALE", 20), (190, number_text, 30)):
        d.text((32, y), t, fill=(20, 20, 30), font=ImageFont.truetype(bold, px))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 80), "KYC document copy - self attested", fontsize=14)
    page.insert_image(pymupdf.Rect(60, 110, 380, 310), stream=buf.getvalue())
    if invisible_over:  # unrelated invisible text over the number's line of the card
        page.insert_text((76, 110 + 205 / 2), invisible_over, fontsize=11, render_mode=3)
    return doc.tobytes()


def test_picture_on_a_text_layer_page_is_ocred_and_joined(engine, settings):
    """The header comes from the text layer (once, not again from OCR), the card from OCR: the
    Aadhaar is found and the page is of type AADHAAR; a picture's number under an unrelated
    invisible text is read too (a text-layer line does not hide an OCR line that says otherwise)."""
    for invisible in (None, "Photo attached"):
        r = scan(_kyc_pdf("9472 0318 5647", invisible), use_cache=False)
        (pg,) = r.pages
        assert pg.source == "mixed" and r.document_type == "AADHAAR", [ln.text for ln in pg.lines]
        assert r.document_ids(unmask=True)["AADHAAR"] == ["947203185647"]
        assert sum("KYC document copy" in ln.text for ln in pg.lines) == 1
        header = next(ln for ln in pg.lines if "KYC document" in ln.text)
        number = next(ln for ln in pg.lines if "5647" in ln.text)
        assert header.confidence == 1.0 and max(p[1] for p in header.box) < min(p[1] for p in number.box)
        # the number's box is where the card shows it on the page rendered at OCR_DPI (150)
        s = 150 / 72
        assert 60 * s < min(p[0] for p in number.box) < 380 * s and 110 * s < min(p[1] for p in number.box) < 310 * s
    assert [p.source for p in scan(fixtures_dir_path() / "gst_text.pdf").pages] == ["text_layer"]


def fixtures_dir_path():
    from pathlib import Path

    return Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("rot", [90, 180, 270])
def test_region_lines_turned_back_onto_the_page(rot):
    """A region read turned (`ocr_page` turned it upright) maps its boxes back onto the page."""
    import numpy as np

    from ocr_core.loader import Region
    from ocr_core.models import Line
    from ocr_core.pipeline import region_lines, rotate

    img = np.zeros((40, 100, 3), np.uint8)
    img[5, 70] = 255  # a marked pixel at (x=70, y=5)
    turned = rotate(img, rot)
    y, x = (int(v) for v in np.argwhere(turned[:, :, 0] == 255)[0])
    reg = Region(img, x0=1000.0, y0=2000.0, scale=0.5)
    (ln,) = region_lines(reg, [Line("x", [[x + 0.5, y + 0.5]] * 4, 0.9)], rot)
    assert ln.box[0] == pytest.approx([1000 + 70.5 * 0.5, 2000 + 5.5 * 0.5])
