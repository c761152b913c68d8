"""A copy of one generation of a Whoosh index, under its name or another: what snapshots are
made of (snapshot.py) and restored from.

A Whoosh index is a table of contents (`_<name>_<generation>.toc`, a pickle of its segments)
and the segments' files (`<name>_<segment id>.<ext>`, or one compound `.seg` file holding
them with a directory of their names); none of them changes once written, so a generation can
be copied while later syncs go on. Under the same name the files are hard-linked when asked
(instant) or copied. Under another name the names inside change too: the segments in the
table of contents, and the directory at the end of each compound file.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from whoosh.filedb.compound import CompoundStorage
from whoosh.index import TOC

from .files import DurableStorage, fsync_dir

_CHUNK = 1 << 20


def generation(folder: Path, name: str) -> int:
    """The newest generation of index name in folder."""
    found: int = TOC._latest_generation(DurableStorage(str(folder)), name)
    return found


def clone(source: Path, name: str, gen: int, target: Path, new_name: str,
          link: bool = False) -> list[str]:
    """Copy generation gen of index name in source to index new_name in target (which must
    not hold its files yet); return the names of the files written, all synced to disk.
    link: hard-link rather than copy where the content stays the same."""
    storage = DurableStorage(str(source))
    toc = TOC.read(storage, name, gen)
    written = []
    for segment in toc.segments:
        for filename in segment.list_files(storage):
            copied = new_name + filename[len(name):]
            if copied != filename and filename.endswith(segment.COMPOUND_EXT):
                _rename_compound(storage, filename, target, copied, name, new_name)
            else:
                place(source / filename, target / copied, link)
            written.append(copied)
        segment.indexname = new_name
    tocname = TOC._filename(new_name, gen)
    if new_name == name:
        place(source / tocname, target / tocname, link)
    else:
        renamed = TOC(toc.schema, toc.segments, gen, version=toc.version, release=toc.release)
        renamed.write(DurableStorage(str(target)), new_name)
    written.append(tocname)
    fsync_dir(target)
    return written


def place(source: Path, target: Path, link: bool) -> None:
    """A hard link of source at target (when link), or a copy of it, synced."""
    if link:
        try:
            os.link(source, target)
            return
        except OSError:
            pass  # another file system, or links not allowed: copy
    with open(source, "rb") as src, open(target, "xb") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)
        dst.flush()
        os.fsync(dst.fileno())


def _rename_compound(storage: DurableStorage, filename: str, target: Path, copied: str,
                     name: str, new_name: str) -> None:
    """Copy a compound segment file with its directory's file names renamed (the files'
    bytes and offsets stay as they are)."""
    src = storage.open_file(filename)
    try:
        dirpos = src.read_long()
        src.read_int()
        src.seek(dirpos)
        directory = src.read_pickle()
        options = src.read_pickle()
        dst = DurableStorage(str(target)).create_file(copied)
        src.seek(0)
        left = dirpos
        while left > 0:
            chunk = src.read(min(_CHUNK, left))
            if not chunk:
                raise OSError(errno.EIO, "compound file cut short", filename)
            dst.write(chunk)
            left -= len(chunk)
        renamed = {new_name + key[len(name):]: value for key, value in directory.items()}
        CompoundStorage.write_dir(dst, 0, renamed, options)  # (closes dst)
    finally:
        src.close()
