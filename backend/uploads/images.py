"""Turning untrusted bytes from a phone into a clean photo.

The format is decided by decoding, never by the file name or the declared content type. Only
JPEG, PNG and WebP are accepted. Dimensions are checked from the header before any pixel is
decoded, so a decompression bomb costs nothing. A JPEG is decoded reduced (``Image.draft``: libjpeg
scales by 1/2, 1/4 or 1/8 while decoding) to no less than the longest side kept, so a phone's 50 MP photo
costs about what a 12 MP one does. PNG and WebP cannot be decoded reduced: they are held to a lower pixel
count (``max_full_decode_pixels``; a long screenshot is a few megapixels). The output is re-encoded from pixel data alone:
EXIF (GPS position, camera, time), ICC profiles, XMP and text chunks never survive, while
``ImageOps.exif_transpose`` first bakes the orientation into the pixels so the photo still
looks the right way up.
"""
import io
import logging
import math
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import APIError

log = logging.getLogger(__name__)

# Pillow's names for what we accept (MPO: the multi-picture JPEG many phone cameras write),
# and what each becomes.
_OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "MPO": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "WEBP": ("WEBP", "image/webp", "webp"),
}
# Only these decoders are ever tried on uploaded bytes.
_DECODERS = ["JPEG", "PNG", "WEBP"]
JPEG_QUALITY = 85
WEBP_QUALITY = 85

UNSUPPORTED_MESSAGE = "仅支持 JPEG、PNG 或 WebP 格式的图片，请重新选择。"
CORRUPT_MESSAGE = "图片已损坏或不完整，请重新选择。"


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def size(self):
        return len(self.data)


def unsupported():
    return APIError(415, "unsupported_media", UNSUPPORTED_MESSAGE)


def corrupt():
    return APIError(422, "validation_failed", CORRUPT_MESSAGE, {"file": ["图片已损坏或不完整。"]})


# Decoded in full, however large: held to ``max_full_decode_pixels``. (No limit on how far the file expands:
# zlib's best is about 1000 to 1, and a long chat screenshot, mostly one grey, already reaches 400.)
FULL_DECODE_FORMATS = frozenset({"PNG", "WEBP"})


def too_many_pixels(max_pixels):
    return APIError(
        413, "payload_too_large",
        f"图片分辨率过高（超过 {max_pixels / 10000:g} 万像素），请缩小后重新上传。",
    )


def _open(data, max_pixels, max_full_decode_pixels=None):
    """Open (header only) and check format and dimensions; nothing is decoded yet."""
    try:
        image = Image.open(io.BytesIO(data), formats=_DECODERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (far above ours) fired while reading the header.
        raise too_many_pixels(max_pixels) from None
    except UnidentifiedImageError:
        raise unsupported() from None
    except MemoryError:
        raise
    except Exception as exc:  # a malformed header can make a decoder fail in many ways
        log.info("upload refused, unreadable header: %r", exc)
        raise unsupported() from None
    if image.format not in _OUTPUT:
        raise unsupported()
    width, height = image.size
    if width < 1 or height < 1:
        raise corrupt()
    if width * height > max_pixels:
        raise too_many_pixels(max_pixels)
    if image.format in FULL_DECODE_FORMATS and max_full_decode_pixels is not None \
            and width * height > max_full_decode_pixels:
        raise too_many_pixels(max_full_decode_pixels)
    return image


def _reduce_while_decoding(image, max_side):
    """Ask libjpeg to decode a JPEG scaled down (1/2, 1/4, 1/8) while keeping its longest side at least
    ``max_side``; other formats are decoded as they are."""
    if image.format not in ("JPEG", "MPO") or max_side is None:
        return
    width, height = image.size
    longest = max(width, height)
    if longest <= max_side:
        return
    scale = max_side / longest
    image.draft(None, (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))


def _decode(data, max_pixels, max_side=None, max_full_decode_pixels=None):
    """Verify the whole file, then decode it for real (``verify`` leaves an image unusable)."""
    try:
        _open(data, max_pixels, max_full_decode_pixels).verify()
        image = _open(data, max_pixels, max_full_decode_pixels)
        _reduce_while_decoding(image, max_side)
        image.load()
        return image
    except APIError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels(max_pixels) from None
    except MemoryError:
        raise
    except Exception as exc:  # truncated data, bad checksums, broken chunks, decoder errors
        log.info("upload refused, corrupt image: %r", exc)
        raise corrupt() from None


def _has_alpha(image):
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode in ("P", "L", "RGB", "1") and "transparency" in image.info
    )


def _pixel_mode(image, output_format):
    if output_format == "JPEG":
        return "L" if image.mode in ("1", "L") else "RGB"
    if _has_alpha(image):
        return "RGBA"
    if output_format == "PNG" and image.mode in ("1", "L", "I", "I;16", "I;16B", "I;16L", "F"):
        return "L"
    return "RGB"


def _to_mode(image, mode):
    if image.mode == mode:
        return image
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit greyscale: scale to 8 bits rather than clipping everything bright to white.
        image = image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
        return image if mode == "L" else image.convert(mode)
    return image.convert(mode)


def clean(data, *, max_pixels, max_side, max_full_decode_pixels=None):
    """Decode ``data`` and return a re-encoded, metadata-free, at most ``max_side`` wide/high photo.

    ``max_pixels`` holds every image; ``max_full_decode_pixels`` (None: no further limit) the PNG and WebP
    images, which are decoded in full.

    Raises :class:`APIError`: 415 not a JPEG/PNG/WebP image, 413 too many pixels, 422 corrupt or truncated.
    """
    image = _decode(data, max_pixels, max_side, max_full_decode_pixels)
    output_format, content_type, extension = _OUTPUT[image.format]
    try:
        try:
            upright = ImageOps.exif_transpose(image)
        except MemoryError:
            raise
        except Exception as exc:  # a broken EXIF block: keep the pixels as they are
            log.info("upload: ignoring unreadable EXIF orientation: %r", exc)
            upright = image
        pixels = _to_mode(upright, _pixel_mode(upright, output_format))
        if max(pixels.size) > max_side:
            pixels = pixels.copy() if pixels is image else pixels
            pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        # A brand-new image from raw pixels: no info dict, so no EXIF/ICC/XMP/text can follow.
        bare = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    except APIError:
        raise
    except MemoryError:
        raise
    except Exception as exc:
        log.info("upload refused, could not process pixels: %r", exc)
        raise corrupt() from None

    out = io.BytesIO()
    if output_format == "JPEG":
        bare.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif output_format == "PNG":
        bare.save(out, "PNG", optimize=False, compress_level=6)
    else:
        bare.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return CleanImage(out.getvalue(), content_type, extension, bare.width, bare.height)
