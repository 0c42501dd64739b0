"""The configuration and option hooks, and the default selection of installed rule packs."""

from __future__ import annotations

import textwrap

import alflint
from alflint.config import Decider
from alflint.rule import rule

PLUGIN = '''
from alflint.plugin import hookimpl
from alflint.rule import rule


@rule("LAB001", "lab-subject-prefix", "error", "session")
def lab_subject_prefix(session, ctx):
    """Subjects start with the lab's prefix.

    **Bad:** ``XX001`` **Good:** ``KS001``
    """
    prefix = ctx.options.get("prefix", "KS")
    if not session.subject.startswith(prefix):
        yield f"subject {session.subject!r} does not start with {prefix!r}"


@rule("LAB002", "lab-opt-in", "warning", "session", enabled=False)
def lab_opt_in(session, ctx):
    """An opt-in check that always fires when selected."""
    yield "opt-in rule ran"


@hookimpl
def alflint_rules():
    return [lab_subject_prefix, lab_opt_in]


@hookimpl
def alflint_default_config():
    return {"exclude": ["scratch/"], "severity": {"LAB001": "warning"}}


@hookimpl
def alflint_rule_options():
    return {"ALF104": {"lab-note": {"type": "string", "default": "", "description": "added by the lab pack"}}}
'''


def make(tmp_path, config=""):
    (tmp_path / "XX001" / "2021-01-01" / "001").mkdir(parents=True)
    scratch = tmp_path / "scratch" / "s" / "2021-01-01" / "001"
    scratch.mkdir(parents=True)
    (scratch / "bad name.x.npy").write_bytes(b"x")
    (tmp_path / "lab_rules.py").write_text(PLUGIN)
    (tmp_path / "alflint.toml").write_text('plugins = ["lab_rules.py"]\n' + textwrap.dedent(config))
    return tmp_path


def codes(report):
    return sorted({(i.code, i.severity) for i in report.issues})


def test_installed_pack_rules_run_by_default_with_plugin_defaults(tmp_path):
    report = alflint.check(make(tmp_path))
    # LAB001 runs without any select (ALL is the default); its severity and the scratch/
    # exclusion come from the pack's alflint_default_config; LAB002 is opt-in
    assert codes(report) == [("LAB001", "warning")]


def test_user_configuration_wins_over_plugin_defaults(tmp_path):
    report = alflint.check(make(tmp_path, '[severity]\nLAB001 = "error"\n'))
    assert codes(report) == [("LAB001", "error")]


def test_opt_in_rules_need_an_explicit_selection(tmp_path):
    root = make(tmp_path)
    assert "LAB002" not in {i.code for i in alflint.check(root, extend_select=["LAB"]).issues}
    assert "LAB002" in {i.code for i in alflint.check(root, extend_select=["LAB0"]).issues}
    assert "LAB002" in {i.code for i in alflint.check(root, extend_select=["lab-opt-in"]).issues}


def test_select_prefix_limits_to_built_in_rules(tmp_path):
    report = alflint.check(make(tmp_path), select=["ALF"])
    assert "LAB001" not in {i.code for i in report.issues}


def test_rule_options_hook_adds_an_option_users_can_set(tmp_path):
    root = make(tmp_path, '[rules.ALF104]\nlab-note = "camelCase please"\n')
    alflint.check(root)  # would raise ConfigError for an unknown option
    from alflint.engine import Engine

    engine = Engine.create(root)
    assert engine.options_for(engine.rules["ALF104"])["lab-note"] == "camelCase please"


def test_decider_longest_prefix_wins_and_all():
    @rule("ALF104", "object-not-camel-case", "warning", "path")
    def r(target, ctx):
        """Doc."""

    assert Decider(["ALL"], []).enabled(r)
    assert not Decider(["ALL"], ["ALF1"]).enabled(r)
    assert Decider(["ALF104"], ["ALF1"]).enabled(r)
    assert not Decider(["ALF1"], ["ALF104"]).enabled(r)
    assert not Decider(["LAB"], []).enabled(r)
