"""The attachment inspector with the real pypdf and Pillow: what opens is accepted, what
does not (or is not what it claims to be) is refused in words a person understands."""

from __future__ import annotations

import io
import struct
import warnings
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter
from ropo_invoice.adapters.attachment_inspector import PdfAndImageInspector, sniff_media_type
from ropo_invoice.service_layer.disputes import AttachmentProblem

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
inspector = PdfAndImageInspector()


def pdf(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if password is not None:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image(format_: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=format_)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def content(description: str) -> AttachmentProblem:
    return AttachmentProblem("content", description)


@pytest.mark.parametrize(
    ("media_type", "data"),
    [(PDF, pdf()), (PDF, pdf(pages=3)), (JPEG, image("JPEG")), (PNG, image("PNG"))],
)
def test_readable_files_of_the_declared_type_are_accepted(media_type: str, data: bytes) -> None:
    assert inspector.inspect(media_type, data) is None


def test_the_declared_type_must_match_the_content() -> None:
    assert inspector.inspect(JPEG, image("PNG")) == AttachmentProblem(
        "media_type", "does not match the file, which is a PNG image"
    )
    assert inspector.inspect(PDF, image("JPEG")) == AttachmentProblem(
        "media_type", "does not match the file, which is a JPEG image"
    )
    assert inspector.inspect(PNG, pdf()) == AttachmentProblem(
        "media_type", "does not match the file, which is a PDF document"
    )
    assert inspector.inspect(PDF, b"just some text") == content("is not a PDF document")
    assert inspector.inspect(PNG, b"GIF89a\x01\x00") == content("is not a PNG image")
    undeclared = inspector.inspect("image/gif", b"GIF89a")
    assert undeclared is not None and undeclared.part == "media_type"


def test_broken_encrypted_and_empty_pdfs_are_refused() -> None:
    whole = pdf()
    assert inspector.inspect(PDF, b"%PDF-1.7\nnot really a pdf\n%%EOF\n") == content(
        "is a damaged PDF that cannot be opened"
    )
    assert inspector.inspect(PDF, whole[: len(whole) // 3]) == content(
        "is a damaged PDF that cannot be opened"
    )
    assert inspector.inspect(PDF, pdf(password="salasana")) == content(
        "is a password-protected PDF; attach it without the password protection"
    )
    assert inspector.inspect(PDF, pdf(pages=0)) == content("is a PDF without any pages")


def test_broken_images_are_refused() -> None:
    jpeg = image("JPEG", (200, 200))
    assert inspector.inspect(JPEG, jpeg[: len(jpeg) // 2]) == content(
        "is a JPEG image that is damaged and cannot be opened"
    )
    png = bytearray(image("PNG"))
    png[-20] ^= 0xFF  # a flipped byte in the pixel data: the chunk's checksum no longer fits
    assert inspector.inspect(PNG, bytes(png)) == content(
        "is a PNG image that is damaged and cannot be opened"
    )
    assert inspector.inspect(PNG, b"\x89PNG\r\n\x1a\n") == content(
        "is a PNG image that is damaged and cannot be opened"
    )


@pytest.mark.parametrize("side", [10_000, 30_000])
def test_decompression_bombs_are_refused_without_decoding(side: int) -> None:
    bomb = png_claiming(side, side)
    assert len(bomb) < 200
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak out as a warning either
        problem = inspector.inspect(PNG, bomb)
    assert problem == content("has more than 89,478,485 pixels; send a smaller image")


def test_sniffing_reads_only_the_leading_bytes() -> None:
    assert sniff_media_type(pdf()) == PDF
    assert sniff_media_type(image("PNG")) == PNG
    assert sniff_media_type(image("JPEG")) == JPEG
    assert sniff_media_type(b" %PDF-1.7") is None
