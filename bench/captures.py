"""Poor captures of a card image, harsher than `bench/unseen.py`'s degradations (issue 25): a phone
photo with perspective, background and a glare spot; a 50 % downscale saved as JPEG q40; motion
blur of 7-12 px; a photocopy; a finger over a corner. Deterministic for a given `random.Random`.
"""
from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageFilter

CAPTURES = ("phone_glare", "down50_q40", "motion_blur", "photocopy", "finger")


def _jpeg(im: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def phone_glare(im: Image.Image, rng: random.Random) -> Image.Image:
    """The card on a desk seen from an angle (up to 9 % of a side per corner), a glare spot, light
    falling off across the picture, sensor noise, JPEG q70-85."""
    import cv2

    a = np.asarray(im.convert("RGB"))
    h, w = a.shape[:2]
    pad = int(0.08 * w)
    canvas = np.full((h + 2 * pad, w + 2 * pad, 3), [rng.randint(60, 120)] * 3, np.uint8)
    canvas[pad:pad + h, pad:pad + w] = a
    H, W = canvas.shape[:2]
    d = 0.09
    src = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    dst = np.float32([[pad + rng.uniform(-d, d) * w, pad + rng.uniform(-d, d) * h] for _ in range(4)]) + src - pad
    m = cv2.getPerspectiveTransform(src, np.clip(dst, 0, [W - 1, H - 1]).astype(np.float32))
    f = cv2.warpPerspective(canvas, m, (W, H), borderValue=(80, 80, 80)).astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W]
    cx, cy, r = rng.uniform(0.25, 0.75) * W, rng.uniform(0.2, 0.6) * H, rng.uniform(0.1, 0.16) * W
    f += np.exp(-(((xx - cx) ** 2 + ((yy - cy) * 1.4) ** 2) / (2 * r ** 2)))[..., None] * rng.uniform(200, 300)
    f *= np.linspace(rng.uniform(0.75, 0.9), 1.05, W)[None, :, None]
    f += np.random.default_rng(rng.randint(0, 10 ** 6)).normal(0, 5, f.shape)
    return _jpeg(Image.fromarray(np.clip(f, 0, 255).astype(np.uint8)), rng.randint(70, 85))


def down50_q40(im: Image.Image, rng: random.Random) -> Image.Image:
    """Half the width and height (area filter), then JPEG quality 40."""
    return _jpeg(im.resize((im.width // 2, im.height // 2), Image.BOX), 40)


def motion_blur(im: Image.Image, rng: random.Random) -> Image.Image:
    """A straight-line motion blur of 7-12 px at an angle of up to 30 degrees from horizontal."""
    import cv2

    n = rng.randint(7, 12)
    k = np.zeros((n, n), np.float32)
    k[n // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), rng.uniform(-30, 30), 1.0)
    k = cv2.warpAffine(k, rot, (n, n))
    k /= k.sum()
    return Image.fromarray(cv2.filter2D(np.asarray(im.convert("RGB")), -1, k))


def photocopy(im: Image.Image, rng: random.Random) -> Image.Image:
    """Grey, contrast pushed so light tints wash out and print thickens, toner specks, a slight skew."""
    g = np.asarray(im.convert("L")).astype(np.float32)
    g = np.clip((g - 90) * rng.uniform(1.6, 2.1) + 110, 0, 255)
    r = np.random.default_rng(rng.randint(0, 10 ** 6))
    specks = r.random(g.shape) < 0.002
    g[specks] = r.uniform(0, 80, specks.sum())
    out = Image.fromarray(g.astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    return out.rotate(rng.uniform(-1.5, 1.5), expand=True, fillcolor=255, resample=Image.BICUBIC).convert("RGB")


def finger(im: Image.Image, rng: random.Random) -> Image.Image:
    """A thumb over one corner: a skin-toned, shaded ellipse about a sixth of the width across."""
    from PIL import ImageDraw

    out = im.convert("RGB").copy()
    w, h = out.size
    fw, fh = int(w * rng.uniform(0.14, 0.2)), int(h * rng.uniform(0.3, 0.4))
    corner = rng.choice(["tl", "tr", "bl", "br"])
    x = -fw // 3 if corner[1] == "l" else w - fw * 2 // 3
    y = -fh // 4 if corner[0] == "t" else h - fh * 3 // 4
    skin = (rng.randint(170, 215), rng.randint(120, 160), rng.randint(95, 125))
    mask = Image.new("L", out.size, 0)
    ImageDraw.Draw(mask).ellipse((x, y, x + fw, y + fh), fill=255)
    shade = Image.new("RGB", out.size, skin)
    out.paste(shade, (0, 0), mask.filter(ImageFilter.GaussianBlur(4)))
    return out


def capture(im: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    return {"phone_glare": phone_glare, "down50_q40": down50_q40, "motion_blur": motion_blur,
            "photocopy": photocopy, "finger": finger}[kind](im, rng)
