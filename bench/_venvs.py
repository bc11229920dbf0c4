"""The alternatives' virtualenvs: one per package a user could pick instead of this one, each pinned, made on first
use under a cache folder (they pin versions that conflict with each other and with this project).

The folder is ``$PARALLEL_BENCH_CACHE`` or ``~/.cache/parallel-integrations/bench-venvs``. A virtualenv counts as
ready once its pinned requirement installed completely (a ``requirement.txt`` beside it holds what was installed);
a half-made one is made again. Making one needs the package registry; finding a ready one does not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ALTERNATIVES = {
    # This package's own dependencies alone, at the versions of the project's virtualenv, the package itself taken
    # from src/ (PYTHONPATH): the core start-up is measured in an environment as small as the SDK's. In the project's
    # virtualenv (about 110 distributions, .pth hooks of coverage and of the editable install) the same code, ours or
    # the SDK's, started about 100 ms slower on this machine.
    "ours-core": "",
    # What ``pip install "parallel-integrations[langchain]"`` brings, pinned at the versions of the project's
    # virtualenv, the package itself from src/ (PYTHONPATH). The project's virtualenv also holds the cli extra's
    # click, rich and pygments, which ``import httpx`` loads when they are installed (about 37 ms here): a
    # LangChain user's environment does not have them, nor does langchain-parallel's.
    "ours-langchain": "",
    "sdk": "parallel-web==1.3.7",
    "langchain-parallel": "langchain-parallel==0.5.0",
    "llama-index-parallel": "llama-index-tools-parallel-web-systems==0.3.0",
}
# What each page row names: the distributions whose versions decide the figures.
DISTRIBUTIONS = {
    "ours": ("parallel-integrations", "httpx", "pydantic", "langchain-core", "llama-index-core"),
    "ours-core": ("httpx", "pydantic", "sniffio"),
    "ours-langchain": ("langchain-core", "langsmith", "httpx", "pydantic"),
    "sdk": ("parallel-web", "httpx", "pydantic"),
    "langchain-parallel": ("langchain-parallel", "parallel-web", "langchain-core", "httpx", "pydantic"),
    "llama-index-parallel": (
        "llama-index-tools-parallel-web-systems",
        "llama-index-core",
        "parallel-web",
        "httpx",
        "pydantic",
    ),
}


# The alternatives that run this package from src/ (on PYTHONPATH) rather than an installed copy.
FROM_SOURCE = ("ours-core", "ours-langchain")


def requirement(name: str) -> str:
    """What alternative ``name`` installs (for ``ours-core``: httpx, pydantic and sniffio pinned as here; for
    ``ours-langchain``: every distribution ``parallel-integrations[langchain]`` depends on, pinned as here)."""
    from importlib import metadata

    if name == "ours-core":
        return " ".join(f"{dist}=={metadata.version(dist)}" for dist in DISTRIBUTIONS["ours-core"])
    if name == "ours-langchain":
        return " ".join(
            f"{dist}=={version}" for dist, version in sorted(dependencies("parallel-integrations", "langchain").items())
        )
    return ALTERNATIVES[name]


def dependencies(distribution: str, extra: str = "") -> dict[str, str]:
    """Every distribution ``distribution[extra]`` needs, directly or not, with its version installed here."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    pending = [(distribution, {extra} if extra else set())]
    while pending:
        name, extras = pending.pop()
        for line in metadata.requires(name) or []:
            needed = Requirement(line)
            if needed.marker and not any(needed.marker.evaluate({"extra": e}) for e in extras | {""}):
                continue
            key = canonicalize_name(needed.name)
            if key not in found:
                found[key] = metadata.version(needed.name)
                pending.append((needed.name, set(needed.extras)))
    return found


def cache_folder() -> Path:
    """Where the alternatives' virtualenvs live."""
    configured = os.environ.get("PARALLEL_BENCH_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "parallel-integrations" / "bench-venvs"


def ready_python(name: str) -> Path | None:
    """The interpreter of alternative ``name`` if its virtualenv is complete, else ``None`` (never installs)."""
    folder = cache_folder() / name
    marker = folder / "requirement.txt"
    python = folder / "bin" / "python"
    if python.exists() and marker.exists() and marker.read_text().strip() == requirement(name):
        return python
    return None


def ensure_python(name: str) -> tuple[Path, float]:
    """The interpreter of alternative ``name``, making its virtualenv first if needed; and the seconds that took."""
    ready = ready_python(name)
    if ready is not None:
        return ready, 0.0
    folder = cache_folder() / name
    start = time.perf_counter()
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    wanted = requirement(name)
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", *wanted.split()], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"installing {wanted} failed:\n{done.stderr[-2000:]}")
    (folder / "requirement.txt").write_text(wanted + "\n")
    return python, time.perf_counter() - start


def versions(python: Path | str, distributions: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each distribution in the environment of ``python`` (missing ones left out)."""
    code = (
        "import json, sys\nfrom importlib import metadata\nfound = {}\nfor name in sys.argv[1:]:\n"
        "    try:\n        found[name] = metadata.version(name)\n    except metadata.PackageNotFoundError:\n"
        "        pass\nprint(json.dumps(found))"
    )
    done = subprocess.run([str(python), "-c", code, *distributions], capture_output=True, text=True, check=True)
    found: dict[str, str] = json.loads(done.stdout)
    return found
