"""Geometry of the ticket dashboard's charts, drawn as SVG by the template (no JavaScript, no chart library).

Each chart is a plain dict of coordinates in a fixed viewBox; the SVG scales to the width of the page (a
phone too). The numbers are also in the tables next to the charts, for screen readers and for copying.
"""
from __future__ import annotations

WIDTH = 640
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 44, 624, 16, 196
TREND_HEIGHT = 232


def trend_chart(months: list[str], series: list[tuple[str, str, list[float | None]]]) -> dict:
    """Lines of rates (0–1) over months: series are (css class, label, values); a None value breaks the line."""
    step = (PLOT_RIGHT - PLOT_LEFT) / max(len(months) - 1, 1)
    xs = [PLOT_LEFT + i * step for i in range(len(months))]

    def y(value: float) -> float:
        return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * max(0.0, min(1.0, value)), 1)

    lines = []
    for css, label, values in series:
        segments, current, dots = [], [], []
        for x, value in zip(xs, values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append(f"{round(x, 1)},{y(value)}")
            dots.append((round(x, 1), y(value)))
        if current:
            segments.append(current)
        lines.append({"css": css, "label": label, "segments": [" ".join(s) for s in segments], "dots": dots})
    grid = [{"y": y(v / 100), "label": f"{v}%"} for v in (0, 25, 50, 75, 100)]
    ticks = [{"x": round(x, 1), "label": m} for x, m in zip(xs, months)]
    return {"width": WIDTH, "height": TREND_HEIGHT, "lines": lines, "grid": grid, "ticks": ticks,
            "left": PLOT_LEFT, "right": PLOT_RIGHT, "bottom": PLOT_BOTTOM}


def change_chart(rows: list[tuple[str, float | None]], row_height: int = 26) -> dict:
    """Horizontal bars of relative changes around a zero line (clamped to ±100 % for drawing)."""
    label_width, middle = 200, 200 + (WIDTH - 200 - 16) / 2
    half = (WIDTH - 200 - 16) / 2 - 40
    bars = []
    for i, (label, change) in enumerate(rows):
        top = 8 + i * row_height
        if change is None:
            bars.append({"label": label, "y": top, "x": middle, "w": 0, "text": "—", "tx": middle + 4,
                         "css": "none", "anchor": "start"})
            continue
        length = round(half * min(abs(change), 1.0), 1)
        x = middle if change >= 0 else middle - length
        text = f"{change * 100:+.1f}%"
        tx = middle + length + 4 if change >= 0 else middle - length - 4
        bars.append({"label": label, "y": top, "x": round(x, 1), "w": max(length, 1), "text": text, "tx": round(tx, 1),
                     "css": "up" if change > 0 else "down", "anchor": "start" if change >= 0 else "end"})
    return {"width": WIDTH, "height": 16 + row_height * max(len(rows), 1), "bars": bars, "middle": middle,
            "label_x": label_width - 8, "bar_height": row_height - 10}
