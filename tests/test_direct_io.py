"""Files written past the page cache hold exactly the bytes written, whatever the sizes of the
writes, and fall back to the cache when a direct write is refused."""

from __future__ import annotations

import errno
import os
import random
import resource
import signal
from pathlib import Path

import pytest

from alliancekg.direct_io import _ALIGN, BLOCK, DirectFile
from alliancekg.outputs import atomic_file

SIZES = [0, 1, _ALIGN - 1, _ALIGN, _ALIGN + 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 12_345]


def _pieces(data: bytes, seed: int) -> list[bytes]:
    """``data`` cut at random places: pieces from one byte to more than a block."""
    rng, pieces, start = random.Random(seed), [], 0
    while start < len(data):
        size = rng.choice([1, 7, 4096, 65_537, BLOCK + 3])
        pieces.append(data[start:start + size])
        start += size
    return pieces


@pytest.mark.parametrize("size", SIZES)
def test_every_size_is_written_exactly_and_stays_direct(size: int, tmp_path: Path) -> None:
    data = random.Random(size).randbytes(size)
    path = tmp_path / "out.bin"
    file = DirectFile(os.open(path, os.O_WRONLY | os.O_CREAT))
    accepted = file.direct  # whether this file system takes O_DIRECT at all
    for piece in _pieces(data, size):
        assert file.write(piece) == len(piece)
    file.close()
    assert path.read_bytes() == data
    assert file.direct == accepted  # no write was refused for its alignment


def test_a_refused_direct_write_goes_on_through_the_cache(tmp_path: Path) -> None:
    """A file whose offset is not aligned refuses direct writes; the bytes still all arrive."""
    path = tmp_path / "out.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    os.write(fd, b"abc")
    file = DirectFile(fd)
    data = random.Random(1).randbytes(BLOCK + 5)
    file.write(data)
    file.close()
    assert not file.direct
    assert path.read_bytes() == b"abc" + data


def test_atomic_direct_file_keeps_the_old_file_on_error(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(path, direct=True) as file:
        file.write(b"x" * (BLOCK + 1))
        raise RuntimeError("stop")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
    with atomic_file(path, direct=True) as file:
        file.write(b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs file size limits")
def test_a_failed_write_is_raised_and_keeps_the_old_file(tmp_path: Path) -> None:
    """A write the system refuses (here past a file size limit) is raised from the block that
    wrote it, and the file being replaced stays as it was."""
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (BLOCK + BLOCK // 2, limits[1]))
    try:
        with pytest.raises(OSError) as raised, atomic_file(path, direct=True) as file:
            for _ in range(4):
                file.write(b"x" * BLOCK)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert raised.value.errno == errno.EFBIG
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
