"""Reading the pickles of a Whoosh index without running code from them.

Whoosh keeps a table of contents (the schema, the segments), a compound file's directory,
stored fields and some posting values as Python pickles. A pickle may name any importable
callable (os.system among them), and plain pickle.load calls it: an index folder, or a
snapshot restored from shared storage, could run a command as the service's user. Every
place Whoosh reads a pickle goes through the unpickler here instead (install() replaces
Whoosh's names of pickle.load and pickle.loads; storage/__init__ calls it), which resolves
only the classes searchd's schema and Whoosh's index structures are made of, and refuses
anything else with pickle.UnpicklingError (one of OPEN_ERRORS: "the index cannot be
opened", never code run).
"""

from __future__ import annotations

import io
import pickle
import types
from typing import IO, Any

# The classes an index written by searchd pickles (found by tracing find_class over builds,
# syncs, snapshots and restores), and the few builtins a pickle of plain data may name.
ALLOWED: frozenset[tuple[str, str]] = frozenset({
    ("builtins", "int"), ("builtins", "float"), ("builtins", "set"),
    ("builtins", "frozenset"), ("builtins", "bytearray"), ("builtins", "complex"),
    ("_codecs", "encode"),  # protocol 2's spelling of bytes (latin-1 text to bytes)
    ("collections", "defaultdict"), ("collections", "OrderedDict"),
    ("searchd.analysis.analyzer", "DutchAnalyzer"),
    ("searchd.analysis.analyzer", "SurfaceWordsAnalyzer"),
    ("searchd.storage.codec", "SearchdCodec"),
    ("searchd.codec", "SearchdCodec"),  # indexes written before storage/ existed
    ("whoosh.analysis.tokenizers", "IDTokenizer"),
    ("whoosh.codec.whoosh3", "W3Segment"), ("whoosh.codec.whoosh3", "W3Codec"),
    ("whoosh.columns", "NumericColumn"), ("whoosh.columns", "VarBytesColumn"),
    ("whoosh.columns", "CompressedBytesColumn"), ("whoosh.columns", "PickleColumn"),
    ("whoosh.columns", "StructColumn"), ("whoosh.columns", "FixedBytesColumn"),
    ("whoosh.columns", "BitColumn"), ("whoosh.columns", "RefBytesColumn"),
    ("whoosh.fields", "Schema"), ("whoosh.fields", "TEXT"), ("whoosh.fields", "ID"),
    ("whoosh.fields", "STORED"), ("whoosh.fields", "COLUMN"), ("whoosh.fields", "NUMERIC"),
    ("whoosh.fields", "KEYWORD"),
    ("whoosh.formats", "Existence"), ("whoosh.formats", "Frequency"),
    ("whoosh.formats", "Positions"), ("whoosh.formats", "Characters"),
})


MAX_MADE = 64 * 1024 * 1024  # bytes the pickled calls of one pickle may make, together


class SafeUnpickler(pickle.Unpickler):
    """pickle's (C) unpickler, resolving only the globals in ALLOWED; those that make
    something of a size the pickle chooses (bytearray, codecs.encode) share a budget of
    MAX_MADE bytes per pickle (bytearray(2**31) took 19 GB; sixty of 16 MB, 1 GB)."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file)
        self._made = 0

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(
                f"the index names {module}.{name}, which searchd never writes; refused")
        if (module, name) == ("builtins", "bytearray"):
            return self._bytearray
        if (module, name) == ("_codecs", "encode"):
            return self._encode
        return super().find_class(module, name)

    def _spend(self, size: int) -> None:
        """Count size bytes against the pickle's budget; refuse past it."""
        self._made += size
        if self._made > MAX_MADE:
            raise pickle.UnpicklingError("the index asks for more memory than an index's "
                                         "pickle ever needs; refused")

    def _bytearray(self, *args: Any) -> bytearray:
        if args and isinstance(args[0], int):
            self._spend(args[0])
        elif args and isinstance(args[0], (str, bytes)):
            self._spend(len(args[0]))
        return bytearray(*args)

    def _encode(self, text: Any, *args: Any) -> Any:
        import codecs

        self._spend(len(text) if isinstance(text, str) else 0)
        return codecs.encode(text, *args)


def load(file: IO[bytes]) -> Any:
    """pickle.load, restricted to ALLOWED."""
    return SafeUnpickler(file).load()


def loads(data: bytes) -> Any:
    """pickle.loads, restricted to ALLOWED."""
    return SafeUnpickler(io.BytesIO(data)).load()


def install() -> None:
    """Make every Whoosh module that reads pickles read them through load() and loads()."""
    import whoosh.codec.whoosh3
    import whoosh.columns
    import whoosh.compat
    import whoosh.filedb.structfile
    import whoosh.formats
    import whoosh.index

    whoosh.compat.load, whoosh.compat.loads = load, loads
    whoosh.filedb.structfile.load_pickle = load
    for module in (whoosh.codec.whoosh3, whoosh.columns, whoosh.formats):
        module.loads = loads
    # tables of contents of Whoosh 1.x go through whoosh.legacy's unrestricted unpickler:
    # searchd never wrote one, so none is read (an attacker's version -110 ran code)
    whoosh.index.toc_loaders.clear()
    # whoosh.index reads the schema with pickle.loads through its own name of the module
    whoosh.index.pickle = types.SimpleNamespace(
        loads=loads, dumps=pickle.dumps, PicklingError=pickle.PicklingError)
