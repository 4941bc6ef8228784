"""Scenarios: the TOML files of mixsim, loaded, edited with overrides, and validated."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Union

from . import _native


class Scenario:
    """A scenario: its TOML text, where it came from, and ``--set`` overrides.

    Loading reads the text; :meth:`check` (and every run) validates it with the simulator's own
    code, raising :class:`mixsim.ScenarioError` with the command line's located message.

    >>> import mixsim
    >>> s = mixsim.Scenario.load("scenarios/testbed-poisson.toml")
    >>> s.set("node.mix.t_avg", "50ms").check()["links"][:2]
    ['alice->mix', 's2->mix']
    """

    def __init__(self, text: str, origin: str = "<string>", overrides: Optional[List[str]] = None):
        self.text = text
        self.origin = origin
        self.overrides: List[str] = list(overrides or [])

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Scenario":
        """Read a scenario file (validated when checked or run).

        >>> import mixsim
        >>> mixsim.Scenario.load("scenarios/fig5-light.toml").name
        'fig5-light'
        """
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            from .errors import ScenarioError

            raise ScenarioError(f"{path}: cannot read scenario: {e.strerror}", file=path) from None
        return cls(text, path)

    @classmethod
    def from_toml(cls, text: str, origin: str = "<string>") -> "Scenario":
        """A scenario from TOML text; ``origin`` names it in error messages.

        >>> import mixsim
        >>> s = mixsim.Scenario.from_toml(open("scenarios/fig5-light.toml").read())
        >>> s.check()["flows"][:2]
        ['alice', 's2-bob']
        """
        return cls(text, origin)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], origin: str = "<dict>") -> "Scenario":
        """A scenario from a dict shaped like the TOML file (tables as dicts, arrays of tables
        as lists of dicts, durations and rates as strings such as ``"20ms"``).

        >>> import mixsim
        >>> d = {"name": "tiny", "duration": "2s",
        ...      "node": [{"name": "a", "kind": "host"}, {"name": "b", "kind": "host"}],
        ...      "link": [{"from": "a", "to": "b", "bandwidth": "1Gbps"}],
        ...      "flow": [{"name": "f", "route": ["a", "b"], "model": "poisson",
        ...                "rate": "10pps"}]}
        >>> mixsim.Scenario.from_dict(d).check()["links"]
        ['a->b']
        """
        return cls(_native.json_to_toml(json.dumps(d)), origin)

    def set(self, path: str, value: Any) -> "Scenario":
        """Override a value by dotted path, in the file's units, as ``--set path=value`` does;
        returns the scenario itself so that calls chain.

        >>> import mixsim
        >>> s = mixsim.Scenario.load("scenarios/fig5-light.toml")
        >>> s.set("node.mix.t_avg", "50ms").set("trials", 20).check()["trials"]
        20
        """
        if isinstance(value, bool):
            value = "true" if value else "false"
        self.overrides.append(f"{path}={value}")
        return self

    def copy(self) -> "Scenario":
        """An independent copy (its own overrides)."""
        return Scenario(self.text, self.origin, self.overrides)

    def check(self) -> Dict[str, Any]:
        """Validate; returns what the scenario resolves to: ``name``, ``seed``, ``trials``,
        ``duration_s``, ``warmup_s``, the names of its ``nodes``, ``links`` and ``flows``, its
        ``attacks`` (name and kind), ``warnings``, and the effective file as ``toml``.

        Raises :class:`mixsim.ScenarioError` (file, line, key and what was expected).
        """
        return json.loads(_native.check(self.text, self.origin, self.overrides))

    @property
    def name(self) -> str:
        """The scenario's name (validates it)."""
        return self.check()["name"]

    def _args(self):
        return self.text, self.origin, self.overrides

    def __repr__(self) -> str:
        extra = f", {len(self.overrides)} overrides" if self.overrides else ""
        return f"Scenario({self.origin!r}{extra})"


def as_scenario(s: Union[Scenario, str, "os.PathLike[str]"]) -> Scenario:
    """A scenario, or the path of a scenario file, as a :class:`Scenario`."""
    if isinstance(s, Scenario):
        return s
    return Scenario.load(s)
