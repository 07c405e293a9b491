"""ui.canvas: the drawable canvas's Fabric.js JSON read as the plain rectangle the core takes."""
from ui.canvas import canvas_rect


def test_canvas_rect_reads_fabric_v5_and_v6_rectangles():
    # streamlit-drawable-canvas 0.13 (Fabric v6) names the type "Rect"; older ones "rect"
    assert canvas_rect({"objects": []}) is None and canvas_rect(None) is None
    assert canvas_rect({"objects": [{"type": "path", "left": 1, "top": 1, "width": 9, "height": 9}]}) is None
    v6 = {"type": "Rect", "left": 100, "top": 50, "width": 200, "height": 40, "scaleX": 1.5, "scaleY": 1,
          "originX": "left", "originY": "top"}
    assert canvas_rect({"objects": [v6]}, 2.0) == (200.0, 100.0, 800.0, 180.0)
    centred = {**v6, "originX": "center", "originY": "center", "left": 250, "top": 70}
    v5 = {"type": "rect", "left": 10, "top": 20, "width": 30, "height": 40}
    assert canvas_rect({"objects": [v5, centred]}) == (100.0, 50.0, 400.0, 90.0)  # the last one drawn
    assert canvas_rect({"objects": [centred, v5]}) == (10.0, 20.0, 40.0, 60.0)
