"""The reading process of one file (isolation.py starts it): limits itself, reads the
file, extracts it and writes the outcome as JSON to the file it was given. Usage:
python -m searchd.formats.child FORMAT PATH OUT LIMITS_JSON"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
from pathlib import Path

from ..errors import SeedError
from . import Extracted, extractor


def main(fmt: str, path: str, out: str, limits: dict[str, int]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"]))
    answer: dict[str, object]
    try:
        answer = {"found": dataclasses.asdict(_read(fmt, Path(path), limits))}
    except MemoryError:
        answer = {"error": f"needs more than {limits['memory'] >> 20} MB of memory to read; "
                           "not indexed"}
    except SeedError as exc:
        answer = {"error": str(exc)}
    except OSError as exc:
        answer = {"error": f"cannot read: {exc.strerror or exc}; not indexed"}
    except Exception as exc:  # noqa: BLE001 - a reader's own failure: one line, file skipped
        answer = {"error": f"cannot be read ({type(exc).__name__}: {str(exc)[:200]}); "
                           "not indexed"}
    Path(out).write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")


def _read(fmt: str, path: Path, limits: dict[str, int]) -> Extracted:
    from ..documents import read_regular

    found = extractor(fmt)(read_regular(path, limits["bytes"]))
    if len(found.text) > limits["chars"]:
        cut = found.text.rfind(" ", 0, limits["chars"])
        found = dataclasses.replace(found, text=found.text[:cut if cut > 0 else limits["chars"]])
    return found


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
