"""Start-up time: a fresh interpreter importing this package and building one client, next to its baselines.

Run: ``.venv/bin/python bench/bench_startup.py [--runs N] [--top K] [--importtime-runs R]``

Each case is a ``python -c`` in a fresh subprocess, timed from spawn to exit. The cases take turns (one warm-up turn
first, so every ``.pyc`` exists and the files are cached); each figure is the median of N runs, each difference the
median of the N per-turn differences:

  a. ``pass`` (the interpreter alone);
  b. ``import httpx; from pydantic import BaseModel; httpx.Client()`` (the floor for any httpx + pydantic client);
  b+. (b) and one model class with a ``Field``: pydantic imports ``pydantic.fields``/``types`` (and
      ``annotated_types``) only when a model is first defined, so this is the floor for any code that has models;
  c. ``import parallel_integrations`` and ``ParallelClient('k', base_url='https://api.parallel.ai')`` (TLS context
     included);
  d. the same with an ``http://`` base URL (no CA bundle is loaded);
  e. the official SDK: ``from parallel import Parallel; Parallel(api_key='k')``;
  f. ``import parallel_integrations`` alone (so c - f is the cost of building the client).

Then ``python -X importtime`` of (c) and (b), R runs each, the minimum per module: the packages and modules that
(c) imports beyond (b), largest first, and this package's import tree, so it is clear what could be trimmed or
imported lazily. The wall-clock medians are the figures; ``-X importtime`` adds its own overhead and is a breakdown.
Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict

CASES = {
    "a": ("python -c pass", "pass"),
    "b": (
        "httpx + pydantic.BaseModel + httpx.Client()",
        "import httpx; from pydantic import BaseModel; httpx.Client()",
    ),
    "b+": (
        "b + one model class with a Field",
        "import httpx; from pydantic import BaseModel, Field; httpx.Client()\n"
        "class M(BaseModel): x: list[str] = Field(default_factory=list)",
    ),
    "c": (
        "parallel_integrations + ParallelClient(https)",
        "import parallel_integrations; parallel_integrations.ParallelClient('k', base_url='https://api.parallel.ai')",
    ),
    "d": (
        "parallel_integrations + ParallelClient(http)",
        "import parallel_integrations; parallel_integrations.ParallelClient('k', base_url='http://127.0.0.1:9')",
    ),
    "e": ("SDK: from parallel import Parallel; Parallel()", "from parallel import Parallel; Parallel(api_key='k')"),
    "f": ("import parallel_integrations (no client)", "import parallel_integrations"),
}
TARGET_MS = 80.0


def _environment() -> dict[str, str]:
    # Settings that would change what the child does (a key, a base URL, an import hook) are left out.
    skip = ("PARALLEL_", "PYTHONPROFILEIMPORTTIME", "PYTHONSTARTUP", "PYTHONBREAKPOINT")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)}


def time_once(code: str, env: dict[str, str]) -> float:
    """Milliseconds from spawning ``python -c code`` to its exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def measure(runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {key: [] for key in CASES}
    for turn in range(runs + 1):
        for key, (_, code) in CASES.items():
            elapsed = time_once(code, env)
            if turn:
                samples[key].append(elapsed)
    return samples


def importtime(code: str, runs: int, env: dict[str, str]) -> dict[str, tuple[float, float, int]]:
    """Per module: (self ms, cumulative ms, nesting depth), the minimum over ``runs`` runs of ``-X importtime``.

    Modules come in the order ``-X importtime`` reports them: each one after everything it imported."""
    best: dict[str, tuple[float, float, int]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], env=env, check=True, capture_output=True, text=True
        )
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
            depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
            module = name.strip()
            entry = (int(self_us) / 1000, int(cumulative_us) / 1000, depth)
            old = best.get(module)
            best[module] = entry if old is None else (min(old[0], entry[0]), min(old[1], entry[1]), depth)
    return best


def by_package(modules: dict[str, tuple[float, float, int]]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for module, (self_ms, _, _) in modules.items():
        totals[module.split(".")[0]] += self_ms
    return totals


# pydantic loads these through its module ``__getattr__`` (``from pydantic import Field``), and ``-X importtime``
# then lists none of them: their time is charged to whichever module asked first (here ``_batch`` and ``_models``).
# Importing them up front, in every breakdown run alike, puts their cost on their own lines.
PYDANTIC_LAZY = (
    "import pydantic.main, pydantic.fields, pydantic.types, pydantic.functional_validators, pydantic.type_adapter\n"
)


def print_breakdown(top: int, runs: int, env: dict[str, str]) -> None:
    ours = importtime(PYDANTIC_LAZY + CASES["c"][1], runs, env)
    floor = importtime(PYDANTIC_LAZY + CASES["b"][1], runs, env)
    plain_floor = importtime(CASES["b"][1], runs, env)
    extra = {m: v for m, v in ours.items() if m not in floor}
    print(
        f"\n-X importtime, minimum of {runs} runs, pydantic's lazily loaded modules imported first in each run:\n"
        f"  (c) imports {len(ours)} modules, {sum(v[0] for v in ours.values()):.1f} ms of import work; "
        f"{len(extra)} of them are not in (b): {sum(v[0] for v in extra.values()):.1f} ms"
    )

    print(f"\n  packages, self time summed over their modules, (c) minus plain (b) (top {top}):")
    ours_pkg, plain_pkg = by_package(ours), by_package(plain_floor)
    deltas = {p: ms - plain_pkg.get(p, 0.0) for p, ms in ours_pkg.items()}
    for package, ms in sorted(deltas.items(), key=lambda kv: -kv[1])[:top]:
        note = "  (not in b)" if package not in plain_pkg else ""
        if package == "pydantic":
            note = "  (fields, types...: any code defining a model pays it, see b+)"
        print(f"    {package:<40} {ms:>7.1f} ms{note}")

    print(f"\n  modules of (c) that (b) does not import, by self time (top {top}):")
    for module, (self_ms, cumulative_ms, _) in sorted(extra.items(), key=lambda kv: -kv[1][0])[:top]:
        print(f"    {module:<52} self {self_ms:>6.1f} ms   cumulative {cumulative_ms:>6.1f} ms")

    print("\n  this package's modules as an import tree (cumulative: with everything a module was first to import):")
    own = [(m, v) for m, v in reversed(ours.items()) if m.startswith("parallel_integrations")]
    for module, (self_ms, cumulative_ms, depth) in own:
        name = "  " * depth + module
        print(f"    {name:<52} self {self_ms:>6.1f} ms   cumulative {cumulative_ms:>6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case (default 15)")
    parser.add_argument("--top", type=int, default=15, help="rows in each import-time list (default 15)")
    parser.add_argument("--importtime-runs", type=int, default=3, help="-X importtime runs per case (0: skip)")
    args = parser.parse_args()
    env = _environment()

    print(f"{os.cpu_count()} cores, Python {platform.python_version()}, {args.runs} runs per case, fresh process each")
    samples = measure(args.runs, env)
    print(f"\n  {'case':<52} {'median':>8} {'min':>8} {'max':>8}\n  {'':<52} {'ms':>8} {'ms':>8} {'ms':>8}")
    medians = {}
    for key, (label, _) in CASES.items():
        values = samples[key]
        medians[key] = statistics.median(values)
        print(f"  {key + '.':<3} {label:<49} {medians[key]:>8.1f} {min(values):>8.1f} {max(values):>8.1f}")

    def paired(x: str, y: str) -> float:
        # The cases of one turn ran back to back, so per-turn differences cancel most of the machine's drift.
        return statistics.median(a - b for a, b in zip(samples[x], samples[y], strict=True))

    cost = paired("c", "b")
    verdict = "within" if cost <= TARGET_MS else "OVER"
    print("\n  differences: median of the per-turn differences")
    print(
        f"  c - b  (the package and its client beyond httpx + pydantic): {cost:+7.1f} ms, {verdict} {TARGET_MS:.0f} ms"
    )
    print(f"  c - b+ (the same, over a floor that defines one model):      {paired('c', 'b+'):+7.1f} ms")
    print(f"  d - b  (the same with an http:// base URL):                  {paired('d', 'b'):+7.1f} ms")
    print(f"  c - f  (building the client, TLS context included):          {paired('c', 'f'):+7.1f} ms")
    print(f"  e - b  (the official SDK beyond httpx + pydantic):           {paired('e', 'b'):+7.1f} ms")

    if args.importtime_runs > 0:
        print_breakdown(args.top, args.importtime_runs, env)


if __name__ == "__main__":
    main()
