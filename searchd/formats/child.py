"""A reading process (isolation.py starts them): limits itself, then reads jobs from its
standard input, one a line (JSON: format, path, out), extracts each file and writes the
outcome as JSON to `out`, and says "done" on its standard output. Usage:
python -m searchd.formats.child LIMITS_JSON"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
from pathlib import Path

from ..errors import SeedError
from . import Extracted, extractor


def main(limits: dict[str, int]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    for line in sys.stdin:
        job = json.loads(line)
        answer = _answer(job["format"], Path(job["path"]), limits)
        Path(job["out"]).write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
        sys.stdout.write("done\n")
        sys.stdout.flush()


def _answer(fmt: str, path: Path, limits: dict[str, int]) -> dict[str, object]:
    try:
        return {"found": dataclasses.asdict(_read(fmt, path, limits))}
    except MemoryError:
        return {"error": f"needs more than {limits['memory'] >> 20} MB of memory to read; "
                         "not indexed"}
    except SeedError as exc:
        return {"error": str(exc)}
    except OSError as exc:
        return {"error": f"cannot read: {exc.strerror or exc}; not indexed"}
    except Exception as exc:  # noqa: BLE001 - a reader's own failure: one line, file skipped
        return {"error": f"cannot be read ({type(exc).__name__}: {str(exc)[:200]}); "
                         "not indexed"}


def _read(fmt: str, path: Path, limits: dict[str, int]) -> Extracted:
    from .. import failpoints
    from ..documents import checksum, read_regular

    failpoints.reached("extract:read", path.name)
    failpoints.stalled("extract:stall", path.name)
    data = read_regular(path, limits["bytes"])
    found = dataclasses.replace(extractor(fmt)(data), checksum=checksum(data))
    if len(found.text) > limits["chars"]:
        cut = found.text.rfind(" ", 0, limits["chars"])
        found = dataclasses.replace(found, text=found.text[:cut if cut > 0 else limits["chars"]])
    return found


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
