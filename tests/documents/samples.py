"""Small real files of every accepted type, made here (no fixtures on disk), and hostile ones."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(text: str = "hello", *, padding: int = 0) -> bytes:
    """A minimal valid PDF: catalog, pages, one page with a content stream (``padding`` bytes of
    comment lines inside the stream make it as large as wanted), a classic xref table, trailer."""
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET\n".encode()
    if padding:
        line = b"% " + b"x" * 97 + b"\n"
        body += line * (padding // len(line) + 1)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png(width: int = 4, height: int = 3, *, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A truecolour PNG built by hand (signature, IHDR, IDAT, IEND, each with its CRC)."""
    raw = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg(width: int = 16, height: int = 8) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, "JPEG", quality=80)
    return out.getvalue()


def xlsx(rows: int = 3) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "流水"
    ws.append(["日期", "金额"])
    for i in range(rows):
        ws.append([f"2026-01-{i % 28 + 1:02d}", i * 1.5])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_of(members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def xlsx_bomb() -> bytes:
    """A workbook whose one sheet unpacks to 300 MB of zeros from well under a megabyte."""
    good = zipfile.ZipFile(io.BytesIO(xlsx()))
    members = {name: good.read(name) for name in good.namelist()}
    sheet = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
    members["xl/worksheets/sheet1.xml"] = sheet + b" " * 300_000_000
    return zip_of(members)
