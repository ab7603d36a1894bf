"""Drawing printed codes: the code with its name underneath, and an A5 poster for the wall.

Chinese needs a CJK font. Debian's ``fonts-wqy-microhei`` (installed by ``scripts/ensure-system-deps``
and the Dockerfile) or Noto Sans CJK are found automatically; ``CJK_FONT_PATH`` overrides.
"""
import io
import os
from functools import lru_cache

import qrcode
from flask import current_app
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from ..errors import APIError

# Bump when the drawing changes, so that ETags change with it.
RENDER_VERSION = "2"

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


def find_cjk_font_path(configured=None):
    for path in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if path and os.path.exists(path):
            return path
    return None


def font_path():
    path = find_cjk_font_path(current_app.config.get("CJK_FONT_PATH"))
    if path is None:
        raise APIError(503, "service_unavailable", "二维码图片暂时无法生成：服务器缺少中文字体，请联系管理员安装。")
    return path


@lru_cache(maxsize=32)
def _font(path, size):
    return ImageFont.truetype(path, size)


def font(size):
    return _font(font_path(), size)


def _qr_matrix_image(url, box_size, border=2):
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def _fit_text(draw, text, max_width, size, min_size=14):
    """The largest font (≤ size) at which ``text`` fits ``max_width``, and the text, shortened if need be."""
    while size > min_size and draw.textlength(text, font=font(size)) > max_width:
        size -= 2
    f = font(size)
    while draw.textlength(text, font=f) > max_width and len(text) > 1:
        text = text[:-2] + "…"
    return f, text


def _center(draw, y, text, f, width, fill):
    draw.text(((width - draw.textlength(text, font=f)) / 2, y), text, font=f, fill=fill)


def _png(image, dpi=None):
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True, **({"dpi": dpi} if dpi else {}))
    return buffer.getvalue()


def code_image(url, label):
    """The code with ``label`` (a name, in Chinese) printed under it."""
    code = _qr_matrix_image(url, box_size=10, border=3)
    width = code.width
    label_height = 64
    canvas = Image.new("RGB", (width, code.height + label_height), "white")
    canvas.paste(code, (0, 0))
    draw = ImageDraw.Draw(canvas)
    f, text = _fit_text(draw, label, width - 24, 36)
    _center(draw, code.height + (label_height - f.size) / 2 - 8, text, f, width, INK)
    return _png(canvas)


def poster(url, title, name, details, instruction):
    """A printable A5 poster at 300 dpi.

    ``title`` heads the red band, ``name`` is the deputy's or station's name, ``details`` a few
    short lines (level, region, address, hours), ``instruction`` the one-line call to scan.
    """
    width, height = A5_300DPI
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    margin = 120

    draw.rectangle((0, 0, width, 300), fill=CONGRESS_RED)
    f, text = _fit_text(draw, title, width - 2 * margin, 96)
    _center(draw, 150 - f.size / 2 - 10, text, f, width, "white")

    y = 380
    f, text = _fit_text(draw, name, width - 2 * margin, 120)
    _center(draw, y, text, f, width, INK)
    y += f.size + 50
    for line in details[:4]:
        f, text = _fit_text(draw, line, width - 2 * margin, 52)
        _center(draw, y, text, f, width, GREY)
        y += f.size + 24

    code = _qr_matrix_image(url, box_size=10, border=2)
    side = min(1100, height - y - 520)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    y += 40
    canvas.paste(code, ((width - side) // 2, y))
    y += side + 60

    f, text = _fit_text(draw, instruction, width - 2 * margin, 72)
    _center(draw, y, text, f, width, CONGRESS_RED)
    y += f.size + 40
    f, text = _fit_text(draw, "码上见 · 马上办", width - 2 * margin, 56)
    _center(draw, y, text, f, width, GREY)

    draw.rectangle((0, height - 60, width, height), fill=CONGRESS_RED)
    return _png(canvas, dpi=(300, 300))
