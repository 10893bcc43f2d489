"""The termly report through the API: reproducible bytes for a known_at, and the HTML rendered
by headless Chromium (Debian's package) with every chart actually drawn."""

import os
import struct
import subprocess
import zlib

import pytest

from test_workflow import TRIGGER, designate_to_plan, register

CHART_BACKGROUND = (243, 242, 241)


def read_png(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, with the standard library."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            up_left = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[x] = (line[x] + pred) & 0xFF
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, channels)])
        previous = line
    return width, height, rows


def load_some_history(hosi):
    for urn in ("100001", "100002"):
        register(hosi, urn)
        designate_to_plan(hosi, urn)
    hosi.command("HoldActionPlanReview", "100001", {}, effective_date="2024-12-01", reason="recorded by the test")
    hosi.command("RecordVisit", "100002", {"kind": "VISIT_KIND_SCHOOL_EFFECTIVENESS",
                                           "visitor": "lni"}, effective_date="2024-11-20")


def test_same_term_and_known_at_give_the_same_bytes(hosi):
    load_some_history(hosi)
    first = hosi.term_report("2024-autumn", "json")
    again = hosi.term_report("2024-autumn", "json", known_at=first.known_at)
    assert first.content == again.content
    assert b'"causing_concern_at_end": 2' in first.content
    for fmt, marker in (("csv", b"urn,name"), ("markdown", b"# Schools and settings"),
                        ("html", b"<svg")):
        assert marker in hosi.term_report("2024-autumn", fmt, known_at=first.known_at).content


def test_html_report_renders_its_charts_in_chromium(hosi, tmp_path):
    load_some_history(hosi)
    html = tmp_path / "report.html"
    html.write_bytes(hosi.term_report("2024-autumn", "html").content)
    png = tmp_path / "report.png"
    subprocess.run(
        ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + str(tmp_path / "profile"),
         "--window-size=900,900", "--screenshot=" + str(png), "file://" + str(html)],
        check=True, capture_output=True, timeout=120)
    width, height, rows = read_png(str(png))
    background = [(x, y) for y in range(height) for x in range(width)
                  if rows[y][x] == CHART_BACKGROUND]
    assert len(background) > 4 * 20000, "the four chart areas are not drawn"
    mid_x = width // 2
    ys = sorted(y for _, y in background)
    mid_y = (ys[0] + ys[-1]) // 2
    for name, (left, top) in {"per week": (True, True), "per half term": (False, True),
                              "time in SCC": (True, False), "overdue": (False, False)}.items():
        cells = [(x, y) for x, y in background
                 if (x < mid_x) == left and (y < mid_y) == top]
        assert len(cells) > 20000, name + ": no chart area"
        x0, x1 = min(x for x, _ in cells), max(x for x, _ in cells)
        y0, y1 = min(y for _, y in cells), max(y for _, y in cells)
        ink = sum(1 for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)
                  if rows[y][x] not in (CHART_BACKGROUND, (255, 255, 255)))
        assert ink > 0.01 * (x1 - x0) * (y1 - y0), name + ": the chart is blank"
