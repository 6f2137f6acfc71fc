"""``alliancekg synth``: a synthetic alliance graph of any size, in our ontology, with its sources.

:func:`generate` draws a world (:mod:`alliancekg.synth_model`), writes it as the plain-text
source documents it is "drawn from" and, for each document, a Turtle file of its facts with
``prov:wasDerivedFrom`` and ``akg:passage`` spans on every fact and named resource, as the
reference data does. The folder it writes builds like the reference data::

    alliancekg synth --institutions 1000 -o synth-1k
    alliancekg build --data synth-1k/data --seeds synth-1k/seeds --out synth-1k-dist

Layout of the folder:

* ``data/sources.ttl``: every source document (title, file name, SHA-256, length, ...);
* ``data/synth-*.ttl``: the facts of one source document each;
* ``seeds/synth-*.txt``: the source documents, plain UTF-8 text;
* ``synth.json``: the parameters and counts of the run.

The same size and seed give byte-identical files. The Turtle is formatted directly (no rdflib),
one document at a time, into a temporary folder beside the target that is renamed into place at
the end, so a failed run leaves nothing half written.

>>> import tempfile, pathlib
>>> result = generate(pathlib.Path(tempfile.mkdtemp()) / "synth", institutions=40, seed=7)
>>> result.counts["institutions"], result.counts["alliances"]
(40, 7)
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alliancekg.errors import UsageError
from alliancekg.synth_documents import (
    Names,
    Writer,
    write_alliance,
    write_catalogues,
    write_directory,
    write_registers,
    write_themes,
)
from alliancekg.synth_model import draw_world

__all__ = ["SynthResult", "default_partnerships", "generate"]


def default_partnerships(institutions: int) -> float:
    """Partners per institution when not given: 36 from 10,000 institutions on, rising from 28 at
    1,000 (``28 + 8 log10(N / 1000)``), and ``N / 25`` (at least 2, at most ``N - 1``) below 700,
    where more would tie each institution to a large share of the others.

    >>> default_partnerships(100_000), default_partnerships(3_000), default_partnerships(200)
    (36.0, 31.8, 8.0)
    """
    if institutions >= 10_000:
        return 36.0
    if institutions >= 1_000:
        return round(28 + 8 * math.log10(institutions / 1000), 1)
    return float(min(max(2.0, min(28.0, institutions / 25)), max(0, institutions - 1)))


@dataclass(frozen=True)
class SynthResult:
    """What :func:`generate` wrote: the folder, its files, the number of distinct triples, and counts."""

    out_dir: Path
    institutions: int
    seed: int
    partnerships_per_institution: float
    files: int
    triples: int
    counts: dict[str, int]

def _replace(staging: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def generate(out_dir: Path, *, institutions: int, seed: int = 42, partnerships_per_institution: float | None = None,
             force: bool = False) -> SynthResult:
    """Write a synthetic dataset of ``institutions`` institutions into ``out_dir``.

    ``partnerships_per_institution`` is the mean number of bilateral partners of an institution
    (default :func:`default_partnerships`). ``out_dir`` must not exist or be empty unless
    ``force`` is true, in which case it is replaced.

    Raises :class:`~alliancekg.errors.UsageError` on a bad size, rate or folder.
    """
    if institutions < 1:
        raise UsageError(f"--institutions must be at least 1, not {institutions}")
    rate = default_partnerships(institutions) if partnerships_per_institution is None else partnerships_per_institution
    if not 0 <= rate <= max(0, institutions - 1):
        raise UsageError(f"partnerships per institution must be between 0 and {max(0, institutions - 1)}, not {rate}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise UsageError(f"{out_dir} is not empty (use --force to replace it)")
    world = draw_world(institutions, seed=seed, partnerships_per_institution=rate)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        staging.chmod(0o755)
        w = Writer(staging, seed)
        names = Names(world)
        write_themes(w, world)
        write_directory(w, world, names)
        for a in range(len(world.alliances)):
            write_alliance(w, world, names, a)
        write_registers(w, world, names)
        write_catalogues(w, world, names)
        w.finish(f"The {w.counts['sources']} synthetic source documents (seed {seed}); their text is in ../seeds/.")
        result = SynthResult(out_dir=out_dir, institutions=institutions, seed=seed, partnerships_per_institution=rate,
                             files=2 * w.counts["sources"] + 2, triples=w.triples, counts=dict(w.counts))
        manifest = {"generator": "alliancekg synth", "institutions": institutions, "seed": seed,
                    "partnerships_per_institution": rate, "triples": w.triples, "counts": w.counts}
        (staging / "synth.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        _replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result
