"""The example pack's rules: a path rule with an option and a session rule.

Codes are the pack's own prefix (``LAB``) and three digits, so they never collide with
alflint's ``ALF`` codes; users enable them with ``extend-select = ["LAB"]``.
"""

from __future__ import annotations

import re

from alflint.rule import rule


@rule(
    "LAB001",
    "subject-name-pattern",
    "error",
    "session",
    options={
        "pattern": {
            "type": "string",
            "default": "[A-Z]{2,4}[0-9]{3}",
            "description": "regular expression every subject name must match in full",
        }
    },
)
def subject_name_pattern(session, ctx):
    """Subject names follow the lab's pattern (by default two to four capitals and three digits).

    **What it checks:** the subject folder of every session matches the regular expression of
    the ``pattern`` option in full.

    **Why it matters:** the lab's animal database keys subjects by these names; a session
    filed under ``ks5`` or ``KS005 `` is not found when data are joined to the animal's
    records.

    **Bad:** ``ks5/2021-06-01/001``, ``mouse-12/2021-06-01/001``

    **Good:** ``KS005/2021-06-01/001``

    **Options** (``[tool.alflint.rules.LAB001]``): ``pattern``.
    """
    pattern = ctx.options["pattern"]
    if not re.fullmatch(pattern, session.subject):
        yield f"subject {session.subject!r} does not match the lab's pattern {pattern!r}"


@rule("LAB002", "session-without-trials", "warning", "session")
def session_has_trials(session, ctx):
    """Every behaviour session has a trials object.

    **What it checks:** a session holding any dataset has at least one ``trials.*`` file
    (in any collection).

    **Why it matters:** the lab's analyses start from the trials table; a session without
    one was usually copied before extraction finished.

    **Bad:** a session with ``alf/wheel.position.npy`` only.

    **Good:** the same session with ``alf/trials.intervals.npy`` beside it.
    """
    if not session.datasets:
        return
    if not any(d.parts is not None and d.parts.object == "trials" for d in session.datasets):
        yield ctx.finding(session.key, "no trials object in this session (expected e.g. alf/trials.intervals.npy)")
