"""A PP-OCR text-line recogniser on onnxruntime: crops in, (text, confidence) out.

Used by the cascade engine to re-read the lines the tiny model is in doubt about with the small
model. Crops are batched in width buckets (one tensor per bucket, padded to the bucket's width),
which keeps the padding small and the number of session calls low.
"""
from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

HEIGHT = 48
BUCKET = 64  # crops whose resized widths round up to the same multiple of this share a batch
MAX_BATCH = 8
MAX_WIDTH = 3200


class LineRecogniser:
    def __init__(self, model: Path, chars: list[str], threads: int = 2, min_width: int = 96) -> None:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.enable_cpu_mem_arena = False
        so.log_severity_level = 3
        self._sess = ort.InferenceSession(str(model), so, providers=["CPUExecutionProvider"])
        self._input = self._sess.get_inputs()[0].name
        self._chars = np.array(["", *chars, " "], dtype=object)  # CTC blank first, space last
        self.min_width = min_width
        self._lock = threading.Lock()

    @staticmethod
    def _width(crop: np.ndarray) -> int:
        h, w = crop.shape[:2]
        return min(MAX_WIDTH, max(1, math.ceil(HEIGHT * w / max(h, 1))))

    def _tensor(self, crops: list[np.ndarray], width: int) -> np.ndarray:
        import cv2

        x = np.zeros((len(crops), 3, HEIGHT, width), dtype=np.float32)
        for i, c in enumerate(crops):
            w = min(width, self._width(c))
            r = cv2.resize(c, (w, HEIGHT), interpolation=cv2.INTER_LINEAR).astype(np.float32)
            x[i, :, :, :w] = (r.transpose(2, 0, 1) - 127.5) / 127.5
        return x

    def _decode(self, probs: np.ndarray) -> tuple[str, float]:
        idx = probs.argmax(axis=1)
        conf = probs.max(axis=1)
        keep = idx != 0
        keep[1:] &= idx[1:] != idx[:-1]
        if not keep.any():
            return "", 0.0
        return "".join(self._chars[idx[keep]]), float(conf[keep].mean())

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Read BGR line crops (tall crops are turned by 90 degrees first, as PaddleOCR does)."""
        crops = [np.ascontiguousarray(np.rot90(c)) if c.shape[0] >= 1.5 * c.shape[1] else c for c in crops]
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        buckets: dict[int, list[int]] = {}
        for i, c in enumerate(crops):
            width = max(self.min_width, BUCKET * math.ceil(self._width(c) / BUCKET))
            buckets.setdefault(min(width, MAX_WIDTH), []).append(i)
        for width, idx in sorted(buckets.items()):
            for s in range(0, len(idx), MAX_BATCH):
                part = idx[s:s + MAX_BATCH]
                x = self._tensor([crops[i] for i in part], width)
                with self._lock:
                    probs = self._sess.run(None, {self._input: x})[0]
                for i, p in zip(part, probs):
                    out[i] = self._decode(p)
        return out
