"""The command line: exit statuses, options, one-line usage errors, describe/rules/explain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alflint.cli import main

ALFLINT = str(Path(sys.executable).with_name("alflint"))


def run(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([ALFLINT, *args], capture_output=True, text=True, cwd=cwd, env=full_env)


@pytest.fixture
def tree(tmp_path):
    """One session with one invalid name (error) and one valid dataset."""
    alf = tmp_path / "repo" / "subj" / "2021-01-01" / "001" / "alf"
    alf.mkdir(parents=True)
    (alf / "spikes.times.npy").write_bytes(b"\x93NUMPY")
    (alf / "spi-kes.times.npy").write_bytes(b"x")
    return tmp_path / "repo"


@pytest.fixture
def clean_tree(tmp_path):
    alf = tmp_path / "clean" / "subj" / "2021-01-01" / "001" / "alf"
    alf.mkdir(parents=True)
    return tmp_path / "clean"


def test_errors_exit_1_and_clean_exits_0(tree, clean_tree, capsys):
    assert main(["check", str(tree), "--select", "ALF101"]) == 1
    out = capsys.readouterr().out
    assert "ALF101 [error]" in out and "spi-kes.times.npy" in out
    assert main(["check", str(clean_tree)]) == 0


def test_exit_zero_and_strict(tree, capsys):
    assert main(["check", str(tree), "--select", "ALF101", "--exit-zero"]) == 0
    capsys.readouterr()


def test_strict_fails_on_warnings(tmp_path, capsys):
    session = tmp_path / "subj" / "2021-01-01" / "001"
    session.mkdir(parents=True)
    (session / "notes").write_text("free text")  # not a dataset: ALF102, a warning
    status = main(["check", str(tmp_path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert [i["code"] for i in report["issues"]] == ["ALF102"]
    assert report["summary"]["warnings"] == 1 and report["summary"]["errors"] == 0
    assert status == 0
    assert main(["check", str(tmp_path), "--strict"]) == 1
    capsys.readouterr()


def test_missing_path_is_one_line_and_exit_2(tmp_path):
    result = run("check", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_is_one_line_and_exit_2():
    result = run("check", "--bogus")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unrecognized arguments: --bogus" in result.stderr


def test_bad_configuration_is_one_line_naming_key_and_file(tree):
    (tree / "alflint.toml").write_text('selct = ["ALF1"]\n')
    result = run("check", str(tree))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.count("\n") == 0
    assert "selct" in line and "alflint.toml" in line and "select" in line


def test_unknown_format_exit_2(tree):
    result = run("check", str(tree), "--format", "xml")
    assert result.returncode == 2
    assert "unknown format 'xml'" in result.stderr


def test_output_file_and_load_round_trip(tree, tmp_path, capsys):
    saved = tmp_path / "report.json"
    assert main(["check", str(tree), "--select", "ALF101", "--format", "json", "--output-file", str(saved)]) == 1
    assert capsys.readouterr().out == ""
    document = json.loads(saved.read_text())
    assert [i["code"] for i in document["issues"]] == ["ALF101"]
    assert main(["check", "--load", str(saved), "--format", "json", "--output-file", str(tmp_path / "again.json")]) == 1
    assert json.loads((tmp_path / "again.json").read_text()) == document
    assert main(["check", "--load", str(saved), "--format", "concise"]) == 1
    assert "ALF101:error:" in capsys.readouterr().out


def test_load_of_a_non_report_is_a_usage_error(tmp_path):
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": 1}')
    result = run("check", "--load", str(bogus))
    assert result.returncode == 2
    assert "cannot load report" in result.stderr


def test_statistics_counts_per_code(tree, capsys):
    main(["check", str(tree), "--select", "ALF101", "--statistics"])
    out = capsys.readouterr().out
    assert any(line.split()[:2] == ["1", "ALF101"] for line in out.splitlines())


def test_quiet_prints_only_issues(tree, clean_tree, capsys):
    main(["check", str(tree), "--select", "ALF101", "--quiet"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and ":ALF101:error:" in lines[0]
    main(["check", str(clean_tree), "--quiet"])
    assert capsys.readouterr().out == ""


def test_select_and_ignore_from_the_command_line(tree, capsys):
    assert main(["check", str(tree), "--select", "ALF101", "--ignore", "ALF101"]) == 0
    capsys.readouterr()


def test_unknown_rule_name_in_select_is_a_usage_error(tree):
    result = run("check", str(tree), "--select", "no-such-rule")
    assert result.returncode == 2
    assert "no-such-rule" in result.stderr


def test_describe_prints_carets_and_unknown_part_exits_2():
    result = run("describe", "revision")
    assert result.returncode == 0
    pattern, carets = result.stdout.splitlines()[:2]
    assert carets.strip() == "^" * len("revision")
    assert pattern[carets.index("^"):].startswith("revision")
    bad = run("describe", "colour")
    assert bad.returncode == 2
    assert "valid parts" in bad.stderr and "extension" in bad.stderr


def test_rules_lists_codes_and_json(capsys):
    assert main(["rules"]) == 0
    text = capsys.readouterr().out
    assert "ALF101" in text and "invalid-filename" in text and "ALF900" in text
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"code", "name", "severity", "scope", "summary"} <= set(rows[0])
    assert all(r["code"].startswith("ALF") for r in rows)


def test_explain_by_code_and_name(capsys):
    assert main(["explain", "ALF101"]) == 0
    by_code = capsys.readouterr().out
    assert main(["explain", "invalid-filename"]) == 0
    assert capsys.readouterr().out == by_code
    assert "**Bad:**" in by_code and "**Good:**" in by_code
    assert main(["explain", "ALF999"]) == 2


def test_python_dash_m_alflint_is_the_command(tmp_path):
    """``python -m alflint`` where the script is not on PATH: same output, same exit status."""
    (tmp_path / "subj" / "2021-01-01" / "001").mkdir(parents=True)
    (tmp_path / "subj" / "2021-01-01" / "001" / "Bad-Name.times.npy").write_bytes(b"")
    script = run("check", str(tmp_path), "--no-cache", "--format", "concise")
    module = subprocess.run([sys.executable, "-m", "alflint", "check", str(tmp_path), "--no-cache", "--format", "concise"],
                            capture_output=True, text=True)
    assert script.returncode == module.returncode == 1
    assert module.stdout == script.stdout and "ALF101" in module.stdout


def test_version_and_help_on_every_command():
    assert run("--version").stdout.startswith("alflint ")
    for command in ("check", "index", "rules", "explain", "describe"):
        result = run(command, "-h")
        assert result.returncode == 0
        assert "example" in result.stdout, command


@pytest.mark.parametrize("selection, phrase", [
    (["--select", "XYZ999"], "'XYZ999' in select matches no rule code"),
    (["--select", ","], "no rule selected"),
    (["--extend-select", "ALF99"], "'ALF99' in select matches no rule code"),
])
def test_a_selection_that_runs_nothing_is_an_error_not_a_pass(tree, selection, phrase):
    """`--select XYZ999` (a typo) ran no rule and said 'All checks passed': a false green."""
    result = run("check", str(tree), *selection)
    assert result.returncode == 2 and phrase in result.stderr and "passed" not in result.stdout
    assert run("check", str(tree), "--ignore", "XYZ999").returncode != 2  # ignoring an unknown code is harmless


def test_index_refuses_an_unknown_format_before_indexing(tree, clean_tree):
    """`index --format bogus` ended in a traceback on a tree with errors and passed unnoticed
    on a clean one."""
    for root in (tree, clean_tree):
        result = run("index", str(root), "--format", "bogus")
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.startswith("alflint: error: unknown format 'bogus' (choose from text,")
        assert not list(root.glob("*.pqt"))


def test_check_index_exit_zero_prints_the_report_once_and_exits_zero(tree, tmp_path):
    """`check --index --exit-zero --format json` printed the report twice (two JSON documents
    on stdout, one even with -o) and exited 1."""
    result = run("check", str(tree), "--index", "--exit-zero", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["summary"]["errors"] >= 1  # one document
    assert "no table written" in result.stderr and not list(tree.glob("*.pqt"))
    out = tmp_path / "report.json"
    result = run("check", str(tree), "--index", "--exit-zero", "--format", "json", "-o", str(out))
    assert result.returncode == 0 and result.stdout == "" and json.loads(out.read_text())["summary"]["errors"] >= 1
    assert run("check", str(tree), "--index", "--format", "json").returncode == 1


# --- file names that are not UTF-8 -------------------------------------------------------


@pytest.fixture
def undecodable_tree(tmp_path):
    """One session whose only file is named by the bytes b"spikes.caf\\xe9.npy" (not UTF-8)."""
    alf = tmp_path / "u" / "subj" / "2021-01-01" / "001" / "alf"
    alf.mkdir(parents=True)
    try:
        os.close(os.open(os.fsencode(alf) + b"/spikes.caf\xe9.npy", os.O_WRONLY | os.O_CREAT))
    except OSError as exc:  # macOS (APFS, HFS+) refuses names that are not UTF-8
        pytest.skip(f"the file system refuses a name that is not UTF-8: {exc}")
    if os.listdir(os.fsencode(alf)) != [b"spikes.caf\xe9.npy"]:
        pytest.skip("the file system changed the name")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "sarif", "github", "junit"])
def test_every_format_writes_valid_output_for_a_file_name_that_is_not_utf8(undecodable_tree, fmt):
    result = run("check", "u", "--format", fmt, "-o", "report", cwd=undecodable_tree)
    assert (result.returncode, result.stderr) == (1, "")
    text = (undecodable_tree / "report").read_bytes().decode("utf-8")  # strict: valid UTF-8
    if fmt == "json":
        assert json.loads(text)["issues"][0]["path"] == "u/subj/2021-01-01/001/alf/spikes.caf\udce9.npy"
    elif fmt == "sarif":
        location = json.loads(text)["runs"][0]["results"][0]["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "u/subj/2021-01-01/001/alf/spikes.caf%E9.npy"
    elif fmt == "junit":
        import xml.etree.ElementTree as ET

        assert "spikes.caf\\xe9.npy" in ET.fromstring(text.encode("utf-8")).find("testsuite/testcase/failure").text
    else:
        assert "spikes.caf\\xe9.npy" in text


def test_json_report_of_a_file_name_that_is_not_utf8_loads_back(undecodable_tree):
    assert run("check", "u", "--format", "json", "-o", "r.json", cwd=undecodable_tree).returncode == 1
    saved = (undecodable_tree / "r.json").read_text(encoding="utf-8")
    assert run("check", "--load", "r.json", "--format", "json", cwd=undecodable_tree).stdout == saved
    checked = run("check", "u", cwd=undecodable_tree).stdout.splitlines()
    loaded = run("check", "--load", "r.json", cwd=undecodable_tree).stdout.splitlines()
    assert loaded[:-1] == checked[:-1] and "spikes.caf\\xe9.npy" in loaded[1]  # all but the timed summary


# --- --output-file ---------------------------------------------------------------------


def test_output_file_that_cannot_be_written_is_one_line_and_exit_2(tree, tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    for target, reason in ((folder, "Is a directory"), (tmp_path / "missing" / "r.txt", "No such file")):
        result = run("check", str(tree), "-o", str(target))
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"alflint: error: cannot write report {target}: {reason}")
    assert os.listdir(folder) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_file_on_a_device_is_written_directly(tree):
    result = run("check", str(tree), "--select", "ALF101", "--format", "concise", "-o", "/dev/stdout")
    assert result.returncode == 1 and "ALF101:error:" in result.stdout
    result = run("check", str(tree), "-o", "/dev/full")
    assert (result.returncode, result.stderr) == (2, "alflint: error: cannot write report /dev/full: No space left on device\n")


@pytest.mark.skipif(sys.platform == "win32", reason="needs RLIMIT_FSIZE")
def test_a_failed_write_keeps_the_previous_report(tree, tmp_path):
    """A file-size limit makes the write fail half way, as a full disk would."""
    import resource
    import signal

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    report = tmp_path / "out" / "report.txt"
    report.parent.mkdir()
    report.write_text("the previous report\n")
    result = subprocess.run([ALFLINT, "check", str(tree), "-o", str(report)], capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1"}, preexec_fn=limit_file_size)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "cannot write report" in result.stderr and "Traceback" not in result.stderr
    assert report.read_text() == "the previous report\n"
    assert os.listdir(report.parent) == ["report.txt"]  # no temporary file left behind


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and symlinks")
def test_output_file_replaces_a_report_keeping_its_mode_and_a_symlink(tree, tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("old\n")
    report.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(report)
    assert run("check", str(tree), "--select", "ALF101", "--format", "concise", "-o", str(link)).returncode == 1
    assert link.is_symlink() and "ALF101:error:" in report.read_text()
    assert report.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "fresh.txt"  # a new report: what open() would give, the umask applied
    subprocess.run([ALFLINT, "check", str(tree), "-q", "-o", str(fresh)], capture_output=True, preexec_fn=lambda: os.umask(0o027))
    assert fresh.stat().st_mode & 0o777 == 0o640 and "ALF101" in fresh.read_text()


@pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0, reason="needs root to become another user")
def test_output_file_writable_in_a_folder_that_is_not_is_written_in_place():
    """A report kept in a folder its user may not write to (made by root for CI, say): no
    temporary file can go beside it, so it is written in place, as open(path, "w") does; a
    new report there is refused in one line."""
    import shutil
    import tempfile

    from alflint.reportfile import write_report

    base = Path(tempfile.mkdtemp(dir="/tmp"))  # pytest's own folders are closed to other users
    os.chmod(base, 0o755)
    (base / "report.txt").write_text("old\n")
    os.chmod(base / "report.txt", 0o666)
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                write_report(str(base / "report.txt"), "new\n")
                try:
                    write_report(str(base / "other.txt"), "x")
                except PermissionError:
                    code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert (base / "report.txt").read_text() == "new\n"
        assert sorted(os.listdir(base)) == ["report.txt"]
    finally:
        shutil.rmtree(base)


def test_index_and_load_usage_errors_are_one_line(tree, tmp_path):
    """`index ""` indexed the current folder; `index FILE` said 'no such folder' of a file
    that exists; `check --load R --index` silently indexed nothing."""
    empty = run("index", "", cwd=tree)
    assert empty.returncode == 2 and "no such folder: ''" in empty.stderr and not list(tree.glob("*.pqt"))
    a_file = tree / "subj" / "2021-01-01" / "001" / "alf" / "spikes.times.npy"
    assert f"not a folder: {str(a_file)!r}" in run("index", str(a_file)).stderr
    report = tmp_path / "r.json"
    run("check", str(tree), "--format", "json", "-o", str(report))
    loaded = run("check", "--load", str(report), "--index")
    assert loaded.returncode == 2 and "--index writes the tables of a check" in loaded.stderr
