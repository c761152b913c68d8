"""The Whoosh searchd's storage is written against, and every private name of it relied on.

storage/ subclasses Whoosh's codec, matchers, writer and file storage and reads some of
their private state. A Whoosh that differs would fail deep inside a comparison test; check()
says at once which name is missing (tests/test_storage.py runs it, and opening the storage
package runs the version check).
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import whoosh

WHOOSH_VERSION = "2.7.4"

# "module:object" -> the private names storage/ uses of it: attributes of the class (or
# module), attributes its methods set on self, or keywords of its methods.
PRIVATE_NAMES: dict[str, tuple[str, ...]] = {
    "whoosh.system:": ("_INT_SIZE", "_SHORT_SIZE"),
    "whoosh.codec.whoosh3:": ("_vecfield", "_lenfield"),
    "whoosh.codec.whoosh3:W3Codec": ("_inlinelimit",),
    "whoosh.codec.whoosh3:W3TermInfo": (
        "_struct", "_weight", "_df", "_minlength", "_maxlength", "_maxweight", "_minid",
        "_maxid"),
    "whoosh.codec.whoosh3:W3PostingsWriter": (
        "_write_block", "_new_block", "_blockcount", "_postfile", "_format", "_values",
        "_ids", "_weights", "_minlength", "_maxlength", "_terminfo", "_compression"),
    "whoosh.codec.whoosh3:W3LeafMatcher": (
        "_goto", "_read_data", "_read_ids", "_read_weights", "_read_values",
        "_data", "_ids", "_weights", "_values", "_i", "_postfile", "_lastblock",
        "_nextoffset", "_blocklength", "_maxid", "_maxweight", "_compression",
        "_dataoffset", "_minlength", "_maxlength"),
    "whoosh.codec.whoosh3:W3PerDocWriter": ("_docnum", "_doccount", "_vpostfile", "_prep_vectors"),
    "whoosh.codec.whoosh3:W3PerDocReader": ("_vpostfile", "_prep_vectors", "_vector_extent"),
    "whoosh.codec.whoosh3:W3FieldWriter": ("_postfile", "_tindex", "_fieldid", "_postwriter",
                                           "_btext", "_segment", "_storage"),
    # (not private, but internal: codec.add_records does what its add does)
    "whoosh.filedb.filetables:OrderedHashWriter": ("dbfile", "buckets", "hashfn", "index",
                                                   "lastkey"),
    "whoosh.codec.whoosh3:W3TermsReader": ("_tindex", "_fieldmap", "_postfile"),
    "whoosh.reading:SegmentReader": ("_terms", "_perdoc", "_segment", "_storage"),
    "whoosh.columns:FixedBytesColumn.Reader": ("_dbfile", "_basepos", "_count"),
    "whoosh.scoring:BM25F": ("_field_B",),
    "whoosh.writing:SegmentWriter": (
        "_check_state", "_added", "_flush_segment", "_close_segment", "_commit_toc",
        "_finalize_segment", "_lk"),
    "whoosh.query:MultiTerm": ("_btexts",),
    "whoosh.index:TOC": ("_latest_generation", "_filename"),
    "whoosh.filedb.filestore:FileStorage": ("_fpath",),
    "whoosh.filedb.structfile:StructFile": ("_name",),
}


class IncompatibleWhoosh(RuntimeError):
    """The installed Whoosh is not the one searchd's storage is written against."""


def check_version() -> None:
    """IncompatibleWhoosh unless the installed Whoosh is WHOOSH_VERSION."""
    found = whoosh.versionstring()
    if found != WHOOSH_VERSION:
        raise IncompatibleWhoosh(f"incompatible Whoosh {found}: searchd's storage is written "
                                 f"against Whoosh {WHOOSH_VERSION} (pip install "
                                 f"whoosh=={WHOOSH_VERSION})")


def missing_names() -> list[str]:
    """"module:object.name" of every name of PRIVATE_NAMES the installed Whoosh lacks."""
    missing = []
    for where, names in PRIVATE_NAMES.items():
        owner = _resolve(where)
        source = _source(owner)
        missing += [f"{where}.{name}" for name in names
                    if not hasattr(owner, name) and not _in_source(name, source)]
    return missing


def check() -> None:
    """IncompatibleWhoosh naming what differs, unless the installed Whoosh is the one
    storage/ is written against and has every private name it relies on."""
    check_version()
    missing = missing_names()
    if missing:
        raise IncompatibleWhoosh("incompatible Whoosh: searchd's storage relies on "
                                 + ", ".join(missing))


def _in_source(name: str, source: str) -> bool:
    """True when a class's source sets name on self, or takes it as a keyword."""
    return bool(re.search(rf"\bself\.{re.escape(name)}\b|\b{re.escape(name)}=", source))


def _resolve(where: str) -> Any:
    """The module or class "module:Class.Inner" names ("module:" for the module)."""
    module_name, _, path = where.partition(":")
    owner: Any = importlib.import_module(module_name)
    for part in filter(None, path.split(".")):
        owner = getattr(owner, part)
    return owner


def _source(owner: Any) -> str:
    """The source of a class and its bases (where attributes of self are set)."""
    if not inspect.isclass(owner):
        return ""
    parts = []
    for cls in owner.__mro__:
        if cls.__module__.startswith("whoosh"):
            parts.append(inspect.getsource(cls))
    return "\n".join(parts)
