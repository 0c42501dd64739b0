"""alflint-example-pack: the rules of an imaginary lab, packaged as an alflint plugin.

alflint imports this module through the ``alflint`` entry point and calls its hooks. Keep the
module cheap to import: the rules are imported inside the hook, so listing plugins (every
``alflint`` run, every pre-commit hook run) does not pay for them.
"""

from alflint.plugin import hookimpl

__version__ = "0.1.0"


@hookimpl
def alflint_rules():
    """The rules of this pack (alflint selects and configures them by code or name)."""
    from . import rules

    return [rules.subject_name_pattern, rules.session_has_trials]
