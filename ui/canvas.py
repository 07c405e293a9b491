"""The region-drawing canvas's data (streamlit-drawable-canvas, Fabric.js JSON) as a plain rectangle
for the core (`ocr_core.record.corrections.read_region` takes (x0, y0, x1, y1) in page pixels)."""
from __future__ import annotations

from typing import Any

_ORIGIN = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}


def canvas_rect(json_data: dict[str, Any] | None, scale: float = 1.0) -> tuple[float, float, float, float] | None:
    """The last rectangle drawn on a streamlit-drawable-canvas, as (x0, y0, x1, y1) in page pixels.

    json_data is the canvas's Fabric.js JSON; scale is page pixels per canvas pixel. Fabric names the
    type "rect" (v5) or "Rect" (v6); left/top are the point named by originX/originY."""
    rects = [o for o in (json_data or {}).get("objects", []) or []
             if str(o.get("type", "")).lower() in ("rect", "labeledrect")]
    if not rects:
        return None
    o = rects[-1]
    w, h = float(o.get("width", 0)) * float(o.get("scaleX", 1)), float(o.get("height", 0)) * float(o.get("scaleY", 1))
    x0 = float(o.get("left", 0)) - _ORIGIN.get(o.get("originX") or "left", 0.0) * w
    y0 = float(o.get("top", 0)) - _ORIGIN.get(o.get("originY") or "top", 0.0) * h
    x0, y0, x1, y1 = min(x0, x0 + w), min(y0, y0 + h), max(x0, x0 + w), max(y0, y0 + h)
    return x0 * scale, y0 * scale, x1 * scale, y1 * scale
