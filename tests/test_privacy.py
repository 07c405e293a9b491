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
