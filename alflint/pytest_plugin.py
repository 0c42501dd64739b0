"""pytest plugin: ``pytest --alf DATA_DIR`` collects one test item per ALF session.

Inert unless ``--alf`` or the ``alf_paths`` ini option is given (placeholder until the
pytest-plugin issue fills it in).
"""

from __future__ import annotations


def pytest_addoption(parser):
    group = parser.getgroup("alflint")
    group.addoption("--alf", action="append", default=[], metavar="DATA_DIR", help="check ALF data folders with alflint, one test per session")
    parser.addini("alf_paths", type="paths", default=[], help="ALF data folders alflint checks (like --alf)")
