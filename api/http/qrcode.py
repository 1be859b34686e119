"""The QR code on the 使用标志: the address of the elevator's public page, as SVG (print at any size) or PNG.

Error correction level M (15% of the symbol may be lost: a scratched or dirty sticker still scans) and the
four-module quiet zone the standard asks for.
"""

from __future__ import annotations

import io

import segno

__all__ = ["QR_MEDIA_TYPES", "qr_image"]

QR_MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
_PNG_SCALE = 8  # pixels per module: a version-3 symbol is 37 modules, 296 px with its quiet zone


def qr_image(text: str, kind: str, *, title: str = "") -> bytes:
    """``text`` as a QR code image of ``kind`` (``svg`` or ``png``)."""
    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    if kind == "svg":
        code.save(out, kind="svg", scale=1, border=4, title=title or None, xmldecl=False, unit="mm")
    else:
        code.save(out, kind="png", scale=_PNG_SCALE, border=4)
    return out.getvalue()
