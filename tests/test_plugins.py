"""Rule packs: found through the ``alflint`` entry-point group (a real installed distribution,
in a fresh interpreter) or named in the configuration; a pack that fails to load is an ALF901
issue and the run goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


import alflint
from rule_cases import build_files

S = "subj/2021-01-01/001"

LAB_RULES = '''
"""A lab's rule pack: no object may be called 'foo'."""
from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("LAB001", "no-foo-object", "error", "path")
def no_foo_object(dataset, ctx):
    """Objects may not be called foo.

    **What it checks:** the object name. **Why it matters:** foo is a placeholder.
    **Bad:** ``foo.times.npy`` **Good:** ``spikes.times.npy``
    """
    if dataset.parts is not None and dataset.parts.object == "foo":
        yield "object 'foo' is a placeholder"


@hookimpl
def alflint_rules():
    return [no_foo_object]
'''

CHECK = """
import json, sys, alflint
report = alflint.check(sys.argv[1], extend_select=["LAB"])
print(json.dumps([[i.code, i.path, i.message] for i in report.issues]))
"""



def install_dist(site: Path, module: str, source: str) -> None:
    """A minimal installed distribution: a module plus a dist-info with an alflint entry point."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    info = site / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[alflint]\nlab = {module}\n", encoding="utf-8")


def run_check(site: Path, root: Path) -> list[list[str]]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", CHECK, str(root)], capture_output=True, text=True, env=env, cwd=root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_pack_installed_with_an_entry_point_is_found_and_its_rule_fires(tmp_path):
    site = tmp_path / "site"
    install_dist(site, "labrules", LAB_RULES)
    root = build_files(tmp_path / "repo", {f"{S}/alf/foo.times.npy": None, f"{S}/alf/spikes.times.npy": None})
    (root / "alflint.toml").write_text('select = ["ALF1"]\n')
    issues = run_check(site, root)
    assert issues == [["LAB001", f"{S}/alf/foo.times.npy", "object 'foo' is a placeholder"]]


def test_without_the_distribution_the_rule_does_not_exist_and_selecting_it_is_an_error(tmp_path):
    """Selecting the pack's codes without the pack installed used to pass, nothing run for
    them (a false green): it is a one-line error saying so."""
    root = build_files(tmp_path / "repo", {f"{S}/alf/foo.times.npy": None})
    (root / "alflint.toml").write_text('select = ["ALF1"]\n')
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "empty-site")}
    cli = [sys.executable, "-m", "alflint.cli", "check", str(root)]
    plain = subprocess.run(cli, capture_output=True, text=True, env=env)
    assert plain.returncode == 0 and "LAB001" not in plain.stdout, plain.stderr
    result = subprocess.run([*cli, "--extend-select", "LAB"], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("alflint: error: --select/--extend-select: 'LAB' in select matches no rule code")
    (root / "alflint.toml").write_text('select = ["ALF1", "LAB001"]\n')
    result = subprocess.run(cli, capture_output=True, text=True, env=env)
    assert result.returncode == 2 and f"{root / 'alflint.toml'}: 'LAB001' in select matches no rule code" in result.stderr


def test_an_entry_point_that_fails_to_import_is_alf901_and_the_run_goes_on(tmp_path):
    site = tmp_path / "site"
    install_dist(site, "labrules", "raise RuntimeError('lab server unreachable')\n")
    root = build_files(tmp_path / "repo", {f"{S}/alf/Foo.times.npy": None})
    (root / "alflint.toml").write_text('select = ["ALF104"]\n')
    issues = run_check(site, root)
    assert sorted(code for code, _, _ in issues) == ["ALF104", "ALF901"]
    message = next(m for c, _, m in issues if c == "ALF901")
    assert "entry point 'labrules' failed to load" in message and "RuntimeError: lab server unreachable" in message


def test_a_pack_named_in_the_configuration_as_a_file(tmp_path):
    root = build_files(tmp_path, {f"{S}/alf/foo.times.npy": None, f"{S}/alf/spikes.times.npy": None})
    (root / "lab_rules.py").write_text(LAB_RULES)
    (root / "alflint.toml").write_text('plugins = ["lab_rules.py"]\nselect = ["LAB"]\n')
    report = alflint.check(root)
    assert [(i.code, i.name, i.severity, i.path) for i in report.issues] == [("LAB001", "no-foo-object", "error", f"{S}/alf/foo.times.npy")]
    assert report.internal_errors == 0


def test_a_pack_named_in_the_configuration_by_path_relative_to_it(tmp_path):
    config_dir = tmp_path / "project"
    (config_dir / "packs").mkdir(parents=True)
    (config_dir / "packs" / "my_lab_pack.py").write_text(LAB_RULES)
    (config_dir / "alflint.toml").write_text('plugins = ["packs/my_lab_pack.py"]\nselect = ["no-foo-object"]\n')
    root = build_files(config_dir / "data", {f"{S}/alf/foo.times.npy": None})
    assert [i.code for i in alflint.check(root).issues] == ["LAB001"]


def test_a_pack_named_in_the_configuration_as_a_module_next_to_it(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # the host adds the config folder to sys.path
    monkeypatch.delitem(sys.modules, "lab_pack_by_name", raising=False)
    (tmp_path / "lab_pack_by_name.py").write_text(LAB_RULES)
    (tmp_path / "alflint.toml").write_text('plugins = ["lab_pack_by_name"]\nselect = ["LAB001"]\n')
    root = build_files(tmp_path, {f"{S}/alf/foo.times.npy": None})
    assert [i.code for i in alflint.check(root).issues] == ["LAB001"]
    sys.modules.pop("lab_pack_by_name", None)


def test_a_configured_pack_that_is_missing_is_alf901_and_the_builtin_rules_still_run(tmp_path):
    root = build_files(tmp_path, {f"{S}/alf/Foo.times.npy": None})
    (root / "alflint.toml").write_text('plugins = ["nowhere.py", "no_such_module"]\nselect = ["ALF104"]\n')
    report = alflint.check(root)
    assert sorted(i.code for i in report.issues) == ["ALF104", "ALF901", "ALF901"]
    messages = " ".join(i.message for i in report.issues if i.code == "ALF901")
    assert "no such plugin file" in messages and "No module named 'no_such_module'" in messages
    assert report.internal_errors == 2


# --------------------------------------------------------------------------------------------
# Entry points remembered between runs (importlib.metadata is not imported when nothing changed)
# --------------------------------------------------------------------------------------------

DISCOVER = """
import json, sys
from alflint.plugin.discovery import entry_points
found = [list(ep) for ep in entry_points("alflint")]
remembered = "importlib.metadata" not in sys.modules
from importlib import metadata
print(json.dumps({"found": found, "remembered": remembered,
                  "authority": [[ep.name, ep.value] for ep in metadata.entry_points(group="alflint")]}))
"""


def discover(site: Path, cache: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(cache)}
    result = subprocess.run([sys.executable, "-c", DISCOVER], capture_output=True, text=True, env=env, cwd=site.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_entry_points_are_remembered_and_every_change_of_the_installation_is_seen(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "xdg"
    site.mkdir()
    first = discover(site, cache)
    assert not first["remembered"] and first["found"] == first["authority"]
    assert ["builtin", "alflint.rules"] in first["found"]
    again = discover(site, cache)
    assert again["remembered"], "nothing changed: importlib.metadata was not imported"
    assert again["found"] == first["found"]

    install_dist(site, "labrules", LAB_RULES)  # a package installed
    installed = discover(site, cache)
    assert not installed["remembered"] and installed["found"] == installed["authority"]
    assert ["lab", "labrules"] in installed["found"]
    assert discover(site, cache)["remembered"]

    points = site / "labrules-0.1.dist-info" / "entry_points.txt"  # its entry points edited in place
    points.write_text("[alflint]\nlab-renamed = labrules\n", encoding="utf-8")
    os.utime(points, ns=(points.stat().st_mtime_ns + 10**9,) * 2)
    edited = discover(site, cache)
    assert not edited["remembered"] and edited["found"] == edited["authority"]
    assert ["lab-renamed", "labrules"] in edited["found"] and ["lab", "labrules"] not in edited["found"]

    import shutil

    shutil.rmtree(site / "labrules-0.1.dist-info")  # and removed
    removed = discover(site, cache)
    assert removed["found"] == removed["authority"] == first["found"]


def test_entry_points_without_a_writable_cache_still_come_from_importlib_metadata(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    site = tmp_path / "site"
    install_dist(site, "labrules", LAB_RULES)
    for _ in range(2):
        found = discover(site, blocker)
        assert not found["remembered"] and ["lab", "labrules"] in found["found"]


def test_an_entry_point_value_names_a_module_or_an_attribute_in_it():
    import os.path

    import pytest

    from alflint.plugin.discovery import load

    assert load("os.path") is os.path
    assert load("os.path:join") is os.path.join
    assert load(" os : path.join [extra] ") is os.path.join
    with pytest.raises(ValueError):
        load("not a reference!")
    with pytest.raises(ModuleNotFoundError):
        load("no_such_module_here:thing")


def test_a_local_pack_leaves_no_bytecode_in_the_repository_and_bytecode_is_not_data(tmp_path):
    """Importing lab_rules.py from the repository wrote __pycache__/ into it (unless
    PYTHONDONTWRITEBYTECODE was set), which the next check then reported as stray files."""
    root = build_files(tmp_path, {f"{S}/alf/foo.times.npy": None, f"{S}/alf/spikes.times.npy": None,
                                  f"{S}/alf/__pycache__/helper.cpython-311.pyc": None})
    (root / "lab_rules.py").write_text(LAB_RULES)
    (root / "alflint.toml").write_text('plugins = ["lab_rules.py"]\n')
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cli = [sys.executable, "-m", "alflint.cli", "check", str(root), "--format", "concise"]
    for _ in range(2):
        result = subprocess.run(cli, capture_output=True, text=True, env=env)
        assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["LAB001"], result.stdout
    assert not (root / "__pycache__").exists()
