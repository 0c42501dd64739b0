"""alflint's reproducible ids: session eids and dataset ids as RFC 4122 version-3 UUIDs.

``eid = uuid3(ALFLINT_NAMESPACE, canonical session path)`` and ``id = uuid3(eid, rel_path)``:
rebuilding a tree on any machine gives the same ids, and a dataset id never repeats across
sessions. Standard library only, so the workers of a split check compute ids as they collect
(without importing pyarrow); :mod:`alflint.tables` re-exports these names.
"""

from __future__ import annotations

import hashlib
import uuid

__all__ = ["ALFLINT_NAMESPACE", "canonical_session_path", "eid_of", "dataset_id", "session_dataset_ids", "split_revision", "uuid3_text"]

#: The namespace of every alflint id: ``uuid5(NAMESPACE_URL, 'https://alflint/ids')``, fixed
#: forever so that ids are the same on every machine and every build.
ALFLINT_NAMESPACE = uuid.UUID("a88e9596-2a3f-5a51-8b07-5258b6d4f89a")

#: The hex digit of the RFC 4122 variant nibble (binary 10xx) for each md5 hex digit.
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def canonical_session_path(lab: str | None, subject: str, date: str, number: str | int) -> str:
    """``lab/Subjects/subject/date/NNN`` (lab part omitted without lab), number padded to 3."""
    number = str(number).zfill(3)
    head = f"{lab}/Subjects/" if lab else ""
    return f"{head}{subject}/{date}/{number}"


def uuid3_text(namespace_bytes: bytes, name: str) -> str:
    """``str(uuid.uuid3(namespace, name))`` from the md5 hex digest, without UUID objects."""
    return _uuid3_form(hashlib.md5(namespace_bytes + name.encode("utf-8"), usedforsecurity=False).hexdigest())


def _uuid3_form(h: str) -> str:
    """A 32-digit md5 hex digest as a version-3 UUID's text (version and variant set)."""
    return f"{h[:8]}-{h[8:12]}-3{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def eid_of(canonical_path: str) -> str:
    """The eid of the session whose canonical path is given."""
    return uuid3_text(ALFLINT_NAMESPACE.bytes, canonical_path)


def dataset_id(eid: str | uuid.UUID, rel_path: str) -> str:
    """The id of a dataset: uuid3 under its session's eid of its rel_path (unique across sessions)."""
    return uuid3_text(uuid.UUID(str(eid)).bytes, rel_path)


def session_dataset_ids(eid: str, rel_paths: list[str]) -> list[str]:
    """:func:`dataset_id` of each rel_path of one session (the eid hashed once, then copied)."""
    start = hashlib.md5(uuid.UUID(eid).bytes, usedforsecurity=False)
    digests = []
    for rel_path in rel_paths:
        md5 = start.copy()
        md5.update(rel_path.encode("utf-8"))
        digests.append(md5.hexdigest())
    return list(map(_uuid3_form, digests))


def split_revision(rel_path: str) -> tuple[str, str]:
    """``(rel_path without its #revision#/ folder, revision or '')``."""
    folder_end = rel_path.rfind("/")
    if folder_end < 0:
        return rel_path, ""
    start = rel_path.rfind("/", 0, folder_end) + 1
    folder = rel_path[start:folder_end]
    if len(folder) >= 2 and folder[0] == "#" and folder[-1] == "#":
        return rel_path[:start] + rel_path[folder_end + 1:], folder[1:-1]
    return rel_path, ""
