"""Property tests of alflint.spec: total parsers, consistent answers, round trips of to_alf."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alflint import spec
from alflint.exceptions import ALFInvalid

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Alphabets heavy in the characters the grammar cares about.
GRAMMAR_CHARS = "._/#-_ Subjects2021-0156789abcXYZ\n\téß٣Ａ"
texts = st.one_of(
    st.text(),  # any Unicode
    st.text(alphabet=GRAMMAR_CHARS, max_size=40),
    st.text(alphabet="._#/", max_size=12),
    st.text(alphabet="_.ab", max_size=12),
    # pieces of valid paths glued together
    st.lists(st.sampled_from(["lab", "Subjects", "subj", "2021-01-01", "2021-02-30", "001", "1", "alf", "#rev#",
                              "##", "", ".", "..", "_ibl_", "obj", ".attr", "_times", ".npy", "_bpod", "/"]),
             max_size=12).map("".join),
    st.lists(st.sampled_from(["lab", "Subjects", "subj", "2021-01-01", "001", "alf", "#r#", "", ".", "o.a.b",
                              "_ns_o.a_t.x.e", "öbj.a.b"]), max_size=9).map("/".join),
)

PARSERS = [spec.parse_filename, spec.parse_rel_path, spec.parse_session_path, spec.parse_path]
REASONS = [spec.filename_reasons, spec.rel_path_reasons, spec.collection_reasons, spec.session_path_reasons,
           spec.path_reasons]


@FAST
@given(texts)
@example("")
@example("_")
@example(".")
@example("/")
@example("//")
@example("#")
@example("##/x.y.z")
@example("s/2021-01-01/001/")
@example("/Subjects/s/2021-01-01/001")
@example("0/Subjects/0/0000-00-00/0")
@example("_._._")
def test_parsers_only_ever_raise_alfinvalid(text):
    for parse in PARSERS:
        try:
            parts = parse(text)
        except ALFInvalid as err:
            assert err.reasons, "a rejection always says why"
            assert all(isinstance(r, spec.Reason) and r.message for r in err.reasons)
        else:
            assert isinstance(parts, spec.AlfParts)
    for reasons_of in REASONS:
        reasons = reasons_of(text)
        assert isinstance(reasons, list)
        assert all(isinstance(r, spec.Reason) for r in reasons)
    spec.split_collection(text)


@FAST
@given(texts)
def test_is_valid_means_no_filename_reasons(text):
    reasons = spec.filename_reasons(text)
    assert spec.is_valid(text) == (not reasons)
    assert (spec.try_parse_filename(text) is not None) == (not reasons)
    if not reasons:
        parts = spec.parse_filename(text)
        assert parts == spec.try_parse_filename(text)
        assert parts.filename == text


@FAST
@given(texts)
def test_every_parser_agrees_with_its_reasons(text):
    for parse, reasons_of in [(spec.parse_rel_path, spec.rel_path_reasons),
                              (spec.parse_session_path, spec.session_path_reasons),
                              (spec.parse_path, spec.path_reasons)]:
        reasons = reasons_of(text)
        if reasons:
            with pytest.raises(ALFInvalid) as info:
                parse(text)
            assert info.value.reasons == reasons
        else:
            parse(text)
    assert spec.is_session_path(text) == (not spec.session_path_reasons(text))


@FAST
@given(texts)
def test_valid_rel_paths_rebuild_themselves(text):
    try:
        parts = spec.parse_rel_path(text)
    except ALFInvalid:
        return
    assert parts.rel_path == text
    assert spec.parse_rel_path(parts.rel_path) == parts


# --------------------------------------------------------------------------------------------
# to_alf round trips
# --------------------------------------------------------------------------------------------

word = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
lower_word = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8)
#: Phrases to camel-case: words joined by spaces or underscores ("wheel moves", "peak_amplitude").
phrase = st.builds(lambda first, rest, sep: sep.join([first, *rest]),
                   st.one_of(lower_word, word), st.lists(word, max_size=3), st.sampled_from([" ", "_"]))
attribute = st.builds(lambda p, suffix: p + suffix, phrase, st.sampled_from(["", "", "_times", "_intervals"]))
namespace = st.one_of(st.none(), st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8))
timescale = st.one_of(st.none(), phrase, st.lists(phrase, min_size=1, max_size=2).map(tuple))
extra = st.one_of(st.none(), st.lists(st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1,
                                              max_size=8), min_size=1, max_size=3).map(tuple))
extension = st.sampled_from(["npy", "json", "pqt", "csv", "tsv", "sparse_npz", "bin", "mp4", "gz"])


@FAST
@given(phrase, attribute, extension, namespace, timescale, extra)
@example("wheel moves", "peak_amplitude", "npy", None, None, None)
@example("ROI motion", "times", "npy", None, "ephys clock", None)
@example("obj", "foo_bar_times", "npy", "ibl", ("bpod", "clock"), ("a", "b"))
def test_to_alf_builds_names_that_parse_back_to_their_parts(obj, attr, ext, ns, ts, extras):
    name = spec.to_alf(obj, attr, ext, namespace=ns, timescale=ts, extra=extras)
    parts = spec.parse_filename(name)
    assert parts.filename == name
    assert parts.object == spec.dromedary(obj)
    assert parts.namespace == ns
    assert parts.extension == ext
    for suffix in ("_times", "_intervals"):
        if attr.endswith(suffix):
            assert parts.attribute == spec.dromedary(attr[: -len(suffix)]) + suffix
            break
    else:
        assert parts.attribute == spec.dromedary(attr)
    if ts is None:
        assert parts.timescale is None
    else:
        scales = (ts,) if isinstance(ts, str) else ts
        assert parts.timescale == "_".join(spec.dromedary(t) for t in scales)
    assert parts.extra == (".".join(extras) if extras else None)


@FAST
@given(phrase)
def test_dromedary_joins_the_words_without_separators(text):
    once = spec.dromedary(text)
    assert " " not in once and "_" not in once
    assert once.lower() == text.replace(" ", "").replace("_", "").lower()  # same letters, only case changes
    first = text.replace("_", " ").split()[0]
    if once[:1] != first[:1]:  # the first letter is lowered unless the first word is an acronym
        assert once[:1] == first[:1].lower()


# --------------------------------------------------------------------------------------------
# Paths assembled from valid parts
# --------------------------------------------------------------------------------------------

folder = st.text(alphabet=string.ascii_letters + string.digits + "_-.", min_size=1, max_size=8).filter(
    lambda f: not f.startswith("."))
collection = st.one_of(st.none(), st.lists(folder, min_size=1, max_size=3).map("/".join))
revision = st.one_of(st.none(), folder)
filename = st.builds(spec.to_alf, phrase, attribute, extension, namespace, timescale, extra)
subject = st.text(alphabet=string.ascii_letters + string.digits + "_-.", min_size=1, max_size=8)
lab = st.one_of(st.none(), st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=8))
date = st.dates().map(lambda d: d.isoformat()).filter(lambda d: len(d) == 10)
number = st.integers(0, 999).flatmap(lambda n: st.sampled_from([str(n), f"{n:03d}"]))


@FAST
@given(lab, subject, date, number, collection, revision, filename, st.sampled_from(["", "/", "/data/root/"]))
def test_assembled_paths_parse_into_their_parts(lab_, subject_, date_, number_, collection_, revision_, name, root):
    session = (f"{lab_}/Subjects/" if lab_ else "") + f"{subject_}/{date_}/{number_}"
    rel = "/".join(f for f in (collection_, f"#{revision_}#" if revision_ else None, name) if f)
    session_parts = spec.parse_session_path(root + session)
    assert session_parts.session_parts == (lab_, subject_, date_, number_)
    rel_parts = spec.parse_rel_path(rel)
    assert (rel_parts.collection, rel_parts.revision) == (collection_, revision_)
    assert rel_parts.filename == name
    full = spec.parse_path(f"{root}{session}/{rel}")
    assert full == rel_parts._replace(lab=lab_, subject=subject_, date=date_, number=number_)
    assert full.session_path == session and full.rel_path == rel
    assert spec.split_collection("/".join(rel.split("/")[:-1])) == (collection_, revision_, [])
