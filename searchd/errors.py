"""The exceptions searchd raises; the CLI and the web translate them at the edges."""


class SearchdError(Exception):
    """Base class of every error searchd reports to a user."""

    hint: str = ""


class ConfigError(SearchdError):
    """The configuration file is missing, unreadable or holds a bad value."""

    hint = "Check config.toml (or the file named by --config / SEARCHD_CONFIG)."


class NoIndexError(SearchdError):
    """There is no index to search yet."""

    hint = "Run `searchd index` first."


class IndexLockedError(SearchdError):
    """Another process is writing the index."""

    hint = "Wait for the other `searchd index` or watcher to finish, then try again."


class DocumentNotFound(SearchdError):
    """No indexed document has the requested id."""


class QueryError(SearchdError):
    """A query or one of its parameters cannot be used."""


class SeedError(SearchdError):
    """A seed file cannot be read as a document; it is skipped."""

    checksum = ""  # of the file's bytes, when they were read (its extraction is kept)


class QueryCostError(QueryError):
    """A query would need more work than one search may do."""

    hint = "Use fewer or rarer words, phrases or patterns."


class BusyError(SearchdError):
    """The service is too busy with costly searches to take another one now."""

    hint = "Try again in a moment."


class UnavailableError(SearchdError):
    """A file the request needs cannot be written or read now (a full disk, a damaged or
    locked database); nothing was changed."""

    hint = "Try again later; the log names the cause."
