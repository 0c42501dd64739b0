"""The ALF path grammar: its parts, parsers that explain failures, and name building.

An ALF path reads::

    (lab/Subjects/)subject/date/number/(collection/)(#revision#/)(_namespace_)object.attribute(_timescale)(.extra).extension

This module is the single model of that grammar in alflint. It is faithful to the grammar
ONE-api implements (``one.alf.spec`` / ``one.alf.path``): every name ONE accepts and parses as
its authors intended parses here into the same parts. Conventions (camelCase, lower-case
extensions, the ``_timestamps`` suffix) are left to the rules. Where ONE's regular expressions
misread a name, we reject it with a precise reason instead of guessing (see
``DELIBERATE_DIFFERENCES``).

Only the standard library is imported here: parsing must start instantly in pre-commit hooks.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple, Sequence

from .exceptions import ALFInvalid

__all__ = [
    "PARTS",
    "PART_DESCRIPTIONS",
    "DELIBERATE_DIFFERENCES",
    "AlfParts",
    "Reason",
    "path_pattern",
    "describe",
    "parse_filename",
    "try_parse_filename",
    "split_collection",
    "parse_rel_path",
    "parse_session_path",
    "parse_path",
    "filename_reasons",
    "rel_path_reasons",
    "collection_reasons",
    "session_path_reasons",
    "lab_reasons",
    "check_lab",
    "path_reasons",
    "is_valid",
    "is_session_path",
    "to_alf",
    "dromedary",
    "LOADABLE_EXTENSIONS",
]

# --------------------------------------------------------------------------------------------
# The parts
# --------------------------------------------------------------------------------------------

#: The 13 parts of the template, in the order they appear.
PARTS: tuple[str, ...] = (
    "lab", "Subjects", "subject", "date", "number", "collection", "revision",
    "namespace", "object", "attribute", "timescale", "extra", "extension",
)

#: One description per part: what it is, which characters it takes, whether it is optional.
PART_DESCRIPTIONS: dict[str, str] = {
    "lab": (
        "Optional. The laboratory that owns the data, as a folder above `Subjects`. Letters, "
        "digits and underscores only (no hyphens, dots or spaces). A lab folder is only "
        "recognised when the next folder is exactly `Subjects`."
    ),
    "Subjects": (
        "Optional, but required when data are organised by lab: the literal folder name "
        "`Subjects` (capital S) between the lab and the subject folders."
    ),
    "subject": (
        "Required in a session path. The subject (animal) name. Letters, digits, underscores, "
        "hyphens and dots (`NYU-001`, `KS005`); no spaces."
    ),
    "date": (
        "Required in a session path. The day of the experiment as an ISO 8601 calendar date, "
        "`YYYY-MM-DD` with ASCII digits; it must exist in the calendar (`2021-02-30` does not)."
    ),
    "number": (
        "Required in a session path. The session number on that day, one to three ASCII "
        "digits. Pad it to three digits (`001`): ONE rebuilds session paths with three-digit "
        "padding, so unpadded folders are indexed but do not load."
    ),
    "collection": (
        "Optional. One or more folders between the session and the file (`alf/probe00`), used "
        "when a session holds several datasets of the same kind. Each folder takes letters, "
        "digits, underscores, hyphens and dots, but may not be empty, `.`, `..` or hidden "
        "(start with a dot). A file directly in the session folder has no collection."
    ),
    "revision": (
        "Optional. A folder `#label#`, the last folder before the file (after any collection), "
        "holding a newer version of datasets. The label takes letters, digits, underscores, "
        "hyphens and dots; use an ISO date (`#2021-07-05#`, optionally with a letter suffix "
        "such as `#2021-07-05a#`) because revisions are ordered as plain strings."
    ),
    "namespace": (
        "Optional. A prefix `_name_` at the start of the filename marking data from a "
        "particular pipeline or format (`_ibl_`, `_phy_`, `_spikeglx_`). ASCII letters and "
        "digits only, conventionally lower case, written between two underscores."
    ),
    "object": (
        "Required. What the data describe, plural and camelCase (`spikes`, `trials`, "
        "`wheelMoves`). Letters, digits and underscores; every file of an object shares its "
        "first dimension, like columns of one table."
    ),
    "attribute": (
        "Required. The property of the object held in the file, camelCase (`times`, "
        "`clusters`, `goCue_times`). ASCII letters and digits; the only underscores allowed "
        "are the suffixes `_times` and `_intervals` and a deprecated `_xxx_` prefix. "
        "`times` are event times in seconds, `intervals` two columns of start and end, "
        "`timestamps` the times of a continuous signal."
    ),
    "timescale": (
        "Optional. `_name` after the attribute when times are not on the session's universal "
        "clock (`spikes.times_ephysClock.npy`). Letters, digits and underscores. Note that any "
        "other `_suffix` after a plain attribute is read as a timescale (`duration_ms`, "
        "`attr_timestamps`)."
    ),
    "extra": (
        "Optional, repeatable. Further dot-separated parts between the attribute and the "
        "extension (`.raw`, a UUID, `.part1`). Letters, digits, underscores and hyphens; no "
        "part may be empty. Files that differ only by extra parts are concatenated in "
        "lexicographic order of those parts."
    ),
    "extension": (
        "Required. The file format after the last dot (`npy`, `json`, `pqt`, `csv`). Letters, "
        "digits and underscores, lower case: ONE chooses its loader from the exact suffix."
    ),
}

#: Where alflint deliberately differs from ONE's regular expressions: names ONE accepts but
#: misreads (or accepts against its own intent) are rejected here with a precise reason.
DELIBERATE_DIFFERENCES: dict[str, str] = {
    "non-ascii": "Any non-ASCII character is rejected; ONE's `\\w` and `\\d` accept Unicode letters and digits.",
    "whitespace": "Leading or trailing whitespace or newline is rejected; ONE's `$` accepts a trailing newline.",
    "leading-slash": "A relative path may not start with `/`; ONE reads `/abs` as a collection.",
    "underscore-prefix": "A filename starting with `_` must hold a complete `_namespace_` and an object; ONE reads "
                         "`_obj.attr.npy` as namespace `ob`, object `j`, and `__obj`/`_ns_.attr` as other objects.",
    "empty-extra": "An empty extra part (`obj.attr.part1..npy`) is rejected; ONE accepts it as extra `part1.`.",
    "collection-segments": "Collection folders may not be empty (`alf//x`), `.`, `..` or hidden (`.git`); ONE's collection pattern accepts them.",
    "partial-folder": "Session folders must match as whole folders: ONE's search reads `my-lab` as lab `lab` and `sub j` as subject `j`; alflint reports the illegal character.",
    "calendar-date": "The date must exist in the calendar; ONE's pattern accepts `2021-02-30` (and its cache builder then crashes).",
    "lenient-folders": "The folders below the session in a full path are parsed as a relative path is (`alf/#rev#/sub/`, "
                       "`##`, `a b` are reported); ONE's `full_path_parts` searches them leniently and drops what does "
                       "not parse (`001/##/x.y.z` gives no revision, `alf/#a#/#b#/` revision `a`), although its "
                       "`rel_path_parts` rejects them.",
    "unnormalised-path": "An empty folder (`//`) or `.` inside a session or full path is reported; ONE's "
                         "`full_path_parts` collapses them through `pathlib` (`lab//Subjects/s/...` gives lab `lab`, "
                         "`001/./alf` collection `alf`) while its `is_session_path` and `rel_path_parts` do not.",
    "folder-path": "`parse_path` accepts a path to a collection folder (`subj/2021-01-01/001/alf/probe00`), which ONE's `full_path_parts` rejects.",
}

#: Extensions ONE's loaders turn into data (the rest load as a path).
LOADABLE_EXTENSIONS = frozenset(
    {"npy", "npz", "json", "jsonable", "pqt", "csv", "tsv", "ssv", "htsv", "yaml", "yml", "sparse_npz"}
)


class AlfParts(NamedTuple):
    """The 12 parsed parts of an ALF path (``None`` where a part is absent).

    ``extra`` holds all extra parts joined with ``.``. The field order is ONE's tuple order.
    """

    lab: str | None = None
    subject: str | None = None
    date: str | None = None
    number: str | None = None
    collection: str | None = None
    revision: str | None = None
    namespace: str | None = None
    object: str | None = None
    attribute: str | None = None
    timescale: str | None = None
    extra: str | None = None
    extension: str | None = None

    @property
    def session_parts(self) -> tuple[str | None, str | None, str | None, str | None]:
        return self.lab, self.subject, self.date, self.number

    @property
    def filename(self) -> str | None:
        """The filename rebuilt from its parts, or ``None`` without object."""
        if self.object is None:
            return None
        ns = f"_{self.namespace}_" if self.namespace else ""
        ts = f"_{self.timescale}" if self.timescale else ""
        extra = f".{self.extra}" if self.extra else ""
        return f"{ns}{self.object}.{self.attribute}{ts}{extra}.{self.extension}"

    @property
    def rel_path(self) -> str | None:
        """``collection/#revision#/filename`` relative to the session, or ``None`` without file."""
        name = self.filename
        if name is None:
            return None
        folders = [f for f in (self.collection, f"#{self.revision}#" if self.revision else None) if f]
        return "/".join([*folders, name])

    @property
    def session_path(self) -> str | None:
        """``(lab/Subjects/)subject/date/number`` as written, or ``None`` without session."""
        if self.subject is None:
            return None
        lab = f"{self.lab}/Subjects/" if self.lab else ""
        return f"{lab}{self.subject}/{self.date}/{self.number}"


class Reason(NamedTuple):
    """Why a name or folder is not ALF: the part concerned and a sentence for people."""

    part: str
    message: str

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------
# Patterns. The part patterns are those of the ALF grammar; names are checked for non-ASCII
# characters first, so ASCII matching gives the same answers as ONE on everything we accept.
# --------------------------------------------------------------------------------------------

_A = re.ASCII
_LAB = re.compile(r"\w+", _A)
_SUBJECT = re.compile(r"[\w.-]+", _A)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", _A)
_NUMBER = re.compile(r"\d{1,3}", _A)
_SEGMENT = re.compile(r"[\w.-]+", _A)
_REVISION_LABEL = re.compile(r"[\w.-]+", _A)
_NAMESPACE = re.compile(r"[a-zA-Z0-9]+", _A)
_OBJECT = re.compile(r"\w+", _A)
_ATTRIBUTE_PATTERN = r"(?:_[a-z]+_)?[a-zA-Z0-9]+(?:_times(?=[_.])|_intervals(?=[_.]))?"
_EXTRA_PART = re.compile(r"[\w-]+", _A)
_EXTENSION = re.compile(r"\w+", _A)

#: The filename grammar. Identical to ONE's from the attribute on; the namespace is only
#: taken when it is complete (``_ns_``), which is where ONE's optional underscores backtrack.
_FILENAME = re.compile(
    r"(?:_(?P<namespace>[a-zA-Z0-9]+)_)?(?P<object>\w+)"
    rf"\.(?P<attribute>{_ATTRIBUTE_PATTERN})(?:_(?P<timescale>\w+))?"
    r"(?:\.(?P<extra>[.\w-]+))*\.(?P<extension>\w+)\Z",
    _A,
)
#: ONE's own filename pattern, used only to explain how ONE would misread a name (compiled on
#: first use through ``re``'s cache: it is not needed to parse).
_ONE_FILENAME = (
    r"_?(?P<namespace>(?<=_)[a-zA-Z0-9]+)?_?(?P<object>\w+)"
    rf"\.(?P<attribute>{_ATTRIBUTE_PATTERN})(?:_(?P<timescale>\w+))?"
    r"(?:\.(?P<extra>[.\w-]+))*\.(?P<extension>\w+)\Z"
)
_REVISION_FOLDER = re.compile(r"#(.*)#\Z", re.DOTALL)
#: Session folder shapes, Unicode-aware like ONE's ``\d`` so that a non-ASCII digit is reported
#: as such rather than as a missing session.
_DIGITS = re.compile(r"\d+\Z")
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")

_PATTERN = (
    "(lab/Subjects/)subject/date/number/(collection/)(#revision#/)"
    "(_namespace_)object.attribute(_timescale)(.extra).extension"
)


def path_pattern() -> str:
    """The ALF path template, with optional parts in brackets."""
    return _PATTERN


def describe(part: str | None = None, width: int = 99) -> str:
    """Print (and return) the path template; with ``part``, carets under it and its description.

    Raises ``ValueError`` listing the valid parts when ``part`` is unknown.
    """
    lines = [_PATTERN]
    if part is not None:
        if part not in PART_DESCRIPTIONS:
            raise ValueError(f"unknown ALF part {part!r}; valid parts: {', '.join(PARTS)}")
        match = re.search(rf"(?<![A-Za-z]){re.escape(part)}(?![A-Za-z])", _PATTERN)
        assert match is not None  # every part name appears in the template
        lines.append(" " * match.start() + "^" * len(part))
        lines.append("")
        lines.append(part.upper())
        import textwrap  # only needed here; keeps the module import light

        lines.extend(textwrap.wrap(PART_DESCRIPTIONS[part], width=width))
    text = "\n".join(lines)
    print(text)
    return text


# --------------------------------------------------------------------------------------------
# Reasons
# --------------------------------------------------------------------------------------------


def _as_text(path: str | os.PathLike) -> str:
    if isinstance(path, str):
        return path
    if hasattr(path, "as_posix"):
        return path.as_posix()
    if isinstance(path, os.PathLike):
        return os.fspath(path)
    raise TypeError(f"expected a str or path, not {type(path).__name__}")


def _describe_char(ch: str) -> str:
    names = {" ": "space", "\n": "newline", "\r": "carriage return", "\t": "tab"}
    if ch in names:
        return names[ch]
    if ch.isspace():
        return f"whitespace {ch!r}"
    return f"illegal character {ch!r}"


def _edge_reasons(text: str, what: str) -> tuple[str, list[Reason]]:
    """Reasons for an empty text or whitespace at either end; returns the stripped text too."""
    if text == "":
        return text, [Reason(what, f"empty {what}")]
    reasons = []
    if text[0].isspace():
        reasons.append(Reason(what, f"leading {_describe_char(text[0])} in {what} {text!r}"))
    if text[-1].isspace():
        reasons.append(Reason(what, f"trailing {_describe_char(text[-1])} in {what} {text!r}"))
    return text.strip(), reasons


def _char_reasons(value: str, part: str, allowed: re.Pattern, allowed_text: str) -> list[Reason]:
    """One reason per kind of character of ``value`` that ``allowed`` does not accept."""
    if allowed.fullmatch(value):  # the common, valid case (patterns are ASCII-only)
        return []
    reasons = []
    non_ascii = sorted({c for c in value if not c.isascii()})
    if non_ascii:
        chars = ", ".join(repr(c) for c in non_ascii)
        reasons.append(Reason(part, f"non-ASCII character {chars} in {part} {value!r}: ALF names are ASCII"))
    seen = []
    for ch in value:
        if ch.isascii() and not allowed.fullmatch(ch) and ch not in seen:
            seen.append(ch)
            reasons.append(Reason(part, f"{_describe_char(ch)} in {part} {value!r} ({part} takes {allowed_text})"))
    return reasons


_ATTRIBUTE_TOKEN = re.compile(rf"{_ATTRIBUTE_PATTERN}(?:_\w+)?\.\Z", _A)
_WORD_CHAR = re.compile(r"\w", _A)


def filename_reasons(name: str | os.PathLike) -> list[Reason]:
    """Why ``name`` is not an ALF filename; an empty list when it is one."""
    name, reasons = _edge_reasons(_as_text(name), "filename")
    return reasons + _filename_body_reasons(name) if name else reasons


def _filename_body_reasons(name: str) -> list[Reason]:
    if "/" in name:
        return [Reason("filename", f"'/' in filename {name!r}: a filename holds no folders")]
    tokens = name.split(".")
    if len(tokens) < 3:
        dots = "no dot" if len(tokens) == 1 else "one dot"
        return [Reason("extension", f"no extension: an ALF filename is object.attribute.extension ({name!r} has {dots})")]
    head, attribute, *extras, extension = tokens
    if head == "":  # the rest of a hidden file's name is not worth explaining
        return [Reason("object", f"empty object: {name!r} starts with '.' (a hidden file)")]
    reasons = _head_reasons(head, name) + _attribute_reasons(attribute)
    for extra in extras:
        if extra == "":
            reasons.append(Reason("extra", f"empty extra part in {name!r} (two dots in a row)"))
        else:
            reasons += _char_reasons(extra, "extra", _EXTRA_PART, "letters, digits, '_' and '-'")
    if extension == "":
        reasons.append(Reason("extension", f"empty extension: {name!r} ends with '.'"))
    else:
        reasons += _char_reasons(extension, "extension", _EXTENSION, "letters, digits and '_'")
    if not reasons and _FILENAME.match(name) is None:  # pragma: no cover - the token checks are complete
        reasons.append(Reason("filename", f"{name!r} is not (_namespace_)object.attribute(_timescale)(.extra).extension"))
    return reasons


def _head_reasons(head: str, name: str) -> list[Reason]:
    """Reasons for the part before the first dot: ``(_namespace_)object``."""
    if not head.startswith("_"):
        return _char_reasons(head, "object", _OBJECT, "letters, digits and '_'")
    match = re.fullmatch(r"_([^_]+)_(.*)", head, re.DOTALL)
    if match is None:
        one = re.match(_ONE_FILENAME, name, _A)
        how = f"ONE would read it as namespace {one['namespace']!r}, object {one['object']!r}" if one else "no closing '_'"
        return [Reason("namespace", f"{name!r} starts with '_' but has no complete _namespace_ ({how})")]
    namespace, obj = match.groups()
    reasons = _char_reasons(namespace, "namespace", _NAMESPACE, "ASCII letters and digits")
    if obj == "":
        one = re.match(_ONE_FILENAME, name, _A)
        how = f"; ONE would read object {one['object']!r}" if one else ""
        reasons.append(Reason("object", f"namespace '_{namespace}_' is not followed by an object in {name!r}{how}"))
    else:
        reasons += _char_reasons(obj, "object", _OBJECT, "letters, digits and '_'")
    return reasons


def _attribute_reasons(token: str) -> list[Reason]:
    """Reasons for ``attribute(_timescale)``, the text between the first two dots."""
    if token == "":
        return [Reason("attribute", "empty attribute (two dots in a row after the object)")]
    reasons = _char_reasons(token, "attribute", _WORD_CHAR, "ASCII letters and digits")
    if reasons or _ATTRIBUTE_TOKEN.match(token + "."):
        return reasons
    if token.startswith("_"):
        return [Reason("attribute", f"attribute {token!r} starts with '_' (only the deprecated _xxx_ prefix may)")]
    if token.endswith("_"):
        return [Reason("attribute", f"attribute {token!r} ends with '_' (an empty timescale)")]
    # unreachable: any other run of ASCII word characters reads as attribute(_timescale)
    return [Reason("attribute", f"attribute {token!r} is not letters and digits with an optional _timescale")]  # pragma: no cover


def collection_reasons(collection: str | os.PathLike) -> list[Reason]:
    """Why ``collection`` (folders below the session, no revision) is not an ALF collection."""
    collection, reasons = _edge_reasons(_as_text(collection), "collection")
    if not collection:
        return reasons
    if collection.startswith("/"):
        reasons.append(Reason("collection", f"collection {collection!r} starts with '/': paths are relative to the session"))
        collection = collection[1:]
    for segment in collection.split("/"):
        reasons += _segment_reasons(segment, collection)
    return reasons


def _segment_reasons(segment: str, collection: str) -> list[Reason]:
    if segment == "":
        return [Reason("collection", f"empty folder name in collection {collection!r} ('//' or a trailing '/')")]
    if segment in (".", ".."):
        return [Reason("collection", f"folder {segment!r} in collection {collection!r}: collections name real folders")]
    if segment.startswith("."):
        return [Reason("collection", f"hidden folder {segment!r} in collection {collection!r}")]
    if "#" in segment:
        return [Reason("collection", f"'#' in folder {segment!r}: a revision folder is written #label#")]
    return _char_reasons(segment, "collection", _SEGMENT, "letters, digits, '_', '-' and '.'")


def _revision_reasons(label: str) -> list[Reason]:
    if label == "":
        return [Reason("revision", "empty revision label '##'")]
    if "#" in label:
        return [Reason("revision", f"'#' inside revision label {label!r}")]
    return _char_reasons(label, "revision", _REVISION_LABEL, "letters, digits, '_', '-' and '.'")


def _split_folders(folders: list[str], where: str) -> tuple[str | None, str | None, list[Reason]]:
    """Split the folders below a session into collection and revision, with their reasons."""
    revisions = [i for i, f in enumerate(folders) if len(f) >= 2 and _REVISION_FOLDER.match(f)]
    reasons: list[Reason] = []
    revision = None
    if revisions:
        revision = folders[revisions[0]][1:-1]
        reasons += _revision_reasons(revision)
        if len(revisions) > 1:
            reasons.append(Reason("revision", f"more than one revision folder in {where!r}: only one #revision# is allowed"))
        elif revisions[0] != len(folders) - 1:
            after = "/".join(folders[revisions[0] + 1:])
            reasons.append(Reason("revision", f"revision folder must be the last folder: {folders[revisions[0]]!r} is followed by {after!r}"))
    collection_folders = [f for i, f in enumerate(folders) if i not in revisions]
    collection = "/".join(collection_folders) if collection_folders else None
    if collection is not None:
        reasons += [r for f in collection_folders for r in _segment_reasons(f, collection)]
    return collection, revision, reasons


def rel_path_reasons(rel: str | os.PathLike) -> list[Reason]:
    """Why ``rel`` is not a session-relative ALF path ``(collection/)(#revision#/)filename``."""
    return _parse_rel(_as_text(rel))[1]


def _parse_rel(rel: str) -> tuple[AlfParts | None, list[Reason]]:
    rel, reasons = _edge_reasons(rel, "path")
    if not rel:
        return None, reasons
    if rel.startswith("/"):
        reasons.append(Reason("collection", f"{rel!r} starts with '/': a session-relative path may not"))
        rel = rel.lstrip("/")
    *folders, filename = rel.split("/")
    collection, revision, folder_reasons = _split_folders(folders, rel)
    reasons += folder_reasons
    reasons += _filename_body_reasons(filename) if filename else [Reason("filename", f"no filename in {rel!r}")]
    if reasons:
        return None, reasons
    return _filename_parts(filename)._replace(collection=collection, revision=revision), []


def _filename_parts(name: str) -> AlfParts:
    match = _FILENAME.match(name)
    assert match is not None  # guaranteed by the token checks
    return AlfParts(**match.groupdict())


def _session_reasons(folders: Sequence[str], at: int) -> list[Reason]:
    """Reasons for the session folders around ``folders[at]`` (the date) and the lab."""
    subject, date, number = folders[at - 1], folders[at], folders[at + 1]
    if subject:
        reasons = _char_reasons(subject, "subject", _SUBJECT, "letters, digits, '_', '-' and '.'")
    else:
        reasons = [Reason("subject", "empty subject folder")]
    if not date.isascii():
        reasons += _char_reasons(date, "date", _DATE_CHAR, "ASCII digits and '-'")
    else:
        import datetime  # only needed here; keeps the module import light

        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            reasons.append(Reason("date", f"{date} is not a date"))
    if not number.isascii():
        reasons += _char_reasons(number, "number", _DIGIT_CHAR, "ASCII digits")
    if len(number) > 3:
        reasons.append(Reason("number", f"number {number!r} has more than 3 digits"))
    lab = _lab(folders, at)
    if lab == "":
        reasons.append(Reason("lab", "empty lab folder ('//' before Subjects)"))
    elif lab is not None:
        reasons += lab_reasons(lab)
    return reasons


def lab_reasons(lab: str) -> list[Reason]:
    """Why ``lab`` is not the name of a lab folder (letters, digits and '_')."""
    if not lab:
        return [Reason("lab", "empty lab name")]
    return _char_reasons(lab, "lab", _LAB, "letters, digits and '_'")


def check_lab(lab: str) -> None:
    """Raise :class:`~alflint.exceptions.ALFInvalid` (a ``ValueError``, with ``.reasons``)
    when ``lab`` is not the name of a lab folder: a lab given for sessions without one."""
    reasons = lab_reasons(lab)
    if reasons:
        raise ALFInvalid(f"lab {lab!r} is not an ALF lab name", reasons)


_DATE_CHAR = re.compile(r"[0-9-]", _A)
_DIGIT_CHAR = re.compile(r"[0-9]", _A)


def _lab(folders: Sequence[str], at: int) -> str | None:
    """The lab folder of the session whose date is ``folders[at]``, if ``lab/Subjects/`` precedes it.

    ``/Subjects/subject/...`` (``Subjects`` at the root of an absolute path) has no lab, as in
    ONE; an empty folder before ``Subjects`` elsewhere (``lab//Subjects``) is returned as ``''``.
    """
    if at >= 3 and folders[at - 2] == "Subjects":
        lab = folders[at - 3]
        if lab or any(folders[: at - 3]):
            return lab
    return None


def _find_session(folders: Sequence[str]) -> int | None:
    """Index of the first date-shaped folder with a folder before it and digits after it."""
    for i in range(1, len(folders) - 1):
        if _DATE_SHAPE.match(folders[i]) and _DIGITS.match(folders[i + 1]):
            return i
    return None


def _session_parts(folders: Sequence[str], at: int) -> AlfParts:
    return AlfParts(lab=_lab(folders, at) or None, subject=folders[at - 1], date=folders[at], number=folders[at + 1])


def session_path_reasons(path: str | os.PathLike) -> list[Reason]:
    """Why ``path`` is not a session path ``(lab/Subjects/)subject/date/number``."""
    return _parse_session(_as_text(path))[1]


def _parse_session(text: str) -> tuple[AlfParts | None, list[Reason]]:
    text, reasons = _edge_reasons(text, "session path")
    if not text:
        return None, reasons
    folders = text.rstrip("/").split("/")
    at = len(folders) - 2
    if at < 1 or not (_DATE_SHAPE.match(folders[at]) and _DIGITS.match(folders[at + 1])):
        found = _find_session(folders)
        if found is not None:
            tail = "/".join(folders[found + 2:])
            return None, reasons + [Reason("session", f"{text!r} continues after the session number ({tail!r})")]
        return None, reasons + [Reason("session", f"{text!r} does not end in subject/date/number (date YYYY-MM-DD, number 1 to 3 digits)")]
    reasons += _session_reasons(folders, at)
    return (None, reasons) if reasons else (_session_parts(folders, at), [])


def path_reasons(path: str | os.PathLike) -> list[Reason]:
    """Why ``path`` is not a full ALF path (session, optional collection and revision, file)."""
    return _parse_full(_as_text(path))[1]


def _parse_full(text: str) -> tuple[AlfParts | None, list[Reason]]:
    text, reasons = _edge_reasons(text, "path")
    if not text:
        return None, reasons
    body = text.rstrip("/")  # a trailing '/' changes nothing, as for ONE (pathlib drops it)
    if not body:
        return None, reasons + [Reason("path", f"{text!r} names no folder or file")]
    if "/" not in body:  # a bare filename
        reasons += _filename_body_reasons(body)
        return (None, reasons) if reasons else (_filename_parts(body), [])
    folders = body.split("/")
    filename = folders.pop() if folders[-1].count(".") >= 2 else None
    at = _find_session(folders)
    if at is None:
        return None, reasons + [Reason("session", f"no session folders (subject/date/number) in {text!r}")]
    reasons += _session_reasons(folders, at)
    below = folders[at + 2:]
    collection, revision, folder_reasons = _split_folders(below, "/".join(below))
    reasons += folder_reasons
    parts = _session_parts(folders, at)._replace(collection=collection, revision=revision)
    if filename is not None:
        reasons += _filename_body_reasons(filename)
        if not reasons:
            name = _filename_parts(filename)
            parts = parts._replace(**{k: v for k, v in name._asdict().items() if v is not None})
    return (None, reasons) if reasons else (parts, [])


# --------------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------------


def _raise_or(parts: AlfParts | None, reasons: list[Reason], what: str, text: str) -> AlfParts:
    if reasons or parts is None:
        raise ALFInvalid(f"{text!r} is not {what}", reasons)
    return parts


def parse_filename(name: str | os.PathLike) -> AlfParts:
    """Parse an ALF filename; only the filename fields of the record are set.

    Raises :class:`~alflint.exceptions.ALFInvalid` (with ``.reasons``) for an invalid name.
    """
    text = _as_text(name)
    parts = try_parse_filename(text)
    if parts is not None:
        return parts
    raise ALFInvalid(f"{text!r} is not an ALF filename", filename_reasons(text))


def try_parse_filename(name: str) -> AlfParts | None:
    """The parts of a valid ALF filename, or ``None``: the fast path for walking large trees.

    Equivalent to ``parse_filename`` without the reasons (``filename_reasons`` explains a
    ``None``). The grammar is ASCII, so a match already excludes non-ASCII and whitespace;
    the remaining deliberate rejections are an empty extra part and a leading ``_`` without a
    complete namespace.
    """
    match = _FILENAME.match(name)
    if match is None or ".." in name or (name[0] == "_" and match["namespace"] is None):
        return None
    return AlfParts(*_NO_SESSION, *match.groups())


_NO_SESSION = (None,) * 6


def parse_rel_path(path: str | os.PathLike) -> AlfParts:
    """Parse ``(collection/)(#revision#/)filename``, a path relative to the session folder."""
    text = _as_text(path)
    return _raise_or(*_parse_rel(text), "a session-relative ALF path", text)


def parse_session_path(path: str | os.PathLike) -> AlfParts:
    """Parse a path ending in ``(lab/Subjects/)subject/date/number``; folders above are ignored."""
    text = _as_text(path)
    return _raise_or(*_parse_session(text), "an ALF session path", text)


def parse_path(path: str | os.PathLike) -> AlfParts:
    """Parse a full ALF path to a file, a collection folder or a session.

    Folders above the session are ignored. A last component with fewer than two dots is read
    as a folder, as ONE does; a bare filename (no ``/``) is parsed as a filename.
    """
    text = _as_text(path)
    return _raise_or(*_parse_full(text), "an ALF path", text)


def is_valid(filename: str | os.PathLike) -> bool:
    """True when ``filename`` is a valid ALF filename."""
    return not filename_reasons(filename)


def is_session_path(path: str | os.PathLike) -> bool:
    """True when ``path`` ends in a valid ``(lab/Subjects/)subject/date/number``."""
    return not session_path_reasons(path)


# --------------------------------------------------------------------------------------------
# Building names
# --------------------------------------------------------------------------------------------

_ACRONYM = re.compile(r"[A-Z]+s?\Z")
_KEPT_SUFFIX = re.compile(r"(.*?)(_times|_timestamps|_intervals)\Z", re.DOTALL)


def dromedary(text: str) -> str:
    """camelCase words split on ``_`` and whitespace, keeping acronyms (``'mpci ROIs'`` -> ``mpciROIs``).

    A single word only has its first letter lowered (``'FooBar'`` -> ``'fooBar'``).
    """
    words = re.split(r"[_\s]+", text)
    if len(words) == 1:
        return text[:1].lower() + text[1:]
    first, *rest = words
    out = first if _ACRONYM.match(first) else first.lower()
    return out + "".join(w if _ACRONYM.match(w) else w.capitalize() for w in rest)


def to_alf(
    object: str,
    attribute: str,
    extension: str,
    namespace: str | None = None,
    timescale: str | Sequence[str] | None = None,
    extra: str | Sequence[str] | None = None,
) -> str:
    """Build an ALF filename from its parts, camel-casing object, attribute and timescale as ONE does.

    ``to_alf('wheel moves', 'peak_amplitude', 'npy')`` gives ``'wheelMoves.peakAmplitude.npy'``.
    A trailing ``_times``, ``_timestamps`` or ``_intervals`` of the attribute is kept as is
    (note that the grammar then reads ``_timestamps`` as a timescale). ``extra`` may be a
    dotted string or a sequence of parts; ``timescale`` a string or a sequence joined by ``_``.
    Raises ``TypeError`` without an extension and ``ValueError`` (:class:`ALFInvalid`) when
    the parts cannot form a valid ALF filename.
    """
    if not extension:
        raise TypeError("to_alf() needs an extension")
    extension = extension[1:] if extension.startswith(".") else extension
    for label, value in (("object", object), ("attribute", attribute), ("namespace", namespace), ("extension", extension)):
        if value is not None and "." in value:
            raise ValueError(f"{label} {value!r} contains '.'")
    if namespace and "_" in namespace:
        raise ValueError(f"namespace {namespace!r} contains '_'; give it without the surrounding underscores")
    if object.startswith("_"):
        raise ValueError(f"object {object!r} starts with '_'")
    suffix = _KEPT_SUFFIX.match(attribute)
    attr = dromedary(suffix.group(1)) + suffix.group(2) if suffix else dromedary(attribute)
    if isinstance(timescale, str):
        timescale = (timescale,)
    if timescale:
        for t in timescale:
            if "." in t:
                raise ValueError(f"timescale {t!r} contains '.'")
        attr += "_" + "_".join(dromedary(t) for t in timescale)
    if isinstance(extra, str):
        extra = tuple(extra.split("."))
    name = (f"_{namespace}_" if namespace else "") + dromedary(object) + "." + attr
    if extra:
        name += "." + ".".join(extra)
    name += "." + extension
    reasons = filename_reasons(name)
    if reasons:
        raise ALFInvalid(f"to_alf() cannot build a valid ALF filename ({name!r})", reasons)
    return name


def split_collection(folders: str) -> tuple[str | None, str | None, list[Reason]]:
    """Split the folders between a session and a file (``alf/probe00/#2021-07-05#``).

    Returns ``(collection, revision, reasons)``: ``None`` for an absent part and the reasons
    why the folders are not ``(collection/)(#revision#/)`` (empty when they are).
    """
    if folders == "":
        return None, None, []
    return _split_folders(folders.split("/"), folders)
