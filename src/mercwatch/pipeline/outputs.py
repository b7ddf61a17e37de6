"""Publish the run's output files as one set: a versioned folder and an atomic pointer.

Layout of an output folder::

    OUT/.runs/000007/operations.json ...   one complete output set per run
    OUT/current -> .runs/000007             the published set (a symlink)
    OUT/operations.json -> current/operations.json   the SCHEMA.md paths, unchanged

Files are written into ``OUT/.runs/.staging-*``, flushed to disk, and the folder is
renamed to the next version. Publishing is then one ``rename`` of a new symlink over
``OUT/current``: every reader of ``OUT/operations.json``, ``OUT/summary.json`` ... sees
the old set or the new one, never a mix (publishing file by file used to leave a new
operations.json beside the old summary and report after a crash between renames).
The ``OUT/<name>`` links never change once made, so a crash at any point leaves the
previous set whole. Old versions are pruned, keeping :data:`KEEP_VERSIONS`.

A reader that wants several files of one run without a switch in between resolves
``OUT/current`` once (``os.path.realpath``) and reads from there.

The caller must hold the output folder's lock (:mod:`mercwatch.pipeline.lock`):
publishing and pruning assume no other run writes into OUT.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from mercwatch.durable import fsync_path
from mercwatch.errors import OutputError
from mercwatch.pipeline.checkpoints import reached

RUNS_DIR = ".runs"
POINTER = "current"
KEEP_VERSIONS = 3
_STAGING_PREFIX = ".staging-"


def _open_for_write(path: Path) -> IO[str]:
    """Open an output file for writing: the one place output bytes go through.

    The fault-injection seam of the tests (disk full, read-only folder): they replace
    this function to raise the ``OSError`` the operating system would.
    """
    return path.open("w", encoding="utf-8")


class OutputSet:
    """A staging folder whose files are published together by :func:`staged_outputs`."""

    def __init__(self, staging: Path) -> None:
        self.staging = staging
        self.names: list[str] = []

    def path(self, name: str) -> Path:
        """Where to write output ``name`` while staging (for writers outside Python)."""
        self.names.append(name)
        return self.staging / name

    def write_json(self, name: str, data: Any) -> None:
        self.write_text(name, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def write_jsonl(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        self._write(name, (json.dumps(row, ensure_ascii=False) + "\n" for row in rows))

    def write_text(self, name: str, text: str) -> None:
        self._write(name, (text,))

    def _write(self, name: str, chunks: Iterable[str]) -> None:
        with _open_for_write(self.path(name)) as handle:
            for chunk in chunks:
                handle.write(chunk)


@contextmanager
def staged_outputs(out: Path) -> Iterator[OutputSet]:
    """Stage outputs for the block; publish them as one set only if it succeeds.

    Raises:
        OutputError: a file or folder cannot be written (read-only, disk full); the
            staging folder is removed and the previous set stays published.
    """
    runs = out / RUNS_DIR
    try:
        runs.mkdir(parents=True, exist_ok=True)
        _remove_stale(out)
        staging = _new_staging(runs)
    except OSError as exc:
        raise _output_error(exc, runs) from exc
    outputs = OutputSet(staging)
    try:
        yield outputs
        reached("publish:staged")
        publish(out, staging, outputs.names)
    except OSError as exc:
        raise _output_error(exc, staging) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def publish(out: Path, staging: Path, names: list[str]) -> Path:
    """Make ``staging`` the next version and point ``OUT/current`` at it.

    Returns:
        The published version folder.
    """
    for name in names:
        _fsync(staging / name)  # content first, then the folder's entries
    _fsync(staging)
    _adopt_loose_files(out, names)
    version = _new_version(out, staging)
    reached("publish:versioned")
    for name in names:
        _ensure_link(out, name)
    reached("publish:linked")
    _switch(out, version)
    reached("publish:switched")
    _remove_dangling_links(out)
    _prune(out, version)
    reached("publish:pruned")
    return version


def published_version(out: Path) -> Path | None:
    """The version folder ``OUT/current`` points at, if any."""
    pointer = out / POINTER
    return pointer.resolve() if pointer.is_symlink() and pointer.exists() else None


def _new_version(out: Path, folder: Path) -> Path:
    runs = out / RUNS_DIR
    numbers = [int(p.name) for p in runs.iterdir() if p.name.isdigit()]
    version = runs / f"{max(numbers, default=0) + 1:06d}"
    os.rename(folder, version)
    _fsync(runs)
    return version


def _adopt_loose_files(out: Path, names: list[str]) -> None:
    """Turn plain files at ``OUT/<name>`` into a version before linking them.

    An output folder written before versioning (or a report re-rendered in place)
    holds plain files. Replacing them one by one with links would mix sets, so what
    readers see now is first copied (hard links, no data copied) into a version of
    its own and published; then each plain file becomes a link with the same content.
    """
    loose = [n for n in names if (out / n).exists() and not (out / n).is_symlink()]
    if not loose:
        return
    snapshot = _new_staging(out / RUNS_DIR)
    for name in names:
        if (out / name).exists():
            _link_or_copy(out / name, snapshot / name)
    _fsync(snapshot)
    _switch(out, _new_version(out, snapshot))
    for name in loose:
        _ensure_link(out, name)


def _new_staging(runs: Path) -> Path:
    """A new staging folder, readable like OUT itself (mkdtemp would make it 0700,
    hiding the published files from a dashboard running as another user)."""
    staging = runs / f"{_STAGING_PREFIX}{secrets.token_hex(8)}"
    staging.mkdir()
    return staging


def _link_or_copy(source: Path, target: Path) -> None:
    real = source.resolve()  # OUT/<name> -> current/<name> -> the file itself
    try:
        os.link(real, target)
    except OSError:
        shutil.copy2(real, target)


def _ensure_link(out: Path, name: str) -> None:
    """``OUT/<name>`` -> ``current/<name>``, made once and replaced atomically."""
    path, target = out / name, f"{POINTER}/{name}"
    if path.is_symlink() and os.readlink(path) == target:
        return
    _replace_with_symlink(path, target)


def _switch(out: Path, version: Path) -> None:
    """Publish ``version``: one atomic rename of a new symlink over ``OUT/current``."""
    _replace_with_symlink(out / POINTER, f"{RUNS_DIR}/{version.name}")


def _replace_with_symlink(path: Path, target: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-link")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, path)
    _fsync(path.parent)


def _remove_dangling_links(out: Path) -> None:
    """Drop ``OUT/<name>`` links to files the published set no longer has."""
    for path in out.iterdir():
        linked = path.is_symlink() and os.readlink(path).startswith(f"{POINTER}/")
        if linked and not path.exists():
            path.unlink()


def _prune(out: Path, keep: Path) -> None:
    """Keep the newest :data:`KEEP_VERSIONS` versions (always the published one)."""
    runs = out / RUNS_DIR
    versions = sorted(p for p in runs.iterdir() if p.name.isdigit())
    for old in versions[:-KEEP_VERSIONS]:
        if old.resolve() != keep.resolve():
            shutil.rmtree(old, ignore_errors=True)


def _remove_stale(out: Path) -> None:
    """Staging folders and half-made links left by a run that was killed."""
    for path in (out / RUNS_DIR).iterdir():
        if path.name.startswith(_STAGING_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
    for path in out.glob(".*.tmp-link"):
        path.unlink(missing_ok=True)


_fsync = fsync_path  # a file, or a folder's entries (renames): see mercwatch.durable


def _output_error(exc: OSError, where: Path) -> OutputError:
    return OutputError(str(exc.filename or where), exc.strerror or str(exc))
