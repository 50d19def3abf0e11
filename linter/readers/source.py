"""The fallback reader: any text file becomes one :class:`~imslint.model.SourceText`.

Also home of the helpers both source readers share: :func:`decode_bytes` (bytes
to text, never failing, line count preserved), :func:`normalize_newlines`,
:func:`looks_binary` and :func:`language_for`.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Tuple

from ..model import SourceText
from . import InputFile, Reader

HEAD_SIZE = 8192

# Byte-order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one. The one table of them
# (the operator readers take the UTF-8 and UTF-16 ones).
BOMS: Tuple[Tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Magic numbers of binary formats that may carry no NUL byte in their first bytes.
_MAGIC: Tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",  # ZIP, JAR, DOCX, XLSX
    b"PK\x05\x06",  # empty ZIP
    b"PK\x07\x08",  # spanned ZIP
    b"\x1f\x8b",  # gzip
    b"\x7fELF",
    b"BZh",  # bzip2 (checked with its block magic below)
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x28\xb5\x2f\xfd",  # zstd
    b"\xca\xfe\xba\xbe",  # Java class, Mach-O fat
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: .doc, .xls, .msg
    b"SQLite format 3\x00",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"wOFF",
    b"wOF2",
    b"OggS\x00",
    b"fLaC\x00",
    b"ID3\x02",  # MP3 with an ID3v2.2-2.4 tag
    b"ID3\x03",
    b"ID3\x04",
    b"\x00asm",
)
_MAGIC_BY_FIRST_BYTE: Dict[bytes, Tuple[bytes, ...]] = {}
for _magic in _MAGIC:
    _MAGIC_BY_FIRST_BYTE[_magic[:1]] = _MAGIC_BY_FIRST_BYTE.get(_magic[:1], ()) + (_magic,)
_BZIP2_RE = re.compile(rb"^BZh[1-9]1AY&SY")
_RIFF_RE = re.compile(rb"^RIFF....(?:WEBP|WAVE|AVI )", re.S)
_FTYP_RE = re.compile(rb"^....ftyp", re.S)  # MP4, MOV, HEIC

_NEWLINE_RE = re.compile(r"\r\n?")

# File extension -> language tag. Rules filter on these tags (``Rule.languages``).
_EXTENSIONS: Dict[str, str] = {}
for _lang, _exts in (
    ("js", ".js .mjs .cjs .ts .mts .cts .tsx .jsx .jssp .jst .gs"),
    ("python", ".py .pyw"),
    ("java", ".java .kt .kts .groovy .scala .jsp"),
    ("csharp", ".cs .csx"),
    ("php", ".php .phtml"),
    ("ruby", ".rb .rake"),
    ("go", ".go"),
    ("shell", ".sh .bash .zsh .ksh .dash"),
    ("powershell", ".ps1 .psm1 .psd1"),
    ("properties", ".properties .ini .cfg .conf .toml .tf .tfvars .hcl"),
    ("env", ".env"),
    ("yaml", ".yml .yaml"),
    ("json", ".json .jsonc .json5"),
    ("xml", ".xml .wsdl .xsd .xsl .xslt .html .htm .xhtml .svg"),
    ("markdown", ".md .markdown .rst .adoc"),
    ("sql", ".sql"),
    ("text", ".txt"),
    ("csv", ".csv .tsv"),
):
    for _ext in _exts.split():
        _EXTENSIONS[_ext] = _lang

# Interpreter named on a shebang line -> language tag.
_SHEBANG_RE = re.compile(rb"^#![ \t]*(?:/usr)?(?:/local)?/bin/(?:env[ \t]+(?:-S[ \t]+)?)?([A-Za-z0-9_.+-]+)")
_INTERPRETERS: Tuple[Tuple[str, str], ...] = (
    ("python", "python"),
    ("node", "js"),
    ("deno", "js"),
    ("bun", "js"),
    ("pwsh", "powershell"),
    ("powershell", "powershell"),
    ("ruby", "ruby"),
    ("php", "php"),
    ("bash", "shell"),
    ("zsh", "shell"),
    ("ksh", "shell"),
    ("dash", "shell"),
    ("ash", "shell"),
    ("sh", "shell"),
)


def looks_binary(head: bytes) -> bool:
    """True when the first bytes of a file belong to a binary file (known magic number, or a NUL byte).

    UTF-16 and UTF-32 text with a byte-order mark holds NUL bytes but is text.
    """
    if head is _last_binary[0]:  # two readers ask about each file in turn
        return _last_binary[1]
    answer = _looks_binary(head)
    _last_binary[0], _last_binary[1] = head, answer
    return answer


_last_binary: List[Any] = [None, False]


def _looks_binary(head: bytes) -> bool:
    if head[:1] not in _MAGIC_BY_FIRST_BYTE and head[4:8] != b"ftyp" and b"\x00" not in head[:HEAD_SIZE]:
        return False  # most text files: no magic number can match, and no NUL byte
    for magic in _MAGIC_BY_FIRST_BYTE.get(head[:1], ()):
        if head.startswith(magic):
            if magic == b"BZh":
                if _BZIP2_RE.match(head):
                    return True
                continue
            return True
    if _RIFF_RE.match(head) or _FTYP_RE.match(head):
        return True
    if bom_encoding(head) is not None or sniff_utf16(head) is not None:
        return False
    return b"\x00" in head[:HEAD_SIZE]


def sniff_utf16(head: bytes) -> Optional[str]:
    """``utf-16-le`` or ``utf-16-be`` for UTF-16 text written without a byte-order mark, else None.

    Such text (mostly ASCII) has a NUL in nearly every odd (LE) or even (BE)
    byte and almost none in the others; the decoded head must then hold no
    control character but tabs, line breaks and form feeds. A binary file
    seldom passes both tests.
    """
    sample = head[: min(len(head), HEAD_SIZE) & ~1]
    pairs = len(sample) // 2
    if pairs < 8 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.9 * pairs and even <= 0.02 * pairs:
        codec = "utf-16-le"
    elif even >= 0.9 * pairs and odd <= 0.02 * pairs:
        codec = "utf-16-be"
    else:
        return None
    text = sample.decode(codec, "replace")
    if any(c < " " and c not in "\t\n\r\f" for c in text):
        return None
    return codec


def bom_encoding(data: bytes) -> Optional[str]:
    """The encoding announced by ``data``'s byte-order mark, or None."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _strip_bom(data: bytes) -> Tuple[bytes, Optional[str]]:
    """(``data`` without its byte-order mark, the encoding the mark or a BOM-less UTF-16 sniff gives)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom) :], encoding
    if data[:1] == b"\x00" or data[1:2] == b"\x00":
        return data, sniff_utf16(data[:HEAD_SIZE])
    return data, None


# A valid UTF-8 sequence of two to four bytes: its presence tells UTF-8 with a few bad bytes
# from a file written in a single-byte code page (Latin-1 / Windows-1252).
_UTF8_MULTIBYTE_RE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode_bytes(data: bytes, encoding: Optional[str] = None) -> str:
    """Decode a file's bytes to text; never fails and never changes the number of lines.

    Order: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) wins; then
    ``encoding`` when given (for example an XML declaration's) and known; then
    strict UTF-8; then, when the bytes hold no valid UTF-8 multi-byte sequence
    at all, Windows-1252 (falling back to Latin-1, which maps every byte): the
    file was written in a single-byte code page; else UTF-8 with each bad byte
    replaced by U+FFFD. The result keeps its ``\\r`` characters: see
    :func:`normalize_newlines`.
    """
    body, bom = _strip_bom(data)
    if bom is not None:
        return body.decode(bom, "replace")
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            codec = ""
        # A declared UTF-16/32 without a BOM is left to the UTF-8 path: the declaration is then wrong.
        if codec and codec not in ("utf-8",) and not codec.startswith(("utf-16", "utf-32")):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if not _UTF8_MULTIBYTE_RE.search(data):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    return data.decode("utf-8", "replace")


def normalize_newlines(text: str) -> str:
    """Turn ``\\r\\n`` and lone ``\\r`` into ``\\n``: each line break stays one line break."""
    if "\r" not in text:
        return text
    return _NEWLINE_RE.sub("\n", text)


def language_for(path: str, head: bytes = b"") -> str:
    """The language tag of a file, from its name, else from a shebang line in ``head``.

    Tags: ``js python java csharp php ruby go shell powershell properties env
    yaml json xml markdown sql text``.
    """
    name = os.path.basename(path.replace("\\", "/")).lower()
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    if name == ".envrc":
        return "shell"
    lang = _EXTENSIONS.get(os.path.splitext(name)[1])
    if lang is not None:
        return lang
    body, bom = _strip_bom(head)
    if bom is None or bom == "utf-8":
        m = _SHEBANG_RE.match(body)
        if m:
            interpreter = m.group(1).decode("ascii", "replace").lower()
            for prefix, tag in _INTERPRETERS:
                if interpreter.startswith(prefix):
                    return tag
    return "text"


# A line of a pretty-printed notebook that holds one source line: `    "code\\n",`
_NB_SOURCE_OPEN_RE = re.compile(r'^\s*"source"\s*:\s*(\[\s*)?(?:("(?:[^"\\]|\\.)*")\s*,?\s*)?$')
_NB_STRING_LINE_RE = re.compile(r'^(\s*)("(?:[^"\\]|\\.)*")\s*,?\s*$')
_NB_CELL_TYPE_RE = re.compile(r'"cell_type"\s*:\s*"(\w+)"')
_NB_LANGUAGE_RE = re.compile(
    r'"(?:language|name)"\s*:\s*"(python|r|julia|scala|javascript|typescript|java|csharp|c#|powershell|bash|sh|ruby)"',
    re.I,
)
_NB_LANGUAGES = {
    "javascript": "js",
    "typescript": "js",
    "csharp": "csharp",
    "c#": "csharp",
    "bash": "shell",
    "sh": "shell",
}


def notebook_view(text: str) -> Optional[Tuple[str, str]]:
    """(the code of a Jupyter notebook laid out on the notebook's own lines, its language), or None.

    Each source line of a cell stands, decoded (no JSON escapes), on the line of
    the ``.ipynb`` file that holds it, after as many spaces as the JSON string's
    indentation and opening quote; every other line is blank. Findings then land
    on the notebook's own lines and messages quote the code as written.
    Markdown cells are kept too (a password in prose leaks as well). A notebook
    written on one line (no line holds a single source string) gives None: it
    is scanned as JSON.
    """
    lines = text.split("\n")
    out = [""] * len(lines)
    in_source = False
    found = False
    for i, line in enumerate(lines):
        if in_source:
            if line.strip().startswith("]"):
                in_source = False
                continue
            m = _NB_STRING_LINE_RE.match(line)
            if m is None:
                in_source = False
                continue
            piece = m.group(2)
        else:
            m = _NB_SOURCE_OPEN_RE.match(line)
            if m is None:
                continue
            in_source = m.group(1) is not None
            piece = m.group(2)
            if piece is None:
                continue
            m = re.match(r"^(.*?)\"", line)
        try:
            decoded = json.loads(piece)
        except ValueError:
            continue
        if not isinstance(decoded, str):
            continue
        found = True
        indent = len(m.group(1)) + 1 if m is not None else 0
        out[i] = " " * indent + decoded.rstrip("\n").replace("\n", " ").replace("\r", " ")
    if not found:
        return None
    lm = _NB_LANGUAGE_RE.search(text[text.rfind('"metadata"') :] if '"metadata"' in text else "")
    language = lm.group(1).lower() if lm else "python"
    return "\n".join(out), _NB_LANGUAGES.get(
        language, language if language in ("python", "java", "ruby", "powershell") else "python"
    )


class SourceReader(Reader):
    """Reads any text file as one :class:`~imslint.model.SourceText` (the fallback reader).

    The text is decoded with :func:`decode_bytes` and its line breaks normalised
    to ``\\n`` (line numbers unchanged); ``language`` comes from
    :func:`language_for`. Binary files (:func:`looks_binary`) are declined.
    """

    name = "source"
    priority = 0
    phase = 0
    streaming = False
    subjects = (SourceText,)

    def sniff(self, path: str, head: bytes) -> bool:
        """True for every file that does not look binary."""
        return not looks_binary(head)

    def languages(self, path: str, head: bytes) -> Optional[FrozenSet[str]]:
        """The one language of the file (see :func:`language_for`)."""
        return frozenset((language_for(path, head[:HEAD_SIZE]),))

    def read(self, source: InputFile) -> Iterator[SourceText]:
        """Yield the whole file as one subject."""
        data = source.data
        if data is None:
            with open(source.path, "rb") as fh:
                data = fh.read()
        text = normalize_newlines(decode_bytes(data))
        language = language_for(source.display_path, data[:HEAD_SIZE])
        if source.display_path.lower().endswith(".ipynb"):
            view = notebook_view(text)
            if view is not None:
                text, language = view
        yield SourceText(path=source.display_path, text=text, language=language)
