"""Exceptions raised by alflint, named as ONE names them so scripts can catch the same types.

``ALFInvalid`` additionally carries the reasons a name or folder is not ALF (a list of
:class:`alflint.spec.Reason`) and, when raised by a validating load, the :class:`Report`.
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = [
    "ALFError",
    "ALFInvalid",
    "ALFObjectNotFound",
    "ALFSessionNotFound",
    "ALFMultipleObjectsFound",
    "ALFMultipleCollectionsFound",
    "ALFMultipleRevisionsFound",
    "ALFWarning",
    "ConfigError",
]


class ALFError(Exception):
    """Base class of every alflint error about ALF data."""


class ALFInvalid(ALFError, ValueError):
    """A name, path or dataset breaks the ALF specification.

    ``reasons`` lists what is wrong (each with the part concerned); ``report`` is set when a
    validating load found errors in the files it was about to load.
    """

    def __init__(self, message: str, reasons: Iterable[Any] = (), report: Any = None):
        self.reasons = list(reasons)
        self.report = report
        detail = "; ".join(str(r) for r in self.reasons)
        super().__init__(f"{message}: {detail}" if detail else message)


class ALFObjectNotFound(ALFError):
    """No session, object, dataset or collection matches the request."""


class ALFSessionNotFound(ALFObjectNotFound, ValueError):
    """A session id names no session in the tables, or is no session id at all.

    Also a ``ValueError``: ONE raises ``ValueError`` for ids it cannot parse or resolve
    ("Invalid experiment ID", "Cannot parse session ID"), so scripts catching either keep
    working.
    """


class ALFMultipleObjectsFound(ALFError):
    """The request matches several objects or datasets where one was expected."""


class ALFMultipleCollectionsFound(ALFError):
    """The request matches datasets in several collections where one was expected."""


class ALFMultipleRevisionsFound(ALFError):
    """The request matches several revisions where one was expected."""


class ALFWarning(UserWarning):
    """Warning category for problems found while loading (filterable with ``warnings``)."""


class ConfigError(Exception):
    """The alflint configuration (file or options) is invalid; the message names the key."""
