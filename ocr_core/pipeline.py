"""`scan()`: bytes or a path in, a validated `DocumentResult` out, through the SQLite cache."""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import aadhaar_qr, crypto
from .budget import check_document
from .classify import classify, classify_pages
from .config import Settings, get_settings
from .engines import OCREngine, get_engine
from .engines import engine_version as _engine_version
from .errors import OCRError
from .fields import apply_qr, extract_fields, read_devanagari, reads_devanagari
from .fields.bundle import bundle_fields, bundle_qr
from .ids import extract_ids
from .loader import MEDIA_TYPES, PageInput, Region, check_size, load_pages, render_page, sniff, unlock_pdf
from .logs import log
from .models import MIXED, DocumentResult, Line, Page, assign_keys
from .quality import assess, image_measures
from .reread import POLICY as REREAD_POLICY  # what the cascade re-reads: the documents' rules
from .store import ResultCache, connect, record_scan

# Bump when loading, orientation, extraction, classification, fields or the QR change results.
# 11: plausible names, fuzzy labels, type from a decisive ID, prefix repair, MRZ cross-check, the enhanced
#     read of degraded pages; 10: a bundle's (MIXED) fields per page; 9: pictures on text-layer pages OCR'd
PIPELINE_VERSION = "11"
VERTICAL_SHARE = 0.6  # share of text boxes taller than wide that marks a page turned by 90 degrees
QR_PAGES = 4  # pages searched for an Aadhaar QR code
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


def devanagari_lines(lines: list[Line], image: np.ndarray) -> list[Line]:
    """The page's lines with Devanagari re-read (`fields.read_devanagari`) where the page, typed on
    its own, is of a type with a Devanagari field (an Aadhaar's `name_hi`). Other pages keep their
    lines: none of their fields reads Devanagari (the dev, tune and unseen sets' fields are the same
    either way), and the Hindi read is the slowest step after OCR."""
    doc_type, _ = classify([ln.text for ln in lines], extract_ids([(1, lines)]))
    return read_devanagari(lines, image) if reads_devanagari(doc_type) else lines


def read_pages(pages_in: Iterable[PageInput], ocr: Callable[[np.ndarray], tuple[list[Line], int]],
               ocr_region: Callable[[np.ndarray], tuple[list[Line], int]] | None = None) -> list[Page]:
    """Pages as read: text-layer lines as they are, the other pages through `ocr` (image -> lines,
    rotation). A text-layer page's pictures that its text does not cover (`PageInput.regions`) go
    through `ocr_region` (default `ocr`): their lines join the page's ("mixed")."""
    pages: list[Page] = []
    for p in pages_in:
        if p.text_lines is not None:
            extra = [ln for r in p.regions or () for ln in region_lines(r, *(ocr_region or ocr)(r.image))]
            extra = [ln for ln in extra if not _repeats(ln, p.text_lines)]
            lines = sorted(p.text_lines + extra, key=_reading_key) if extra else p.text_lines
            pages.append(Page(p.number, p.width, p.height, "mixed" if extra else "text_layer", lines))
        else:
            assert p.image is not None
            measures = image_measures(p.image)  # the quality gate's part before OCR
            lines, rot = ocr(p.image)
            h, w = (p.height, p.width) if rot in (0, 180) else (p.width, p.height)
            pages.append(Page(p.number, w, h, "ocr", lines, rotation=rot, quality=measures))
    return pages


def _unrotate(pt, rot: int, w: int, h: int) -> tuple[float, float]:
    """A point of the image turned by `rotate(image, rot)` on the image as it was (w x h)."""
    x, y = float(pt[0]), float(pt[1])
    if rot == 90:
        return y, h - x
    if rot == 180:
        return w - x, h - y
    if rot == 270:
        return w - y, x
    return x, y


def region_lines(region: Region, lines: list[Line], rot: int) -> list[Line]:
    """A region's OCR lines (read turned by `rot`) in page pixels; each box keeps its corners in
    reading order (a turned picture's lines are turned boxes on the page)."""
    h, w = region.image.shape[:2]
    out = []
    for ln in lines:
        box = [[region.x0 + x * region.scale, region.y0 + y * region.scale]
               for x, y in (_unrotate(pt, rot, w, h) for pt in ln.box)]
        out.append(Line(text=ln.text, box=box, confidence=ln.confidence, script=ln.script))
    return out


def _reading_key(ln: Line) -> tuple[float, float]:
    return (round(min(p[1] for p in ln.box) / 8.0), min(p[0] for p in ln.box))


def _alnum(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def _repeats(ln: Line, text_lines: list[Line]) -> bool:
    """An OCR line that says what the text layer already says there (a caption over a picture):
    it overlaps a text-layer line by half its area and its characters are the same (or a part).
    A reading with other characters (a number under an unrelated invisible text) is kept."""
    from difflib import SequenceMatcher

    mine = _alnum(ln.text)
    if not mine:
        return True
    xs, ys = [p[0] for p in ln.box], [p[1] for p in ln.box]
    area = max(1e-6, (max(xs) - min(xs)) * (max(ys) - min(ys)))
    near = ""
    for t in text_lines:
        tx, ty = [p[0] for p in t.box], [p[1] for p in t.box]
        iw = max(0.0, min(max(xs), max(tx)) - max(min(xs), min(tx)))
        ih = max(0.0, min(max(ys), max(ty)) - max(min(ys), min(ty)))
        if iw * ih >= 0.5 * area:
            near += _alnum(t.text)
    return bool(near) and (mine in near or SequenceMatcher(None, mine, near).ratio() >= 0.8)


def document_from_pages(pages: list[Page], devanagari: dict[int, list[Line]] | None = None,
                        **meta) -> DocumentResult:
    """What the pages say (everything after OCR): IDs, document type per page and for the
    document, the quality gate, the named fields (a bundle's: each page's under its own type, the
    document's taken from them, `fields.bundle`). `devanagari`: page number -> the page's lines
    with Devanagari re-read (applied after IDs, types and quality, before fields). `meta`: the
    other `DocumentResult` fields (filename, file_hash, engine ...)."""
    ids = assign_keys(extract_ids([(pg.number, pg.lines) for pg in pages]))  # stable keys (corrections)
    doc_type, score = classify_pages(pages, ids)
    quality = assess(pages)
    for pg in pages:
        pg.lines = (devanagari or {}).get(pg.number, pg.lines)
    fields = bundle_fields(pages, ids) if doc_type == MIXED else extract_fields(doc_type, pages, ids)
    return DocumentResult(pages=pages, ids=ids, document_type=doc_type, document_type_score=score,
                          quality=quality, fields=fields, **meta)


def _read_qr(result: DocumentResult, data: bytes, upright: dict[int, np.ndarray | None],
             settings: Settings) -> dict | None:
    """The Aadhaar QR on the first QR_PAGES pages (OCR pages as read upright, text-layer pages
    rendered), compared with the printed name, date of birth and last 4 digits."""
    images = []
    for pg in result.pages[:QR_PAGES]:
        img = upright.get(pg.number) if pg.source == "ocr" else render_page(data, pg.number, settings=settings)
        if img is not None:
            images.append((pg.number, img))
    last4 = [i.value[-4:] for i in result.ids if i.type in ("AADHAAR", "AADHAAR_MASKED") and i.valid]
    return aadhaar_qr.read_document(images, result.texts, last4, settings.aadhaar_qr_cert)


def _read(source: bytes | str | os.PathLike, filename: str | None, settings: Settings) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), filename or "upload"
    p = Path(source)
    with open(p, "rb") as f:  # read one byte past the limit: enough for check_size to refuse it
        data = f.read(settings.max_file_bytes + 1)
    return data, filename or p.name


def cache_version(engine_name: str, lang: str, settings: Settings) -> str:
    """Engine, model and parameter versions: a new model or setting never serves old results."""
    return f"{_engine_version(engine_name, lang)}|dpi{settings.ocr_dpi}|pipe{PIPELINE_VERSION}"



def is_cached(file_hash: str, engine: str | None, lang: str | None, settings: Settings | None = None) -> bool:
    """A result for this file, engine and version is in the cache (and fresh): serving it costs no
    OCR work. Read only (the cache's hit counts are the scan's to keep)."""
    settings = settings or get_settings()
    try:
        version = cache_version(engine or settings.ocr_engine, lang or settings.ocr_model_lang, settings)
    except Exception:  # noqa: BLE001 - an unknown engine: the scan says so
        return False
    return ResultCache(settings, connect(settings.db_path)).fresh(file_hash, version)

def scan(source: bytes | str | os.PathLike, *, filename: str | None = None, engine: str | None = None,
         lang: str | None = None, use_cache: bool = True, settings: Settings | None = None,
         source_label: str = "python", password: str | None = None, keep: bool = True) -> DocumentResult:
    """Scan one document. Raises an `InputError` subclass for a bad file (and records it).

    use_cache: serve a cached result; keep: put the result in the cache (a Celery worker keeps
    nothing of the person: the app holds the record and its own cache).

    password: for a protected PDF (an e-Aadhaar); the PDF is decrypted in memory and the result
    is that of the decrypted file (its hash). The password is never logged or stored."""
    settings = settings or get_settings()
    t0 = time.perf_counter()
    data, filename = _read(source, filename, settings)
    try:
        if 0 < len(data) <= settings.max_file_bytes:  # an oversized file is refused below, unopened
            data = unlock_pdf(data, password)
    except OCRError as e:
        rec = {"filename": crypto.encrypt_text(filename), "file_hash": sha256(data), "engine": engine or
               settings.ocr_engine, "source": source_label}
        record_scan(connect(settings.db_path), **rec, duration=time.perf_counter() - t0, cached=0, error=str(e),
                    error_code=e.code)
        log.warning("scan failed", extra={"event": "scan_error", "file_hash": rec["file_hash"][:16], "code": e.code})
        raise
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
        check_document(data, settings)  # MAX_DOCUMENT_PIXELS, from the headers, before any page is decoded
        kind, pages_in = load_pages(data, settings)
        eng: list[OCREngine] = []
        deva_seq: list[list[Line]] = []  # each OCR page's lines with Devanagari re-read, in page order
        upright: list[np.ndarray | None] = []  # each OCR page's upright image (first QR_PAGES), in page order

        def ocr(image: np.ndarray) -> tuple[list[Line], int]:
            if not eng:
                eng.append(get_engine(eng_name, lang, policy=REREAD_POLICY))
            lines, rot = ocr_page(eng[0], image)
            up = rotate(image, rot) if rot else image
            deva_seq.append(devanagari_lines(lines, up))
            upright.append(up if len(upright) < QR_PAGES else None)
            return lines, rot

        def ocr_region(image: np.ndarray) -> tuple[list[Line], int]:  # a picture on a text-layer page
            if not eng:
                eng.append(get_engine(eng_name, lang, policy=REREAD_POLICY))
            return ocr_page(eng[0], image)

        pages = read_pages(pages_in, ocr, ocr_region)
        ocr_numbers = [pg.number for pg in pages if pg.source == "ocr"]
        devanagari = dict(zip(ocr_numbers, deva_seq))
        result = document_from_pages(pages, devanagari=devanagari, filename=filename, file_hash=file_hash,
                                     engine=eng_name, engine_version=version, media_type=MEDIA_TYPES[kind])
        result.aadhaar_qr = _read_qr(result, data, dict(zip(ocr_numbers, upright)), settings)
        result.fields = bundle_qr(result.pages, result.aadhaar_qr) if result.document_type == MIXED else \
            apply_qr(result.document_type, result.fields, result.aadhaar_qr)  # the QR's values (fields.qr)
        result.execution_time = time.perf_counter() - t0
        if keep:
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
