"""The path and layout rules on every real IBL dataset name: no false errors.

Every literal name in tests/data/ibl/alf_names.csv that ONE's grammar accepts is written, with
non-empty content, into one session ``subj/2021-01-01/001/<rel_path>`` and checked with the
ALF1xx-ALF4xx rules. Warnings are allowed (real names break conventions); errors are not,
with two documented exceptions:

* the ``_DAQdata.*`` / ``_sync.*`` strings ONE misreads (the spec's ``underscore-prefix``
  deliberate difference, see tests/test_spec.py): ALF103 reports them, on purpose;
* collisions created by putting names from different sources (ONE's tests, docs, ibllib)
  into one folder: ALF301 for ``trials.intervals_bpod.npy`` from a test next to
  ``trials.intervals_bpod.ssv`` from the docs, ALF113 for two spellings of
  ``_iblrig_VideoCodeFiles.raw.zip``. Each is checked to name only real names, and a second
  check spreads colliding names over several sessions and allows no error but ALF103's.
"""

from __future__ import annotations

import collections
import csv
from pathlib import Path

import pytest

import alflint
from alflint import spec
from rule_cases import build_files

DATA = Path(__file__).parent / "data" / "ibl" / "alf_names.csv"
SESSION = "subj/2021-01-01/001"
#: Strings ONE misreads by backtracking on a leading underscore (see tests/test_spec.py).
MISREAD = {"_DAQdata.meta.json", "_DAQdata.timestamps.npy", "_DAQdata.wiring.json", "_sync.channels.npy"}


def literal_names() -> list[str]:
    with open(DATA, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return sorted({r["rel_path"] for r in rows
                   if r["valid_filename"] == "True" and r["valid_collection"] == "True" and r["is_template"] == "False"})


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("real-names")
    build_files(root, {f"{SESSION}/{name}": None for name in literal_names()})
    (root / "alflint.toml").write_text("")
    return alflint.check(root, select=["ALF1", "ALF2", "ALF3", "ALF4"], content=False)


def test_real_names_raise_no_false_errors(report):
    names = literal_names()
    errors = [i for i in report.errors if not _explained(i, set(names))]
    by_code = collections.Counter(i.code for i in report.warnings)
    infos = collections.Counter(i.code for i in report.infos)
    print(f"\n{len(names)} real names; {len(report.errors)} errors ({len(errors)} unexplained); "
          f"warnings by code {dict(sorted(by_code.items()))}; infos {dict(sorted(infos.items()))}")
    assert len(names) > 500
    assert report.files_checked == len(names) + 1  # + alflint.toml
    assert errors == [], "\n".join(f"{i.code} {i.path}: {i.message}" for i in errors)
    assert report.internal_errors == 0


def _explained(issue, names: set[str]) -> bool:
    rel = issue.path[len(SESSION) + 1:]
    if issue.code == "ALF103":
        return rel in MISREAD
    if issue.code == "ALF301":
        folder = rel.rpartition("/")[0]
        listed = [n.strip("'") for n in issue.message.split(" load into ")[0].replace(" and ", ", ").split(", ")]
        return len(listed) >= 2 and all(f"{folder}/{n}".lstrip("/") in names for n in listed)
    if issue.code == "ALF113":
        other = issue.message.split(" and ", 1)[1].split("'")[1]
        return rel in names and other[len(SESSION) + 1:] in names
    return False


def _spread(names: list[str]) -> dict[str, None]:
    """Each name in the first session where it collides with no other (same key or case)."""
    sessions: list[set] = []
    files = {}
    for name in names:
        p = spec.parse_rel_path(name) if name not in MISREAD else None
        key = (p.collection, p.revision, p.object, p.attribute, p.timescale, p.extra) if p else name
        marks = {("key", key), ("case", name.lower())}
        number = next((i for i, used in enumerate(sessions) if not used & marks), len(sessions))
        if number == len(sessions):
            sessions.append(set())
        sessions[number] |= marks
        files[f"subj/2021-01-01/{number + 1:03d}/{name}"] = None
    return files


def test_real_names_spread_over_sessions_raise_no_error_but_the_misread_ones(tmp_path):
    root = build_files(tmp_path, _spread(literal_names()))
    (root / "alflint.toml").write_text("")
    report = alflint.check(root, select=["ALF1", "ALF2", "ALF3", "ALF4"], content=False)
    assert report.sessions_checked > 1
    errors = sorted((i.code, i.path.split("/", 3)[3]) for i in report.errors)
    assert errors == sorted(("ALF103", name) for name in MISREAD & set(literal_names()))


def test_the_misread_strings_are_exactly_the_alf103_errors(report):
    flagged = {i.path[len(SESSION) + 1:] for i in report.errors if i.code == "ALF103"}
    assert flagged == MISREAD & set(literal_names())


def test_conventional_raw_names_are_not_warned_about(report):
    """SpikeGLX run tags, acronyms, atlas-version timescales: real and conventional."""
    quiet = ["raw_ephys_data/probe00/_spikeglx_ephysData_g0_t0.imec0.ap.cbin", "mpci.ROIActivityF.npy",
             "_iblrig_RFMapStim.raw.bin", "channels.brainLocationIds_ccf_2017.npy", "spikes.times_ephysClock.npy",
             "raw_video_data/_iblrig_leftCamera.GPIO.bin", "trials.goCue_times_bpod.npy"]
    noisy = {i.path[len(SESSION) + 1:] for i in report.issues if i.severity != "info"}
    assert [n for n in quiet if n in noisy] == []


def test_real_session_paths_raise_only_the_unpadded_number_error(tmp_path):
    """ONE's test cache has 23 real session paths; two use an unpadded number ('.../1'), which
    ONE indexes but cannot load (it rebuilds '.../001'): exactly those are ALF404 errors."""
    with open(DATA.with_name("real_session_paths.csv"), newline="", encoding="utf-8") as fh:
        sessions = [row["session_path"] for row in csv.DictReader(fh)]
    build_files(tmp_path, {f"{s}/alf/spikes.times.npy": None for s in sessions})
    (tmp_path / "alflint.toml").write_text("")
    report = alflint.check(tmp_path, select=["ALF1", "ALF2", "ALF3", "ALF4"], content=False)
    assert report.sessions_checked == len(sessions) > 20
    unpadded = sorted(s for s in sessions if len(s.rsplit("/", 1)[1]) < 3)
    assert len(unpadded) == 2
    assert [(i.code, i.path) for i in report.issues] == [("ALF404", s) for s in unpadded]
