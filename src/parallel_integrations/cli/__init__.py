"""``parallel-integrations``: the command line (install the ``cli`` extra: click and rich).

Commands: ``search``, ``task``, ``batch`` (a CSV or JSONL file through one Task Group, resumable), ``runs`` and
``groups`` (look up work by id), ``emulator`` (serve the offline API) and ``demo``. Global options: ``--api-key``
(or ``PARALLEL_API_KEY``), ``--base-url`` (or ``PARALLEL_BASE_URL``), ``--emulator`` (a fresh in-process
emulator for this command), ``-v/--verbose`` (the ``parallel_integrations`` logger at DEBUG on stderr; ``-vv`` adds
the ``httpx`` and ``httpcore`` loggers).

Exit codes: 0 ok, 1 API error or failed run, 2 usage, 3 bad input file or schema, 4 no API key, 130 interrupted.

Building the commands imports only click (besides the package itself); rich and the emulator's server are
imported by the commands that use them, so ``--help`` costs little more than ``import parallel_integrations``.
"""

from __future__ import annotations

from .main import cli, main

__all__ = ["cli", "main"]
