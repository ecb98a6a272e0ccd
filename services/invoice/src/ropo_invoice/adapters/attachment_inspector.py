"""Checks that a dispute's attached file really is the PDF, JPEG or PNG it claims to be.

Implements the service layer's ``AttachmentInspector`` with pypdf and Pillow. The
files come from the public internet and agents open them later, so a file is
accepted only when its leading bytes name the declared type *and* the parser of
that type (and only that one) reads it through: a PDF opens, is not encrypted and
has a page; an image passes ``verify()`` and decodes completely when opened again.
Images with more pixels than Pillow's decompression-bomb limit are refused
(Pillow's warning is raised as an error here) rather than decoded.
"""

from __future__ import annotations

import io
import threading
import warnings
from types import MappingProxyType

from PIL import Image
from pypdf import PdfReader

from ropo_invoice.domain.dispute import JPEG, PDF, PNG
from ropo_invoice.service_layer.disputes import AttachmentProblem

_SIGNATURES = ((PDF, b"%PDF-"), (PNG, b"\x89PNG\r\n\x1a\n"), (JPEG, b"\xff\xd8\xff"))
_NAMES = MappingProxyType({PDF: "a PDF document", JPEG: "a JPEG image", PNG: "a PNG image"})
_PILLOW_FORMATS = MappingProxyType({JPEG: "JPEG", PNG: "PNG"})
#: Pillow's own default limit: beyond it an image is treated as a decompression bomb.
MAX_IMAGE_PIXELS = 89_478_485
# ``warnings.catch_warnings`` swaps process-wide state: one image check at a time.
_WARNINGS_LOCK = threading.Lock()


def sniff_media_type(content: bytes) -> str | None:
    """The accepted media type the file's leading bytes name, or ``None``."""
    for media_type, signature in _SIGNATURES:
        if content.startswith(signature):
            return media_type
    return None


class PdfAndImageInspector:
    """Opens PDFs with pypdf and JPEG/PNG images with Pillow (thread-safe, no I/O)."""

    def inspect(self, media_type: str, content: bytes) -> AttachmentProblem | None:
        """``None`` when ``content`` opens as ``media_type``; else why not."""
        if media_type not in _NAMES:
            return AttachmentProblem("media_type", f"must be one of {', '.join(_NAMES)}")
        actual = sniff_media_type(content)
        if actual is None:
            return AttachmentProblem("content", f"is not {_NAMES[media_type]}")
        if actual != media_type:
            return AttachmentProblem(
                "media_type", f"does not match the file, which is {_NAMES[actual]}"
            )
        if media_type == PDF:
            problem = _pdf_problem(content)
        else:
            problem = _image_problem(media_type, content)
        return None if problem is None else AttachmentProblem("content", problem)


def _pdf_problem(content: bytes) -> str | None:
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return "is a password-protected PDF; attach it without the password protection"
        if len(reader.pages) < 1:
            return "is a PDF without any pages"
    # pypdf raises many kinds of errors on a broken file (its own, ValueError,
    # KeyError, zlib and struct errors…); any of them means it cannot be read.
    except Exception:
        return "is a damaged PDF that cannot be opened"
    return None


def _image_problem(media_type: str, content: bytes) -> str | None:
    pillow_format = _PILLOW_FORMATS[media_type]
    kind = _NAMES[media_type]
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Only the declared format's decoder may read the bytes.
            with Image.open(io.BytesIO(content), formats=[pillow_format]) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return _too_many_pixels()
                image.verify()
            # verify() leaves the image unusable and does not decode the pixels.
            with Image.open(io.BytesIO(content), formats=[pillow_format]) as image:
                image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            return _too_many_pixels()
        # Pillow reports broken data as OSError, SyntaxError, ValueError, EOFError,
        # struct.error…: any of them means the image cannot be shown.
        except Exception:
            return f"is {kind} that is damaged and cannot be opened"
    return None


def _too_many_pixels() -> str:
    return f"has more than {MAX_IMAGE_PIXELS:,} pixels; send a smaller image"
