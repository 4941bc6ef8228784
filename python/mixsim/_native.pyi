"""Type stub of the native module (the Rust bindings crate); use the mixsim package instead."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__version__: str

class NativeResults:
    def summary_json(self) -> str: ...
    def table(self) -> str: ...
    def points_csv(self) -> str: ...
    def save(self, out: str) -> List[str]: ...

def check(text: str, origin: str, overrides: Sequence[str]) -> str: ...
def json_to_toml(json: str) -> str: ...
def run(
    text: str,
    origin: str,
    overrides: Sequence[str],
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    jobs: Optional[int] = None,
    attacks: Sequence[Tuple[Any, Dict[str, Any]]] = (),
    builtin: bool = True,
    progress: Optional[Callable[[int, int], object]] = None,
) -> NativeResults: ...
def export(
    text: str,
    origin: str,
    overrides: Sequence[str],
    out: str,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    jobs: Optional[int] = None,
    window: Optional[str] = None,
    progress: Optional[Callable[[int, int], object]] = None,
) -> None: ...
def sweep(
    path: str,
    out: str,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    jobs: Optional[int] = None,
    attacks: Sequence[Tuple[Any, Dict[str, Any]]] = (),
    progress: Optional[Callable[[int, int], object]] = None,
) -> None: ...
def model(
    text: str,
    origin: str,
    overrides: Sequence[str],
    semi_reps: int = 400,
    coer_target: float = 1e-7,
) -> str: ...
