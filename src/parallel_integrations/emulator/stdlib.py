"""The standard library's documentation as corpus pages: what ``pydoc`` renders from the installed modules of the
running Python, one page per module, at its ``https://docs.python.org/3/library/<module>.html`` URL.

pydoc's text is rewritten as Markdown the corpus reads well: the module's description; each class and function
under its own heading (``## class Path(PurePath)``, ``### Path.read_text(self, encoding=None, errors=None)``)
with its docstring dedented, so prose reads as prose and code stays code. What every page repeats says nothing
about any of them and is left out: members inherited from a base class, the method resolution order,
``__dict__``/``__weakref__`` boilerplate, module data, file paths.

Rendering imports every module, so it runs in child processes (:func:`stdlib_pages`), never in the emulator's
own: an import's side effects (threads, signal handlers, ``sys.path`` changes) stay there, and the work is
spread over the machine's cores. ``python -m parallel_integrations.emulator.stdlib NAME...`` renders the named
modules as JSONL on stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from .documents import Page, read_jsonl

__all__ = [
    "CACHE_ENV",
    "DOCS_LIBRARY",
    "cache_dir",
    "cached_stdlib_pages",
    "module_names",
    "pydoc_markdown",
    "render_module",
    "stdlib_pages",
]

DOCS_LIBRARY = "https://docs.python.org/3/library/"
_BUILD_TIMEOUT = 300.0  # seconds for all children together

# Modules whose import has effects beyond this process (a browser, a printed poem), that are not library
# modules (test suites, IDLE, demos), or that only exist on another platform.
_SKIPPED = frozenset(
    {
        "antigravity", "this", "idlelib", "turtledemo", "lib2to3", "test", "pydoc_data", "ensurepip",
        "msilib", "msvcrt", "nt", "winreg", "winsound", "_winapi",
    }
)  # fmt: skip
# Packages whose submodules have pages of their own in the library docs (asyncio's do not: its page has them).
_WITH_SUBMODULES = frozenset(
    {
        "collections", "concurrent", "curses", "dbm", "email", "html", "http", "importlib", "json", "logging",
        "multiprocessing", "unittest", "urllib", "wsgiref", "xml", "xmlrpc",
    }
)  # fmt: skip
_EXTRA = ("os.path", "xml.etree.ElementTree", "xml.dom.minidom", "xml.sax.handler", "xml.sax.saxutils")


def module_names() -> list[str]:
    """The public standard-library modules of the running Python that have a library page, sorted."""
    import pkgutil

    names = {n for n in sys.stdlib_module_names if not n.startswith("_") and n not in _SKIPPED}
    for package in sorted(_WITH_SUBMODULES & names):
        spec = __import__("importlib.util").util.find_spec(package)
        for info in pkgutil.iter_modules(spec.submodule_search_locations if spec else None):
            if not info.name.startswith("_") and info.name not in ("test", "tests"):
                names.add(f"{package}.{info.name}")
    names.update(_EXTRA)
    return sorted(names)


# --- pydoc's text as Markdown ---

_SECTION = re.compile(r"^[A-Z][A-Z ]+$")
_KEPT_SECTIONS = ("DESCRIPTION", "CLASSES", "FUNCTIONS")
_CLASS = re.compile(r"^(?:\w+ = )?class (\w+)(.*)$")
_GROUP = re.compile(r"^(?:[A-Z][\w ]*) (?:defined here|inherited from .+):$|^Method resolution order:$")
_MEMBER = re.compile(r"^([A-Za-z_]\w*)(?: = \w+)?(\(.*)?$")
_BOILERPLATE = frozenset({"__dict__", "__weakref__"})
_DUNDERS_KEPT = frozenset({"__init__", "__call__", "__enter__", "__exit__", "__iter__", "__next__"})


def _sections(text: str) -> Iterator[tuple[str, list[str]]]:
    """pydoc's top-level sections as (NAME, lines dedented by four)."""
    name, lines = "", list[str]()
    for line in text.splitlines()[1:]:
        if _SECTION.match(line):
            if name:
                yield name, lines
            name, lines = line.strip(), []
        else:
            lines.append(line[4:] if line.startswith("    ") else line.strip())
    if name:
        yield name, lines


def _dedent(lines: Sequence[str]) -> list[str]:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return [line[cut:].rstrip() for line in lines]


def _members(lines: Sequence[str], prefix: str, level: str) -> Iterator[str]:
    """Members (a signature at column 0, its docstring indented below) as headings with their docstrings."""
    signature: str | None = None
    body: list[str] = []

    def flush() -> Iterator[str]:
        if signature is not None:
            name = signature.split("(", 1)[0].split(" = ", 1)[0]
            dunder = name.startswith("__") and name.endswith("__")
            if name not in _BOILERPLATE and (not dunder or name in _DUNDERS_KEPT):
                yield f"{level} {prefix}{signature}"
                yield ""
                yield from _dedent(body)
                yield ""

    for line in lines:
        if line and not line[0].isspace() and _MEMBER.match(line):
            yield from flush()
            signature, body = line.strip(), []
        elif signature is not None:
            body.append(line)
    yield from flush()


def _class(name: str, header: str, lines: Sequence[str]) -> Iterator[str]:
    """One class: its docstring, then the members it defines itself (inherited ones left out)."""
    yield f"## class {name}{header}"
    yield ""
    body = [line[4:] if line.startswith(" |  ") else line[2:].strip() if line.startswith(" |") else line
            for line in lines]  # fmt: skip
    groups: list[tuple[str, list[str]]] = [("", [])]
    for line in body:
        if _GROUP.match(line.strip()) and not line.startswith(" "):
            groups.append((line.strip(), []))
        elif not re.fullmatch(r"-{10,}", line.strip()):
            groups[-1][1].append(line)
    for title, member_lines in groups:
        if not title:
            yield from _dedent(member_lines)
            yield ""
        elif "defined here" in title and not title.startswith("Data and other attributes"):
            yield from _members(member_lines, f"{name}.", "###")


def _classes(lines: Sequence[str]) -> Iterator[str]:
    current: tuple[str, str] | None = None
    body: list[str] = []
    for line in lines:
        found = _CLASS.match(line)
        if found:
            if current is not None:
                yield from _class(*current, body)
            current, body = (found.group(1), found.group(2)), []
        elif current is not None:
            body.append(line)
    if current is not None:
        yield from _class(*current, body)


def pydoc_markdown(text: str) -> tuple[str, str]:
    """pydoc's plain text for one module as ``(synopsis, markdown)``: the NAME line's summary (may be empty)
    and the description, classes and functions as Markdown (see the module docstring)."""
    synopsis = ""
    out: list[str] = []
    for name, lines in _sections(text):
        if name == "NAME":
            first = next((line.strip() for line in lines if line.strip()), "")
            synopsis = first.split(" - ", 1)[1].strip() if " - " in first else ""
        elif name == "DESCRIPTION":
            out += _dedent(lines)
        elif name == "CLASSES":
            out += _classes(lines)
        elif name == "FUNCTIONS":
            out += ["## Functions", "", *_members(lines, "", "###")]
    markdown = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    return synopsis, markdown


def render_module(name: str) -> Page | None:
    """The page of module ``name``, rendered by pydoc (``None`` when it cannot be imported here)."""
    import importlib
    import pydoc

    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):  # fmt: skip
            warnings.simplefilter("ignore")
            module = importlib.import_module(name)
            text = pydoc.render_doc(module, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    except BaseException:  # any failure to import or render (SystemExit included): the module is left out
        return None
    synopsis, markdown = pydoc_markdown(text)
    title = f"{name} — {synopsis}" if synopsis else name
    return Page(f"{DOCS_LIBRARY}{name}.html", title, f"# {title}\n\n{markdown}")


def stdlib_pages(workers: int | None = None) -> list[Page]:
    """Every module's page, rendered in ``workers`` child processes (default: one per core, at most 4),
    in module order."""
    names = module_names()
    count = max(1, min(workers or os.cpu_count() or 1, 4, len(names)))
    shares = [names[i::count] for i in range(count)]
    children = [
        subprocess.Popen(
            [sys.executable, "-m", __name__, *share],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        for share in shares
    ]
    pages: dict[str, Page] = {}
    deadline = time.monotonic() + _BUILD_TIMEOUT
    for child in children:
        try:
            out, _ = child.communicate(timeout=max(deadline - time.monotonic(), 1.0))
        except subprocess.TimeoutExpired:  # a module that hangs on import: keep what was rendered before it
            child.kill()
            out, _ = child.communicate()
        for line in out.decode("utf-8", errors="replace").splitlines():
            try:  # a module may have written to the process's own stdout as it was imported
                record = json.loads(line)
                pages[record["name"]] = Page(record["url"], record["title"], record["text"])
            except (ValueError, KeyError, TypeError):
                continue
    return [pages[name] for name in names if name in pages]


# --- the cache ---

CACHE_ENV = "PARALLEL_EMULATOR_CACHE"
"""Environment variable naming the folder that keeps the built standard-library pages."""
_FORMAT = 1  # bump when the pages change shape, so old caches are not read


def cache_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where built pages are kept: ``explicit``, else ``$PARALLEL_EMULATOR_CACHE``, else the user's cache
    folder (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on
    Windows), in a ``parallel-integrations`` subfolder."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "parallel-integrations"


def _cache_file(folder: Path) -> Path:
    version = ".".join(map(str, sys.version_info[:3]))
    return folder / f"stdlib-pages-{sys.implementation.name}-{version}-v{_FORMAT}.jsonl"


def cached_stdlib_pages(cache: str | os.PathLike[str] | None = None) -> list[Page]:
    """The standard library's pages, read from the cache (see :func:`cache_dir`), or built and cached on first
    use: the build takes a while (10 to 20 s on two cores) and says so on stderr. A cache folder that
    cannot be written leaves the pages unsaved (built again next time), with a warning."""
    path = _cache_file(cache_dir(cache))
    if path.is_file():
        try:
            return list(read_jsonl(path))
        except (OSError, ValueError):
            pass  # unreadable or damaged: build it again
    print(
        f"parallel-integrations emulator: building the search corpus from the standard library's "
        f"documentation (once; cached in {path.parent}) ...",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    pages = stdlib_pages()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         suffix=".tmp") as out:  # fmt: skip
            for page in pages:
                out.write(json.dumps({"url": page.url, "title": page.title, "text": page.text}) + "\n")
        os.replace(out.name, path)  # whole or not at all, even with builders racing
        where = f"cached in {path}"
    except OSError as exc:
        where = f"not cached ({exc})"
    elapsed = time.monotonic() - started
    print(
        f"parallel-integrations emulator: {len(pages)} module pages in {elapsed:.1f} s, {where}",
        file=sys.stderr,
        flush=True,
    )
    return pages


def _main(names: Sequence[str]) -> None:
    for name in names:
        page = render_module(name)
        if page is not None:
            record = {"name": name, "url": page.url, "title": page.title, "text": page.text}
            sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    _main(sys.argv[1:])
