"""ocr_core.overlay: boxes drawn over the real page image, coloured by confidence band, ID boxes
highlighted and labelled; rotated pages are shown upright in the boxes' pixel space."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ocr_core import overlay
from ocr_core.intake import process_upload
from ocr_core.models import DetectedID, Line, Page


def _count(img: Image.Image, colour: tuple[int, int, int], tol: int = 30) -> int:
    a = np.asarray(img).astype(int)
    return int((np.abs(a - np.array(colour)).sum(axis=2) < tol).sum())


def test_bands():
    assert [overlay.band(c) for c in (0.99, 0.9, 0.8, 0.75, 0.5)] == ["high", "high", "medium", "medium", "low"]


def test_synthetic_page_colours_and_labels():
    base = np.full((200, 400, 3), 255, np.uint8)
    page = Page(1, 400, 200, "ocr", [Line("hi", [[10, 10], [100, 10], [100, 40], [10, 40]], 0.95),
                                     Line("mid", [[10, 60], [100, 60], [100, 90], [10, 90]], 0.8),
                                     Line("lo", [[10, 110], [100, 110], [100, 140], [10, 140]], 0.3)])
    ids = [DetectedID("PAN", "ABCPK1234Z", True, 0.9, 1, [[200, 60], [380, 60], [380, 90], [200, 90]]),
           DetectedID("EPIC", "ABC1234560", False, 0.9, 1, [[200, 130], [380, 130], [380, 160], [200, 160]],
                      reason="bad"),
           DetectedID("DL", "X", True, 0.9, 2, [[0, 0], [5, 0], [5, 5], [0, 5]])]  # another page: not drawn
    img = overlay.draw_overlay(base, page, ids)
    assert img.size == (400, 200)
    for c in overlay.BAND_COLOURS.values():
        assert _count(img, c) > 50, c
    assert _count(img, overlay.ID_VALID) > 100 and _count(img, overlay.ID_INVALID) > 100
    plain = overlay.draw_overlay(base, page, ids, show_lines=False, show_ids=False)
    assert np.array_equal(np.asarray(plain), base)
    # the label is drawn (white text on the tag) above the box, and no ID number is written anywhere
    tag = np.asarray(img)[40:60, 200:260]
    assert (tag.sum(axis=2) > 700).any() and (np.abs(tag.astype(int) - overlay.ID_VALID).sum(axis=2) < 30).any()
    big = overlay.draw_overlay(np.full((2000, 3000, 3), 255, np.uint8), page, ids, max_side=1000)
    assert big.size == (1000, 667)


def test_real_page_with_boxes(settings, engine, dev_dir):
    data = (dev_dir / "pan_000.png").read_bytes()
    res = process_upload(data, "pan_000.png")
    img = overlay.render(res, 1)
    assert img.size == (res.pages[0].width, res.pages[0].height)
    box = res.ids[0].box
    x0, y0 = int(min(p[0] for p in box)), int(min(p[1] for p in box))
    x1 = int(max(p[0] for p in box))
    a = np.asarray(img).astype(int)
    edge = a[y0 - 8:y0 - 2, x0 + 60:x1]  # just above the PAN: the highlighted ID outline or its label
    assert (np.abs(edge - overlay.ID_VALID).sum(axis=2) < 40).mean() > 0.3
    assert _count(img, overlay.BAND_COLOURS["high"]) > 500
    with pytest.raises(StopIteration):
        overlay.render(res, 2)


def test_rotated_scan_is_shown_upright_in_box_space(settings, engine, dev_dir):
    import io

    upright = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan_000.png")
    buf = io.BytesIO()
    Image.open(dev_dir / "pan_000.png").convert("RGB").rotate(90, expand=True).save(buf, format="PNG")
    res = process_upload(buf.getvalue(), "pan_000_turned.png")
    page = res.pages[0]
    assert page.rotation in (90, 270)
    img = overlay.page_image(buf.getvalue(), page)
    assert img.shape[:2] == (page.height, page.width) == (upright.pages[0].height, upright.pages[0].width)
    # the PAN box lands where it lies on the upright card
    a, b = np.array(res.ids[0].box), np.array(upright.ids[0].box)
    assert res.ids[0].value == upright.ids[0].value and np.abs(a - b).max() < 15
