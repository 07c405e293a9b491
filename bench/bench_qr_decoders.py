"""Which QR decoder reads dense Aadhaar Secure QR codes best: zxing-cpp, OpenCV, zbar.

Generated set (tests/qrgen.py): Secure QR payloads built to UIDAI's format (versions 0 and V2,
QR version ~27), on a card image at 2 and 3 pixels per module, clean and degraded (blur, JPEG,
perspective, noise, all of them), several seeds. Prints the share each decoder reads exactly, and
the mean time per image. Run: .venv/bin/python bench/bench_qr_decoders.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
import qrgen  # noqa: E402

from ocr_core import aadhaar_qr  # noqa: E402


def zbar(img: np.ndarray) -> list[str]:
    from pyzbar import pyzbar

    return [r.data.decode("latin-1") for r in pyzbar.decode(img) if r.type == "QRCODE"]


DECODERS = {"zxing-cpp": lambda im: [t for t, _ in aadhaar_qr._zxing(im)],
            "opencv": lambda im: [t for t, _ in aadhaar_qr._opencv(im)], "zbar": zbar}


def main() -> None:
    texts = [qrgen.payload(version="V2"), qrgen.payload({**qrgen.PERSON, "email_mobile": "0"}, version="0")]
    kinds = ["clean", "blur", "jpeg", "perspective", "noise", "photo"]
    cases = []
    for ti, t in enumerate(texts):
        for scale in (2, 3):
            base = qrgen.card_with_qr(t, qr_scale=scale)
            for kind in kinds:
                for seed in range(3 if kind in ("perspective", "noise", "photo") else 1):
                    im = base if kind == "clean" else qrgen.degrade(base, kind, seed)
                    cases.append((t, scale, kind, np.asarray(im)))
    print(f"{len(cases)} images")
    for name, dec in DECODERS.items():
        ok, secs, by = 0, 0.0, {}
        for t, scale, kind, im in cases:
            t0 = time.perf_counter()
            try:
                got = dec(im)
            except Exception:  # noqa: BLE001
                got = []
            secs += time.perf_counter() - t0
            hit = t in got
            ok += hit
            k = f"{kind}@{scale}px"
            a, b = by.get(k, (0, 0))
            by[k] = (a + hit, b + 1)
        detail = " ".join(f"{k}:{a}/{b}" for k, (a, b) in by.items())
        print(f"{name:10s} {ok}/{len(cases)} read, {secs / len(cases) * 1000:.0f} ms/image  [{detail}]")


if __name__ == "__main__":
    main()
