"""A small sampling profiler for the event-loop thread that sees through greenlets.

cProfile mis-attributes asyncio code that SQLAlchemy runs in greenlets (each greenlet switch breaks
its call stack), and a sampler in another thread sees a greenlet's frames cut off from its caller.
This one samples on SIGPROF (process CPU time) in the main thread itself, and continues each stack
through the parents of the running greenlet. A sample taken while the loop thread sits in
`select` means that CPU was spent by another thread (aiosqlite's) while the loop waited.
"""

from __future__ import annotations

import signal
import sys
from collections import Counter
from pathlib import Path
from types import FrameType

import greenlet

ROOT = Path(__file__).resolve().parent.parent
Where = tuple[str, int, str]  # file, line, function


class Sampler:
    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.samples = 0
        self.own_lines: Counter[Where] = Counter()  # the line running when sampled
        self.inclusive: Counter[Where] = Counter()  # functions anywhere on the stack (by def line)
        self.packages: Counter[str] = Counter()  # packages anywhere on the stack
        self.own_packages: Counter[str] = Counter()
        self._package_of: dict[str, str] = {}  # short path -> package

    def __enter__(self) -> Sampler:
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc_info: object) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, signal.SIG_DFL)

    def _sample(self, _signum: int, frame: FrameType | None) -> None:
        stack = list(_frames(frame))
        if not stack:
            return
        self.samples += 1
        leaf = stack[0]
        self.own_lines[(_short(leaf.f_code.co_filename), leaf.f_lineno, leaf.f_code.co_name)] += 1
        self.own_packages[package(leaf.f_code.co_filename)] += 1
        functions = set()
        for f in stack:
            short = _short(f.f_code.co_filename)
            self._package_of.setdefault(short, package(f.f_code.co_filename))
            functions.add((short, f.f_code.co_firstlineno, f.f_code.co_name))
        self.inclusive.update(functions)
        self.packages.update({package(f.f_code.co_filename) for f in stack})

    def report(self, top: int = 20) -> str:
        n = max(self.samples, 1)

        def pct(count: int) -> str:
            return f"{count / n:6.1%}"

        lines = [f"{self.samples} samples", "",
                 "CPU by package of the running line (own):"]
        lines += [f"  {pct(c)}  {name}" for name, c in self.own_packages.most_common(12)]
        lines += ["", "share of samples with this package anywhere on the stack:"]
        lines += [f"  {pct(c)}  {name}" for name, c in self.packages.most_common(12)]
        for title, kinds in (("wuxue's functions (inclusive: the function and what it calls):", ("wuxue",)),
                             ("installed libraries' functions (inclusive):", ("lib",))):
            chosen = [(w, c) for w, c in self.inclusive.most_common() if self._kind(w[0]) in kinds]
            lines += ["", title] + [f"  {pct(c)}  {file}:{line} {name}" for (file, line, name), c in chosen[:top]]
        lines += ["", "hottest lines (own):"]
        lines += [f"  {pct(c)}  {file}:{line} {name}" for (file, line, name), c in self.own_lines.most_common(top)]
        return "\n".join(lines)


    def _kind(self, short: str) -> str:
        name = self._package_of.get(short, "")
        if name in ("wuxue bench/",) or name.startswith(("stdlib ", "generated")):
            return "other"
        return "wuxue" if name.startswith("wuxue ") else "lib"


def _frames(frame: FrameType | None):
    """The stack from the sampled frame up, continued through the running greenlet's parents."""
    current = greenlet.getcurrent()
    while True:
        while frame is not None:
            yield frame
            frame = frame.f_back
        current = current.parent
        if current is None:
            return
        frame = current.gr_frame


def _short(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    if path.startswith(str(ROOT) + "/"):
        return path[len(str(ROOT)) + 1:]
    stdlib = Path(sys.base_prefix) / "lib"
    return path.split(str(stdlib) + "/", 1)[-1].split("/", 1)[-1] if path.startswith(str(stdlib)) else path


def package(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if path.startswith(str(ROOT) + "/"):
        return "wuxue " + path[len(str(ROOT)) + 1:].split("/", 1)[0] + "/"
    if path.startswith("<"):
        return "generated"
    return "stdlib " + Path(path).stem
