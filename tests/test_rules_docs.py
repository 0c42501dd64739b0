"""The path and layout rule catalogue: fixed codes, names, severities and scopes, and user
documentation (what it checks, why it matters, a bad and a good example) for each rule."""

from __future__ import annotations

import pytest

from alflint.engine import Engine

#: code: (name, severity, scope), as issued; these never change.
CATALOGUE = {
    "ALF101": ("invalid-filename", "error", "path"),
    "ALF102": ("not-a-dataset", "warning", "path"),
    "ALF103": ("misparsed-namespace", "error", "path"),
    "ALF104": ("object-not-camel-case", "warning", "path"),
    "ALF105": ("attribute-not-camel-case", "warning", "path"),
    "ALF106": ("namespace-not-lower-case", "warning", "path"),
    "ALF107": ("extension-not-lower-case", "error", "path"),
    "ALF108": ("suffix-read-as-timescale", "warning", "path"),
    "ALF109": ("empty-dataset", "error", "path"),
    "ALF110": ("os-junk", "warning", "path"),
    "ALF111": ("broken-symlink", "error", "repository"),
    "ALF112": ("unreadable", "error", "repository"),
    "ALF113": ("case-collision", "error", "repository"),
    "ALF201": ("invalid-collection", "error", "session"),
    "ALF202": ("hidden-folder", "warning", "session"),
    "ALF203": ("invalid-revision", "error", "session"),
    "ALF204": ("revision-not-a-date", "warning", "session"),
    "ALF205": ("mixed-revision-labels", "warning", "session"),
    "ALF301": ("duplicate-object-key", "error", "session"),
    "ALF401": ("dataset-outside-session", "error", "path"),
    "ALF402": ("invalid-date", "error", "session"),
    "ALF403": ("number-too-long", "error", "session"),
    "ALF404": ("unpadded-number", "error", "session"),
    "ALF405": ("lab-folder", "error", "session"),
    "ALF406": ("invalid-subject", "error", "session"),
    "ALF407": ("nested-session", "error", "repository"),
    "ALF408": ("invalid-lab", "error", "session"),
}


@pytest.fixture(scope="module")
def rules():
    return Engine.create(".").rules


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_rule_identity(rules, code):
    r = rules[code]
    assert (r.name, r.severity, r.scope) == CATALOGUE[code]
    assert r.origin.startswith("alflint.rules.")
    assert r.enabled_by_default and not r.reads_content  # path and layout rules never read data


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_rule_documentation(rules, code):
    doc = rules[code].doc
    for section in ("**What it checks:**", "**Why it matters:**", "**Bad:**", "**Good:**"):
        assert section in doc, f"{code} lacks {section}"
    assert doc.index("**Bad:**") < doc.index("**Good:**")
    assert rules[code].summary.endswith(".") and len(rules[code].summary) < 100
    for option, schema in rules[code].options.items():
        assert "default" in schema and "description" in schema, (code, option)
        assert f"``{option}``" in doc, f"{code} does not document its option {option}"
