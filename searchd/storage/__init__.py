"""searchd's storage: the one home of the on-disk format and of every Whoosh internal.

Modules (each names the Whoosh methods it overrides, and compat.py lists every private
Whoosh name they rely on):
  blocks.py    posting blocks, encoded and decoded with numpy alone
  matchers.py  Whoosh matchers reading those blocks
  codec.py     the Whoosh codec that writes them (and per-document data, term vectors)
  vectors.py   term vectors: encoding spans, reading the values of some terms
  reading.py   whole posting lists and the term index, read in large pieces
  wordlists.py a segment's words with their document counts, for spelling suggestions
  columns.py   what ranking reads per document: lengths, months, deletions
  writer.py    the bulk segment writer, and the segment commit of parallel writers
  files.py     durable file storage; opening and creating Whoosh indexes
  qparser.py   Whoosh's query parser repaired; pattern expansions
  phrases.py   phrases across the gaps stop words leave
  clone.py     a copy of an index's generation under a new name (snapshots)
  unpickle.py  Whoosh's pickles read without running code from them
Everything else uses the names exported here.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from . import unpickle
from .compat import IncompatibleWhoosh, check_version

check_version()
unpickle.install()  # no pickle of an index runs code (unpickle.py)

# (after the version check: a Whoosh of another version fails here, clearly)
from . import codec  # noqa: E402
from .columns import (  # noqa: E402
                      LENGTHS,
                      author_codes,
                      bm25f_parameters,
                      field_length_bytes,
                      fingerprints,
                      format_codes,
                      live_documents,
                      month_codes,
                      segment_key,
)
from .files import OPEN_ERRORS, abandon_open_files, create_whoosh, exists, fsync_dir, open_whoosh  # noqa: E402
from .phrases import GappedPhrase, use_gapped_phrases  # noqa: E402
from .qparser import expansions, repair_parser  # noqa: E402
from .reading import (  # noqa: E402
    each_posting,
    field_terms,
    posting_arrays,
    posting_blocks,
    vector_spans,
    word_list,
)
from .vectors import Span, Spans  # noqa: E402


def __getattr__(name: str) -> object:
    """SearchdWriter, imported when first asked for: a search never writes, and the
    writer's modules cost a new `searchd search` 14 ms of its start."""
    if name == "SearchdWriter":
        from .writer import SearchdWriter
        return SearchdWriter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from .writer import SearchdWriter

# A Whoosh index names its codec's class in its table of contents (a pickle): indexes written
# before storage/ existed name searchd.codec.SearchdCodec, and open through this alias.
sys.modules.setdefault("searchd.codec", codec)

__all__ = [
    "GappedPhrase", "IncompatibleWhoosh", "LENGTHS", "OPEN_ERRORS", "SearchdWriter", "Spans",
    "abandon_open_files", "bm25f_parameters", "create_whoosh", "each_posting", "exists",
    "author_codes", "expansions", "field_length_bytes", "field_terms", "fingerprints",
    "format_codes", "fsync_dir",
    "live_documents",
    "month_codes", "open_whoosh", "posting_arrays", "posting_blocks", "repair_parser",
    "segment_key", "use_gapped_phrases", "vector_spans", "word_list", "Span",
]
