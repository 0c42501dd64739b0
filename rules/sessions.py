"""ALF4xx: rules about the session layout ``(lab/Subjects/)subject/date/number``.

ONE finds every session again by rebuilding its path from the cache,
``<root>/(lab/Subjects/)subject/date/NNN``, so a session whose folders do not read exactly so
(relative to the repository root) is indexed but cannot be loaded, or not indexed at all.
Reasons come from :func:`alflint.spec.session_path_reasons` (``Session.reasons``).
"""

from __future__ import annotations

import os
import re

from alflint.rule import Finding, rule

from .filenames import is_os_junk

_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
#: Folders of code tooling, whose dotted file names are not data.
_TOOLING = frozenset({"__pycache__", "node_modules", "site-packages", "venv"})


def _reasons(session, part: str) -> list[str]:
    return [str(r) for r in session.reasons if r.part == part]


def _folders_in_root(session, collection) -> list[str]:
    """The session's folders that lie inside the checked root, from the top (``[]`` if none)."""
    root = collection.root.rstrip("/") + "/"
    if not session.abs_path.startswith(root):
        return []
    return session.abs_path[len(root):].split("/")


# --------------------------------------------------------------------------------------------
# ALF401: data outside sessions
# --------------------------------------------------------------------------------------------


@rule("ALF401", "dataset-outside-session", "error", "path", applies=lambda name, p, in_session: not in_session and p is not None)
def dataset_outside_session(dataset, ctx):
    """A dataset (a valid ALF file name) lies outside every session folder.

    **What it checks:** files with a valid ALF dataset name that are not below a session
    folder ``subject/YYYY-MM-DD/NNN``: data in a subject or date folder, or in a folder
    whose date or number is malformed. The message says what is missing where it can.
    Not reported: ONE's cache tables at the root (``sessions.pqt``, ``datasets.pqt``,
    ``cache_info.json``), names with fewer than two dots (``README.md``), names that are
    not ALF (``module.cpython-311.pyc``), hidden files, and files in hidden folders and code
    tooling folders (``__pycache__``, ``node_modules``, ``site-packages``, ``venv``); use
    ``exclude`` for other non-data folders.

    **Why it matters:** ONE only indexes files inside sessions: these are invisible to
    every list and load call.

    **Bad:** ``KS005/2019-04-01/spikes.times.npy`` (no session number folder),
    ``KS005/2019-4-1/001/spikes.times.npy`` (not an ISO date)

    **Good:** ``KS005/2019-04-01/001/alf/spikes.times.npy``
    """
    if dataset.session is not None or dataset.parts is None:
        return
    folders = dataset.rel.split("/")[:-1]
    if is_os_junk(dataset.name) or any(f.startswith(".") or f in _TOOLING for f in folders):
        return
    yield f"dataset outside any session folder (subject/YYYY-MM-DD/NNN): ONE does not index it; {_where(folders)}"


def _where(folders: list[str]) -> str:
    """What is wrong with the folders above a file that is in no session."""
    for i, folder in enumerate(folders):
        if _DATE_SHAPE.match(folder):
            if i + 1 == len(folders):
                return f"it is directly in the date folder {folder!r}, not in a numbered session folder ('{folder}/001')"
            return f"date folder {folder!r} is followed by {folders[i + 1]!r}, not by a session number (001)"
    if not folders:
        return "it is at the top of the checked folder"
    return "no folders above it read subject/YYYY-MM-DD/NNN (ISO date, 1 to 3 digits)"


# --------------------------------------------------------------------------------------------
# ALF402-ALF404: date and number
# --------------------------------------------------------------------------------------------


@rule("ALF402", "invalid-date", "error", "session")
def invalid_date(session, ctx):
    """The session date does not exist in the calendar.

    **What it checks:** the date folder of each session, ``YYYY-MM-DD``, is a real date.
    Reported once per session.

    **Why it matters:** ONE's pattern accepts any digits, but its cache builder
    (``make_parquet_db``) parses the dates and aborts the whole build on ``2021-02-30``;
    date searches cannot find the session either.

    **Bad:** ``KS005/2021-02-30/001``, ``KS005/2021-13-01/001``

    **Good:** ``KS005/2021-02-28/001``
    """
    for reason in _reasons(session, "date"):
        yield f"{reason}: ONE's cache build aborts on impossible dates; rename the folder to the real date"


@rule("ALF403", "number-too-long", "error", "session")
def number_too_long(session, ctx):
    """The session number has more than three digits.

    **What it checks:** the number folder of each session (``001``) has one to three digits.

    **Why it matters:** ONE's session pattern takes one to three digits, so ``0001`` is not
    a session folder for ONE: nothing in it is indexed.

    **Bad:** ``KS005/2021-02-01/0001``, ``KS005/2021-02-01/1000``

    **Good:** ``KS005/2021-02-01/001``
    """
    for reason in _reasons(session, "number"):
        yield (f"{reason}: ONE does not read {session.number!r} as a session folder, so nothing in it is indexed; "
               "use three digits (001 to 999)")


@rule("ALF404", "unpadded-number", "error", "session")
def unpadded_number(session, ctx):
    """The session number is not zero-padded to three digits.

    **What it checks:** session number folders are written with three digits (``001``), not
    ``1`` or ``01``.

    **Why it matters:** ONE indexes the session, but finds its files again by rebuilding
    the path with a three-digit number: every load from ``KS005/2021-02-01/1`` looks in
    ``KS005/2021-02-01/001`` and fails with "Dataset not found". If both folders exist, ONE
    sees two sessions with the same subject, date and number and ``to_eid`` fails.

    **Bad:** ``KS005/2021-02-01/1``, ``KS005/2021-02-01/01``

    **Good:** ``KS005/2021-02-01/001``
    """
    number = session.number
    if len(number) >= 3:
        return
    padded = number.zfill(3)
    message = (f"session number {number!r} is not zero-padded: ONE rebuilds the path as {session.canonical!r}, "
               f"so loads from this session fail; rename the folder to {padded!r}")
    if os.path.isdir(os.path.join(os.path.dirname(session.abs_path), padded)):
        message += f" (a folder {padded!r} exists too: ONE sees two sessions with one subject, date and number)"
    yield message


# --------------------------------------------------------------------------------------------
# ALF405-ALF408: lab, Subjects, subject, nesting
# --------------------------------------------------------------------------------------------


@rule("ALF405", "lab-folder", "error", "session")
def lab_folder(session, ctx):
    """Folders above the subject inside the repository are not ``lab/Subjects``.

    **What it checks:** inside the checked folder, a session path reads exactly
    ``subject/date/number`` or ``lab/Subjects/subject/date/number``. Reported: a lab folder
    without ``Subjects`` (``cortexlab/KS005/2019-04-01/001``), ``Subjects`` in the wrong case
    (``subjects``, ``SUBJECTS``), ``Subjects`` directly in the checked folder (the lab is
    then the folder above it), further folders above the lab, and a missing subject folder
    (``cortexlab/Subjects/2019-04-01/001``).

    **Why it matters:** ONE recognises a lab only before the literal folder ``Subjects``
    and rebuilds every session path as ``<root>/(lab/Subjects/)subject/date/NNN``. Any other
    folder on the way is lost: the session is indexed, but its files cannot be found.

    **Bad:** ``cortexlab/KS005/2019-04-01/001``, ``cortexlab/subjects/KS005/2019-04-01/001``

    **Good:** ``cortexlab/Subjects/KS005/2019-04-01/001``, ``KS005/2019-04-01/001``
    """
    folders = _folders_in_root(session, ctx.collection)
    if len(folders) >= 3 and session.subject.lower() == "subjects":
        yield (f"no subject folder: the date folder {session.date!r} follows {session.subject!r} directly; "
               f"ONE reads subject {session.subject!r}")
        return
    above = folders[:-3]
    if not above or (len(above) == 2 and above[1] == "Subjects"):
        return
    last = above[-1]
    expected = session.canonical
    if last != "Subjects" and last.lower() == "subjects":
        yield (f"folder {last!r} must be spelled 'Subjects': ONE recognises a lab only before the literal "
               "'Subjects', so this session has no lab for ONE")
    elif last != "Subjects":
        yield (f"folder {last!r} above subject {session.subject!r} is not 'Subjects': ONE finds no lab here and "
               f"looks for the session at {expected!r} below the root; organise labs as "
               f"'{last}/Subjects/{session.subject}/...'")
    elif len(above) == 1:
        yield (f"'Subjects' is directly in the checked folder: ONE takes the lab from the folder above "
               f"({session.lab!r}) and looks for {expected!r} below the root; check the folder above instead")
    else:
        extra = "/".join(above[:-2])
        yield (f"folders {extra!r} lie above the lab: ONE looks for the session at {expected!r} below the root; "
               f"use {extra!r} as the repository root")


@rule("ALF406", "invalid-subject", "error", "session")
def invalid_subject(session, ctx):
    """The subject folder name has illegal characters.

    **What it checks:** subject names take letters, digits, ``_``, ``-`` and ``.``
    (``NYU-001``, ``KS005``, ``ZM_1085``): no spaces, no other punctuation, no non-ASCII
    letters.

    **Why it matters:** ONE's session pattern matches only the tail of such a folder: a
    subject ``sub j`` is indexed as ``j``, and the session is then looked for under a path
    that does not exist. Non-ASCII letters are rejected on purpose
    (``spec.DELIBERATE_DIFFERENCES['non-ascii']``): ONE accepts them, but macOS and Linux
    store them in different Unicode forms, so copies between them do not match.

    **Bad:** ``sub j/2021-01-01/001``, ``mouse#3/2021-01-01/001``, ``souris_é/2021-01-01/001``

    **Good:** ``sub_j/2021-01-01/001``, ``NYU-001/2021-01-01/001``
    """
    reasons = _reasons(session, "subject")
    if reasons:
        yield f"invalid subject folder {session.subject!r}: " + "; ".join(reasons)


@rule("ALF407", "nested-session", "error", "repository")
def nested_session(collection, ctx):
    """A session folder lies inside another session.

    **What it checks:** folders ``subject/date/number`` below another session folder, such
    as ``KS005/2021-01-01/001/raw/KS005/2021-01-02/001``. Reported once per nested session.

    **Why it matters:** ONE takes the first session in a path, so the inner session's
    files are listed as a collection of the outer one; its default cache build fails
    ("Length of values does not match length of index").

    **Bad:** ``KS005/2021-01-01/001/old/KS005/2021-01-02/001/alf/spikes.times.npy``

    **Good:** ``KS005/2021-01-02/001/alf/spikes.times.npy`` next to the other sessions
    """
    for session in collection.nested:
        outer = session.nested_in
        inside = session.abs_path[len(outer.abs_path) + 1:]
        yield Finding(session.key, f"session {inside!r} is nested inside session {outer.key!r}: ONE reads its files "
                                   f"as collection {inside!r} of the outer session and its cache build fails; "
                                   "move it next to the other sessions")


@rule("ALF408", "invalid-lab", "error", "session")
def invalid_lab(session, ctx):
    """The lab folder name has illegal characters.

    **What it checks:** a lab folder (the folder before ``Subjects``) inside the checked
    folder takes only letters, digits and ``_``: no hyphens, dots or spaces.

    **Why it matters:** ONE's pattern matches only the tail of the folder: ``my-lab`` is
    indexed as lab ``lab``, and the rebuilt path ``lab/Subjects/...`` does not exist, so
    nothing in the lab loads.

    **Bad:** ``my-lab/Subjects/KS005/2021-01-01/001``, ``cortex.lab/Subjects/...``

    **Good:** ``my_lab/Subjects/KS005/2021-01-01/001``
    """
    if len(_folders_in_root(session, ctx.collection)) < 5:
        return  # the lab folder is the root or above it: not part of the checked tree
    reasons = _reasons(session, "lab")
    if reasons:
        yield f"invalid lab folder {session.lab!r}: " + "; ".join(reasons)
