"""PaddleOCR 3.x engines.

- ``paddleocr``: the real `paddleocr` pipeline on PP-OCRv6 small ONNX weights from the `rapidocr`
  wheel, run by onnxruntime (works with no network; paddle is not imported).
- ``paddle``: the same pipeline on paddlepaddle's own inference, for users with PaddleOCR's official
  Paddle-format models (``OCR_MODEL_DIR`` holding ``det/`` and ``rec/`` folders, or PaddleOCR's own
  download where the internet is reachable).

PaddleOCR instances are not thread-safe: each engine serialises its callers with a lock.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..config import get_settings
from ..errors import EngineError
from ..models import Line
from .base import register_engine

os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("FLAGS_minloglevel", "2")


def quiet_paddle_logs() -> None:
    for name in ("ppocr", "paddle", "paddlex", "paddleocr", "onnxruntime", "PIL"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import onnxruntime as ort

        ort.set_default_logger_severity(3)
    except Exception:  # pragma: no cover - onnxruntime missing
        pass


def _lines_from_result(res: Any) -> list[Line]:
    lines: list[Line] = []
    polys = res["rec_polys"] if "rec_polys" in res else res["dt_polys"]
    for text, score, poly in zip(res["rec_texts"], res["rec_scores"], polys):
        if not text or not text.strip():
            continue
        box = [[float(x), float(y)] for x, y in np.asarray(poly).reshape(-1, 2)[:4]]
        lines.append(Line(text=text.strip(), box=box, confidence=float(score)))
    return lines


class _PaddlePipelineEngine:
    name = "paddleocr"
    version = ""

    def __init__(self, lang: str, **kwargs: Any) -> None:
        try:
            from paddleocr import PaddleOCR
        except ImportError as e:  # pragma: no cover - dependency missing
            raise EngineError(f"paddleocr is not installed: {e}") from e
        quiet_paddle_logs()  # after the import: paddlex sets its own level when imported
        self.lang = lang
        self._lock = threading.Lock()
        try:
            self._ocr = PaddleOCR(use_doc_orientation_classify=False, use_doc_unwarping=False,
                                  use_textline_orientation=False, **kwargs)
        except Exception as e:
            raise EngineError(f"could not load the {self.name} engine: {e}") from e
        quiet_paddle_logs()

    det_limit_small: int | None = None  # detector size cap for card-sized images (None: the setting)

    def recognize(self, image: np.ndarray) -> list[Line]:
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        kwargs = {}
        if self.det_limit_small and max(image.shape[:2]) <= CARD_MAX_SIDE:
            kwargs["text_det_limit_side_len"] = self.det_limit_small
        with self._lock:
            out = self._ocr.predict(bgr, **kwargs)
        return _lines_from_result(out[0]) if out else []


# Cards and other small images (longest side up to CARD_MAX_SIDE) print large text: their detector
# input is capped at CARD_DET_LIMIT, ~15% less detector work with the same IDs on the dev set;
# A4 pages keep OCR_DET_LIMIT_SIDE (at 736 a blurred A4 letter lost its VID).
CARD_MAX_SIDE = 1100
CARD_DET_LIMIT = 736


class PaddleOCROnnxEngine(_PaddlePipelineEngine):
    name = "paddleocr"
    det_limit_small = CARD_DET_LIMIT

    def __init__(self, lang: str = "en") -> None:
        from . import model_dirs

        s = get_settings()
        self.det_limit_small = min(CARD_DET_LIMIT, s.ocr_det_limit_side)
        det, rec = model_dirs.build_model_dirs(s.ocr_cache_dir, s.ocr_det_limit_side, lang)
        cfg: dict[str, Any] = {"enable_cpu_mem_arena": False, "intra_op_num_threads": s.ocr_threads}
        device = "cpu"
        if s.ocr_gpu_enabled:
            device = "gpu:0"
        self.version = onnx_version(lang)
        super().__init__(
            lang,
            text_detection_model_name=model_dirs.DET_NAME, text_detection_model_dir=str(det),
            text_recognition_model_name=model_dirs.REC_NAME, text_recognition_model_dir=str(rec),
            text_det_limit_side_len=s.ocr_det_limit_side, text_det_limit_type="max",
            engine="onnxruntime", device=device, engine_config=cfg,
            # one line per recogniser call: no padding to the widest line of a batch (faster on CPU)
            text_recognition_batch_size=1,
        )


class PaddleStaticEngine(_PaddlePipelineEngine):
    """paddlepaddle inference on Paddle-format models.

    paddlepaddle 3.3.1 crashes on CPU with oneDNN (mkldnn) on for these models
    (``ConvertPirAttribute2RuntimeAttribute not support``, Paddle issue 79749), so oneDNN is
    turned off (``enable_mkldnn=False``); the run falls back to plain CPU kernels.
    """

    name = "paddle"

    def __init__(self, lang: str = "en") -> None:
        s = get_settings()
        kwargs: dict[str, Any] = {"device": "gpu:0" if s.ocr_gpu_enabled else "cpu", "enable_mkldnn": False,
                                  "engine": "paddle_static",
                                  "cpu_threads": s.ocr_threads, "lang": lang,
                                  "text_det_limit_side_len": s.ocr_det_limit_side, "text_det_limit_type": "max"}
        model_dir = s.ocr_model_dir
        if model_dir is not None:
            det, rec = find_paddle_model_dirs(Path(model_dir))
            det_name, rec_name = model_names(det, rec)
            kwargs.update(text_detection_model_name=det_name, text_detection_model_dir=str(det),
                          text_recognition_model_name=rec_name, text_recognition_model_dir=str(rec))
            kwargs.pop("lang")
        self.version = static_version(lang)
        super().__init__(lang, **kwargs)


def find_paddle_model_dirs(root: Path) -> tuple[Path, Path]:
    """Find the detector and recogniser folders (each with inference.yml) below root."""
    dets = sorted(p.parent for p in root.rglob("inference.yml") if "det" in p.parent.name.lower())
    recs = sorted(p.parent for p in root.rglob("inference.yml") if "rec" in p.parent.name.lower())
    if not dets or not recs:
        raise EngineError(f"OCR_MODEL_DIR={root} must hold a det and a rec model folder with inference.yml")
    return dets[0], recs[0]


def model_names(det: Path, rec: Path) -> tuple[str, str]:
    import yaml

    names = []
    for d in (det, rec):
        meta = yaml.safe_load((d / "inference.yml").read_text(encoding="utf-8"))
        names.append(meta["Global"]["model_name"])
    return names[0], names[1]


def _dir_digest(d: Path) -> str:
    from .model_dirs import file_digest

    files = sorted(p for p in d.iterdir() if p.suffix in (".pdiparams", ".onnx", ".json", ".pdmodel"))
    return "-".join(file_digest(p)[:6] for p in files)


def onnx_version(lang: str) -> str:
    from . import model_dirs

    s = get_settings()
    vocab = "latin" if lang == "en" else "full"
    return (f"paddleocr-onnx/{model_dirs.model_version()}/{lang}-{vocab}/det{s.ocr_det_limit_side}"
            f"-card{min(CARD_DET_LIMIT, s.ocr_det_limit_side)}"
            f"/recw{model_dirs.REC_MIN_WIDTH}b1")


def static_version(lang: str) -> str:
    s = get_settings()
    if s.ocr_model_dir is None:
        return f"paddle/default-{lang}/det{s.ocr_det_limit_side}"
    det, rec = find_paddle_model_dirs(Path(s.ocr_model_dir))
    det_name, rec_name = model_names(det, rec)
    return f"paddle/{det_name}:{_dir_digest(det)}+{rec_name}:{_dir_digest(rec)}/det{s.ocr_det_limit_side}"


@register_engine("paddleocr", onnx_version)
def _make_onnx(lang: str) -> PaddleOCROnnxEngine:
    return PaddleOCROnnxEngine(lang)


@register_engine("paddle", static_version)
def _make_static(lang: str) -> PaddleStaticEngine:
    return PaddleStaticEngine(lang)
