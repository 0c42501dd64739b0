"""Differential test of alflint.spec against the real ONE-api parsers.

Inputs: every rel path of tests/data/ibl/alf_names.csv and every session path of
real_session_paths.csv, plus generated variants that mutate each part (case, digits,
underscores, dots, hyphens, spaces, Unicode, missing parts) and combine filenames with
collections, revisions and session prefixes.

The contract, for each kind of path:

* ONE accepts and alflint accepts: the parts are identical;
* ONE accepts and alflint rejects: the name falls in a documented class of
  ``spec.DELIBERATE_DIFFERENCES``, decided by ``classify`` below from the name alone;
* ONE rejects: alflint rejects.

Run with ``-s`` to see the agreement counts.
"""

from __future__ import annotations

import collections
import csv
import datetime
import itertools
import pathlib
import re

import pytest

from alflint import spec
from alflint.exceptions import ALFInvalid

one_path = pytest.importorskip("one.alf.path")
one_spec = pytest.importorskip("one.alf.spec")

DATA = pathlib.Path(__file__).parent / "data" / "ibl"

#: ONE's session pattern, searched as full_path_parts does, and anchored at the end as
#: is_session_path does.
_ONE_SESSION = one_spec.regex(one_spec.SESSION_SPEC)
_ONE_SESSION_AT_END = one_spec.regex(one_spec.SESSION_SPEC + "$")


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _rows(name: str) -> list[dict]:
    with open(DATA / name, newline="") as f:
        return list(csv.DictReader(f))


REAL_REL_PATHS = sorted({row["rel_path"] for row in _rows("alf_names.csv")})
REAL_SESSIONS = sorted({row["session_path"] for row in _rows("real_session_paths.csv")})
REAL_FILENAMES = sorted({rel.rsplit("/", 1)[-1] for rel in REAL_REL_PATHS})

#: Characters and strings inserted into or substituted for parts of names.
INSERTS = ["_", ".", "-", " ", "#", "/", "1", "A", "é", "٣", "Ａ", "\n", ""]
#: Suffixes probing the attribute grammar.
ATTRIBUTE_SUFFIXES = ["_times", "_intervals", "_timestamps", "_times_bpod", "_intervals_", "_", "_x", "__x", "_times_times"]


def filename_variants(name: str) -> set[str]:
    """Mutations of ``name`` part by part (tokens are the dot-separated parts)."""
    out = {name, name.upper(), name.lower(), name.swapcase(), name + "\n", name + " ", " " + name, "_" + name,
           "__" + name, "_x" + name, "." + name, name + ".", name.replace(".", "..", 1), name.replace("_", "", 1)}
    tokens = name.split(".")
    for i, token in enumerate(tokens):
        def with_token(new: str) -> str:
            return ".".join(tokens[:i] + [new] + tokens[i + 1:])

        out.add(".".join(tokens[:i] + tokens[i + 1:]))  # a missing part
        out.add(with_token(token.upper()))
        out.add(with_token(token[:1].upper() + token[1:]))
        for insert in INSERTS:
            out.add(with_token(insert + token))
            out.add(with_token(token + insert))
            middle = len(token) // 2
            out.add(with_token(token[:middle] + insert + token[middle:]))
        if i == 1:
            out.update(with_token(token + suffix) for suffix in ATTRIBUTE_SUFFIXES)
            out.add(with_token("_phy_" + token))
            out.add(with_token("_PHY_" + token))
    if name.startswith("_"):  # namespace mutations
        body = name[1:]
        out.update({body, "_" + body.replace("_", "", 1), "_" + body.replace("_", "__", 1),
                    "_" + body.replace("_", "_.", 1), "_" + body.replace("_", "-", 1)})
    return out


#: Folders put before a filename: collections and revisions, valid and not.
FOLDERS = [
    "", "alf/", "alf/probe00/", "alf/probe00/pykilosort/", "raw_ephys_data/probe00/", "#2021-01-01#/",
    "alf/#2021-07-05#/", "alf/probe01/#2021-07-05a#/", "a.b/c-d/", "x_y-z.1/", "1/", "ALF/",
    "/abs/", "/", "alf//", "//", "./", "../", "alf/../x/", ".git/", "alf/.hidden/",
    "a b/", "alf /", "älf/", "alf/ß/", "alf#/", "#rev/", "#a#b#/", "##/", "#a b#/", "#ré#/",
    "#r#/alf/", "#r#/#s#/", "alf/#r#/sub/", "#r#/", "#v1.0-rc_2#/", "alf\\probe00/", "alf:1/",
]

#: Session paths: real ones and mutations of each session part.
SESSION_MUTATIONS = [
    "subj/2021-01-01/001", "subj/2021-01-01/1", "subj/2021-01-01/01", "subj/2021-01-01/0001",
    "subj/2021-01-01/1000", "subj/2021-01-01/", "subj/2021-01-01/001/", "subj/2021-01-01/001/alf",
    "subj/2021-02-30/001", "subj/2021-13-45/001", "subj/2020-02-29/001", "subj/2019-02-29/001",
    "subj/2021-1-01/001", "subj/20210101/001", "subj/٢٠٢١-01-01/001", "subj/2021-01-01/00١",
    "sub j/2021-01-01/001", "sub-j/2021-01-01/001", "sub.j/2021-01-01/001", "sub_j/2021-01-01/001",
    "süb/2021-01-01/001", "NYU-40/2021-04-12/1", "2021-01-01/001", "/2021-01-01/001",
    "x//2021-01-01/001", "lab/Subjects/subj/2021-01-01/001", "lab_1/Subjects/subj/2021-01-01/001",
    "my-lab/Subjects/subj/2021-01-01/001", "my.lab/Subjects/subj/2021-01-01/001",
    "my lab/Subjects/subj/2021-01-01/001", "läb/Subjects/subj/2021-01-01/001",
    "-/Subjects/subj/2021-01-01/001", "/Subjects/subj/2021-01-01/001", "Subjects/subj/2021-01-01/001",
    "lab/subjects/subj/2021-01-01/001", "lab/Subjects//2021-01-01/001", "lab/Subjects/2021-01-01/001",
    "a/2021-01-01/001/b/2021-01-02/002", "subj/2021-01-01/001\n", " subj/2021-01-01/001",
    "subj/2021-01-01/001 ", "subj/2021-01-01/ 001", "C:\\data\\subj\\2021-01-01\\001",
]
SESSION_PREFIXES = ["", "/", "/data/", "root/", "/mnt/my data/", "/mnt/dätä/"]


def session_paths() -> set[str]:
    bases = set(REAL_SESSIONS) | set(SESSION_MUTATIONS)
    return {prefix + base for prefix in SESSION_PREFIXES for base in bases} | {p + "/" for p in bases}


# --------------------------------------------------------------------------------------------
# The classifier: which documented difference explains a name ONE accepts and alflint rejects
# --------------------------------------------------------------------------------------------


def _filename_class(name: str) -> str | None:
    if not name.isascii():
        return "non-ascii"
    if name != name.strip():
        return "whitespace"
    head = name.split(".", 1)[0]
    if head.startswith("_") and not re.fullmatch(r"_[^_]+_.+", head):
        return "underscore-prefix"
    if ".." in name:
        return "empty-extra"
    return None


def _folders_class(folders: list[str]) -> str | None:
    if any(f in ("", ".", "..") or f.startswith(".") for f in folders):
        return "collection-segments"
    return None


def _session_class(folders: list[str], at: int) -> str | None:
    """``folders[at]`` is the date folder of the session ONE found."""
    if not all(f.isascii() for f in folders[max(at - 3, 0) : at + 2]):
        return "non-ascii"
    lab_folder = folders[at - 3] if at >= 3 and folders[at - 2] == "Subjects" else ""
    if not re.fullmatch(r"[\w.-]+", folders[at - 1], re.ASCII) or (lab_folder and not re.fullmatch(r"\w+", lab_folder, re.ASCII)):
        return "partial-folder"
    try:
        datetime.date.fromisoformat(folders[at])
    except ValueError:
        return "calendar-date"
    return None


def _date_folder(text: str, match: re.Match) -> int:
    """Index in ``text.split('/')`` of the date folder of ONE's session ``match`` on ``text``."""
    return text[: match.start("date")].count("/")


def classify(kind: str, text: str) -> str | None:
    """The DELIBERATE_DIFFERENCES key explaining why alflint rejects ``text``, or ``None``.

    Decided from the name alone (and, for full paths, from where ONE finds the session and
    whether ONE's own strict relative-path parser accepts what follows it).
    """
    if not text.isascii():
        return "non-ascii"
    if text.strip("/") != text.strip("/").strip():
        return "whitespace"
    if kind == "filename":
        return _filename_class(text)
    if kind == "rel":
        if text.startswith("/"):
            return "leading-slash"
        *folders, name = text.split("/")
        return _filename_class(name) or _folders_class(folders)
    if kind in ("session", "full") and re.search(r"[^/]/(\.?/)+", text) or text.startswith("./"):
        return "unnormalised-path"  # '//' or '/./' after the first folder
    if kind == "session":
        text = text.strip("/")
        at = _date_folder(text, _ONE_SESSION_AT_END.search(text))
        return _session_class(text.split("/"), at)
    if kind == "full":
        if "/" not in text.rstrip("/"):
            return _filename_class(text.rstrip("/"))
        at = _date_folder(text, _ONE_SESSION.search(text))
        folders = text.split("/")
        below, name = folders[at + 2 : -1], folders[-1]
        if _session_class(folders, at) or _filename_class(name) or _folders_class(below):
            return _session_class(folders, at) or _filename_class(name) or _folders_class(below)
        # ONE's full_path_parts searches the folders below the session leniently;
        # its own rel_path_parts rejects them
        if _theirs(one_path.rel_path_parts, "/".join(below + [name])) is None:
            return "lenient-folders"
        return None
    raise ValueError(kind)


# --------------------------------------------------------------------------------------------
# Running both parsers
# --------------------------------------------------------------------------------------------


def _ours(function, text):
    try:
        return tuple(function(text))
    except ALFInvalid:
        return None


def _theirs(function, text):
    """ONE's parts, or ``None`` when ONE raises (with ``assert_valid=False`` ONE's
    full_path_parts returns the parts it could read, e.g. a filename without session)."""
    try:
        return tuple(function(text))
    except ValueError:  # one.alf.exceptions.ALFInvalid
        return None




def _their_session(text):
    """ONE's session parts of a path it calls a session path (search anchored at the end)."""
    if not one_spec.is_session_path(text):
        return None
    return tuple(_ONE_SESSION_AT_END.search(text.strip("/")).groups()[1:])


LABELS = {"filename": "filenames", "rel": "rel paths", "session": "session paths", "full": "full paths"}
Tally = collections.namedtuple("Tally", "checked identical deliberate both_reject classes")


def compare(kind: str, texts, ours, theirs) -> Tally:
    identical = deliberate = both_reject = 0
    classes: collections.Counter = collections.Counter()
    mismatched, we_accept, unclassified = [], [], []
    for text in sorted(texts):
        mine, one = ours(text), theirs(text)
        if one is None:
            if mine is None:
                both_reject += 1
            else:
                we_accept.append((text, mine))
        elif mine == one:
            identical += 1
        elif mine is not None:
            mismatched.append((text, mine, one))
        else:
            key = classify(kind, text)
            if key is None or key not in spec.DELIBERATE_DIFFERENCES:
                unclassified.append((text, one, key))
            else:
                deliberate += 1
                classes[key] += 1
    tally = Tally(len(texts), identical, deliberate, both_reject, dict(classes))
    print(f"\n{LABELS[kind]}: {tally.checked} checked, {identical} identical, {deliberate} deliberate differences "
          f"({', '.join(f'{k} {v}' for k, v in sorted(classes.items()))}), {both_reject} rejected by both")
    assert not mismatched, f"{len(mismatched)} names parse differently: {mismatched[:10]}"
    assert not we_accept, f"{len(we_accept)} names ONE rejects are accepted: {we_accept[:10]}"
    assert not unclassified, f"{len(unclassified)} unexplained rejections: {unclassified[:10]}"
    return tally


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def test_filenames_agree_with_one():
    names = set(REAL_FILENAMES)
    for name in REAL_FILENAMES:
        names |= filename_variants(name)
    names.discard("")
    tally = compare("filename", names, lambda n: (p[6:] if (p := _ours(spec.parse_filename, n)) else None),
                    lambda n: _theirs(one_path.filename_parts, n))
    assert tally.checked > 20_000
    assert tally.identical > 5_000
    assert {"non-ascii", "whitespace", "underscore-prefix", "empty-extra"} <= set(tally.classes)
    # is_valid is the same question
    for name in sorted(names)[::50]:
        assert spec.is_valid(name) == (_ours(spec.parse_filename, name) is not None)


def _rel_paths() -> set[str]:
    rels = set(REAL_REL_PATHS)
    good = [n for n in REAL_FILENAMES if spec.try_parse_filename(n)][::7]
    tricky = ["_obj.attr.npy", "obj.attr.part1..npy", "öbj.attr.npy", "obj.attr.npy\n", "o.a.b", "obj.attr"]
    for folder, name in itertools.product(FOLDERS, good + tricky):
        rels.add(folder + name)
    for rel in REAL_REL_PATHS[::5]:
        rels |= {"/" + rel, rel.replace("/", "//", 1), "./" + rel, rel + "\n", rel.replace("alf", "älf"),
                 rel.replace("/", "/ ", 1), rel.replace("#", "", 1)}
    rels.discard("")
    return rels


def test_rel_paths_agree_with_one():
    tally = compare("rel", _rel_paths(), lambda r: (p[4:] if (p := _ours(spec.parse_rel_path, r)) else None),
                    lambda r: _theirs(one_path.rel_path_parts, r))
    assert tally.checked > 3_000
    assert tally.identical > 1_000
    assert {"leading-slash", "collection-segments", "non-ascii"} <= set(tally.classes)
    assert spec.rel_path_reasons("alf/#r#/sub/o.a.b") and not spec.rel_path_reasons("alf/#r#/o.a.b")


def test_session_paths_agree_with_one():
    paths = session_paths()
    tally = compare("session", paths, lambda p: (q[:4] if (q := _ours(spec.parse_session_path, p)) else None),
                    _their_session)
    assert tally.identical >= len(REAL_SESSIONS)
    assert {"calendar-date", "partial-folder", "non-ascii", "whitespace"} <= set(tally.classes)
    for path in sorted(paths):
        assert spec.is_session_path(path) == (_ours(spec.parse_session_path, path) is not None)
    # the first match of ONE's search agrees with ours on every real session
    for path in REAL_SESSIONS:
        assert tuple(one_path.session_path_parts(path)) == spec.parse_session_path(path).session_parts


def _full_paths() -> set[str]:
    sessions = sorted(REAL_SESSIONS[::4]) + [s for s in SESSION_MUTATIONS if "\n" not in s][::2]
    rels = sorted(_rel_paths())[::17]  # ONE's full_path_parts is slow (pathlib): a sample
    paths = {f"{prefix}{session.rstrip('/')}/{rel}" for prefix in ("", "/data/") for session in sessions for rel in rels}
    paths |= {p + "/" for p in sorted(paths)[::10]}  # a trailing '/' changes nothing
    paths |= {prefix + rel for prefix in ("", "/", "x/") for rel in rels}  # no session: bare filenames only
    # file paths only: ONE's full_path_parts reads a last component with fewer than 2 dots as a folder
    # and rejects collection folders ('folder-path', tested in test_spec)
    return {p for p in paths if p.rstrip("/").rsplit("/", 1)[-1].count(".") >= 2}


def test_full_paths_agree_with_one():
    tally = compare("full", _full_paths(), lambda p: _ours(spec.parse_path, p),
                    lambda p: _theirs(one_path.full_path_parts, p))
    assert tally.checked > 10_000
    assert tally.identical > 2_000
    assert {"lenient-folders", "unnormalised-path", "calendar-date", "partial-folder"} <= set(tally.classes)


def test_one_rejects_collection_folder_paths_that_we_parse():
    """The 'folder-path' difference, checked against ONE itself."""
    path = "subj/2021-01-01/001/alf/probe00"
    with pytest.raises(one_path.ALFInvalid if hasattr(one_path, "ALFInvalid") else ValueError):
        one_path.full_path_parts(path)
    assert spec.parse_path(path).collection == "alf/probe00"


# --------------------------------------------------------------------------------------------
# Building names: to_alf and dromedary against ONE's
# --------------------------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6)
_phrase = st.builds(lambda words, sep: sep.join(words), st.lists(_word, min_size=1, max_size=4),
                    st.sampled_from([" ", "_", "  "]))


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(_phrase)
@hypothesis.example("")
@hypothesis.example("mpci ROIs")
@hypothesis.example("RFM")
def test_dromedary_agrees_with_one(text):
    assert spec.dromedary(text) == one_spec._dromedary(text)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(_phrase, st.builds(lambda p, s: p + s, _phrase, st.sampled_from(["", "_times", "_intervals", "_timestamps"])),
                  st.sampled_from(["npy", ".npy", "json", "sparse_npz"]),
                  st.one_of(st.none(), st.text(alphabet="abcxyz019", min_size=1, max_size=5)),
                  st.one_of(st.none(), _phrase, st.lists(_phrase, min_size=1, max_size=2).map(tuple)),
                  st.one_of(st.none(), st.lists(st.text(alphabet="abc01-", min_size=1, max_size=5), min_size=1, max_size=2).map(tuple)))
def test_to_alf_agrees_with_one(obj, attr, ext, ns, ts, extra):
    theirs = one_spec.to_alf(obj, attr, ext, namespace=ns, timescale=ts, extra=extra)
    try:
        ours = spec.to_alf(obj, attr, ext, namespace=ns, timescale=ts, extra=extra)
    except ALFInvalid as err:
        # we refuse to build what we would reject: the built name must be a deliberate difference
        assert classify("filename", theirs) in spec.DELIBERATE_DIFFERENCES, (theirs, err.reasons)
    else:
        assert ours == theirs
