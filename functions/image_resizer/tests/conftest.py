"""Fixtures for image_resizer: images made with Pillow, a crafted decompression bomb, a moto bucket."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import boto3
import pytest
from PIL import Image

from shared.observability import metrics

BUCKET = "orders-uploads"


def image_bytes(
    size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB", exif_orientation: int | None = None
) -> bytes:
    image = Image.new(mode, size, color=(200, 30, 30) if mode == "RGB" else None)
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width × height`` pixels (its pixel data is never reached)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch, moto_aws: None) -> Any:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    monkeypatch.setattr(metrics, "namespace", "orders")
    return s3
