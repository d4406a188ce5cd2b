"""Fit an image inside 800×600 keeping its aspect ratio — pure Pillow, no AWS.

Decompression bombs (a small file that decodes to an enormous bitmap) are refused before any pixel is
decoded: Pillow checks the header's dimensions against ``Image.MAX_IMAGE_PIXELS`` when opening; this module
sets that limit explicitly and also treats Pillow's softer ``DecompressionBombWarning`` band as a refusal.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from shared.errors import NonRetryableError

MAX_SIZE = (800, 600)
MAX_PIXELS = 40_000_000  # 40 MP: beyond any camera upload we accept; also bounds decoding memory (~160 MB RGBA)
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# What Pillow's decoders raise on malformed input (some plugins leak AttributeError or struct.error).
_PARSE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, AttributeError, struct.error)

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


class NotAnImageError(NonRetryableError):
    """The bytes are not an image in a format this function writes."""

    code = "not_an_image"


class ImageBombError(NonRetryableError):
    """The image's declared size exceeds the pixel limit (a decompression bomb, or simply too large)."""

    code = "image_too_large"


@dataclass(frozen=True)
class ResizedImage:
    data: bytes
    format: str
    content_type: str
    width: int
    height: int
    original_width: int
    original_height: int


def resize(data: bytes, *, max_size: tuple[int, int] = MAX_SIZE) -> ResizedImage:
    """The image scaled down (never up) to fit ``max_size``, upright (EXIF orientation), in its own format."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageBombError(f"image exceeds {MAX_PIXELS} pixels: {exc}") from None
        except UnidentifiedImageError:
            raise NotAnImageError("not a recognised image") from None
        except _PARSE_ERRORS as exc:  # a recognised signature with a broken header
            raise NotAnImageError(f"corrupt image header: {exc}") from None
    with image:
        fmt = image.format or ""
        if fmt not in FORMATS:
            raise NotAnImageError(f"unsupported image format {fmt or 'unknown'}; expected one of {sorted(FORMATS)}")
        original = image.size
        out = io.BytesIO()
        try:  # pixels are decoded lazily, so truncated data surfaces anywhere from here to save()
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail(max_size, Image.Resampling.LANCZOS)
            if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            options = {"quality": 85, "optimize": True} if fmt in ("JPEG", "WEBP") else {"optimize": True}
            upright.save(out, format=fmt, **options)
        except _PARSE_ERRORS as exc:
            raise NotAnImageError(f"corrupt {fmt} image: {exc}") from None
        return ResizedImage(out.getvalue(), fmt, FORMATS[fmt], upright.width, upright.height, *original)
