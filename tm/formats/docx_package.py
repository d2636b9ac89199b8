"""A DOCX file as a zip package: refuse hostile ones, read parts safely, write the rest back as it was.

Refused before anything is extracted, each with a FormatError a translator can act on:

* not a zip at all: junk, a Word 97-2003 .doc, an RTF, a password-protected file (Word encrypts a
  protected .docx into an OLE compound file that starts D0 CF 11 E0, as a .doc does);
* zip bombs and oversize parts: more than MAX_MEMBERS members, a member over MAX_PART or all of
  them over MAX_TOTAL uncompressed (as the zip directory declares them), or a member over
  RATIO_FROM that expands more than MAX_RATIO times. Then every member is unpacked once, never
  past its declared size and with its CRC checked, so one lying about its size is refused as
  damaged before any text is read;
* macros (a .docm, vbaProject.bin) and ActiveX controls;
* any relationship with TargetMode="External" other than a hyperlink: an attached template, a
  linked picture or object, a subdocument would be fetched from elsewhere when the file opens;
* XML with a DOCTYPE (entity expansion), which Word never writes.

`write` copies every member in the same order with the same name, date, attributes and
compression method; the bytes of each member are the same except in the parts it is given.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from tm.errors import FormatError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
OFFICE_DOCUMENT = "/officeDocument"

MAX_MEMBERS = 5000
MAX_PART = 50 << 20
MAX_TOTAL = 200 << 20
MAX_RATIO = 100
RATIO_FROM = 1 << 20

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
# what an external relationship would fetch, by the end of its type, in a translator's words
EXTERNAL_WHAT = {
    "attachedTemplate": "an attached template",
    "image": "a linked picture",
    "oleObject": "a linked object",
    "subDocument": "a subdocument",
    "frame": "a frame",
    "audio": "linked sound",
    "video": "linked video",
    "media": "linked media",
    "package": "a linked package",
}
_DECLARATION = re.compile(rb"<\?xml[^>]*\?>\s*")
_ROOT = re.compile(r"<[A-Za-z_]")


@dataclass
class Rel:
    """One relationship of a part: its id, type, and target (a part name, or a URL if external)."""

    id: str
    type: str
    target: str
    external: bool


class Package:
    """The members of a DOCX zip, checked; parts are read on demand within the limits."""

    def __init__(self, data: bytes, name: str):
        self.name = name
        _sniff(data, name)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
            raise self.error(f"this .docx is damaged: it is not a readable zip package ({e})") from None
        self.infos = self.zip.infolist()
        self._check_members()
        self.by_name = {i.filename: i for i in self.infos}
        self._cache: dict[str, bytes] = {}
        for info in self.infos:
            self._verify(info)
        self.defaults, self.overrides = self._content_types()
        self.main = self._main_part()
        self._check_macros()
        self._check_external()

    def error(self, message: str) -> FormatError:
        """Return a FormatError about this file."""
        return FormatError(message, path=self.name)

    def _check_members(self) -> None:
        if len(self.infos) > MAX_MEMBERS:
            raise self.error(
                f"the package holds {len(self.infos)} files, more than the {MAX_MEMBERS} tm opens; "
                "a Word document has a few dozen (this may be a zip bomb)"
            )
        seen: set[str] = set()
        total = 0
        for info in self.infos:
            if info.filename in seen:
                raise self.error(f"the package holds two files named {info.filename}; the file is damaged")
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise self.error(
                    "the file is password-protected (its parts are encrypted); remove the password "
                    "in Word and save it again"
                )
            if info.file_size > MAX_PART:
                raise self.error(
                    f"{info.filename} expands to {info.file_size >> 20} MB, more than the "
                    f"{MAX_PART >> 20} MB tm reads for one part (a zip bomb or a damaged file)"
                )
            if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise self.error(
                    f"{info.filename} expands {info.file_size // max(info.compress_size, 1)} times "
                    f"when unpacked, more than the {MAX_RATIO} times of any real document: this looks "
                    "like a zip bomb, tm does not open it"
                )
            total += info.file_size
        if total > MAX_TOTAL:
            raise self.error(
                f"the package expands to {total >> 20} MB, more than the {MAX_TOTAL >> 20} MB tm opens "
                "(a zip bomb, or a document with very large pictures: make them smaller and save again)"
            )

    def _verify(self, info: zipfile.ZipInfo) -> None:
        """Unpack a member without keeping it, to refuse a lying or damaged one before any work."""
        size = 0
        try:
            with self.zip.open(info) as f:
                while chunk := f.read(1 << 20):
                    size += len(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as e:
            raise self.error(
                f"{info.filename} cannot be unpacked ({e}); the file is damaged or was made to deceive "
                "zip readers"
            ) from None
        if size != info.file_size:
            raise self.error(f"{info.filename} is not the size the zip directory says; the file is damaged")

    def read(self, part: str) -> bytes:
        """Return the bytes of a member, reading no more than its declared size."""
        if part in self._cache:
            return self._cache[part]
        info = self.by_name.get(part)
        if info is None:
            raise self.error(f"the package has no {part}; the file is damaged")
        try:
            with self.zip.open(info) as f:
                data = f.read(min(info.file_size, MAX_PART) + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as e:
            raise self.error(
                f"{part} cannot be unpacked ({e}); the file is damaged or was made to deceive zip readers"
            ) from None
        if len(data) != info.file_size:
            raise self.error(f"{part} is not the size the zip directory says; the file is damaged")
        self._cache[part] = data
        return data

    def xml(self, part: str) -> etree._Element:
        """Return the root of a part's XML, refusing a DOCTYPE and XML that is not well formed."""
        return parse_xml(self.read(part), part, self.error)

    def has(self, part: str) -> bool:
        """Say whether the package holds a member."""
        return part in self.by_name

    def content_type(self, part: str) -> str:
        """Return a part's content type from [Content_Types].xml ("" when it has none)."""
        override = self.overrides.get("/" + part.lower())
        if override is not None:
            return override
        return self.defaults.get(posixpath.splitext(part)[1].lstrip(".").lower(), "")

    def rels(self, part: str) -> list[Rel]:
        """Return the relationships of a part ("" for the package's own), targets as part names."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if not self.has(rels_name):
            return []
        out = []
        for el in self.xml(rels_name).iter(f"{{{PKG_REL}}}Relationship"):
            target = el.get("Target", "")
            external = el.get("TargetMode", "") == "External"
            if not external:
                joined = target[1:] if target.startswith("/") else posixpath.join(folder, target)
                target = posixpath.normpath(joined).lstrip("/")
            out.append(Rel(el.get("Id", ""), el.get("Type", ""), target, external))
        return out

    def _content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        if not self.has("[Content_Types].xml"):
            raise self.error(_not_word("it has no [Content_Types].xml", self.infos))
        root = self.xml("[Content_Types].xml")
        defaults = {
            el.get("Extension", "").lower(): el.get("ContentType", "") for el in root.iter(f"{{{CT}}}Default")
        }
        overrides = {
            el.get("PartName", "").lower(): el.get("ContentType", "") for el in root.iter(f"{{{CT}}}Override")
        }
        return defaults, overrides

    def _main_part(self) -> str:
        main = [r for r in self.rels("") if r.type.endswith(OFFICE_DOCUMENT) and not r.external]
        if not main or not self.has(main[0].target):
            raise self.error(_not_word("it has no main document part", self.infos))
        part = main[0].target
        ctype = self.content_type(part)
        if "macroEnabled" in ctype:
            raise self.error(_MACROS)
        if "spreadsheetml" in ctype:
            raise self.error("this is an Excel workbook, not a Word document; tm translates .docx files")
        if "presentationml" in ctype:
            raise self.error("this is a PowerPoint file, not a Word document; tm translates .docx files")
        if ctype not in MAIN_TYPES:
            raise self.error(f"this is not a Word document (its main part is {ctype or 'of no known type'})")
        return part

    def _check_macros(self) -> None:
        for info in self.infos:
            low = info.filename.lower()
            if low.endswith("vbaproject.bin") or "/activex/" in "/" + low:
                raise self.error(_MACROS)
        for ctype in list(self.overrides.values()) + list(self.defaults.values()):
            if "vbaProject" in ctype or "macroEnabled" in ctype or "activeX" in ctype:
                raise self.error(_MACROS)

    def _check_external(self) -> None:
        for info in self.infos:
            if not info.filename.endswith(".rels"):
                continue
            folder = posixpath.dirname(posixpath.dirname(info.filename))
            source = posixpath.join(folder, posixpath.basename(info.filename)[: -len(".rels")])
            for rel in self.rels(source):
                if rel.external and not rel.type.endswith("/hyperlink"):
                    kind = rel.type.rsplit("/", 1)[-1]
                    what = EXTERNAL_WHAT.get(kind, f"an external {kind or 'resource'}")
                    raise self.error(
                        f"the document has an external relationship to {rel.target} ({what}): Word "
                        "would fetch it when the file is opened, so tm refuses the file. Remove the "
                        "link in Word (embed pictures instead of linking them; detach the template "
                        "under Developer > Document Template) and save it again"
                    )

    def write(self, replaced: dict[str, bytes]) -> bytes:
        """Return the package with some members' bytes replaced, everything else as it was."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", allowZip64=True) as dest:
            for info in self.infos:
                data = replaced[info.filename] if info.filename in replaced else self.read(info.filename)
                copy = zipfile.ZipInfo(info.filename, info.date_time)
                copy.compress_type = info.compress_type
                copy.external_attr = info.external_attr
                copy.create_system = info.create_system
                copy.comment = info.comment
                dest.writestr(copy, data)
            dest.comment = self.zip.comment
        return out.getvalue()


_MACROS = (
    "the document holds macros or ActiveX controls (a .docm); tm does not open files with code in "
    "them. Save it in Word as a plain Word Document (.docx), which drops the macros, and upload that"
)


def _not_word(why: str, infos: list[zipfile.ZipInfo]) -> str:
    names = {i.filename for i in infos}
    if "mimetype" in names and any(n == "content.xml" for n in names):
        return "this is an OpenDocument file (.odt), not a Word .docx; save it as Word Document (.docx)"
    return f"this zip is not a Word document ({why}); save the file as Word Document (.docx)"


def _sniff(data: bytes, name: str) -> None:
    """Refuse what is not a zip package, saying what it is when that is known."""
    if not data:
        raise FormatError("the file is empty", path=name)
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise FormatError(
                "the file is password-protected (Word encrypted it); open it in Word, remove the "
                "password under File > Info > Protect Document, save it and upload it again",
                path=name,
            )
        raise FormatError(
            "this is an old Word 97-2003 document (.doc), not a .docx; open it in Word or "
            "LibreOffice and save it as .docx (Word Document)",
            path=name,
        )
    if data.lstrip()[:5] == b"{\\rtf":
        raise FormatError("this is an RTF file, not a .docx; open it in Word and save it as .docx", path=name)
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise FormatError(
            "this is not a Word .docx file (a .docx is a zip package, and this file is not one)", path=name
        )


def parse_xml(data: bytes, part: str, make: Callable[[str], FormatError]) -> etree._Element:
    """Parse a part's XML safely: no DOCTYPE, no entities, no network, no huge trees."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = data[:4096].decode("utf-16", errors="replace")
    else:
        head = data[:4096].decode("latin-1")
    first = _ROOT.search(head)
    prolog = head[: first.start()] if first else head
    if "<!DOCTYPE" in prolog or "<!ENTITY" in prolog:
        raise make(
            f"{part} declares a DOCTYPE (XML entities), which Word never writes; tm refuses it "
            "(entity expansion attacks). The file was altered after Word saved it"
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        where = f" at line {e.lineno}" if e.lineno else ""
        raise make(f"{part} is not well-formed XML{where} ({e.msg}); the file is damaged") from None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise make(f"{part} declares a DOCTYPE, which Word never writes; tm refuses it")
    return root


def serialize(root: etree._Element, original: bytes) -> bytes:
    """Return a part's XML with the original declaration bytes kept in front."""
    m = _DECLARATION.match(original)
    body = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=False)
    if m is None:
        return body
    declared = re.search(rb"encoding\s*=\s*[\"']([\w.-]+)", m.group())
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True, standalone=True)
    return m.group() + body
