"""`scan()`: bytes or a path in, a validated `DocumentResult` out, through the SQLite cache."""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np

from . import crypto
from .classify import classify
from .config import Settings, get_settings
from .engines import OCREngine, get_engine
from .engines import engine_version as _engine_version
from .errors import OCRError
from .ids import extract_ids
from .loader import MEDIA_TYPES, check_size, load_pages, sniff
from .logs import log
from .models import DocumentResult, Line, Page, assign_keys
from .store import ResultCache, connect, record_scan

PIPELINE_VERSION = "2"  # bump when loading, orientation, extraction or classification change results
VERTICAL_SHARE = 0.6  # share of text boxes taller than wide that marks a page turned by 90 degrees
LOW_CONFIDENCE = 0.85  # mean line confidence below which an upside-down page is suspected (dev set:
# upright pages 0.90-0.99, the same pages upside down 0.61-0.76)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rotate(image: np.ndarray, degrees_cw: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(image, k=(-degrees_cw // 90) % 4))


def _quality(lines: list[Line]) -> float:
    return sum(ln.confidence ** 2 * len(ln.text) for ln in lines)


def _mean_conf(lines: list[Line]) -> float:
    n = sum(len(ln.text) for ln in lines)
    return sum(ln.confidence * len(ln.text) for ln in lines) / n if n else 1.0


def _vertical_share(lines: list[Line]) -> float:
    total = vert = 0.0
    for ln in lines:
        xs, ys = [p[0] for p in ln.box], [p[1] for p in ln.box]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        area = w * h
        total += area
        if h > 1.5 * w and len(ln.text) > 1:
            vert += area
    return vert / total if total else 0.0


def ocr_page(engine: OCREngine, image: np.ndarray) -> tuple[list[Line], int]:
    """OCR one page, turning it upright first when it lies on its side or upside down.

    The upright case costs one engine call; only a page that looks turned (mostly vertical boxes,
    or low confidence) is read again in the candidate orientations, and the best reading wins.
    """
    lines = engine.recognize(image)
    candidates: list[int] = []
    if len(lines) >= 2 and _vertical_share(lines) >= VERTICAL_SHARE:
        candidates = [90, 270]
    elif len(lines) >= 3 and _mean_conf(lines) < LOW_CONFIDENCE:
        candidates = [180]
    # a page on its side is read upright when that reads about as well (the recogniser can read
    # vertical crops, but boxes, layout and ID joining are only right on an upright page);
    # an upside-down guess must read clearly better
    margin = 0.9 if candidates and candidates[0] == 90 else 1.1
    best, best_rot, best_q = lines, 0, _quality(lines) * margin
    for rot in candidates:
        alt = engine.recognize(rotate(image, rot))
        q = _quality(alt)
        if q > best_q:
            best, best_rot, best_q = alt, rot, q
    return best, best_rot


def _read(source: bytes | str | os.PathLike, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), filename or "upload"
    p = Path(source)
    with open(p, "rb") as f:  # read one byte past the limit: enough for check_size to refuse it
        data = f.read(get_settings().max_file_bytes + 1)
    return data, filename or p.name


def cache_version(engine_name: str, lang: str, settings: Settings) -> str:
    """Engine, model and parameter versions: a new model or setting never serves old results."""
    return f"{_engine_version(engine_name, lang)}|dpi{settings.ocr_dpi}|pipe{PIPELINE_VERSION}"


def scan(source: bytes | str | os.PathLike, *, filename: str | None = None, engine: str | None = None,
         lang: str | None = None, use_cache: bool = True, settings: Settings | None = None,
         source_label: str = "python") -> DocumentResult:
    """Scan one document. Raises an `InputError` subclass for a bad file (and records it)."""
    settings = settings or get_settings()
    t0 = time.perf_counter()
    data, filename = _read(source, filename)
    file_hash = sha256(data)
    eng_name, lang = engine or settings.ocr_engine, lang or settings.ocr_model_lang
    db = connect(settings.db_path)
    cache = ResultCache(settings, db)
    # the scan log keeps the uploaded name encrypted (a name like "ramesh_aadhaar.jpg" is personal)
    rec = {"filename": crypto.encrypt_text(filename), "file_hash": file_hash, "engine": eng_name, "source": source_label}
    try:
        check_size(data, settings)
        kind = sniff(data)
        version = cache_version(eng_name, lang, settings)
        if use_cache:
            hit = cache.get(file_hash, version)
            if hit is not None:
                result = DocumentResult.from_dict(hit)
                result.filename, result.cached = filename, True
                result.execution_time = time.perf_counter() - t0
                _record(db, rec, result, version)
                return result
        kind, pages_in = load_pages(data, settings)
        eng: OCREngine | None = None
        pages: list[Page] = []
        for p in pages_in:
            if p.text_lines is not None:
                pages.append(Page(p.number, p.width, p.height, "text_layer", p.text_lines))
            else:
                assert p.image is not None
                eng = eng or get_engine(eng_name, lang)
                lines, rot = ocr_page(eng, p.image)
                h, w = (p.height, p.width) if rot in (0, 180) else (p.width, p.height)
                pages.append(Page(p.number, w, h, "ocr", lines, rotation=rot))
        ids = assign_keys(extract_ids([(pg.number, pg.lines) for pg in pages]))
        texts = [ln.text for pg in pages for ln in pg.lines]
        doc_type, score = classify(texts, ids)
        result = DocumentResult(filename=filename, file_hash=file_hash, pages=pages, ids=ids,
                                document_type=doc_type, document_type_score=score, engine=eng_name,
                                engine_version=version, media_type=MEDIA_TYPES[kind])
        result.execution_time = time.perf_counter() - t0
        cache.put(file_hash, version, result.to_dict(unmask=True))
        _record(db, rec, result, version)
        return result
    except OCRError as e:
        rec.update(duration=time.perf_counter() - t0, cached=0, error=str(e), error_code=e.code)
        record_scan(db, **rec)
        log.warning("scan failed", extra={"event": "scan_error", "file_hash": file_hash[:16], "code": e.code})
        raise


def _record(db, rec: dict, result: DocumentResult, version: str) -> None:
    record_scan(db, **rec, duration=result.execution_time, cached=int(result.cached), engine_version=version,
                document_type=result.document_type, pages=len(result.pages),
                n_ids=sum(i.valid for i in result.ids), n_invalid_ids=sum(not i.valid for i in result.ids))
    log.info("scan", extra={"event": "scan", "file_hash": result.file_hash[:16], "cached": result.cached,
                            "seconds": round(result.execution_time, 4), "document_type": result.document_type,
                            "engine": result.engine, "pages": len(result.pages)})
