"""The exceptions searchd raises; the CLI and the web translate them at the edges."""


class SearchdError(Exception):
    """Base class of every error searchd reports to a user: its message (English, for the
    CLI, the logs and the API), a machine-readable code and the details a translation of
    it needs (web/dutch.py: the page speaks Dutch)."""

    hint: str = ""
    code: str = "error"

    def __init__(self, message: str = "", code: str | None = None, **details: object) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.details = details


class ConfigError(SearchdError):
    """The configuration file is missing, unreadable or holds a bad value."""

    code = "config"

    hint = "Check config.toml (or the file named by --config / SEARCHD_CONFIG)."


class NoIndexError(SearchdError):
    """There is no index to search yet."""

    code = "no_index"

    hint = "Run `searchd index` first."


class IndexLockedError(SearchdError):
    """Another process is writing the index."""

    code = "index_locked"

    hint = "Wait for the other `searchd index` or watcher to finish, then try again."


class DocumentNotFound(SearchdError):
    """No indexed document has the requested id."""

    code = "not_found"


class QueryError(SearchdError):
    """A query or one of its parameters cannot be used."""

    code = "bad_query"


class SeedError(SearchdError):
    """A seed file cannot be read as a document; it is skipped."""

    code = "bad_file"

    checksum = ""  # of the file's bytes, when they were read (its extraction is kept)


class QueryCostError(QueryError):
    """A query would need more work than one search may do."""

    code = "too_costly"

    hint = "Use fewer or rarer words, phrases or patterns."


class BusyError(SearchdError):
    """The service is too busy with costly searches to take another one now."""

    code = "busy"

    hint = "Try again in a moment."


class UnavailableError(SearchdError):
    """A file the request needs cannot be written or read now (a full disk, a damaged or
    locked database); nothing was changed."""

    code = "unavailable"

    hint = "Try again later; the log names the cause."
