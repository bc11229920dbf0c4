"""``python -m parallel_integrations.cli``: the same as the ``parallel-integrations`` command."""

from parallel_integrations.cli import main

main()
