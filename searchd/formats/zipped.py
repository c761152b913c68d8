"""Checks of a zip container (DOCX, ODT) before it is opened: a zip bomb is refused by
what its directory says, before anything is unpacked."""

from __future__ import annotations

import io
import zipfile

from ..errors import SeedError

MAX_UNPACKED = 200 * 1024 * 1024  # bytes the members of one document may unpack to
MAX_RATIO = 50                    # ... and at most this many times their packed size (text
#                                   XML packs 5-20 times: past 50 it is made to amplify)
MAX_MEMBERS = 10_000
MAX_XML_PART = 64 * 1024 * 1024   # bytes of one XML part (its text: document.xml, content.xml)


def check_zip(data: bytes, kind: str) -> None:
    """SeedError when data is no zip, or one whose members would unpack too large."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SeedError(f"a damaged {kind} (not a valid zip: {exc}); not indexed") from None
    if len(members) > MAX_MEMBERS:
        raise SeedError(f"a {kind} of {len(members):,} parts; not indexed (a zip bomb?)")
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * packed and unpacked > 10 << 20:
        raise SeedError(f"a {kind} that unpacks to {unpacked >> 20:,} MB from "
                        f"{len(data) >> 10:,} KB; not indexed (a zip bomb?)")
    largest = max((m.file_size for m in members if m.filename.endswith(".xml")), default=0)
    if largest > MAX_XML_PART:
        raise SeedError(f"a {kind} whose text part is larger than {MAX_XML_PART >> 20} MB "
                        f"({largest >> 20:,} MB unpacked); not indexed")
