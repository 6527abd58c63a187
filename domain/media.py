"""What an uploaded file really is, judged from its first bytes, and safe names to show it by.

The name is a hint only where the content cannot tell (CSV against plain text, an OLE2 or OOXML
package whose deciding part lies beyond the head); it never makes content acceptable.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from types import MappingProxyType

from domain.errors import ValidationFailed, violation
from domain.thai import normalize_text

SNIFF_BYTES: int = 8192
PDF_JUNK_LIMIT = 1024
MAX_NAME_CHARS = 255
DEFAULT_NAME = "evidence"


@dataclass(frozen=True)
class MediaKind:
    """An accepted kind of content, with labels for the UI."""

    media_type: str
    family: str
    label_th: str
    label_en: str


class UnsupportedMedia(ValidationFailed):
    status = 415
    title = "Unsupported media type"


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_ODF = "application/vnd.oasis.opendocument."
_MSWORD, _XLS, _PPT = (
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
)
_WORD_TH, _EXCEL_TH, _SLIDES_TH = "เอกสาร Word", "ตาราง Excel", "งานนำเสนอ PowerPoint"

ALLOWED_KINDS: Mapping[str, MediaKind] = MappingProxyType(
    {
        kind.media_type: kind
        for kind in (
            MediaKind("application/pdf", "pdf", "เอกสาร PDF", "PDF document"),
            MediaKind("image/png", "image", "รูปภาพ PNG", "PNG image"),
            MediaKind("image/jpeg", "image", "รูปภาพ JPEG", "JPEG image"),
            MediaKind("image/gif", "image", "รูปภาพ GIF", "GIF image"),
            MediaKind("image/webp", "image", "รูปภาพ WebP", "WebP image"),
            MediaKind("image/tiff", "image", "รูปภาพ TIFF", "TIFF image"),
            MediaKind("image/bmp", "image", "รูปภาพ BMP", "BMP image"),
            MediaKind("image/heic", "image", "รูปภาพ HEIC", "HEIC image"),
            MediaKind("image/heif", "image", "รูปภาพ HEIF", "HEIF image"),
            MediaKind("image/avif", "image", "รูปภาพ AVIF", "AVIF image"),
            MediaKind(_MSWORD, "office", _WORD_TH, "Word document"),
            MediaKind(_DOCX, "office", _WORD_TH, "Word document"),
            MediaKind(_XLS, "office", _EXCEL_TH, "Excel workbook"),
            MediaKind(_XLSX, "office", _EXCEL_TH, "Excel workbook"),
            MediaKind(_PPT, "office", _SLIDES_TH, "PowerPoint presentation"),
            MediaKind(_PPTX, "office", _SLIDES_TH, "PowerPoint presentation"),
            MediaKind(_ODF + "text", "office", "เอกสาร OpenDocument", "OpenDocument text"),
            MediaKind(_ODF + "spreadsheet", "office", "ตาราง OpenDocument", "OpenDocument sheet"),
            MediaKind(
                _ODF + "presentation", "office", "งานนำเสนอ OpenDocument", "OpenDocument slides"
            ),
            MediaKind("text/plain", "text", "ข้อความ", "plain text"),
            MediaKind("text/csv", "text", "ตาราง CSV", "CSV table"),
            MediaKind("video/mp4", "video", "วิดีโอ MP4", "MP4 video"),
            MediaKind("video/quicktime", "video", "วิดีโอ QuickTime", "QuickTime video"),
            MediaKind("video/3gpp", "video", "วิดีโอ 3GPP", "3GPP video"),
            MediaKind("video/3gpp2", "video", "วิดีโอ 3GPP2", "3GPP2 video"),
            MediaKind("video/webm", "video", "วิดีโอ WebM", "WebM video"),
            MediaKind("video/x-matroska", "video", "วิดีโอ Matroska", "Matroska video"),
            MediaKind("video/x-msvideo", "video", "วิดีโอ AVI", "AVI video"),
            MediaKind("video/mpeg", "video", "วิดีโอ MPEG", "MPEG video"),
            MediaKind("video/mp2t", "video", "วิดีโอ MPEG-TS", "MPEG transport stream"),
        )
    }
)

_OCTET = "application/octet-stream"
_MACRO_TH, _MACRO_EN = "เอกสาร Office ที่มีแมโคร", "an Office document with macros"
_MACRO = {
    _DOCX: "application/vnd.ms-word.document.macroEnabled.12",
    _XLSX: "application/vnd.ms-excel.sheet.macroEnabled.12",
    _PPTX: "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
}
_REFUSED: Mapping[str, tuple[str, str]] = {
    "application/x-dosexec": ("โปรแกรม Windows", "a Windows executable"),
    "application/x-msi": ("ตัวติดตั้งโปรแกรม Windows", "a Windows installer"),
    "application/x-executable": ("โปรแกรม Linux", "a Linux (ELF) executable"),
    "application/x-mach-binary": ("โปรแกรม macOS", "a macOS (Mach-O) executable"),
    "application/java-vm": ("โปรแกรม Java", "a Java class file"),
    "text/x-shellscript": ("สคริปต์ที่สั่งทำงานได้", "an executable script"),
    "text/html": ("หน้าเว็บ HTML ที่ทำงานในเบราว์เซอร์ได้", "an HTML page, which can run in a browser"),
    "application/xhtml+xml": ("หน้าเว็บ XHTML ที่ทำงานในเบราว์เซอร์ได้", "an XHTML page"),
    "image/svg+xml": ("ภาพ SVG ที่ทำงานในเบราว์เซอร์ได้", "an SVG image, which can run script"),
    "application/xml": ("เอกสาร XML", "an XML document"),
    **{macro: (_MACRO_TH, _MACRO_EN) for macro in _MACRO.values()},
    "application/zip": ("ไฟล์บีบอัด ZIP", "a ZIP archive"),
    "application/vnd.rar": ("ไฟล์บีบอัด RAR", "a RAR archive"),
    "application/x-7z-compressed": ("ไฟล์บีบอัด 7-Zip", "a 7-Zip archive"),
    "application/gzip": ("ไฟล์บีบอัด gzip", "a gzip archive"),
    _OCTET: ("ข้อมูลไบนารีที่ไม่รู้จัก", "unknown binary content"),
}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\x00\x00\x01\xba", "video/mpeg"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xfe\xed\xfa\xce", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
    (b"PK\x05\x06", "application/zip"),
    (b"PK\x07\x08", "application/zip"),
)
_BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
_AVIF = frozenset({b"avif", b"avis"})
_HEIC = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF = frozenset({b"mif1", b"msf1"})
_MP4_BRANDS = (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash")
_VIDEO_BRANDS: Mapping[bytes, str] = {
    **dict.fromkeys((*_MP4_BRANDS, b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"MSNV"), "video/mp4"),
    b"qt  ": "video/quicktime",
    **dict.fromkeys((b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gg6", b"3ge6"), "video/3gpp"),
    **dict.fromkeys((b"3g2a", b"3g2b", b"3g2c"), "video/3gpp2"),
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = {
    "WordDocument": _MSWORD,
    "Workbook": _XLS,
    "Book": _XLS,
    "PowerPoint Document": _PPT,
}
_OLE_BY_EXT = {"xls": _XLS, "xlt": _XLS, "xla": _XLS, "ppt": _PPT, "pps": _PPT, "pot": _PPT}
# {000C10xx-0000-0000-C000-000000000046}: the root CLSIDs of MSI installers, patches, transforms.
_MSI_CLSID_TAIL = b"\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
_OOXML_BY_EXT = {"docx": _DOCX, "xlsx": _XLSX, "pptx": _PPTX}
_OOXML_MAIN = re.compile(
    r'ContentType="application/vnd\.(?:openxmlformats-officedocument\.|ms-)'
    r'(wordprocessingml|spreadsheetml|presentationml|word|excel|powerpoint)\.([^"]*?)\.main\+xml"'
)
_OOXML_FAMILY = {
    **dict.fromkeys(("wordprocessingml", "word"), _DOCX),
    **dict.fromkeys(("spreadsheetml", "excel"), _XLSX),
    **dict.fromkeys(("presentationml", "powerpoint"), _PPTX),
}
_ZIP_LOCAL = b"PK\x03\x04"
_TEXT_CONTROLS = frozenset("\t\n\r\f")
_LEADING_BLANKS = "\ufeff \t\r\n\f"
_HTML_START = re.compile(
    r"<(?:!doctype\s+html|html|head|body|script|iframe|style|title|table|font|div|h1|br|b|a|p)"
    r"[\s/>]|<!--"
)
TS_PACKET = 188


def sniff(head: bytes, name: str = "") -> MediaKind:
    """The kind of file `head` (its first SNIFF_BYTES, or all of it) begins.

    The name only tells CSV from plain text and breaks ties inside Office containers. Raises
    UnsupportedMedia naming what the content is when it is not allowed, ValidationFailed if empty.
    """
    head = head[:SNIFF_BYTES]
    if not head:
        message = "ไฟล์ว่างเปล่า / the file is empty"
        raise ValidationFailed(message, [violation("file", "not_empty", message)])
    extension = PureWindowsPath(PurePosixPath(name).name).suffix.lower().lstrip(".")
    media_type = _identify(head, extension)
    kind = ALLOWED_KINDS.get(media_type)
    if kind is None:
        label_th, label_en = _REFUSED.get(media_type, _REFUSED[_OCTET])
        message = (
            f"ไฟล์นี้เป็น{label_th} ({media_type}) ไม่ใช่ชนิดที่รับ"
            f" / the content is {label_en} ({media_type}), not an allowed type"
        )
        raise UnsupportedMedia(message, [violation("file", "allowed_type", message)])
    return kind


def _identify(head: bytes, extension: str) -> str:
    found = _signature(head, extension)
    if found:
        return found
    text = _decode_text(head)
    if text is not None:
        markup = _markup(text)
        if markup:
            return markup
        if text.lstrip("\ufeff").startswith("#!"):
            return "text/x-shellscript"
    # Readers skip leading junk before the header, so real PDFs do carry some.
    if b"%PDF-" in head[: PDF_JUNK_LIMIT + len(b"%PDF-")]:
        return "application/pdf"
    if text is not None:
        return "text/csv" if extension == "csv" else "text/plain"
    syncs = range(0, min(len(head), TS_PACKET * 8), TS_PACKET)
    if len(syncs) >= 2 and all(head[at] == 0x47 for at in syncs):
        return "video/mp2t"
    return _OCTET


def _signature(head: bytes, extension: str) -> str | None:
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    # Every real DOS header has NUL bytes in its first 64; text that merely starts "MZ" has none.
    if head.startswith(b"MZ") and b"\x00" in head[:64]:
        return "application/x-dosexec"
    if head.startswith(b"\xca\xfe\xba\xbe"):
        # Fat Mach-O shares Java's magic: class versions are >= 45, arch counts are small.
        java = int.from_bytes(head[4:8], "big") >= 45
        return "application/java-vm" if java else "application/x-mach-binary"
    if head.startswith(b"RIFF"):
        return {b"WEBP": "image/webp", b"AVI ": "video/x-msvideo"}.get(head[8:12])
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head.startswith(b"BM") and len(head) >= 18:
        offset = int.from_bytes(head[10:14], "little")
        header = int.from_bytes(head[14:18], "little")
        return "image/bmp" if header in _BMP_HEADER_SIZES and offset >= 14 + header else None
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        webm = re.search(rb"\x42\x82[\x80-\xff]webm", head[:256])
        return "video/webm" if webm else "video/x-matroska"
    if head.startswith(_OLE_MAGIC):
        return _ole(head, extension)
    if head.startswith(_ZIP_LOCAL):
        return _zip(head, extension)
    return None


def _iso_media(head: bytes) -> str | None:
    box_end = min(int.from_bytes(head[:4], "big"), len(head), 256)
    major = head[8:12]
    compatible = [head[at : at + 4] for at in range(16, box_end - 3, 4)]
    brands = {major, *compatible}
    for media_type, image_brands in (("image/avif", _AVIF), ("image/heic", _HEIC)):
        if brands & image_brands:
            return media_type
    for brand in (major, *compatible):
        if brand in _VIDEO_BRANDS:
            return _VIDEO_BRANDS[brand]
    return "image/heif" if brands & _HEIF else None


def _ole(head: bytes, extension: str) -> str:
    names: set[str] = set()
    shift = int.from_bytes(head[0x1E:0x20], "little")
    if shift in (9, 12) and len(head) >= 0x34:
        start = (int.from_bytes(head[0x30:0x34], "little") + 1) << shift
        for at in range(start, min(len(head), start + (1 << shift)) - 127, 128):
            entry = head[at : at + 128]
            length = int.from_bytes(entry[64:66], "little")
            if entry[66] == 5 and entry[81:96] == _MSI_CLSID_TAIL:
                return "application/x-msi"
            if 2 <= length <= 64:
                names.add(entry[: length - 2].decode("utf-16-le", "replace"))
    for stream, media_type in _OLE_STREAMS.items():
        if stream in names:
            return media_type
    if extension in ("msi", "msp", "mst"):
        return "application/x-msi"
    return _OLE_BY_EXT.get(extension[:3], _MSWORD)


@dataclass(frozen=True)
class _ZipEntry:
    name: str
    method: int
    data: bytes  # as much of the entry's data as the head holds


def _zip_entries(head: bytes) -> list[_ZipEntry]:
    entries: list[_ZipEntry] = []
    at = 0
    while head.startswith(_ZIP_LOCAL, at) and at + 30 <= len(head):
        flags, method = (int.from_bytes(head[at + i : at + i + 2], "little") for i in (6, 8))
        size = int.from_bytes(head[at + 18 : at + 22], "little")
        name_end = at + 30 + int.from_bytes(head[at + 26 : at + 28], "little")
        data_at = name_end + int.from_bytes(head[at + 28 : at + 30], "little")
        if data_at > len(head):
            break
        name = head[at + 30 : name_end].decode("utf-8" if flags & 0x800 else "cp437", "replace")
        if flags & 0x08 or size == 0xFFFFFFFF:
            # The size follows the data (streamed) or sits in a zip64 extra: find the next entry.
            following = head.find(_ZIP_LOCAL, data_at)
            end = following if following >= 0 else len(head)
        else:
            end = data_at + size
        entries.append(_ZipEntry(name, method, head[data_at:end]))
        at = end
    return entries


def _zip(head: bytes, extension: str) -> str:
    entries = _zip_entries(head)
    if entries and entries[0].name == "mimetype" and entries[0].method == 0:
        declared = entries[0].data.decode("ascii", "replace").strip()
        return (
            declared
            if declared.startswith(_ODF) and declared in ALLOWED_KINDS
            else "application/zip"
        )
    names = [entry.name for entry in entries]
    macros = any(name.endswith("vbaProject.bin") for name in names)
    for entry in entries:
        if entry.name == "[Content_Types].xml":
            main = _OOXML_MAIN.search(_inflate(entry))
            if main:
                media_type = _OOXML_FAMILY[main.group(1)]
                macros = macros or "macroenabled" in main.group(2).lower()
                return _MACRO[media_type] if macros else media_type
    for prefix, media_type in (("word/", _DOCX), ("xl/", _XLSX), ("ppt/", _PPTX)):
        if any(name.startswith(prefix) for name in names):
            return _MACRO[media_type] if macros else media_type
    if any(name == "[Content_Types].xml" or name.startswith("_rels/") for name in names):
        return _OOXML_BY_EXT.get(extension, "application/zip")
    return "application/zip"


def _inflate(entry: _ZipEntry) -> str:
    if entry.method == 0:
        return entry.data.decode("utf-8", "replace")
    if entry.method != 8:
        return ""
    try:
        # Bounded output: the part may be truncated by the head or be a deliberate bomb.
        raw = zlib.decompressobj(-zlib.MAX_WBITS).decompress(entry.data, 1 << 16)
    except zlib.error:
        return ""
    return raw.decode("utf-8", "replace")


def _decode_text(head: bytes) -> str | None:
    """The head as text, or None if it is binary. A sequence cut by the head's end is fine."""
    try:
        if head.startswith(codecs.BOM_UTF8):
            text = codecs.getincrementaldecoder("utf-8")().decode(head[3:], final=False)
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = codecs.getincrementaldecoder("utf-16")().decode(head, final=False)
        elif b"\x00" in head:
            return None
        else:
            try:
                text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            except UnicodeDecodeError:
                # Thai offices still save TIS-620 / windows-874 text, e.g. CSV from old Excel.
                text = head.decode("cp874")
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS for c in text):
        return None
    return text


def _markup(text: str) -> str | None:
    """The markup type of text a browser could render and run script in, if it is markup."""
    start = text.lstrip(_LEADING_BLANKS).lower()
    prologue = start.startswith(("<?xml", "<!doctype", "<!--"))
    if start.startswith("<svg") or (prologue and "<svg" in start and "<html" not in start):
        return "image/svg+xml"
    if _HTML_START.match(start):
        return "text/html"
    if prologue:
        return "application/xhtml+xml" if "<html" in start else "application/xml"
    return None


# Marks that reorder or hide characters let "x\u202efdp.exe" show as "xexe.pdf".
_INVISIBLE = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)
_ASCII_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,16}$")


def display_name(raw: str | None) -> str:
    """The uploader's own file name for display: no directories (either slash style), no NUL or
    control characters, NFC, at most MAX_NAME_CHARS, never empty."""
    visible = "".join(
        c for c in raw or "" if c not in _INVISIBLE and unicodedata.category(c) != "Cc"
    )
    name = normalize_text(PureWindowsPath(PurePosixPath(visible).name).name)
    if not name.strip(". "):
        return DEFAULT_NAME
    if len(name) <= MAX_NAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if stem and len(extension) <= 16:
        return stem[: MAX_NAME_CHARS - len(extension) - 1].rstrip() + dot + extension
    return name[:MAX_NAME_CHARS].rstrip()


def ascii_fallback(name: str) -> str:
    """A plain-ASCII form of a display name for Content-Disposition's filename= (RFC 6266)."""
    extension_match = _ASCII_EXTENSION.search(name)
    extension = extension_match.group() if extension_match else ""
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", name[: len(name) - len(extension)]):
        if unicodedata.category(char) == "Mn" or char in "\"'\\" or not char.isprintable():
            continue
        # RFC 6266 appendix D: some agents percent-decode filename=, so no "%" is kept.
        if char.isascii() and char not in "%/":
            out.append(char)
        elif not out or out[-1] != "_":
            out.append("_")
    # Thai words are spaced apart, so "_ _ _" runs collapse to one "_".
    stem = re.sub(r"_[ _]*_", "_", " ".join("".join(out).split())).strip(" _.")
    if not any(c.isalnum() for c in stem):
        stem = DEFAULT_NAME
    return stem + extension
