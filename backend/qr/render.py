"""Drawing printed codes: the code with its name underneath, and an A5 poster for the wall.

Chinese needs a CJK font. Debian's ``fonts-wqy-microhei`` (installed by ``scripts/ensure-system-deps``
and the Dockerfile) or Noto Sans CJK are found automatically; ``CJK_FONT_PATH`` overrides.
"""
import io
import os
import re
from functools import lru_cache

import qrcode
from flask import current_app
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from ..errors import APIError

# Bump when the drawing changes, so that ETags change with it.
RENDER_VERSION = "4"

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

A5_300DPI = (1748, 2480)  # 148 × 210 mm at 300 dpi
CONGRESS_RED = (190, 22, 34)
INK = (34, 34, 34)
GREY = (96, 96, 96)
LINE_SPACING = 1.3

# Wrapping points: a run of printable ASCII (a number, a time range, a word) stays together,
# every other character (Chinese) may break anywhere.
_TOKENS = re.compile(r"[\x21-\x7e]+|\s+|.")


# A code point no font covers: what a font draws for it is its missing-glyph box (.notdef).
_NOT_A_CHARACTER = "\U0010fffd"


@lru_cache(maxsize=16)
def cjk_font_problem(path):
    """Why ``path`` cannot print the labels' Chinese (a reason in Chinese), or None when it can."""
    if not os.path.exists(path):
        return "文件不存在"
    if os.path.isdir(path):
        return "这是一个目录，应为其中的字体文件"
    try:
        probe = ImageFont.truetype(path, 24)
    except OSError:
        return "无法作为字体读取"
    missing = _drawn(probe, _NOT_A_CHARACTER)
    if any(_drawn(probe, char) == missing for char in "码联站"):
        return "字体中没有汉字"
    return None


def _drawn(font, char):
    image = Image.new("L", (40, 40), 0)
    ImageDraw.Draw(image).text((4, 4), char, font=font, fill=255)
    return image.tobytes()


def find_cjk_font_path(configured=None):
    """The configured font, else the first installed candidate, that prints Chinese; None if there is none
    (the images answer 503, health says ``cjk_font: false``)."""
    for path in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if path and cjk_font_problem(path) is None:
            return path
    return None


# ``Retry-After`` of the 503 for a missing CJK font: it comes back only when an operator installs one (or
# sets CJK_FONT_PATH) and restarts, a matter of hours at best; a client asking sooner only hears it again.
NO_FONT_RETRY_AFTER = 3600


def font_path():
    path = find_cjk_font_path(current_app.config.get("CJK_FONT_PATH"))
    if path is None:
        raise APIError(503, "service_unavailable", "二维码图片暂时无法生成：服务器缺少中文字体，请联系管理员安装。",
                       headers={"Retry-After": str(NO_FONT_RETRY_AFTER)})
    return path


@lru_cache(maxsize=64)
def _font(path, size):
    return ImageFont.truetype(path, size)


def font(size):
    return _font(font_path(), size)


def _qr_matrix(url, mask_pattern=None):
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=mask_pattern)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def _qr_image(qr, box_size, border):
    qr.box_size, qr.border = box_size, border
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def _wrap(draw, text, f, max_width):
    """``text`` broken into lines no wider than ``max_width``. A run of whitespace is one space: a line
    break typed or imported into a name is no line of its own here (and Pillow cannot measure one)."""
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        token = " " if token.isspace() else token
        if draw.textlength(line + token, font=f) <= max_width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while draw.textlength(line, font=f) > max_width and len(line) > 1:
            # A single token wider than the line (a long URL): cut it where it overflows.
            cut = len(line) - 1
            while cut > 1 and draw.textlength(line[:cut], font=f) > max_width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _ellipsize(draw, line, f, max_width):
    while line and draw.textlength(line + "…", font=f) > max_width:
        line = line[:-1]
    return line.rstrip() + "…"


def _fit(draw, text, max_width, size, min_size, max_lines=1):
    """The font and lines for ``text``: one line at the largest size from ``size`` down to ``min_size``,
    else as few lines as possible (at most ``max_lines``), else ``max_lines`` lines ending in "…"."""
    for lines_allowed in range(1, max_lines + 1):
        for s in range(size, min_size - 1, -2):
            lines = _wrap(draw, text, font(s), max_width)
            if len(lines) <= lines_allowed:
                return font(s), lines
    f = font(min_size)
    lines = _wrap(draw, text, f, max_width)
    return f, lines[: max_lines - 1] + [_ellipsize(draw, lines[max_lines - 1], f, max_width)]


def _line_height(f):
    return round(f.size * LINE_SPACING)


def _draw_lines(draw, y, lines, f, width, fill):
    """Centre ``lines`` horizontally from ``y`` down; returns the y below the last line."""
    for line in lines:
        draw.text((width / 2, y), line, font=f, fill=fill, anchor="ma")
        y += _line_height(f)
    return y


def _png(image, dpi=None):
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True, **({"dpi": dpi} if dpi else {}))
    return buffer.getvalue()


def code_image(url, label):
    """The code with ``label`` (a name, in Chinese) printed under it, on two lines if it is long."""
    code = _qr_image(_qr_matrix(url), box_size=10, border=3)
    width = code.width
    measure = ImageDraw.Draw(code)
    f, lines = _fit(measure, label, width - 24, 36, 24, max_lines=2)
    label_height = len(lines) * _line_height(f) + 20
    canvas = Image.new("RGB", (width, code.height + label_height), "white")
    canvas.paste(code, (0, 0))
    _draw_lines(ImageDraw.Draw(canvas), code.height, lines, f, width, INK)
    return _png(canvas)


def code_svg(url, border=2):
    """The code as a small SVG (one path, a unit per module, a ``border`` of modules round it), for a printed
    sheet of many (述职测评's tickets): the page around it prints the text, in the browser's CJK fonts. Its
    mask is fixed: choosing the best of eight is most of the time a code takes (9 ms against 1.5 ms), and a
    sheet draws up to REPORT_POLL_MAX_TICKETS of them; any mask scans."""
    qr = _qr_matrix(url, mask_pattern=0)
    size = qr.modules_count + 2 * border
    runs = []
    for y, row in enumerate(qr.modules):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append(f"M{start + border} {y + border}h{x - start}v1h-{x - start}z")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(runs)}"/></svg>')


def _spaced_code(url):
    """The code at the end of the URL in groups of four, for reading out over the phone."""
    code = url.rsplit("/", 1)[-1]
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def poster(url, title, name, details, instruction):
    """A printable A5 poster at 300 dpi.

    ``title`` heads the red band, ``name`` is the deputy's or station's name, ``details`` a few
    short lines (level, region, address, hours), ``instruction`` the one-line call to scan.
    Text is laid out from the top, the footer from the bottom, and the code takes the space between.
    """
    width, height = A5_300DPI
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    margin = 120
    text_width = width - 2 * margin

    band = 300
    draw.rectangle((0, 0, width, band), fill=CONGRESS_RED)
    f, lines = _fit(draw, title, text_width, 96, 56)
    _draw_lines(draw, (band - f.size) / 2 - 8, lines, f, width, "white")

    f, lines = _fit(draw, name, text_width, 120, 80, max_lines=2)
    y = _draw_lines(draw, band + 80, lines, f, width, INK) + 20
    detail_lines = 0
    for detail in details:
        f, lines = _fit(draw, detail, text_width, 52, 40, max_lines=2)
        lines = lines[: 5 - detail_lines]
        if not lines:
            break
        y = _draw_lines(draw, y, lines, f, width, GREY)
        detail_lines += len(lines)
    top = y + 40

    # Footer, from the bottom up: the red band, the slogan, the instruction, the code in letters.
    draw.rectangle((0, height - 60, width, height), fill=CONGRESS_RED)
    slogan_f, slogan = _fit(draw, "码上见 · 马上办", text_width, 56, 40)
    instruction_f, instruction_lines = _fit(draw, instruction, text_width, 72, 48, max_lines=2)
    code_f = font(40)
    y = height - 60 - 70 - _line_height(slogan_f)
    _draw_lines(draw, y, slogan, slogan_f, width, GREY)
    y -= len(instruction_lines) * _line_height(instruction_f) + 20
    _draw_lines(draw, y, instruction_lines, instruction_f, width, CONGRESS_RED)
    y -= _line_height(code_f) + 40
    _draw_lines(draw, y, ["编号 " + _spaced_code(url)], code_f, width, GREY)
    bottom = y - 20

    # Whole pixels per module, so that every module prints the same size.
    qr = _qr_matrix(url)
    modules = qr.modules_count + 4  # with a two-module quiet zone
    box = max(1, min(1100, bottom - top, text_width) // modules)
    code = _qr_image(qr, box_size=box, border=2)
    canvas.paste(code, ((width - code.width) // 2, top + (bottom - top - code.height) // 2))
    return _png(canvas, dpi=(300, 300))
