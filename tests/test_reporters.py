"""The reporters: snapshots of every format on one fixed report, and their contracts."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest

from alflint.model import REPORT_VERSION, Issue, Report
from alflint.reporters import FORMATS, ReportLoadError, load_report, render, use_color
from alflint.reporters.github import escape_data, escape_property
from snapshot import assert_snapshot, normalise

CWD = "/home/user/project"
ROOT = "/home/user/project/data"
S1 = "cortexlab/Subjects/KS023/2019-12-10/001"
S2 = "cortexlab/Subjects/KS023/2019-12-11/001"
S3 = "mainenlab/Subjects/ZM_1743/2019-06-14/1"  # checked, no issue


def sample_report() -> Report:
    """Three sessions (one clean), all severities, issues outside sessions, an ALF900 crash."""
    issues = [
        Issue("ALF104", "object-not-camel-case", "warning", f"{S1}/alf/Trials.goCue_times.npy",
              "object 'Trials' is not camelCase", S1, "alf", ""),
        Issue("ALF101", "invalid-filename", "error", f"{S1}/alf/trials_intervals.npy",
              "'trials_intervals.npy' has no attribute: expected object.attribute.extension", S1, "alf", ""),
        Issue("ALF210", "row-count-mismatch", "error", f"{S1}/alf/trials.table.pqt",
              "100% of rows read: 512 rows, but trials.intervals has 511\nfirst extra row: 511", S1, "alf", ""),
        Issue("ALF104", "object-not-camel-case", "warning", f"{S1}/alf/probe00/Spikes.times.npy",
              "object 'Spikes' is not camelCase", S1, "alf/probe00", ""),
        Issue("ALF120", "revision-folder", "warning", f"{S1}/alf/#2021-01-01#/spikes.times.npy",
              "revision '2021-01-01' shadows the unrevisioned dataset", S1, "alf", "2021-01-01"),
        Issue("ALF301", "non-ascii-attribute", "info", f"{S2}/alf/wheel.position_µm.npy",
              "attribute 'position_µm' uses the non-ASCII character 'µ' (U+00B5)", S2, "alf", ""),
        Issue("ALF900", "rule-crashed", "error", f"{S2}/alf/wheel.timestamps.npy",
              "rule ALF212 (npy-header) crashed: ValueError: cannot reshape array of size 0 into shape (3,)",
              S2, "alf", ""),
        Issue("ALF001", "not-in-session", "warning", "notes/lab book, v2: draft.txt",
              "file outside any session"),
        Issue("ALF150", "missing-cache-tables", "info", ".",
              "no ONE cache tables (sessions.pqt, datasets.pqt) at the repository root"),
    ]
    return Report(
        issues=issues,
        root=ROOT,
        files_checked=42,
        sessions_checked=3,
        sessions=[S1, S2, S3],
        duration=0.0412,
        internal_errors=1,
    )


def sample_rules() -> dict:
    """A catalogue that knows some codes fully, one partly (ALF120) and others not at all."""

    def info(code, name, severity, scope, summary, doc):
        return SimpleNamespace(code=code, name=name, severity=severity, scope=scope, summary=summary, doc=doc)

    return {
        "ALF001": info("ALF001", "not-in-session", "warning", "path", "Files belong in a session folder.",
                       "Files belong in a session folder.\n\n    **Why** ONE only finds datasets inside sessions."),
        "ALF101": info("ALF101", "invalid-filename", "error", "path", "Dataset file names are object.attribute.extension.",
                       "Dataset file names are object.attribute.extension.\n\n**Bad** `trials_intervals.npy`\n**Good** `trials.intervals.npy`"),
        "ALF104": info("ALF104", "object-not-camel-case", "warning", "path", "Object names are camelCase.",
                       "Object names are camelCase."),
        "ALF210": info("ALF210", "row-count-mismatch", "error", "object", "Attributes of an object have the same number of rows.",
                       "Attributes of an object have the same number of rows."),
        "ALF301": info("ALF301", "non-ascii-attribute", "info", "path", "Attribute names are ASCII.", "Attribute names are ASCII."),
        "ALF120": SimpleNamespace(code="ALF120", name="revision-folder"),  # partial record
    }


def rendered(fmt: str, report: Report | None = None, **kwargs) -> str:
    kwargs.setdefault("rules", sample_rules())
    kwargs.setdefault("cwd", CWD)
    return render(report or sample_report(), fmt, **kwargs)


# --- snapshots --------------------------------------------------------------------------

SNAPSHOT_NAMES = {"text": "txt", "concise": "txt", "json": "json", "sarif": "sarif.json", "github": "txt", "junit": "xml"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_snapshot(fmt):
    assert_snapshot(rendered(fmt), f"report.{fmt}.{SNAPSHOT_NAMES[fmt]}")


def test_snapshot_text_color_and_statistics():
    assert_snapshot(rendered("text", color=True, statistics=True), "report.text-color-statistics.txt")


def test_snapshot_text_clean_report():
    report = Report(root=ROOT, files_checked=12, sessions_checked=2, sessions=[S1, S3], duration=0.04)
    assert_snapshot(rendered("text", report, statistics=True), "report.text-clean.txt")


def test_snapshot_helper_normalises_and_reports_differences(tmp_path, monkeypatch):
    monkeypatch.delenv("ALFLINT_UPDATE_SNAPSHOTS", raising=False)
    from alflint._version import __version__

    text = f'alflint {__version__} in {tmp_path}/x (0.93 s)\n"duration_seconds": 1.5, time="2.250"\n'
    assert normalise(text, {str(tmp_path): "<TMP>"}) == (
        'alflint <VERSION> in <TMP>/x (<DURATION> s)\n"duration_seconds": 0.0, time="0.000"\n'
    )
    with pytest.raises(AssertionError, match="no snapshot"):
        assert_snapshot("a\n", "missing.txt", directory=tmp_path)
    monkeypatch.setenv("ALFLINT_UPDATE_SNAPSHOTS", "1")
    assert_snapshot("a\nb\n", "new.txt", directory=tmp_path)
    assert (tmp_path / "new.txt").read_text(encoding="utf-8") == "a\nb\n"
    monkeypatch.delenv("ALFLINT_UPDATE_SNAPSHOTS")
    assert_snapshot("a\nb\n", "new.txt", directory=tmp_path)
    with pytest.raises(AssertionError, match=r"(?s)-b\n\+c"):
        assert_snapshot("a\nc\n", "new.txt", directory=tmp_path)


# --- the dispatcher -----------------------------------------------------------------------


def test_formats_and_unknown_format():
    assert FORMATS == ("text", "concise", "json", "sarif", "github", "junit")
    with pytest.raises(ValueError, match="choose one of text, concise"):
        render(sample_report(), "yaml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_without_a_catalogue_and_without_root(fmt):
    report = sample_report()
    report.root = None
    out = render(report, fmt, cwd=CWD)  # no rules at all: names come from the issues
    assert "ALF900" in out
    if fmt not in ("sarif",):  # SARIF percent-encodes the space and comma
        assert "notes/lab book" in out or "notes%2Flab book" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_report_renders_in_every_format(fmt):
    out = render(Report(), fmt, cwd=CWD)
    if fmt in ("concise", "github"):
        assert out == ""
    else:
        assert out.endswith("\n") and "ALF" not in out


def test_reporters_import_only_the_standard_library():
    code = (
        "import sys\n"
        "from alflint.model import Issue, Report\n"
        "from alflint.reporters import render, FORMATS\n"
        "r = Report(issues=[Issue('ALF101', 'n', 'error', 'a.b.npy', 'm')])\n"
        "for f in FORMATS: render(r, f)\n"
        "heavy = [m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- paths --------------------------------------------------------------------------------


def test_paths_are_relative_to_cwd_below_it_and_absolute_outside(tmp_path):
    root = tmp_path / "repo"
    report = Report(issues=[Issue("ALF101", "n", "error", "a/x.npy", "m")], root=str(root))
    assert render(report, "concise", cwd=str(tmp_path)) == "repo/a/x.npy:ALF101:error:m\n"
    assert render(report, "concise", cwd=str(root)) == "a/x.npy:ALF101:error:m\n"
    elsewhere = tmp_path / "elsewhere"
    expected = (root / "a" / "x.npy").as_posix()
    assert render(report, "concise", cwd=str(elsewhere)) == f"{expected}:ALF101:error:m\n"


def test_relative_root_is_resolved_against_cwd():
    report = Report(issues=[Issue("ALF101", "n", "error", "a/x.npy", "m")], root="data")
    assert render(report, "concise", cwd=CWD) == "data/a/x.npy:ALF101:error:m\n"
    report.root = "."
    assert render(report, "concise", cwd=CWD) == "a/x.npy:ALF101:error:m\n"


# --- text -------------------------------------------------------------------------------


def test_text_groups_by_session_then_file():
    out = rendered("text")
    lines = out.splitlines()
    headers = [line for line in lines if line and not line.startswith(" ")]
    assert headers[:3] == ["Outside sessions  (1 warning, 1 info)", f"Session data/{S1}  (2 errors, 3 warnings)",
                           f"Session data/{S2}  (1 error, 1 info)"]
    s1_paths = [line.split(": ")[0].strip() for line in lines if line.startswith(f"  data/{S1}")]
    assert s1_paths == sorted(s1_paths)
    assert f"  data/{S1}/alf/trials_intervals.npy: ALF101 [error] 'trials_intervals.npy' has no attribute" in out
    assert "\n      first extra row: 511\n" in out  # continuation line indented under its issue


def test_text_summary_counts_and_plurals():
    out = rendered("text")
    assert out.splitlines()[-2] == "Found 3 errors, 4 warnings, 2 infos in 42 files, 3 sessions (0.04 s)."
    assert out.splitlines()[-1].startswith("1 internal error (ALF9xx above)")
    one = Report(issues=[Issue("ALF104", "n", "warning", "x", "m")], files_checked=1, sessions_checked=1, duration=1.5)
    assert render(one, "text").splitlines()[-1] == "Found 1 warning in 1 file, 1 session (1.50 s)."
    clean = Report(files_checked=12, sessions_checked=2, duration=0.04)
    assert render(clean, "text") == "All checks passed: 12 files, 2 sessions (0.04 s).\n"


def test_text_statistics_sorted_by_count_then_code():
    out = rendered("text", statistics=True)
    block = out.split("Statistics\n")[1].split("\n\n")[0].splitlines()
    codes = [line.split()[1] for line in block]
    counts = [int(line.split()[0]) for line in block]
    assert codes[:1] == ["ALF104"] and counts[0] == 2
    assert counts == sorted(counts, reverse=True)
    assert codes[1:] == sorted(codes[1:])  # all other codes occur once: by code
    assert "ALF104  object-not-camel-case  [warning]" in block[0]
    assert "statistics" not in rendered("text").lower()


def test_text_color_only_when_asked():
    assert "\x1b[" not in rendered("text")
    colored = rendered("text", color=True)
    assert "\x1b[1;31mALF101\x1b[0m" in colored
    assert "\x1b[1;33m[warning]\x1b[0m" in colored
    assert "\x1b[" not in render(Report(), "text", color=False)
    assert render(Report(), "text", color=True).startswith("\x1b[1m\x1b[32mAll checks passed\x1b[0m")


def test_text_neutralises_terminal_escapes_in_messages():
    report = Report(issues=[Issue("ALF101", "n", "error", "x\x1b[2J.npy", "bad \x1b[31mred\x07")])
    out = render(report, "text")
    assert "\x1b" not in out and "\x07" not in out
    assert "x\\x1b[2J.npy: ALF101 [error] bad \\x1b[31mred\\x07" in out


def test_text_escapes_bidirectional_controls_c1_controls_and_undecodable_bytes():
    report = Report(issues=[Issue("ALF101", "n", "error", "a\u202eypn.npy", "x\u2066y \x9b2J"),
                            Issue("ALF101", "n", "error", "caf\udce9.npy", "bad")])
    for fmt in ("text", "concise"):
        out = render(report, fmt)
        assert not set(out) & {"\u202e", "\u2066", "\x9b", "\udce9"}
        assert "a\\u202eypn.npy" in out and "x\\u2066y \\u009b2J" in out and "caf\\xe9.npy" in out
        out.encode("utf-8")  # no lone surrogate left


# --- concise ----------------------------------------------------------------------------


def test_concise_one_line_per_issue_sorted_by_path():
    out = rendered("concise")
    lines = out.splitlines()
    assert len(lines) == len(sample_report().issues)
    assert [line.split(":")[0] for line in lines] == sorted(line.split(":")[0] for line in lines)
    assert f"data/{S1}/alf/trials.table.pqt:ALF210:error:100% of rows read: 512 rows, but trials.intervals has 511\\nfirst extra row: 511" in lines
    assert "data:ALF150:info:no ONE cache tables (sessions.pqt, datasets.pqt) at the repository root" in lines


# --- json and load_report -----------------------------------------------------------------


def test_json_document_shape():
    doc = json.loads(rendered("json"))
    assert list(doc) == ["version", "tool", "root", "summary", "sessions", "issues"]
    assert doc["version"] == REPORT_VERSION
    assert doc["tool"]["name"] == "alflint"
    assert doc["root"] == "data"
    assert doc["summary"] == sample_report().summary()
    assert doc["sessions"] == sorted([S1, S2, S3])
    assert len(doc["issues"]) == 9
    for issue in doc["issues"]:
        assert list(issue) == ["code", "name", "severity", "path", "message", "session", "collection", "revision"]
        assert issue["path"].startswith("data")
    assert "µ" in rendered("json")  # UTF-8, not \u escapes


@pytest.mark.parametrize("root", [ROOT, "data", ".", None, "/srv/elsewhere/repo"])
def test_json_round_trips_through_load_report(root):
    report = sample_report()
    report.root = root
    first = rendered("json", report)
    loaded = load_report(first)
    assert rendered("json", loaded) == first
    assert loaded.summary() == report.summary()
    assert sorted(loaded.sessions) == sorted(report.sessions)


def test_loaded_report_has_root_relative_paths_and_renders_every_format():
    loaded = load_report(rendered("json"))
    assert {i.path for i in loaded.issues} == {i.path for i in sample_report().issues}
    for fmt in FORMATS:
        assert rendered(fmt, loaded) == rendered(fmt)


def test_load_report_from_a_file_path(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(rendered("json"), encoding="utf-8")
    for source in (path, str(path)):
        assert rendered("json", load_report(source)) == rendered("json")


@pytest.mark.parametrize(
    "text, match",
    [
        ("{not json", "not JSON"),
        ('{"version": "1"}', "no 'issues' list"),
        ('{"version": "2", "issues": []}', "version 2 is not supported"),
        ('{"version": "1", "issues": [{"code": "ALF101"}]}', "issue 0 lacks severity, path, message"),
        ('{"version": "1", "issues": [{"code": "A", "severity": "fatal", "path": "x", "message": "m"}]}', "unknown severity"),
    ],
)
def test_load_report_rejects_what_it_cannot_read(text, match):
    with pytest.raises(ReportLoadError, match=match):
        load_report(text)
    assert issubclass(ReportLoadError, ValueError)


def test_load_report_missing_file(tmp_path):
    with pytest.raises(ReportLoadError, match="cannot read report"):
        load_report(tmp_path / "nope.json")


# --- sarif ------------------------------------------------------------------------------


def _sarif_schema() -> dict:
    import alflint

    path = Path(alflint.__file__).parent / "schemas" / "sarif-2.1.0-subset.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("with_rules", [True, False])
def test_sarif_validates_against_the_schema(with_rules):
    doc = json.loads(rendered("sarif", rules=sample_rules() if with_rules else None))
    jsonschema.validate(doc, _sarif_schema())


def test_sarif_schema_catches_a_broken_document():
    doc = json.loads(rendered("sarif"))
    del doc["runs"][0]["results"][0]["ruleId"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, _sarif_schema())


def test_sarif_rules_results_and_levels():
    doc = json.loads(rendered("sarif"))
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted({i.code for i in sample_report().issues})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["ALF101"] == "error" and levels["ALF104"] == "warning" and levels["ALF301"] == "note"
    by_id = {r["id"]: r for r in rules}
    assert by_id["ALF101"]["shortDescription"]["text"] == "Dataset file names are object.attribute.extension."
    assert "**Good** `trials.intervals.npy`" in by_id["ALF101"]["help"]["markdown"]
    assert by_id["ALF001"]["fullDescription"]["text"].endswith("\n**Why** ONE only finds datasets inside sessions.")
    assert by_id["ALF301"]["defaultConfiguration"]["level"] == "note"
    assert by_id["ALF900"]["name"] == "rule-crashed"  # not in the catalogue: from the issue
    assert "internal" in by_id["ALF900"]["properties"]["tags"]
    assert by_id["ALF120"]["shortDescription"]["text"]  # partial catalogue record still described
    assert run["invocations"] == [{"executionSuccessful": False}]  # the report had an internal error


def test_sarif_locations():
    run = json.loads(rendered("sarif"))["runs"][0]
    uris = {r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]}
    assert uris["ALF001"] == {"uri": "data/notes/lab%20book%2C%20v2%3A%20draft.txt", "uriBaseId": "%SRCROOT%"}
    assert uris["ALF301"]["uri"] == f"data/{S2}/alf/wheel.position_%C2%B5m.npy"
    outside = Report(issues=[Issue("ALF101", "n", "error", "a b.npy", "m")], root="/srv/repo")
    loc = json.loads(render(outside, "sarif", cwd=CWD))["runs"][0]["results"][0]["locations"][0]
    artifact = loc["physicalLocation"]["artifactLocation"]
    assert "uriBaseId" not in artifact and artifact["uri"].startswith("file:///") and artifact["uri"].endswith("/srv/repo/a%20b.npy")
    assert loc["physicalLocation"]["region"] == {"startLine": 1}


def test_sarif_fingerprints_are_stable_and_distinct():
    first = json.loads(rendered("sarif"))["runs"][0]["results"]
    again = json.loads(rendered("sarif"))["runs"][0]["results"]
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in first]
    assert prints == [r["partialFingerprints"]["primaryLocationLineHash"] for r in again]
    assert len(set(prints)) == len(prints)


# --- github -------------------------------------------------------------------------------


def test_github_escaping_functions():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a, b: c%\n") == "a%2C b%3A c%25%0A"
    assert escape_data("a, b: c") == "a, b: c"  # data keeps commas and colons


def test_github_commands():
    lines = rendered("github").splitlines()
    assert len(lines) == 9
    assert "::warning file=data/notes/lab book%2C v2%3A draft.txt,title=ALF001 not-in-session::file outside any session" in lines
    assert (f"::error file=data/{S1}/alf/trials.table.pqt,title=ALF210 row-count-mismatch::"
            "100%25 of rows read: 512 rows, but trials.intervals has 511%0Afirst extra row: 511") in lines
    assert sum(line.startswith("::notice ") for line in lines) == 2
    assert sum(line.startswith("::error ") for line in lines) == 3


# --- junit --------------------------------------------------------------------------------


def test_junit_is_well_formed_with_one_case_per_session():
    root = ET.fromstring(rendered("junit").encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["(outside sessions)", S1, S2, S3]
    assert all(c.get("classname") == "alflint" for c in cases)
    assert suite.get("tests") == root.get("tests") == "4"
    assert suite.get("failures") == "1" and suite.get("errors") == "1"  # S1 fails; S2 has only the crash
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {S1}
    (failure,) = cases[1].findall("failure")
    assert failure.get("message") == "2 errors"
    assert "ALF101 [error]" in failure.text and "ALF210 [error]" in failure.text and "ALF104" not in failure.text
    assert "ALF104 [warning]" in cases[1].find("system-out").text
    assert "ALF900" in cases[2].find("error").text
    assert list(cases[3]) == []  # the clean session passes
    assert cases[0].find("failure") is None and "ALF001 [warning]" in cases[0].find("system-out").text


def test_junit_without_outside_issues_has_no_outside_case_and_survives_control_characters():
    report = Report(issues=[Issue("ALF101", "n", "error", f"{S1}/a\x00b.npy", "bad \x1b byte", S1)], sessions=[S1])
    root = ET.fromstring(render(report, "junit", cwd=CWD).encode("utf-8"))
    cases = root.find("testsuite").findall("testcase")
    assert [c.get("name") for c in cases] == [S1]
    assert "\\x00" in cases[0].find("failure").text and "\\x1b" in cases[0].find("failure").text


def test_junit_with_no_sessions_still_has_a_test_case():
    root = ET.fromstring(render(Report(files_checked=3), "junit").encode("utf-8"))
    assert [c.get("name") for c in root.iter("testcase")] == ["(outside sessions)"]
    assert root.get("failures") == "0"


# --- use_color ---------------------------------------------------------------------------


class _Tty(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    "tty, env, expected",
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # empty NO_COLOR is unset
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": ""}, False),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins
        (True, {"TERM": "dumb"}, False),
        (False, {"TERM": "dumb", "FORCE_COLOR": "yes"}, True),
    ],
)
def test_use_color(tty, env, expected):
    assert use_color(_Tty(tty), env) is expected


def test_use_color_reads_os_environ_and_tolerates_odd_streams(monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(_Tty(True)) is False
    monkeypatch.delenv("NO_COLOR")
    assert use_color(_Tty(True)) is True
    closed = io.StringIO()
    closed.close()
    assert use_color(closed) is False  # isatty() raises ValueError on a closed stream
    assert use_color(io.StringIO()) is False
    assert use_color(object()) is False  # no isatty at all
    with open(os.devnull, "w") as devnull:
        assert use_color(devnull) is False


def test_json_and_sarif_write_one_record_per_line():
    lines = rendered("json").splitlines()
    issue_lines = [line for line in lines if line.lstrip().startswith('{"code": ')]
    assert len(issue_lines) == len(sample_report().issues)
    assert all(json.loads(line.rstrip(",")) for line in issue_lines)
    result_lines = [line for line in rendered("sarif").splitlines() if line.lstrip().startswith('{"ruleId": ')]
    assert len(result_lines) == len(sample_report().issues)


def test_large_reports_render_quickly():
    import time

    issues = [Issue("ALF101", "n", "error", f"lab/Subjects/s{i % 50}/2021-01-01/001/alf/x{i}.npy", f"m {i}",
                    f"lab/Subjects/s{i % 50}/2021-01-01/001") for i in range(20000)]
    report = Report(issues=issues, root="/srv/data")
    start = time.process_time()
    for fmt in FORMATS:
        render(report, fmt, cwd="/srv")
    assert time.process_time() - start < 20  # about 2 s on a laptop; catches quadratic slips


def test_catalogue_of_real_rule_records():
    from alflint.rule import rule

    @rule("ALF101", "invalid-filename", "error", "path")
    def invalid_filename(dataset, ctx):
        """Dataset file names are object.attribute.extension.

        **What it checks** every file name in a collection.
        """
        yield from ()

    rules = {"ALF101": invalid_filename}
    sarif = json.loads(rendered("sarif", rules=rules))
    (descriptor,) = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "ALF101"]
    assert descriptor["shortDescription"]["text"] == "Dataset file names are object.attribute.extension."
    assert descriptor["help"]["text"].endswith("**What it checks** every file name in a collection.")
    assert "scope:path" in descriptor["properties"]["tags"]
    assert "invalid-filename" in rendered("text", rules=rules, statistics=True)


def test_round_trip_keeps_paths_outside_the_root():
    report = Report(
        issues=[Issue("ALF001", "n", "warning", "/srv/other/x.npy", "outside the root"),
                Issue("ALF001", "n", "warning", "../sibling.txt", "next to the root")],
        root="data",
    )
    first = render(report, "json", cwd=CWD)
    assert [i["path"] for i in json.loads(first)["issues"]] == ["/srv/other/x.npy", "sibling.txt"]
    assert render(load_report(first), "json", cwd=CWD) == first


def test_sarif_describes_internal_codes_without_a_catalogue_entry():
    report = Report(issues=[Issue("ALF900", "rule-crashed", "error", "x.npy", "boom"),
                            Issue("ALF999", "", "error", "y.npy", "unknown internal")])
    rules = {r["id"]: r for r in json.loads(render(report, "sarif", cwd=CWD))["runs"][0]["tool"]["driver"]["rules"]}
    assert "rule" in rules["ALF900"]["shortDescription"]["text"].lower()
    assert rules["ALF999"]["name"] == "ALF999"  # no name anywhere: the code stands in
    assert "internal error" in rules["ALF999"]["shortDescription"]["text"]


# --- file names that are not UTF-8 --------------------------------------------------------

#: The session folder and file name as os.listdir gives them for the bytes b"caf\xe9".
UNDECODABLE_SESSION = "lab/Subjects/caf\udce9/2021-01-01/001"
UNDECODABLE = f"{UNDECODABLE_SESSION}/alf/spikes.caf\udce9.npy"


def undecodable_report() -> Report:
    return Report(issues=[Issue("ALF101", "invalid-filename", "error", UNDECODABLE,
                                "not an ALF filename: 'caf\udce9'", UNDECODABLE_SESSION, "alf", "")],
                  root=ROOT, sessions=[UNDECODABLE_SESSION], files_checked=1, sessions_checked=1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_valid_utf8_with_an_undecodable_file_name(fmt):
    out = rendered(fmt, undecodable_report()).encode("utf-8")  # strict: no lone surrogate left
    if fmt in ("json", "sarif"):
        json.loads(out.decode("utf-8"))
    if fmt == "junit":
        ET.fromstring(out)
    if fmt in ("text", "concise", "github", "junit"):
        assert b"spikes.caf\\xe9.npy" in out  # the byte shown as the text escape


def test_json_keeps_an_undecodable_byte_as_a_surrogate_escape_that_loads_back():
    first = rendered("json", undecodable_report())
    assert '"path": "data/lab/Subjects/caf\\udce9/2021-01-01/001/alf/spikes.caf\\udce9.npy"' in first
    loaded = load_report(first.encode("utf-8"))
    assert [i.path for i in loaded.issues] == [UNDECODABLE] and loaded.sessions == [UNDECODABLE_SESSION]
    assert os.fsencode(loaded.issues[0].path).endswith(b"spikes.caf\xe9.npy")
    for fmt in FORMATS:
        assert rendered(fmt, loaded) == rendered(fmt, undecodable_report())


def test_sarif_percent_encodes_the_undecodable_byte():
    results = json.loads(rendered("sarif", undecodable_report()))["runs"][0]["results"]
    artifact = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uri"] == "data/lab/Subjects/caf%E9/2021-01-01/001/alf/spikes.caf%E9.npy"
    outside = undecodable_report()
    outside.root = "/srv/repo"
    sarif = json.loads(render(outside, "sarif", cwd=CWD))
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/srv/repo/lab/Subjects/caf%E9/2021-01-01/001/alf/spikes.caf%E9.npy")
