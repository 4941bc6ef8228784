"""Progress of a run: tqdm (terminal or Jupyter) when installed, else a line on stderr, or a
callback of the caller's."""

from __future__ import annotations

import sys
from typing import Callable, Optional, Union

Progress = Union[bool, None, Callable[[int, int], object]]


class _Line:
    """``trials k/n`` rewritten in place on a terminal's stderr; elsewhere one line at the end."""

    def __init__(self) -> None:
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        if done == self.last:
            return
        self.last = done
        if sys.stderr.isatty():
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\rtrials {done}/{total}{end}")
        elif done >= total:  # a log file or a pipe: one line at the end
            sys.stderr.write(f"trials {done}/{total}\n")
        sys.stderr.flush()


class _Tqdm:
    def __init__(self, tqdm) -> None:
        self.tqdm = tqdm
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = self.tqdm(total=total, unit="trial", desc="trials")
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()


def callback(progress: Progress) -> Optional[Callable[[int, int], object]]:
    """The function the run calls with (trials done, trials in all), or None."""
    if progress is None or progress is False:
        return None
    if callable(progress) and progress is not True:
        return progress
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Line()
    return _Tqdm(tqdm)
