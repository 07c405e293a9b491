"""Safe extraction of ZIP archives of images and PDFs, in memory (nothing is written to disk).

Refused with an `ArchiveError` (a user-readable `InputError`): a damaged or encrypted archive,
a member whose name climbs out of the archive (``..``, an absolute path, a drive letter), a link,
an archive inside the archive, more than ``max_members`` files, or more than ``max_total_bytes``
once expanded (counted while reading, not taken from the headers, so a zip bomb stops early).
Folders and system clutter (``__MACOSX/``, ``.DS_Store``, ``Thumbs.db``) are skipped.
"""
from __future__ import annotations

import io
import posixpath
import re
import stat
import zipfile

from .config import Settings, get_settings
from .errors import InputError

MAX_MEMBERS = 200
MAX_TOTAL_BYTES = 200 * 1024 * 1024
EXTENSIONS = ("zip",)  # archives the bulk page and the batch command open (beside loader.EXTENSIONS)
NESTED_SUFFIXES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".jar")
_MAGIC_ARCHIVES = (b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BZh", b"\xfd7zXZ")
_CHUNK = 1 << 16


class ArchiveError(InputError):
    code = "bad_archive"


def is_zip(data: bytes, filename: str = "") -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or filename.lower().endswith(".zip")


def _skip(name: str) -> bool:
    base = posixpath.basename(name.rstrip("/"))
    return name.endswith("/") or name.startswith("__MACOSX/") or base in (".DS_Store", "Thumbs.db") \
        or base.startswith("._")


def safe_name(name: str) -> str:
    """The member's path inside the archive, or an ArchiveError when it would escape."""
    n = name.replace("\\", "/")
    if n.startswith("/") or re.match(r"^[A-Za-z]:", n) or "\x00" in n:
        raise ArchiveError(f"The archive holds a file with an absolute path ({name!r}); it was not opened.")
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        raise ArchiveError(f"The archive holds a file whose path leaves the archive ({name!r}); it was not opened.")
    return "/".join(parts)


def extract_zip(data: bytes, *, archive_name: str = "archive.zip", max_members: int = MAX_MEMBERS,
                max_total_bytes: int = MAX_TOTAL_BYTES, settings: Settings | None = None) -> list[tuple[str, bytes]]:
    """The archive's files as (path inside the archive, bytes), in archive order."""
    settings = settings or get_settings()
    max_member = settings.max_file_bytes
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise ArchiveError(f"{archive_name}: not a readable ZIP archive ({e}).") from e
    members = [i for i in infos if not _skip(i.filename)]
    if len(members) > max_members:
        raise ArchiveError(f"{archive_name}: {len(members)} files; at most {max_members} per archive.")
    if not members:
        raise ArchiveError(f"{archive_name}: the archive holds no files.")
    out: list[tuple[str, bytes]] = []
    total = 0
    for info in members:
        name = safe_name(info.filename)
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise ArchiveError(f"{archive_name}: {name} is a link; links are not accepted.")
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{archive_name}: {name} is encrypted; upload an archive without a password.")
        if name.lower().endswith(NESTED_SUFFIXES):
            raise ArchiveError(f"{archive_name}: {name} is an archive inside the archive; nested archives "
                               "are not accepted.")
        if info.file_size > max_member:
            raise ArchiveError(f"{archive_name}: {name} is {info.file_size} bytes; each file may be at most "
                               f"{max_member} bytes.")
        if total + info.file_size > max_total_bytes:
            raise ArchiveError(f"{archive_name}: more than {max_total_bytes} bytes once expanded.")
        buf = bytearray()
        try:
            with zf.open(info) as f:
                while chunk := f.read(_CHUNK):
                    buf += chunk
                    if len(buf) > max_member or total + len(buf) > max_total_bytes:
                        raise ArchiveError(f"{archive_name}: {name} expands beyond the size allowed "
                                           f"({max_member} bytes per file, {max_total_bytes} in all).")
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as e:
            raise ArchiveError(f"{archive_name}: {name} cannot be read ({e}).") from e
        if bytes(buf[:6]).startswith(_MAGIC_ARCHIVES):
            raise ArchiveError(f"{archive_name}: {name} is an archive inside the archive; nested archives "
                               "are not accepted.")
        total += len(buf)
        out.append((name, bytes(buf)))
    return out
