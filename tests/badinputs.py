"""A corpus of hostile and broken inputs, generated (nothing binary is checked in).

`corpus(max_file_bytes)` returns `Case`s: a name, the file name uploaded, the bytes, and what the
core must answer: the error codes allowed (`ok` for files that must scan). `zip_cases()` are the
archives for the bulk/batch path.
"""
from __future__ import annotations

import io
import struct
import zlib
import zipfile
from dataclasses import dataclass

from PIL import Image, ImageDraw

OK = "ok"


@dataclass
class Case:
    name: str
    filename: str
    data: bytes
    expect: frozenset[str]
    heavy: bool = False  # a bomb or huge case: memory is watched around it

    @property
    def ok(self) -> bool:
        return self.expect == {OK}


def _img(mode: str = "RGB", size=(320, 120), fmt: str = "PNG", text: str = "PAN ABCDE1234F", **kw) -> bytes:
    im = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(im).text((10, 40), text, fill=(0, 0, 0))
    if mode != "RGB":
        im = im.convert(mode)
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header_bomb(w: int, h: int) -> bytes:
    """A PNG that claims w x h pixels with a tiny (incomplete) body."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def png_real_bomb(w: int, h: int) -> bytes:
    """A complete, valid PNG of w x h white-ish pixels (grayscale), compressing to a few hundred kB."""
    raw_row = b"\x00" + b"\xff" * w
    comp = zlib.compressobj(9)
    parts = [comp.compress(raw_row) for _ in range(h)] + [comp.flush()]
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b"")


def jpeg_huge_header(w: int = 65000, h: int = 65000) -> bytes:
    good = _img(fmt="JPEG")
    i = good.find(b"\xff\xc0")
    return good[:i + 5] + struct.pack(">HH", h, w) + good[i + 9:]


def _pdf(pages: int = 1, text: str | None = "Permanent Account Number ABCDE1234F", *, encrypt: bool = False,
         js: bool = False, fontsize: float = 11, size=(595, 842)) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for _ in range(pages):
        p = doc.new_page(width=size[0], height=size[1])
        if text:
            p.insert_text((40, 60), text, fontsize=fontsize)
    if js:
        doc.set_pagemode("UseNone")
        xref = doc.pdf_catalog()
        js_xref = doc.get_new_xref()
        doc.update_object(js_xref, "<< /Type /Action /S /JavaScript /JS (app.alert\\('pwned'\\);) >>")
        doc.xref_set_key(xref, "OpenAction", f"{js_xref} 0 R")
    kw = {}
    if encrypt:
        kw = {"encryption": pymupdf.PDF_ENCRYPT_AES_256, "owner_pw": "owner", "user_pw": "secret"}
    out = doc.tobytes(**kw)
    doc.close()
    return out


def _pdf_huge_text_layer() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    p = doc.new_page(width=595, height=842)
    line = "ABCDE1234F 2155 2109 3999 Government of India lorem ipsum " * 3
    y = 4.0
    while y < 838:
        p.insert_text((2, y), line, fontsize=2)
        y += 2.2
    out = doc.tobytes()
    doc.close()
    return out


def _pdf_raw(objects: list[str], root: int = 1) -> bytes:
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _corrupt_xref(pdf: bytes) -> bytes:
    i = pdf.rfind(b"startxref")
    return pdf[:i] + b"startxref\n999999999\n%%EOF\n"


def _tiff_frames(n: int) -> bytes:
    frames = [Image.new("L", (16, 16), 255) for _ in range(n)]
    b = io.BytesIO()
    frames[0].save(b, "TIFF", save_all=True, append_images=frames[1:])
    return b.getvalue()


def _png16() -> bytes:
    import numpy as np

    arr = np.full((120, 320), 65535, dtype=np.uint16)
    arr[40:60, 20:300] = 0
    b = io.BytesIO()
    Image.fromarray(arr).save(b, "PNG")
    return b.getvalue()


def _tiff16() -> bytes:
    import numpy as np

    arr = np.full((120, 320), 60000, dtype=np.uint16)
    arr[50:70, 30:290] = 1000
    b = io.BytesIO()
    Image.fromarray(arr).save(b, "TIFF")
    return b.getvalue()


def _zip(members: list[tuple[str, bytes]], compression=zipfile.ZIP_DEFLATED) -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return b.getvalue()


def corpus(max_file_bytes: int) -> list[Case]:
    png = _img()
    jpeg = _img(fmt="JPEG")
    webp = _img(fmt="WEBP")
    pdf = _pdf()
    c = [
        Case("zero_bytes", "empty.png", b"", frozenset({"empty_file"})),
        Case("truncated_jpeg", "cut.jpg", jpeg[: len(jpeg) // 3], frozenset({"corrupt_file"})),
        Case("truncated_png", "cut.png", png[: len(png) // 2], frozenset({"corrupt_file"})),
        Case("truncated_pdf", "cut.pdf", pdf[: len(pdf) // 3], frozenset({"corrupt_file"})),
        Case("png_named_pdf", "really_a_png.pdf", png, frozenset({OK})),
        Case("text_as_png", "notes.png", b"Name: Sanjay\nAadhaar: none\n" * 20, frozenset({"unsupported_type"})),
        Case("html_as_jpg", "page.jpg", b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>",
             frozenset({"unsupported_type"})),
        Case("svg_as_png", "logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
             b'<text>ABCDE1234F</text></svg>', frozenset({"unsupported_type"})),
        Case("xml_entity_bomb", "bomb.svg", b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
             b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg>&b;</svg>', frozenset({"unsupported_type"})),
        Case("png_bomb_30000", "bomb.png", png_header_bomb(30000, 30000), frozenset({"image_too_large"}), heavy=True),
        Case("png_bomb_real_9000", "bomb9k.png", png_real_bomb(9000, 9000), frozenset({"image_too_large"}),
             heavy=True),
        Case("png_49mp_blank", "blank49.png", png_real_bomb(7000, 7000), frozenset({OK}), heavy=True),
        Case("jpeg_65000_header", "huge.jpg", jpeg_huge_header(), frozenset({"image_too_large"}), heavy=True),
        Case("pdf_2000_pages", "long.pdf", _pdf(2000, text=None), frozenset({"too_many_pages"}), heavy=True),
        Case("pdf_encrypted", "locked.pdf", _pdf(encrypt=True), frozenset({"password_required"})),
        Case("pdf_javascript", "script.pdf", _pdf(js=True), frozenset({OK})),
        Case("pdf_corrupt_xref", "xref.pdf", _corrupt_xref(pdf), frozenset({OK, "corrupt_file"})),
        Case("pdf_zero_pages", "nopages.pdf", _pdf_raw(["<< /Type /Catalog /Pages 2 0 R >>",
                                                        "<< /Type /Pages /Kids [] /Count 0 >>"]),
             frozenset({"corrupt_file"})),
        Case("pdf_header_only", "stub.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", frozenset({"corrupt_file"})),
        Case("pdf_huge_page", "poster.pdf", _pdf(size=(14400, 14400), fontsize=400), frozenset({OK}), heavy=True),
        Case("pdf_huge_text_layer", "wall_of_text.pdf", _pdf_huge_text_layer(), frozenset({OK}), heavy=True),
        Case("tiff_500_frames", "frames.tif", _tiff_frames(500), frozenset({"too_many_pages"}), heavy=True),
        Case("tiff_bogus_ifd", "bogus.tif", b"II*\x00\xff\xff\xff\x7f" + b"\x00" * 64, frozenset({"corrupt_file"})),
        Case("cmyk_jpeg", "cmyk.jpg", _img("CMYK", fmt="JPEG"), frozenset({OK})),
        Case("png_16bit_gray", "deep.png", _png16(), frozenset({OK})),
        Case("tiff_16bit", "deep.tif", _tiff16(), frozenset({OK})),
        Case("over_upload_limit", "big.png", png + b"\x00" * (max_file_bytes + 1 - len(png)),
             frozenset({"file_too_large"}), heavy=True),
        Case("gif", "anim.gif", _img(fmt="GIF"), frozenset({"unsupported_type"})),
        Case("webp_truncated", "cut.webp", webp[: len(webp) // 2], frozenset({"corrupt_file"})),
        Case("bmp_bogus_header", "bogus.bmp", b"BM" + b"\xff" * 60, frozenset({"corrupt_file"})),
        Case("random_bytes", "noise.jpg", bytes((i * 7919 + 13) % 251 for i in range(4096)),
             frozenset({"unsupported_type"})),
        Case("nul_bytes", "zeros.png", b"\x00" * 2048, frozenset({"unsupported_type"})),
        Case("elf_as_jpg", "tool.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 500, frozenset({"unsupported_type"})),
        Case("gzip_png", "scan.png.gz", b"\x1f\x8b\x08\x00" + zlib.compress(png), frozenset({"unsupported_type"})),
        Case("zip_as_single_upload", "docs.zip", _zip([("a.png", png)]), frozenset({"unsupported_type"})),
        Case("one_pixel_png", "dot.png", _img(size=(1, 1)), frozenset({"corrupt_file"})),
        Case("jpeg_then_html", "poly.jpg", jpeg[:200] + b"<html><script>alert(1)</script></html>",
             frozenset({"corrupt_file"})),
    ]
    return c


def zip_cases(max_file_bytes: int) -> list[Case]:
    png = _img()
    zb = io.BytesIO()
    with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        zeros = b"\x00" * (32 << 20)
        for i in range(8):  # 8 x 32 MB of zeros: 256 MB once expanded, ~250 kB packed
            z.writestr(f"page{i}.png", zeros)
    return [
        Case("zip_bomb", "bomb.zip", zb.getvalue(), frozenset({"bad_archive"}), heavy=True),
        Case("zip_dotdot_member", "climb.zip", _zip([("ok.png", png), ("../../etc/evil.png", png)]),
             frozenset({"bad_archive"})),
        Case("zip_absolute_member", "abs.zip", _zip([("/etc/evil.png", png)]), frozenset({"bad_archive"})),
        Case("zip_nested", "nested.zip", _zip([("inner.zip", _zip([("a.png", png)]))]), frozenset({"bad_archive"})),
        Case("zip_truncated", "cut.zip", _zip([("a.png", png), ("b.png", png)])[:-40], frozenset({"bad_archive"})),
        Case("zip_too_many_members", "many.zip", _zip([(f"f{i}.png", b"x") for i in range(300)]),
             frozenset({"bad_archive"})),
    ]
