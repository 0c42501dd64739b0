"""Unit tests of alflint.spec, the ALF path grammar.

The tables below read like the specification: a name, then the parts it parses into, or the
part that is wrong and a phrase of the reason given. Where ONE-api parses a name, the expected
parts are ONE's (the differential test checks this against the real package); names that
alflint rejects on purpose are listed with the DELIBERATE_DIFFERENCES key they illustrate.
"""

from __future__ import annotations

import csv
import pathlib
import re

import pytest

from alflint import spec
from alflint.exceptions import ALFError, ALFInvalid
from alflint.spec import AlfParts, Reason

DATA = pathlib.Path(__file__).parent / "data" / "ibl"

FILE_FIELDS = ("namespace", "object", "attribute", "timescale", "extra", "extension")


def file_parts(parts: AlfParts) -> tuple:
    return tuple(getattr(parts, f) for f in FILE_FIELDS)


def assert_reason(reasons: list[Reason], part: str, phrase: str) -> None:
    """``reasons`` holds a reason about ``part`` whose message contains ``phrase``."""
    assert reasons, "expected the name to be rejected"
    assert all(isinstance(r, Reason) for r in reasons)
    matching = [r for r in reasons if r.part == part and phrase in r.message]
    assert matching, f"no reason ({part!r}, ...{phrase!r}...) in {reasons}"


# --------------------------------------------------------------------------------------------
# The parts, the pattern, describe()
# --------------------------------------------------------------------------------------------


def test_parts_are_the_13_parts_of_the_template_in_order():
    assert spec.PARTS == (
        "lab", "Subjects", "subject", "date", "number", "collection", "revision",
        "namespace", "object", "attribute", "timescale", "extra", "extension",
    )
    assert tuple(spec.PART_DESCRIPTIONS) == spec.PARTS
    positions = [spec.path_pattern().find(p) for p in spec.PARTS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("part", spec.PARTS)
def test_every_part_has_a_real_description(part):
    text = spec.PART_DESCRIPTIONS[part]
    assert len(text) > 60
    assert text.startswith(("Optional", "Required"))


@pytest.mark.parametrize(
    "part, phrase",
    [
        ("date", "2021-02-30"),  # calendar validity
        ("number", "three"),  # three-digit padding
        ("collection", "`..`"),
        ("revision", "last folder"),
        ("namespace", "_ibl_"),
        ("attribute", "_times"),
        ("timescale", "ephysClock"),
        ("extra", "lexicographic"),
        ("extension", "lower case"),
        ("subject", "NYU-001"),
        ("lab", "Subjects"),
    ],
)
def test_descriptions_state_the_rules(part, phrase):
    assert phrase in spec.PART_DESCRIPTIONS[part]


def test_path_pattern_is_the_template_without_regex_debris():
    assert spec.path_pattern() == (
        "(lab/Subjects/)subject/date/number/(collection/)(#revision#/)"
        "(_namespace_)object.attribute(_timescale)(.extra).extension"
    )
    assert "(:" not in spec.path_pattern()
    assert not set("{}?*\\$") & set(spec.path_pattern())
    for part in spec.PARTS:
        assert part in spec.path_pattern()


@pytest.mark.parametrize("part", spec.PARTS)
def test_describe_puts_carets_under_the_part_and_prints_its_description(part, capsys):
    text = spec.describe(part)
    printed = capsys.readouterr().out
    assert printed.rstrip("\n") == text
    pattern, carets, blank, title, *body = text.splitlines()
    assert pattern == spec.path_pattern()
    start = carets.index("^")
    assert carets == " " * start + "^" * len(part)
    assert pattern[start : start + len(part)] == part
    assert blank == ""
    assert title == part.upper()
    assert " ".join(body) == spec.PART_DESCRIPTIONS[part]


def test_describe_carets_pick_the_whole_word():
    # "Subjects" and "subject" share letters; "extra" must not land inside "extension" etc.
    assert spec.describe("subject").splitlines()[1].index("^") == len("(lab/Subjects/)")
    assert spec.describe("Subjects").splitlines()[1].index("^") == len("(lab/")
    extra = spec.describe("extra").splitlines()[1].index("^")
    assert spec.path_pattern()[extra - 1 : extra + 6] == ".extra)"


def test_describe_wraps_at_width(capsys):
    text = spec.describe("object", width=20)
    body = text.splitlines()[4:]
    assert len(body) > 5
    assert all(len(line) <= 20 for line in body)
    capsys.readouterr()


def test_describe_without_part_prints_the_pattern_only(capsys):
    assert spec.describe() == spec.path_pattern()
    assert capsys.readouterr().out == spec.path_pattern() + "\n"


def test_describe_unknown_part_lists_the_valid_parts():
    with pytest.raises(ValueError, match="unknown ALF part 'spikes'") as info:
        spec.describe("spikes")
    for part in spec.PARTS:
        assert part in str(info.value)


# --------------------------------------------------------------------------------------------
# Filenames
# --------------------------------------------------------------------------------------------

#: name -> (namespace, object, attribute, timescale, extra, extension), as ONE parses them.
VALID_FILENAMES = {
    "spikes.times.npy": (None, "spikes", "times", None, None, "npy"),
    "trials.feedbackType.npy": (None, "trials", "feedbackType", None, None, "npy"),
    "_ibl_trials.goCue_times_bpod.csv": ("ibl", "trials", "goCue_times", "bpod", None, "csv"),
    "_ibl_passivePeriods.intervalsTable_bpod.csv": ("ibl", "passivePeriods", "intervalsTable", "bpod", None, "csv"),
    "spikes.times_ephysClock.npy": (None, "spikes", "times", "ephysClock", None, "npy"),
    "obj.attr_times.npy": (None, "obj", "attr_times", None, None, "npy"),
    "obj.attr_intervals.npy": (None, "obj", "attr_intervals", None, None, "npy"),
    "obj.attr_intervals_bpod.npy": (None, "obj", "attr_intervals", "bpod", None, "npy"),
    "obj.attr_times_bpod_clock.npy": (None, "obj", "attr_times", "bpod_clock", None, "npy"),
    # _timestamps is not an attribute suffix in the grammar: it is read as a timescale
    "obj.attr_timestamps.npy": (None, "obj", "attr", "timestamps", None, "npy"),
    "obj.timestamps_bpod.npy": (None, "obj", "timestamps", "bpod", None, "npy"),
    # any other _suffix after a plain attribute is a timescale
    "obj.at_tr.npy": (None, "obj", "at", "tr", None, "npy"),
    "obj.duration_ms.npy": (None, "obj", "duration", "ms", None, "npy"),
    "obj.atTr_times_times.npy": (None, "obj", "atTr_times", "times", None, "npy"),
    "obj.attr_timesx.npy": (None, "obj", "attr", "timesx", None, "npy"),
    "obj.attr__x.npy": (None, "obj", "attr", "_x", None, "npy"),  # a timescale may start with '_'
    "channels.brainLocationIds_ccf_2017.npy": (None, "channels", "brainLocationIds", "ccf_2017", None, "npy"),
    # the deprecated attribute-level namespace
    "channels._phy_ids.csv": (None, "channels", "_phy_ids", None, None, "csv"),
    # namespaces
    "_ns_obj_x.attr.npy": ("ns", "obj_x", "attr", None, None, "npy"),
    "_ns__obj.attr.npy": ("ns", "_obj", "attr", None, None, "npy"),
    "_NS_obj.attr.npy": ("NS", "obj", "attr", None, None, "npy"),
    "_a_b_c.d.e": ("a", "b_c", "d", None, None, "e"),
    "ns_obj.attr.npy": (None, "ns_obj", "attr", None, None, "npy"),
    "_spikeglx_ephysData_g0_t0.imec0.lf.bin": ("spikeglx", "ephysData_g0_t0", "imec0", None, "lf", "bin"),
    "_spikeglx_ephysData_g0_t0.imec.wiring.json": ("spikeglx", "ephysData_g0_t0", "imec", None, "wiring", "json"),
    # extras
    "obj.attr.x-y.npy": (None, "obj", "attr", None, "x-y", "npy"),
    "obj.attr.npy.gz": (None, "obj", "attr", None, "npy", "gz"),
    "obj.attr.tar.gz": (None, "obj", "attr", None, "tar", "gz"),
    "obj.attr.a976e418-c8b8-4d24-be47-d05120b18341.npy": (None, "obj", "attr", None, "a976e418-c8b8-4d24-be47-d05120b18341", "npy"),
    "_ns_obj.attr1.a976e418-c8b8-4d24-be47-d05120b18341.metadata.json": (
        "ns", "obj", "attr1", None, "a976e418-c8b8-4d24-be47-d05120b18341.metadata", "json"),
    "_namespace_obj.times_timescale.extra.foo.ext": ("namespace", "obj", "times", "timescale", "extra.foo", "ext"),
    "_kilosort_raw.output.e8e8ad3e9a0a4a4d1a4e0e6a1a1b7b7c8c9d0e1f.tar": (
        "kilosort", "raw", "output", None, "e8e8ad3e9a0a4a4d1a4e0e6a1a1b7b7c8c9d0e1f", "tar"),
    "obj.attr.part_1.npy": (None, "obj", "attr", None, "part_1", "npy"),
    # case and leading digits are conventions, left to rules
    "Obj.Attr.NPY": (None, "Obj", "Attr", None, None, "NPY"),
    "1obj.1attr.npy": (None, "1obj", "1attr", None, None, "npy"),
    "spike_train.times.npy": (None, "spike_train", "times", None, None, "npy"),
    # extensions take underscores
    "obj.attr.sparse_npz": (None, "obj", "attr", None, None, "sparse_npz"),
    "mpciROIs.masks.sparse_npz": (None, "mpciROIs", "masks", None, None, "sparse_npz"),
    "o.a.e": (None, "o", "a", None, None, "e"),
}


@pytest.mark.parametrize("name, expected", VALID_FILENAMES.items(), ids=list(VALID_FILENAMES))
def test_parse_filename(name, expected):
    parts = spec.parse_filename(name)
    assert isinstance(parts, AlfParts)
    assert file_parts(parts) == expected
    assert parts[:6] == (None,) * 6  # no session, collection or revision from a filename
    assert parts.filename == name
    assert spec.try_parse_filename(name) == parts
    assert spec.filename_reasons(name) == []
    assert spec.is_valid(name)


#: name -> (part, phrase of the reason). Each line is one rule of the grammar.
INVALID_FILENAMES = {
    # structure
    "": ("filename", "empty filename"),
    "spikes": ("extension", "no extension: an ALF filename is object.attribute.extension"),
    "spikes.times": ("extension", "no extension: an ALF filename is object.attribute.extension"),
    "spike_train.npy": ("extension", "has one dot"),
    "alf/spikes.times.npy": ("filename", "'/' in filename"),
    # object
    ".hidden.attr.npy": ("object", "hidden file"),
    "._spikes.times.npy": ("object", "hidden file"),
    "obj-x.attr.npy": ("object", "illegal character '-' in object"),
    "my obj.attr.npy": ("object", "space in object"),
    "obj#1.attr.npy": ("object", "illegal character '#' in object"),
    "öbj.attr.npy": ("object", "non-ASCII character 'ö' in object"),
    # namespace: a leading '_' needs a complete _namespace_ followed by an object
    "_obj.attr.npy": ("namespace", "no complete _namespace_"),
    "_o.attr.npy": ("namespace", "no complete _namespace_"),
    "__obj.attr.npy": ("namespace", "no complete _namespace_"),
    "_.attr.npy": ("namespace", "no complete _namespace_"),
    "_ns_.attr.npy": ("object", "namespace '_ns_' is not followed by an object"),
    "_ib-l_obj.attr.npy": ("namespace", "illegal character '-' in namespace"),
    "_i b_obj.attr.npy": ("namespace", "space in namespace"),
    "_ibł_obj.attr.npy": ("namespace", "non-ASCII character 'ł' in namespace"),
    # attribute
    "obj..npy": ("attribute", "empty attribute"),
    "obj.attr_.npy": ("attribute", "ends with '_'"),
    "obj._attr.npy": ("attribute", "starts with '_'"),
    "obj._phy_.csv": ("attribute", "starts with '_'"),
    "obj.at-tr.npy": ("attribute", "illegal character '-' in attribute"),
    "obj.att r.npy": ("attribute", "space in attribute"),
    "obj.ättr.npy": ("attribute", "non-ASCII character 'ä' in attribute"),
    "obj._PHY_ids.npy": ("attribute", "starts with '_'"),
    # extra
    "obj.attr..npy": ("extra", "empty extra part"),
    "obj.attr.part1..npy": ("extra", "empty extra part"),
    "obj.attr.x y.npy": ("extra", "space in extra"),
    "obj.attr.x#y.npy": ("extra", "illegal character '#' in extra"),
    "obj.attr.ünï.npy": ("extra", "non-ASCII character"),
    # extension
    "obj.attr.": ("extension", "empty extension"),
    "obj.attr.ext.": ("extension", "empty extension"),
    "obj.attr.n-py": ("extension", "illegal character '-' in extension"),
    "obj.attr.np y": ("extension", "space in extension"),
    "obj.attr.١٢٣": ("extension", "non-ASCII character"),
    # whitespace at either end
    "obj.attr.npy ": ("filename", "trailing space"),
    "obj.attr.npy\n": ("filename", "trailing newline"),
    " obj.attr.npy": ("filename", "leading space"),
    "\tobj.attr.npy": ("filename", "leading tab"),
    "obj.attr.npy\r": ("filename", "trailing carriage return"),
    "obj.attr.npy\u00a0": ("filename", "trailing whitespace"),
}


@pytest.mark.parametrize("name, expected", INVALID_FILENAMES.items(), ids=[repr(n) for n in INVALID_FILENAMES])
def test_filename_reasons(name, expected):
    part, phrase = expected
    reasons = spec.filename_reasons(name)
    assert_reason(reasons, part, phrase)
    assert not spec.is_valid(name)
    assert spec.try_parse_filename(name) is None
    with pytest.raises(ALFInvalid) as info:
        spec.parse_filename(name)
    assert info.value.reasons == reasons
    assert phrase in str(info.value)


def test_every_reason_names_a_part_and_quotes_the_name():
    for name in INVALID_FILENAMES:
        for reason in spec.filename_reasons(name):
            assert reason.part in spec.PARTS + ("filename",)
            assert str(reason) == reason.message
    assert "'my obj'" in spec.filename_reasons("my obj.attr.npy")[0].message


def test_one_reason_per_problem():
    reasons = spec.filename_reasons("my-ob j.att r.x y.n-py")
    assert {r.part for r in reasons} == {"object", "attribute", "extra", "extension"}
    assert len([r for r in reasons if r.part == "object"]) == 2  # '-' and ' '
    # repeated characters are reported once
    assert len(spec.filename_reasons("a-b-c.attr.npy")) == 1


def test_reasons_explain_how_one_would_misread_a_name():
    (reason,) = spec.filename_reasons("_obj.attr.npy")
    assert "namespace 'ob', object 'j'" in reason.message
    (reason,) = spec.filename_reasons("_ns_.attr.npy")
    assert "ONE would read object '_'" in reason.message


# --------------------------------------------------------------------------------------------
# Collections, relative paths and split_collection
# --------------------------------------------------------------------------------------------

#: rel path -> (collection, revision, namespace, object, attribute, timescale, extra, extension)
VALID_REL_PATHS = {
    "spikes.times.npy": (None, None, None, "spikes", "times", None, None, "npy"),
    "alf/_ibl_trials.contrastRight.npy": ("alf", None, "ibl", "trials", "contrastRight", None, None, "npy"),
    "alf/probe00/spikes.times.npy": ("alf/probe00", None, None, "spikes", "times", None, None, "npy"),
    "alf/probe00/pykilosort/spikes.times.npy": ("alf/probe00/pykilosort", None, None, "spikes", "times", None, None, "npy"),
    "#2021-06-01#/spikes.times.npy": (None, "2021-06-01", None, "spikes", "times", None, None, "npy"),
    "alf/#2021-06-01a#/spikes.times.npy": ("alf", "2021-06-01a", None, "spikes", "times", None, None, "npy"),
    "raw_ephys_data/probe00/#foobar#/_iblqc_ephysTimeRmsAP.timestamps.npy": (
        "raw_ephys_data/probe00", "foobar", "iblqc", "ephysTimeRmsAP", "timestamps", None, None, "npy"),
    "a.b/c-d/obj.attr.npy": ("a.b/c-d", None, None, "obj", "attr", None, None, "npy"),
    "alf/#v1.0-rc_2#/obj.attr.npy": ("alf", "v1.0-rc_2", None, "obj", "attr", None, None, "npy"),
    "raw_video_data/_iblrig_leftCamera.raw.mp4": ("raw_video_data", None, "iblrig", "leftCamera", "raw", None, None, "mp4"),
}


@pytest.mark.parametrize("rel, expected", VALID_REL_PATHS.items(), ids=list(VALID_REL_PATHS))
def test_parse_rel_path(rel, expected):
    parts = spec.parse_rel_path(rel)
    assert parts[4:] == expected
    assert parts.session_parts == (None,) * 4
    assert parts.rel_path == rel
    assert spec.rel_path_reasons(rel) == []
    assert spec.parse_rel_path(pathlib.PurePosixPath(rel)) == parts


#: rel path -> (part, phrase)
INVALID_REL_PATHS = {
    "": ("path", "empty path"),
    "alf/": ("filename", "no filename"),
    "alf": ("extension", "no extension"),
    "alf/spikes.times": ("extension", "no extension"),
    "/abs/obj.attr.npy": ("collection", "starts with '/'"),
    "/obj.attr.npy": ("collection", "starts with '/'"),
    "alf//obj.attr.npy": ("collection", "empty folder name"),
    ".git/obj.attr.npy": ("collection", "hidden folder '.git'"),
    "./obj.attr.npy": ("collection", "folder '.'"),
    "alf/../x/obj.attr.npy": ("collection", "folder '..'"),
    "alf/probe 00/obj.attr.npy": ("collection", "space in collection 'probe 00'"),
    "älf/obj.attr.npy": ("collection", "non-ASCII character 'ä' in collection"),
    "alf#/obj.attr.npy": ("collection", "'#' in folder 'alf#'"),
    "alf/#rev/obj.attr.npy": ("collection", "'#' in folder '#rev'"),
    "alf/#rev#/sub/obj.attr.npy": ("revision", "revision folder must be the last folder"),
    "#rev#/alf/obj.attr.npy": ("revision", "revision folder must be the last folder"),
    "#r1#/#r2#/obj.attr.npy": ("revision", "more than one revision folder"),
    "##/obj.attr.npy": ("revision", "empty revision label"),
    "#a#b#/obj.attr.npy": ("revision", "'#' inside revision label"),
    "#a b#/obj.attr.npy": ("revision", "space in revision"),
    "#rév#/obj.attr.npy": ("revision", "non-ASCII character 'é' in revision"),
    "alf/my file.attr.npy": ("object", "space in object"),
    "alf/obj.attr.npy\n": ("path", "trailing newline"),
    " alf/obj.attr.npy": ("path", "leading space"),
}


@pytest.mark.parametrize("rel, expected", INVALID_REL_PATHS.items(), ids=[repr(n) for n in INVALID_REL_PATHS])
def test_rel_path_reasons(rel, expected):
    reasons = spec.rel_path_reasons(rel)
    assert_reason(reasons, *expected)
    with pytest.raises(ALFInvalid) as info:
        spec.parse_rel_path(rel)
    assert info.value.reasons == reasons


def test_revision_must_be_last_reason_names_the_folder():
    (reason,) = spec.rel_path_reasons("alf/#rev#/sub/obj.attr.npy")
    assert reason == Reason("revision", "revision folder must be the last folder: '#rev#' is followed by 'sub'")


@pytest.mark.parametrize("collection", ["alf", "alf/probe00", "raw_ephys_data/probe00/pykilosort", "a.b/c-d", "x_y-z.1"])
def test_valid_collections(collection):
    assert spec.collection_reasons(collection) == []


#: collection -> (part, phrase)
INVALID_COLLECTIONS = {
    "": ("collection", "empty collection"),
    "/alf": ("collection", "starts with '/'"),
    "alf/": ("collection", "empty folder name"),
    "alf//probe00": ("collection", "empty folder name"),
    ".": ("collection", "folder '.'"),
    "alf/..": ("collection", "folder '..'"),
    ".git": ("collection", "hidden folder"),
    "alf/.ipynb_checkpoints": ("collection", "hidden folder"),
    "alf/#rev#": ("collection", "a revision folder is written #label#"),
    "my alf": ("collection", "space in collection"),
    "alf:1": ("collection", "illegal character ':'"),
    "alf\\probe00": ("collection", "illegal character '\\\\'"),
    "ålf": ("collection", "non-ASCII"),
    " alf": ("collection", "leading space"),
    "alf\n": ("collection", "trailing newline"),
}


@pytest.mark.parametrize("collection, expected", INVALID_COLLECTIONS.items(), ids=[repr(n) for n in INVALID_COLLECTIONS])
def test_collection_reasons(collection, expected):
    assert_reason(spec.collection_reasons(collection), *expected)


@pytest.mark.parametrize(
    "folders, expected",
    [
        ("", (None, None)),
        ("alf", ("alf", None)),
        ("alf/probe00", ("alf/probe00", None)),
        ("#2021-07-05#", (None, "2021-07-05")),
        ("alf/probe01/#2021-07-05#", ("alf/probe01", "2021-07-05")),
    ],
)
def test_split_collection(folders, expected):
    assert spec.split_collection(folders) == (*expected, [])


def test_split_collection_reasons():
    collection, revision, reasons = spec.split_collection("alf/#rev#/sub")
    assert (collection, revision) == ("alf/sub", "rev")
    assert_reason(reasons, "revision", "must be the last folder")
    assert_reason(spec.split_collection(".git")[2], "collection", "hidden folder")


# --------------------------------------------------------------------------------------------
# Session paths
# --------------------------------------------------------------------------------------------

#: session path -> (lab, subject, date, number)
VALID_SESSION_PATHS = {
    "subject/2021-06-01/001": (None, "subject", "2021-06-01", "001"),
    "cortexlab/Subjects/KS005/2019-04-01/001": ("cortexlab", "KS005", "2019-04-01", "001"),
    "mainenlab/Subjects/ZFM-01935/2021-02-05/001": ("mainenlab", "ZFM-01935", "2021-02-05", "001"),
    "mainenlab/Subjects/flowers/2018-07-13/1": ("mainenlab", "flowers", "2018-07-13", "1"),
    "NYU-40/2021-04-12/01": (None, "NYU-40", "2021-04-12", "01"),
    "sub.j_1/2020-02-29/999": (None, "sub.j_1", "2020-02-29", "999"),  # a leap day
    "/data/root/lab_1/Subjects/s/2021-01-01/001/": ("lab_1", "s", "2021-01-01", "001"),
    "/mnt/s/2021-01-01/001": (None, "s", "2021-01-01", "001"),
    "Subjects/s/2021-01-01/001": (None, "s", "2021-01-01", "001"),  # 'Subjects' is the subject's parent only
    "/Subjects/s/2021-01-01/001": (None, "s", "2021-01-01", "001"),  # Subjects at the root: no lab, as in ONE
    "//Subjects/s/2021-01-01/001": (None, "s", "2021-01-01", "001"),
    "lab/subjects/s/2021-01-01/001": (None, "s", "2021-01-01", "001"),  # 'Subjects' is case-sensitive
    "a/2021-01-01/001/b/2021-01-02/002": (None, "b", "2021-01-02", "002"),  # the session the path ends in
}


@pytest.mark.parametrize("path, expected", VALID_SESSION_PATHS.items(), ids=list(VALID_SESSION_PATHS))
def test_parse_session_path(path, expected):
    parts = spec.parse_session_path(path)
    assert parts.session_parts == expected
    assert parts[4:] == (None,) * 8
    assert spec.is_session_path(path)
    assert spec.session_path_reasons(path) == []
    assert spec.parse_session_path(pathlib.PurePosixPath(path)) == parts


def test_session_path_property_rebuilds_the_path_as_written():
    assert spec.parse_session_path("/root/lab/Subjects/s/2021-01-01/1").session_path == "lab/Subjects/s/2021-01-01/1"
    assert spec.parse_session_path("s/2021-01-01/001").session_path == "s/2021-01-01/001"


#: session path -> (part, phrase)
INVALID_SESSION_PATHS = {
    "": ("session path", "empty session path"),
    "subj/2021-02-30/001": ("date", "2021-02-30 is not a date"),
    "subj/2021-13-45/001": ("date", "2021-13-45 is not a date"),
    "subj/2019-02-29/001": ("date", "2019-02-29 is not a date"),
    "subj/٢٠٢١-01-01/001": ("date", "non-ASCII character"),
    "subj/2021-01-01/00١": ("number", "non-ASCII character"),
    "subj/2021-01-01/0001": ("number", "more than 3 digits"),
    "subj/2021-01-01/1000": ("number", "more than 3 digits"),
    "sub j/2021-01-01/001": ("subject", "space in subject 'sub j'"),
    "süb/2021-01-01/001": ("subject", "non-ASCII"),
    "x//2021-01-01/001": ("subject", "empty subject folder"),
    "lab//Subjects/s/2021-01-01/001": ("lab", "empty lab folder ('//' before Subjects)"),
    "my-lab/Subjects/subj/2021-01-01/001": ("lab", "illegal character '-' in lab 'my-lab'"),
    "my.lab/Subjects/subj/2021-01-01/001": ("lab", "illegal character '.' in lab"),
    "2021-01-01/001": ("session", "does not end in subject/date/number"),
    "subj/20210101/001": ("session", "does not end in subject/date/number"),
    "subj/2021-1-01/001": ("session", "does not end in subject/date/number"),
    "subj/2021-01-01/alf": ("session", "does not end in subject/date/number"),
    "subj/2021-01-01/001/alf": ("session", "continues after the session number ('alf')"),
    "subj/2021-01-01/001\n": ("session path", "trailing newline"),
    "C:\\data\\subj\\2021-01-01\\001": ("session", "does not end in subject/date/number"),
}


@pytest.mark.parametrize("path, expected", INVALID_SESSION_PATHS.items(), ids=[repr(n) for n in INVALID_SESSION_PATHS])
def test_session_path_reasons(path, expected):
    reasons = spec.session_path_reasons(path)
    assert_reason(reasons, *expected)
    assert not spec.is_session_path(path)
    with pytest.raises(ALFInvalid) as info:
        spec.parse_session_path(path)
    assert info.value.reasons == reasons


def test_real_session_paths_parse():
    with open(DATA / "real_session_paths.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 23
    for row in rows:
        parts = spec.parse_session_path(row["session_path"])
        assert parts.session_path == row["session_path"]
        assert parts.lab in {"cortexlab", "mainenlab"}


# --------------------------------------------------------------------------------------------
# Full paths
# --------------------------------------------------------------------------------------------

#: full path -> the 12 parts
VALID_FULL_PATHS = {
    "subject/2021-06-01/001/alf/probe01/#2021-07-05#/spikes.times.npy": (
        None, "subject", "2021-06-01", "001", "alf/probe01", "2021-07-05", None, "spikes", "times", None, None, "npy"),
    "/data/cortexlab/Subjects/KS005/2019-04-01/001/alf/_ibl_trials.goCue_times.npy": (
        "cortexlab", "KS005", "2019-04-01", "001", "alf", None, "ibl", "trials", "goCue_times", None, None, "npy"),
    "NYU-40/2021-04-12/1/_ibl_trials.intervals.npy": (
        None, "NYU-40", "2021-04-12", "1", None, None, "ibl", "trials", "intervals", None, None, "npy"),
    "lab/Subjects/s/2021-01-01/001/raw_ephys_data/_kilosort_raw.output.e8e8ad3e9a0a4a4d1a4e0e6a1a1b7b7c8c9d0e1f.tar": (
        "lab", "s", "2021-01-01", "001", "raw_ephys_data", None, "kilosort", "raw", "output", None,
        "e8e8ad3e9a0a4a4d1a4e0e6a1a1b7b7c8c9d0e1f", "tar"),
    # a bare filename is a filename; a trailing '/' changes nothing (as in ONE)
    "spikes.times.npy": (None,) * 7 + ("spikes", "times", None, None, "npy"),
    "spikes.times.npy/": (None,) * 7 + ("spikes", "times", None, None, "npy"),
    "s/2021-01-01/001/alf/spikes.times.npy/": (None, "s", "2021-01-01", "001", "alf", None, None, "spikes", "times", None, None, "npy"),
    # folders: a session, a collection, a revision (last component with fewer than two dots)
    "s/2021-01-01/001": (None, "s", "2021-01-01", "001") + (None,) * 8,
    "s/2021-01-01/001/": (None, "s", "2021-01-01", "001") + (None,) * 8,
    "s/2021-01-01/001/alf/probe00": (None, "s", "2021-01-01", "001", "alf/probe00") + (None,) * 7,
    "s/2021-01-01/001/alf/#rev#": (None, "s", "2021-01-01", "001", "alf", "rev") + (None,) * 6,
    "s/2021-01-01/001/foo.npy": (None, "s", "2021-01-01", "001", "foo.npy") + (None,) * 7,  # one dot: a folder
    # nested sessions: the first one wins, the rest is collection (rules flag it)
    "a/2021-01-01/001/b/2021-01-02/002/o.a.b": (
        None, "a", "2021-01-01", "001", "b/2021-01-02/002", None, None, "o", "a", None, None, "b"),
}


@pytest.mark.parametrize("path, expected", VALID_FULL_PATHS.items(), ids=list(VALID_FULL_PATHS))
def test_parse_path(path, expected):
    parts = spec.parse_path(path)
    assert tuple(parts) == expected
    assert spec.path_reasons(path) == []
    assert spec.parse_path(pathlib.PurePosixPath(path)) == parts


def test_parse_path_joins_session_and_rel_path():
    parts = spec.parse_path("lab/Subjects/s/2021-01-01/001/alf/#r#/_ns_o.a_bpod.x.y")
    assert parts.session_path == "lab/Subjects/s/2021-01-01/001"
    assert parts.rel_path == "alf/#r#/_ns_o.a_bpod.x.y"
    assert parts.filename == "_ns_o.a_bpod.x.y"


#: full path -> (part, phrase)
INVALID_FULL_PATHS = {
    "": ("path", "empty path"),
    "alf/obj.attr.npy": ("session", "no session folders"),
    "/obj.attr.npy": ("session", "no session folders"),  # a path, not a bare filename
    "/": ("path", "names no folder or file"),
    "s/2021-02-30/001/obj.attr.npy": ("date", "2021-02-30 is not a date"),
    "s/2021-01-01/0001/obj.attr.npy": ("number", "more than 3 digits"),
    "sub j/2021-01-01/001/obj.attr.npy": ("subject", "space in subject"),
    "my-lab/Subjects/s/2021-01-01/001/obj.attr.npy": ("lab", "illegal character '-' in lab"),
    "s/2021-01-01/001/alf/#rev#/sub/obj.attr.npy": ("revision", "must be the last folder"),
    "s/2021-01-01/001/alf/#a#/#b#/obj.attr.npy": ("revision", "more than one revision folder"),
    "s/2021-01-01/001//obj.attr.npy": ("collection", "empty folder name"),
    "s/2021-01-01/001/.git/obj.attr.npy": ("collection", "hidden folder"),
    "s/2021-01-01/001/alf/a b": ("collection", "space in collection"),
    "s/2021-01-01/001/alf/_obj.attr.npy": ("namespace", "no complete _namespace_"),
    "s/2021-01-01/001/alf/obj.attr.part1..npy": ("extra", "empty extra part"),
    "s/2021-01-01/001/alf/öbj.attr.npy": ("object", "non-ASCII"),
    "s/2021-01-01/001/alf/._obj.attr.npy": ("object", "hidden file"),
    "s/2021-01-01/001/obj.attr.npy\n": ("path", "trailing newline"),
}


@pytest.mark.parametrize("path, expected", INVALID_FULL_PATHS.items(), ids=[repr(n) for n in INVALID_FULL_PATHS])
def test_path_reasons(path, expected):
    reasons = spec.path_reasons(path)
    assert_reason(reasons, *expected)
    with pytest.raises(ALFInvalid) as info:
        spec.parse_path(path)
    assert info.value.reasons == reasons


# --------------------------------------------------------------------------------------------
# Deliberate differences from ONE: every documented class has a rejected example
# --------------------------------------------------------------------------------------------

#: DELIBERATE_DIFFERENCES key -> (function, name that ONE accepts and alflint rejects)
DIFFERENCE_EXAMPLES = {
    "non-ascii": [(spec.filename_reasons, "öbj.attr.npy"), (spec.filename_reasons, "obj.attr.١٢٣"),
                  (spec.session_path_reasons, "subj/٢٠٢١-01-01/001"), (spec.rel_path_reasons, "älf/o.a.npy")],
    "whitespace": [(spec.filename_reasons, "obj.attr.npy\n"), (spec.session_path_reasons, "s/2021-01-01/001\n")],
    "leading-slash": [(spec.rel_path_reasons, "/abs/obj.attr.npy")],
    "underscore-prefix": [(spec.filename_reasons, "_obj.attr.npy"), (spec.filename_reasons, "__obj.attr.npy"),
                          (spec.filename_reasons, "_ns_.attr.npy"), (spec.filename_reasons, "_o.attr.npy")],
    "empty-extra": [(spec.filename_reasons, "obj.attr.part1..npy")],
    "collection-segments": [(spec.rel_path_reasons, "alf//obj.attr.npy"), (spec.rel_path_reasons, "./obj.attr.npy"),
                            (spec.rel_path_reasons, "alf/../x/obj.attr.npy"), (spec.rel_path_reasons, ".git/obj.attr.npy")],
    "partial-folder": [(spec.session_path_reasons, "my-lab/Subjects/s/2021-01-01/001"),
                       (spec.session_path_reasons, "sub j/2021-01-01/001")],
    "calendar-date": [(spec.session_path_reasons, "s/2021-02-30/001")],
    "lenient-folders": [(spec.path_reasons, "s/2021-01-01/001/##/o.a.b"), (spec.path_reasons, "s/2021-01-01/001/a b/o.a.b"),
                        (spec.path_reasons, "s/2021-01-01/001/alf/#a#/#b#/o.a.b")],
    "unnormalised-path": [(spec.path_reasons, "lab//Subjects/s/2021-01-01/001/o.a.b"),
                          (spec.session_path_reasons, "lab//Subjects/s/2021-01-01/001"),
                          (spec.path_reasons, "s/2021-01-01/001/./alf/o.a.b")],
}


@pytest.mark.parametrize("key", sorted(DIFFERENCE_EXAMPLES))
def test_deliberate_differences_are_rejections(key):
    assert key in spec.DELIBERATE_DIFFERENCES
    for reasons_of, name in DIFFERENCE_EXAMPLES[key]:
        assert reasons_of(name), f"{name!r} should be rejected ({key})"


def test_folder_path_difference_is_an_acceptance():
    # ONE's full_path_parts rejects a path to a collection folder; alflint parses it.
    assert "folder-path" in spec.DELIBERATE_DIFFERENCES
    assert spec.parse_path("subj/2021-01-01/001/alf/probe00").collection == "alf/probe00"


def test_every_deliberate_difference_is_documented():
    for key, text in spec.DELIBERATE_DIFFERENCES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", key)
        assert "ONE" in text


# --------------------------------------------------------------------------------------------
# Inputs, errors and the records
# --------------------------------------------------------------------------------------------


def test_path_objects_are_accepted():
    assert spec.is_valid(pathlib.PurePosixPath("obj.attr.npy"))
    assert spec.parse_path(pathlib.PureWindowsPath("s\\2021-01-01\\001\\alf\\o.a.b")).collection == "alf"
    assert spec.is_session_path(pathlib.Path("/tmp/s/2021-01-01/001"))

    class Fspath:  # any os.PathLike, such as os.DirEntry
        def __fspath__(self):
            return "s/2021-01-01/001/alf/o.a.b"

    assert spec.parse_path(Fspath()).collection == "alf"


@pytest.mark.parametrize("bad", [None, 1, b"obj.attr.npy", ["obj.attr.npy"]])
def test_non_text_input_is_a_type_error(bad):
    for function in (spec.parse_filename, spec.filename_reasons, spec.parse_rel_path, spec.parse_session_path,
                     spec.parse_path, spec.is_valid, spec.is_session_path, spec.collection_reasons):
        with pytest.raises(TypeError):
            function(bad)


def test_alfinvalid_is_a_valueerror_with_reasons():
    with pytest.raises(ValueError) as info:
        spec.parse_filename("obj.attr")
    err = info.value
    assert isinstance(err, ALFInvalid) and isinstance(err, ALFError)
    assert err.reasons == [Reason("extension", err.reasons[0].message)]
    assert str(err).startswith("'obj.attr' is not an ALF filename: no extension")


def test_alfparts_is_a_12_field_record_in_one_order():
    assert AlfParts._fields == (
        "lab", "subject", "date", "number", "collection", "revision",
        "namespace", "object", "attribute", "timescale", "extra", "extension",
    )
    empty = AlfParts()
    assert tuple(empty) == (None,) * 12
    assert empty.filename is None and empty.rel_path is None and empty.session_path is None


def test_alfparts_rel_path_without_collection():
    assert spec.parse_rel_path("#r#/o.a.b").rel_path == "#r#/o.a.b"
    assert spec.parse_rel_path("o.a.b").rel_path == "o.a.b"


def test_public_names():
    for name in spec.__all__:
        assert hasattr(spec, name), name
    assert {"parse_filename", "parse_rel_path", "parse_session_path", "parse_path", "to_alf",
            "dromedary", "describe", "path_pattern", "is_valid", "is_session_path"} <= set(spec.__all__)


def test_loadable_extensions():
    assert {"npy", "json", "pqt", "csv", "sparse_npz"} <= spec.LOADABLE_EXTENSIONS
    assert "bin" not in spec.LOADABLE_EXTENSIONS


# --------------------------------------------------------------------------------------------
# Real names
# --------------------------------------------------------------------------------------------


def real_names() -> list[dict]:
    with open(DATA / "alf_names.csv", newline="") as f:
        return list(csv.DictReader(f))


#: Real names from ibllib that ONE misreads (`_DAQdata` as namespace 'DAQdat', object 'a'):
#: the underscore-prefix deliberate difference. (The Alyx dataset types are `_*_DAQdata.*`:
#: these strings are the tail of a namespaced name.)
REAL_UNDERSCORE_PREFIX = {
    "_DAQdata.meta.json": "namespace 'DAQdat', object 'a'",
    "_DAQdata.timestamps.npy": "namespace 'DAQdat', object 'a'",
    "_DAQdata.wiring.json": "namespace 'DAQdat', object 'a'",
    "_sync.channels.npy": "namespace 'syn', object 'c'",
}


def test_real_literal_names_parse_as_recorded():
    """Every literal name ONE accepts parses into the parts recorded in alf_names.csv."""
    checked = 0
    for row in real_names():
        if row["is_template"] == "True" or row["valid_filename"] != "True" or row["valid_collection"] != "True":
            continue
        if row["rel_path"] in REAL_UNDERSCORE_PREFIX:
            assert_reason(spec.rel_path_reasons(row["rel_path"]), "namespace", REAL_UNDERSCORE_PREFIX[row["rel_path"]])
            continue
        parts = spec.parse_rel_path(row["rel_path"])
        for field in ("collection", "revision") + FILE_FIELDS:
            assert (getattr(parts, field) or "") == row[field], (row["rel_path"], field)
        checked += 1
    assert checked > 500


# --------------------------------------------------------------------------------------------
# Building names: dromedary and to_alf
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello world", "helloWorld"),
        ("motion_energy", "motionEnergy"),
        ("FooBarBaz", "fooBarBaz"),
        ("passive_RFM", "passiveRFM"),
        ("ROI Motion Energy", "ROIMotionEnergy"),
        ("", ""),
        ("mpci ROIs", "mpciROIs"),
        ("RFM", "rFM"),  # a single word only has its first letter lowered
        ("wheel  moves", "wheelMoves"),
        ("peak_amplitude", "peakAmplitude"),
    ],
)
def test_dromedary(text, expected):
    assert spec.dromedary(text) == expected


@pytest.mark.parametrize(
    "args, kwargs, expected",
    [
        (("wheel moves", "peak_amplitude", "npy"), {}, "wheelMoves.peakAmplitude.npy"),
        (("ROI motion", "times", "npy"), {"timescale": "ephys clock"}, "ROIMotion.times_ephysClock.npy"),
        (("obj", "foo_bar_times", "npy"), {}, "obj.fooBar_times.npy"),
        (("Obj", "Attr", "npy"), {}, "obj.attr.npy"),
        (("obj", "foo_bar_intervals", "npy"), {}, "obj.fooBar_intervals.npy"),
        (("obj", "attr_timestamps", "npy"), {}, "obj.attr_timestamps.npy"),
        (("spikes", "times", "npy"), {"namespace": "ibl", "timescale": "ephys clock", "extra": "raw"},
         "_ibl_spikes.times_ephysClock.raw.npy"),
        (("obj", "attr", ".npy"), {}, "obj.attr.npy"),
        (("obj", "attr", "npy"), {"timescale": ("bpod", "clock")}, "obj.attr_bpod_clock.npy"),
        (("obj", "attr", "npy"), {"extra": ("a", "b")}, "obj.attr.a.b.npy"),
        (("obj", "attr", "npy"), {"extra": "a.b"}, "obj.attr.a.b.npy"),
    ],
)
def test_to_alf(args, kwargs, expected):
    name = spec.to_alf(*args, **kwargs)
    assert name == expected
    assert spec.is_valid(name)


def test_to_alf_round_trips_through_the_parser():
    name = spec.to_alf("wheel moves", "peak_amplitude", "npy", namespace="ibl", timescale="bpod", extra="x1")
    assert file_parts(spec.parse_filename(name)) == ("ibl", "wheelMoves", "peakAmplitude", "bpod", "x1", "npy")


@pytest.mark.parametrize(
    "args, kwargs, error, phrase",
    [
        (("obj", "attr", ""), {}, TypeError, "extension"),
        (("obj", "attr", None), {}, TypeError, "extension"),
        (("obj.x", "attr", "npy"), {}, ValueError, "object 'obj.x' contains '.'"),
        (("obj", "at.tr", "npy"), {}, ValueError, "attribute"),
        (("obj", "attr", "np.y"), {}, ValueError, "extension"),
        (("obj", "attr", "npy"), {"namespace": "_usr_"}, ValueError, "namespace"),
        (("obj", "attr", "npy"), {"namespace": "u.sr"}, ValueError, "namespace"),
        (("obj", "attr", "npy"), {"timescale": "a.b"}, ValueError, "timescale"),
        (("_obj", "attr", "npy"), {}, ValueError, "starts with '_'"),
        (("obj-x", "attr", "npy"), {}, ALFInvalid, "illegal character '-' in object"),
        (("obj", "attr", "npy"), {"extra": ("a", "")}, ALFInvalid, "empty extra part"),
    ],
)
def test_to_alf_refuses_parts_that_cannot_form_a_name(args, kwargs, error, phrase):
    with pytest.raises(error, match=re.escape(phrase)):
        spec.to_alf(*args, **kwargs)


def test_a_lab_name_is_judged_as_the_lab_folder_of_a_session_path_is():
    """`index --lab NAME` and the tables ask about a bare name; a session path about its lab
    folder: one rule (letters, digits and '_'), one wording."""
    from alflint import spec
    from alflint.exceptions import ALFInvalid

    for lab in ("cortexlab", "churchlandlab_ucla", "hoferlab", "lab2"):
        assert spec.lab_reasons(lab) == []
        spec.check_lab(lab)
    for lab in ("lab.1", "a b", "labé"):
        in_path = [r for r in spec.session_path_reasons(f"{lab}/Subjects/s1/2021-01-01/001") if r.part == "lab"]
        assert spec.lab_reasons(lab) == in_path != []
        with pytest.raises(ALFInvalid, match="is not an ALF lab name") as raised:
            spec.check_lab(lab)
        assert raised.value.reasons == in_path
    assert [r.part for r in spec.lab_reasons("")] == ["lab"]
    assert {r.part for r in spec.lab_reasons("../x")} == {"lab"}  # a folder of its own in a path
