"""Opening export files: gzip transparently, and the text encoding found from BOM and content."""

from __future__ import annotations

import codecs
import gzip
import io
from pathlib import Path
from typing import IO

from litmap.errors import InputError

_CHUNK = 1 << 20


def _open_binary(path: Path) -> IO[bytes]:
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; name the export files inside it") from None
    except PermissionError:
        raise InputError(f"{path}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if fh.read(2) == b"\x1f\x8b":
        fh.seek(0)
        return gzip.open(fh, "rb")  # type: ignore[return-value]
    fh.seek(0)
    return fh


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes (decompressed if gzip)."""
    return _open_binary(Path(path))


def detect_encoding(path: Path) -> str:
    """`utf-8-sig`, `utf-16` (BOM), `utf-8`, or `cp1252` when the bytes are not valid UTF-8.

    Streams the file once with an incremental decoder, so memory does not grow with file size.
    """
    with _open_binary(Path(path)) as fh:
        try:
            head = fh.read(4)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"{path}: cannot be read ({exc}); is the file complete?") from None
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if len(head) >= 4 and head[1:2] == b"\x00" and head[3:4] == b"\x00" and head[0:1] != b"\x00":
            return "utf-16-le"
        if len(head) >= 4 and head[0:1] == b"\x00" and head[2:3] == b"\x00" and head[1:2] != b"\x00":
            return "utf-16-be"
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"{path}: cannot be read ({exc}); is the file complete?") from None
    return "utf-8"


def open_text(path: Path, encoding: str, *, newline: str | None = None) -> IO[str]:
    """A text stream over the file. `newline=None` (universal newlines) turns CRLF and lone CR
    into `\\n`, which is what line-based formats need; CSV readers pass `newline=""`."""
    errors = "replace" if encoding == "cp1252" else "strict"
    return io.TextIOWrapper(_open_binary(Path(path)), encoding=encoding, errors=errors, newline=newline)


def head(path: Path, encoding: str, size: int = 64 * 1024) -> str:
    """The first `size` characters of the file, decoded (for format detection)."""
    with open_text(path, encoding) as fh:
        try:
            return fh.read(size)
        except UnicodeDecodeError:
            return ""
