"""``python -m alflint``: the ``alflint`` command, for environments without its script on PATH."""

from .cli import command

raise SystemExit(command())
