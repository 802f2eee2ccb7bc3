"""What a file is, decided by its content: magic bytes and then a structure check.

Neither the name nor the content type a browser sends is trusted. A file is one of the accepted
types only when it starts with that type's signature *and* its structure holds:

* PDF — ``%PDF-1.x``/``%PDF-2.x`` at byte 0, an ``%%EOF`` in the last KiB, a ``startxref`` whose
  offset points into the file at a cross-reference table (``xref`` … ``trailer`` with ``/Root``)
  or a cross-reference stream (``n g obj`` with ``/Type /XRef``);
* JPEG — SOI, then markers each with a sane length, a frame header (SOF) before the first scan
  (SOS), entropy-coded data walked to the next marker, and EOI;
* PNG — the signature, IHDR first (13 bytes, valid depth and colour type), every chunk's CRC, at
  least one IDAT, IEND last and nothing after it;
* XLSX — a zip checked by stage 1's guard (:func:`~smecredit.enterprises.connectors.spreadsheet.
  workbook_problem`: every member streamed through a byte budget, compression ratio, declared
  against actual sizes, CRCs) holding ``[Content_Types].xml`` declaring a workbook and
  ``xl/workbook.xml`` with its relationships. Cell bounds are checked by whoever reads the sheets.

A file that is also another format (a zip appended to an image or a PDF: a *polyglot*) is refused,
and images may not claim more than :data:`MAX_PIXELS` pixels (what a viewer would allocate).

Pure: standard library and the pure stage-1 zip guard.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from enum import StrEnum

from smecredit.enterprises.connectors.spreadsheet import workbook_problem
from smecredit.enterprises.connectors.vocabulary import ImportLimits
from smecredit.kernel.text import Text


class FileType(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    XLSX = "xlsx"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self]

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def extensions(self) -> tuple[str, ...]:
        return EXTENSIONS[self]


CONTENT_TYPES = {
    FileType.PDF: "application/pdf",
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
    FileType.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LABELS = {FileType.PDF: "PDF", FileType.JPEG: "JPEG", FileType.PNG: "PNG", FileType.XLSX: "XLSX"}
EXTENSIONS = {FileType.PDF: (".pdf",), FileType.JPEG: (".jpg", ".jpeg"), FileType.PNG: (".png",),
              FileType.XLSX: (".xlsx",)}

#: More pixels than this (10^8, e.g. 10,000 × 10,000) is a decompression bomb, not a scan.
MAX_PIXELS = 100_000_000

#: Signatures of what a file may be instead (named in the refusal, so the user learns what they sent).
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows 可执行文件 / Windows executable (EXE)"),
    (b"\x7fELF", "ELF 可执行文件 / ELF executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 或加密文件 / old Office or encrypted file (OLE)"),
    (b"PK\x03\x04", "ZIP 压缩包 / ZIP archive"),
    (b"Rar!", "RAR 压缩包 / RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包 / 7z archive"),
    (b"\x1f\x8b", "GZIP 压缩包 / GZIP archive"),
    (b"GIF8", "GIF 图片 / GIF image"),
    (b"II*\x00", "TIFF 图片 / TIFF image"),
    (b"MM\x00*", "TIFF 图片 / TIFF image"),
    (b"RIFF", "RIFF（WebP/AVI/WAV）"),
)


@dataclass(frozen=True)
class Detected:
    """The type the content proves (``file_type``), or why it proves none (``reason``).

    ``looks_like`` names what the signature says (e.g. "PDF" for a PDF whose structure is broken,
    or "Windows 可执行文件 / Windows executable (EXE)"), for the refusal message.
    """

    file_type: FileType | None
    looks_like: str
    reason: Text | None = None


def detect(data: bytes, *, xlsx_limits: ImportLimits | None = None) -> Detected:
    """Decide what ``data`` is by content; never raises on hostile input."""
    if data.startswith(b"%PDF-"):
        return _checked(FileType.PDF, _pdf_problem, data)
    if data.startswith(b"\xff\xd8\xff"):
        return _checked(FileType.JPEG, _jpeg_problem, data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _checked(FileType.PNG, _png_problem, data)
    if data.startswith(b"PK\x03\x04"):
        # the cells are not read here (the store keeps the file), so their bounds are left to
        # whoever reads the sheets later; every member is still unpacked within the byte budget
        problem = workbook_problem(data, xlsx_limits, cells=False)
        if problem is None:
            return Detected(FileType.XLSX, "XLSX")
        return Detected(None, "ZIP / XLSX", Text(*problem))
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic):
            return Detected(None, name, Text(f"文件内容是{name.split(' / ')[0]}", f"the content is a {name.split(' / ')[-1]}"))
    return Detected(None, "未知 / unknown", Text("无法识别的文件内容", "the content is not a file type we recognise"))


def _checked(kind: FileType, check, data: bytes) -> Detected:
    if _has_zip_directory(data):
        problem = Text(f"{kind.label} 文件中还藏有 ZIP 压缩包（多重格式文件）",
                       f"the {kind.label} file also holds a ZIP archive (a polyglot)")
    else:
        problem = check(data)
    if problem is not None:
        return Detected(None, kind.label, problem)
    return Detected(kind, kind.label)


def _has_zip_directory(data: bytes) -> bool:
    """A zip reader finds an archive by its end-of-central-directory record near the end (the
    record is 22 bytes plus a comment of up to 65,535): look where it looks."""
    tail_start = max(0, len(data) - 22 - 0xFFFF)
    pos = data.rfind(b"PK\x05\x06", tail_start)
    while pos != -1:
        if pos + 22 <= len(data):
            (comment_len,) = struct.unpack_from("<H", data, pos + 20)
            if pos + 22 + comment_len == len(data):
                return True
        pos = data.rfind(b"PK\x05\x06", tail_start, pos)
    return False


# -- PDF -------------------------------------------------------------------------------------------

_PDF_VERSION = re.compile(rb"%PDF-[12]\.\d")
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF\s*$")
_OBJ_HEADER = re.compile(rb"\s*\d{1,10}\s+\d{1,5}\s+obj\b")


def _pdf(zh: str, en: str) -> Text:
    return Text(f"PDF 文件结构损坏：{zh}", f"the PDF file is damaged: {en}")


def _pdf_problem(data: bytes) -> Text | None:
    if not _PDF_VERSION.match(data):
        return _pdf("文件头不是 %PDF-1.x 或 %PDF-2.x", "the header is not %PDF-1.x or %PDF-2.x")
    tail = data[-1024:]
    if b"%%EOF" not in tail:
        return _pdf("末尾缺少 %%EOF（文件可能被截断）", "no %%EOF at the end (the file may be cut short)")
    # the last startxref … %%EOF, allowing the line breaks and padding writers leave after it
    found = _STARTXREF.search(data[-2048:].rstrip(b"\x00"))
    if found is None:
        return _pdf("末尾缺少 startxref（交叉引用表位置）", "no startxref (where the cross-reference table is) at the end")
    offset = int(found.group(1))
    if offset <= 8 or offset >= len(data):
        return _pdf("startxref 指向文件之外", "startxref points outside the file")
    at = data[offset:offset + 64]
    if at.startswith(b"xref"):
        trailer = data.find(b"trailer", offset)
        if trailer == -1 or b"/Root" not in data[trailer:trailer + 4096]:
            return _pdf("交叉引用表后缺少含 /Root 的 trailer", "the cross-reference table has no trailer with /Root")
        return None
    if _OBJ_HEADER.match(at):
        head = data[offset:offset + 4096]
        if re.search(rb"/Type\s*/XRef\b", head) and b"/Root" in head:
            return None
        return _pdf("startxref 指向的对象不是交叉引用流", "startxref points at an object that is not a cross-reference stream")
    return _pdf("startxref 未指向交叉引用表", "startxref does not point at a cross-reference table")


# -- JPEG ------------------------------------------------------------------------------------------

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _jpeg(zh: str, en: str) -> Text:
    return Text(f"JPEG 图片结构损坏：{zh}", f"the JPEG image is damaged: {en}")


def _jpeg_problem(data: bytes) -> Text | None:
    n = len(data)
    pos = 2
    frame = False
    scans = 0
    while True:
        if pos >= n:
            return _jpeg("缺少图片结束标记（EOI），文件可能被截断", "no end-of-image marker (EOI): the file may be cut short")
        if data[pos] != 0xFF:
            return _jpeg(f"第 {pos} 字节处应为标记", f"a marker was expected at byte {pos}")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            continue
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            break
        if marker == 0xD8 or marker == 0x00:
            return _jpeg(f"第 {pos - 1} 字节处的标记无效", f"an invalid marker at byte {pos - 1}")
        if marker in _STANDALONE:
            continue
        if pos + 2 > n:
            return _jpeg("缺少图片结束标记（EOI），文件可能被截断", "no end-of-image marker (EOI): the file may be cut short")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2 or pos + length > n:
            return _jpeg("段长度超出文件（文件可能被截断）", "a segment runs past the end of the file (it may be cut short)")
        if marker in _SOF:
            if length < 8:
                return _jpeg("帧头过短", "the frame header is too short")
            height, width = struct.unpack_from(">HH", data, pos + 3)
            if width == 0:
                return _jpeg("图片宽度为 0", "the image width is 0")
            if width * max(height, 1) > MAX_PIXELS:
                return _jpeg(f"图片尺寸过大（{width}×{height}）", f"the image is too large ({width}×{height})")
            frame = True
        pos += length
        if marker == 0xDA:
            if not frame:
                return _jpeg("扫描数据前缺少帧头（SOF）", "scan data comes before any frame header (SOF)")
            scans += 1
            # entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart
            while True:
                pos = data.find(b"\xff", pos)
                if pos == -1 or pos + 1 >= n:
                    return _jpeg("缺少图片结束标记（EOI），文件可能被截断", "no end-of-image marker (EOI): the file may be cut short")
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
    if scans == 0:
        return _jpeg("没有图像数据（SOS）", "there is no image data (SOS)")
    rest = data[pos:]
    # cameras may put a second image (MPF preview) or zero padding after EOI; nothing else
    if rest and not rest.startswith(b"\xff\xd8\xff") and rest.strip(b"\x00\r\n\t ") != b"":
        return _jpeg("图片结束标记（EOI）之后还有其他数据", "there is other data after the end-of-image marker (EOI)")
    return None


# -- PNG -------------------------------------------------------------------------------------------

_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def _png(zh: str, en: str) -> Text:
    return Text(f"PNG 图片结构损坏：{zh}", f"the PNG image is damaged: {en}")


def _png_problem(data: bytes) -> Text | None:
    n = len(data)
    pos = 8
    first = True
    idat = False
    while True:
        if pos + 12 > n:
            return _png("缺少结束块（IEND），文件可能被截断", "no IEND chunk: the file may be cut short")
        length, ctype = struct.unpack_from(">I4s", data, pos)
        if length > 0x7FFFFFFF or pos + 12 + length > n:
            return _png("数据块长度超出文件（文件可能被截断）", "a chunk runs past the end of the file (it may be cut short)")
        if not ctype.isalpha() or not ctype.isascii():
            return _png("数据块类型无效", "a chunk has an invalid type")
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, pos + 8 + length)
        if zlib.crc32(body, zlib.crc32(ctype)) != crc:
            return _png(f"{ctype.decode()} 块校验失败（CRC）", f"the {ctype.decode()} chunk fails its CRC check")
        if first:
            if ctype != b"IHDR" or length != 13:
                return _png("第一个数据块不是 IHDR", "the first chunk is not IHDR")
            width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
            if not (0 < width <= 0x7FFFFFFF and 0 < height <= 0x7FFFFFFF):
                return _png("图片尺寸无效", "the image size is invalid")
            if width * height > MAX_PIXELS:
                return _png(f"图片尺寸过大（{width}×{height}）", f"the image is too large ({width}×{height})")
            if depth not in _PNG_DEPTHS.get(colour, ()) or compression or filtering or interlace > 1:
                return _png("IHDR 参数无效", "the IHDR header holds invalid values")
            first = False
        elif ctype == b"IHDR":
            return _png("IHDR 出现多次", "IHDR appears more than once")
        elif ctype == b"IDAT":
            idat = True
        pos += 12 + length
        if ctype == b"IEND":
            break
    if not idat:
        return _png("没有图像数据（IDAT）", "there is no image data (IDAT)")
    if pos != n:
        return _png("结束块（IEND）之后还有其他数据", "there is other data after the IEND chunk")
    return None
