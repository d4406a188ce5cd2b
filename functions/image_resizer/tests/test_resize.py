"""The Pillow logic alone: fit inside 800×600, keep the ratio and format, refuse bombs and non-images."""

from __future__ import annotations

import io

import pytest
from image_resizer.resize import MAX_PIXELS, ImageBombError, NotAnImageError, resize
from PIL import Image

from functions.image_resizer.tests.conftest import image_bytes, png_bomb


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1600, 1200), (800, 600)),  # same ratio: exactly the box
        ((4000, 1000), (800, 200)),  # wide: width bound
        ((1000, 2000), (300, 600)),  # tall: height bound
        ((400, 300), (400, 300)),  # small: never upscaled
    ],
)
def test_fits_inside_800x600_keeping_the_aspect_ratio(size: tuple[int, int], expected: tuple[int, int]) -> None:
    result = resize(image_bytes(size))
    assert (result.width, result.height) == expected
    assert Image.open(io.BytesIO(result.data)).size == expected
    assert (result.original_width, result.original_height) == size


def test_png_with_alpha_stays_png_with_alpha() -> None:
    result = resize(image_bytes((1200, 1200), fmt="PNG", mode="RGBA"))
    decoded = Image.open(io.BytesIO(result.data))
    assert (result.format, result.content_type, decoded.mode, decoded.size) == ("PNG", "image/png", "RGBA", (600, 600))


def test_exif_rotation_is_applied_before_fitting() -> None:
    # Given a 1600×1200 JPEG whose EXIF says "rotate 90°" (a portrait photo from a phone)
    result = resize(image_bytes((1600, 1200), exif_orientation=6))
    # Then the copy is upright: portrait, fitted by height
    assert (result.width, result.height) == (450, 600)


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # Given a 100-byte PNG declaring 100,000 × 100,000 pixels
    with pytest.raises(ImageBombError, match="exceeds"):
        resize(png_bomb(100_000, 100_000))


def test_an_image_just_over_the_limit_is_refused_too() -> None:
    # Pillow only warns between 1× and 2× the limit; the warning counts as a refusal here
    side = int((MAX_PIXELS * 1.2) ** 0.5)
    with pytest.raises(ImageBombError):
        resize(png_bomb(side, side))


@pytest.mark.parametrize(
    "data", [b"order_id,total\r\n1,2\r\n", b"", b"\x89PNG\r\n\x1a\n-truncated"], ids=["csv", "empty", "broken"]
)
def test_non_images_are_not_images(data: bytes) -> None:
    with pytest.raises(NotAnImageError):
        resize(data)


def test_a_truncated_jpeg_is_not_an_image() -> None:
    with pytest.raises(NotAnImageError, match="corrupt"):
        resize(image_bytes((1600, 1200))[:2000])


def test_formats_it_cannot_write_back_are_refused() -> None:
    with pytest.raises(NotAnImageError, match="unsupported image format BMP"):
        resize(image_bytes((100, 100), fmt="BMP"))
