"""Safe file I/O shared by every command: bounded reads of regular files, atomic writes.

Why one module: each output path (``schema -o``, ``resolve --write``, ``scan -o``) must write the
same way, and each input path (specs, ``--schema``, ``--model-config``, catalogs) must refuse the
same hostile files. Reading a FIFO blocks forever, ``/dev/zero`` never ends; writing through
``<output>.tmp`` follows a symlink someone planted there. So:

* :func:`read_regular` opens without blocking (``O_NONBLOCK``), checks with ``fstat`` that the
  open file is a regular file, and reads at most ``limit + 1`` bytes;
* :func:`write_atomic` creates a fresh temporary file exclusively (``mkstemp``: ``O_CREAT|O_EXCL``,
  never follows an existing name) in the target's own directory, fsyncs it and renames it over
  the target, so readers see the old file or the new one, never half of one.

Failures raise :class:`InputError` / :class:`OutputError` with one readable line.
"""

from __future__ import annotations

import contextlib
import os
import stat

from .errors import ModelSpecError


class InputError(ModelSpecError):
    """A path could not be read as a regular file (missing, special file, permissions)."""


class OutputError(ModelSpecError):
    """An output file could not be written (missing directory, permissions, a directory there)."""


class TooLarge(InputError):
    """The file is larger than the caller's limit; ``size`` is what was seen (at least limit + 1)."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_regular(path: str | os.PathLike[str], limit: int, *, head: bool = False) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`InputError` for anything that is not a readable regular file (without ever
    blocking on a FIFO or device) and :class:`TooLarge` when the file holds more than ``limit``,
    unless ``head`` asks for just the first ``limit`` bytes.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(name, flags)
    except OSError as exc:
        raise InputError(f"{name}: {_reason(exc)}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{name}: {_kind(st.st_mode)}, not a regular file")
        if st.st_size > limit and not head:
            raise TooLarge(f"{name}: {st.st_size} bytes, over the {limit}-byte limit", st.st_size)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: plain reads from here on
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise InputError(f"{name}: {_reason(exc)}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if head:
        return data[:limit]
    if total > limit:  # the file grew after fstat
        raise TooLarge(f"{name}: over the {limit}-byte limit", total)
    return data


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """``True`` for a regular file (symlinks followed); never opens the path."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) in one rename.

    The temporary file is created exclusively next to the target, so a planted
    ``<path>.tmp`` (symlink or not) is never opened. An existing target keeps its permission bits.
    """
    name = os.fspath(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = os.path.dirname(os.path.abspath(name))
    if not os.path.isdir(directory):
        raise OutputError(f"cannot write {name}: directory {directory} does not exist")
    if os.path.isdir(name):
        raise OutputError(f"cannot write {name}: it is a directory")
    try:
        mode = stat.S_IMODE(os.stat(name).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    import tempfile  # only writers pay for it; the validate path reads only

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(name)}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {name}: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, name)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write {name}: {_reason(exc)}") from None
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable where the platform allows it (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
