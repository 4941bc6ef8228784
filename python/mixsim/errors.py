"""Errors raised by mixsim."""

from __future__ import annotations

from typing import Optional


class ScenarioError(ValueError):
    """A scenario (or a sweep file, an override, an attack's declaration) that mixsim refuses.

    ``str(e)`` is the command line's located message, e.g.
    ``scenarios/x.toml:12:9: key `node[1].t_avg`: expected a duration such as "20ms"``;
    the parts are also attributes (``None`` when unknown).

    >>> import mixsim
    >>> try:
    ...     mixsim.Scenario.from_toml('name = "x"\\nbogus = 1\\n').check()
    ... except mixsim.ScenarioError as e:
    ...     print(e.line, e.key)
    2 bogus
    """

    def __init__(
        self,
        message: str,
        file: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        key: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.key = key
