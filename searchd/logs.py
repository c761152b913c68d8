"""searchd's log lines: one format for all of them (text or JSON lines), to stderr, where
journald or docker collect them.

Events are logged with a message and fields (`event(log, "sync", seconds=0.2, ...)`): a text
line shows the message and the fields as key=value; a JSON line is one object with `time`,
`level`, `logger`, `message` and the fields. Loggers: `searchd.access` (a line per request,
when [server] access_log is on), `searchd.slow` (searches above [server] slow_search_ms),
`searchd.sync` and `searchd.watch` (syncs and the watcher).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

# What must never reach an operator's terminal or a log as it is: control characters (C0,
# DEL, C1: escape sequences, forged line breaks), lone surrogates (a file name that is not
# valid UTF-8) and the bidirectional overrides that reorder what a line shows.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_FIELDS = "searchd_fields"  # the LogRecord attribute that holds an event's fields
_HANDLER_NAME = "searchd"


class JsonFormatter(logging.Formatter):
    """A record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record.created), "level": record.levelname.lower(),
            "logger": record.name, "message": printable(record.getMessage())}
        line.update({key: printable(value) if isinstance(value, str) else value
                     for key, value in getattr(record, _FIELDS, {}).items()})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A record as `time level logger: message key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, _FIELDS, {})
        extra = "".join(f" {key}={_text_value(value)}" for key, value in fields.items())
        line = (f"{_timestamp(record.created)} {record.levelname.lower()} {record.name}: "
                f"{printable(record.getMessage())}{extra}")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _timestamp(created: float) -> str:
    """ISO 8601 in UTC with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + \
        f".{int(created % 1 * 1000):03d}Z"


def printable(text: str) -> str:
    """text with every character that could act on a terminal or break a line shown as an
    escape (\\x1b, \\n, \\udcff): what a searcher typed or a file was named, for the
    operator's eyes."""
    return _UNSAFE.sub(_escape, text)


def printable_text(text: str) -> str:
    """printable(), except that line breaks and tabs stay as they are (a document's body
    shown in a terminal)."""
    return _UNSAFE_TEXT.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _text_value(value: Any) -> str:
    """A field's value for a text line: escaped, and quoted when it holds a space or a
    quote."""
    text = printable(str(value))
    if not text or any(c in text for c in ' "='):
        return json.dumps(text, ensure_ascii=False)
    return text


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of a [server] log_format."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def setup(log_format: str, level: int = logging.INFO) -> None:
    """Send searchd's log lines to stderr in log_format (once per process; a second call
    only changes the format)."""
    root = logging.getLogger("searchd")
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    root.setLevel(level)


def event(log: logging.Logger, message: str, level: int = logging.INFO,
          **fields: Any) -> None:
    """Log message with fields (see the module docstring)."""
    if log.isEnabledFor(level):
        log.log(level, message, extra={_FIELDS: fields})
