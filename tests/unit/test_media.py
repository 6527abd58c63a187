"""Content sniffing on real file headers: what is accepted, what is refused and how it is named."""

from __future__ import annotations

import codecs
import gzip
import io
import struct
import unicodedata
import zipfile
import zlib
from typing import Any

import pytest

from domain.errors import ValidationFailed
from domain.media import (
    ALLOWED_KINDS,
    SNIFF_BYTES,
    UnsupportedMedia,
    ascii_fallback,
    display_name,
    sniff,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
THAI_REPORT = "รายงานผลการดำเนินงาน ปีงบประมาณ ๒๕๖๖\nตัวชี้วัดที่ 1\tร้อยละ 95.5\n"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def bmp() -> bytes:
    pixels = b"\x00\x00\xff\x00"
    info = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + info + pixels


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", len(body) + 4) + body + b"\x00\x00\x00\x08free"


def ebml(doc_type: bytes) -> bytes:
    fields = b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    fields += b"\x42\x82" + bytes([0x80 | len(doc_type)]) + doc_type
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(fields)]) + fields + b"\x18\x53\x80\x67"


def ole(*streams: str, root_clsid: bytes = bytes(16)) -> bytes:
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x1A:0x20] = struct.pack("<HHH", 0x3E, 3, 9)  # minor, major version, 512-byte sectors
    header[0x30:0x34] = struct.pack("<I", 0)  # the directory starts in sector 0
    directory = b""
    for number, name in enumerate(("Root Entry", *streams)):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le")
        entry[: len(encoded)] = encoded
        entry[64:67] = struct.pack("<HB", len(encoded) + 2, 5 if number == 0 else 2)
        if number == 0:
            entry[80:96] = root_clsid
        directory += bytes(entry)
    return bytes(header) + directory.ljust(512, b"\x00")


def zip_of(*entries: tuple[str, bytes], stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(main: str, part: str, vendor: str = "openxmlformats-officedocument") -> bytes:
    """A package as Office writes it: [Content_Types].xml first, naming the main part's type."""
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="application/vnd.{vendor}.{main}.main+xml"/>'
        "</Types>"
    )
    return zip_of(
        ("[Content_Types].xml", types.encode()),
        ("_rels/.rels", b"<Relationships/>"),
        (part, b"<root/>"),
    )


def odf(media_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), media_type, zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buffer.getvalue()


class Unseekable(io.RawIOBase):
    """A pipe-like sink, so zipfile streams entries with data descriptors as web exports do."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        chunk = bytes(b)
        self.data += chunk
        return len(chunk)


def streamed_zip(*entries: tuple[str, bytes]) -> bytes:
    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            with archive.open(name, "w") as member:
                member.write(data)
    return bytes(sink.data)


DOS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(44) + b"\x80\0\0\0"
DOS_EXE += b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21This program cannot be run in DOS mode.\r\n$"
MSI_CLSID = b"\x84\x10\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
TS_PACKETS = (b"\x47\x40\x00\x10\x00\x00\xb0\x0d" + b"\xff" * 180) * 4

ACCEPTED: list[tuple[str, bytes, str, str]] = [
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<</Type/Catalog>>\nendobj\n", "", "pdf"),
    ("pdf after junk", bytes(100) + b"%PDF-1.4\n", "scan.pdf", "pdf"),
    ("png", png(), "", "image/png"),
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", "", "jpeg"),
    ("gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04", "", "gif"),
    ("webp", b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00", "", "image/webp"),
    ("tiff le", b"II*\x00\x08\x00\x00\x00\x0e\x00", "", "image/tiff"),
    ("tiff be", b"MM\x00*\x00\x00\x00\x08\x00\x0e", "", "image/tiff"),
    ("bmp", bmp(), "", "image/bmp"),
    ("heic", ftyp(b"heic", b"mif1", b"heic"), "IMG_0001.HEIC", "image/heic"),
    ("heif", ftyp(b"mif1", b"mif1", b"miaf"), "", "image/heif"),
    ("avif", ftyp(b"avif", b"avif", b"mif1", b"miaf"), "", "image/avif"),
    ("mp4", ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "", "video/mp4"),
    ("mp4 by compatible brand", ftyp(b"XAVC", b"XAVC", b"mp42", b"iso2"), "", "video/mp4"),
    ("quicktime", ftyp(b"qt  ", b"qt  "), "IMG_0002.MOV", "video/quicktime"),
    ("3gp", ftyp(b"3gp4", b"isom", b"3gp4"), "", "video/3gpp"),
    ("webm", ebml(b"webm"), "", "video/webm"),
    ("matroska", ebml(b"matroska"), "", "video/x-matroska"),
    ("avi", b"RIFF\x00\x10\x00\x00AVI LIST\xc0\x00\x00\x00hdrlavih", "", "video/x-msvideo"),
    ("mpeg-ps", b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01\x01\x89\xc3\xf8", "", "video/mpeg"),
    ("mpeg-ts", TS_PACKETS, "", "video/mp2t"),
    ("doc by stream", ole("WordDocument", "\x05SummaryInformation"), "", "msword"),
    ("xls by stream", ole("Workbook"), "งบ.dat", "vnd.ms-excel"),
    ("ppt by stream", ole("PowerPoint Document"), "", "vnd.ms-powerpoint"),
    ("ole by name", ole()[:512], "งบประมาณ.XLS", "vnd.ms-excel"),
    ("ole unknown", ole()[:512], "", "application/msword"),
    ("docx", ooxml("wordprocessingml.document", "word/document.xml"), "", DOCX),
    ("xlsx named docx", ooxml("spreadsheetml.sheet", "xl/workbook.xml"), "x.docx", XLSX),
    ("pptx", ooxml("presentationml.presentation", "ppt/presentation.xml"), "", PPTX),
    ("docx by part names", zip_of(("word/document.xml", b"<w:document/>")), "", DOCX),
    ("streamed xlsx", streamed_zip(("xl/workbook.xml", b"<workbook/>" * 50)), "", XLSX),
    ("odt", odf("application/vnd.oasis.opendocument.text"), "", "opendocument.text"),
    ("ods", odf("application/vnd.oasis.opendocument.spreadsheet"), "", "opendocument.spreadsheet"),
    ("thai utf-8", THAI_REPORT.encode(), "รายงาน.txt", "text/plain"),
    ("thai cp874", THAI_REPORT.encode("cp874"), "", "text/plain"),
    ("utf-8 bom", codecs.BOM_UTF8 + THAI_REPORT.encode(), "", "text/plain"),
    ("utf-16 bom", THAI_REPORT.encode("utf-16"), "", "text/plain"),
    ("csv by name", "ตัวชี้วัด,ผล\nKPI-1,95.5\n".encode(), "ผลการดำเนินงาน.CSV", "text/csv"),
    ("cp874 csv", "ตัวชี้วัด,ผล\n".encode("cp874"), "ผล.csv", "text/csv"),
    ("text starting MZ", "MZ ภาคกลาง".encode(), "", "text/plain"),
    ("text starting BM", b"BMW fleet report 2023, 40 vehicles", "", "text/plain"),
    ("text starting G", (b"G" + b"o" * 187) * 3, "", "text/plain"),
]


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_allowed_content_is_recognised(content: bytes, name: str, expected: str) -> None:
    kind = sniff(content, name)
    assert expected in kind.media_type
    assert kind is ALLOWED_KINDS[kind.media_type]


def test_kinds_carry_family_and_both_labels() -> None:
    assert sniff(png()) == ALLOWED_KINDS["image/png"]
    assert sniff(b"%PDF-1.7\n").label_th == "เอกสาร PDF"
    for kind in ALLOWED_KINDS.values():
        assert kind.family in {"pdf", "image", "office", "text", "video"}
        assert kind.label_th and kind.label_en


def test_only_the_head_is_read_and_a_cut_character_at_its_end_is_text() -> None:
    text = ("ก" * 5000).encode()
    assert len(text[:SNIFF_BYTES].decode("utf-8", "ignore").encode()) < SNIFF_BYTES
    assert sniff(text[:SNIFF_BYTES]).media_type == "text/plain"
    assert sniff(text + DOS_EXE).media_type == "text/plain"


def test_ooxml_falls_back_to_the_name_only_when_its_parts_lie_beyond_the_head() -> None:
    package = zip_of(
        ("[Content_Types].xml", b'<Types><Default Extension="xml"/></Types>'),
        ("_rels/.rels", b"<Relationships/>" + bytes(SNIFF_BYTES)),
        ("word/document.xml", b"<w:document/>"),
        stored=True,
    )
    assert sniff(package, "สรุปผล.docx").media_type == DOCX
    assert "application/zip" in refusal(package, "สรุปผล.zip").message


def refusal(content: bytes, name: str = "") -> UnsupportedMedia:
    with pytest.raises(UnsupportedMedia) as caught:
        sniff(content, name)
    return caught.value


def test_an_executable_named_pdf_is_refused_as_what_it_is() -> None:
    error = refusal(DOS_EXE + bytes(200), "ผลงาน.pdf")
    assert isinstance(error, ValidationFailed)
    assert error.status == 415
    assert error.title == "Unsupported media type"
    assert [(v.field, v.rule) for v in error.violations] == [("file", "allowed_type")]
    assert "executable" in error.message
    assert "โปรแกรม Windows (application/x-dosexec)" in error.message
    assert error.violations[0].message == error.message


REFUSED: list[tuple[str, bytes, str, str]] = [
    ("exe with a pdf inside", DOS_EXE + b"%PDF-1.7\n", "", "application/x-dosexec"),
    ("elf", b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00", "", "x-executable"),
    ("mach-o", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00", "", "x-mach-binary"),
    ("fat mach-o", b"\xca\xfe\xba\xbe\x00\x00\x00\x02\x01\x00\x00\x07", "", "x-mach-binary"),
    ("java class", b"\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x1d\x0a\x00", "", "java-vm"),
    ("msi by clsid", ole("\u4840\u3f3f", root_clsid=MSI_CLSID), "a.doc", "x-msi"),
    ("msi by name", ole()[:512], "setup.msi", "x-msi"),
    ("plain zip named docx", zip_of(("a.txt", b"hello")), "รายงาน.docx", "application/zip"),
    ("empty zip", zip_of(), "", "application/zip"),
    ("epub", odf("application/epub+zip"), "", "application/zip"),
    ("ooxml parts without a name", zip_of(("[Content_Types].xml", b"<Types/>")), "", "zip"),
    ("xlsm", ooxml("sheet.macroEnabled", "xl/workbook.xml", "ms-excel"), "", "macroEnabled"),
    (
        "vba part",
        zip_of(("word/document.xml", b"<w/>"), ("word/vbaProject.bin", b"\xcc")),
        "",
        "macro",
    ),
    ("html named txt", b"<!DOCTYPE html><html><script>1</script></html>", "a.txt", "text/html"),
    ("html after blanks", "\ufeff \n<HTML><body>".encode(), "", "text/html"),
    ("html comment", b"<!-- saved from url -->\n<p>", "", "text/html"),
    ("utf-16 html", "<script>alert(1)</script>".encode("utf-16"), "", "text/html"),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "", "svg+xml"),
    ("commented svg", b"<!-- Generator: x -->\n<svg><script>1</script></svg>", "", "svg+xml"),
    ("xml svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "", "svg"),
    ("xhtml", b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>', "", "xhtml"),
    ("xml", b'<?xml version="1.0"?><rows/>', "data.csv", "application/xml"),
    ("shell script", b"#!/bin/sh\nrm -rf /\n", "run.txt", "text/x-shellscript"),
    ("rar", b"Rar!\x1a\x07\x01\x00\x33\x92\xb5\xe5\x0a\x01", "", "vnd.rar"),
    ("7z", b"7z\xbc\xaf\x27\x1c\x00\x04", "", "x-7z-compressed"),
    ("gzip", gzip.compress(b"hello"), "", "application/gzip"),
    ("binary", bytes(range(256)), "", "application/octet-stream"),
    ("pdf too deep", bytes(2000) + b"%PDF-1.7", "", "application/octet-stream"),
    ("text with controls", b"abc\x1b[31mred", "", "application/octet-stream"),
    ("cp874 undefined byte", "ก".encode("cp874") + b"\xfc", "", "application/octet-stream"),
]


@pytest.mark.parametrize(
    ("content", "name", "named"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_other_content_is_refused_naming_what_it_is(content: bytes, name: str, named: str) -> None:
    error = refusal(content, name)
    assert error.status == 415
    assert error.violations[0].rule == "allowed_type"
    assert named in error.message
    assert "ไม่ใช่ชนิดที่รับ" in error.message
    assert "not an allowed type" in error.message


def test_unknown_binary_is_named_in_both_languages() -> None:
    message = refusal(b"\x00\x01\x02").message
    assert "ข้อมูลไบนารีที่ไม่รู้จัก (application/octet-stream)" in message
    assert "unknown binary content (application/octet-stream)" in message


def test_empty_content_is_a_validation_failure() -> None:
    with pytest.raises(ValidationFailed) as caught:
        sniff(b"", "รายงาน.pdf")
    assert not isinstance(caught.value, UnsupportedMedia)
    assert caught.value.status == 422
    assert [(v.field, v.rule) for v in caught.value.violations] == [("file", "not_empty")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\รายงาน.pdf", "รายงาน.pdf"),
        ("\\\\server\\share\\ผล.xlsx", "ผล.xlsx"),
        ("dir/sub\\mixed/ไฟล์.docx", "ไฟล์.docx"),
        ("cafe\u0301.pdf", "café.pdf"),
        ("a\x00b\r\n\tc\x7f.pdf", "abc.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  รายงาน.pdf  ", "รายงาน.pdf"),
        ("..", "evidence"),
        ("dir/..", "evidence"),
        ("", "evidence"),
        (None, "evidence"),
        ("\x00\x01", "evidence"),
    ],
)
def test_display_name_is_the_bare_visible_name(raw: str | None, expected: str) -> None:
    assert display_name(raw) == expected


def test_display_name_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Ðồng_รายงาน.pdf")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    assert display_name(decomposed) == unicodedata.normalize("NFC", decomposed)


def test_long_display_names_are_cut_but_keep_their_extension() -> None:
    name = display_name("ก" * 300 + ".pdf")
    assert len(name) == 255
    assert name.endswith("ก.pdf")
    assert len(display_name("x" * 300)) == 255


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("รายงาน ผล.pdf", "evidence.pdf"),
        ("รายงานปี 2566.xlsx", "2566.xlsx"),
        ("KPI-1 รายงาน ไตรมาส 2.docx", "KPI-1 _ 2.docx"),
        ('café "final" a\\b.pdf', "cafe final ab.pdf"),
        ("100% done.txt", "100_ done.txt"),
        ("ＦＵＬＬ.pdf", "FULL.pdf"),
        ("รายงาน", "evidence"),
        ("", "evidence"),
        (".pdf", "evidence.pdf"),
    ],
)
def test_ascii_fallback_is_plain_ascii_with_the_extension(name: str, expected: str) -> None:
    fallback = ascii_fallback(name)
    assert fallback == expected
    assert fallback.isascii()
    assert not set(fallback) & set('"\\%')
