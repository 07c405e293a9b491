"""The harder labelled sets (bench/unseen_hard.py, bench/captures.py) and the silent error rate
(bench/silent.py): generated documents carry a truth that matches what is drawn, and the rate counts
what a person would not see."""
import json
import random
import re
import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import captures  # noqa: E402
import silent  # noqa: E402
import unseen_hard  # noqa: E402

from ocr_core.fields import field_keys  # noqa: E402
from ocr_core.idtypes import BY_TYPE  # noqa: E402


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    out = tmp_path_factory.mktemp("hard")
    return {p: unseen_hard.generate(out, p, per_family=1) for p in ("tune", "unseen")}, out


def _truths(files):
    return [(f, json.loads(f.with_name(f.name.rsplit(".", 1)[0] + ".gt.json").read_text())) for f in files]


def test_parts_hold_every_family_and_keep_some_unseen(parts):
    written, out = parts
    layouts = {p: {gt["layout"] for _, gt in _truths(fs)} for p, fs in written.items()}
    assert layouts["unseen"] == set(unseen_hard.FAMILIES)
    assert layouts["tune"] == set(unseen_hard.FAMILIES) - unseen_hard.UNSEEN_ONLY
    tune_fonts = {gt["fonts"][0] for _, gt in _truths(written["tune"])}
    assert not tune_fonts & unseen_hard.UNSEEN_ONLY_FONTS
    for f, gt in _truths(written["unseen"]):  # a clean card and one capture of it, both labelled
        assert f.exists() and Image.open(f).size == tuple(gt["image_size"])
        assert gt["degradation"] in ("none", *captures.CAPTURES)
    assert json.loads((out / "unseen" / "manifest.json").read_text())["documents"] == len(written["unseen"])


def test_every_number_validates_with_the_id_registry_and_is_drawn(parts):
    written, _ = parts
    seen = set()
    for f, gt in _truths(written["tune"] + written["unseen"]):
        drawn = re.sub(r"[\s-]", "", " ".join(ln["text"] for ln in gt["lines"]))
        for t, values in gt["ids"].items():
            if t == "MRZ" and values:
                assert BY_TYPE[t].validate("\n".join(values)) is None, f.name
                assert all(v in [ln["text"] for ln in gt["lines"]] for v in values)
                continue
            for v in values:
                seen.add(t)
                assert BY_TYPE[t].validate(v) is None, (f.name, t, v)
                assert v in drawn, (f.name, v)
    assert {"PAN", "AADHAAR", "DL", "EPIC", "PASSPORT"} <= seen


def test_fields_match_the_type_and_what_is_printed(parts):
    written, _ = parts
    no_name = 0
    for f, gt in _truths(written["unseen"]):
        keys = set(field_keys(gt["document_type"]))
        assert set(gt["fields"]) - {"gender", "father_name"} <= keys, f.name
        texts = " ".join(ln["text"] for ln in gt["lines"])
        if gt["fields"]["name"] is None:  # a card that prints no name says so, and why
            no_name += 1
            assert gt["no_name"] in ("blank", "redacted", "specimen")
        else:
            assert gt["fields"]["name"].split()[0].upper() in texts.upper(), f.name
        if gt["fields"].get("dob"):
            assert gt["fields"]["dob"] in texts
    assert no_name >= 2  # pan_blank and aadhaar_redacted


def test_generation_is_deterministic(tmp_path):
    a = unseen_hard.generate(tmp_path / "a", "tune", per_family=1)
    b = unseen_hard.generate(tmp_path / "b", "tune", per_family=1)
    for x, y in zip(a, b):
        assert x.name == y.name
        assert x.with_suffix("").with_suffix(".gt.json").read_text() == y.with_suffix("").with_suffix(".gt.json").read_text()


def test_captures_degrade_the_picture():
    import numpy as np

    im = Image.new("RGB", (400, 250), (240, 240, 240))
    im.paste((20, 20, 20), (50, 100, 350, 130))
    for kind in captures.CAPTURES:
        out = captures.capture(im, kind, random.Random(3))
        assert out.mode == "RGB"
        if kind == "down50_q40":
            assert out.size == (200, 125)
        elif out.size == im.size:
            assert np.abs(np.asarray(out, float) - np.asarray(im, float)).mean() > 0.5, kind


def _res(doc_type="PAN", ids=(), fields=None, **extra):
    return {"document_type": doc_type, "ids": [{"type": t, "value": v, "valid": ok, "confidence": 0.99}
                                               for t, v, ok in ids], "fields": fields or {}, **extra}


GT = {"document_type": "PAN", "ids": {"PAN": ["ABCPK1234Q"]},
      "fields": {"name": "Asha Kulkarni", "father_name": "Ravi Kulkarni", "dob": "14/10/1976", "gender": None}}


def test_silent_errors_are_those_on_documents_nobody_is_asked_about():
    right = {"name": {"value": "ASHA KULKARNI", "valid": True}, "father_name": {"value": "RAVI KULKARNI", "valid": True},
             "dob": {"value": "1976-10-14", "valid": True}}
    ok = _res(ids=[("PAN", "ABCPK1234Q", True)], fields=right)
    assert silent.flags(ok) == [] and silent.errors(ok, GT) == []
    # a wrong name marked valid on an unflagged document: silent
    wrong = _res(ids=[("PAN", "ABCPK1234Q", True)], fields={**right, "name": {"value": "HTRA", "valid": True}})
    (e,) = silent.errors(wrong, GT)
    assert (e.what, e.flagged) == ("field_wrong", False)
    # the same value marked invalid: a person sees it
    shown = _res(ids=[("PAN", "ABCPK1234Q", True)], fields={**right, "name": {"value": "HTRA", "valid": False}})
    assert [x.flagged for x in silent.errors(shown, GT)] == [True]
    # no PAN found: the desk's rule flags the document (no ID of its kind), so its missing date is seen
    no_id = _res(fields={k: v for k, v in right.items() if k != "dob"})
    assert "no_id" in silent.flags(no_id)
    assert {(x.what, x.flagged) for x in silent.errors(no_id, GT)} == {("id_missed", True), ("field_missing", True)}
    # a result that carries its own review decision is believed
    assert silent.flags({**wrong, "review_status": "needs_review", "review_reason": "name"}) == ["needs_review: name"]
    assert silent.flags({**no_id, "attention": []}) == []
    # a gender returned valid where the card prints none is invented
    inv = _res(ids=[("PAN", "ABCPK1234Q", True)], fields={**right, "gender": {"value": "MALE", "valid": True}})
    (e,) = silent.errors(inv, GT)
    assert (e.what, e.flagged) == ("invented", False)
    # a wrong type: every field is missing
    assert len(silent.errors({**ok, "document_type": "VOTER_ID"}, GT)) == 3


def test_silent_rate_over_a_set():
    right = {"name": {"value": "ASHA KULKARNI", "valid": True}, "father_name": {"value": "RAVI KULKARNI", "valid": True},
             "dob": {"value": "1976-10-14", "valid": True}}
    s = silent.Silent()
    s.add("a", _res(ids=[("PAN", "ABCPK1234Q", True)], fields=right), GT, field_keys("PAN"))
    s.add("b", _res(ids=[("PAN", "ABCPK1234Q", True)], fields={**right, "name": {"value": "X", "valid": True}}), GT,
          field_keys("PAN"))
    s.add("c", _res(ids=[("PAN", "ABCPK1234X", False)], fields=right), GT, field_keys("PAN"))
    s.add("d", _res(ids=[("PAN", "ABCPK1234Q", True)], fields={**right, "dob": {"value": "1976-10-15", "valid": False}}),
          GT, field_keys("PAN"))
    assert (s.docs, s.flagged_docs, s.errors, s.silent) == (4, 2, 3, 1)  # d: its dob is marked invalid
    assert s.rate == round(1 / 3, 4)
    assert s.examples == ["b: field_wrong name want 'Asha Kulkarni' got 'X'"]
    assert "| x | 4 | 2 | 3 | 1 | 0.3333 |" in s.row("x")
