"""Large files written past the page cache (``O_DIRECT``), for :func:`alliancekg.outputs.atomic_file`.

Written through the page cache, each gigabyte of a large export first fills a gigabyte of fresh
cache pages. On a virtual machine that hands its free memory back to the host, the host backs each
such page again when it is first touched: on the 2-core machine of the benchmarks, writing 4.8 GB
through the cache took 17 s of system time, and 1.4 s written direct. A :class:`DirectFile`
gathers the bytes in page-aligned blocks, which a second thread writes while the caller makes the
next. Where the system or the file system does not take ``O_DIRECT``, or refuses a write, the
file goes on through the cache as any other.

>>> import tempfile
>>> handle, name = tempfile.mkstemp()
>>> with open_direct(handle) as file:
...     _ = file.write(b"hello ")
...     _ = file.write(b"world")
>>> open(name, "rb").read()
b'hello world'
"""

from __future__ import annotations

import errno
import io
import mmap
import os
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from typing import Any

__all__ = ["BLOCK", "DirectFile", "open_direct"]

#: Bytes gathered before each write.
BLOCK = 4 * 2**20
#: Small writes are gathered this many bytes at a time (by :class:`io.BufferedWriter`) first.
_GATHER = 256 * 2**10
#: The alignment ``O_DIRECT`` asks of a write's memory, size and file offset (4096 covers the
#: usual 512 and 4096 byte sectors).
_ALIGN = 4096
_O_DIRECT: int = getattr(os, "O_DIRECT", 0)


def _set_direct(fd: int, on: bool) -> bool:
    """Turn ``O_DIRECT`` on or off for ``fd``; return whether it is on."""
    if not _O_DIRECT:
        return False
    import fcntl

    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | _O_DIRECT if on else flags & ~_O_DIRECT)
    except OSError as error:
        if error.errno != errno.EINVAL:
            raise
        return False
    return on


class DirectFile(io.RawIOBase):
    """A binary file written from ``fd`` (which it owns and closes) in blocks of :data:`BLOCK`
    bytes, direct when it can; closing it writes the rest."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._start = os.lseek(fd, 0, os.SEEK_CUR)
        self.direct = _set_direct(fd, True)  #: whether writes still go past the cache
        self._blocks = (mmap.mmap(-1, BLOCK), mmap.mmap(-1, BLOCK))  # page-aligned memory
        self._filling = 0  # the block being filled
        self._used = 0  # its bytes so far
        self._size = 0  # bytes taken by write()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alliancekg-direct")
        self._pending: Future[None] | None = None

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed file")
        rest = memoryview(data).cast("B")
        total = len(rest)
        while len(rest):
            take = min(len(rest), BLOCK - self._used)
            self._blocks[self._filling][self._used:self._used + take] = rest[:take]
            self._used += take
            rest = rest[take:]
            if self._used == BLOCK:
                self._send(BLOCK)
        self._size += total
        return total

    def _send(self, length: int) -> None:
        """Hand the block being filled to the writer (once it is done with the other one)."""
        self._wait()
        self._pending = self._writer.submit(self._write_block, self._blocks[self._filling], length)
        self._filling ^= 1
        self._used = 0

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _write_block(self, block: mmap.mmap, length: int) -> None:
        rest = memoryview(block)[:length]
        while len(rest):
            try:
                written = os.write(self._fd, rest)
            except OSError as error:
                if error.errno != errno.EINVAL or not self.direct:
                    raise
                self.direct = _set_direct(self._fd, False)  # refused direct: through the cache
                continue
            rest = rest[written:]

    def close(self) -> None:
        """Write what is left (a direct write is padded to the alignment, then the file cut back
        to its size) and close the file."""
        if self.closed:
            return
        try:
            if self._used:
                length = self._used
                if self.direct:  # a direct write's size is a multiple of the alignment
                    length = -(-length // _ALIGN) * _ALIGN
                    self._blocks[self._filling][self._used:length] = bytes(length - self._used)
                self._send(length)
            self._wait()
            os.ftruncate(self._fd, self._start + self._size)
        finally:
            self._writer.shutdown(wait=True)
            os.close(self._fd)
            super().close()
            for block in self._blocks:
                with suppress(BufferError):  # a failed write's traceback may still hold a view of it
                    block.close()


def open_direct(fd: int) -> io.BufferedWriter:
    """A buffered binary file over a :class:`DirectFile` of ``fd``, for writes of any size."""
    return io.BufferedWriter(DirectFile(fd), buffer_size=_GATHER)
